"""The Google Cloud mock cloud: its project, the invokes programs make (the project, the client config), the
helpers the stores' mock outputs use, and the outputs of the types no store owns: service accounts (which the Gemini
issuer, the examples and the managed rotator create) and the managed rotator's bucket, code object, function and
grants. Each store's and issuer's own types are in its mock table."""

from typing import Any, Callable, Optional

from pulumi.runtime import get_config

from ._ids import autoname, stable_alnum, stable_id

PROJECT = "mock-project"
"""Project id used when neither the resource nor the ``gcp:project`` config names one."""
PROJECT_NUMBER = "123456789012"
CREATE_TIME = "2026-01-01T00:00:00.000000Z"

State = dict[str, Any]
Filler = Callable[[str, State, dict[str, State]], tuple[str, State]]


def plain(value: Any) -> Any:
    """``value`` out of its secret envelope."""
    # Secret inputs arrive as envelopes; ids and names are never secret, so read through them.
    if isinstance(value, dict) and "value" in value and len(value) == 2:
        return value["value"]
    return value


def project_of(inputs: State) -> str:
    """The resource's ``project``, else the ``gcp:project`` config, else the mock project."""
    given = plain(inputs.get("project"))
    if isinstance(given, str) and given:
        return given
    configured = get_config("gcp:project")
    return configured if isinstance(configured, str) and configured else PROJECT


def autonamed(name: str, inputs: State, key: str = "name") -> str:
    """The name given in ``inputs[key]``, or the one the provider makes from the logical ``name``."""
    given = plain(inputs.get(key))
    return given if isinstance(given, str) and given else f"{name}-{autoname(name, length=7)}"


def _service_account(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    project = project_of(inputs)
    email = f"{autonamed(name, inputs, 'accountId')}@{project}.iam.gserviceaccount.com"
    return f"projects/{project}/serviceAccounts/{email}", {
        **inputs,
        "email": email,
        "member": f"serviceAccount:{email}",
        "name": f"projects/{project}/serviceAccounts/{email}",
        "uniqueId": stable_id("sa", name, length=21, alphabet="0123456789"),
        "project": project,
    }


def _bucket(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    bucket = autonamed(name, inputs).lower()
    labels = inputs.get("labels") or {}
    return bucket, {
        **inputs,
        "name": bucket,
        "project": project_of(inputs),
        "url": f"gs://{bucket}",
        "selfLink": f"https://www.googleapis.com/storage/v1/b/{bucket}",
        "storageClass": inputs.get("storageClass") or "STANDARD",
        "effectiveLabels": labels,
        "pulumiLabels": labels,
        "projectNumber": int(PROJECT_NUMBER),
    }


def _bucket_object(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    bucket, obj = str(plain(inputs.get("bucket", ""))), autonamed(name, inputs)
    return f"{bucket}-{obj}", {
        **inputs,
        "name": obj,
        "outputName": obj,
        "generation": int(stable_id("generation", bucket, obj, length=16, alphabet="0123456789")),
        "md5hash": stable_alnum("md5", bucket, obj, length=22) + "==",
        "crc32c": stable_alnum("crc32c", bucket, obj, length=6) + "==",
        "mediaLink": f"https://storage.googleapis.com/download/storage/v1/b/{bucket}/o/{obj}?alt=media",
        "selfLink": f"https://www.googleapis.com/storage/v1/b/{bucket}/o/{obj}",
        "storageClass": "STANDARD",
    }


def _function(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
    project = project_of(inputs)
    location = str(plain(inputs.get("location")) or "us-central1")
    function = autonamed(name, inputs)
    function_id = f"projects/{project}/locations/{location}/functions/{function}"
    uri = f"https://{function}-{stable_id('run-hash', project, function, length=10)}-uc.a.run.app"
    service_config = {
        **(inputs.get("serviceConfig") or {}),
        "service": f"projects/{project}/locations/{location}/services/{function}",
        "uri": uri,
        "gcfUri": uri,
    }
    state = {**inputs, "name": function, "project": project, "location": location, "serviceConfig": service_config}
    if inputs.get("eventTrigger"):
        trigger = f"projects/{project}/locations/{location}/triggers/{function}-{stable_id('trigger', function, length=6)}"
        state["eventTrigger"] = {**inputs["eventTrigger"], "trigger": trigger}
    labels = inputs.get("labels") or {}
    state.update(
        {
            "environment": "GEN_2",
            "state": "ACTIVE",
            "url": uri,
            "updateTime": CREATE_TIME,
            "effectiveLabels": labels,
            "pulumiLabels": labels,
        }
    )
    return function_id, state


def _iam_member(parent_key: str) -> Filler:
    """An additive grant: the provider's id is ``PARENT/ROLE/MEMBER``."""

    def fill(name: str, inputs: State, _: dict[str, State]) -> tuple[str, State]:
        parent = plain(inputs.get(parent_key, ""))
        member_id = f"{parent}/{plain(inputs.get('role', ''))}/{plain(inputs.get('member', ''))}"
        return member_id, {**inputs, "etag": "BwY" + stable_alnum("etag", name, length=9)}

    return fill


_FILLERS: dict[str, Filler] = {
    "gcp:serviceaccount/account:Account": _service_account,
    "gcp:serviceaccount/iAMMember:IAMMember": _iam_member("serviceAccountId"),
    "gcp:storage/bucket:Bucket": _bucket,
    "gcp:storage/bucketObject:BucketObject": _bucket_object,
    "gcp:cloudfunctionsv2/function:Function": _function,
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": _iam_member("name"),
    "gcp:projects/iAMMember:IAMMember": _iam_member("project"),
}


def outputs(type_: str, name: str, inputs: State, states_by_id: dict[str, State]) -> Optional[tuple[str, State]]:
    """``(id, state)`` for a known GCP type, else ``None``."""
    filler = _FILLERS.get(type_)
    return filler(name, inputs, states_by_id) if filler else None


def call(token: str, args: State) -> Optional[State]:
    """Results of the GCP invokes a program may use."""
    if token == "gcp:organizations/getProject:getProject":
        project = args.get("projectId") or project_of({})
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
            "project": project_of({}),
            "region": "us-central1",
            "zone": "us-central1-a",
            "accessToken": "mock-access-token",
            "defaultLabels": {},
        }
    return None
