"""README's two set-up commands stay true: the main job previews an example offline, and the test command
is the one CI runs."""

import re
import shlex
from pathlib import Path

import pytest

from ai_keys.__main__ import main

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()


def test_the_main_job_previews_an_example_offline(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    match = re.search(r"\.venv/bin/python -m ai_keys (preview .+)$", README, flags=re.M)
    assert match is not None, "README lost its offline preview command"
    monkeypatch.chdir(ROOT)
    assert main(shlex.split(match.group(1))) == 0
    out = capsys.readouterr().out
    assert "offline preview" in out
    assert re.search(r"^Resources: \d+", out, flags=re.M)
    assert "sk-placeholder" not in out


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    command = re.search(r"^TEST_COMMAND='(.+)'$", ci, flags=re.M)
    assert command is not None
    assert f"\n{command.group(1)}\n" in README
