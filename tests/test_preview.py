"""The offline preview command: tree, masking, count and chain, JSON, config sources, errors, entry points."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Optional

import pytest

from ai_keys.__main__ import main
from ai_keys.preview import longest_chain
from ai_keys.testing import RegisteredResource

from .conftest import CANARY

REPO = Path(__file__).parent.parent
FAILED_NOTE = "note: the program failed; this is what it registered before the failure"
EXAMPLE = REPO / "examples" / "aws-secrets-manager"

KEY_PROGRAM = """
import pulumi
import pulumi_aws as aws
from ai_keys import SecureApiKey

config = pulumi.Config()
key = SecureApiKey("openai", {
    "backend": "aws-secrets-manager",
    "value": config.require_secret("openai_api_key"),
    "description": config.get("description") or "OpenAI key",
    "tags": {"team": "ml"},
})
logs = aws.s3.Bucket("logs", tags={"app": "summarizer"})
pulumi.export("openai_key_ref", key.secret_ref)
pulumi.export("openai_key_value", key.value)
pulumi.export("logs_bucket_id", logs.id)
"""

# a -> b (depends_on) -> c (input: b.id) -> grp (component, depends_on c) -> grp-obj (child of grp): 5 deep.
# z stands alone. Six resources.
CHAIN_PROGRAM = """
import pulumi
import pulumi_aws as aws

a = aws.s3.Bucket("a")
b = aws.s3.Bucket("b", opts=pulumi.ResourceOptions(depends_on=[a]))
c = aws.s3.BucketVersioning("c", bucket=b.id, versioning_configuration={"status": "Enabled"})
grp = pulumi.ComponentResource("test:index:Group", "grp", None, pulumi.ResourceOptions(depends_on=[c]))
aws.s3.BucketObjectv2("grp-obj", bucket="fixed-bucket", content="hello", opts=pulumi.ResourceOptions(parent=grp))
aws.s3.Bucket("z")
"""


def make_project(root: Path, program: str, files: Optional[dict[str, str]] = None) -> Path:
    """A Pulumi project ``demo`` with ``Pulumi.yaml``, ``__main__.py`` and more ``files`` (name -> text)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text("name: demo\nruntime: python\n", encoding="utf-8")
    (root / "__main__.py").write_text(textwrap.dedent(program), encoding="utf-8")
    for file_name, text in (files or {}).items():
        (root / file_name).parent.mkdir(parents=True, exist_ok=True)
        (root / file_name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def preview(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["preview", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def preview_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code, out, err = preview(capsys, *argv, "--json")
    assert (code, err) == (0, "")
    document: dict[str, Any] = json.loads(out)
    return document


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in document["resources"]}


@pytest.fixture(autouse=True)
def _no_preview_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("AI_KEYS_PREVIEW_"):
            monkeypatch.delenv(name)


# ---------------------------------------------------------------- the report


def test_tree_nests_children_under_the_component_and_masks_the_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "app", KEY_PROGRAM)
    code, out, err = preview(capsys, str(project), "--secret", f"openai_api_key={CANARY}")
    assert (code, err) == (0, "")
    assert CANARY not in out
    lines = out.splitlines()
    assert lines[0] == "ai-keys offline preview (mock engine; no cloud calls): project 'demo', stack 'dev'"
    tree = lines[lines.index("Resources:") + 1 : lines.index("Outputs:") - 1]
    headers = [line for line in tree if "--" in line]
    assert headers == [
        "+-- aws:s3/bucket:Bucket  logs",
        "`-- ai-keys:index:SecureApiKey  openai",
        "    +-- aws:secretsmanager/secret:Secret  openai-secret",
        "    `-- aws:secretsmanager/secretVersion:SecretVersion  openai-version",
    ]
    assert "            secretString: [secret]" in tree
    assert '    |       description: "OpenAI key"' in tree
    assert '    |       tags: {team: "ml"}' in tree
    assert "    |       recoveryWindowInDays: 30" in tree
    assert '|       tags: {app: "summarizer"}' in tree
    assert "|       id: logs-" in "\n".join(tree)
    assert "    openai_key_value: [secret]" in lines
    assert any(
        line.startswith('    openai_key_ref: "arn:aws:secretsmanager:us-east-1:123456789012:secret:openai-secret-')
        for line in lines
    )
    assert "Resources: 4" in lines
    assert "Longest dependency chain: 3: openai -> openai-secret -> openai-version" in lines


def test_secret_from_the_environment_is_passed_as_a_secret_and_never_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "app", KEY_PROGRAM)
    monkeypatch.setenv("AI_KEYS_PREVIEW_SECRET_OPENAI_API_KEY", CANARY)
    for extra in ([], ["--json"]):
        code, out, err = preview(capsys, str(project), *extra)
        assert code == 0
        assert CANARY not in out + err
        assert "[secret]" in out


def test_env_key_names_follow_the_documented_mapping() -> None:
    from ai_keys.preview._project import env_secrets

    found = env_secrets(
        {
            "AI_KEYS_PREVIEW_SECRET_OPENAI_API_KEY": "a",
            "AI_KEYS_PREVIEW_SECRET_openaiApiKey": "b",
            "AI_KEYS_PREVIEW_SECRET_OTHER__DB_PASSWORD": "c",
            "AI_KEYS_PREVIEW_SECRET_": "ignored",
            "UNRELATED": "ignored",
        }
    )
    assert found == {"openai_api_key": "a", "openaiApiKey": "b", "other:db_password": "c"}


def test_json_document_lists_resources_outputs_count_and_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "app", KEY_PROGRAM)
    document = preview_json(capsys, str(project), "--secret", f"openai_api_key={CANARY}")
    assert CANARY not in json.dumps(document)
    assert document["preview"] == "offline preview (mock engine; no cloud calls)"
    assert (document["project"], document["stack"]) == ("demo", "dev")
    resources = by_name(document)
    assert [r["name"] for r in document["resources"]] == ["logs", "openai", "openai-secret", "openai-version"]
    assert {n: (r["type"], r["parent"]) for n, r in resources.items()} == {
        "openai": ("ai-keys:index:SecureApiKey", None),
        "openai-secret": ("aws:secretsmanager/secret:Secret", "openai"),
        "openai-version": ("aws:secretsmanager/secretVersion:SecretVersion", "openai"),
        "logs": ("aws:s3/bucket:Bucket", None),
    }
    version = resources["openai-version"]
    assert version["inputs"]["secretString"] == "[secret]"
    assert version["inputs"]["secretId"] == resources["openai-secret"]["id"]
    assert resources["openai-secret"]["inputs"] == {
        "description": "OpenAI key",
        "recoveryWindowInDays": 30,
        "tags": {"team": "ml"},
    }
    assert resources["openai"]["id"] is None  # components have no id
    assert resources["logs"]["inputs"] == {"tags": {"app": "summarizer"}}
    outputs = document["outputs"]
    assert outputs["openai_key_value"] == "[secret]"
    assert outputs["openai_key_ref"] == resources["openai-secret"]["id"]
    assert outputs["logs_bucket_id"] == resources["logs"]["id"]
    assert document["resource_count"] == 4
    assert document["longest_chain"] == {"length": 3, "resources": ["openai", "openai-secret", "openai-version"]}
    assert document["placeholders"] == []


def test_count_and_longest_chain_follow_parents_explicit_and_input_dependencies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path / "chain", CHAIN_PROGRAM)
    document = preview_json(capsys, str(project))
    assert document["resource_count"] == 6
    assert document["longest_chain"] == {"length": 5, "resources": ["a", "b", "c", "grp", "grp-obj"]}
    assert by_name(document)["grp-obj"]["parent"] == "grp"
    code, out, _ = preview(capsys, str(project))
    assert code == 0
    assert "Longest dependency chain: 5: a -> b -> c -> grp -> grp-obj" in out.splitlines()


def test_longest_chain_accepts_any_order_and_breaks_ties_by_name() -> None:
    def record(name: str, parent: str = "", depends: tuple[str, ...] = ()) -> RegisteredResource:
        return RegisteredResource(
            type="t", name=name, urn=name, parent_urn=parent, custom=True, inputs={}, dependencies=list(depends)
        )

    shuffled = [
        record("d", depends=("c",)),
        record("c", parent="b"),
        record("b", depends=("a",)),
        record("a"),
        record("x", depends=("a",)),
    ]
    assert [r.name for r in longest_chain(shuffled)] == ["a", "b", "c", "d"]
    assert [
        r.name for r in longest_chain([record("a"), record("c", depends=("a",)), record("b", depends=("a",)), record("z")])
    ] == ["a", "b"]
    assert longest_chain([]) == []


def test_empty_program_has_no_resources_and_a_chain_of_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "empty", "import pulumi\n")
    code, out, _ = preview(capsys, str(project))
    assert code == 0
    assert "Resources: 0" in out.splitlines()
    assert "Longest dependency chain: 0: (none)" in out.splitlines()


def test_nested_exported_secrets_are_masked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = """
    import pulumi
    value = pulumi.Config().require_secret("token")
    pulumi.export("bundle", {"token": value, "plain": "visible", "items": [value, 1]})
    pulumi.export("upper", value.apply(lambda v: v.upper()))
    """
    project = make_project(tmp_path / "nested", program)
    secret = "tok-1234-abcd"
    document = preview_json(capsys, str(project), "--secret", f"token={secret}")
    assert document["outputs"] == {
        "bundle": {"token": "[secret]", "plain": "visible", "items": ["[secret]", 1]},
        "upper": "[secret]",
    }


LEAK_ERROR = (
    "ai-keys preview: error: {count} secret leak(s): a secret's value reaches an output or input that is not a secret, "
    "which a real deploy stores in plaintext; see Leaks\n"
)

LEAKY_PROGRAM = """
import json
import pulumi
import pulumi_aws as aws
# Plain config that the program itself makes a secret: it is searched for as the program's own secret.
token = pulumi.Config().get("token")
aws.secretsmanager.SecretVersion("v", secret_id="s", secret_string=pulumi.Output.secret(token))
aws.s3.Bucket("b", tags={"long": "x" * 80 + token, "doc": json.dumps({"k": token}), "exact": token})
pulumi.log.warn("using " + token)
"""


@pytest.mark.parametrize(
    "secret",
    [
        'SECRETPART1"SECRETPART2',  # JSON-escaped once in the input, twice in --json output
        "LINE-ONE-SECRET\nLINE-TWO-SECRET",  # a multi-line value, e.g. a PEM key
    ],
)
def test_secret_values_in_plain_strings_are_scrubbed_before_truncating_or_escaping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], secret: str
) -> None:
    project = make_project(tmp_path / "leaky", LEAKY_PROGRAM)
    fragments = [part for part in secret.replace('"', "\n").splitlines() if part]
    for extra in ([], ["--json"]):
        code, out, err = preview(capsys, str(project), "--config", f"token={secret}", *extra)
        assert (code, err) == (1, LEAK_ERROR.format(count=3))
        for fragment in fragments:
            assert fragment not in out
            assert fragment[:-2] not in out  # not even the part left before a "..." cut
    code, out, _ = preview(capsys, str(project), "--config", f"token={secret}", "--json")
    document = json.loads(out)
    tags = by_name(document)["b"]["inputs"]["tags"]
    assert tags == {"long": "x" * 80 + "[LEAK]", "doc": '{"k": "[LEAK]"}', "exact": "[LEAK]"}
    assert document["diagnostics"] == [{"severity": "warning", "message": "using [secret]"}]
    assert [leak["where"] for leak in document["leaks"]] == [
        f"resource 'b' (aws:s3/bucket:Bucket) input {path!r}" for path in ("tags.doc", "tags.exact", "tags.long")
    ]


def test_a_multi_line_secret_in_the_error_line_is_scrubbed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = """
    import pulumi
    raise RuntimeError("bad token " + pulumi.Config().get("token"))
    """
    project = make_project(tmp_path / "boom", program)
    code, out, err = preview(capsys, str(project), "--secret", "token=LINE-ONE-SECRET\nLINE-TWO-SECRET")
    assert code == 1
    assert FAILED_NOTE in out
    assert err == "ai-keys preview: error: __main__.py line 3: program failed: RuntimeError: bad token [secret]\n"


def test_program_output_and_diagnostics_are_kept_apart_from_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = """
    import pulumi
    print("hello from the program", pulumi.Config().get("token"))
    pulumi.log.warn("think about rotation")
    """
    project = make_project(tmp_path / "chatty", program)
    code, out, err = preview(capsys, str(project), "--secret", f"token={CANARY}", "--json")
    assert code == 0
    assert json.loads(out)["diagnostics"] == [{"severity": "warning", "message": "think about rotation"}]
    assert err == "hello from the program [secret]\n"
    code, out, _ = preview(capsys, str(project), "--secret", f"token={CANARY}")
    assert "    warning: think about rotation" in out.splitlines()
    assert CANARY not in out


def test_what_the_program_writes_to_stderr_is_scrubbed_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = """
    import logging
    import sys
    import pulumi
    token = pulumi.Config().get("token")
    print("to stderr", token, file=sys.stderr)
    log = logging.getLogger("preview-test-app")
    log.propagate = False
    log.addHandler(logging.StreamHandler())  # bound to the stderr of the moment
    log.warning("logged %s", token)
    log.handlers.clear()
    """
    project = make_project(tmp_path / "stderr", program)
    code, out, err = preview(capsys, str(project), "--secret", f"token={CANARY}")
    assert code == 0
    assert CANARY not in out + err
    assert err == "to stderr [secret]\nlogged [secret]\n"


def test_logged_errors_fail_the_preview_after_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "erring", "import pulumi\npulumi.log.error('quota too low')\n")
    code, out, err = preview(capsys, str(project))
    assert code == 1
    assert "    error: quota too low" in out.splitlines()
    assert err == "ai-keys preview: error: the program logged 1 error(s); see Diagnostics\n"


# ---------------------------------------------------------------- config sources


def test_stack_file_config_and_secure_values_use_a_stand_in(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack_file = """
    config:
      demo:description: From the stack file
      demo:openai_api_key:
        secure: AAABAGVuY3J5cHRlZA==
      aws:region: eu-west-1
    """
    project = make_project(tmp_path / "app", KEY_PROGRAM, {"Pulumi.dev.yaml": stack_file})
    code, out, err = preview(capsys, str(project))
    assert (code, err) == (0, "")
    notes = [line for line in out.splitlines() if line.startswith("note: ")]
    assert notes == [
        "note: secure config values cannot be decrypted offline; the program got a generated stand-in for: demo:openai_api_key"
    ]
    assert '    |       description: "From the stack file"' in out.splitlines()
    assert "            secretString: [secret]" in out.splitlines()
    document = preview_json(capsys, str(project))
    assert document["placeholders"] == ["demo:openai_api_key"]
    # A value given on the command line wins over the stack file, and no placeholder is needed then.
    document = preview_json(capsys, str(project), "--secret", f"openai_api_key={CANARY}", "--config", "description=CLI")
    assert document["placeholders"] == []
    assert by_name(document)["openai-secret"]["inputs"]["description"] == "CLI"


def test_stack_flag_picks_the_stack_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = """
    import pulumi
    pulumi.export("stack", pulumi.get_stack())
    pulumi.export("size", pulumi.Config().require_int("size"))
    """
    stack_files = {"Pulumi.dev.yaml": "config:\n  demo:size: 1\n", "Pulumi.prod.yaml": "config:\n  demo:size: 3\n"}
    project = make_project(tmp_path / "stacks", program, stack_files)
    assert preview_json(capsys, str(project))["outputs"] == {"stack": "dev", "size": 1}
    document = preview_json(capsys, str(project), "--stack", "prod")
    assert document["outputs"] == {"stack": "prod", "size": 3}
    assert document["stack"] == "prod"


def test_project_config_defaults_and_main_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "layout"
    (root / "src").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text(
        "name: layout\nruntime:\n  name: python\nmain: src/\nconfig:\n  greeting:\n    type: string\n    default: hi\n",
        encoding="utf-8",
    )
    (root / "src" / "__main__.py").write_text(
        "import os\nimport pulumi\npulumi.export('greeting', pulumi.Config().get('greeting'))\n"
        "pulumi.export('cwd', os.path.basename(os.getcwd()))\n",
        encoding="utf-8",
    )
    assert preview_json(capsys, str(root))["outputs"] == {"greeting": "hi", "cwd": "src"}


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "no such directory"),
        ("no_project_file", "no Pulumi.yaml found (expected a Pulumi project directory)"),
        ("no_program", "no __main__.py found"),
        ("nodejs", "runtime 'nodejs' is not supported (only Python programs can be previewed)"),
        ("bad_yaml", "not valid YAML"),
    ],
)
def test_bad_paths_are_one_line_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: str, message: str
) -> None:
    target = tmp_path / "target"
    if setup != "missing":
        target.mkdir()
    if setup in ("no_program", "nodejs", "bad_yaml"):
        runtime = "nodejs" if setup == "nodejs" else "python"
        text = "name: [unclosed\n" if setup == "bad_yaml" else f"name: demo\nruntime: {runtime}\n"
        (target / "Pulumi.yaml").write_text(text, encoding="utf-8")
    if setup in ("nodejs", "bad_yaml"):
        (target / "__main__.py").write_text("", encoding="utf-8")
    code, out, err = preview(capsys, str(target))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("ai-keys preview: error: ")
    assert message in err


def test_missing_config_names_the_flags_to_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "app", KEY_PROGRAM)
    code, out, err = preview(capsys, str(project))
    assert (code, out) == (2, "")
    assert err == (
        "ai-keys preview: error: missing required config 'openai_api_key': "
        "pass --secret openai_api_key (or --config openai_api_key=...)\n"
    )


def test_program_that_raises_is_a_one_line_error_without_traceback_and_without_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = """
    import pulumi
    token = pulumi.Config().get("openai_api_key")
    raise RuntimeError(f"could not use {token}\\nsecond line")
    """
    project = make_project(tmp_path / "boom", program)
    code, out, err = preview(capsys, str(project), "--secret", f"openai_api_key={CANARY}")
    assert code == 1
    assert FAILED_NOTE in out
    assert CANARY not in out
    assert err == "ai-keys preview: error: __main__.py line 4: program failed: RuntimeError: could not use [secret] second line\n"
    code, _, err = preview(capsys, str(project), "--secret", f"openai_api_key={CANARY}", "--traceback")
    assert code == 1
    assert "Traceback (most recent call last):" in err
    assert err.endswith(
        "ai-keys preview: error: __main__.py line 4: program failed: RuntimeError: could not use [secret] second line\n"
    )
    assert CANARY not in err


def test_secure_api_key_error_prints_its_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = """
    import pulumi
    from ai_keys import SecureApiKey
    value = pulumi.Config().require_secret("k")
    SecureApiKey("openai", {"backend": "aws-secrets-manager", "value": value, "rotation": {"every_days": 0}})
    """
    project = make_project(tmp_path / "invalid", program)
    code, out, err = preview(capsys, str(project), "--secret", f"k={CANARY}")
    assert code == 1
    assert FAILED_NOTE in out
    assert err.startswith("ai-keys preview: error: __main__.py line 5: SecureApiKey args.rotation")
    assert err.count("\n") == 1
    assert CANARY not in err


def test_malformed_flags_are_usage_errors_that_do_not_echo_secrets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "app", KEY_PROGRAM)
    rule = "is a config key such as openai_api_key or aws:region (no spaces, one ':' at most)"
    for bad in ("=" + CANARY, f"openai api key={CANARY}", f"{CANARY} x", "a::b"):
        code, out, err = preview(capsys, str(project), "--secret", bad)
        assert (code, out, err) == (2, "", f"ai-keys preview: error: --secret expects NAME or NAME=VALUE, where NAME {rule}\n")
    code, _, err = preview(capsys, str(project), "--config", "novalue")
    assert (code, err) == (2, f"ai-keys preview: error: --config expects KEY=VALUE, where KEY {rule} (got 'novalue')\n")
    code, _, err = preview(capsys, str(project), "--secrets", f"openai_api_key={CANARY}")
    assert code == 2
    assert CANARY not in err
    assert err == "ai-keys: error: unrecognized arguments: --secrets openai_api_key=***\n"
    # A value that lost its "=" ends up as a stray argument: it is not echoed either.
    code, _, err = preview(capsys, str(project), "--secret", "openai_api_key", CANARY, "--bogus")
    assert code == 2
    assert err == "ai-keys: error: unrecognized arguments: *** --bogus\n"


def test_version_and_missing_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("ai-keys 0.")
    assert main([]) == 2
    assert capsys.readouterr().err == "ai-keys: error: the following arguments are required: COMMAND\n"


# ---------------------------------------------------------------- isolation and entry points


def test_repeated_runs_import_each_projects_own_modules_and_restore_the_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = """
    import pulumi
    import pulumi_aws as aws
    import helpers
    aws.s3.Bucket(helpers.NAME)
    """
    first = make_project(tmp_path / "first", program, {"helpers.py": "NAME = 'first-bucket'\n"})
    second = make_project(tmp_path / "second", program, {"helpers.py": "NAME = 'second-bucket'\n"})
    cwd, path = os.getcwd(), list(sys.path)
    for project, expected in [(first, "first-bucket"), (second, "second-bucket"), (first, "first-bucket")]:
        document = preview_json(capsys, str(project))
        assert [r["name"] for r in document["resources"]] == [expected]
        assert "helpers" not in sys.modules
        assert (os.getcwd(), sys.path) == (cwd, path)
    assert not (first / "__pycache__").exists()


def test_the_program_runs_in_its_own_process_with_the_projects_modules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = """
    import os
    import sys
    from pathlib import Path
    import pulumi
    sys.path.append(str(Path("venv/lib/site-packages").resolve()))
    import preview_fake_dependency
    import helpers
    pulumi.export("pid", os.getpid())
    pulumi.export("name", helpers.NAME + preview_fake_dependency.SUFFIX)
    """
    project = make_project(
        tmp_path / "venvapp",
        program,
        {"helpers.py": "NAME = 'from-helpers'\n", "venv/lib/site-packages/preview_fake_dependency.py": "SUFFIX = '-and-venv'\n"},
    )
    outputs = preview_json(capsys, str(project))["outputs"]
    assert outputs["name"] == "from-helpers-and-venv"
    assert outputs["pid"] != os.getpid()
    assert "preview_fake_dependency" not in sys.modules
    assert "helpers" not in sys.modules


def test_failed_run_does_not_break_the_next_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = make_project(tmp_path / "broken", "import pulumi_aws as aws\nb = aws.s3.Bucket('b')\nb.id.apply(lambda _: 1 / 0)\n")
    code, _, err = preview(capsys, str(broken))
    assert code == 1
    assert err == "ai-keys preview: error: __main__.py line 3: program failed: ZeroDivisionError: division by zero\n"
    chain = make_project(tmp_path / "chain", CHAIN_PROGRAM)
    assert preview_json(capsys, str(chain))["resource_count"] == 6


def test_module_entry_point_runs_in_a_subprocess(tmp_path: Path) -> None:
    project = make_project(tmp_path / "app", KEY_PROGRAM)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AI_KEYS_PREVIEW_")}
    env["AI_KEYS_PREVIEW_SECRET_OPENAI_API_KEY"] = CANARY
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "ai_keys", "preview", str(project), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert CANARY not in done.stdout + done.stderr
    document = json.loads(done.stdout)
    assert document["resource_count"] == 4
    assert by_name(document)["openai-version"]["inputs"]["secretString"] == "[secret]"
    missing = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "ai_keys", "preview", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert missing.returncode == 2
    assert missing.stderr == f"ai-keys preview: error: {tmp_path / 'nowhere'}: no such directory\n"


def test_previews_the_aws_secrets_manager_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = preview(capsys, str(EXAMPLE), "--secret", f"openai_api_key={CANARY}")
    assert (code, err) == (0, "")
    assert CANARY not in out
    lines = out.splitlines()
    assert lines[0] == "ai-keys offline preview (mock engine; no cloud calls): project 'ai-keys-aws-secrets-manager', stack 'dev'"
    roots = [line for line in lines if line.startswith(("+-- ", "`-- "))]
    assert roots == ["+-- aws:iam/role:Role  summarizer", "`-- ai-keys:index:SecureApiKey  openai"]
    assert "    +-- aws:secretsmanager/secret:Secret  openai-secret" in lines
    assert "            secretString: [secret]" in lines
    document = preview_json(capsys, str(EXAMPLE), "--secret", f"openai_api_key={CANARY}")
    resources = by_name(document)
    assert resources["openai-version"]["inputs"]["secretString"] == "[secret]"
    assert resources["openai-secret"]["parent"] == "openai"
    assert set(document["outputs"]) == {"openai_key_ref", "openai_key_kms_key", "summarizer_role_arn"}
    assert document["outputs"]["openai_key_ref"] == resources["openai-secret"]["id"]
    assert document["resource_count"] == len(document["resources"]) == 11
    # component -> its customer key -> the secret encrypted with it -> the secret's first version
    # The secret waits for the deploy-time rules, which include its readers, so the key policy ties for longest.
    assert document["longest_chain"]["length"] == 4
    assert document["longest_chain"]["resources"][:3] == ["openai", "openai-key", "openai-secret"]


# ---------------------------------------------------------------- leaks, offline sandbox, time limit


def test_a_secret_exported_or_passed_in_plaintext_is_a_leak_not_a_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = """
    import pulumi
    import pulumi_aws as aws
    config = pulumi.Config()
    pulumi.export("leak", config.require("openai_api_key"))  # plain text: a real deploy stores it unencrypted
    pulumi.export("kept", config.require_secret("openai_api_key"))
    aws.s3.Bucket("logs", tags={"key": "Bearer " + config.require("openai_api_key")})
    aws.s3.Bucket("fine", tags={"key": config.require_secret("openai_api_key")})
    """
    project = make_project(tmp_path / "leaks", program)
    code, out, err = preview(capsys, str(project), "--secret", f"openai_api_key={CANARY}")
    assert (code, err) == (1, LEAK_ERROR.format(count=2))
    assert CANARY not in out
    lines = out.splitlines()
    assert "    leak: [LEAK]" in lines
    assert "    kept: [secret]" in lines
    assert "Leaks (a real deploy would store these in plaintext):" in lines
    assert "    LEAK: output 'leak' holds the value of secret config 'demo:openai_api_key'" in lines
    assert (
        "    LEAK: resource 'logs' (aws:s3/bucket:Bucket) input 'tags.key' holds the value of secret config 'demo:openai_api_key'"
        in lines
    )
    document = json.loads(preview(capsys, str(project), "--secret", f"openai_api_key={CANARY}", "--json")[1])
    assert by_name(document)["logs"]["inputs"]["tags"] == {"key": "Bearer [LEAK]"}
    assert by_name(document)["fine"]["inputs"]["tags"] == "[secret]"
    assert len(document["leaks"]) == 2


def test_a_secret_the_program_made_itself_is_found_where_it_leaks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = """
    import pulumi
    import pulumi_aws as aws
    token = "generated-" + "x7Kq9-Zr2"
    secret = aws.secretsmanager.Secret("s")
    aws.secretsmanager.SecretVersion("v", secret_id=secret.id, secret_string=pulumi.Output.secret(token))
    pulumi.export("plain", token)
    """
    project = make_project(tmp_path / "made", program)
    document = json.loads(preview(capsys, str(project), "--json")[1])
    assert document["outputs"]["plain"] == "[LEAK]"
    assert document["leaks"] == [
        {
            "where": "output 'plain'",
            "secret": "the secret at resource 'v' (aws:secretsmanager/secretVersion:SecretVersion) input 'secretString'",
        }
    ]


def test_output_written_around_python_and_by_subprocesses_is_scrubbed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = """
    import os
    import subprocess
    import sys
    import pulumi
    token = pulumi.Config().get("token")
    os.write(1, f"fd1 {token}\\n".encode())
    os.write(2, f"fd2 {token}\\n".encode())
    sys.__stdout__.write(f"dunder {token}\\n")
    sys.__stdout__.flush()
    subprocess.run([sys.executable, "-c", "import sys; print('child', sys.argv[1])", token], check=True)
    """
    project = make_project(tmp_path / "fds", program)
    code, out, err = preview(capsys, str(project), "--secret", f"token={CANARY}", "--json")
    assert code == 0
    json.loads(out)
    assert CANARY not in out + err
    assert sorted(err.splitlines()) == ["child [secret]", "dunder [secret]", "fd1 [secret]", "fd2 [secret]"]


def test_json_stays_valid_whatever_the_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = """
    import pulumi
    import pulumi_aws as aws
    aws.s3.Bucket("b", force_destroy=True)
    pulumi.export("flag", pulumi.Config().require_secret("flag"))
    """
    project = make_project(tmp_path / "flags", program)
    for value in ("true", "null", '"name"', "Bucket", "{\n"):
        code, out, _ = preview(capsys, str(project), "--secret", f"flag={value}", "--json")
        assert code == 0, value
        document = json.loads(out)
        assert by_name(document)["b"]["custom"] is True
        assert document["outputs"]["flag"] == "[secret]"


CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY",
    "AZURE_CLIENT_SECRET": "azure-client-secret-value",
    "ARM_CLIENT_SECRET": "arm-client-secret-value",
    "GOOGLE_APPLICATION_CREDENTIALS": "/home/me/key.json",
    "CLOUDSDK_AUTH_ACCESS_TOKEN": "ya29.token",
    "PULUMI_ACCESS_TOKEN": "pul-0123456789",
    "GITHUB_TOKEN": "ghp_0123456789",
}


def test_the_program_sees_no_cloud_credentials_and_an_empty_home(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    program = f"""
    import os
    from pathlib import Path
    import pulumi
    pulumi.export("names", sorted(n for n in os.environ if n in {sorted(CREDENTIALS)!r}))
    pulumi.export("home", sorted(p.name for p in Path.home().iterdir()))
    pulumi.export("kept", os.environ.get("MY_APP_STAGE"))
    """
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MY_APP_STAGE", "staging")
    (tmp_path / "home" / ".aws").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    project = make_project(tmp_path / "creds", program)
    assert preview_json(capsys, str(project))["outputs"] == {"names": [], "home": [], "kept": "staging"}


def test_the_program_cannot_reach_the_network(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket
    import threading

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    received: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            with connection:
                received.append(connection.recv(1024))

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    program = f"""
    import socket
    import subprocess
    import sys
    import pulumi
    token = pulumi.Config().get("token")
    # A subprocess too: it must not get through either.
    subprocess.run([sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', {port}), 2).sendall(b'sub')"])
    socket.create_connection(("127.0.0.1", {port}), timeout=2).sendall(token.encode())
    """
    project = make_project(tmp_path / "net", program)
    try:
        code, _, err = preview(capsys, str(project), "--secret", f"token={CANARY}")
    finally:
        stop.set()
        thread.join(5)
        listener.close()
    assert code == 1
    assert [data for data in received if data != b"sub"] == []
    if _network_namespaces():  # where the kernel gives the program a network of its own, its subprocesses are cut off too
        assert received == []
    assert err.splitlines()[-1] == (
        "ai-keys preview: error: __main__.py line 9: the preview is offline: the program tried to connect to "
        f"127.0.0.1:{port}; nothing may leave the machine during a preview"
    )
    assert CANARY not in err


def _network_namespaces() -> bool:
    probe = "from ai_keys.preview._sandbox import isolate_network; print(isolate_network())"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)  # noqa: S603
    return done.stdout.strip() == "True"


def test_a_main_outside_the_project_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "elsewhere.py").write_text("raise SystemExit('ran code from outside the project')\n", encoding="utf-8")
    project = make_project(tmp_path / "app", "")
    (project / "Pulumi.yaml").write_text("name: demo\nruntime: python\nmain: ../elsewhere.py\n", encoding="utf-8")
    code, out, err = preview(capsys, str(project))
    assert (code, out) == (2, "")
    assert err == f"ai-keys preview: error: {project / 'Pulumi.yaml'}: 'main' points outside the project ('../elsewhere.py')\n"


def test_a_program_file_that_links_outside_the_project_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "elsewhere.py").write_text("raise SystemExit('ran code from outside the project')\n", encoding="utf-8")
    project = tmp_path / "app"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: demo\nruntime: python\n", encoding="utf-8")
    (project / "__main__.py").symlink_to(tmp_path / "elsewhere.py")
    code, out, err = preview(capsys, str(project))
    assert (code, out) == (2, "")
    assert err == f"ai-keys preview: error: {project.resolve() / '__main__.py'}: links outside the project\n"


def test_help_says_the_preview_executes_the_projects_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "This EXECUTES THE PROJECT'S CODE" in text
    assert "--timeout SECONDS" in text


def test_a_failing_program_still_reports_what_it_registered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = """
    import pulumi_aws as aws
    aws.s3.Bucket("first")
    aws.s3.Bucket("second")
    raise RuntimeError("broken after two buckets")
    """
    project = make_project(tmp_path / "partial", program)
    code, out, err = preview(capsys, str(project))
    assert code == 1
    assert err == "ai-keys preview: error: __main__.py line 5: program failed: RuntimeError: broken after two buckets\n"
    lines = out.splitlines()
    assert FAILED_NOTE in lines
    assert "+-- aws:s3/bucket:Bucket  first" in lines
    assert "`-- aws:s3/bucket:Bucket  second" in lines
    document = json.loads(preview(capsys, str(project), "--json")[1])
    assert (document["complete"], document["resource_count"]) == (False, 2)


def test_a_program_that_never_ends_is_stopped_at_the_time_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = """
    import time
    import pulumi_aws as aws
    aws.s3.Bucket("before-the-loop")
    while True:
        try:
            time.sleep(0.05)
        except Exception:
            pass
    """
    project = make_project(tmp_path / "forever", program)
    code, out, err = preview(capsys, str(project), "--timeout", "3")
    assert code == 1
    assert err == "ai-keys preview: error: the program did not finish within 3 seconds; pass --timeout SECONDS to allow more\n"
    assert "`-- aws:s3/bucket:Bucket  before-the-loop" in out.splitlines()
    assert main(["preview", str(project), "--timeout", "0"]) == 2
    assert "expected a positive number of seconds" in capsys.readouterr().err


def test_siblings_are_listed_in_dependency_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = """
    import pulumi
    import pulumi_aws as aws
    group = pulumi.ComponentResource("test:index:Group", "a-group")
    later = aws.s3.Bucket("z-bucket")
    aws.s3.BucketVersioning(
        "a-versioning", bucket=later.id, versioning_configuration={"status": "Enabled"}, opts=pulumi.ResourceOptions(parent=group)
    )
    aws.s3.Bucket("m-bucket")
    """
    project = make_project(tmp_path / "order", program)
    document = preview_json(capsys, str(project))
    assert [r["name"] for r in document["resources"]] == ["m-bucket", "z-bucket", "a-group", "a-versioning"]
