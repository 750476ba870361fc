"""Mock outputs for Google Cloud resources: the ids and names the gcp provider really returns."""

from typing import Any, Callable, Optional

from pulumi.runtime import get_config

from ._ids import autoname, stable_alnum, stable_id

PROJECT = "mock-project"
"""Project id used when neither the resource nor the ``gcp:project`` config names one."""
PROJECT_NUMBER = "123456789012"
CREATE_TIME = "2026-01-01T00:00:00.000000Z"

State = dict[str, Any]
Filler = Callable[[str, State, dict[str, State]], tuple[str, State]]


def _plain(value: Any) -> Any:
    # Secret inputs arrive as envelopes; ids and names are never secret, so read through them.
    if isinstance(value, dict) and "value" in value and len(value) == 2:
        return value["value"]
    return value


def _project(inputs: State) -> str:
    given = _plain(inputs.get("project"))
    if isinstance(given, str) and given:
        return given
    configured = get_config("gcp:project")
    return configured if isinstance(configured, str) and configured else PROJECT


def _autoname(name: str, inputs: State, key: str = "name") -> str:
    given = _plain(inputs.get(key))
    return given if isinstance(given, str) and given else f"{name}-{autoname(name, length=7)}"


def _etag(name: str) -> str:
    return "BwY" + stable_alnum("etag", name, length=9)


def _labels(inputs: State) -> State:
    labels = inputs.get("labels") or {}
    return {"effectiveLabels": labels, "pulumiLabels": labels}


def _secret(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    project = _project(inputs)
    secret_id = _autoname(name, inputs, "secretId")
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
    secret = str(_plain(inputs.get("secret", "")))
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
        parent = _plain(inputs.get(parent_key, ""))
        member_id = f"{parent}/{_plain(inputs.get('role', ''))}/{_plain(inputs.get('member', ''))}"
        return member_id, {**inputs, "etag": _etag(name)}

    return fill


def _key_ring(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    project = _project(inputs)
    ring = _autoname(name, inputs)
    location = _plain(inputs.get("location", "global"))
    return f"projects/{project}/locations/{location}/keyRings/{ring}", {**inputs, "name": ring, "project": project}


def _crypto_key(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    key_name = _autoname(name, inputs)
    key_id = f"{_plain(inputs.get('keyRing', ''))}/cryptoKeys/{key_name}"
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
    project = _project(inputs)
    service = str(_plain(inputs.get("service", "")))
    email = f"service-{PROJECT_NUMBER}@gcp-sa-{service.split('.', 1)[0]}.iam.gserviceaccount.com"
    return f"projects/{project}/services/{service}", {
        **inputs,
        "project": project,
        "email": email,
        "member": f"serviceAccount:{email}",
    }


def _topic(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    project = _project(inputs)
    topic = _autoname(name, inputs)
    return f"projects/{project}/topics/{topic}", {**inputs, **_labels(inputs), "name": topic, "project": project}


def _service_account(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    project = _project(inputs)
    email = f"{_autoname(name, inputs, 'accountId')}@{project}.iam.gserviceaccount.com"
    return f"projects/{project}/serviceAccounts/{email}", {
        **inputs,
        "email": email,
        "member": f"serviceAccount:{email}",
        "name": f"projects/{project}/serviceAccounts/{email}",
        "uniqueId": stable_id("sa", name, length=21, alphabet="0123456789"),
        "project": project,
    }


def _audit_config(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    # The provider's id for a project audit config: "PROJECT/audit_config/SERVICE".
    project = _project(inputs)
    service = str(_plain(inputs.get("service", "")))
    return f"{project}/audit_config/{service}", {**inputs, "project": project, "etag": stable_id("etag", name, length=12)}


_FILLERS: dict[str, Filler] = {
    "gcp:projects/iAMAuditConfig:IAMAuditConfig": _audit_config,
    "gcp:serviceaccount/account:Account": _service_account,
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


def outputs(type_: str, name: str, inputs: State, states_by_id: dict[str, State]) -> Optional[tuple[str, State]]:
    """``(id, state)`` for a known GCP type, else ``None``."""
    filler = _FILLERS.get(type_)
    return filler(name, inputs, states_by_id) if filler else None


def call(token: str, args: State) -> Optional[State]:
    """Results of the GCP invokes a program may use."""
    if token == "gcp:organizations/getProject:getProject":
        project = args.get("projectId") or _project({})
        return {
            "id": f"projects/{project}",
            "projectId": project,
            "number": PROJECT_NUMBER,
            "name": project,
            "labels": {},
            "effectiveLabels": {},
        }
    if token == "gcp:organizations/getClientConfig:getClientConfig":
        return {
            "id": "mock-client-config",
            "project": _project({}),
            "region": "us-central1",
            "zone": "us-central1-a",
            "accessToken": "mock-access-token",
            "defaultLabels": {},
        }
    return None
