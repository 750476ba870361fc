"""Mock outputs of what the ``gcp-secret-manager`` store creates: the secret and its versions, reader grants,
Cloud KMS key rings and keys, the Secret Manager service agent, rotation topics and the project's audit config,
with the ids and names the gcp provider really returns.

The GCP mock cloud's helpers (:mod:`ai_keys.testing.mock_clouds.gcp`) are imported when a filler runs: the mock
engine loads this table when it is imported itself, and importing no testing module here keeps the store's entry
light.
"""

from collections.abc import Mapping
from typing import Any, Callable

State = dict[str, Any]
Filler = Callable[[str, State, dict[str, State]], tuple[str, State]]


def _etag(name: str) -> str:
    from ...testing.mock_clouds._ids import stable_alnum

    return "BwY" + stable_alnum("etag", name, length=9)


def _labels(inputs: State) -> State:
    labels = inputs.get("labels") or {}
    return {"effectiveLabels": labels, "pulumiLabels": labels}


def _secret(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds.gcp import CREATE_TIME, PROJECT_NUMBER, autonamed, project_of

    project = project_of(inputs)
    secret_id = autonamed(name, inputs, "secretId")
    annotations = inputs.get("annotations") or {}
    return f"projects/{project}/secrets/{secret_id}", {
        **inputs,
        **_labels(inputs),
        "project": project,
        "secretId": secret_id,
        "name": f"projects/{PROJECT_NUMBER}/secrets/{secret_id}",
        "createTime": CREATE_TIME,
        "effectiveAnnotations": annotations,
        "deletionProtection": inputs.get("deletionProtection", False),
    }


def _secret_version(name: str, inputs: State, states: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds.gcp import CREATE_TIME, PROJECT_NUMBER, plain

    secret = str(plain(inputs.get("secret", "")))
    secret_id = secret.rsplit("/", 1)[-1]
    number = 1 + sum(1 for state in states.values() if state.get("secret") == inputs.get("secret") and "version" in state)
    version_name = f"projects/{PROJECT_NUMBER}/secrets/{secret_id}/versions/{number}"
    return version_name, {
        **inputs,
        "name": version_name,
        "version": str(number),
        "createTime": CREATE_TIME,
        "enabled": inputs.get("enabled", True),
        "deletionPolicy": inputs.get("deletionPolicy", "DELETE"),
        "isSecretDataBase64": inputs.get("isSecretDataBase64", False),
    }


def _iam_member(parent_key: str) -> Filler:
    def fill(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
        from ...testing.mock_clouds.gcp import plain

        parent = plain(inputs.get(parent_key, ""))
        member_id = f"{parent}/{plain(inputs.get('role', ''))}/{plain(inputs.get('member', ''))}"
        return member_id, {**inputs, "etag": _etag(name)}

    return fill


def _key_ring(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds.gcp import autonamed, plain, project_of

    project = project_of(inputs)
    ring = autonamed(name, inputs)
    location = plain(inputs.get("location", "global"))
    return f"projects/{project}/locations/{location}/keyRings/{ring}", {**inputs, "name": ring, "project": project}


def _crypto_key(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds.gcp import autonamed, plain

    key_name = autonamed(name, inputs)
    key_id = f"{plain(inputs.get('keyRing', ''))}/cryptoKeys/{key_name}"
    return key_id, {
        **inputs,
        **_labels(inputs),
        "name": key_name,
        "purpose": inputs.get("purpose", "ENCRYPT_DECRYPT"),
        "destroyScheduledDuration": inputs.get("destroyScheduledDuration", "2592000s"),
        "versionTemplate": inputs.get(
            "versionTemplate", {"algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION", "protectionLevel": "SOFTWARE"}
        ),
        "primaries": [{"name": f"{key_id}/cryptoKeyVersions/1", "state": "ENABLED"}],
    }


def _service_identity(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds.gcp import PROJECT_NUMBER, plain, project_of

    project = project_of(inputs)
    service = str(plain(inputs.get("service", "")))
    email = f"service-{PROJECT_NUMBER}@gcp-sa-{service.split('.', 1)[0]}.iam.gserviceaccount.com"
    return f"projects/{project}/services/{service}", {
        **inputs,
        "project": project,
        "email": email,
        "member": f"serviceAccount:{email}",
    }


def _topic(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds.gcp import autonamed, project_of

    project = project_of(inputs)
    topic = autonamed(name, inputs)
    return f"projects/{project}/topics/{topic}", {**inputs, **_labels(inputs), "name": topic, "project": project}


def _audit_config(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    from ...testing.mock_clouds._ids import stable_id
    from ...testing.mock_clouds.gcp import plain, project_of

    # The provider's id for a project audit config: "PROJECT/audit_config/SERVICE".
    project = project_of(inputs)
    service = str(plain(inputs.get("service", "")))
    return f"{project}/audit_config/{service}", {**inputs, "project": project, "etag": stable_id("etag", name, length=12)}


MOCK_OUTPUTS: Mapping[str, Filler] = {
    "gcp:projects/iAMAuditConfig:IAMAuditConfig": _audit_config,
    "gcp:secretmanager/secret:Secret": _secret,
    "gcp:secretmanager/secretVersion:SecretVersion": _secret_version,
    "gcp:secretmanager/secretIamMember:SecretIamMember": _iam_member("secretId"),
    "gcp:kms/keyRing:KeyRing": _key_ring,
    "gcp:kms/cryptoKey:CryptoKey": _crypto_key,
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": _iam_member("cryptoKeyId"),
    "gcp:projects/serviceIdentity:ServiceIdentity": _service_identity,
    "gcp:pubsub/topic:Topic": _topic,
    "gcp:pubsub/topicIAMMember:TopicIAMMember": _iam_member("topic"),
}
"""By resource type: ``(name, inputs, states by id) -> (id, state)``."""
MOCK_CALLS: Mapping[str, Callable[[State], State]] = {}
"""The store makes no invoke of its own."""
