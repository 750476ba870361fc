"""The manual's figures are what the code and the benchmarks give: the sample preview output
(docs/guides/offline-preview.md), the resources and dependency chains per backend (docs/benchmarks.md), and the
import times recorded by ``benchmarks/component_overhead.py`` (docs/benchmarks.md, docs/guides/reading-keys.md).
README held them all once; the file keeps its name."""

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

from ai_keys.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = {
    "Offline preview": DOCS / "guides" / "offline-preview.md",
    "The component's cost": DOCS / "benchmarks.md",
    "Reading keys in apps": DOCS / "guides" / "reading-keys.md",
}
RESULTS = ROOT / "benchmarks" / "results" / "imports.json"
DASH = "\N{EN DASH}"  # the manual writes a range of figures with an en dash
ELISION = re.compile(r"^\s*\|?\s*\.\.\.$")


def section(title: str, *, whole: bool = False) -> str:
    """The text of ``PAGES[title]`` from the heading ``title`` to the next heading of any level (a ``#`` line inside
    a fenced code block is not a heading), or to the end of the page with ``whole``."""
    lines = PAGES[title].read_text(encoding="utf-8").splitlines(keepends=True)
    fenced = False
    start = None
    for index, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            if start is not None and not whole:
                return "".join(lines[start:index])
            if line.rstrip("\n").lstrip("#") == f" {title}":
                start = index + 1
    assert start is not None, title
    return "".join(lines[start:])


def _benchmark() -> Any:
    spec = importlib.util.spec_from_file_location("ai_keys_component_overhead", ROOT / "benchmarks" / "component_overhead.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------------- the sample preview


def _sample() -> tuple[list[str], list[str]]:
    """(the preview command's arguments, the lines of the offline preview page's sample output)."""
    text = section("Offline preview", whole=True)
    command = re.search(r"^python -m ai_keys (preview \S+ --secret \S+)$", text, flags=re.M)
    assert command is not None, "the offline preview page lost the preview command the sample is the output of"
    sample = re.search(r"Sample \(excerpt\):\n\n```\n(.*?)```", text, flags=re.S)
    assert sample is not None, "the offline preview page lost the sample output"
    return command.group(1).split(), sample.group(1).splitlines()


def _runs(lines: list[str]) -> list[list[str]]:
    """The sample's lines between its elisions (``...``)."""
    runs: list[list[str]] = [[]]
    for line in lines:
        if ELISION.match(line):
            runs.append([])
        else:
            runs[-1].append(line)
    return [run for run in runs if run]


def test_the_sample_preview_output_is_what_the_preview_prints(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv, sample = _sample()
    monkeypatch.chdir(ROOT)
    assert main(argv) == 0
    real = capsys.readouterr().out.splitlines()
    runs = _runs(sample)
    assert len(runs) >= 3
    assert real[: len(runs[0])] == runs[0], "the sample's first lines differ from the preview's"
    assert real[-len(runs[-1]) :] == runs[-1], "the sample's last lines (outputs, count, chain) differ"
    at = 0
    for run in runs:
        found = next((i for i in range(at, len(real) - len(run) + 1) if real[i : i + len(run)] == run), None)
        assert found is not None, "\n".join(["this part of the sample is not in the preview's output (in order):", *run])
        at = found + len(run)


# ------------------------------------------------------------------------------- resources and chains


def test_the_resources_and_chains_per_backend_are_what_the_benchmark_prints() -> None:
    rows = re.findall(r"^\| ([^|]+?) \| (\d+) \| (\d+: [^|]+?) \|$", section("The component's cost"), flags=re.M)
    benchmark = _benchmark()
    printed = []
    for args in benchmark.CONFIGURATIONS.values():
        count, depth, chain = benchmark.describe("key", args)
        printed.append((count, f"{depth}: {chain}"))
    assert [(count, chain) for _, count, chain in rows] == printed


# ------------------------------------------------------------------------------------------ import times


def _recorded() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(RESULTS.read_text(encoding="utf-8"))
    return document


def test_the_recorded_import_times_come_from_the_benchmark_as_it_is() -> None:
    recorded = _recorded()
    benchmark = _benchmark()
    assert recorded["benchmark"] == "benchmarks/component_overhead.py"
    assert recorded["runs"] == benchmark.IMPORT_RUNS
    assert set(recorded["imports"]) == {"ai_keys", "ai_keys.runtime"}
    for timing in recorded["imports"].values():
        assert 0 < timing["min_ms"] <= timing["max_ms"]


def _range(module: str) -> str:
    timing = _recorded()["imports"][module]
    return f"{timing['min_ms']}{DASH}{timing['max_ms']} ms"


def test_the_import_times_in_the_benchmarks_section_are_the_recorded_ones() -> None:
    text = " ".join(section("The component's cost").split())
    match = re.search(
        rf"each import timed in (\d+) fresh interpreters: `import ai_keys` loads no cloud SDK \((\d+{DASH}\d+ ms)\) and "
        rf"`import ai_keys\.runtime` loads neither a cloud SDK nor Pulumi \((\d+{DASH}\d+ ms)\)",
        text,
    )
    assert match is not None, "the benchmarks page lost its import figures"
    assert match.groups() == (str(_recorded()["runs"]), _range("ai_keys"), _range("ai_keys.runtime"))


def test_the_import_time_where_the_manual_tells_how_to_read_a_key_is_the_recorded_one() -> None:
    text = " ".join(section("Reading keys in apps").split())
    match = re.search(r"Importing `ai_keys\.runtime` loads no cloud SDK, nor the Pulumi SDK \(([^)]*?ms)", text)
    assert match is not None, "the reading-keys page lost the import time of ai_keys.runtime"
    assert match.group(1).startswith(_range("ai_keys.runtime"))
