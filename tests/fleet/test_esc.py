"""The ``esc`` block on every store: a Pulumi ESC environment whose document opens the key by reference, in exactly
the provider shapes ESC documents, with an OIDC login that is granted read on this key alone, and no value in it."""

import json
from typing import Any

import pulumi
import pytest
import yaml

from ai_keys import SecureApiKey
from ai_keys.delivery.esc import document, parse
from ai_keys.rules.common import StoreName
from ai_keys.testing import MockEngine, mock_pulumi, unwrap_secrets

from ..conftest import CANARY
from .cases import (
    AWS_SM,
    AZURE,
    ENVIRONMENT,
    ESC_CLIENT_ID,
    ESC_GSA,
    ESC_PRINCIPAL_ID,
    ESC_READER,
    ESC_ROLE,
    GCP,
    LOGIN,
    STORES,
    SUBSCRIPTION_ID,
    TENANT_ID,
    VAULT,
    all_strings,
    esc_block,
    key_args,
)


def run(program: Any) -> MockEngine:
    with mock_pulumi() as engine:
        engine.run(program)
    return engine


def run_key(store: str, **esc: Any) -> MockEngine:
    def program() -> None:
        key = SecureApiKey("openai", key_args(store, esc=esc_block(store, **esc)))  # type: ignore[arg-type]
        pulumi.export("esc_environment", key.esc_environment)
        pulumi.export("secret_ref", key.secret_ref)
        pulumi.export("kubernetes_secret", key.kubernetes_secret)

    return run(program)


def definition(engine: MockEngine) -> dict[str, Any]:
    asset = unwrap_secrets(engine.one(ENVIRONMENT).inputs)["yaml"]
    assert isinstance(asset, pulumi.StringAsset)
    loaded: dict[str, Any] = yaml.safe_load(asset.text)
    return loaded


def shape(value: Any) -> Any:
    """The keys of ``value`` all the way down, leaves replaced by their type."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    return type(value).__name__


# The provider shapes of pulumi.com/docs/esc (integrations/dynamic-login-credentials/*-login,
# integrations/dynamic-secrets/*-secrets), as cited in fleet-research: exactly these keys, nothing else.
DOCUMENTED = {
    AWS_SM: {
        "aws": {
            "login": {"fn::open::aws-login": {"oidc": {"roleArn": "str", "sessionName": "str"}}},
            "secrets": {"fn::open::aws-secrets": {"region": "str", "login": "str", "get": {"api_key": {"secretId": "str"}}}},
        },
        "environmentVariables": {"AI_KEY": "str"},
    },
    GCP: {
        "gcp": {
            "login": {
                "fn::open::gcp-login": {
                    "project": "int",
                    "oidc": {"workloadPoolId": "str", "providerId": "str", "serviceAccount": "str"},
                }
            },
            "secrets": {"fn::open::gcp-secrets": {"login": "str", "access": {"api_key": {"name": "str"}}}},
        },
        "environmentVariables": {"AI_KEY": "str"},
    },
    AZURE: {
        "azure": {
            "login": {"fn::open::azure-login": {"clientId": "str", "tenantId": "str", "subscriptionId": "str", "oidc": "bool"}},
            "secrets": {"fn::open::azure-secrets": {"login": "str", "vault": "str", "get": {"api_key": {"name": "str"}}}},
        },
        "environmentVariables": {"AI_KEY": "str"},
    },
}


@pytest.mark.parametrize("store", STORES)
def test_the_document_has_exactly_the_documented_provider_shapes(store: str) -> None:
    document_ = definition(run_key(store))
    assert list(document_) == ["values"]
    assert shape(document_["values"]) == DOCUMENTED[store]


@pytest.mark.parametrize("store", STORES)
def test_the_document_opens_the_versionless_secret_by_reference_with_an_oidc_login(store: str) -> None:
    engine = run_key(store)
    values = definition(engine)["values"]
    ref = engine.stack_outputs["secret_ref"]
    if store == AWS_SM:
        aws = values["aws"]
        assert aws["login"]["fn::open::aws-login"]["oidc"] == {"roleArn": ESC_ROLE, "sessionName": "ai-keys-esc"}
        secrets = aws["secrets"]["fn::open::aws-secrets"]
        assert secrets == {"region": "us-east-1", "login": "${aws.login}", "get": {"api_key": {"secretId": ref}}}
    elif store == GCP:
        gcp = values["gcp"]
        assert gcp["login"]["fn::open::gcp-login"] == {
            "project": 123456789012,
            "oidc": {"workloadPoolId": "pulumi-esc", "providerId": "pulumi-esc", "serviceAccount": ESC_GSA},
        }
        assert gcp["secrets"]["fn::open::gcp-secrets"] == {
            "login": "${gcp.login}",
            "access": {"api_key": {"name": ref.split("/")[3]}},
        }
    else:
        azure = values["azure"]
        assert azure["login"]["fn::open::azure-login"] == {
            "clientId": ESC_CLIENT_ID,
            "tenantId": TENANT_ID,
            "subscriptionId": SUBSCRIPTION_ID,
            "oidc": True,
        }
        assert azure["secrets"]["fn::open::azure-secrets"] == {
            "login": "${azure.login}",
            "vault": VAULT,
            "get": {"api_key": {"name": ref.rsplit("/", 1)[1]}},
        }
    cloud = next(key for key in values if key != "environmentVariables")
    assert values["environmentVariables"] == {"AI_KEY": "${" + cloud + ".secrets.api_key}"}


@pytest.mark.parametrize("store", STORES)
def test_the_value_is_never_copied_into_esc(store: str) -> None:
    engine = run_key(store)
    environment = engine.one(ENVIRONMENT)
    texts = list(all_strings(unwrap_secrets(environment.inputs))) + list(all_strings(environment.outputs))
    assert any("fn::open::" in text for text in texts)  # the scan read the document
    assert [text for text in texts if CANARY in text] == []


def test_the_canary_scan_of_the_document_can_fail() -> None:
    """Proof: a document that did carry the value would be caught by the same scan."""
    spec = parse(esc_block(AWS_SM), StoreName.AWS_SECRETS_MANAGER, None)
    text = document(spec, "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf", LOGIN[AWS_SM] | {"session_name": "s"})
    assert CANARY not in text
    assert CANARY in "".join(all_strings({"yaml": pulumi.StringAsset(text + CANARY)}))


@pytest.mark.parametrize("store", STORES)
def test_the_environment_is_named_by_the_block_and_exported(store: str) -> None:
    engine = run_key(store)
    environment = engine.one(ENVIRONMENT)
    assert (environment.plain("organization"), environment.plain("project"), environment.plain("name")) == ("acme", "ai", "prod")
    assert engine.stack_outputs["esc_environment"] == "acme/ai/prod"
    assert engine.stack_outputs["kubernetes_secret"] is None  # no kubernetes block
    assert environment.parent_urn == engine.one("ai-keys:index:SecureApiKey").urn


def test_an_environment_without_a_project_is_in_project_default() -> None:
    engine = run_key(AWS_SM, environment="acme/prod")
    environment = engine.one(ENVIRONMENT)
    assert (environment.plain("organization"), environment.plain("project"), environment.plain("name")) == (
        "acme",
        "default",
        "prod",
    )
    assert engine.stack_outputs["esc_environment"] == "acme/default/prod"


def test_the_variable_is_the_one_the_issuer_s_sdk_reads_unless_given() -> None:
    def bedrock(**esc: Any) -> MockEngine:
        args = {"backend": AWS_SM, "issuer": {"bedrock": {"allow_all_models": True}}, "esc": esc_block(AWS_SM, **esc)}
        return run(lambda: SecureApiKey("bedrock", args))  # type: ignore[arg-type]

    assert definition(bedrock())["values"]["environmentVariables"] == {"AWS_BEARER_TOKEN_BEDROCK": "${aws.secrets.api_key}"}
    assert definition(bedrock(variable="BEDROCK_KEY"))["values"]["environmentVariables"] == {
        "BEDROCK_KEY": "${aws.secrets.api_key}"
    }
    assert definition(run_key(GCP, variable="OPENAI_API_KEY"))["values"]["environmentVariables"] == {
        "OPENAI_API_KEY": "${gcp.secrets.api_key}"
    }


@pytest.mark.parametrize("store", STORES)
def test_the_login_identity_reads_this_key_through_the_store_s_reader_grant(store: str) -> None:
    engine = run_key(store)
    if store == AWS_SM:
        policy = json.loads(engine.one("aws:secretsmanager/secretPolicy:SecretPolicy").plain("policy"))
        assert policy["Statement"][0]["Principal"] == {"AWS": [ESC_ROLE]}
    elif store == GCP:
        (grant,) = engine.find("gcp:secretmanager/secretIamMember:SecretIamMember")
        assert grant.plain("member") == ESC_READER[GCP]
        assert grant.plain("role") == "roles/secretmanager.secretAccessor"
    else:
        (assignment,) = engine.find("azure-native:authorization:RoleAssignment")
        assert assignment.plain("principalId") == ESC_PRINCIPAL_ID


def test_login_values_known_at_deploy_time_fill_the_document_and_the_grant() -> None:
    def program() -> None:
        login = {
            **LOGIN[GCP],
            "service_account": pulumi.Output.from_input(ESC_GSA),
            "project_number": pulumi.Output.from_input("42"),
        }
        SecureApiKey("openai", key_args(GCP, esc=esc_block(GCP, login=login)))  # type: ignore[arg-type]

    engine = run(program)
    login = definition(engine)["values"]["gcp"]["login"]["fn::open::gcp-login"]
    assert (login["project"], login["oidc"]["serviceAccount"]) == (42, ESC_GSA)
    (grant,) = engine.find("gcp:secretmanager/secretIamMember:SecretIamMember")
    assert grant.name == "openai-reader-esc"  # keyed by the block, as readers_by_name are
    assert grant.plain("member") == f"serviceAccount:{ESC_GSA}"


def test_both_blocks_together_grant_both_identities() -> None:
    from .cases import READER, kubernetes_block, with_provider

    with mock_pulumi() as engine:
        engine.run(with_provider(lambda: key_args(AZURE, kubernetes=kubernetes_block(AZURE), esc=esc_block(AZURE))))
    principals = sorted(r.plain("principalId") for r in engine.find("azure-native:authorization:RoleAssignment"))
    assert principals == sorted([READER[AZURE], ESC_PRINCIPAL_ID])
    assert engine.stack_outputs["kubernetes_secret"] == "inference/openai"
    assert engine.stack_outputs["esc_environment"] == "acme/ai/prod"
