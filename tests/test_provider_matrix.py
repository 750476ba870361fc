"""The same scenarios over all four backends: the uniform outputs resolve on each, and each refusal is clear."""

import logging
import re
from typing import Any

import pytest

from ai_keys import SecureApiKey, SecureApiKeyError
from ai_keys.testing import MockEngine, resolve_output

from .conftest import CANARY
from .scenarios import BACKENDS, REFUSED, args_for, merge, supported

SECRET_REF_FORMS = {
    "aws-secrets-manager": r"arn:aws:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}",
    "aws-api-gateway": r"arn:aws:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}",
    "azure-key-vault": r"https://[a-zA-Z0-9-]{3,24}\.vault\.azure\.net/secrets/[a-zA-Z0-9-]{1,127}",
    "gcp-secret-manager": r"projects/[a-z0-9-]+/secrets/[A-Za-z0-9_-]{1,255}/versions/latest",
}
SCENARIOS = [(backend, option) for backend in BACKENDS for option in ["plain", *supported(backend), "everything"]]


def build(engine: MockEngine, args: dict[str, Any]) -> SecureApiKey:
    component: SecureApiKey = engine.run(lambda: SecureApiKey("assistant", args))  # type: ignore[arg-type]
    return component


def scenario_args(backend: str, option: str) -> dict[str, Any]:
    if option == "plain":
        return args_for(backend)
    if option == "everything":
        return args_for(backend, *supported(backend))
    return args_for(backend, option)


@pytest.mark.parametrize(("backend", "option"), SCENARIOS, ids=[f"{b}-{o}" for b, o in SCENARIOS])
def test_uniform_outputs_resolve(engine: MockEngine, backend: str, option: str) -> None:
    key = build(engine, scenario_args(backend, option))
    assert resolve_output(key.backend).value == backend
    secret_ref = resolve_output(key.secret_ref)
    assert not secret_ref.is_secret
    assert re.fullmatch(SECRET_REF_FORMS[backend], secret_ref.value), secret_ref.value
    for output in (key.secret_id, key.version_id):
        resolved = resolve_output(output)
        assert isinstance(resolved.value, str)
        assert resolved.value
        assert not resolved.is_secret
    value = resolve_output(key.value)
    assert value.is_secret
    assert value.value == CANARY
    kms = resolve_output(key.kms_key_id).value
    assert (kms is not None) == ("customer_key" in option or (option == "everything" and "customer_key" in supported(backend)))
    component = engine.one("ai-keys:index:SecureApiKey", "assistant")
    kids = [r for r in engine.resources if r is not component]
    assert kids
    assert all(kid.parent_urn == component.urn for kid in kids)
    assert all(kid.name.startswith("assistant-") for kid in kids)


REFUSALS = [(backend, case) for backend, cases in REFUSED.items() for case in cases]


@pytest.mark.parametrize(("backend", "case"), REFUSALS, ids=[f"{b}-{c}" for b, c in REFUSALS])
def test_each_refusal_is_a_clear_error(engine: MockEngine, backend: str, case: str) -> None:
    override, message = REFUSED[backend][case]
    args = merge(args_for(backend), override)
    with pytest.raises(SecureApiKeyError, match=message) as refused:
        build(engine, args)
    assert str(refused.value).startswith("SecureApiKey args.")
    assert "allowed:" in str(refused.value) or "not supported" in str(refused.value) or "does not apply" in str(refused.value)
    assert CANARY not in str(refused.value)
    assert engine.resources == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_python_logging_never_carries_the_value(engine: MockEngine, backend: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    build(engine, args_for(backend, *supported(backend)))
    assert caplog.records or engine.logs
    assert not [r for r in caplog.records if CANARY in r.getMessage()]
