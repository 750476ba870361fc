"""Canary leak scan: every backend x every combination of the options it supports, built with a recognizable
value; the value must appear in no non-secret input or output, resource name, URN, log line or stack output."""

import pulumi
import pytest
from pulumi.runtime import rpc

from ai_keys import SecureApiKey
from ai_keys.testing import MockEngine

from .conftest import CANARY, canary_scan
from .scenarios import args_for, combinations, leaks

COMBINATIONS = list(combinations())


@pytest.mark.parametrize(("backend", "options"), COMBINATIONS, ids=[f"{b}[{'+'.join(o) or 'plain'}]" for b, o in COMBINATIONS])
def test_the_value_never_leaks(engine: MockEngine, backend: str, options: tuple[str, ...]) -> None:
    def program() -> None:
        key = SecureApiKey("assistant", args_for(backend, *options))  # type: ignore[arg-type]
        pulumi.export("secret_ref", key.secret_ref)
        pulumi.export("value", key.value)

    engine.run(program)
    assert engine.resources
    assert leaks(engine) == []
    assert rpc.is_rpc_secret(engine.stack_outputs["value"])
    canary_scan.scanned += 1


def test_the_scan_covered_every_backend_and_combination() -> None:
    backends = {backend for backend, _ in COMBINATIONS}
    assert backends == {"aws-secrets-manager", "aws-api-gateway", "azure-key-vault", "gcp-secret-manager"}
    assert len(COMBINATIONS) >= 300
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
