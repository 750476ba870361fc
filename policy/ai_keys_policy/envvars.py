"""Where each supported resource type keeps values that secrets leak into.

:func:`env_vars` returns the *value slots* of a resource, read from its input properties (schema
camelCase keys, as the policy SDK passes them): environment variables, app settings, Kubernetes
Secret and ConfigMap entries, SSM parameter values, CodeBuild variables and EC2 user data. These
are the values the entropy rule and the name-based vendor rules judge. Entries that reference a
secret store instead of holding a value (ECS ``secrets``, Container Apps ``secretRef``, Cloud Run
``valueFrom``/``valueSource``, Cloud Functions ``secretEnvironmentVariables``, Kubernetes
``valueFrom``, CodeBuild ``PARAMETER_STORE``/``SECRETS_MANAGER`` variables, App Runner
``runtimeEnvironmentSecrets``, ACI ``secureValueReference``) have no plain value and are simply not
returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .detectors import redact_keys
from .props import get, join_path, parse_json

__all__ = ["SECURE_ALTERNATIVES", "SUPPORTED_TYPES", "EnvVar", "env_vars"]


ENV = "environment variable"
SETTING = "app setting"
DATA_KEY = "key"
PARAMETER = "parameter"
USER_DATA = "user data"
OUTPUT = "stack output"


@dataclass(frozen=True)
class EnvVar:
    """One value slot of a resource: an environment variable, a setting, a data key, user data."""

    name: str
    """The name the value is stored under, e.g. ``OPENAI_API_KEY`` (redacted when it holds a key)."""

    path: str
    """The property path of its value, e.g. ``template.containers[0].env[2].value``."""

    value: Any
    """The value as found: a string, a :class:`pulumi_policy.Secret`,
    :data:`~ai_keys_policy.props.UNKNOWN`, or anything else."""

    what: str = ENV
    """What the slot is, as messages name it: ``environment variable``, ``key``, ``user data``..."""

    base64: bool = False
    """The schema says the value is base64-encoded (ConfigMap ``binaryData``, ``userDataBase64``)."""


def _from_map(props: Any, *path: str, what: str = ENV, base64: bool = False, base: str | None = None) -> list[EnvVar]:
    """A map of name -> value at ``path``; ``base`` is its property path when ``props`` is not the resource's."""
    mapping = get(props, *path)
    if not isinstance(mapping, dict):
        return []
    base = ".".join(path) if base is None else base
    return [EnvVar(redact_keys(str(name)), join_path(base, str(name)), value, what, base64) for name, value in mapping.items()]


def _from_list(items: Any, base: str, name_key: str = "name", what: str = ENV) -> list[EnvVar]:
    """Environment variables given as a list of ``{name, value}`` objects."""
    if not isinstance(items, list):
        return []
    found: list[EnvVar] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "value" not in item:
            continue
        if str(item.get("type", "PLAINTEXT")).upper() != "PLAINTEXT":
            continue  # CodeBuild PARAMETER_STORE / SECRETS_MANAGER: the value is a reference
        name = item.get(name_key)
        label = redact_keys(name) if isinstance(name, str) else f"#{i}"
        found.append(EnvVar(label, join_path(join_path(base, i), "value"), item["value"], what))
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


def _azurerm_app_settings(props: Any) -> list[EnvVar]:
    return _from_map(props, "appSettings", what=SETTING)


def _azurerm_container_app(props: Any) -> list[EnvVar]:
    return _containers(get(props, "template", "containers"), "template.containers", "envs") + _containers(
        get(props, "template", "initContainers"), "template.initContainers", "envs"
    )


def _pod_spec(spec: Any, base: str) -> list[EnvVar]:
    return _containers(get(spec, "containers"), join_path(base, "containers"), "env") + _containers(
        get(spec, "initContainers"), join_path(base, "initContainers"), "env"
    )


def _k8s_pod(props: Any) -> list[EnvVar]:
    return _pod_spec(get(props, "spec"), "spec")


def _k8s_workload(props: Any) -> list[EnvVar]:
    return _pod_spec(get(props, "spec", "template", "spec"), "spec.template.spec")


def _k8s_cron_job(props: Any) -> list[EnvVar]:
    return _pod_spec(get(props, "spec", "jobTemplate", "spec", "template", "spec"), "spec.jobTemplate.spec.template.spec")


def _k8s_secret(props: Any) -> list[EnvVar]:
    return _from_map(props, "stringData", what=DATA_KEY) + _from_map(props, "data", what=DATA_KEY, base64=True)


def _k8s_config_map(props: Any) -> list[EnvVar]:
    return _from_map(props, "data", what=DATA_KEY) + _from_map(props, "binaryData", what=DATA_KEY, base64=True)


def _ssm_parameter(props: Any) -> list[EnvVar]:
    name = get(props, "name")
    label = redact_keys(name) if isinstance(name, str) else "value"
    return [EnvVar(label, key, get(props, key), PARAMETER) for key in ("value", "insecureValue") if key in props]


def _app_runner(props: Any) -> list[EnvVar]:
    source = ("sourceConfiguration",)
    image = (*source, "imageRepository", "imageConfiguration", "runtimeEnvironmentVariables")
    code = (*source, "codeRepository", "codeConfiguration", "codeConfigurationValues", "runtimeEnvironmentVariables")
    return _from_map(props, *image) + _from_map(props, *code)


def _aci_variables(items: Any, base: str) -> list[EnvVar]:
    """An ACI container's ``environmentVariables``: ``secureValue`` is only hidden from Azure's API, not from
    Pulumi's state, unless it is passed as a Pulumi secret, so it is a value slot like ``value``."""
    if not isinstance(items, list):
        return []
    found: list[EnvVar] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        name = item.get("name")
        label = redact_keys(name) if isinstance(name, str) else f"#{i}"
        found += [EnvVar(label, join_path(join_path(base, i), key), item[key]) for key in ("value", "secureValue") if key in item]
    return found


def _container_group(props: Any) -> list[EnvVar]:
    found: list[EnvVar] = []
    for group in ("containers", "initContainers"):
        containers = get(props, group)
        for i, container in enumerate(containers if isinstance(containers, list) else []):
            path = join_path(join_path(group, i), "environmentVariables")
            found += _aci_variables(get(container, "environmentVariables"), path)
    return found


def _azurerm_container_group(props: Any) -> list[EnvVar]:
    found: list[EnvVar] = []
    for group in ("containers", "initContainers"):
        containers = get(props, group)
        for i, container in enumerate(containers if isinstance(containers, list) else []):
            for key in ("environmentVariables", "secureEnvironmentVariables"):
                found += _from_map(container, key, base=join_path(join_path(group, i), key))
    return found


def _codebuild_project(props: Any) -> list[EnvVar]:
    return _from_list(get(props, "environment", "environmentVariables"), "environment.environmentVariables")


def _user_data(*keys: str, base64: tuple[str, ...] = ()) -> Callable[[Any], list[EnvVar]]:
    def extract(props: Any) -> list[EnvVar]:
        return [EnvVar(key, key, get(props, key), USER_DATA, key in base64) for key in keys if key in props]

    return extract


_K8S_WORKLOADS = ("apps/v1:Deployment", "apps/v1:StatefulSet", "apps/v1:DaemonSet", "apps/v1:ReplicaSet", "batch/v1:Job")
_AZURERM_APPS = (
    "linuxFunctionApp:LinuxFunctionApp",
    "windowsFunctionApp:WindowsFunctionApp",
    "linuxWebApp:LinuxWebApp",
    "windowsWebApp:WindowsWebApp",
    "linuxFunctionAppSlot:LinuxFunctionAppSlot",
    "windowsFunctionAppSlot:WindowsFunctionAppSlot",
    "linuxWebAppSlot:LinuxWebAppSlot",
    "windowsWebAppSlot:WindowsWebAppSlot",
)

_ACI_GROUPS = ("ContainerGroup", "ContainerGroupProfile", "CGProfile")

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
    "azure:containerapp/app:App": _azurerm_container_app,
    **{f"azure:appservice/{token}": _azurerm_app_settings for token in _AZURERM_APPS},
    "kubernetes:core/v1:Pod": _k8s_pod,
    **{f"kubernetes:{token}": _k8s_workload for token in _K8S_WORKLOADS},
    "kubernetes:batch/v1:CronJob": _k8s_cron_job,
    "kubernetes:core/v1:Secret": _k8s_secret,
    "kubernetes:core/v1:ConfigMap": _k8s_config_map,
    "aws:ssm/parameter:Parameter": _ssm_parameter,
    "aws:codebuild/project:Project": _codebuild_project,
    "aws:apprunner/service:Service": _app_runner,
    **{f"azure-native:containerinstance:{token}": _container_group for token in _ACI_GROUPS},
    "azure:containerservice/group:Group": _azurerm_container_group,
    "aws:ec2/instance:Instance": _user_data("userData", "userDataBase64", base64=("userDataBase64",)),
    "aws:ec2/launchTemplate:LaunchTemplate": _user_data("userData", base64=("userData",)),
    "aws:ec2/launchConfiguration:LaunchConfiguration": _user_data("userData", "userDataBase64", base64=("userDataBase64",)),
}

SUPPORTED_TYPES: frozenset[str] = frozenset(_EXTRACTORS)
"""Resource types whose value slots are checked by the entropy and name-based rules."""

_KEY_VAULT_REFERENCE = "use a Key Vault reference: @Microsoft.KeyVault(SecretUri=...)"
_CONTAINER_APP_SECRET = "add it to configuration.secrets and reference it with env[].secretRef"
_K8S_SECRET_REF = "use env[].valueFrom.secretKeyRef with a Kubernetes Secret"
_FETCH_AT_BOOT = "have the instance read the key from Secrets Manager at boot with its instance role"
_ACI_SECURE = "pass it as secureValue wrapped in a Pulumi secret, or have the container read it from Key Vault"

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
    "azure:containerapp/app:App": "add it to secrets and reference it with envs[].secretName",
    **{f"azure:appservice/{token}": _KEY_VAULT_REFERENCE for token in _AZURERM_APPS},
    "kubernetes:core/v1:Pod": _K8S_SECRET_REF,
    **{f"kubernetes:{token}": _K8S_SECRET_REF for token in _K8S_WORKLOADS},
    "kubernetes:batch/v1:CronJob": _K8S_SECRET_REF,
    "kubernetes:core/v1:Secret": "pass the value as a Pulumi secret so it is encrypted in the state",
    "kubernetes:core/v1:ConfigMap": "move it to a Kubernetes Secret (made from a Pulumi secret) or an external secret store",
    "aws:ssm/parameter:Parameter": "use type SecureString with the value passed as a Pulumi secret, or Secrets Manager",
    "aws:codebuild/project:Project": "use a variable of type SECRETS_MANAGER or PARAMETER_STORE",
    "aws:apprunner/service:Service": "use runtimeEnvironmentSecrets with the ARN of a Secrets Manager secret",
    **{f"azure-native:containerinstance:{token}": _ACI_SECURE for token in _ACI_GROUPS},
    "azure:containerservice/group:Group": "use secureEnvironmentVariables with a value passed as a Pulumi secret",
    "aws:ec2/instance:Instance": _FETCH_AT_BOOT,
    "aws:ec2/launchTemplate:LaunchTemplate": _FETCH_AT_BOOT,
    "aws:ec2/launchConfiguration:LaunchConfiguration": _FETCH_AT_BOOT,
}
"""For each supported type, the way to give a workload a key without a plaintext variable."""


def env_vars(resource_type: str, props: Any) -> list[EnvVar]:
    """Return the environment variables of a resource; empty for unsupported types.

    ``props`` must be a :func:`ai_keys_policy.props.to_plain` structure.
    """
    extractor = _EXTRACTORS.get(resource_type)
    return extractor(props) if extractor is not None else []
