"""The ``kubernetes`` block on every store, ESO and CSI: what the component registers validates against the projects'
released CRD schemas (vendored in ``schemas/``, made strict), the service account against Kubernetes' own schema
(kubernetes-validate, strict), with the shapes the providers read, through the Kubernetes provider the user passes,
and the workload identity is granted read on this key alone, as a reader."""

import json
from typing import Any

import kubernetes_validate
import pulumi
import pytest
import yaml

from ai_keys import SecureApiKeyError
from ai_keys.delivery.kubernetes import go_duration_ns
from ai_keys.testing import MockEngine, RegisteredResource, mock_pulumi, unwrap_secrets

from ..conftest import CANARY
from .cases import (
    AWS_SM,
    AZURE,
    CLIENT_ID,
    CR_TYPES,
    DELIVERIES,
    GCP,
    GSA,
    PRINCIPAL_ID,
    READER,
    ROLE,
    SERVICE_ACCOUNT,
    STORES,
    TENANT_ID,
    VAULT,
    crd_schema,
    key_args,
    kubernetes_block,
    manifest,
    schema_errors,
    strict,
    with_provider,
)

CASES = [(store, delivery) for store in STORES for delivery in DELIVERIES]


def run(store: str, delivery: str, **fields: Any) -> MockEngine:
    with mock_pulumi() as engine:
        engine.run(with_provider(lambda: key_args(store, kubernetes=kubernetes_block(store, delivery, **fields))))
    return engine


def registered(engine: MockEngine) -> dict[str, RegisteredResource]:
    """The block's Kubernetes objects by kind."""
    found = {r.plain("kind"): r for r in engine.resources if r.type.startswith("kubernetes:") and r.custom}
    assert all(r.type in {*CR_TYPES.values(), SERVICE_ACCOUNT} for r in found.values())
    return found


@pytest.mark.parametrize(("store", "delivery"), CASES)
def test_every_registered_manifest_validates_against_its_crd_schema_in_strict_mode(store: str, delivery: str) -> None:
    objects = registered(run(store, delivery))
    expected = {"SecretStore", "ExternalSecret"} if delivery == "eso" else {"SecretProviderClass"}
    assert set(objects) == expected
    for kind, resource in objects.items():
        obj = manifest(unwrap_secrets(resource.inputs))
        assert obj["kind"] == kind
        assert schema_errors(obj) == [], kind
        assert obj["metadata"] == {"name": "openai-store" if kind == "SecretStore" else "openai", "namespace": "inference"}


@pytest.mark.parametrize("store", STORES)
def test_the_created_service_account_validates_with_kubernetes_validate_strict(store: str) -> None:
    objects = registered(run(store, "eso", create_service_account=True))
    account = manifest(unwrap_secrets(objects["ServiceAccount"].inputs))
    assert kubernetes_validate.validate(account, "1.35", strict=True) == "1.35"
    annotations = account["metadata"]["annotations"]
    assert (
        annotations
        == {
            AWS_SM: {"eks.amazonaws.com/role-arn": ROLE},
            GCP: {},  # a principal:// is the service account itself: nothing to annotate
            AZURE: {"azure.workload.identity/client-id": CLIENT_ID, "azure.workload.identity/tenant-id": TENANT_ID},
        }[store]
    )
    assert (account["metadata"]["name"], account["metadata"]["namespace"]) == ("summarizer", "inference")
    # The objects that read as it wait for it.
    dependents = [r for r in registered(run(store, "eso", create_service_account=True)).values() if r.type != SERVICE_ACCOUNT]
    assert all(objects["ServiceAccount"].urn in r.dependencies for r in dependents)


def test_a_google_service_account_is_annotated_for_the_kubernetes_one_to_impersonate() -> None:
    objects = registered(run(GCP, "csi", create_service_account=True, identity={"member": f"serviceAccount:{GSA}"}))
    account = manifest(unwrap_secrets(objects["ServiceAccount"].inputs))
    assert account["metadata"]["annotations"] == {"iam.gke.io/gcp-service-account": GSA}
    assert kubernetes_validate.validate(account, "1.35", strict=True) == "1.35"


def test_strict_validation_catches_what_the_plain_schemas_let_through() -> None:
    """Proof the strict pass can fail: a misspelled field passes the released schema (the API server would prune it)
    and is caught once objects refuse unknown properties."""
    good = manifest(unwrap_secrets(registered(run(AWS_SM, "eso"))["ExternalSecret"].inputs))
    typo = json.loads(json.dumps(good))
    typo["spec"]["data"][0]["remoteRef"]["versoin"] = "AWSPREVIOUS"  # "version", misspelled: ESO would read AWSCURRENT
    assert schema_errors(typo, strict_mode=False) == []
    assert any("'versoin' was unexpected" in error for error in schema_errors(typo))
    assert schema_errors(good) == []
    store = manifest(unwrap_secrets(registered(run(AWS_SM, "eso"))["SecretStore"].inputs))
    store["spec"]["provider"]["aws"]["auth"]["jwt"]["serviceAccountRef"]["nmae"] = "summarizer"
    assert any("'nmae' was unexpected" in error for error in schema_errors(store))
    # And real rules of the schema, in both modes: an enum and the CSI parameters' string type.
    store["spec"]["provider"]["aws"]["service"] = "SecretManager"
    assert any("service" in error for error in schema_errors(store, strict_mode=False))
    spc = manifest(unwrap_secrets(registered(run(AZURE, "csi"))["SecretProviderClass"].inputs))
    spc["spec"]["parameters"]["usePodIdentity"] = False
    assert any("is not of type 'string'" in error for error in schema_errors(spc, strict_mode=False))


def test_strict_mode_leaves_preserved_unknown_fields_open_and_closes_the_rest() -> None:
    schema = strict(crd_schema("ExternalSecret"))
    assert schema["additionalProperties"] is False
    assert schema["properties"]["spec"]["additionalProperties"] is False
    assert "additionalProperties" not in schema["properties"]["metadata"]  # no properties: any metadata
    closed = [path for path, node in _objects(schema) if node.get("additionalProperties") is False]
    assert len(closed) > 20


def _objects(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if "properties" in node:
            found.append((path, node))
        for key, value in node.items():
            found += _objects(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _objects(value, f"{path}[{index}]")
    return found


@pytest.mark.parametrize("store", STORES)
def test_eso_reads_the_versionless_secret_with_the_workload_identity(store: str) -> None:
    engine = run(store, "eso", refresh_interval="15m", secret_key="OPENAI_API_KEY")
    objects = registered(engine)
    ref = engine.stack_outputs["secret_ref"]
    store_spec = objects["SecretStore"].plain("spec")["provider"]
    external = objects["ExternalSecret"].plain("spec")
    account = {"name": "summarizer"}
    if store == AWS_SM:
        assert store_spec == {
            "aws": {"service": "SecretsManager", "region": "us-east-1", "auth": {"jwt": {"serviceAccountRef": account}}}
        }
        assert external["data"][0]["remoteRef"] == {"key": ref}  # the ARN: no version, so it follows AWSCURRENT
    elif store == GCP:
        assert store_spec == {
            "gcpsm": {"projectID": "mock-project", "auth": {"workloadIdentity": {"serviceAccountRef": account}}}
        }
        assert external["data"][0]["remoteRef"] == {"key": ref.split("/")[3]}  # latest by default
    else:
        assert store_spec == {
            "azurekv": {
                "vaultUrl": f"https://{VAULT}.vault.azure.net",
                "authType": "WorkloadIdentity",
                "serviceAccountRef": account,
                "tenantId": TENANT_ID,
            }
        }
        assert external["data"][0]["remoteRef"] == {"key": ref.rsplit("/", 1)[1]}
    assert external["refreshInterval"] == "15m"
    assert external["secretStoreRef"] == {"kind": "SecretStore", "name": "openai-store"}
    # Owner: the Secret goes with the ExternalSecret (no copy left behind); Retain: a store secret that reads as
    # deleted leaves the last value in place rather than deleting the Secret under the pods.
    assert external["target"] == {"name": "openai", "creationPolicy": "Owner", "deletionPolicy": "Retain"}
    assert external["data"][0]["secretKey"] == "OPENAI_API_KEY"
    assert objects["SecretStore"].urn in objects["ExternalSecret"].dependencies
    assert engine.stack_outputs["kubernetes_secret"] == "inference/openai"


@pytest.mark.parametrize("store", STORES)
def test_csi_parameters_are_the_strings_each_provider_reads(store: str) -> None:
    engine = run(store, "csi")
    spc = registered(engine)["SecretProviderClass"].plain("spec")
    ref = engine.stack_outputs["secret_ref"]
    parameters = spc["parameters"]
    assert all(isinstance(value, str) for value in parameters.values())
    if store == AWS_SM:
        assert spc["provider"] == "aws"
        assert parameters["region"] == "us-east-1"
        assert yaml.safe_load(parameters["objects"]) == [
            {"objectName": ref, "objectType": "secretsmanager", "objectAlias": "api-key"}
        ]
    elif store == GCP:
        assert spc["provider"] == "gcp"
        assert parameters["auth"] == "pod-adc"
        assert yaml.safe_load(parameters["secrets"]) == [{"resourceName": ref, "path": "api-key"}]
        assert ref.endswith("/versions/latest")
    else:
        assert spc["provider"] == "azure"
        assert (parameters["keyvaultName"], parameters["clientID"], parameters["tenantID"]) == (VAULT, CLIENT_ID, TENANT_ID)
        # "array:" whose items are YAML documents in turn (provider-azure's StringArray of KeyVaultObject).
        items = yaml.safe_load(parameters["objects"])["array"]
        assert [yaml.safe_load(item) for item in items] == [
            {"objectName": ref.rsplit("/", 1)[1], "objectType": "secret", "objectAlias": "api-key"}
        ]
    assert engine.stack_outputs["kubernetes_secret"] == "inference/openai"


def test_a_secret_key_that_yaml_would_read_as_another_type_stays_a_string() -> None:
    for store in STORES:
        parameters = registered(run(store, "csi", secret_key="true"))["SecretProviderClass"].plain("spec")["parameters"]
        text = parameters.get("objects") or parameters["secrets"]
        loaded = yaml.safe_load(text)
        entries = [yaml.safe_load(item) for item in loaded["array"]] if isinstance(loaded, dict) else loaded
        assert [entry.get("objectAlias", entry.get("path")) for entry in entries] == ["true"], store


@pytest.mark.parametrize(("store", "delivery"), CASES)
def test_every_object_uses_the_kubernetes_provider_passed_in_providers(store: str, delivery: str) -> None:
    engine = run(store, delivery, create_service_account=True)
    cluster = engine.one("pulumi:providers:kubernetes", "cluster")
    objects = registered(engine)
    assert len(objects) == (3 if delivery == "eso" else 2)
    for resource in objects.values():
        assert resource.provider == f"{cluster.urn}::{cluster.id}", resource.name


@pytest.mark.parametrize(("store", "delivery"), CASES)
def test_the_workload_identity_reads_this_key_through_the_store_s_reader_grant(store: str, delivery: str) -> None:
    engine = run(store, delivery)
    if store == AWS_SM:
        policy = json.loads(engine.one("aws:secretsmanager/secretPolicy:SecretPolicy").plain("policy"))
        (statement,) = policy["Statement"]
        assert statement["Principal"] == {"AWS": [ROLE]}
        assert statement["Action"] == "secretsmanager:GetSecretValue"
        assert statement["Resource"] == [engine.one("aws:secretsmanager/secret:Secret").outputs["arn"]]
    elif store == GCP:
        (grant,) = engine.find("gcp:secretmanager/secretIamMember:SecretIamMember")
        assert grant.plain("member") == READER[GCP]
        assert grant.plain("role") == "roles/secretmanager.secretAccessor"
        assert grant.plain("secretId") == engine.one("gcp:secretmanager/secret:Secret").id
    else:
        (assignment,) = engine.find("azure-native:authorization:RoleAssignment")
        assert assignment.plain("principalId") == PRINCIPAL_ID
        assert assignment.plain("scope").endswith("/secrets/" + engine.stack_outputs["secret_ref"].rsplit("/", 1)[1])
        assert assignment.plain("roleDefinitionId").endswith("4633458b-17de-408a-b874-0445c86b69e6")  # Secrets User


def test_an_identity_already_listed_as_a_reader_is_granted_once() -> None:
    with mock_pulumi() as engine:
        engine.run(with_provider(lambda: key_args(AWS_SM, kubernetes=kubernetes_block(AWS_SM), readers=[ROLE])))
    policy = json.loads(engine.one("aws:secretsmanager/secretPolicy:SecretPolicy").plain("policy"))
    assert policy["Statement"][0]["Principal"] == {"AWS": [ROLE]}


def test_an_identity_known_at_deploy_time_is_granted_under_the_block_s_name() -> None:
    def args() -> dict[str, Any]:
        identity = {**kubernetes_block(AZURE)["identity"], "principal_id": pulumi.Output.from_input(PRINCIPAL_ID)}
        return key_args(AZURE, kubernetes={**kubernetes_block(AZURE), "identity": identity})

    with mock_pulumi() as engine:
        engine.run(with_provider(args))
    (assignment,) = engine.find("azure-native:authorization:RoleAssignment")
    assert assignment.name == "openai-reader-kubernetes"  # stays put however readers are edited
    assert assignment.plain("principalId") == PRINCIPAL_ID


def test_the_store_s_own_reader_rules_judge_the_identity_and_name_the_block_s_field() -> None:
    member = "serviceAccount:Summarizer@mock-project.iam.gserviceaccount.com"
    args = key_args(GCP, kubernetes=kubernetes_block(GCP, identity={"member": f"serviceAccount:{GSA}"}), readers=[member])
    with mock_pulumi() as engine, pytest.raises(SecureApiKeyError) as refused:
        engine.run(with_provider(lambda: args))
    assert str(refused.value).startswith("SecureApiKey args.kubernetes.identity.member: is readers[0] in another case")
    assert [r.type for r in engine.resources] == ["pulumi:providers:kubernetes"]  # the program's own, nothing of the key


def test_no_manifest_holds_the_key() -> None:
    for store in STORES:
        for delivery in DELIVERIES:
            engine = run(store, delivery, create_service_account=True)
            for resource in registered(engine).values():
                assert CANARY not in json.dumps(unwrap_secrets(resource.inputs))


@pytest.mark.parametrize(
    ("text", "nanoseconds"),
    [
        ("1h", 3_600 * 10**9),
        ("1h30m", 5_400 * 10**9),
        ("1.5h", 5_400 * 10**9),
        (".5h", 1_800 * 10**9),
        ("1.h", 3_600 * 10**9),
        ("300ms", 300 * 10**6),
        ("1\u00b5s", 1_000),
        ("1\u03bcs", 1_000),
        ("2562047h", 2562047 * 3_600 * 10**9),
        ("0", 0),
        ("+5m", 300 * 10**9),
        ("-5m", -300 * 10**9),
        ("1", None),
        ("00", None),
        ("1d", None),
        ("1H", None),
        ("", None),
        (" 1h", None),
        ("1h ", None),
        (".h", None),
        ("2562048h", None),
        ("1h\n", None),
        ("\u0661h", None),  # an Arabic-Indic digit: Go reads ASCII digits only
    ],
)
def test_go_durations_are_read_as_time_parse_duration_reads_them(text: str, nanoseconds: Any) -> None:
    assert go_duration_ns(text) == nanoseconds


def test_protect_and_retain_on_delete_given_to_the_component_reach_every_delivered_object() -> None:
    from ai_keys import SecureApiKey

    from .cases import esc_block

    def program() -> None:
        cluster = k8s_provider()
        args = key_args(AZURE, kubernetes=kubernetes_block(AZURE, create_service_account=True), esc=esc_block(AZURE))
        options = pulumi.ResourceOptions(providers=[cluster], protect=True, retain_on_delete=True)
        SecureApiKey("openai", args, opts=options)  # type: ignore[arg-type]

    with mock_pulumi() as engine:
        engine.run(program)
    delivered = [r for r in engine.resources if r.type.startswith(("kubernetes:", "pulumiservice:")) and r.name != "cluster"]
    assert len(delivered) == 4
    assert all(r.protect and r.retain_on_delete for r in delivered), [(r.name, r.protect, r.retain_on_delete) for r in delivered]


def k8s_provider() -> pulumi.ProviderResource:
    import pulumi_kubernetes as k8s

    return k8s.Provider("cluster", kubeconfig="{}")


def test_an_api_gateway_key_is_read_from_its_copy_in_secrets_manager() -> None:
    from ai_keys import SecureApiKey

    def program() -> None:
        cluster = k8s_provider()
        args = {
            "backend": AWS_SM,
            "issuer": {"aws_api_gateway": {"usage_plan_id": "abc123"}},
            "kubernetes": kubernetes_block(AWS_SM),
        }
        key = SecureApiKey("client", args, opts=pulumi.ResourceOptions(providers=[cluster]))  # type: ignore[arg-type]
        pulumi.export("secret_ref", key.secret_ref)

    with mock_pulumi() as engine:
        engine.run(program)
    external = engine.one("kubernetes:external-secrets.io/v1:ExternalSecret").plain("spec")
    copy = engine.one("aws:secretsmanager/secret:Secret")
    assert external["data"][0]["remoteRef"] == {"key": copy.outputs["arn"]} == {"key": engine.stack_outputs["secret_ref"]}
    policy = json.loads(engine.one("aws:secretsmanager/secretPolicy:SecretPolicy").plain("policy"))
    assert policy["Statement"][0]["Principal"] == {"AWS": [ROLE]}
