"""Canary leak scan: every backend x every combination of the options it supports, built with a recognizable
value; the value must appear in no non-secret input or output, resource name, URN, log line or stack output. And
every issuer with each store its rotator runs beside: neither the key nor the OpenAI admin key leaks. And the delivery
blocks (``kubernetes``, ``esc``) on every store: neither their manifests nor the ESC document carry the value."""

import json
import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc

from ai_keys import SecureApiKey
from ai_keys.issuers import ISSUERS, azure_ai_services, managed_rotation
from ai_keys.rotation import PLACEHOLDER
from ai_keys.testing import MockEngine, unwrap_secrets

from .conftest import CANARY, ROLE_ARN, canary_scan
from .scenarios import (
    AWS_SM,
    AZURE,
    AZURE_PRINCIPAL,
    BACKENDS,
    GCP,
    GCP_MEMBER,
    USAGE_PLAN,
    args_for,
    combinations,
    leaks,
    supported,
)

COMBINATIONS = list(combinations())


@contextmanager
def every_logger_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Capture every logger's records at DEBUG: the root's, and those of loggers that set a higher level of their
    own or do not propagate (the mock engine's ``pulumi.log`` logger, ``dill``...)."""
    assert logging.root.manager.disable == logging.NOTSET
    caplog.set_level(logging.DEBUG)
    attached: list[logging.Logger] = []
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if not isinstance(logger, logging.Logger):
            continue
        if logger.level > logging.DEBUG:
            caplog.set_level(logging.DEBUG, logger=name)  # restored by caplog after the test
        if not logger.propagate:
            logger.addHandler(caplog.handler)
            attached.append(logger)
    try:
        yield
    finally:
        for logger in attached:
            logger.removeHandler(caplog.handler)


def record_texts(record: logging.LogRecord) -> Iterator[str]:
    """Everything a log record could print: its message, its args, extras, and any exception or stack text."""
    yield str(record.msg)
    yield repr(record.args)
    yield record.getMessage()
    yield repr(vars(record))
    if record.exc_info and record.exc_info[1] is not None:
        yield "".join(traceback.format_exception(*record.exc_info))
    if record.exc_text:
        yield record.exc_text
    if record.stack_info:
        yield record.stack_info


def logged_leaks(records: list[logging.LogRecord], canary: str = CANARY) -> list[str]:
    return [f"{r.name}:{r.levelname}: {str(r.msg)[:60]}" for r in records if any(canary in t for t in record_texts(r))]


@pytest.mark.parametrize(("backend", "options"), COMBINATIONS, ids=[f"{b}[{'+'.join(o) or 'plain'}]" for b, o in COMBINATIONS])
def test_the_value_never_leaks(
    engine: MockEngine, backend: str, options: tuple[str, ...], caplog: pytest.LogCaptureFixture
) -> None:
    def program() -> None:
        key = SecureApiKey("assistant", args_for(backend, *options))  # type: ignore[arg-type]
        pulumi.export("secret_ref", key.secret_ref)
        pulumi.export("value", key.value)

    logged_before = len(engine.logs)  # setting the engine up logged some already
    with every_logger_at_debug(caplog):
        engine.run(program)
    assert not engine.failed
    assert engine.resources
    assert leaks(engine) == []
    assert rpc.is_rpc_secret(engine.stack_outputs["value"])
    # The capture saw what the engine's own (non-propagating) logger recorded, so it is not blind to it.
    assert [r.getMessage() for r in caplog.records if r.name == engine.logger.name] == engine.logs[logged_before:]
    assert logged_leaks(caplog.records) == []
    canary_scan.scanned += 1


def test_the_scan_covered_every_backend_and_combination() -> None:
    backends = {backend for backend, _ in COMBINATIONS}
    assert backends == {"aws-secrets-manager", "aws-api-gateway", "azure-key-vault", "gcp-secret-manager"}
    assert len(COMBINATIONS) == sum(2 ** len(supported(backend)) for backend in BACKENDS)
    # 2**7 subsets on aws-secrets-manager, aws-api-gateway (with its Secrets Manager copy) and gcp-secret-manager,
    # 2**5 on azure-key-vault: a change here means the scan lost (or gained) combinations.
    assert len(COMBINATIONS) == 416
    assert len(set(COMBINATIONS)) == len(COMBINATIONS)
    assert CANARY.isalnum()


def test_the_scanner_finds_a_value_the_sdk_leaves_unmarked(engine: MockEngine) -> None:
    """Proof the scan can fail: azure-native does not mark a Key Vault secret's value secret by itself."""
    import pulumi_azure_native as azure_native

    engine.run(
        lambda: azure_native.keyvault.Secret(
            "raw",
            resource_group_name="rg",
            vault_name="kv-raw",
            properties=azure_native.keyvault.SecretPropertiesArgs(value=CANARY),
        )
    )
    assert any("input .properties.value" in leak for leak in leaks(engine))


def test_the_log_scan_finds_the_value_in_any_logger_message_args_or_exception(caplog: pytest.LogCaptureFixture) -> None:
    """Proof the log scan can fail, wherever a record carries the value."""
    quiet = logging.getLogger("ai_keys.test.quiet")
    quiet.propagate = False
    quiet.setLevel(logging.WARNING)
    try:
        with every_logger_at_debug(caplog):
            logging.getLogger("ai_keys.test").debug("plain %s", "text")
            assert logged_leaks(caplog.records) == []
            logging.getLogger("ai_keys.test").debug("value: %s", CANARY)
            logging.getLogger("ai_keys.test").info("args only", extra={"key": CANARY})
            quiet.debug(CANARY)
            try:
                raise ValueError(CANARY)
            except ValueError:
                logging.getLogger("ai_keys.test").exception("failed")
    finally:
        quiet.propagate = True
        quiet.setLevel(logging.NOTSET)
    assert len(logged_leaks(caplog.records)) == 4


# --- Managed rotation: every issuer with each store its rotator can run beside, the admin key included.

ADMIN_CANARY = "CANARYadmin4Kq9ZxL2mWv7RtY0pN3sH8dJ5bF1cG6"
"""A recognizable OpenAI admin key: it goes into its own secret, and nowhere else in plaintext."""
MODEL = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4"
KMS_KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OPENAI = {"project_id": "proj_abc123", "admin_key": ADMIN_CANARY}
VAULT = {"azure": {"resource_group_name": "rg-ml", "vault_name": "kv-ai-keys"}}
"""A vault of your own: the rotator's Function App must reach it (a created vault's firewall would keep it out)."""
ROTATED: dict[str, dict[str, Any]] = {
    "bedrock/aws": {"backend": AWS_SM, "issuer": {"bedrock": {"models": [MODEL]}}, "readers": [ROLE_ARN]},
    "bedrock/aws+brought-key": {
        "backend": AWS_SM,
        "issuer": {"bedrock": {"allow_all_models": True}},
        "encryption": {"key_id": KMS_KEY_ARN},
    },
    "aws_api_gateway/aws": {"backend": AWS_SM, "issuer": {"aws_api_gateway": {"usage_plan": USAGE_PLAN}}},
    "gemini/gcp": {
        "backend": GCP,
        "issuer": {"gemini": {"project": "mock-project"}},
        "gcp": {"project": "mock-project"},
        "readers": [GCP_MEMBER],
    },
    "azure_ai_services/azure": {
        "backend": AZURE,
        "issuer": {"azure_ai_services": {"account_name": "my-aoai", "resource_group_name": "rg-ai"}},
        **VAULT,
    },
    "azure_api_management/azure": {
        "backend": AZURE,
        "issuer": {"azure_api_management": {"service_name": "apim-ai", "resource_group_name": "rg-ai", "product_id": "free"}},
        **VAULT,
        "readers": [AZURE_PRINCIPAL],
    },
    "openai/aws": {"backend": AWS_SM, "issuer": {"openai": OPENAI}, "encryption": {"create_key": True}},
    "openai/aws+brought-key": {"backend": AWS_SM, "issuer": {"openai": OPENAI}, "encryption": {"key_id": KMS_KEY_ARN}},
    "openai/azure": {"backend": AZURE, "issuer": {"openai": OPENAI}, **VAULT, "readers": [AZURE_PRINCIPAL]},
}
"""Each issuer with each store its rotator runs beside (the same cloud), with the options that add grants."""


def _issued_value(case: str) -> str:
    """The value the store writes first: the placeholder, or Azure AI Services' first key (read at deploy). An API
    Management subscription's keys are read from the engine (their subscription id depends on the stack)."""
    if case.startswith("azure_ai_services"):
        return str(azure_ai_services._mock_keys({"accountName": "my-aoai"})["key1"])
    return PLACEHOLDER


@pytest.mark.parametrize("case", sorted(ROTATED))
def test_a_managed_rotation_leaks_neither_the_key_nor_the_admin_key(
    engine: MockEngine, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    def program() -> None:
        args = {**ROTATED[case], "rotation": {"every_days": 30}}
        key = SecureApiKey("assistant", args)  # type: ignore[arg-type]
        pulumi.export("secret_ref", key.secret_ref)
        pulumi.export("value", key.value)

    with every_logger_at_debug(caplog):
        engine.run(program)
    assert not engine.failed
    assert engine.find("aws:secretsmanager/secretRotation:SecretRotation") or not case.endswith(("/aws", "+brought-key"))
    canaries = [_issued_value(case), ADMIN_CANARY]
    if case.startswith("azure_api_management"):
        # The primary key is the one stored (and rotated); the secondary, in the subscription's outputs, too.
        (subscription,) = engine.find("azure-native:apimanagement:Subscription")
        canaries = [subscription.outputs["primaryKey"], subscription.outputs["secondaryKey"], ADMIN_CANARY]
        assert str(unwrap_secrets(engine.stack_outputs["value"])) == canaries[0]
    for canary in canaries:
        assert leaks(engine, canary) == [], canary[:12]
        assert logged_leaks(caplog.records, canary) == []
    assert rpc.is_rpc_secret(engine.stack_outputs["value"])
    if "openai" in case:
        # The admin key is in the store, as a secret: proof the scan looked where it is.
        assert any(ADMIN_CANARY in json.dumps(unwrap_secrets(r.inputs), default=str) for r in engine.resources)


def test_the_rotation_scan_covers_every_issuer_and_each_of_its_stores() -> None:
    pairs = {(case.split("/")[0], case.split("/")[1].split("+")[0]) for case in ROTATED}
    assert pairs == {
        ("bedrock", "aws"),
        ("aws_api_gateway", "aws"),
        ("gemini", "gcp"),
        ("azure_ai_services", "azure"),
        ("azure_api_management", "azure"),
        ("openai", "aws"),
        ("openai", "azure"),
    }
    assert {issuer for issuer, _ in pairs} == {name for name in ISSUERS if managed_rotation(name).stores}  # type: ignore[union-attr]


# --- Client keys of your own API (gcp_api_key, apigee, azure_api_management): no rotator, so every store, the key as the canary.

CLIENT_KEYS: dict[str, dict[str, Any]] = {
    "gcp_api_key": {"gcp_api_key": {"project": "mock-project", "service": "inference-0abc.apigateway.mock-project.cloud.goog"}},
    "apigee": {
        "apigee": {
            "org_id": "organizations/mock-project",
            "developer": {"email": "ops@acme.example", "first_name": "Acme", "last_name": "Ops", "user_name": "acme"},
            "app_name": "assistant",
            "product": {
                "name": "free",
                "environments": ["prod"],
                "proxies": ["inference"],
                "quota": 1000,
                "quota_interval": 1,
                "quota_time_unit": "day",
            },
        }
    },
    "azure_api_management": {
        "azure_api_management": {
            "service_name": "apim-ai",
            "resource_group_name": "rg-ai",
            "product": {
                "name": "free",
                "token_limit": {"tokens_per_minute": 5000, "token_quota": 1_000_000, "token_quota_period": "Monthly"},
                "rate_limit": {"calls": 60, "renewal_period_seconds": 60},
            },
            "emit_token_metric": True,
        }
    },
}
CLIENT_STORES: dict[str, dict[str, Any]] = {
    AWS_SM: {"readers": [ROLE_ARN]},
    GCP: {"gcp": {"project": "mock-project"}, "readers": [GCP_MEMBER]},
    AZURE: {**VAULT, "readers": [AZURE_PRINCIPAL]},
}
CLIENT_CASES = [(issuer, store) for issuer in CLIENT_KEYS for store in CLIENT_STORES]


@pytest.mark.parametrize(("issuer", "store"), CLIENT_CASES, ids=[f"{i}/{s}" for i, s in CLIENT_CASES])
def test_a_client_key_leaks_nowhere_on_any_store(
    engine: MockEngine, issuer: str, store: str, caplog: pytest.LogCaptureFixture
) -> None:
    def program() -> None:
        key = SecureApiKey("assistant", {"backend": store, "issuer": CLIENT_KEYS[issuer], **CLIENT_STORES[store]})  # type: ignore[arg-type]
        pulumi.export("secret_ref", key.secret_ref)
        pulumi.export("value", key.value)

    with every_logger_at_debug(caplog):
        engine.run(program)
    assert not engine.failed
    issued = str(unwrap_secrets(engine.stack_outputs["value"]))
    canaries = [issued]
    if issuer == "apigee":  # the consumer secret, in the app's credentials, is never stored but must not leak either
        (app,) = engine.find("gcp:apigee/developerApp:DeveloperApp")
        canaries.append(app.outputs["credentials"][0]["consumerSecret"])
    if issuer == "azure_api_management":  # the secondary key, in the subscription's outputs, is never stored either
        (subscription,) = engine.find("azure-native:apimanagement:Subscription")
        canaries.append(subscription.outputs["secondaryKey"])
        assert subscription.outputs["primaryKey"] == issued  # the subscription's outputs hold the stored key too
    for canary in canaries:
        assert len(canary) >= 32
        assert leaks(engine, canary) == [], canary[:4]
        assert logged_leaks(caplog.records, canary) == []
    assert rpc.is_rpc_secret(engine.stack_outputs["value"])
    # The key does reach the store, as a secret: proof the scan looked where it is.
    assert any(issued in json.dumps(unwrap_secrets(r.inputs), default=str) for r in engine.resources if r.custom)


# --- Delivery to a fleet: the kubernetes and esc blocks, on every store that has them, ESO and CSI.

FLEET = [(store, delivery) for store in (AWS_SM, GCP, AZURE) for delivery in ("eso", "csi")]


def _texts(value: Any) -> Iterator[str]:
    """Every string in ``value``, with an asset's text (the ESC document is one): the generic scan sees only its
    repr."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, pulumi.StringAsset):
        yield value.text
    elif isinstance(value, str):
        yield value


@pytest.mark.parametrize(("store", "delivery"), FLEET, ids=[f"{s}[{d}]" for s, d in FLEET])
def test_the_value_never_leaks_into_kubernetes_objects_or_the_esc_environment(
    engine: MockEngine, store: str, delivery: str, caplog: pytest.LogCaptureFixture
) -> None:
    from .fleet.cases import esc_block, key_args, kubernetes_block, with_provider

    def args() -> dict[str, Any]:
        block = kubernetes_block(store, delivery, create_service_account=True)
        return key_args(store, kubernetes=block, esc=esc_block(store))

    with every_logger_at_debug(caplog):
        engine.run(with_provider(args))
    assert not engine.failed
    delivered = [r for r in engine.resources if r.type.startswith(("kubernetes:", "pulumiservice:")) and r.custom]
    assert len(delivered) == (4 if delivery == "eso" else 3)  # the provider, the objects, the environment
    assert leaks(engine) == []
    assert logged_leaks(caplog.records) == []
    texts = [text for r in delivered for text in _texts(unwrap_secrets(r.inputs))]
    assert any("fn::open::" in text for text in texts)  # the ESC document was read, not its repr
    assert [text[:40] for text in texts if CANARY in text] == []
    assert rpc.is_rpc_secret(engine.stack_outputs["secret_ref"]) is False
    canary_scan.scanned += 1
