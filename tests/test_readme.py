"""README and the manual stay true: the main job previews an example offline, the test command is the one CI runs,
README's links work on PyPI, the install, release and multi-language instructions hold, and the examples do what the
table says. README is the landing page; the rest of what it used to say lives in the manual under docs/, so each
check reads the page where its text now is."""

import importlib
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ai_keys import __version__
from ai_keys.__main__ import main

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
DOCS = ROOT / "docs"


def page(path: str) -> str:
    """The text of the manual's page ``docs/<path>``."""
    return (DOCS / path).read_text(encoding="utf-8")


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


def section(title: str, text: str = README) -> str:
    """The text of the section headed ``title`` in ``text`` (README by default), up to the next heading of the same
    level or higher (lines inside fenced code blocks are not headings)."""
    lines = text.splitlines(keepends=True)
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
    text = page("guides/other-languages.md")
    match = re.search(r"Pulumi CLI v(\d+\.\d+\.\d+) or later", text)
    assert match is not None, "the other-languages page does not give the minimum Pulumi CLI version for `pulumi package add`"
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
    assert ".github/workflows/release.yml" in section("Releasing", page("contributing.md"))
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
    assert "**The preview executes the project's code**" in section("Sandbox", page("guides/offline-preview.md"))
    assert main(["preview", "--help"]) == 0
    assert "EXECUTES THE PROJECT'S CODE" in " ".join(capsys.readouterr().out.split())


def example_rows() -> dict[str, str]:
    """``example folder -> the command the manual says checks it offline``, from the table of docs/examples.md."""
    rows = re.findall(r"^\| \[`examples/([\w-]+)`\]\([^)]+\) \| .+? \| `([^`]+)` \|$", page("examples.md"), flags=re.M)
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
    assert len(previews) == 13
    for name, command in previews.items():
        assert main(shlex.split(command)[3:]) == 0, (name, capsys.readouterr().err)
        assert "offline preview" in capsys.readouterr().out


def test_the_azure_example_uses_event_grid_exactly_when_readme_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    row = page("examples.md").split("examples/azure-key-vault`]", 1)[1].split("\n", 1)[0]
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


# ---------------------------------------------------------------- the runtime calls the docs name, importable


def test_every_name_the_docs_import_from_the_runtime_is_exported() -> None:
    imported = {}
    for path in [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]:
        for names in re.findall(r"^\s*from ai_keys\.runtime import (.+)$", path.read_text(encoding="utf-8"), flags=re.M):
            imported |= {name.strip(): path.relative_to(ROOT) for name in names.split(",")}
    assert len(imported) >= 10
    other_calls = page("guides/reading-keys.md").split("- **Other calls**", 1)[1].split("\n\n", 1)[0]
    called = set(re.findall(r"`(\w+)\(", other_calls))
    assert called == {"invalidate", "clear", "stats"}
    runtime = importlib.import_module("ai_keys.runtime")
    for name in sorted(set(imported) | called):
        assert name in runtime.__all__, f"{imported.get(name)} imports {name} from ai_keys.runtime, which does not export it"
        assert callable(getattr(runtime, name)), name


def test_invalidate_clear_and_stats_act_on_the_cache_resolve_uses() -> None:
    from ai_keys.runtime import KeyCache, clear, invalidate, resolve, set_default_cache, stats

    reads: list[str] = []

    def fetch(ref: str) -> str:
        reads.append(ref)
        return f"value-{len(reads)}"

    first = "arn:aws:secretsmanager:us-east-1:123456789012:secret:a-AbC123"
    second = "arn:aws:secretsmanager:us-east-1:123456789012:secret:b-AbC123"
    previous = set_default_cache(KeyCache(fetcher=fetch))
    try:
        assert (resolve(first), resolve(second), resolve(first)) == ("value-1", "value-2", "value-1")
        invalidate(first)
        assert (resolve(first), resolve(second)) == ("value-3", "value-2")  # the other key stays cached
        clear()
        assert stats().entries == 0
        assert (resolve(first), resolve(second)) == ("value-4", "value-5")
        assert stats().fetches == len(reads) == 5
    finally:
        set_default_cache(previous)


def test_the_outputs_listed_for_other_languages_are_the_schemas() -> None:
    text = " ".join(page("guides/other-languages.md").split())
    listed = re.search(r"Outputs are (.+?)\. The full contract", text)
    assert listed is not None
    names = set(re.findall(r"`(\w+)`", listed.group(1)))
    schema = json.loads((ROOT / "schema.json").read_text(encoding="utf-8"))
    assert names == set(schema["resources"]["ai-keys:index:SecureApiKey"]["properties"])


# ---------------------------------------------------------------- installable before a release and after


def _released() -> bool:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return bool(re.search(r"^## \[\d+\.\d+\.\d+\]", changelog, flags=re.M))


def python_examples() -> list[Path]:
    return sorted(p for p in EXAMPLES.iterdir() if (p / "Pulumi.yaml").is_file() and runtime_of(p.name) == "python")


def _ai_keys_lines(example: Path) -> tuple[str, str]:
    """(the requirement that installs ai-keys, the comment that gives the published one)."""
    lines = (example / "requirements.txt").read_text(encoding="utf-8").splitlines()
    checkout = [line for line in lines if line.startswith("../..")]
    published = [m for line in lines if line.startswith("#") for m in re.findall(r"`(ai-keys\[[\w,]+\]>=[\d.]+)`", line)]
    assert len(checkout) == 1, f"{example.name}: requirements.txt installs ai-keys from the checkout once"
    assert len(published) == 1, f"{example.name}: requirements.txt names the published requirement once"
    return checkout[0], published[0]


def test_every_python_example_installs_ai_keys_from_its_checkout_and_says_what_to_use_once_published() -> None:
    examples = python_examples()
    assert len(examples) == 13
    extras = set(re.findall(r"^([\w-]+) = \[", (ROOT / "pyproject.toml").read_text(encoding="utf-8"), flags=re.M))
    for example in examples:
        checkout, published = _ai_keys_lines(example)
        path, wanted = re.fullmatch(r"([./]+)\[([\w,]+)\]", checkout).groups()  # type: ignore[union-attr]
        assert (example / path).resolve() == ROOT, example.name
        assert set(wanted.split(",")) <= extras, example.name
        assert published == f"ai-keys[{wanted}]>=0.1", example.name
        # Each example's own README says where ai-keys comes from, and which way applies when.
        readme = " ".join((example / "README.md").read_text(encoding="utf-8").split())
        assert "installs ai-keys from this checkout" in readme, example.name
        assert "Once ai-keys is on PyPI" in readme, example.name
    assert "`../..[aws]`" in page("examples.md")


def test_pip_installs_ai_keys_from_the_checkout_with_no_index(tmp_path: Path) -> None:
    # pip reads a requirement's path from the folder it runs in: each example's own (every one is two folders deep).
    examples = python_examples()
    assert {(example / "..").resolve().parent for example in examples} == {ROOT}
    wanted = tmp_path / "ai-keys-lines.txt"
    lines = [
        line
        for example in examples
        for line in (example / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith(("#", "pulumi"))
    ]
    assert len(lines) == len(examples)
    wanted.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # With no index, only what the files point at can satisfy them: the checkout, built as pip would build it.
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--no-deps", "--ignore-installed"]
    command += ["--no-build-isolation", "--quiet", "-r", str(wanted)]
    done = subprocess.run(command, cwd=examples[0], capture_output=True, text=True, timeout=300, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr


def test_a_release_tag_is_offered_only_as_what_to_use_once_it_is_published() -> None:
    documents = {
        path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
        for path in [ROOT / "README.md", *sorted(DOCS.rglob("*.md")), EXAMPLES / "yaml" / "README.md"]
    }
    offering = {name for name, text in documents.items() if re.search(r"ai-keys/ai-keys@v\d", text)}
    assert offering >= {"docs/guides/other-languages.md", "examples/yaml/README.md"}
    for name in sorted(offering):
        text = documents[name]
        lines = [line for line in text.splitlines() if re.search(r"ai-keys/ai-keys@v\d", line)]
        if not _released():
            for line in lines:
                assert "once" in line.lower(), f"{name}: {line.strip()!r} offers a release that does not exist yet"
        assert re.search(r"pulumi package add \.\./\S+ +# a (local )?checkout", text), f"{name}: no checkout form"
