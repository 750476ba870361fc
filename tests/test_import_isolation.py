"""Importing ai-keys loads no cloud SDK, and a backend whose SDK is missing is refused before anything exists."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from ai_keys import BackendNotInstalledError, SecureApiKey
from ai_keys.testing import MockEngine

from .conftest import CANARY

SRC = Path(__file__).resolve().parent.parent / "src"
CLOUD_SDK_ROOTS = (
    "pulumi_aws",
    "pulumi_azure_native",
    "pulumi_gcp",
    "pulumi_kubernetes",  # the `kubernetes` block's, loaded only when a key uses it
    "pulumi_pulumiservice",  # the `esc` block's
    "boto3",
    "botocore",
    "azure",
)
CLOUD_SDK_PACKAGES = ("google.cloud",)  # google.protobuf comes with pulumi itself; google.cloud must not load
PUBLIC_MODULES = ("ai_keys", "ai_keys.runtime", "ai_keys.provider", "ai_keys.rules", "ai_keys.stores", "ai_keys.testing")

# store -> (minimal valid args beyond backend/value, the SDK module it needs, the pip extra that installs it)
BACKENDS: dict[str, tuple[dict[str, Any], str, str]] = {
    "aws-secrets-manager": ({}, "pulumi_aws", "aws"),
    # The API Gateway store, reached through issuer.aws_api_gateway (its args replace backend and value).
    "aws-api-gateway": ({"issuer": {"aws_api_gateway": {"usage_plan_id": "abc123", "value": "A" * 30}}}, "pulumi_aws", "aws"),
    "azure-key-vault": ({"azure": {"resource_group_name": "rg-ai", "vault_name": "kv-ai"}}, "pulumi_azure_native", "azure"),
    "gcp-secret-manager": ({}, "pulumi_gcp", "gcp"),
}


def run_python(code: str) -> str:
    """Run ``code`` in a fresh interpreter (this venv, this source tree) and return its stdout."""
    result = subprocess.run(  # noqa: S603 - this interpreter, code written in this file
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def cloud_sdk_modules(modules: list[str]) -> list[str]:
    return [
        name
        for name in modules
        if name.split(".")[0] in CLOUD_SDK_ROOTS or any(name == p or name.startswith(f"{p}.") for p in CLOUD_SDK_PACKAGES)
    ]


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_importing_loads_no_cloud_sdk(module: str) -> None:
    loaded = json.loads(run_python(f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"))
    assert module in loaded  # the import really happened
    assert cloud_sdk_modules(loaded) == []


@pytest.mark.parametrize("module", ["ai_keys", "ai_keys.runtime"])
def test_an_app_that_only_reads_keys_does_not_load_pulumi(module: str) -> None:
    loaded = json.loads(run_python(f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"))
    assert module in loaded
    assert [name for name in loaded if name == "pulumi" or name.startswith("pulumi.")] == []


def test_the_public_api_loads_on_first_use() -> None:
    loaded = json.loads(run_python("import json, sys, ai_keys; ai_keys.SecureApiKey; print(json.dumps(sorted(sys.modules)))"))
    assert "ai_keys.component" in loaded
    assert "pulumi" in loaded
    assert cloud_sdk_modules(loaded) == []


def test_the_check_would_see_a_cloud_sdk() -> None:
    """Guard against a vacuous pass: the same check flags an SDK once one is imported."""
    loaded = json.loads(run_python("import json, sys, ai_keys, pulumi_gcp; print(json.dumps(sorted(sys.modules)))"))
    assert "pulumi_gcp" in cloud_sdk_modules(loaded)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_a_backend_without_its_sdk_is_refused_naming_the_extra(
    backend: str, engine: MockEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra_args, sdk, extra = BACKENDS[backend]
    # None in sys.modules is how Python marks a module as unimportable: find_spec returns None, import fails.
    monkeypatch.setitem(sys.modules, sdk, None)
    args = extra_args if "issuer" in extra_args else {"backend": backend, "value": CANARY, **extra_args}
    with pytest.raises(BackendNotInstalledError, match=rf"pip install 'ai-keys\[{extra}\]'") as caught:
        engine.run(lambda: SecureApiKey("openai", args))  # type: ignore[arg-type]
    assert caught.value.extra == extra
    assert caught.value.backend == (backend if "issuer" not in extra_args else "issuer aws_api_gateway")
    assert caught.value.name == sdk
    assert sdk in str(caught.value)
    assert CANARY not in str(caught.value)
    assert engine.resources == []


def test_a_fresh_interpreter_without_gcp_and_azure_sdks_still_serves_aws() -> None:
    """As installed with only ``ai-keys[aws]``: aws works, gcp is refused naming ``ai-keys[gcp]``, nothing registered."""
    output = run_python(
        """
        import json, sys
        sys.modules["pulumi_gcp"] = None            # not installed
        sys.modules["pulumi_azure_native"] = None   # not installed
        from ai_keys import BackendNotInstalledError, SecureApiKey
        from ai_keys.testing import mock_pulumi

        with mock_pulumi() as engine:
            engine.run(lambda: SecureApiKey("aws-key", {"backend": "aws-secrets-manager", "value": "sk-1"}))
            aws_types = sorted(r.type for r in engine.resources)
        with mock_pulumi() as engine:
            try:
                engine.run(lambda: SecureApiKey("gcp-key", {"backend": "gcp-secret-manager", "value": "sk-2"}))
                error = ""
            except BackendNotInstalledError as exc:
                error = str(exc)
            gcp_registered = len(engine.resources)
        print(json.dumps({"aws": aws_types, "gcp_error": error, "gcp_registered": gcp_registered}))
        """
    )
    result = json.loads(output.strip().splitlines()[-1])
    assert result["aws"] == [
        "ai-keys:index:SecureApiKey",
        "aws:secretsmanager/secret:Secret",
        "aws:secretsmanager/secretVersion:SecretVersion",
    ]
    assert "pip install 'ai-keys[gcp]'" in result["gcp_error"]
    assert result["gcp_registered"] == 0
