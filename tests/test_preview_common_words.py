"""Every example previews cleanly whatever ordinary word is given as a secret's value: no false leak, exit 0,
and nothing in the report rewritten around the word."""

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

from ai_keys.__main__ import main

from .scenarios import strings

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"

# Words a user types as a placeholder, and words every report is full of (types, ARNs, its own keys and messages).
COMMON_WORDS = [
    "secret", "openai", "test", "key", "api", "token", "password", "placeholder", "placeholders", "value",
    "aws", "arn", "azure", "gcp", "google", "vault", "kms", "iam", "role", "policy",
    "version", "resource", "resources", "output", "outputs", "project", "stack", "name", "type", "id",
    "true", "false", "null", "none", "leak", "LEAK", "preview", "offline", "dev", "demo",
    "example", "admin", "default", "config", "string", "json", "https", "summarizer", "east", "a",
]  # fmt: skip

REPORT_KEYS = {
    "preview", "project", "stack", "resources", "outputs", "resource_count", "longest_chain", "placeholders",
    "diagnostics", "leaks", "complete",
}  # fmt: skip
RESOURCE_KEYS = {"type", "name", "urn", "parent", "parent_urn", "custom", "id", "inputs"}


def example_commands() -> dict[str, list[str]]:
    """``example -> the preview arguments the manual's Examples table gives it`` (the config each example needs)."""
    readme = (ROOT / "docs" / "examples.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| \[`examples/([\w-]+)`\]\([^)]+\) \| .+? \| `python -m ai_keys (preview [^`]+)` \|$", readme, re.M)
    return {name: shlex.split(command) for name, command in rows}


def python_examples() -> list[str]:
    found = []
    for folder in sorted(EXAMPLES.iterdir()):
        project = folder / "Pulumi.yaml"
        if project.is_file():
            runtime = yaml.safe_load(project.read_text(encoding="utf-8"))["runtime"]
            if (runtime["name"] if isinstance(runtime, dict) else runtime) == "python":
                found.append(folder.name)
    return found


def with_words(arguments: list[str], word: str) -> list[str]:
    """``arguments`` with ``word`` as the value of the example's own secrets, and each common word as another secret's."""
    given = list(arguments)
    for index in range(1, len(given)):
        if given[index - 1] == "--secret":
            given[index] = f"{given[index].partition('=')[0]}={word}"
    for index, common in enumerate(COMMON_WORDS):
        given += ["--secret", f"common_word_{index:02}={common}"]
    return given


def test_the_words_and_the_examples_are_all_there() -> None:
    assert len(COMMON_WORDS) == len(set(COMMON_WORDS)) == 50
    assert sorted(example_commands()) == python_examples()
    assert len(python_examples()) == 13


@pytest.mark.parametrize("example", python_examples())
def test_every_example_with_every_common_word_as_a_secret_value(
    example: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    arguments = example_commands()[example]
    # Each example's own secret gets a different word, so the secrets the programs read cover several words too.
    word = COMMON_WORDS[python_examples().index(example)]
    argv = with_words(arguments, word)
    assert argv.count("--secret") >= len(COMMON_WORDS)

    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), example
    document = json.loads(out)
    assert set(document) == REPORT_KEYS
    assert all(set(resource) == RESOURCE_KEYS for resource in document["resources"])
    assert document["leaks"] == []
    assert document["resources"]
    # A mask only ever stands alone, for a secret: never inside a type, a name, an ARN or a key.
    assert [s for s in strings(document) if ("[secret]" in s and s != "[secret]") or "[LEAK]" in s] == []

    code = main(argv)
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), example
    assert "LEAK" not in out
    assert re.findall(r"[\w/:.-]\[secret\]|\[secret\][\w/:.-]", out) == []
    assert f"Resources: {len(document['resources'])}" in out.splitlines()
