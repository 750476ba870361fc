"""The gcp-secret-manager example runs offline under the mock engine and creates what its README says."""

import hashlib
import json
from pathlib import Path

from ai_keys.runtime.refs import GcpSecretRef, parse_secret_ref
from ai_keys.testing import MockEngine, run_program, unwrap_secrets

from .conftest import CANARY

EXAMPLE = Path(__file__).parent.parent / "examples" / "gcp-secret-manager"
SECRET = "gcp:secretmanager/secret:Secret"
KEY = "gcp:kms/cryptoKey:CryptoKey"
GRANT = "gcp:secretmanager/secretIamMember:SecretIamMember"


def grant_name(member: str) -> str:
    """A reader's grant is keyed by a digest of its member, never by its position in readers."""
    return f"gemini-reader-{hashlib.sha256(member.encode()).hexdigest()[:12]}"


def run_example(config: dict[str, str]) -> MockEngine:
    return run_program(EXAMPLE, config=config, secret_keys=["gemini_api_key"])


def test_example_stores_the_key_replicated_with_created_keys_rotation_and_a_reader() -> None:
    engine = run_example({"gcp:project": "my-project", "gemini_api_key": CANARY})
    types = [r.type for r in engine.resources]
    assert types.count("gcp:kms/keyRing:KeyRing") == 2
    assert types.count(KEY) == 2
    assert types.count("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember") == 2
    for expected in (
        "ai-keys:index:SecureApiKey",
        "gcp:projects/serviceIdentity:ServiceIdentity",
        "gcp:pubsub/topic:Topic",
        "gcp:pubsub/topicIAMMember:TopicIAMMember",
        SECRET,
        "gcp:secretmanager/secretVersion:SecretVersion",
        GRANT,
    ):
        assert expected in types
    secret = engine.one(SECRET)
    replicas = secret.plain("replication", "userManaged", "replicas")
    assert [r["location"] for r in replicas] == ["us-central1", "europe-west1"]
    assert [r["customerManagedEncryption"]["kmsKeyName"] for r in replicas] == [
        engine.one(KEY, "gemini-key-us-central1").id,
        engine.one(KEY, "gemini-key-europe-west1").id,
    ]
    assert secret.plain("rotation", "rotationPeriod") == "7776000s"
    assert secret.plain("labels") == {"team": "ml", "app": "summarizer"}
    assert secret.plain("annotations") == {"description": "Gemini key for the summarizer on Cloud Run"}
    member = "serviceAccount:gemini-app@my-project.iam.gserviceaccount.com"
    reader = engine.one(GRANT)
    assert reader.name == grant_name(member)
    assert reader.plain("member") == member
    assert reader.plain("role") == "roles/secretmanager.secretAccessor"
    assert reader.plain("secretId") == secret.id
    assert engine.find("gcp:secretmanager/secretIamBinding:SecretIamBinding") == []  # additive, not authoritative
    outputs = engine.stack_outputs
    assert set(outputs) == {"gemini_key_ref", "gemini_key_kms_key", "gemini_key_reader"}
    ref = parse_secret_ref(outputs["gemini_key_ref"])
    assert isinstance(ref, GcpSecretRef)
    assert (ref.project, ref.secret, ref.version) == ("my-project", secret.outputs["secretId"], "latest")
    assert outputs["gemini_key_kms_key"] == engine.one(KEY, "gemini-key-us-central1").id
    assert CANARY not in json.dumps(unwrap_secrets(outputs))


def test_example_reader_and_locations_come_from_config() -> None:
    engine = run_example(
        {
            "gcp:project": "my-project",
            "gemini_api_key": CANARY,
            "reader": "serviceAccount:summarizer@my-project.iam.gserviceaccount.com",
            "locations": '["us-east1", "us-west1"]',
        }
    )
    member = "serviceAccount:summarizer@my-project.iam.gserviceaccount.com"
    reader = engine.one(GRANT)
    assert (reader.name, reader.plain("member")) == (grant_name(member), member)
    replicas = engine.one(SECRET).plain("replication", "userManaged", "replicas")
    assert [r["location"] for r in replicas] == ["us-east1", "us-west1"]
    assert {k.name for k in engine.find(KEY)} == {"gemini-key-us-east1", "gemini-key-us-west1"}
