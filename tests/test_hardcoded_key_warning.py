"""A vendor key written into the program as ``value`` gets a warning that names the vendor and the declaring line.

The warning uses the policy pack's fixed-prefix patterns (``ai_keys.key_patterns`` is the pack's module, copied):
every kind they know warns, under its own label. It never shows the value; a key passed as a Pulumi secret, and a
plain string of no vendor's shape, never warn.
"""

import base64
import inspect
import logging
import os
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

from ai_keys import SecureApiKey
from ai_keys.key_patterns import PATTERNS, KeyKind
from ai_keys.rules import build_spec
from ai_keys.testing import MockEngine, mock_pulumi

FILLER = "FAKE_fake-" * 6

# One key of each kind the pack's fixed-prefix patterns know, built from an obvious filler.
SAMPLES: dict[KeyKind, str] = {
    KeyKind.OPENAI: "sk-proj-" + FILLER,
    KeyKind.ANTHROPIC: "sk-ant-api03-" + FILLER,
    KeyKind.DEEPSEEK: "sk-" + "fa4e" * 8,
    KeyKind.OPENROUTER: "sk-or-v1-" + "fa4e" * 16,
    KeyKind.AWS_ACCESS_KEY_ID: "AKIA" + "FAKE" * 4,
    KeyKind.GOOGLE_API_KEY: "AIza" + FILLER[:35],
    KeyKind.GOOGLE_AUTH_KEY: "AQ." + FILLER,
    KeyKind.BEDROCK_API_KEY: "ABSK" + base64.b64encode(b"BedrockAPIKey-fake-at-123456789012:" + b"FAKE" * 15).decode(),
    KeyKind.HUGGING_FACE: "hf_" + "FAKEfake" * 5,
    KeyKind.GROQ: "gsk_" + "FAKEfake" * 6,
    KeyKind.TOGETHER: "tgp_v1_" + FILLER,
    KeyKind.PERPLEXITY: "pplx-" + "FAKEfake" * 6,
    KeyKind.XAI: "xai-" + "FAKEfake" * 9,
    KeyKind.REPLICATE: "r8_" + "FAKEfake" * 5,
}
KEY = SAMPLES[KeyKind.OPENAI]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logged() -> Iterator[tuple[MockEngine, list[logging.LogRecord]]]:
    """A mock engine, and every record its logger (what ``pulumi.log`` writes to) receives."""
    handler = _Records()
    with mock_pulumi(config={"openai_api_key": KEY}, secret_keys=["openai_api_key"]) as engine:
        engine.logger.addHandler(handler)
        yield engine, handler.records


def warnings_of(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if r.levelno == logging.WARNING]


def shown(path: str) -> str:
    """A file as messages show it: relative to the working directory when under it."""
    path = os.path.abspath(path)
    return os.path.relpath(path) if path.startswith(os.getcwd()) else path


def next_line() -> str:
    """``file:line`` of the caller's next line, as the warning shows a declaration site."""
    frame = inspect.currentframe()
    assert frame is not None
    assert frame.f_back is not None
    return f"{shown(__file__)}:{frame.f_back.f_lineno + 1}"


def test_a_literal_vendor_key_warns_naming_the_vendor_and_the_line(logged: tuple[MockEngine, list[logging.LogRecord]]) -> None:
    engine, records = logged
    declared: list[str] = []

    def program() -> None:
        declared.append(next_line())
        SecureApiKey("openai", {"backend": "aws-secrets-manager", "value": KEY})

    engine.run(program)
    assert not engine.failed
    assert engine.resources  # the key is still stored: a warning, not a refusal
    assert warnings_of(records) == [
        f"SecureApiKey 'openai' (declared at {declared[0]}): args.value is a plain string that looks like a plaintext "
        "OpenAI API key. A key written into the program is kept in its source and history: pass a Pulumi secret "
        "instead, e.g. value=config.require_secret('<config key>'), and rotate this key."
    ]
    everything = "\n".join(r.getMessage() for r in records) + "\n".join(engine.logs)
    assert KEY not in everything
    assert KEY[8:20] not in everything


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(lambda: pulumi.Config().require_secret("openai_api_key"), id="config secret"),
        pytest.param(lambda: pulumi.Output.secret(KEY), id="Output.secret"),
        pytest.param(lambda: "not-a-key-but-a-long-enough-placeholder-value", id="plain string of no vendor's shape"),
    ],
)
def test_no_warning_for_a_secret_or_a_string_of_no_vendor_shape(
    logged: tuple[MockEngine, list[logging.LogRecord]], value: Any
) -> None:
    engine, records = logged
    engine.run(lambda: SecureApiKey("openai", {"backend": "aws-secrets-manager", "value": value()}))
    assert not engine.failed
    assert engine.resources
    assert records  # the handler sees what the program logs, so an empty list below is not blindness
    assert warnings_of(records) == []


def test_every_kind_the_pack_patterns_know_warns_under_its_label(monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(SAMPLES) == {kind for kind, _, _ in PATTERNS}  # a new pattern needs a sample here
    warned: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *args, **kwargs: warned.append(message))
    for kind, key in SAMPLES.items():
        warned.clear()
        build_spec({"backend": "aws-secrets-manager", "value": key}, "llm")
        assert len(warned) == 1, kind
        assert f"looks like a plaintext {kind.label}. " in warned[0]
        # Outside a SecureApiKey the line shown is still the caller's: build_spec's, in this test.
        assert f"(declared at {shown(__file__)}:" in warned[0]
        assert key not in warned[0]
        assert key[4:12] not in warned[0]
