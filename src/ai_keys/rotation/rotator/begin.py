"""What every entry does before it reads its event: keep key values out of the logs, and read its settings."""

import logging
import os
from collections.abc import Mapping
from typing import Optional

from . import logsafe
from .settings import Settings

__all__ = ["begin"]

log = logging.getLogger("aikeys_rotator")


def begin(env: Optional[Mapping[str, str]] = None) -> Settings:
    """Install the log filter, log at INFO unless told otherwise, and read the settings (``env``: tests)."""
    logsafe.install()
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
    return Settings.from_env(os.environ if env is None else env)
