"""Build the policy pack's release archive: ``dist/ai-keys-policy-pack-<version>.tar.gz``.

    python scripts/build_policy_pack.py                  # writes dist/ai-keys-policy-pack-<version>.tar.gz
    python scripts/build_policy_pack.py --outdir OUT     # somewhere else

The archive holds one folder, ``ai-keys-policy-pack/``, with what ``pulumi preview --policy-pack`` runs:
``PulumiPolicy.yaml``, ``__main__.py``, ``requirements.txt`` and every file of the ``ai_keys_policy`` package. The release
workflow attaches it to the GitHub release, so the pack can be used without a checkout; the sdist on PyPI
carries the same files under ``policy/``. It fails when ``PulumiPolicy.yaml``'s version is not the package's.
"""

import argparse
import io
import re
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policy"
FOLDER = "ai-keys-policy-pack"
FILES = ("PulumiPolicy.yaml", "__main__.py", "requirements.txt")


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


def build(outdir: Path) -> Path:
    """Write the archive into ``outdir`` and return its path."""
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
    args = parser.parse_args(argv)
    print(build(args.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
