"""Stand-ins: what a previewed program gets for its secret config, so that a leak is never a coincidence.

The program never gets the text given for a secret (``--secret NAME=VALUE``, ``AI_KEYS_PREVIEW_SECRET_<KEY>``,
a ``secure:`` stack value). It gets a fresh stand-in of :data:`STAND_IN_LENGTH` random letters and digits
instead, and the leak search looks for that. At about 238 bits, a stand-in found in a non-secret output or
input was put there by the program: an ordinary word given as the value (``secret``, ``key``) can no longer
match ARNs, names or the report's own text. Letters and digits pass the strictest value rule a store has
(API Gateway: 20 to 128 letters and digits) and every size limit.

A value that is a JSON object or array keeps its structure, so ``Config.require_secret_object`` still reads
it: each string in it becomes a stand-in of its own, and keys, numbers, booleans and nulls stay as given.
"""

import json
import secrets
import string
from typing import Any, Optional

__all__ = ["STAND_IN_LENGTH", "new_stand_in", "stand_in_for"]

STAND_IN_LENGTH = 40
"""Characters in a stand-in."""

_ALPHABET = string.ascii_letters + string.digits


def new_stand_in() -> str:
    """A fresh stand-in: :data:`STAND_IN_LENGTH` letters and digits from the operating system's random source."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(STAND_IN_LENGTH))


def stand_in_for(given: Optional[str]) -> tuple[str, list[str]]:
    """The value the program gets for a secret given as ``given`` (None: no value given), and the stand-ins in it."""
    structure = _structure(given)
    if structure is None:
        text = new_stand_in()
        return text, [text]
    made: list[str] = []
    return json.dumps(_replace_strings(structure, made)), made


def _replace_strings(value: Any, made: list[str]) -> Any:
    """``value`` (JSON-able data) with every string replaced by a new stand-in, each appended to ``made``."""
    if isinstance(value, str):
        made.append(new_stand_in())
        return made[-1]
    if isinstance(value, dict):
        return {key: _replace_strings(item, made) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_strings(item, made) for item in value]
    return value


def _structure(given: Optional[str]) -> Optional[Any]:
    """``given`` parsed, when it is a JSON object or array; None for anything else (it is text)."""
    if given is None or given.lstrip()[:1] not in ("{", "["):
        return None
    try:
        parsed = json.loads(given)
    except ValueError:
        return None
    return parsed if isinstance(parsed, (dict, list)) else None
