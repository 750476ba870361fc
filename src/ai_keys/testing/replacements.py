"""Which input changes force the provider to replace a resource, per type the component creates.

The lifecycle harness (:mod:`ai_keys.testing.lifecycle`) reads this table to tell an update in place from a
replacement, the way the provider's diff does. Paths are wire (camelCase) input names, dotted for nested
fields; ``[*]`` matches any list index. A change under a path in ``forces`` replaces the resource unless it is
also under a path in ``in_place`` (a nested field the provider can update). Every entry cites the provider
documentation it comes from; a type missing from the table is an error, so a new child cannot slip through
the lifecycle tests unmodelled.
"""

import re
from dataclasses import dataclass

__all__ = ["REPLACEMENTS", "ReplaceRule", "forces_replacement"]


@dataclass(frozen=True)
class ReplaceRule:
    """The inputs of one resource type whose change replaces it."""

    forces: tuple[str, ...]
    """Input paths whose change forces a replacement."""
    in_place: tuple[str, ...] = ()
    """Paths under ``forces`` the provider nevertheless updates in place."""


_EVERYTHING = ("*",)
"""Immutable resources: any input change replaces them."""

REPLACEMENTS: dict[str, ReplaceRule] = {
    # --- AWS (pulumi-aws, from terraform-provider-aws; `region` is the per-resource region of provider v7,
    # which is ForceNew on every resource: https://www.pulumi.com/registry/packages/aws/how-to-guides/enhanced-region-support/)
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/secretsmanager_secret
    # (name and name_prefix are ForceNew; kms_key_id, replica, policy, tags, recovery window update in place)
    "aws:secretsmanager/secret:Secret": ReplaceRule(("name", "namePrefix", "region")),
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/secretsmanager_secret_version
    # (secret_id, secret_string and secret_binary are ForceNew; version_stages updates in place)
    "aws:secretsmanager/secretVersion:SecretVersion": ReplaceRule(
        ("secretId", "secretString", "secretBinary", "secretStringWo", "region")
    ),
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/secretsmanager_secret_policy
    "aws:secretsmanager/secretPolicy:SecretPolicy": ReplaceRule(("secretArn", "region")),
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/secretsmanager_secret_rotation
    "aws:secretsmanager/secretRotation:SecretRotation": ReplaceRule(("secretId", "region")),
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kms_key
    # (key_usage, customer_master_key_spec, multi_region, custom_key_store_id and xks_key_id are ForceNew)
    "aws:kms/key:Key": ReplaceRule(
        ("keyUsage", "customerMasterKeySpec", "multiRegion", "customKeyStoreId", "xksKeyId", "region")
    ),
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kms_alias (name, name_prefix)
    "aws:kms/alias:Alias": ReplaceRule(("name", "namePrefix", "region")),
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kms_key_policy (key_id)
    "aws:kms/keyPolicy:KeyPolicy": ReplaceRule(("keyId", "region")),
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kms_grant (every argument is ForceNew)
    "aws:kms/grant:Grant": ReplaceRule(_EVERYTHING),
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lambda_permission (every argument)
    "aws:lambda/permission:Permission": ReplaceRule(_EVERYTHING),
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/api_gateway_api_key
    # (a given value forces a new key; name, description, enabled and customer_id update in place)
    "aws:apigateway/apiKey:ApiKey": ReplaceRule(("value", "region")),
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/api_gateway_usage_plan
    # (everything updates in place, api_stages included)
    "aws:apigateway/usagePlan:UsagePlan": ReplaceRule(("region",)),
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/api_gateway_usage_plan_key
    "aws:apigateway/usagePlanKey:UsagePlanKey": ReplaceRule(("keyId", "keyType", "usagePlanId", "region")),
    # --- The AWS rotator's own (ai_keys.rotation.deploy.aws)
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudwatch_log_group
    # (name, name_prefix and log_group_class are ForceNew; retention, kms_key_id and tags update in place)
    "aws:cloudwatch/logGroup:LogGroup": ReplaceRule(("name", "namePrefix", "logGroupClass", "region")),
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role
    # (name, name_prefix and path are ForceNew; the trust policy, description and tags update in place)
    "aws:iam/role:Role": ReplaceRule(("name", "namePrefix", "path")),
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role_policy (name, role)
    "aws:iam/rolePolicy:RolePolicy": ReplaceRule(("name", "namePrefix", "role")),
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lambda_function
    # (function_name and package_type are ForceNew; code, environment and settings update in place)
    "aws:lambda/function:Function": ReplaceRule(("name", "packageType", "region")),
    # --- Azure (azure-native: path parameters and `location` force a replacement,
    # https://www.pulumi.com/registry/packages/azure-native/ "replaceOnChanges" in each resource's schema)
    # https://www.pulumi.com/registry/packages/azure-native/api-docs/keyvault/vault/
    "azure-native:keyvault:Vault": ReplaceRule(("resourceGroupName", "vaultName", "location")),
    # https://www.pulumi.com/registry/packages/azure-native/api-docs/keyvault/secret/
    "azure-native:keyvault:Secret": ReplaceRule(("resourceGroupName", "vaultName", "secretName")),
    # https://www.pulumi.com/registry/packages/azure-native/api-docs/authorization/roleassignment/
    # (a role assignment cannot be changed: Azure answers RoleAssignmentUpdateNotPermitted)
    "azure-native:authorization:RoleAssignment": ReplaceRule(
        ("scope", "roleAssignmentName", "principalId", "roleDefinitionId", "principalType")
    ),
    # https://www.pulumi.com/registry/packages/azure-native/api-docs/eventgrid/eventsubscription/
    "azure-native:eventgrid:EventSubscription": ReplaceRule(("scope", "eventSubscriptionName")),
    # https://www.pulumi.com/registry/packages/azure-native/api-docs/monitor/diagnosticsetting/
    "azure-native:monitor:DiagnosticSetting": ReplaceRule(("resourceUri", "name")),
    # https://www.pulumi.com/registry/packages/azure-native/api-docs/storage/storageaccount/ (and blobcontainer, blob)
    "azure-native:storage:StorageAccount": ReplaceRule(("resourceGroupName", "accountName", "location")),
    "azure-native:storage:BlobContainer": ReplaceRule(("resourceGroupName", "accountName", "containerName")),
    "azure-native:storage:Blob": ReplaceRule(("resourceGroupName", "accountName", "containerName", "blobName", "type", "source")),
    # https://www.pulumi.com/registry/packages/azure-native/api-docs/web/appserviceplan/ (and webapp)
    "azure-native:web:AppServicePlan": ReplaceRule(("resourceGroupName", "name", "location")),
    "azure-native:web:WebApp": ReplaceRule(("resourceGroupName", "name", "location")),
    # https://www.pulumi.com/registry/packages/azure-native/api-docs/apimanagement/product/ (and productapi,
    # productpolicy, subscription: their path parameters; a subscription's scope updates in place there, but the
    # azure_api_management issuer adds it with replace_on_changes)
    "azure-native:apimanagement:Product": ReplaceRule(("resourceGroupName", "serviceName", "productId")),
    "azure-native:apimanagement:ProductApi": ReplaceRule(("resourceGroupName", "serviceName", "productId", "apiId")),
    "azure-native:apimanagement:ProductPolicy": ReplaceRule(("resourceGroupName", "serviceName", "productId", "policyId")),
    "azure-native:apimanagement:Subscription": ReplaceRule(("resourceGroupName", "serviceName", "sid")),
    # --- Google Cloud (pulumi-gcp, from magic-modules)
    # https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/project_service_identity
    "gcp:projects/serviceIdentity:ServiceIdentity": ReplaceRule(("service", "project")),
    # https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/kms_key_ring (immutable)
    "gcp:kms/keyRing:KeyRing": ReplaceRule(_EVERYTHING),
    # https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/kms_crypto_key
    # (name, key_ring, purpose, import_only, skip_initial_version_creation are ForceNew; rotation_period,
    # labels, deletion_policy update in place)
    "gcp:kms/cryptoKey:CryptoKey": ReplaceRule(
        ("name", "keyRing", "purpose", "importOnly", "skipInitialVersionCreation", "cryptoKeyBackend")
    ),
    # https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/google_kms_crypto_key_iam
    # (the _iam_member resources are immutable)
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": ReplaceRule(_EVERYTHING),
    # https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/pubsub_topic (name, project)
    "gcp:pubsub/topic:Topic": ReplaceRule(("name", "project")),
    # https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/storage_bucket
    # (name, project and location are ForceNew)
    "gcp:storage/bucket:Bucket": ReplaceRule(("name", "project", "location")),
    # .../storage_bucket_object (name, bucket, and the content: source, content, detect_md5hash are ForceNew)
    "gcp:storage/bucketObject:BucketObject": ReplaceRule(("name", "bucket", "source", "content", "detectMd5hash")),
    # .../cloudfunctions2_function (name, location, project and kms_key_name are ForceNew)
    "gcp:cloudfunctionsv2/function:Function": ReplaceRule(("name", "location", "project", "kmsKeyName")),
    # the _iam_member resources are immutable
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": ReplaceRule(_EVERYTHING),
    "gcp:projects/iAMMember:IAMMember": ReplaceRule(_EVERYTHING),
    "gcp:serviceaccount/iAMMember:IAMMember": ReplaceRule(_EVERYTHING),
    # https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/pubsub_topic_iam
    "gcp:pubsub/topicIAMMember:TopicIAMMember": ReplaceRule(_EVERYTHING),
    # https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/secret_manager_secret
    # (secret_id, project and replication are ForceNew, except the customer-managed encryption inside
    # replication: "They do not apply retroactively to existing SecretVersions")
    "gcp:secretmanager/secret:Secret": ReplaceRule(
        ("secretId", "project", "replication"),
        in_place=(
            "replication.auto.customerManagedEncryption",
            "replication.userManaged.replicas[*].customerManagedEncryption",
        ),
    ),
    # https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/secret_manager_secret_version
    # (secret and secret_data are ForceNew; enabled and deletion_policy update in place)
    "gcp:secretmanager/secretVersion:SecretVersion": ReplaceRule(("secret", "secretData", "secretDataWo")),
    # https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/secret_manager_secret_iam
    # (a binding updates its members in place; secret_id, role, project and condition are ForceNew)
    "gcp:secretmanager/secretIamBinding:SecretIamBinding": ReplaceRule(("secretId", "role", "project", "condition")),
    "gcp:secretmanager/secretIamMember:SecretIamMember": ReplaceRule(_EVERYTHING),
    # https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/google_project_iam#google_project_iam_audit_config
    "gcp:projects/iAMAuditConfig:IAMAuditConfig": ReplaceRule(("service", "project")),
    # --- What the issuers create
    # https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/apikeys_key
    # (name, project and service_account_email are ForceNew; display_name and restrictions update in place)
    "gcp:projects/apiKey:ApiKey": ReplaceRule(("name", "project", "serviceAccountEmail")),
    # magic-modules mmv1/products/apigee/Developer.yaml (orgId and email are immutable; names update in place)
    "gcp:apigee/developer:Developer": ReplaceRule(("orgId", "email")),
    # .../ApiProduct.yaml (orgId and name are immutable; quota, environments, proxies and operations update in place)
    "gcp:apigee/apiProduct:ApiProduct": ReplaceRule(("orgId", "name")),
    # .../DeveloperApp.yaml (orgId, developerEmail, appFamily, keyExpiresIn and status are immutable) and pulumi-gcp
    # apigee.DeveloperApp (consumer_key and consumer_secret force a new app); name and apiProducts update in place
    # there, but the apigee issuer adds them with replace_on_changes
    "gcp:apigee/developerApp:DeveloperApp": ReplaceRule(
        ("orgId", "developerEmail", "appFamily", "keyExpiresIn", "status", "consumerKey", "consumerSecret")
    ),
    # https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/google_service_account
    "gcp:serviceaccount/account:Account": ReplaceRule(("accountId", "project")),
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_user (name and path update in place)
    "aws:iam/user:User": ReplaceRule(()),
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_user_policy
    "aws:iam/userPolicy:UserPolicy": ReplaceRule(("name", "namePrefix", "user")),
    # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_service_specific_credential
    # (service_name, user_name and credential_age_days are ForceNew; status updates in place)
    "aws:iam/serviceSpecificCredential:ServiceSpecificCredential": ReplaceRule(("serviceName", "userName", "credentialAgeDays")),
    # --- What the delivery blocks create (ai_keys.delivery)
    # pulumi-kubernetes provider/pkg/provider: forceNewProperties replaces an object whose .metadata.name or
    # .metadata.namespace changes (no other field for these kinds); Diff deletes first only when both stay the same,
    # so a rename or a move to another namespace creates the new object before deleting the old one.
    "kubernetes:core/v1:ServiceAccount": ReplaceRule(("metadata.name", "metadata.namespace")),
    "kubernetes:external-secrets.io/v1:SecretStore": ReplaceRule(("metadata.name", "metadata.namespace")),
    "kubernetes:external-secrets.io/v1:ExternalSecret": ReplaceRule(("metadata.name", "metadata.namespace")),
    "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass": ReplaceRule(("metadata.name", "metadata.namespace")),
    # (examples/kubernetes's pods) a Deployment is also replaced on a new .spec.selector
    "kubernetes:apps/v1:Deployment": ReplaceRule(("metadata.name", "metadata.namespace", "spec.selector")),
    # pulumi-pulumiservice provider/pkg/resources/environment.go: Diff replaces on organization, project and name; a
    # new yaml is an update (a new revision of the same environment).
    "pulumiservice:index:Environment": ReplaceRule(("organization", "project", "name")),
    # https://registry.terraform.io/providers/hashicorp/time/latest/docs/resources/sleep
    # (create_duration, destroy_duration and triggers are all ForceNew)
    "time:index/sleep:Sleep": ReplaceRule(_EVERYTHING),
    # https://registry.terraform.io/providers/hashicorp/time/latest/docs/resources/static
    # (rfc3339 and triggers are ForceNew: a new trigger value records a new timestamp)
    "time:index/static:Static": ReplaceRule(_EVERYTHING),
}


def _pattern(path: str) -> "re.Pattern[str]":
    if path == "*":
        return re.compile(r".*")
    escaped = re.escape(path).replace(r"\[\*\]", r"\[\d+\]")
    return re.compile(rf"{escaped}(?:[.\[].*)?")


def forces_replacement(type_: str, changed_paths: "set[str]", replace_on_changes: "list[str]") -> bool:
    """Whether changing ``changed_paths`` (dotted wire paths) of a ``type_`` resource replaces it.

    ``replace_on_changes`` is the resource option of that name, which the engine adds to the provider's rules.
    """
    if type_ not in REPLACEMENTS:
        raise KeyError(f"no replacement rule for resource type {type_}: add it to ai_keys.testing.replacements")
    rule = REPLACEMENTS[type_]
    forcing = [_pattern(p) for p in rule.forces]
    keeping = [_pattern(p) for p in rule.in_place]
    requested = [_pattern(p) for p in replace_on_changes]
    for path in changed_paths:
        if any(p.fullmatch(path) for p in requested):
            return True
        if any(p.fullmatch(path) for p in forcing) and not any(p.fullmatch(path) for p in keeping):
            return True
    return False
