"""The rotator's code as a Pulumi archive, from the files shipped in the wheel: nothing is downloaded at deploy time.

Every ``.py`` file of :mod:`ai_keys.rotation.rotator` goes in as the package ``aikeys_rotator/`` (sorted, no
``__pycache__``, no tests), beside the entry file the cloud's function runtime loads:

==========  ===================  ==============================================================================
cloud       entry                what it does
==========  ===================  ==============================================================================
``aws``     ``index.py``         ``index.handler``: ``from aikeys_rotator.aws_lambda import handler``
``gcp``     ``main.py``          entry point ``main``: ``from aikeys_rotator.gcp_function import main``
``azure``   ``function_app.py``  the Event Grid trigger, from ``rotator/entries/function_app.py.txt``, and
                                 ``host.json`` from ``rotator/entries/``
==========  ===================  ==============================================================================

The archive holds explicit assets only, so its content (and Pulumi's hash of it) changes exactly when the shipped
code does: upgrading the library redeploys the function, and nothing else does.
"""

import atexit
import contextlib
import hashlib
import sys
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Union

import pulumi

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

__all__ = ["ENTRIES", "PACKAGE", "Cloud", "archive", "archive_digest", "entry_texts", "package_files"]

Cloud = Literal["aws", "gcp", "azure"]
PACKAGE = "aikeys_rotator"
"""The name the rotator's package has in the archive (it imports nothing of ``ai_keys``: relative imports only)."""
ENTRIES_DIR = "entries"
"""The rotator's data files for the entries that are not Python the library can import (Azure's needs
``azure.functions``)."""
ENTRIES: dict[str, dict[str, str]] = {
    "aws": {"index.py": f'from {PACKAGE}.aws_lambda import handler\n\n__all__ = ["handler"]\n'},
    "gcp": {"main.py": f'from {PACKAGE}.gcp_function import main\n\n__all__ = ["main"]\n'},
    "azure": {"function_app.py": "function_app.py.txt", "host.json": "host.json"},
}
"""Per cloud: archive path -> the entry's text (AWS, GCP), or the name of its data file in ``rotator/entries/``."""
_SKIPPED_DIRS = frozenset({"__pycache__", "tests", "test"})

# Files extracted for a zipped install must outlive the program's registrations: Pulumi reads the assets after
# archive() returns, so they are released only when the process exits.
_EXTRACTED = contextlib.ExitStack()
atexit.register(_EXTRACTED.close)


def _rotator() -> "Traversable":
    return files("ai_keys.rotation.rotator")


def _on_disk(item: "Traversable") -> Path:
    return _EXTRACTED.enter_context(as_file(item))


def _is_test(name: str) -> bool:
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def package_files() -> list[tuple[str, Path]]:
    """``(path in the archive, file on disk)`` for every ``.py`` of the rotator, sorted by archive path."""
    found: list[tuple[str, Path]] = []

    def walk(folder: "Traversable", prefix: str) -> None:
        for item in folder.iterdir():
            if item.is_dir():
                if item.name not in _SKIPPED_DIRS and not item.name.startswith("."):
                    walk(item, f"{prefix}{item.name}/")
            elif item.name.endswith(".py") and not _is_test(item.name):
                found.append((f"{PACKAGE}/{prefix}{item.name}", _on_disk(item)))

    walk(_rotator(), "")
    return sorted(found)


def entry_texts(cloud: Cloud) -> dict[str, str]:
    """The entry files of ``cloud``: archive path -> text. Raises ``FileNotFoundError`` naming the data file when
    the rotator does not ship one (an install without the Azure entry)."""
    if cloud not in ENTRIES:
        raise ValueError(f"no rotator entry for cloud {cloud!r}: one of {', '.join(ENTRIES)}")
    if cloud != "azure":
        return dict(ENTRIES[cloud])
    folder = _rotator() / ENTRIES_DIR
    texts: dict[str, str] = {}
    for target, source in ENTRIES[cloud].items():
        item = folder / source
        if not item.is_file():
            raise FileNotFoundError(f"the rotator ships no {ENTRIES_DIR}/{source}, the Azure entry {target}")
        texts[target] = item.read_text(encoding="utf-8")
    return texts


def archive(cloud: Cloud) -> pulumi.AssetArchive:
    """The rotator's package and ``cloud``'s entry, as the archive its function deploys (``aws``: a Lambda
    function's ``code``; ``gcp``: a Cloud Storage object's ``source``; ``azure``: the Function App's package blob).
    The package's files are ``FileAsset``s of the installed files; an entry is a ``StringAsset`` of its text."""
    assets: dict[str, Union[pulumi.Asset, pulumi.Archive]] = {
        path: pulumi.StringAsset(text) for path, text in sorted(entry_texts(cloud).items())
    }
    assets.update({path: pulumi.FileAsset(str(source)) for path, source in package_files()})
    return pulumi.AssetArchive(dict(sorted(assets.items())))


def archive_digest(archive: pulumi.AssetArchive) -> str:
    """A digest of every file in ``archive`` (names and contents): the same library ships the same digest."""
    sha = hashlib.sha256()
    for name in sorted(archive.assets):
        asset = archive.assets[name]
        sha.update(name.encode() + b"\x00")
        if isinstance(asset, pulumi.FileAsset):
            with open(str(asset.path), "rb") as handle:
                sha.update(handle.read())
        elif isinstance(asset, pulumi.StringAsset):
            sha.update(str(asset.text).encode())
        else:  # pragma: no cover - archive() builds file and string assets only
            raise TypeError(f"unexpected asset {type(asset).__name__} for {name}")
        sha.update(b"\x00")
    return sha.hexdigest()
