"""The Google Cloud mock cloud: its project, the invokes programs make (the project, the client config), the
helpers the stores' mock outputs use, and the outputs of the types no store owns (service accounts, which the Gemini
issuer and the examples create). Each store's and issuer's own types are in its mock table."""

from typing import Any, Callable, Optional

from pulumi.runtime import get_config

from ._ids import autoname, stable_id

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


_FILLERS: dict[str, Filler] = {
    "gcp:serviceaccount/account:Account": _service_account,
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
