"""Every Python sample a reader sees (README.md, the manual's pages under docs/, and examples/*/README.md) runs, or
says it is a fragment.

Each ```python block is one of:

* a fragment: the paragraph right before it says ``Fragment: see examples/NAME for the runnable program``,
  naming examples that exist;
* a Pulumi program (``import pulumi``): run here under the mock engine, and it must register a ``SecureApiKey``;
* tests (``def test_...``): run here, in a Pulumi project made of the README's Quick start program;
* app code reading keys (``from ai_keys.runtime import ...``) or pointing the reader at a local endpoint
  (``127.0.0.1``): run by ``tests/runtime/test_emulators.py`` against local backends on 127.0.0.1.

Any other block fails here: it is neither run nor marked. The blocks are found by markdown-it-py, a
CommonMark parser, so a fence inside a list item or a longer fence counts as GitHub renders it. A page that includes
part of another file (``--8<-- "README.md:quick-start"``) shows that file's samples, which are checked in that file.
"""

import enum
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ai_keys.__main__ import main
from ai_keys.testing import is_secret_at, mock_pulumi, run_program, unwrap_secrets

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DOCS = ROOT / "docs"
DOCUMENTS = [ROOT / "README.md", *sorted(DOCS.rglob("*.md")), *sorted(EXAMPLES.glob("*/README.md"))]
INCLUDE = re.compile(r'^--8<-- "(?P<path>[^":]+)(?::(?P<section>[\w-]+))?"$', flags=re.M)
FRAGMENT = re.compile(
    r"Fragment: see (?P<examples>examples/[\w.-]+(?:(?:, | and )examples/[\w.-]+)*) for the runnable programs?\b"
)
RUNTIME_TESTS = "tests/runtime/test_emulators.py"


class Kind(enum.Enum):
    """How a sample is checked."""

    FRAGMENT = "marked as a fragment"
    PROGRAM = "run under the mock engine"
    TESTS = "its tests run"
    APP = f"run against local backends by {RUNTIME_TESTS}"
    LOCAL_ENDPOINT = f"run with local emulators by {RUNTIME_TESTS}"
    UNCHECKED = "neither run nor marked as a fragment"


@dataclass(frozen=True)
class Sample:
    """One ```python block of a Markdown document."""

    path: Path
    line: int
    """The line of the opening fence, from 1."""
    source: str
    before: str
    """The text of the paragraph right before the block (links and code spans as their text), or ""."""

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def kind(self) -> Kind:
        if FRAGMENT.search(self.before):
            return Kind.FRAGMENT
        if "127.0.0.1" in self.source:
            return Kind.LOCAL_ENDPOINT
        if re.search(r"^def test_\w+\(", self.source, flags=re.M):
            return Kind.TESTS
        if re.search(r"^import pulumi$", self.source, flags=re.M):
            return Kind.PROGRAM
        if re.search(r"^from ai_keys\.runtime import ", self.source, flags=re.M):
            return Kind.APP
        return Kind.UNCHECKED

    @property
    def fragment_of(self) -> list[str]:
        """The examples a fragment's marker names."""
        match = FRAGMENT.search(self.before)
        return re.findall(r"examples/[\w.-]+", match.group("examples")) if match else []


def _text(inline: Token) -> str:
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def samples_of(path: Path) -> list[Sample]:
    """Every ```python block of the Markdown file ``path``, in order."""
    tokens = MarkdownIt("commonmark").parse(path.read_text(encoding="utf-8"))
    found = []
    for index, token in enumerate(tokens):
        if token.type != "fence" or token.info.split()[:1] != ["python"]:
            continue
        before = ""
        if index >= 2 and tokens[index - 1].type == "paragraph_close" and tokens[index - 2].type == "inline":
            before = _text(tokens[index - 2])
        assert token.map is not None
        found.append(Sample(path, token.map[0] + 1, token.content, before))
    return found


def all_samples() -> list[Sample]:
    """Every ```python block of README.md, the manual and the examples' READMEs."""
    return [sample for path in DOCUMENTS for sample in samples_of(path)]


def quick_start_program() -> str:
    """The README's Quick start Pulumi program."""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    start = text.index("\n## Quick start\n")
    end = text.index("\n## ", start + 1)
    programs = [s for s in samples_of(readme) if s.kind is Kind.PROGRAM and start < _offset(text, s.line) < end]
    assert len(programs) == 1, "the Quick start should hold exactly one Pulumi program"
    return programs[0].source


def _offset(text: str, line: int) -> int:
    return sum(len(row) for row in text.splitlines(keepends=True)[: line - 1])


def _config_keys(source: str) -> list[str]:
    return sorted(set(re.findall(r"\.(?:require|get)(?:_secret)?\(\s*[\"']([\w:.-]+)[\"']", source)))


SAMPLES = all_samples()


def _id(sample: Sample) -> str:
    return sample.where


def test_the_samples_are_found_in_every_document_that_has_them() -> None:
    # The collector must see the blocks the documents hold: the manual's many, README's quick start, and the
    # examples' client code.
    assert len(SAMPLES) >= 25
    where = {s.path.relative_to(ROOT).as_posix() for s in SAMPLES}
    assert {"README.md", "examples/aws-api-gateway/README.md", "docs/guides/reading-keys.md"} <= where
    assert len({w for w in where if w.startswith("docs/")}) >= 10
    fenced = sum(path.read_text(encoding="utf-8").count("```python") for path in DOCUMENTS)
    assert len(SAMPLES) == fenced


def test_the_pages_include_only_files_whose_samples_are_checked() -> None:
    # A page shows what it includes; that is checked here only if the included file is one of DOCUMENTS, or holds
    # no python block at all (the changelog).
    includes = [(page, m) for page in DOCS.rglob("*.md") for m in INCLUDE.finditer(page.read_text(encoding="utf-8"))]
    assert includes, "the manual includes the README's landing text and the changelog"
    for page, include in includes:
        included = ROOT / include.group("path")
        assert included.is_file(), f"{page}: {included} does not exist"
        text = included.read_text(encoding="utf-8")
        if include.group("section"):
            section = include.group("section")
            assert f"<!-- --8<-- [start:{section}] -->" in text, f"{page}: {included.name} has no section {section}"
            assert f"<!-- --8<-- [end:{section}] -->" in text, f"{page}: {included.name} never ends section {section}"
        assert included in DOCUMENTS or "```python" not in text, f"{page} includes {included}, whose samples go unchecked"


@pytest.mark.parametrize("sample", SAMPLES, ids=_id)
def test_every_sample_is_run_or_marked_as_a_fragment(sample: Sample) -> None:
    assert sample.kind is not Kind.UNCHECKED, (
        f"{sample.where}: this python block is neither run by the tests nor marked as a fragment. Make it a "
        "whole program, or put 'Fragment: see examples/NAME for the runnable program.' right before it."
    )


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.kind is Kind.FRAGMENT], ids=_id)
def test_a_fragment_names_examples_that_exist(sample: Sample) -> None:
    assert sample.fragment_of
    for example in sample.fragment_of:
        assert (ROOT / example).is_dir(), f"{sample.where}: {example} does not exist"


def test_the_samples_of_every_kind_are_there() -> None:
    kinds = {sample.kind for sample in SAMPLES}
    assert kinds == set(Kind) - {Kind.UNCHECKED}


@pytest.fixture
def no_cloud(monkeypatch: pytest.MonkeyPatch) -> None:
    """No cloud credentials reach a sample, so nothing it does could reach a real cloud."""
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.kind is Kind.PROGRAM], ids=_id)
def test_a_pulumi_program_sample_runs_under_the_mock_engine(sample: Sample, no_cloud: None) -> None:
    keys = _config_keys(sample.source)
    config = {key: f"sk-sample-{key}-0123456789abcdef" for key in keys}
    code = compile(sample.source, sample.where, "exec")
    with mock_pulumi(project="sample", config=config, secret_keys=keys) as engine:
        engine.run(lambda: exec(code, {"__name__": "__main__"}))  # noqa: S102 - our own documentation
    assert engine.find("ai-keys:index:SecureApiKey"), f"{sample.where} registered no SecureApiKey"
    # A value given as secret config stays secret wherever the program exported it.
    for name, output in engine.stack_outputs.items():
        plain = json.dumps(unwrap_secrets(output))
        if not is_secret_at(output, []):
            assert not any(value in plain for value in config.values()), f"{sample.where}: output {name} leaks"


@pytest.fixture
def quick_start_project(tmp_path: Path) -> Path:
    """A Pulumi project whose program is the README's Quick start."""
    (tmp_path / "Pulumi.yaml").write_text("name: quick-start\nruntime: python\n", encoding="utf-8")
    (tmp_path / "__main__.py").write_text(quick_start_program(), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.kind is Kind.TESTS], ids=_id)
def test_a_test_sample_passes_in_a_project(
    sample: Sample, quick_start_project: Path, monkeypatch: pytest.MonkeyPatch, no_cloud: None
) -> None:
    monkeypatch.chdir(quick_start_project)
    namespace: dict[str, Any] = {"__name__": "sample"}
    exec(compile(sample.source, sample.where, "exec"), namespace)  # noqa: S102 - our own documentation
    tests = [value for name, value in namespace.items() if name.startswith("test_") and callable(value)]
    assert tests, f"{sample.where} defines no test"
    for test in tests:
        test()


def test_the_quick_start_program_runs_as_a_projects_main(quick_start_project: Path) -> None:
    """The Quick start is a whole program: as a project's ``__main__.py`` it runs like an example does."""
    engine = run_program(quick_start_project, config={"openai_api_key": "sk-quick-start"}, secret_keys=["openai_api_key"])
    key = engine.one("ai-keys:index:SecureApiKey", "openai")
    assert [r.type for r in engine.children(key) if r.type.endswith("SecretVersion")] == [
        "aws:secretsmanager/secretVersion:SecretVersion"
    ]
    assert set(engine.stack_outputs) == {"openai_key_ref"}


def test_the_quick_starts_preview_command_previews_it(
    quick_start_project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = text[text.index("\n## Quick start\n") : text.index("\n## ", text.index("\n## Quick start\n") + 1)]
    command = re.search(r"`python -m ai_keys (preview \. [^`]+)`", quick_start)
    assert command is not None, "the Quick start lost its preview command"
    monkeypatch.chdir(quick_start_project)
    assert main(shlex.split(command.group(1))) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "ai-keys:index:SecureApiKey  openai" in out
    assert "openai_key_ref: " in out
