"""The offline preview with any value for a secret: the program gets a high-entropy stand-in, so an ordinary
word never makes a false leak, a real leak is still caught, and the report is never rewritten around it."""

import json
import os
import re
from pathlib import Path

import pytest

from ai_keys.__main__ import main
from ai_keys.stores.aws_api_gateway.rules import check_key_value

from .conftest import CANARY
from .scenarios import strings

KEY_PROGRAM = """
import pulumi
from ai_keys import SecureApiKey

config = pulumi.Config()
key = SecureApiKey("openai", {"backend": "aws-secrets-manager", "value": config.require_secret("openai_api_key")})
pulumi.export("openai_key_ref", key.secret_ref)
"""

# What the program sees of its secret, exported on purpose through a non-secret channel (lengths and flags only).
SHAPE_PROGRAM = """
import pulumi

config = pulumi.Config()
seen = config.require("token")  # read as plain text: the program holds exactly what the preview gave it
pulumi.export("length", len(seen))
pulumi.export("letters_and_digits", seen.isalnum())
pulumi.export("is_the_typed_word", seen == "secret")
pulumi.export("matches_other", seen == config.require("other"))
"""

REPORT_KEYS = [
    "preview",
    "project",
    "stack",
    "resources",
    "outputs",
    "resource_count",
    "longest_chain",
    "placeholders",
    "diagnostics",
    "leaks",
    "complete",
]


def make_project(root: Path, program: str, files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text("name: demo\nruntime: python\n", encoding="utf-8")
    (root / "__main__.py").write_text(program, encoding="utf-8")
    for name, text in (files or {}).items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def preview(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["preview", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(autouse=True)
def _no_preview_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("AI_KEYS_PREVIEW_"):
            monkeypatch.delenv(name)


def test_an_ordinary_word_as_the_value_changes_nothing_in_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "app", KEY_PROGRAM)
    code, text, err = preview(capsys, str(project), "--secret", "openai_api_key=secret")
    assert (code, err) == (0, "")
    assert "LEAK" not in text
    assert "    +-- aws:secretsmanager/secret:Secret  openai-secret" in text.splitlines()
    assert re.search(r'^    openai_key_ref: "arn:aws:secretsmanager:us-east-1:123456789012:secret:openai-secret-', text, re.M)
    code, out, err = preview(capsys, str(project), "--secret", "openai_api_key=placeholders", "--json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert list(document) == REPORT_KEYS
    assert document["leaks"] == []
    # "[secret]" only ever stands alone, for a secret: never inside a type, an ARN or a key.
    assert [s for s in strings(document) if "[secret]" in s and s != "[secret]"] == []


def test_the_program_gets_a_high_entropy_stand_in_not_the_typed_word(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "shape", SHAPE_PROGRAM)
    code, out, err = preview(capsys, str(project), "--secret", "token=secret", "--secret", "other=secret", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["outputs"] == {
        "length": 40,
        "letters_and_digits": True,
        "is_the_typed_word": False,
        "matches_other": False,  # one stand-in per secret, even for the same word
    }


def test_a_secret_needs_no_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "app", KEY_PROGRAM)
    code, out, err = preview(capsys, str(project), "--secret", "openai_api_key", "--json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document["leaks"] == []
    secret_version = next(r for r in document["resources"] if r["name"] == "openai-version")
    assert secret_version["inputs"]["secretString"] == "[secret]"


@pytest.mark.parametrize("given", ["openai_api_key=key", "openai_api_key", f"openai_api_key={CANARY}"])
def test_a_real_leak_of_what_the_program_got_is_still_caught(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], given: str
) -> None:
    program = """
import pulumi
import pulumi_aws as aws
config = pulumi.Config()
aws.s3.Bucket("logs", tags={"auth": "Bearer " + config.require("openai_api_key"), "kind": "key"})
pulumi.export("leak", config.require("openai_api_key"))
pulumi.export("kept", config.require_secret("openai_api_key"))
pulumi.export("word", "key")
"""
    project = make_project(tmp_path / "leaky", program)
    code, out, err = preview(capsys, str(project), "--secret", given, "--json")
    assert code == 1
    assert err == (
        "ai-keys preview: error: 2 secret leak(s): a secret's value reaches an output or input that is not a secret, "
        "which a real deploy stores in plaintext; see Leaks\n"
    )
    document = json.loads(out)
    assert document["outputs"] == {"leak": "[LEAK]", "kept": "[secret]", "word": "key"}
    assert document["resources"][0]["inputs"]["tags"] == {"auth": "Bearer [LEAK]", "kind": "key"}
    assert document["leaks"] == [
        {"where": "resource 'logs' (aws:s3/bucket:Bucket) input 'tags.auth'", "secret": "secret config 'demo:openai_api_key'"},
        {"where": "output 'leak'", "secret": "secret config 'demo:openai_api_key'"},
    ]
    assert CANARY not in out + err


def test_what_the_program_prints_of_its_secret_is_scrubbed_and_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = """
import pulumi
token = pulumi.Config().require("token")
print("token is", token, "- a secret token")
pulumi.log.warn("the token " + token + " is a secret")
"""
    project = make_project(tmp_path / "chatty", program)
    code, out, err = preview(capsys, str(project), "--secret", "token=secret")
    assert code == 0
    assert err == "token is [secret] - a secret token\n"
    assert "    warning: the token [secret] is a secret" in out.splitlines()


def test_a_json_object_keeps_its_structure_with_each_string_a_stand_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = """
import pulumi
db = pulumi.Config().require_object("db")  # read as plain data on purpose
pulumi.export("fields", sorted(db))
pulumi.export("port", db["port"])
pulumi.export("distinct", db["user"] != db["password"] and len(db["password"]) == 40)
pulumi.export("leak", db["password"])
"""
    project = make_project(tmp_path / "db", program)
    given = 'db={"user": "admin", "password": "secret", "port": 5432}'
    code, out, _ = preview(capsys, str(project), "--secret", given, "--json")
    assert code == 1
    document = json.loads(out)
    assert document["outputs"] == {"fields": ["password", "port", "user"], "port": 5432, "distinct": True, "leak": "[LEAK]"}
    assert document["leaks"] == [{"where": "output 'leak'", "secret": "secret config 'demo:db'"}]


def test_secure_stack_values_get_stand_ins_inside_objects_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = """
import pulumi
config = pulumi.Config()
db = config.require_object("db")
pulumi.export("user", db["user"])
pulumi.export("password_length", len(db["password"]))
pulumi.export("leak", config.require("token"))
"""
    stack = (
        "config:\n  demo:token:\n    secure: AAABAGVuY3J5cHRlZA==\n"
        "  demo:db:\n    user: admin\n    password:\n      secure: AAAB\n"
    )
    project = make_project(tmp_path / "stack", program, {"Pulumi.dev.yaml": stack})
    code, out, _ = preview(capsys, str(project), "--json")
    assert code == 1
    document = json.loads(out)
    assert document["outputs"] == {"user": "admin", "password_length": 40, "leak": "[LEAK]"}
    assert document["placeholders"] == ["demo:token", "demo:db"]
    assert document["leaks"] == [{"where": "output 'leak'", "secret": "secret config 'demo:token'"}]


def test_a_stand_in_passes_the_strictest_value_rule() -> None:
    from ai_keys.preview._standin import new_stand_in, stand_in_for

    value, made = stand_in_for("key")
    assert made == [value]
    assert check_key_value(value) == value  # API Gateway: 20-128 letters and digits
    assert len({new_stand_in() for _ in range(1000)}) == 1000
    assert stand_in_for('"a JSON string is text"')[0].isalnum()
    assert stand_in_for("{not json")[0].isalnum()


def test_outputs_and_ids_are_printed_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long_text = "https://example.com/" + "segment/" * 20
    program = f"""
import pulumi
import pulumi_aws as aws
secret = aws.secretsmanager.Secret("s")
aws.secretsmanager.SecretVersion("v", secret_id=secret.id, secret_string=pulumi.Output.secret("v"))
pulumi.export("url", {long_text!r})
pulumi.export("many", ["a", "b", "c", "d", {{"k": 1}}])
pulumi.export("nested", {{"one": 1, "two": [2, 2], "three": "3", "four": None, "five": pulumi.Output.secret("s")}})
"""
    project = make_project(tmp_path / "long", program)
    code, out, _ = preview(capsys, str(project))
    assert code == 0
    lines = out.splitlines()
    assert len(long_text) > 96
    assert f"    url: {json.dumps(long_text)}" in lines
    assert '    many: ["a", "b", "c", "d", {k: 1}]' in lines
    assert '    nested: {five: [secret], four: null, one: 1, three: "3", two: [2, 2]}' in lines
    version_id = re.compile(r"^ +id: arn:aws:secretsmanager:us-east-1:123456789012:secret:s-[\w-]+\|[0-9a-f-]{36}$")
    assert [line for line in lines if version_id.match(line) and len(line.strip()) > 96]
