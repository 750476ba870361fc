"""The pack as the Pulumi CLI sees it: files, entry point, policy metadata."""

from __future__ import annotations

import ast
import importlib.util
import runpy
import sys
from pathlib import Path
from typing import Any

import pulumi_policy.policy as sdk_policy
import pytest
import yaml
from ai_keys_policy import POLICIES
from ai_keys_policy.secrets import deserialize_keeping_secrets
from google.protobuf import json_format
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"

EXPECTED_LEVELS = {
    "no-plaintext-api-keys": EnforcementLevel.MANDATORY,
    "no-plaintext-api-keys-in-outputs": EnforcementLevel.MANDATORY,
    "secret-store-customer-managed-key": EnforcementLevel.ADVISORY,
    "secret-store-rotation": EnforcementLevel.ADVISORY,
    "secret-store-no-public-read": EnforcementLevel.ADVISORY,
    "no-plaintext-azure-ai-account-keys": EnforcementLevel.MANDATORY,
    "google-api-key-api-targets": EnforcementLevel.ADVISORY,
    "bedrock-api-key-expiry": EnforcementLevel.ADVISORY,
}


class _ServerStartError(Exception):
    """Raised instead of starting the analyzer's gRPC server."""


def test_every_policy_is_complete():
    assert {p.name: p.enforcement_level for p in POLICIES} == EXPECTED_LEVELS
    for policy in POLICIES:
        assert policy.description, policy.name
        assert policy.display_name, policy.name
        assert policy.severity is not None, policy.name
        assert policy.remediation_steps, policy.name
        assert len(policy.remediation_steps) > 80, policy.name


def test_pulumi_policy_yaml():
    manifest = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"] == "python"
    assert manifest["description"]
    assert str(manifest["version"]).count(".") == 2


def test_requirements_name_the_policy_sdk():
    requirements = (POLICY_DIR / "requirements.txt").read_text().split()
    assert any(line.startswith("pulumi-policy") for line in requirements)


def test_only_the_entry_point_constructs_a_policy_pack():
    def constructs_pack(path: Path) -> bool:
        tree = ast.parse(path.read_text())
        return any(
            isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "PolicyPack"
            for node in ast.walk(tree)
        )

    assert constructs_pack(POLICY_DIR / "__main__.py")
    modules = sorted((POLICY_DIR / "ai_keys_policy").glob("*.py"))
    assert modules
    assert [m.name for m in modules if constructs_pack(m)] == []


def test_entry_point_builds_the_pack_the_cli_will_see(monkeypatch):
    """Run __main__.py up to the point where the analyzer server would start, and read its info."""
    captured: dict[str, Any] = {}

    def capture(servicer: Any, _server: Any) -> None:
        captured["servicer"] = servicer
        raise _ServerStartError

    monkeypatch.setattr(sdk_policy.grpc, "server", lambda *a, **k: object())
    monkeypatch.setattr(sdk_policy.analyzer_pb2_grpc, "add_AnalyzerServicer_to_server", capture)
    monkeypatch.setattr(sdk_policy, "deserialize_properties", sdk_policy.deserialize_properties)  # restored after

    with pytest.raises(_ServerStartError):
        runpy.run_path(str(POLICY_DIR / "__main__.py"), run_name="__main__")

    assert sdk_policy.deserialize_properties is deserialize_keeping_secrets
    info = captured["servicer"].GetAnalyzerInfo(None, None)
    assert info.name == "ai-keys"
    assert info.supportsConfig
    levels = {p.name: p.enforcementLevel for p in info.policies}
    assert levels == {
        "no-plaintext-api-keys": proto.MANDATORY,
        "no-plaintext-api-keys-in-outputs": proto.MANDATORY,
        "secret-store-customer-managed-key": proto.ADVISORY,
        "secret-store-rotation": proto.ADVISORY,
        "secret-store-no-public-read": proto.ADVISORY,
        "no-plaintext-azure-ai-account-keys": proto.MANDATORY,
        "google-api-key-api-targets": proto.ADVISORY,
        "bedrock-api-key-expiry": proto.ADVISORY,
    }
    key_policy = next(p for p in info.policies if p.name == "no-plaintext-api-keys")
    schema = json_format.MessageToDict(key_policy.configSchema.properties)
    assert schema["allowedEnvVarNames"]["type"] == "array"
    assert schema["entropyThreshold"]["default"] == 3.5
    assert all(p.remediation_steps for p in info.policies)
    azure_policy = next(p for p in info.policies if p.name == "no-plaintext-azure-ai-account-keys")
    assert json_format.MessageToDict(azure_policy.configSchema.properties)["allowedPaths"]["type"] == "array"
    for name in ("google-api-key-api-targets", "bedrock-api-key-expiry"):
        policy = next(p for p in info.policies if p.name == name)
        assert json_format.MessageToDict(policy.configSchema.properties)["allowedResourceNames"]["type"] == "array"


def test_every_policy_has_a_row_and_a_section_in_the_manual():
    page = (POLICY_DIR.parent / "docs" / "guides" / "policy-pack.md").read_text(encoding="utf-8")
    table, policies = page.split("\n## The policies\n", 1)
    policies = policies.split("\n## ", 1)[0]
    levels = {EnforcementLevel.MANDATORY: "**mandatory**", EnforcementLevel.ADVISORY: "advisory"}
    words = {EnforcementLevel.MANDATORY: "**Mandatory.**", EnforcementLevel.ADVISORY: "**Advisory.**"}
    for policy in POLICIES:
        assert f"| `{policy.name}` | {levels[policy.enforcement_level]} |" in table, policy.name
        details = policies.split(f"\n### `{policy.name}`\n", 1)[1].split("\n### ", 1)[0]
        assert details.strip().startswith(words[policy.enforcement_level]), policy.name


def _build_script() -> Any:
    spec = importlib.util.spec_from_file_location("build_policy_pack", POLICY_DIR.parent / "scripts" / "build_policy_pack.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_wheel_carries_the_packs_key_patterns_verbatim():
    """SecureApiKey warns on a hard-coded key with the pack's own patterns: ai_keys.key_patterns is a copy."""
    import ai_keys_policy.key_patterns

    import ai_keys.key_patterns

    shared = POLICY_DIR / "ai_keys_policy" / "key_patterns.py"
    copy = POLICY_DIR.parent / "src" / "ai_keys" / "key_patterns.py"
    assert copy.read_bytes() == shared.read_bytes(), "run `python scripts/build_policy_pack.py --sync`"
    assert Path(ai_keys.key_patterns.__file__).resolve() == copy.resolve()
    assert Path(ai_keys_policy.key_patterns.__file__).resolve() == shared.resolve()
    # The pack runs without ai-keys installed: the shared module imports nothing but the standard library.
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(ast.parse(shared.read_text(encoding="utf-8")))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


def test_the_pack_is_not_built_while_the_wheels_copy_is_stale(tmp_path, monkeypatch):
    script = _build_script()
    stale = tmp_path / "key_patterns.py"
    stale.write_text('"""An older copy."""\n', encoding="utf-8")
    monkeypatch.setattr(script, "WHEEL_COPY", stale)
    with pytest.raises(SystemExit, match="--sync"):
        script.build(tmp_path / "dist")
    assert not (tmp_path / "dist").exists()
    assert script.sync() == stale
    assert stale.read_bytes() == script.SHARED.read_bytes()
    assert script.wheel_copy_is_current()
