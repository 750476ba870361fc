"""The ``esc`` block: a Pulumi ESC environment that opens the key by reference, so ``esc run`` (and ESO's Pulumi
provider) hand it out without the value ever being copied into ESC.

Three parts: the **rules** (:func:`parse`, pure), the environment **document** (:func:`document`, pure: a YAML string
of references and OIDC logins, never the value), and the **resource** (:func:`register`:
``pulumiservice.Environment``, the ``esc`` extra, imported only when the block is used).

Provider shapes from the ESC documentation (pulumi.com/docs/esc): ``fn::open::aws-login``
``{oidc: {roleArn, sessionName}}`` and ``fn::open::aws-secrets`` ``{region, login, get: {NAME: {secretId}}}``;
``fn::open::gcp-login`` ``{project: NUMBER, oidc: {workloadPoolId, providerId, serviceAccount}}`` and
``fn::open::gcp-secrets`` ``{login, access: {NAME: {name}}}``; ``fn::open::azure-login``
``{clientId, tenantId, subscriptionId, oidc: true}`` and ``fn::open::azure-secrets`` ``{login, vault, get: {NAME:
{name}}}``. Environment names: "alphanumeric characters, hyphens, underscores, and periods"; ``org/env`` is in
project ``default`` (pulumi/esc ``cmd/esc/cli`` ``parseRef``, ``DefaultProject``).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

import pulumi

from ..errors import SecureApiKeyError
from ..rules import _checks as check
from ..rules.common import StoreName
from ._common import (
    GSA_EMAIL_PATTERN,
    GSA_EMAIL_RULE,
    GUID_PATTERN,
    ROLE_ARN_PATTERN,
    ROLE_ARN_RULE,
    cloud_of,
    identity_fields,
    locate,
    pattern_input,
)

__all__ = ["DEFAULT_VARIABLE", "EXTRA", "SDK", "EscLogin", "EscSpec", "document", "parse", "register"]

EXTRA, SDK = "esc", "pulumi_pulumiservice"
BLOCK = "esc"

FIELDS = ("environment", "login", "variable")
LOGIN_FIELDS: dict[str, tuple[str, ...]] = {
    "aws": ("role_arn", "session_name"),
    "gcp": ("project_number", "workload_pool_id", "provider_id", "service_account"),
    "azure": ("client_id", "tenant_id", "subscription_id", "principal_id"),
}
"""The login fields each cloud takes (all required but ``session_name``)."""
_PART = r"[A-Za-z0-9_.-]+"
ENVIRONMENT = re.compile(rf"(?P<org>{_PART})/(?:(?P<project>{_PART})/)?(?P<env>{_PART})")
ENVIRONMENT_RULE = "org/project/env or org/env (project default), each part of A-Z, a-z, 0-9, '-', '_' and '.'"
DEFAULT_PROJECT = "default"
VARIABLE_PATTERN = r"[A-Z_][A-Z0-9_]*"
VARIABLE_RULE = "an environment variable name: A-Z, 0-9 and '_', not starting with a digit"
DEFAULT_VARIABLE = "AI_KEY"
VARIABLES_BY_ISSUER = {
    "openai": "OPENAI_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "bedrock": "AWS_BEARER_TOKEN_BEDROCK",
    "azure_ai_services": "AZURE_OPENAI_API_KEY",
}
"""The variable each vendor's SDK reads the key from, for a key an issuer makes."""
DEFAULT_SESSION_NAME = "ai-keys-esc"
SESSION_NAME_PATTERN = r"[A-Za-z0-9_+=,.@-]{2,64}"  # STS RoleSessionName
SESSION_NAME_RULE = "2-64 of A-Z, a-z, 0-9 and _+=,.@-"
GCP_NUMBER_PATTERN = r"[0-9]{1,20}"
GCP_NUMBER_RULE = "the project's number (digits), not its id"
GCP_POOL_PATTERN = r"[a-z0-9-]{4,32}"
GCP_POOL_RULE = "a workload identity pool or provider id: 4-32 of a-z, 0-9 and '-'"
GUID_RULE = "a GUID"
SECRET_NAME_IN_DOCUMENT = "api_key"
"""The name the document gives the key among the provider's secrets: ``${<cloud>.secrets.api_key}``."""


@dataclass(frozen=True)
class EscLogin:
    """The OIDC login of the environment, checked (each value a plain string, or an Output checked once it resolves)."""

    cloud: str
    """``aws``, ``gcp`` or ``azure``: the cloud of the store."""
    values: Mapping[str, Any]
    """The login fields of this cloud, by name (``session_name`` filled with its default)."""

    @property
    def reader(self) -> tuple[str, Any]:
        """``(field path, principal)``: the identity that gets read access on the key, as a reader."""
        if self.cloud == "aws":
            return f"{BLOCK}.login.role_arn", self.values["role_arn"]
        if self.cloud == "gcp":
            account = self.values["service_account"]
            member = f"serviceAccount:{account}" if isinstance(account, str) else pulumi.Output.concat("serviceAccount:", account)
            return f"{BLOCK}.login.service_account", member
        return f"{BLOCK}.login.principal_id", self.values["principal_id"]


@dataclass(frozen=True)
class EscSpec:
    """A validated ``esc`` block."""

    organization: str
    """The Pulumi organization."""
    project: str
    """The ESC project (``default`` when the environment names none)."""
    name: str
    """The environment's name."""
    login: EscLogin
    """The OIDC login to the store's cloud."""
    variable: str
    """The environment variable the key is exported as."""

    @property
    def reference(self) -> str:
        """``org/project/env``."""
        return f"{self.organization}/{self.project}/{self.name}"


def _login(block: Mapping[str, Any], cloud: str, backend: str) -> EscLogin:
    path = f"{BLOCK}.login"
    check.known_keys(path, block, sorted({name for names in LOGIN_FIELDS.values() for name in names}))
    identity_fields(path, block, cloud, LOGIN_FIELDS, backend)
    values: dict[str, Any]
    if cloud == "aws":
        values = {
            "role_arn": pattern_input(f"{path}.role_arn", block["role_arn"], ROLE_ARN_PATTERN, ROLE_ARN_RULE),
            "session_name": check.text(
                f"{path}.session_name",
                block.get("session_name", DEFAULT_SESSION_NAME),
                pattern=SESSION_NAME_PATTERN,
                max_len=64,
                allowed=SESSION_NAME_RULE,
            ),
        }
    elif cloud == "gcp":
        rules = {
            "project_number": (GCP_NUMBER_PATTERN, GCP_NUMBER_RULE),
            "workload_pool_id": (GCP_POOL_PATTERN, GCP_POOL_RULE),
            "provider_id": (GCP_POOL_PATTERN, GCP_POOL_RULE),
            "service_account": (GSA_EMAIL_PATTERN, GSA_EMAIL_RULE),
        }
        values = {name: pattern_input(f"{path}.{name}", block[name], *rules[name]) for name in LOGIN_FIELDS["gcp"]}
    else:
        values = {name: pattern_input(f"{path}.{name}", block[name], GUID_PATTERN, GUID_RULE) for name in LOGIN_FIELDS["azure"]}
    return EscLogin(cloud, values)


def parse(raw: Any, kept_in: Optional[StoreName], issuer: Optional[str]) -> EscSpec:
    """The ``esc`` block, judged for a key kept in ``kept_in`` (the ``backend`` the user named; None for an API Gateway
    key kept in API Gateway alone), made by ``issuer`` (None for a value you give)."""
    block = check.mapping(BLOCK, raw)
    check.known_keys(BLOCK, block, FIELDS)
    cloud = cloud_of(BLOCK, kept_in)
    assert kept_in is not None  # cloud_of refused the rest
    for required, example in (
        ("environment", "org/project/env, e.g. acme/ai/prod"),
        ("login", "the OIDC login to the store's cloud"),
    ):
        if block.get(required) is None:
            raise SecureApiKeyError(f"{BLOCK}.{required}", "is required", example)
    environment = check.text(f"{BLOCK}.environment", block["environment"], max_len=512, allowed=ENVIRONMENT_RULE)
    match = ENVIRONMENT.fullmatch(environment)
    if match is None:
        raise SecureApiKeyError(
            f"{BLOCK}.environment", f"is not an ESC environment name (got {check.shown(environment)})", ENVIRONMENT_RULE
        )
    default = VARIABLES_BY_ISSUER.get(issuer or "", DEFAULT_VARIABLE)
    variable = check.text(
        f"{BLOCK}.variable", block.get("variable", default), pattern=VARIABLE_PATTERN, max_len=256, allowed=VARIABLE_RULE
    )
    return EscSpec(
        organization=match["org"],
        project=match["project"] or DEFAULT_PROJECT,
        name=match["env"],
        login=_login(check.mapping(f"{BLOCK}.login", block["login"]), cloud, kept_in.value),
        variable=variable,
    )


def document(spec: EscSpec, ref: str, login: Mapping[str, str]) -> str:
    """The environment definition (YAML) for the store's ``secret_ref`` ``ref`` and the resolved ``login``: the key is
    opened by reference to the versionless secret, each time the environment is opened, and exported as
    ``spec.variable``. It holds no value: only where the key is and how to log in."""
    import yaml  # PyYAML comes with pulumi

    cloud = spec.login.cloud
    where = locate(cloud, ref)
    opened = "${" + f"{cloud}.secrets.{SECRET_NAME_IN_DOCUMENT}" + "}"
    logged_in = "${" + f"{cloud}.login" + "}"
    values: dict[str, Any]
    if cloud == "aws":
        values = {
            "login": {"fn::open::aws-login": {"oidc": {"roleArn": login["role_arn"], "sessionName": login["session_name"]}}},
            "secrets": {
                "fn::open::aws-secrets": {
                    "region": where.region,
                    "login": logged_in,
                    "get": {SECRET_NAME_IN_DOCUMENT: {"secretId": where.name}},
                }
            },
        }
    elif cloud == "gcp":
        values = {
            "login": {
                "fn::open::gcp-login": {
                    "project": int(login["project_number"]),
                    "oidc": {
                        "workloadPoolId": login["workload_pool_id"],
                        "providerId": login["provider_id"],
                        "serviceAccount": login["service_account"],
                    },
                }
            },
            # gcp-secrets reads from the login's project: the number of the project that holds the secret.
            "secrets": {"fn::open::gcp-secrets": {"login": logged_in, "access": {SECRET_NAME_IN_DOCUMENT: {"name": where.name}}}},
        }
    else:
        values = {
            "login": {
                "fn::open::azure-login": {
                    "clientId": login["client_id"],
                    "tenantId": login["tenant_id"],
                    "subscriptionId": login["subscription_id"],
                    "oidc": True,
                }
            },
            "secrets": {
                "fn::open::azure-secrets": {
                    "login": logged_in,
                    "vault": where.vault,
                    "get": {SECRET_NAME_IN_DOCUMENT: {"name": where.name}},
                }
            },
        }
    definition = {"values": {cloud: values, "environmentVariables": {spec.variable: opened}}}
    text: str = yaml.safe_dump(definition, sort_keys=False, default_flow_style=False)
    return text


def register(name: str, spec: EscSpec, parent: pulumi.Resource, secret_ref: "pulumi.Output[str]") -> "pulumi.Output[str]":
    """Register the environment under ``parent`` (the Pulumi Service provider, the ``esc`` extra); return
    ``org/project/env`` once it exists. Changing the environment's organization, project or name replaces it (the
    provider's diff); a new document updates it in place, as a new revision."""
    import pulumi_pulumiservice as pulumiservice

    resolved = pulumi.Output.all(ref=secret_ref, **spec.login.values)

    def asset(values: dict[str, Any]) -> pulumi.StringAsset:
        login = {k: v for k, v in values.items() if k != "ref"}
        return pulumi.StringAsset(document(spec, values["ref"], login))

    environment = pulumiservice.Environment(
        f"{name}-esc-environment",
        organization=spec.organization,
        project=spec.project,
        name=spec.name,
        yaml=resolved.apply(asset),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    reference = spec.reference
    return environment.id.apply(lambda _: reference)
