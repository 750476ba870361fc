"""Where each supported resource type keeps its environment variables.

:func:`env_vars` returns the environment variables of a resource, read from its input properties
(schema camelCase keys, as the policy SDK passes them). Entries that reference a secret store
instead of holding a value (ECS ``secrets``, Container Apps ``secretRef``, Cloud Run
``valueFrom``/``valueSource``, Cloud Functions ``secretEnvironmentVariables``) have no ``value``
and are simply not returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .detectors import redact_keys
from .props import get, join_path, parse_json

__all__ = ["SECURE_ALTERNATIVES", "SUPPORTED_TYPES", "EnvVar", "env_vars"]


@dataclass(frozen=True)
class EnvVar:
    """One environment variable of a resource."""

    name: str
    """The variable's name, e.g. ``OPENAI_API_KEY``."""

    path: str
    """The property path of its value, e.g. ``template.containers[0].env[2].value``."""

    value: Any
    """The value as found: a string, a :class:`pulumi_policy.Secret`,
    :data:`~ai_keys_policy.props.UNKNOWN`, or anything else."""


def _from_map(props: Any, *path: str) -> list[EnvVar]:
    mapping = get(props, *path)
    if not isinstance(mapping, dict):
        return []
    base = ".".join(path)
    return [EnvVar(redact_keys(str(name)), join_path(base, str(name)), value) for name, value in mapping.items()]


def _from_list(items: Any, base: str) -> list[EnvVar]:
    """Environment variables given as a list of ``{name, value}`` objects."""
    if not isinstance(items, list):
        return []
    found: list[EnvVar] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "value" not in item:
            continue
        name = item.get("name")
        label = redact_keys(name) if isinstance(name, str) else f"#{i}"
        found.append(EnvVar(label, join_path(join_path(base, i), "value"), item["value"]))
    return found


def _containers(containers: Any, base: str, env_key: str) -> list[EnvVar]:
    if not isinstance(containers, list):
        return []
    found: list[EnvVar] = []
    for i, container in enumerate(containers):
        path = join_path(base, i)
        found += _from_list(get(container, env_key), join_path(path, env_key))
    return found


def _lambda(props: Any) -> list[EnvVar]:
    return _from_map(props, "environment", "variables")


def _ecs_task_definition(props: Any) -> list[EnvVar]:
    raw = get(props, "containerDefinitions")
    # A JSON string in the schema; a secret or unknown one is neither readable nor reportable.
    definitions = parse_json(raw) if isinstance(raw, str) else raw
    if not isinstance(definitions, list):
        return []
    return _containers(definitions, "containerDefinitions", "environment")


def _container_app(props: Any) -> list[EnvVar]:
    return _containers(get(props, "template", "containers"), "template.containers", "env") + _containers(
        get(props, "template", "initContainers"), "template.initContainers", "env"
    )


def _web_app(props: Any) -> list[EnvVar]:
    return _from_list(get(props, "siteConfig", "appSettings"), "siteConfig.appSettings")


def _web_app_settings(props: Any) -> list[EnvVar]:
    return _from_map(props, "properties")


def _cloud_run_v1(props: Any) -> list[EnvVar]:
    return _containers(get(props, "template", "spec", "containers"), "template.spec.containers", "envs")


def _cloud_run_v2_service(props: Any) -> list[EnvVar]:
    return _containers(get(props, "template", "containers"), "template.containers", "envs")


def _cloud_run_v2_job(props: Any) -> list[EnvVar]:
    return _containers(get(props, "template", "template", "containers"), "template.template.containers", "envs")


def _cloud_function_v1(props: Any) -> list[EnvVar]:
    return _from_map(props, "environmentVariables") + _from_map(props, "buildEnvironmentVariables")


def _cloud_function_v2(props: Any) -> list[EnvVar]:
    service = _from_map(props, "serviceConfig", "environmentVariables")
    return service + _from_map(props, "buildConfig", "environmentVariables")


_EXTRACTORS: dict[str, Callable[[Any], list[EnvVar]]] = {
    "aws:lambda/function:Function": _lambda,
    "aws:ecs/taskDefinition:TaskDefinition": _ecs_task_definition,
    "azure-native:app:ContainerApp": _container_app,
    "azure-native:app:Job": _container_app,
    "azure-native:web:WebApp": _web_app,
    "azure-native:web:WebAppSlot": _web_app,
    "azure-native:web:WebAppApplicationSettings": _web_app_settings,
    "azure-native:web:WebAppApplicationSettingsSlot": _web_app_settings,
    "gcp:cloudrun/service:Service": _cloud_run_v1,
    "gcp:cloudrunv2/service:Service": _cloud_run_v2_service,
    "gcp:cloudrunv2/job:Job": _cloud_run_v2_job,
    "gcp:cloudfunctions/function:Function": _cloud_function_v1,
    "gcp:cloudfunctionsv2/function:Function": _cloud_function_v2,
}

SUPPORTED_TYPES: frozenset[str] = frozenset(_EXTRACTORS)
"""Resource types whose environment variables are checked for high-entropy values."""

_KEY_VAULT_REFERENCE = "use a Key Vault reference: @Microsoft.KeyVault(SecretUri=...)"
_CONTAINER_APP_SECRET = "add it to configuration.secrets and reference it with env[].secretRef"

SECURE_ALTERNATIVES: dict[str, str] = {
    "aws:lambda/function:Function": (
        "read the key from AWS Secrets Manager at run time and pass only the secret's ARN in the variable"
    ),
    "aws:ecs/taskDefinition:TaskDefinition": (
        'use the container definition\'s "secrets": [{"name": ..., "valueFrom": <secret ARN>}]'
    ),
    "azure-native:app:ContainerApp": _CONTAINER_APP_SECRET,
    "azure-native:app:Job": _CONTAINER_APP_SECRET,
    "azure-native:web:WebApp": _KEY_VAULT_REFERENCE,
    "azure-native:web:WebAppSlot": _KEY_VAULT_REFERENCE,
    "azure-native:web:WebAppApplicationSettings": _KEY_VAULT_REFERENCE,
    "azure-native:web:WebAppApplicationSettingsSlot": _KEY_VAULT_REFERENCE,
    "gcp:cloudrun/service:Service": "use envs[].valueFrom.secretKeyRef with a Secret Manager secret",
    "gcp:cloudrunv2/service:Service": "use envs[].valueSource.secretKeyRef with a Secret Manager secret",
    "gcp:cloudrunv2/job:Job": "use envs[].valueSource.secretKeyRef with a Secret Manager secret",
    "gcp:cloudfunctions/function:Function": "use secretEnvironmentVariables with a Secret Manager secret",
    "gcp:cloudfunctionsv2/function:Function": "use serviceConfig.secretEnvironmentVariables with Secret Manager",
}
"""For each supported type, the way to give a workload a key without a plaintext variable."""


def env_vars(resource_type: str, props: Any) -> list[EnvVar]:
    """Return the environment variables of a resource; empty for unsupported types.

    ``props`` must be a :func:`ai_keys_policy.props.to_plain` structure.
    """
    extractor = _EXTRACTORS.get(resource_type)
    return extractor(props) if extractor is not None else []
