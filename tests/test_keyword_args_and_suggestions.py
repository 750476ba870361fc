"""Args as keywords, as Pulumi resources take them, and "did you mean" for a mistyped backend, issuer or option."""

from typing import Any

import pulumi
import pytest

from ai_keys import SecureApiKey, SecureApiKeyError
from ai_keys.testing import MockEngine, mock_pulumi, unwrap_secrets

from .conftest import CANARY, ROLE_ARN

ARGS: dict[str, Any] = {"backend": "aws-secrets-manager", "value": CANARY, "readers": [ROLE_ARN], "name": "openai"}


def registered(program: Any) -> dict[tuple[str, str], Any]:
    """What ``program`` registers, by type and name (registrations run concurrently, so order is not kept)."""
    with mock_pulumi() as engine:
        engine.run(program)
        return {(r.type, r.name): unwrap_secrets(r.inputs) for r in engine.resources}


def test_keyword_args_register_exactly_what_the_dict_form_does() -> None:
    as_dict = registered(lambda: SecureApiKey("openai", ARGS))  # type: ignore[arg-type]
    as_keywords = registered(lambda: SecureApiKey("openai", **ARGS))
    assert as_keywords == as_dict
    assert len(as_dict) >= 4  # the secret, its version and policy were registered


def test_keyword_args_take_opts_too() -> None:
    with mock_pulumi() as engine:
        engine.run(lambda: SecureApiKey("openai", opts=pulumi.ResourceOptions(protect=True), **ARGS))
        assert engine.one("ai-keys:index:SecureApiKey").protect is True


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        (lambda: SecureApiKey("k", ARGS, backend="aws-secrets-manager"), "were given both as a dict and as keywords (backend)"),
        (lambda: SecureApiKey("k"), "are missing"),  # type: ignore[call-overload]
    ],
)
def test_args_in_both_forms_or_none_are_refused_with_the_dict_form_shown(call: Any, problem: str, engine: MockEngine) -> None:
    with pytest.raises(SecureApiKeyError) as caught:
        engine.run(call)
    assert caught.value.field == "args"
    assert problem in str(caught.value)
    assert 'SecureApiKey("name", {"backend": ...' in str(caught.value)
    assert engine.resources == []


@pytest.mark.parametrize(
    ("args", "field", "suggestion"),
    [
        ({"backend": "aws-secret-manager", "value": CANARY}, "backend", "aws-secrets-manager"),
        ({"backend": "GCP_Secret_Manager", "value": CANARY}, "backend", "gcp-secret-manager"),
        ({"backend": "aws-secrets-manager", "value": CANARY, "reader": [ROLE_ARN]}, "reader", "readers"),
        (
            {"backend": "aws-secrets-manager", "value": CANARY, "deletion-protection": False},
            "deletion-protection",
            "deletion_protection",
        ),
        ({"backend": "gcp-secret-manager", "value": CANARY, "gcp": {"projcet": "p"}}, "gcp.projcet", "project"),
        ({"backend": "aws-secrets-manager", "issuer": {"bedrok": {}}}, "issuer.bedrok", "bedrock"),
    ],
)
def test_a_near_miss_gets_a_suggestion(args: dict[str, Any], field: str, suggestion: str, engine: MockEngine) -> None:
    with pytest.raises(SecureApiKeyError) as caught:
        engine.run(lambda: SecureApiKey("k", args))  # type: ignore[arg-type]
    assert caught.value.field == field
    assert f"(did you mean {suggestion}?)" in str(caught.value)
    assert CANARY not in str(caught.value)


def test_nothing_close_gets_no_suggestion(engine: MockEngine) -> None:
    with pytest.raises(SecureApiKeyError) as caught:
        engine.run(lambda: SecureApiKey("k", {"backend": "aws-secrets-manager", "value": CANARY, "colour": "blue"}))  # type: ignore[typeddict-unknown-key]
    assert caught.value.field == "colour"
    assert "did you mean" not in str(caught.value)
