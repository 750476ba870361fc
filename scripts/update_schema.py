"""Regenerate ``schema.json``, the committed snapshot of the multi-language schema of ai-keys.

    python scripts/update_schema.py           # rewrite schema.json from the code
    python scripts/update_schema.py --check   # exit 1 (with a diff) when schema.json is out of date

The schema is what TypeScript, Go, C#, Java and YAML programs are generated from; it is inferred from the
annotations and docstrings of ``SecureApiKey`` and ``SecureApiKeyArgs``. ``tests/test_schema.py`` fails
until the snapshot matches, so a change to the public API is always a deliberate, reviewed diff.
"""

import argparse
import difflib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))  # works from a checkout, uninstalled

from ai_keys.provider import schema_json

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "schema.json"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether schema.json is up to date")
    args = parser.parse_args(argv)
    current = schema_json()
    committed = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
    if current == committed:
        print(f"{SNAPSHOT.name} is up to date")
        return 0
    if args.check:
        diff = difflib.unified_diff(committed.splitlines(), current.splitlines(), "schema.json", "generated", lineterm="")
        print("\n".join(diff))
        print(f"{SNAPSHOT.name} is out of date: run `python scripts/update_schema.py`", file=sys.stderr)
        return 1
    SNAPSHOT.write_text(current, encoding="utf-8")
    print(f"wrote {SNAPSHOT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
