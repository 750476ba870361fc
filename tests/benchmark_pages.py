"""Helpers for the tests that check a benchmark's recorded figures against the Benchmarks page."""

import importlib.util
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_PAGE = ROOT / "docs" / "benchmarks.md"


def load_benchmark(name: str) -> Any:
    """``benchmarks/<name>.py``, loaded from its file (``benchmarks/`` is not a package)."""
    spec = importlib.util.spec_from_file_location(f"ai_keys_{name}_benchmark", ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def section(path: Path, title: str) -> str:
    """The text of ``path`` from the heading ``title`` to the next heading (a ``#`` in a fenced block is not one)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    fenced, start = False, None
    for index, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            if start is not None:
                return "".join(lines[start:index])
            if line.rstrip("\n").lstrip("#") == f" {title}":
                start = index + 1
    assert start is not None, f"{path.name} has no section {title!r}"
    return "".join(lines[start:])
