"""The same scenarios over all four backends: the uniform outputs resolve on each, and each refusal is clear."""

import logging
import re
from typing import Any

import pytest

from ai_keys import SecureApiKey, SecureApiKeyError
from ai_keys.rules import build_spec
from ai_keys.testing import MockEngine, resolve_output

from .conftest import CANARY
from .scenarios import (
    API_GATEWAY,
    API_GATEWAY_ONLY,
    AWS_SM,
    AZURE,
    BACKENDS,
    BASE,
    GCP,
    MISPLACED,
    MODES,
    REFUSED,
    args_for,
    backend_of,
    merge,
    supported,
)

SECRET_REF_FORMS = {
    AWS_SM: r"arn:aws:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}",
    API_GATEWAY: r"arn:aws:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}",
    AZURE: r"https://[a-zA-Z0-9-]{3,24}\.vault\.azure\.net/secrets/[a-zA-Z0-9-]{1,127}",
    GCP: r"projects/[a-z0-9-]+/secrets/[A-Za-z0-9_-]{1,255}/versions/latest",
    API_GATEWAY_ONLY: r"[a-z0-9]{10}",  # the API key id: there is no stored copy to point at
}
SCENARIOS = [(mode, option) for mode in MODES for option in ["plain", *supported(mode), "everything"]]
API_KEY = "aws:apigateway/apiKey:ApiKey"
USAGE_PLAN = "aws:apigateway/usagePlan:UsagePlan"
SM_SECRET = "aws:secretsmanager/secret:Secret"


def build(engine: MockEngine, args: dict[str, Any]) -> SecureApiKey:
    component: SecureApiKey = engine.run(lambda: SecureApiKey("assistant", args))  # type: ignore[arg-type]
    return component


def scenario_args(mode: str, option: str) -> dict[str, Any]:
    if option == "plain":
        return args_for(mode)
    if option == "everything":
        return args_for(mode, *supported(mode))
    return args_for(mode, option)


@pytest.mark.parametrize(("mode", "option"), SCENARIOS, ids=[f"{m}-{o}" for m, o in SCENARIOS])
def test_uniform_outputs_resolve(engine: MockEngine, mode: str, option: str) -> None:
    key = build(engine, scenario_args(mode, option))
    backend = backend_of(mode)
    assert resolve_output(key.backend).value == backend
    secret_ref = resolve_output(key.secret_ref)
    assert not secret_ref.is_secret
    assert re.fullmatch(SECRET_REF_FORMS[mode], secret_ref.value), secret_ref.value
    for output in (key.secret_id, key.version_id):
        resolved = resolve_output(output)
        assert isinstance(resolved.value, str)
        assert resolved.value
        assert not resolved.is_secret
    value = resolve_output(key.value)
    assert value.is_secret
    assert value.value == CANARY
    kms = resolve_output(key.kms_key_id).value
    assert (kms is not None) == ("customer_key" in option or (option == "everything" and "customer_key" in supported(mode)))
    api_key_id, usage_plan_id = resolve_output(key.api_key_id), resolve_output(key.usage_plan_id)
    if backend == API_GATEWAY:
        assert api_key_id.value == engine.one(API_KEY).id
        assert usage_plan_id.value == engine.one(USAGE_PLAN).id
        assert isinstance(api_key_id.value, str)
        assert isinstance(usage_plan_id.value, str)
        assert not api_key_id.is_secret
        assert not usage_plan_id.is_secret
    else:
        assert api_key_id.value is None
        assert usage_plan_id.value is None
    if mode == API_GATEWAY_ONLY:
        # No stored copy: every reference names the API key itself, and no secret was created.
        assert secret_ref.value == resolve_output(key.secret_id).value == resolve_output(key.version_id).value
        assert secret_ref.value == api_key_id.value
        assert engine.find(SM_SECRET) == []
    component = engine.one("ai-keys:index:SecureApiKey", "assistant")
    kids = [r for r in engine.resources if r is not component]
    assert kids
    assert all(kid.parent_urn == component.urn for kid in kids)
    assert all(kid.name.startswith("assistant-") for kid in kids)


def test_api_gateway_default_mode_is_in_the_matrix() -> None:
    assert "backend" not in BASE[API_GATEWAY_ONLY]
    assert "aws_api_gateway" in BASE[API_GATEWAY_ONLY]["issuer"]
    assert BASE[API_GATEWAY]["backend"] == AWS_SM
    assert "aws_api_gateway" in BASE[API_GATEWAY]["issuer"]
    assert {mode for mode, _ in SCENARIOS} == {*BACKENDS, API_GATEWAY_ONLY}
    for mode in (API_GATEWAY, API_GATEWAY_ONLY):
        args = args_for(mode)
        assert "api_gateway" not in args
        assert args.get("backend") in (None, AWS_SM)
        assert "value" not in args
        assert args["issuer"]["aws_api_gateway"]["value"] == CANARY


@pytest.mark.parametrize("mode", MODES)
def test_the_earlier_api_gateway_block_is_refused_on_every_mode(engine: MockEngine, mode: str) -> None:
    with pytest.raises(SecureApiKeyError) as refused:
        build(engine, merge(args_for(mode), {"api_gateway": {"enabled": True}}))
    assert refused.value.field == "api_gateway"
    assert "issuer={'aws_api_gateway': {" in refused.value.allowed
    assert "'enabled': True" in refused.value.allowed
    assert CANARY not in str(refused.value)
    assert engine.resources == []


REFUSALS = [(mode, case) for mode, cases in REFUSED.items() for case in cases]


@pytest.mark.parametrize(("mode", "case"), REFUSALS, ids=[f"{m}-{c}" for m, c in REFUSALS])
def test_each_refusal_is_a_clear_error(engine: MockEngine, mode: str, case: str) -> None:
    refusal = REFUSED[mode][case]
    args = merge(args_for(mode), refusal.override)
    with pytest.raises(SecureApiKeyError) as refused:
        build(engine, args)
    error = refused.value
    message = str(error)
    assert error.field == refusal.field, message
    assert message.startswith(f"SecureApiKey args.{refusal.field}: "), message
    assert re.search(refusal.allowed, error.allowed), message
    assert message.endswith(f"; allowed: {error.allowed}")
    assert CANARY not in message
    assert engine.resources == []
    if mode == API_GATEWAY_ONLY:
        # Saying backend: None outright (what other languages send for "unset") is refused alike.
        with pytest.raises(SecureApiKeyError) as explicit:
            build_spec(merge(args, {"backend": None}))
        assert str(explicit.value) == message


@pytest.mark.parametrize("field", MISPLACED)
def test_each_refused_field_is_accepted_where_it_belongs(field: str) -> None:
    """A refusal proves something only if the same args pass on some other mode (the value itself is fine)."""
    override, refusing = MISPLACED[field]
    accepting = []
    for mode in MODES:
        try:
            build_spec(merge(args_for(mode), override))
        except SecureApiKeyError:
            continue
        accepting.append(mode)
    assert accepting
    assert not set(accepting) & set(refusing)


def test_the_refusal_table_covers_every_mode() -> None:
    assert {mode for mode, _ in REFUSALS} == set(MODES)
    assert len(REFUSALS) >= 44
    blocks = {"aws": AWS_SM, "azure": AZURE, "gcp": GCP}
    for block, owner in blocks.items():
        for mode in MODES:
            foreign = backend_of(mode) != owner and not (block == "aws" and mode == API_GATEWAY)
            assert (block in REFUSED[mode]) == foreign, (block, mode)


@pytest.mark.parametrize("mode", MODES)
def test_python_logging_never_carries_the_value(engine: MockEngine, mode: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    build(engine, args_for(mode, *supported(mode)))
    assert caplog.records or engine.logs
    assert not [r for r in caplog.records if CANARY in r.getMessage()]
