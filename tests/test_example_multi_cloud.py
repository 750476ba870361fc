"""The multi-cloud example: one key in three clouds, each copy readable by that cloud's app identity, and each
``secret_ref`` in a form the runtime reader accepts."""

import json
from pathlib import Path

from ai_keys.runtime import AwsSecretRef, AzureSecretRef, GcpSecretRef, parse_secret_ref
from ai_keys.testing import MockEngine, run_program

from .conftest import CANARY
from .scenarios import leaks

EXAMPLE = Path(__file__).parent.parent / "examples" / "multi-cloud"


def run_example() -> MockEngine:
    return run_program(EXAMPLE, config={"openai_api_key": CANARY}, secret_keys=["openai_api_key"])


def test_the_key_is_stored_in_all_three_clouds_for_one_identity_each() -> None:
    engine = run_example()
    assert sorted(c.name for c in engine.find("ai-keys:index:SecureApiKey")) == ["openai-aws", "openai-azure", "openai-gcp"]
    role = engine.one("aws:iam/role:Role", "assistant")
    aws_policy = json.loads(engine.one("aws:secretsmanager/secretPolicy:SecretPolicy").plain("policy"))
    assert aws_policy["Statement"][0]["Principal"] == {"AWS": [role.outputs["arn"]]}
    identity = engine.one("azure-native:managedidentity:UserAssignedIdentity", "assistant")
    assert engine.one("azure-native:authorization:RoleAssignment").plain("principalId") == identity.outputs["principalId"]
    account = engine.one("gcp:serviceaccount/account:Account", "assistant")
    assert account.plain("accountId") == "assistant-stack"  # one per stack
    # Known only at deploy time, so named in readers_by_name: its grant is keyed by that name.
    (grant,) = engine.find("gcp:secretmanager/secretIamMember:SecretIamMember")
    assert grant.name == "openai-gcp-reader-assistant"
    assert grant.plain("member") == account.outputs["member"]
    assert grant.plain("secretId") == engine.one("gcp:secretmanager/secret:Secret").id
    assert grant.plain("role") == "roles/secretmanager.secretAccessor"
    assert leaks(engine) == []


def test_every_secret_ref_is_one_the_runtime_reader_accepts() -> None:
    outputs = run_example().stack_outputs
    assert isinstance(parse_secret_ref(outputs["aws_secret_ref"]), AwsSecretRef)
    assert isinstance(parse_secret_ref(outputs["azure_secret_ref"]), AzureSecretRef)
    assert isinstance(parse_secret_ref(outputs["gcp_secret_ref"]), GcpSecretRef)


def test_the_app_side_reads_through_the_runtime_reader() -> None:
    source = (EXAMPLE / "app.py").read_text()
    assert "from ai_keys.runtime import resolve" in source
    assert "print(key)" not in source
