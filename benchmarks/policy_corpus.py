"""Benchmark: precision and recall of the policy pack's plaintext-key rules on the labelled corpus.

Run with ``python benchmarks/policy_corpus.py``. It generates the corpus of ``tests/policy/corpus.py``
(fixed seed: 12,000 innocent values, 1,000 synthetic keys per vendor format, 2,200 keys of no known
vendor), places every value in every resource type and property the pack inspects and in stack
outputs (plain, base64 and JSON-encoded), runs the pack's pure cores on them and prints:

* the false-positive rate of the entropy rule and of the vendor-pattern rules on innocent values;
* the vendor-pattern recall per vendor format;
* the entropy rule's recall on keys of no known vendor;
* whether the targets are met (entropy FP <= 0.1%, vendor FP <= 0.01%, vendor recall 100%).

``--before REF`` also measures the pack as it was at git revision ``REF`` (extracted to a temporary
directory) on the same corpus, for a before/after comparison in one run. Exits 1 when a target is
missed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests" / "policy"

ENTROPY_FP_TARGET = 0.001
VENDOR_FP_TARGET = 0.0001

_MEASURE = """
import sys
sys.path[:0] = [{policy!r}, {tests!r}]
import corpus_eval
print(corpus_eval.report(corpus_eval.measure()))
"""


def _measure_in(policy_dir: Path) -> str:
    """Run the measurement in a fresh interpreter importing the pack from ``policy_dir``."""
    code = _MEASURE.format(policy=str(policy_dir), tests=str(TESTS))
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)  # noqa: S603
    return done.stdout


def _extract_policy(ref: str, into: Path) -> Path:
    archive = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "policy/ai_keys_policy"],  # noqa: S607
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "policy"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", metavar="REF", help="also measure the pack at this git revision")
    args = parser.parse_args()

    sys.path[:0] = [str(ROOT / "policy"), str(TESTS)]
    import corpus_eval  # type: ignore[import-not-found,unused-ignore]  # tests/policy, put on sys.path above

    if args.before:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"== before ({args.before}) ==")
            print(_measure_in(_extract_policy(args.before, Path(tmp))))
        print("== now ==")

    figures = corpus_eval.measure()
    print(corpus_eval.report(figures))
    checks = {
        f"entropy rule false-positive rate <= {ENTROPY_FP_TARGET:.1%}": figures.entropy_fp_rate <= ENTROPY_FP_TARGET,
        f"vendor-pattern false-positive rate <= {VENDOR_FP_TARGET:.2%}": figures.vendor_fp_rate <= VENDOR_FP_TARGET,
        "vendor-pattern recall 100% for every vendor format": all(r == 1.0 for r in figures.vendor_recall.values()),
    }
    print()
    for name, ok in checks.items():
        print(f"{'MET   ' if ok else 'MISSED'} {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
