"""``benchmarks/rotation.py``: a short run meets its targets, the recorded figures meet them, and the manual's Rotation
figures (docs/benchmarks.md) are the recorded ones."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ai_keys.testing.rotation_drill import PAIRS

from ..benchmark_pages import BENCHMARKS_PAGE, load_benchmark, section

ROOT = Path(__file__).resolve().parent.parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "rotation.json"


@pytest.fixture(scope="module")
def rotation() -> Any:
    return load_benchmark("rotation")


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    """benchmarks/results/rotation.json."""
    document: dict[str, Any] = json.loads(RESULTS.read_text(encoding="utf-8"))
    return document


def test_a_short_run_prints_every_figure_and_meets_the_targets(rotation: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert rotation.main(["gemini/gcp", "--rotations", "3", "--runs", "1"]) == 0
    out = capsys.readouterr().out
    figures = dict(re.findall(r"^ {4}(\S.*?\S) {2,}(\S+)", out, flags=re.M))
    assert figures["rotations"] == "3"
    assert int(figures["requests"]) >= 2 * 4  # two clients, each in each of the 4 windows
    assert figures["failed requests"] == "0"
    assert int(figures["retried per client per rotation"]) <= 1
    assert int(figures["max live keys"]) <= 2
    ratio = re.search(r"^ +ratio +([\d.]+)x +\(target <= 1\.2x\)$", out, flags=re.M)
    assert ratio is not None
    assert float(ratio.group(1)) <= 1.2
    assert re.search(r"^ +import boto3 +[\d.]+ ms$", out, flags=re.M)
    assert re.search(r"^ +GCP entry: import +[\d.]+ ms", out, flags=re.M)
    assert re.search(r"^ +Azure entry: import +[\d.]+ ms", out, flags=re.M)
    assert re.search(r"^ +Lambda zip +[\d,]+ bytes$", out, flags=re.M)
    assert out.rstrip().endswith("all targets met")


def test_bad_arguments_and_a_partial_record_are_refused(rotation: Any, tmp_path: Path) -> None:
    assert rotation.main(["gemini/aws"], results=tmp_path / "r.json") == 2
    assert rotation.main(["--rotations", "x"], results=tmp_path / "r.json") == 2
    assert rotation.main(["--fast"], results=tmp_path / "r.json") == 2
    assert rotation.main(["gemini/gcp", "--record"], results=tmp_path / "r.json") == 2
    assert not (tmp_path / "r.json").exists()


def test_the_lambda_zip_holds_the_shipped_package(rotation: Any, tmp_path: Path) -> None:
    rotation.write_package(tmp_path, "aws")
    assert (tmp_path / "index.py").read_text(encoding="utf-8").startswith("from aikeys_rotator.aws_lambda import handler")
    assert (tmp_path / "aikeys_rotator" / "aws_lambda.py").is_file()
    assert 0 < rotation.lambda_zip_bytes() < sum(p.stat().st_size for p in tmp_path.rglob("*.py"))


def test_the_recorded_figures_come_from_the_benchmark_and_meet_the_targets(rotation: Any, recorded: dict[str, Any]) -> None:
    assert recorded["benchmark"] == "benchmarks/rotation.py"
    assert recorded["setup"] == rotation.setup()
    assert [(pair["issuer"], pair["store"]) for pair in recorded["pairs"]] == list(PAIRS)
    for pair in recorded["pairs"]:
        assert pair["rotations"] == rotation.ROTATIONS >= 100
        assert pair["clients"] == rotation.CLIENTS >= 2
    assert recorded["lambda_zip_bytes"] > 0
    assert recorded["handlers"]["runs"] == rotation.RUNS
    verdicts = rotation.met(recorded)
    assert all(verdicts.values()), [name for name, ok in verdicts.items() if not ok]


def test_the_rotation_figures_in_the_manual_are_the_recorded_ones(rotation: Any, recorded: dict[str, Any]) -> None:
    text = section(BENCHMARKS_PAGE, "Rotation")
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert rows == rotation.rows(recorded) + rotation.handler_rows(recorded)
    prose = " ".join(text.split())
    setup = recorded["setup"]
    ms = recorded["handlers"]["median_ms"]
    for figure in (
        f"{setup['rotations']} rotations",
        f"{setup['clients']} app clients",
        f"every {setup['pause_seconds']:g} s",
        f"{setup['every_days']} days",
        f"median of {setup['runs']}",
        f"{recorded['lambda_zip_bytes']:,} bytes",
        f"{ms['aws_import']:g} ms",
        f"{ms['aws_first_call']:g} ms",
    ):
        assert figure in prose, figure
    assert "python benchmarks/rotation.py" in BENCHMARKS_PAGE.read_text(encoding="utf-8")
