"""README stays true: the main job previews an example offline, the test command is the one CI runs, links
work on PyPI, the install, release and multi-language instructions hold, and the examples do what the table
says."""

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

from ai_keys import __version__
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


# ---------------------------------------------------------------- what README promises, checked against what runs

GITHUB = "https://github.com/ai-keys/ai-keys"
EXAMPLES = ROOT / "examples"


def section(title: str) -> str:
    """The text of the README section headed ``title``, up to the next heading of the same level or higher
    (lines inside fenced code blocks are not headings)."""
    lines = README.splitlines(keepends=True)
    fenced = False
    start: int | None = None
    level = 0
    for index, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
            continue
        heading = re.match(r"^(#+) (.+)$", line.rstrip("\n")) if not fenced else None
        if heading is None:
            continue
        if start is None and heading.group(2) == title:
            start, level = index + 1, len(heading.group(1))
        elif start is not None and len(heading.group(1)) <= level:
            return "".join(lines[start:index])
    assert start is not None, title
    return "".join(lines[start:])


def runtime_of(example: str) -> str:
    runtime = yaml.safe_load((EXAMPLES / example / "Pulumi.yaml").read_text(encoding="utf-8"))["runtime"]
    return str(runtime["name"] if isinstance(runtime, dict) else runtime)


def test_every_link_is_absolute_so_it_works_on_pypi_too() -> None:
    targets = re.findall(r"\]\(([^)\s]+)\)", README)
    assert targets
    assert [t for t in targets if not t.startswith("https://")] == []
    # Links into this repository name files and folders that exist.
    for target in targets:
        for prefix in (f"{GITHUB}/blob/main/", f"{GITHUB}/tree/main/"):
            if target.startswith(prefix):
                assert (ROOT / target.removeprefix(prefix)).exists(), target


def test_the_quick_start_imports_what_it_uses() -> None:
    blocks = re.findall(r"```python\n(.*?)```", section("Quick start"), flags=re.S)
    assert blocks
    for block in blocks:
        for module in ("os", "json", "sys"):
            if re.search(rf"\b{module}\.", block):
                assert re.search(rf"^import {module}$", block, flags=re.M), f"uses {module} without importing it:\n{block}"


def test_the_minimum_pulumi_cli_version_is_the_sdk_floor() -> None:
    text = section("Using ai-keys from TypeScript, Go, C# and YAML")
    match = re.search(r"Pulumi CLI v(\d+\.\d+\.\d+) or later", text)
    assert match is not None, "README does not give the minimum Pulumi CLI version for `pulumi package add`"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    floor = re.search(r'dependencies = \["pulumi>=(\d+\.\d+)', pyproject)
    assert floor is not None
    assert match.group(1) == f"{floor.group(1)}.0"


def test_readme_says_how_to_install_from_a_checkout_or_a_built_wheel() -> None:
    text = section("Install")
    assert "pip install '.[aws]'" in text
    assert "python -m build" in text
    assert f"dist/ai_keys-{__version__}-py3-none-any.whl" in text


def test_the_release_workflow_builds_checks_tests_and_publishes_on_a_tag() -> None:
    path = ROOT / ".github" / "workflows" / "release.yml"
    assert ".github/workflows/release.yml" in section("Releasing")
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    trigger = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert trigger == {"push": {"tags": ["v*.*.*"]}}
    jobs = workflow["jobs"]
    runs = {name: " ".join(step.get("run", "") for step in job["steps"]) for name, job in jobs.items()}
    uses = {name: [step.get("uses", "") for step in job["steps"]] for name, job in jobs.items()}
    assert "python -m build" in runs["build"]
    assert "twine check --strict dist/*" in runs["build"]
    assert "scripts/build_policy_pack.py" in runs["build"]
    assert "-m pytest" in runs["test"]
    assert ".whl)[test]" in runs["test"]  # the tests run against the wheel that is published
    assert set(jobs["publish"]["needs"]) == {"build", "test"}
    assert "pypa/gh-action-pypi-publish@release/v1" in uses["publish"]
    assert jobs["publish"]["permissions"]["id-token"] == "write"  # trusted publishing: no stored token
    assert "password" not in str(jobs["publish"])


def test_readme_and_help_say_the_preview_executes_the_projects_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert "**The preview executes the project's code**" in section("Offline preview")
    assert main(["preview", "--help"]) == 0
    assert "EXECUTES THE PROJECT'S CODE" in " ".join(capsys.readouterr().out.split())


def example_rows() -> dict[str, str]:
    """``example folder -> the command README says checks it offline``, from the Examples table."""
    rows = re.findall(r"^\| \[`examples/([\w-]+)`\]\([^)]+\) \| .+? \| `([^`]+)` \|$", section("Examples"), flags=re.M)
    return dict(rows)


def test_every_example_is_in_the_table_with_a_check_that_fits_its_runtime() -> None:
    rows = example_rows()
    assert sorted(rows) == sorted(p.name for p in EXAMPLES.iterdir() if (p / "Pulumi.yaml").is_file())
    for name, command in rows.items():
        runtime = runtime_of(name)
        if command.startswith("python -m ai_keys preview "):
            assert runtime == "python", name
            assert shlex.split(command)[4] == f"examples/{name}"
        else:
            # The preview runs Python programs only: a YAML program is checked against the schema instead.
            assert (runtime, command) == ("yaml", "pytest tests/test_schema.py -k Yaml"), name


def test_every_preview_command_in_the_table_runs(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    previews = {name: c for name, c in example_rows().items() if c.startswith("python -m ai_keys preview ")}
    assert len(previews) == 9
    for name, command in previews.items():
        assert main(shlex.split(command)[3:]) == 0, (name, capsys.readouterr().err)
        assert "offline preview" in capsys.readouterr().out


def test_the_azure_example_uses_event_grid_exactly_when_readme_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    row = section("Examples").split("examples/azure-key-vault`]", 1)[1].split("\n", 1)[0]
    assert "Event Grid when you give a rotator Function (`rotation_function_id`)" in row
    function = (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/r/providers/Microsoft.Web/sites/a/functions/rotate"
    )
    types = {}
    for extra in ([], ["--config", f"rotation_function_id={function}"]):
        argv = ["preview", str(EXAMPLES / "azure-key-vault"), "--secret", "anthropic_api_key=placeholder", "--json", *extra]
        assert main(argv) == 0
        types[bool(extra)] = {r["type"] for r in json.loads(capsys.readouterr().out)["resources"]}
    assert "azure-native:eventgrid:EventSubscription" not in types[False]
    assert "azure-native:eventgrid:EventSubscription" in types[True]
