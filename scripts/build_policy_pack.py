"""Build the policy pack's release archive: ``dist/ai-keys-policy-pack-<version>.tar.gz``.

    python scripts/build_policy_pack.py                  # writes dist/ai-keys-policy-pack-<version>.tar.gz
    python scripts/build_policy_pack.py --outdir OUT     # somewhere else

The archive holds one folder, ``ai-keys-policy-pack/``, with what ``pulumi preview --policy-pack`` runs:
``PulumiPolicy.yaml``, ``__main__.py``, ``requirements.txt`` and every file of the ``ai_keys_policy`` package. The release
workflow attaches it to the GitHub release, so the pack can be used without a checkout; the sdist on PyPI
carries the same files under ``policy/``. It fails when ``PulumiPolicy.yaml``'s version is not the package's, and
when the wheel's copy of the pack's key patterns is stale.

    python scripts/build_policy_pack.py --sync           # copies the pack's key patterns into the wheel's package

``policy/ai_keys_policy/key_patterns.py`` is the one source of the fixed-prefix vendor patterns: the pack runs
without ``ai-keys`` installed, and ``SecureApiKey`` warns on a hard-coded key with the same patterns through
``src/ai_keys/key_patterns.py``, a verbatim copy that ``--sync`` writes.
"""

import argparse
import io
import os
import re
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policy"
FOLDER = "ai-keys-policy-pack"
FILES = ("PulumiPolicy.yaml", "__main__.py", "requirements.txt")
SHARED = POLICY / "ai_keys_policy" / "key_patterns.py"
"""The pack's module that the wheel carries a copy of."""
WHEEL_COPY = ROOT / "src" / "ai_keys" / "key_patterns.py"
"""The copy: ``ai_keys.key_patterns``."""


def version() -> str:
    """The package version, read from ``src/ai_keys/_version.py`` (nothing is imported)."""
    text = (ROOT / "src" / "ai_keys" / "_version.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"$', text, flags=re.M)
    if match is None:
        raise SystemExit("src/ai_keys/_version.py has no __version__")
    return match.group(1)


def _shipped(path: Path, package: Path) -> bool:
    """Every file of the package ships (modules and any data file), except caches and hidden files."""
    parts = path.relative_to(package).parts
    return path.is_file() and path.suffix != ".pyc" and not any(p == "__pycache__" or p.startswith(".") for p in parts)


def pack_files() -> list[Path]:
    """The files of the pack, relative to ``policy/``, in archive order."""
    package = POLICY / "ai_keys_policy"
    files = sorted(p.relative_to(POLICY) for p in package.rglob("*") if _shipped(p, package))
    return [Path(name) for name in FILES] + files


def wheel_copy_is_current() -> bool:
    """Whether ``src/ai_keys/key_patterns.py`` is byte for byte the pack's ``key_patterns.py``."""
    return WHEEL_COPY.is_file() and WHEEL_COPY.read_bytes() == SHARED.read_bytes()


def sync() -> Path:
    """Copy the pack's key patterns into the wheel's package; return the copy's path."""
    WHEEL_COPY.write_bytes(SHARED.read_bytes())
    return WHEEL_COPY


def build(outdir: Path) -> Path:
    """Write the archive into ``outdir`` and return its path."""
    if not wheel_copy_is_current():
        raise SystemExit(
            f"{os.path.relpath(WHEEL_COPY, ROOT)} is not a copy of {os.path.relpath(SHARED, ROOT)}: "
            "run `python scripts/build_policy_pack.py --sync`"
        )
    release = version()
    manifest = (POLICY / "PulumiPolicy.yaml").read_text(encoding="utf-8")
    if not re.search(rf"^version: {re.escape(release)}$", manifest, flags=re.M):
        raise SystemExit(f"policy/PulumiPolicy.yaml must say 'version: {release}' (the package version)")
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / f"{FOLDER}-{release}.tar.gz"
    with tarfile.open(target, "w:gz") as archive:
        for name in pack_files():
            data = (POLICY / name).read_bytes()
            info = tarfile.TarInfo(f"{FOLDER}/{name.as_posix()}")
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0  # the same files give the same archive
            archive.addfile(info, io.BytesIO(data))
    return target


def main(argv: list[str]) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", type=Path, default=ROOT / "dist", help="where to write the archive (default: dist/)")
    parser.add_argument("--sync", action="store_true", help="only copy the pack's key patterns into src/ai_keys/")
    args = parser.parse_args(argv)
    print(sync() if args.sync else build(args.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
