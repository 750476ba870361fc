"""The clouds' own rules that fail a deploy, an update, a destroy or a re-create, one entry per rule.

The simulation (:mod:`ai_keys.testing.simulation`) enforces every entry whose ``enforced`` is true: a step the
real cloud would refuse fails with the cloud's own error text, the rule's id and its source. Like
:data:`ai_keys.testing.replacements.REPLACEMENTS`, each entry cites the provider source file or the cloud
documentation page it comes from. Classes: ``N`` names held after delete, ``U`` uniqueness, ``Q`` per-entity
limits, ``C`` eventual consistency, ``E`` expiry, ``D`` deletion behaviour, ``A`` authoritative IAM.
"""

from dataclasses import dataclass
from typing import Literal

__all__ = ["CONSTRAINTS", "Constraint", "ConstraintClass"]

ConstraintClass = Literal["N", "U", "Q", "C", "E", "D", "A"]


@dataclass(frozen=True)
class Constraint:
    """One rule of one cloud."""

    cls: ConstraintClass
    """Which kind of rule: names held (N), uniqueness (U), limits (Q), consistency (C), expiry (E), deletion (D),
    authoritative IAM (A)."""
    types: tuple[str, ...]
    """The resource types it applies to."""
    rule: str
    """What the cloud does, in one sentence."""
    error: str
    """What the real API or provider answers when the rule is broken."""
    source: str
    """Where the rule comes from: a provider source file or a documentation page."""
    enforced: bool = True
    """Whether the simulation checks it (a few are recorded for the docs but cannot be broken by the component)."""


_TF_AWS = "https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service"
_MM = "https://github.com/GoogleCloudPlatform/magic-modules/blob/main/mmv1"
_AZN = "https://github.com/pulumi/pulumi-azure-native/blob/master/provider/pkg"
_RN = "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules"

CONSTRAINTS: dict[str, Constraint] = {
    # ------------------------------------------------------------------------------------------------ AWS
    "aws.secret.name-held-after-delete": Constraint(
        "N",
        ("aws:secretsmanager/secret:Secret",),
        "A deleted secret keeps its name for its recovery window (7-30 days, default 30); only a recovery window "
        "of 0 frees it at once.",
        "InvalidRequestException: You can't create this secret because a secret with this name is already "
        "scheduled for deletion.",
        "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html; "
        "hashicorp/terraform-provider-aws#10259",
    ),
    "aws.secret.name-unique": Constraint(
        "U",
        ("aws:secretsmanager/secret:Secret",),
        "A secret's name is unique per account and Region.",
        "ResourceExistsException: The operation failed because the secret {name} already exists.",
        "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html",
    ),
    "aws.secret-policy.size": Constraint(
        "Q",
        ("aws:secretsmanager/secretPolicy:SecretPolicy",),
        "A secret's resource policy is at most 20,480 characters.",
        "LimitExceededException: The resource policy is larger than the maximum size of 20480 characters.",
        "https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html",
    ),
    "aws.kms-key-policy.size": Constraint(
        "Q",
        ("aws:kms/keyPolicy:KeyPolicy", "aws:kms/key:Key"),
        "A KMS key policy is at most 32 KB.",
        "LimitExceededException: The key policy exceeds the maximum size of 32768 bytes.",
        "https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html",
    ),
    "aws.kms-key.pending-deletion": Constraint(
        "D",
        ("aws:kms/key:Key",),
        "A deleted KMS key is pending deletion for 7-30 days (default 30) and unusable: every read of a secret it "
        "encrypts fails.",
        "KMSInvalidStateException: {name} is pending deletion.",
        "https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html",
    ),
    "aws.kms-alias.name-unique": Constraint(
        "U",
        ("aws:kms/alias:Alias",),
        "An alias name is unique per account and Region.",
        "AlreadyExistsException: An alias with the name {name} already exists",
        "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html",
    ),
    "aws.iam-user.name-unique": Constraint(
        "U",
        ("aws:iam/user:User",),
        "IAM user names are unique per account, case-insensitively.",
        "EntityAlreadyExists: User with name {name} already exists.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
    ),
    "aws.iam-user.delete-conflict": Constraint(
        "D",
        ("aws:iam/user:User",),
        "DeleteUser fails while the user still has service-specific credentials (or access keys, policies...), "
        "including ones added outside the stack, unless the provider's force_destroy removes them first.",
        "DeleteConflict: Cannot delete entity, must remove referenced objects first.",
        f"{_TF_AWS}/iam/user.go (force_destroy); https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUser.html",
    ),
    "aws.iam-user-policy.size": Constraint(
        "Q",
        ("aws:iam/userPolicy:UserPolicy",),
        "The inline policies of one IAM user total at most 2,048 characters (whitespace excluded).",
        "LimitExceeded: Maximum policy size of 2048 bytes exceeded for user {name}",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
    ),
    "aws.service-specific-credential.limit": Constraint(
        "Q",
        ("aws:iam/serviceSpecificCredential:ServiceSpecificCredential",),
        "An IAM user has at most 2 service-specific credentials per service.",
        "LimitExceeded: Cannot exceed quota for CredentialsPerUserPerService: 2",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateServiceSpecificCredential.html",
    ),
    "aws.service-specific-credential.expiry": Constraint(
        "E",
        ("aws:iam/serviceSpecificCredential:ServiceSpecificCredential",),
        "A Bedrock API key expires after credential_age_days; after that it reads back as Expired and every call "
        "with it is refused, while the state still says Active.",
        "403 Forbidden: the Bedrock API key {name} has expired",
        "https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-how.html; pulumi-aws ServiceSpecificCredentialArgs.status",
    ),
    "aws.apigateway-key.one-plan-per-stage": Constraint(
        "Q",
        ("aws:apigateway/usagePlanKey:UsagePlanKey",),
        "An API key can be in only one usage plan per API stage.",
        "ConflictException: Usage Plan {plan} cannot be added because API Key {name} cannot reference multiple "
        "Usage Plans with the same API Stage",
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html",
    ),
    "aws.apigateway-key.value-unique": Constraint(
        "U",
        ("aws:apigateway/apiKey:ApiKey",),
        "An API key's value is unique per account and Region.",
        "ConflictException: API Key already exists",
        "https://docs.aws.amazon.com/apigateway/latest/api/API_CreateApiKey.html",
    ),
    "aws.lambda-permission.statement-unique": Constraint(
        "U",
        ("aws:lambda/permission:Permission",),
        "A permission's statement id is unique per function.",
        "ResourceConflictException: The statement id ({name}) provided already exists. Please provide a new "
        "statement id, or remove the existing statement.",
        "https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html",
    ),
    "aws.iam.new-principal": Constraint(
        "C",
        ("aws:kms/keyPolicy:KeyPolicy", "aws:secretsmanager/secretPolicy:SecretPolicy"),
        "A role created moments earlier may not yet be a valid principal in a key or secret policy; the provider "
        "retries the call for its IAM propagation budget (2 minutes), so the deploy waits instead of failing.",
        "MalformedPolicyDocumentException: Policy contains a statement with one or more invalid principals.",
        f"{_TF_AWS}/iam/consts.go (propagationTimeout = 2 * time.Minute); {_TF_AWS}/kms/key.go (updateKeyPolicy)",
        enforced=False,
    ),
    "aws.kms-grant.propagation": Constraint(
        "C",
        ("aws:kms/grant:Grant",),
        "A new KMS grant may take up to about five minutes to be usable everywhere (its grant token works at once); "
        "the component's grants serve readers at run time, never a step of the deploy.",
        "AccessDeniedException until the grant is effective",
        "https://docs.aws.amazon.com/kms/latest/developerguide/grants.html#grant_token",
        enforced=False,
    ),
    "aws.lambda-function.name-unique": Constraint(
        "U",
        ("aws:lambda/function:Function",),
        "A Lambda function's name is unique per account and Region.",
        "ResourceConflictException: Function already exist: {name}",
        "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html",
    ),
    "aws.lambda-function.name-rule": Constraint(
        "Q",
        ("aws:lambda/function:Function",),
        "A Lambda function name is 1-64 characters of letters, digits, hyphens and underscores.",
        "ValidationException: 1 validation error detected: Value '{name}' at 'functionName' failed to satisfy "
        "constraint: Member must have length less than or equal to 64",
        "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html#lambda-CreateFunction-request-FunctionName",
    ),
    "aws.lambda.unreserved-concurrency": Constraint(
        "Q",
        ("aws:lambda/function:Function",),
        "Reserved concurrency may never leave the account with less than 100 unreserved executions in a Region "
        "(the account's limit is 1,000 by default, and as low as 10 in a new account, where nothing can be reserved).",
        "InvalidParameterValueException: Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100].",
        "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html; "
        "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
    ),
    "aws.iam-role.name-unique": Constraint(
        "U",
        ("aws:iam/role:Role",),
        "IAM role names are unique per account, case-insensitively.",
        "EntityAlreadyExists: Role with name {name} already exists.",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
    ),
    "aws.iam-role.name-rule": Constraint(
        "Q",
        ("aws:iam/role:Role",),
        "An IAM role name is 1-64 characters of letters, digits and +=,.@_-.",
        "ValidationError: 1 validation error detected: Value '{name}' at 'roleName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html; "
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
    ),
    # ---------------------------------------------------------------------------------------- Google Cloud
    "gcp.api-key.id-held-after-delete": Constraint(
        "N",
        ("gcp:projects/apiKey:ApiKey",),
        "A deleted API key stays soft-deleted for 30 days and its id cannot be reused in the project meanwhile.",
        "409 ALREADY_EXISTS: Key with id {name} already exists (deleted keys keep their id for 30 days)",
        "https://cloud.google.com/docs/authentication/api-keys#delete; "
        "https://cloud.google.com/api-keys/docs/reference/rest/v2/projects.locations.keys/delete",
    ),
    "gcp.api-key.id-unique": Constraint(
        "U",
        ("gcp:projects/apiKey:ApiKey",),
        "An API key's id is unique per project.",
        "409 ALREADY_EXISTS: Key with id {name} already exists",
        f"{_MM}/products/apikeys/Key.yaml",
    ),
    "gcp.api-key.delete-in-use": Constraint(
        "D",
        ("gcp:projects/apiKey:ApiKey",),
        "With the provider's default deletion_policy DELETE, deleting a key that served traffic in the last 7 days "
        "fails; FORCE skips the check, ABANDON leaves the key live, PREVENT refuses.",
        "400 FAILED_PRECONDITION: The API key {name} has been used in the last 7 days; set deletion_policy to FORCE to delete it",
        f"{_MM}/products/apikeys/Key.yaml (deletion_policy); pulumi-gcp ApiKey.deletion_policy",
    ),
    "gcp.service-account.id-unique": Constraint(
        "U",
        ("gcp:serviceaccount/account:Account",),
        "A service account id (6-30 characters) is unique per project.",
        "409 ALREADY_EXISTS: Service account {name} already exists within project",
        f"{_MM}/third_party/terraform/services/resourcemanager/resource_google_service_account.go",
    ),
    "gcp.service-account.recreated-is-new": Constraint(
        "N",
        ("gcp:serviceaccount/account:Account",),
        "A deleted service account can be undeleted for 30 days; a new account with the same id is a different "
        "principal, and grants to the old one do not apply to it.",
        "deleted:serviceAccount:{name}?uid=... in policies",
        "https://cloud.google.com/iam/docs/service-accounts-delete-undelete",
        enforced=False,
    ),
    "gcp.iam.propagation": Constraint(
        "C",
        (
            "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
            "gcp:pubsub/topicIAMMember:TopicIAMMember",
            "gcp:secretmanager/secretIamMember:SecretIamMember",
            "gcp:secretmanager/secretIamBinding:SecretIamBinding",
            "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
            "gcp:projects/iAMMember:IAMMember",
            "gcp:serviceaccount/iAMMember:IAMMember",
        ),
        "A grant takes effect only after it propagates: typically 2 minutes, sometimes 7 or longer.",
        "403 PERMISSION_DENIED: {name} lacks {role} on {resource} (granted {age} ago; IAM changes take "
        "typically 2 minutes to propagate)",
        "https://cloud.google.com/iam/docs/access-change-propagation",
    ),
    "gcp.service-agent.not-yet": Constraint(
        "C",
        ("gcp:projects/serviceIdentity:ServiceIdentity",),
        "A service agent is created lazily: a grant naming it right after its ServiceIdentity is created fails "
        "until the agent exists everywhere.",
        "400 INVALID_ARGUMENT: Service account {name} does not exist.",
        f"{_MM}/third_party/terraform/services/resourcemanager/resource_project_service_identity.go.tmpl; "
        "https://cloud.google.com/iam/docs/service-agents",
    ),
    "gcp.iam-binding.authoritative": Constraint(
        "A",
        ("gcp:secretmanager/secretIamBinding:SecretIamBinding",),
        "A binding is authoritative for its role: it removes that role's grants made outside it (another stack, a "
        "rotator), and deleting it removes every member of the role.",
        "no error: grants made outside the binding are removed",
        "https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/secret_manager_secret_iam; "
        f"{_MM}/third_party/terraform/tpgiamresource/resource_iam_binding.go.tmpl",
    ),
    "gcp.audit-config.authoritative": Constraint(
        "A",
        ("gcp:projects/iAMAuditConfig:IAMAuditConfig",),
        "An audit config is authoritative for one service on the project: two stacks that declare it fight, and "
        "destroying one removes the other's.",
        "no error: the other stack's audit config is overwritten or removed",
        "https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/google_project_iam#google_project_iam_audit_config",
    ),
    "gcp.secret.id-unique": Constraint(
        "U",
        ("gcp:secretmanager/secret:Secret",),
        "A secret id is unique per project (there is no soft delete: a deleted id is free at once).",
        "409 ALREADY_EXISTS: Secret [projects/{project}/secrets/{name}] already exists.",
        f"{_MM}/products/secretmanager/Secret.yaml",
    ),
    "gcp.secret.deletion-protection": Constraint(
        "D",
        ("gcp:secretmanager/secret:Secret",),
        "With deletion_protection the provider refuses to delete the secret.",
        "cannot destroy secret without setting deletion_protection=false and running `terraform apply`",
        f"{_MM}/products/secretmanager/Secret.yaml (deletion_protection)",
    ),
    "gcp.secret.agent-needs-key": Constraint(
        "C",
        ("gcp:secretmanager/secret:Secret",),
        "Secret Manager checks that its service agent may use each CMEK key, and publish to each topic, when the "
        "secret is created or changed.",
        "400 FAILED_PRECONDITION: Secret Manager service agent {name} lacks {role} on {resource}",
        "https://cloud.google.com/secret-manager/docs/cmek; https://cloud.google.com/secret-manager/docs/event-notifications",
    ),
    "gcp.kms.never-deleted": Constraint(
        "N",
        ("gcp:kms/keyRing:KeyRing", "gcp:kms/cryptoKey:CryptoKey"),
        "Key rings and crypto keys cannot be deleted: their names stay taken in the project and location forever.",
        "409 ALREADY_EXISTS: KeyRing {name} already exists.",
        f"https://cloud.google.com/kms/docs/resource-hierarchy#lifetime; {_MM}/products/kms/KeyRing.yaml",
    ),
    "gcp.topic.name-unique": Constraint(
        "U",
        ("gcp:pubsub/topic:Topic",),
        "A topic name is unique per project.",
        "409 ALREADY_EXISTS: Resource already exists in the project (resource={name}).",
        f"{_MM}/products/pubsub/Topic.yaml",
    ),
    "gcp.cloud-function.name-unique": Constraint(
        "U",
        ("gcp:cloudfunctionsv2/function:Function",),
        "A Cloud Run function's name is unique per project and region (a deleted function's name is free at once).",
        "409 ALREADY_EXISTS: Function {name} already exists in project {project} and this region.",
        f"{_MM}/products/cloudfunctions2/Function.yaml; "
        "https://cloud.google.com/functions/docs/reference/rest/v2/projects.locations.functions/create",
    ),
    "gcp.cloud-function.name-rule": Constraint(
        "Q",
        ("gcp:cloudfunctionsv2/function:Function",),
        "A Cloud Run function (2nd gen) name is at most 63 characters of lower-case letters, digits and hyphens, a "
        "letter first, not ending in a hyphen (it names the function's Cloud Run service too).",
        "400 INVALID_ARGUMENT: Invalid function name {name}: it must match [a-z]([-a-z0-9]*[a-z0-9])? and be at "
        "most 63 characters.",
        "https://cloud.google.com/functions/docs/deploy#basics; https://cloud.google.com/run/docs/deploying#service",
    ),
    "gcp.function.grants-not-yet": Constraint(
        "C",
        ("gcp:cloudfunctionsv2/function:Function", "gcp:secretmanager/secretVersion:SecretVersion"),
        "A function's run fails while the grants it needs (its own on the secret, the trigger's right to invoke it) "
        "have not propagated: a secret version published to its topic before then is a failed first run.",
        "403 PERMISSION_DENIED: {name} lacks {role} on {resource} (granted {age} ago; IAM changes take typically 2 "
        "minutes to propagate)",
        "https://cloud.google.com/iam/docs/access-change-propagation; "
        "https://cloud.google.com/eventarc/standard/docs/functions/roles-permissions",
    ),
    "gcp.bucket.name-unique": Constraint(
        "U",
        ("gcp:storage/bucket:Bucket",),
        "A Cloud Storage bucket name is globally unique, across every project of every customer.",
        "409 Conflict: The requested bucket name {name} is not available. The bucket namespace is shared by all "
        "users of the system.",
        "https://cloud.google.com/storage/docs/buckets#naming",
    ),
    "gcp.bucket.name-held-after-delete": Constraint(
        "N",
        ("gcp:storage/bucket:Bucket",),
        "A deleted bucket stays soft-deleted for its retention (7 days by default) and is restorable only while no "
        "live bucket has its name, so a name given up may be taken by anyone meanwhile: the simulation holds it for "
        "the retention, the worst case for a destroy then up.",
        "409 Conflict: The requested bucket name {name} is not available.",
        "https://cloud.google.com/storage/docs/soft-delete; https://cloud.google.com/storage/docs/use-soft-deleted-buckets",
    ),
    # ------------------------------------------------------------------------------------------------- Azure
    "azure.vault.name-held-after-delete": Constraint(
        "N",
        ("azure-native:keyvault:Vault",),
        "Vault names are global; a deleted vault stays soft-deleted for its retention (7-90 days, default 90) and "
        "holds its name, for ever longer under purge protection until the retention ends.",
        "ConflictError: A vault with the same name already exists in deleted state. You need to either recover or "
        "purge existing key vault.",
        "https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview; hashicorp/terraform-provider-azurerm#14442",
    ),
    "azure.vault.name-unique": Constraint(
        "U",
        ("azure-native:keyvault:Vault",),
        "A vault name is globally unique.",
        "VaultAlreadyExists: The vault name '{name}' is already in use.",
        "https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates#vault-name-and-object-name",
    ),
    "azure.secret.name-held-after-delete": Constraint(
        "N",
        ("azure-native:keyvault:Secret",),
        "A deleted secret's name (case-insensitive) is held for the vault's retention until it is recovered or purged.",
        "409 ObjectIsDeletedButRecoverable: Secret {name} is currently in a deleted but recoverable state, and its "
        "name cannot be reused; in this state, the secret can only be recovered or purged.",
        "https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview; external-secrets/external-secrets#3519",
    ),
    "azure.role-assignment.exists": Constraint(
        "U",
        ("azure-native:authorization:RoleAssignment",),
        "One principal, role and scope can have only one assignment, whatever its name.",
        "409 RoleAssignmentExists: The role assignment already exists.",
        "https://learn.microsoft.com/azure/role-based-access-control/troubleshooting",
    ),
    "azure.event-subscription.name-unique": Constraint(
        "U",
        ("azure-native:eventgrid:EventSubscription",),
        "An event subscription name is unique per scope.",
        "409 Conflict: An event subscription named {name} already exists.",
        "https://learn.microsoft.com/azure/event-grid/troubleshoot-errors",
    ),
    "azure.diagnostic-setting.limit": Constraint(
        "Q",
        ("azure-native:monitor:DiagnosticSetting",),
        "A resource has at most 5 diagnostic settings, each name once.",
        "400 BadRequest: Diagnostic settings count exceeds the limit of 5 for resource {name}",
        "https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings",
    ),
    "azure.ai-account.two-keys": Constraint(
        "Q",
        ("azure-native:cognitiveservices:listAccountKeys",),
        "An Azure AI Services account has exactly two keys, key1 and key2 (the issuer's `key` refuses anything "
        "else before registration), and regenerating one invalidates it at once.",
        "400 BadRequest: The key name must be Key1 or Key2.",
        "https://learn.microsoft.com/rest/api/aiservices/accountmanagement/accounts/regenerate-key",
        enforced=False,
    ),
    "azure.secret.expiry": Constraint(
        "E",
        ("azure-native:keyvault:Secret",),
        "A secret's expiry (`exp`) is informational: a get still returns an expired secret; only a disabled secret "
        "(`enabled: false`) is refused, and the component never disables one.",
        "403 Forbidden: Operation get is not allowed on a disabled secret. (SecretDisabled)",
        "https://learn.microsoft.com/azure/key-vault/secrets/about-secrets#date-time-controlled-operations; "
        "Azure/AzureKeyVault#19",
        enforced=False,
    ),
    "azure.storage-account.name-unique": Constraint(
        "U",
        ("azure-native:storage:StorageAccount",),
        "A storage account name is globally unique (it is the account's DNS name).",
        "409 StorageAccountAlreadyTaken: The storage account named {name} is already taken.",
        f"{_RN}#microsoftstorage",
    ),
    "azure.storage-account.name-held-after-delete": Constraint(
        "N",
        ("azure-native:storage:StorageAccount",),
        "A deleted storage account can be recovered for 14 days as long as no new account takes its name, and the "
        "name may be taken by anyone meanwhile: the simulation holds it for the 14 days, the worst case for a "
        "destroy then up.",
        "409 StorageAccountAlreadyTaken: The storage account named {name} is already taken.",
        "https://learn.microsoft.com/azure/storage/common/storage-account-recover",
    ),
    "azure.storage-account.name-rule": Constraint(
        "Q",
        ("azure-native:storage:StorageAccount",),
        "A storage account name is 3-24 lower-case letters and digits.",
        "400 AccountNameInvalid: {name} is not a valid storage account name. Storage account name must be between 3 "
        "and 24 characters in length and use numbers and lower-case letters only.",
        f"{_RN}#microsoftstorage",
    ),
    "azure.function-app.name-unique": Constraint(
        "U",
        ("azure-native:web:WebApp",),
        "An App Service or Function App name is globally unique: it is the app's host name, NAME.azurewebsites.net.",
        "409 Conflict: Website with given name {name} already exists.",
        f"{_RN}#microsoftweb",
    ),
    "azure.function-app.name-rule": Constraint(
        "Q",
        ("azure-native:web:WebApp",),
        "An App Service or Function App name is 2-60 characters of letters, digits and hyphens, not starting or "
        "ending with a hyphen.",
        "400 BadRequest: The app name {name} is invalid. It can contain only letters, digits and hyphens, and must be "
        "2-60 characters long.",
        f"{_RN}#microsoftweb",
    ),
}
