"""``ai-keys run``: keys into a command's environment, exit codes, masking, unreadable refs."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping

import pytest

from ai_keys.__main__ import main as cli
from ai_keys.runtime import KeyCache
from ai_keys.runtime.run import EXIT_FAILED, EXIT_NOT_FOUND, run

CHILD_CHECK = "import os, sys; sys.exit(7 if os.environ['OPENAI_API_KEY'] == os.environ['EXPECTED'] else 3)"


class Recorder:
    """Stands in for exec: records the command and environment, returns ``status``."""

    def __init__(self, status: int = 0) -> None:
        self.status = status
        self.calls: List[tuple] = []

    def __call__(self, command: List[str], env: Mapping[str, str]) -> int:
        self.calls.append((command, dict(env)))
        return self.status


@pytest.fixture
def aws_env(moto_endpoint: str) -> Dict[str, str]:
    """An environment in which the command's own reader talks to moto."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_ENDPOINT_URL_SECRETS_MANAGER=moto_endpoint,
        AWS_CONFIG_FILE="/nonexistent",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def test_values_reach_the_command_and_its_exit_status_passes_through(
    make_cache: Callable[..., KeyCache], make_aws_secret: Callable[[str], str], new_value: Callable[[], str], tmp_path: Path
) -> None:
    first, second = new_value(), new_value()
    arn1, arn2 = make_aws_secret(first), make_aws_secret(second)
    env_file = tmp_path / "keys.env"
    env_file.write_text(f"# keys for the app\n\nexport ANTHROPIC_API_KEY={arn2}\n")
    recorder = Recorder(status=42)
    status = run(
        ["--env", f"OPENAI_API_KEY={arn1}", "--env-file", str(env_file), "--", "python", "app.py"],
        cache=make_cache(),
        environ={"PATH": "/bin"},
        execute=recorder,
    )
    assert status == 42
    [(command, env)] = recorder.calls
    assert command == ["python", "app.py"]
    assert env == {"PATH": "/bin", "OPENAI_API_KEY": first, "ANTHROPIC_API_KEY": second}


def test_end_to_end_the_child_gets_the_key_and_its_exit_code(
    aws_env: Dict[str, str], make_aws_secret: Callable[[str], str], new_value: Callable[[], str]
) -> None:
    value = new_value()
    arn = make_aws_secret(value)
    command = [sys.executable, "-m", "ai_keys", "run", "--env", f"OPENAI_API_KEY={arn}", "--", sys.executable, "-c", CHILD_CHECK]
    done = subprocess.run(command, env={**aws_env, "EXPECTED": value}, capture_output=True, text=True, timeout=60)  # noqa: S603
    assert done.returncode == 7, done.stderr
    assert value not in done.stdout + done.stderr


def test_an_unreadable_ref_stops_before_the_command_naming_the_variable(
    aws_env: Dict[str, str], make_aws_secret: Callable[[str], str], new_value: Callable[[], str], tmp_path: Path
) -> None:
    good = make_aws_secret(new_value())
    missing = good[:-6] + "zzzzzz"
    marker = tmp_path / "started"
    command = [
        sys.executable, "-m", "ai_keys", "run",
        "--env", f"GOOD={good}", "--env", f"OPENAI_API_KEY={missing}",
        "--", sys.executable, "-c", f"open({str(marker)!r}, 'w')",
    ]  # fmt: skip
    done = subprocess.run(command, env=aws_env, capture_output=True, text=True, timeout=60)  # noqa: S603
    assert done.returncode == EXIT_FAILED
    assert not marker.exists()
    assert "cannot read OPENAI_API_KEY: secret not found" in done.stderr


def test_a_stored_value_with_a_nul_byte_stops_the_run_on_one_line(
    aws_env: Dict[str, str], make_aws_secret: Callable[[str], str], new_value: Callable[[], str]
) -> None:
    value = new_value()
    arn = make_aws_secret(f"{value}\0{value}")  # exec would refuse it with a traceback
    command = [sys.executable, "-m", "ai_keys", "run", "--env", f"OPENAI_API_KEY={arn}", "--", sys.executable, "-c", "pass"]
    done = subprocess.run(command, env=aws_env, capture_output=True, text=True, timeout=60)  # noqa: S603
    assert done.returncode == EXIT_FAILED, done.stderr
    assert done.stderr.startswith("ai-keys run: error: cannot pass OPENAI_API_KEY to the command: its value"), done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert value[-8:] not in done.stdout + done.stderr


def test_values_are_masked_in_the_commands_own_errors(
    make_cache: Callable[..., KeyCache],
    make_aws_secret: Callable[[str], str],
    new_value: Callable[[], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    value = new_value()
    arn = make_aws_secret(value)
    status = run(["--env", f"K={arn}", "--", value], cache=make_cache())  # a command named like the key
    assert status == EXIT_NOT_FOUND
    err = capsys.readouterr().err
    assert "command not found: <hidden>" in err
    assert value not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["--env", "sk-live-typed-instead-of-a-ref", "--", "true"],
        ["--env", "OPENAI_API_KEY=sk-live-typed-instead-of-a-ref", "--", "true"],
        ["--env", "1BAD=sk-live-typed-instead-of-a-ref", "--", "true"],
        ["--bogus=sk-live-typed-instead-of-a-ref", "--", "true"],
    ],
    ids=["no-name", "a-value-for-a-ref", "bad-name", "unknown-option"],
)
def test_a_value_typed_by_mistake_is_never_echoed(argv: List[str], capsys: pytest.CaptureFixture[str]) -> None:
    recorder = Recorder()
    assert run(argv, cache=KeyCache(), execute=recorder) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith("ai-keys run: error:")
    assert "sk-live" not in err
    assert recorder.calls == []


def test_an_env_file_line_without_a_name_is_refused_by_line_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env_file = tmp_path / "keys.env"
    env_file.write_text("sk-live-pasted-value\n")
    assert run(["--env-file", str(env_file), "--", "true"], execute=Recorder()) == EXIT_FAILED
    err = capsys.readouterr().err
    assert "line 1" in err
    assert "sk-live" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["--", "true"], "nothing to set"), (["--env", "K=projects/p-12345/secrets/s"], "no command")],
)
def test_usage_errors(argv: List[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(argv, execute=Recorder()) == EXIT_FAILED
    assert message in capsys.readouterr().err


def test_the_cli_dispatches_run(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: List[Any] = []
    monkeypatch.setattr("ai_keys.runtime.run.run", lambda argv: seen.append(argv) or 5)
    assert cli(["run", "--env", "K=R", "--", "true"]) == 5
    assert seen == [["--env", "K=R", "--", "true"]]
