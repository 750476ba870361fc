"""A value known only at deploy time that breaks a rule is refused like a known one: one line, the field path,
what is allowed, and the program line that declared the key; in the mock engine and in the offline preview."""

import subprocess
import sys
from pathlib import Path

import pulumi
import pytest

from ai_keys import DeployTimeError, SecureApiKey
from ai_keys.testing import mock_pulumi

PROGRAM = """\
import pulumi
from ai_keys import SecureApiKey

role_name = pulumi.Output.from_input("summarizer")  # a role name where an ARN belongs
SecureApiKey("openai", {"backend": "aws-secrets-manager", "value": pulumi.Config().require_secret("k"), "readers": [role_name]})
"""


def test_the_refusal_is_a_run_error_pulumi_reports_without_a_stack_trace() -> None:
    with mock_pulumi() as engine, pytest.raises(DeployTimeError) as refused:
        engine.run(
            lambda: SecureApiKey(
                "openai",
                {"backend": "aws-secrets-manager", "value": "sk-x", "readers": [pulumi.Output.from_input("summarizer")]},
            )
        )
    message = str(refused.value)
    assert isinstance(refused.value, pulumi.RunError)
    assert not isinstance(refused.value, ValueError)  # the SDK would wrap a ValueError in "While processing ..."
    assert message.startswith("SecureApiKey 'openai' args.readers[0]: has characters or a shape that is not allowed")
    assert "allowed: an IAM principal ARN" in message
    assert message.endswith(f"declared at tests/{Path(__file__).name}:26)")
    assert "While processing" not in message
    assert "Output object" not in message
    assert refused.value.field == "readers[0]"
    assert engine.find("aws:secretsmanager/secret:Secret") == []  # the secret waited for the check


def test_the_offline_preview_prints_one_line_naming_the_program_line(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: refused\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(PROGRAM)
    done = subprocess.run(  # noqa: S603 - our own command, on a project this test wrote
        [sys.executable, "-m", "ai_keys", "preview", str(tmp_path), "--secret", "k=sk-placeholder-123456"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "SecureApiKey 'openai'" in line]
    assert len(errors) == 1, done.stderr
    assert "args.readers[0]: has characters or a shape that is not allowed" in errors[0]
    assert errors[0].endswith("declared at __main__.py:5)")
    assert "While processing" not in done.stderr
    assert "Traceback" not in done.stderr
    assert "sk-placeholder-123456" not in done.stdout + done.stderr
