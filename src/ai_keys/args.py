"""The arguments of :class:`ai_keys.SecureApiKey`.

These TypedDicts are the public contract in every Pulumi language: the multi-language schema is
inferred from them, so every field carries a docstring and no field uses a Union type.
Numbers and names that decide which resources exist are plain values (not `Input`) because they are
validated before any resource is registered.
"""

import sys
from enum import Enum
from typing import Mapping, Sequence

import pulumi

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - exercised on Python 3.10 only
    from typing_extensions import NotRequired, TypedDict

__all__ = [
    "ApiStageArgs",
    "AwsArgs",
    "AzureArgs",
    "AzureNetworkArgs",
    "AzureVaultArgs",
    "Backend",
    "EncryptionArgs",
    "EscArgs",
    "EscLoginArgs",
    "GcpArgs",
    "KubernetesArgs",
    "KubernetesIdentityArgs",
    "MethodThrottleArgs",
    "QuotaArgs",
    "RotationArgs",
    "SecureApiKeyArgs",
    "ThrottleArgs",
    "UsagePlanArgs",
]


class Backend(str, Enum):
    """Where the key is stored. An AWS API Gateway key (for a client of your own AI service) is written
    `issuer.aws_api_gateway`, with no `backend` or with `aws-secrets-manager` for a stored copy."""

    AWS_SECRETS_MANAGER = "aws-secrets-manager"
    """An AWS Secrets Manager secret (third-party AI keys your app calls with)."""
    AZURE_KEY_VAULT = "azure-key-vault"
    """An Azure Key Vault secret."""
    GCP_SECRET_MANAGER = "gcp-secret-manager"
    """A Google Cloud Secret Manager secret."""


class RotationArgs(TypedDict):
    """How and when the key is rotated. With rotation on, the component owns the initial value only:
    later changes to `value` are ignored so the next deploy never writes back an old key. With an `issuer`
    (managed rotation) the component deploys a rotator beside the store, in the store's cloud, that makes each new
    key and keeps the previous one valid for one more period; it takes `every_days` alone. A `value` you give is
    rotated by your own handler (`aws_lambda_arn`, `azure_function_id` or `azure_webhook_url`, `gcp_topic_id`)."""

    every_days: NotRequired[int]
    """Rotate every N days (AWS 1-1000; Azure sets the expiry N days ahead; GCP rotation period; 1-365 with an
    `issuer`)."""
    schedule_expression: NotRequired[str]
    """AWS only: a `rate()` or `cron()` expression instead of `every_days` (at most every 4 hours)."""
    duration: NotRequired[str]
    """AWS only: the rotation window, e.g. `"3h"`."""
    rotate_immediately: NotRequired[bool]
    """AWS only: rotate as soon as rotation is configured (default false: the stored value stays until
    the first scheduled rotation)."""
    aws_lambda_arn: NotRequired[pulumi.Input[str]]
    """AWS: ARN of the rotation Lambda (required for rotation on AWS). The component allows Secrets
    Manager to invoke it for this secret only."""
    azure_webhook_url: NotRequired[pulumi.Input[str]]
    """Azure: a webhook that receives `Microsoft.KeyVault.SecretNearExpiry` events (secret)."""
    azure_function_id: NotRequired[pulumi.Input[str]]
    """Azure: resource id of an Azure Function that receives `SecretNearExpiry` events."""
    gcp_topic_id: NotRequired[pulumi.Input[str]]
    """GCP: an existing Pub/Sub topic (`projects/P/topics/T`) for rotation notices; default: one is created."""
    azure_rotator_principal_id: NotRequired[pulumi.Input[str]]
    """Azure: object id of the identity your rotation handler runs as. It gets "Key Vault Secrets Officer" on
    this secret only, so it can write the new version (and nothing else in the vault)."""


class EncryptionArgs(TypedDict):
    """Customer-managed encryption key. Leave out to use the cloud's own managed key."""

    create_key: NotRequired[bool]
    """Create a dedicated key (with automatic key rotation) for this secret and each replica."""
    key_id: NotRequired[pulumi.Input[str]]
    """Bring your own key: AWS KMS key id, ARN or alias; GCP CryptoKey id in `global` (automatic
    replication) or in the primary location."""
    replica_key_ids: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Bring your own key per replica region (AWS) or location (GCP), keyed by region/location."""
    key_rotation_days: NotRequired[int]
    """Rotation period of a created key in days (AWS 90-2560, GCP >= 2; default 365 on AWS, 90 on GCP)."""


class AwsArgs(TypedDict):
    """Options only AWS Secrets Manager has."""

    force_overwrite_replica_secret: NotRequired[bool]
    """Overwrite a secret of the same name in a replica region (default false)."""


class ThrottleArgs(TypedDict):
    """Steady-state request rate and burst for a usage plan or a method."""

    rate_limit: float
    """Requests per second (0-10000)."""
    burst_limit: int
    """Maximum concurrent burst of requests (0-5000)."""


class QuotaArgs(TypedDict):
    """How many requests a client may make in a period."""

    limit: int
    """Maximum number of requests in the period (>= 1)."""
    period: str
    """`DAY`, `WEEK` or `MONTH`."""
    offset: NotRequired[int]
    """Requests subtracted from the first period (0 <= offset < limit; not allowed for `DAY`)."""


class MethodThrottleArgs(TypedDict):
    """Throttling for one method of a stage."""

    path: str
    """Resource path and method, e.g. `/completions/POST` (`/*/*` for all)."""
    rate_limit: float
    """Requests per second (0-10000)."""
    burst_limit: int
    """Maximum burst (0-5000)."""


class ApiStageArgs(TypedDict):
    """An API stage the usage plan applies to."""

    api_id: pulumi.Input[str]
    """Id of the REST API."""
    stage: pulumi.Input[str]
    """Name of the stage, e.g. `prod`."""
    throttles: NotRequired[Sequence[MethodThrottleArgs]]
    """Per-method throttling inside this stage."""


class UsagePlanArgs(TypedDict):
    """A usage plan the component creates for this key."""

    name: NotRequired[str]
    """Name of the plan (default: auto-named)."""
    description: NotRequired[str]
    """Description of the plan."""
    throttle: NotRequired[ThrottleArgs]
    """Plan-wide throttling."""
    quota: NotRequired[QuotaArgs]
    """Plan-wide quota."""
    api_stages: NotRequired[Sequence[ApiStageArgs]]
    """API stages the plan (and so the key) gives access to."""


class ApiGatewayIssuerArgs(TypedDict):
    """An API Gateway key for one client of your AI service, in a usage plan; kept in API Gateway alone, or also in
    `aws-secrets-manager` when that is the `backend`."""

    enabled: NotRequired[bool]
    """Whether the key may be used (default true)."""
    customer_id: NotRequired[pulumi.Input[str]]
    """AWS Marketplace customer identifier for SaaS integrations."""
    usage_plan_id: NotRequired[pulumi.Input[str]]
    """Attach the key to this existing usage plan instead of creating one."""
    usage_plan: NotRequired[UsagePlanArgs]
    """Create a usage plan for this key (throttle, quota, API stages)."""
    value: NotRequired[pulumi.Input[str]]
    """A key value you bring (20-128 letters and digits) instead of one AWS generates, e.g. to move an existing
    client's key. Always handled as a Pulumi secret: use `config.require_secret(...)`."""
    probe_path: NotRequired[str]
    """With `rotation` (and `backend: aws-secrets-manager`): the path on the plan's first stage the rotator calls
    with each new key until the gateway accepts it, before storing it (default `/`)."""


class AzureNetworkArgs(TypedDict):
    """Firewall of a vault the component creates."""

    default_action: NotRequired[str]
    """`Deny` (default) or `Allow` for traffic no rule matches."""
    ip_rules: NotRequired[Sequence[str]]
    """IPv4 addresses or CIDR ranges allowed through."""
    subnet_ids: NotRequired[Sequence[pulumi.Input[str]]]
    """Resource ids of subnets allowed through."""
    bypass: NotRequired[str]
    """`AzureServices` (default) or `None`: whether trusted Azure services bypass the firewall."""


class AzureAuditArgs(TypedDict):
    """Where the created vault sends its audit log (Key Vault's `audit` log category group: every read, write
    and failed attempt); give at least one destination."""

    workspace_id: NotRequired[pulumi.Input[str]]
    """ARM id of a Log Analytics workspace."""
    storage_account_id: NotRequired[pulumi.Input[str]]
    """ARM id of a storage account (long-term, low-cost retention)."""


class AzureVaultArgs(TypedDict):
    """A Key Vault the component creates, secure by default."""

    name: NotRequired[str]
    """Vault name (3-24, letter first, `[a-zA-Z0-9-]`, no `--`); default: auto-named. Globally unique
    and reserved for the soft-delete retention after deletion."""
    location: NotRequired[pulumi.Input[str]]
    """Azure region; default: the resource group's."""
    sku: NotRequired[str]
    """`standard` (default) or `premium` (HSM-backed keys)."""
    soft_delete_retention_days: NotRequired[int]
    """Days a deleted vault or secret can be recovered (7-90, default 90). Set at creation only."""
    tenant_id: NotRequired[pulumi.Input[str]]
    """Entra tenant id; default: the deploying identity's tenant."""
    network: NotRequired[AzureNetworkArgs]
    """Firewall rules. Default: deny all but trusted Azure services."""
    audit: NotRequired[AzureAuditArgs]
    """Send the vault's audit log to a Log Analytics workspace and/or a storage account (a diagnostic setting)."""


class AzureArgs(TypedDict):
    """Options only Azure Key Vault has."""

    resource_group_name: NotRequired[pulumi.Input[str]]
    """Resource group of the vault (required unless `vault_id` is given)."""
    vault_id: NotRequired[pulumi.Input[str]]
    """ARM id of an existing vault to store the secret in."""
    vault_name: NotRequired[pulumi.Input[str]]
    """Name of an existing vault (with `resource_group_name`)."""
    create_vault: NotRequired[AzureVaultArgs]
    """Create a dedicated vault for this key instead of using an existing one."""
    content_type: NotRequired[str]
    """Content type hint of the secret (<= 255 characters), e.g. `text/plain`."""
    expires: NotRequired[str]
    """Expiry as an RFC 3339 time, e.g. `2027-01-01T00:00:00Z` (informational in Key Vault)."""
    not_before: NotRequired[str]
    """Not-before time as an RFC 3339 time."""
    principal_type: NotRequired[str]
    """Type of the reader principals: `ServicePrincipal` (default), `User`, `Group`."""
    reader_principal_types: NotRequired[Mapping[str, str]]
    """Per-reader type where readers mix kinds, keyed by principal id (e.g. `{"<group object id>": "Group"}`);
    readers not listed get `principal_type`."""


class GcpArgs(TypedDict):
    """Options only Google Cloud Secret Manager has."""

    project: NotRequired[pulumi.Input[str]]
    """Project id; default: the provider's project."""
    annotations: NotRequired[Mapping[str, str]]
    """Secret annotations (unlike labels, any text up to 16 KiB in total)."""
    version_destroy_ttl: NotRequired[str]
    """Delay before a destroyed version is really destroyed, e.g. `"86400s"`."""
    iam_propagation_seconds: NotRequired[int]
    """Seconds of each IAM wait (0-600, default 120; 0 turns both off), with `encryption` or `rotation` (Google:
    access changes typically take 2 minutes, sometimes 7 or more). One wait runs after the Secret Manager service
    agent is first created, before it is granted anything (IAM may not know the new account yet); the other after
    the agent's grants on the keys and topic are created, replaced or removed, before the secret uses them. Both
    run again when this value changes; other deploys do not wait."""
    readers_authoritative: NotRequired[bool]
    """Grant `readers` through one authoritative `SecretIamBinding` instead of one additive `SecretIamMember` per
    reader (default false). The binding sets the members of `roles/secretmanager.secretAccessor` on this secret to
    exactly `readers`: every other principal granted that role on this secret (by the console, another stack, a
    rotator's service account) is removed on each update, and deleting the binding removes the role from the
    secret for every member. Switching either way in one deploy revokes the readers: see "Readers: additive
    grants, or one authoritative binding" on the Google Secret Manager docs page first."""
    audit_data_access: NotRequired[bool]
    """Turn on Data Access audit logs (`DATA_READ`, `ADMIN_READ`) for Secret Manager in the project, so every
    read of a key is logged (default false). Project-wide and authoritative for the service: set it on one key
    per project."""


class GeminiAndroidAppArgs(TypedDict):
    """An Android app allowed to use a Gemini key."""

    package_name: str
    """The app's package name, e.g. `com.example.assistant`."""
    sha1_fingerprint: str
    """The SHA-1 fingerprint of the app's signing certificate (`AA:BB:...`)."""


class GeminiIssuerArgs(TypedDict):
    """A Google API key for the Gemini API, restricted to it and bound to a service account."""

    project: pulumi.Input[str]
    """The project the key is made in (its Generative Language API must be enabled)."""
    service_account_email: NotRequired[pulumi.Input[str]]
    """The service account the key is bound to (of the same project). Default: one is created, with no roles."""
    display_name: NotRequired[str]
    """The key's display name (at most 63 characters)."""
    allowed_ips: NotRequired[Sequence[str]]
    """Server apps: the IP addresses or CIDR ranges allowed to use the key."""
    allowed_referrers: NotRequired[Sequence[str]]
    """Websites: the HTTP referrers allowed to use the key, e.g. `https://app.example.com/*`."""
    android_apps: NotRequired[Sequence[GeminiAndroidAppArgs]]
    """Android apps allowed to use the key."""
    ios_bundle_ids: NotRequired[Sequence[str]]
    """iOS apps allowed to use the key, by bundle id."""


class BedrockIssuerArgs(TypedDict):
    """An Amazon Bedrock long-term API key for an IAM user that may only invoke the models named."""

    models: NotRequired[Sequence[pulumi.Input[str]]]
    """ARNs of the models (or inference profiles) the key may invoke, e.g.
    `arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4`."""
    allow_all_models: NotRequired[bool]
    """Let the key invoke any model instead of `models` (default false)."""
    expires_in_days: NotRequired[int]
    """Days until the key expires (1-36600, default 90)."""


class AzureAiServicesIssuerArgs(TypedDict):
    """A key of an existing Azure OpenAI / Azure AI Services account."""

    account_name: pulumi.Input[str]
    """The Cognitive Services account's name."""
    resource_group_name: pulumi.Input[str]
    """The account's resource group."""
    key: NotRequired[str]
    """Which of the account's two keys to store: `key1` (default) or `key2`."""


class OpenAiIssuerArgs(TypedDict):
    """An OpenAI API key of a project's service account, made by the rotator the component deploys (with
    `rotation`, required; in `aws-secrets-manager` or `azure-key-vault`)."""

    project_id: pulumi.Input[str]
    """The OpenAI project the keys belong to, `proj_...`."""
    admin_key: pulumi.Input[str]
    """An OpenAI admin key the rotator makes keys with (`config.require_secret(...)`): kept in its own secret in the
    same store, readable by the rotator only."""
    service_account_name: NotRequired[str]
    """The name prefix of the service accounts the rotator makes (1-40 characters; default: derived from the
    component and the stack)."""


class GcpApiKeyIssuerArgs(TypedDict):
    """A Google API key for a client of your own API on API Gateway or Cloud Endpoints, restricted to that API."""

    project: pulumi.Input[str]
    """The project the key is made in (your API's service must be enabled there)."""
    service: pulumi.Input[str]
    """Your API's managed service name: `NAME-HASH.apigateway.PROJECT.cloud.goog` (API Gateway) or
    `NAME.endpoints.PROJECT.cloud.goog` (Cloud Endpoints). A Google API is refused (for Gemini: `issuer.gemini`)."""
    methods: NotRequired[Sequence[str]]
    """Only these methods of the service (a name, or a prefix ending in `*`). Default: every method."""
    display_name: NotRequired[str]
    """The key's display name (at most 63 characters)."""


class ApigeeDeveloperArgs(TypedDict):
    """An Apigee developer the component registers."""

    email: str
    """The developer's email, in lowercase (one developer per organization and email)."""
    first_name: str
    """First name (at most 64 characters)."""
    last_name: str
    """Last name (at most 64 characters)."""
    user_name: str
    """User name (at most 64 characters)."""


class ApigeeOperationArgs(TypedDict):
    """One resource of an API proxy the product admits."""

    proxy: str
    """The API proxy's name."""
    resource: str
    """The REST resource path under the proxy's base path, e.g. `/v1/chat/completions`."""
    methods: NotRequired[Sequence[str]]
    """HTTP methods (`GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD`, `OPTIONS`). Default: every method."""


class ApigeeProductArgs(TypedDict):
    """An Apigee API product the component creates, with the quota each app on it gets."""

    name: str
    """The product's name: letters, digits, space and `. _ - $ %`, starting with a letter."""
    display_name: NotRequired[str]
    """The name shown to developers (default: `name`)."""
    environments: Sequence[str]
    """The environments the product is bound to (required: with none it admits every environment)."""
    proxies: NotRequired[Sequence[str]]
    """The API proxies the product admits, whole (this or `operations`: with neither it admits every API)."""
    operations: NotRequired[Sequence[ApigeeOperationArgs]]
    """Resources of proxies the product admits, instead of `proxies`."""
    quota: NotRequired[int]
    """Requests per app per `quota_interval` `quota_time_unit` (from 1), counted by the Quota policy of your proxy."""
    quota_interval: NotRequired[int]
    """The quota's window, in `quota_time_unit`s (from 1)."""
    quota_time_unit: NotRequired[str]
    """`minute`, `hour`, `day` or `month`."""


class ApigeeIssuerArgs(TypedDict):
    """An Apigee consumer key of a developer app on an API product, for a client of your own AI service."""

    org_id: pulumi.Input[str]
    """The Apigee organization, `organizations/NAME`."""
    developer: NotRequired[ApigeeDeveloperArgs]
    """The developer the app belongs to, registered here (or `developer_email`)."""
    developer_email: NotRequired[pulumi.Input[str]]
    """The email of a developer that exists (or `developer`)."""
    app_name: str
    """The developer app's name; the app is `<app_name>-<8 hex>`, new for each product, developer or organization."""
    callback_url: NotRequired[str]
    """An OAuth 2.0 redirect URL (default: none; a key-only app needs none)."""
    product: NotRequired[ApigeeProductArgs]
    """The API product, created here with its quota (or `product_name`)."""
    product_name: NotRequired[pulumi.Input[str]]
    """The name of an API product that exists (or `product`)."""


class ApimTokenLimitArgs(TypedDict):
    """The token budget of each subscription (`llm-token-limit`, counted per subscription id): a rate, a quota,
    or both."""

    tokens_per_minute: NotRequired[int]
    """Prompt and completion tokens per minute (from 1); over it, calls get 429 Too Many Requests."""
    token_quota: NotRequired[int]
    """Tokens per `token_quota_period` (from 1); over it, calls get 403 Forbidden until the period resets."""
    token_quota_period: NotRequired[str]
    """`Hourly`, `Daily`, `Weekly`, `Monthly` or `Yearly` (with `token_quota`): fixed windows in UTC."""
    estimate_prompt_tokens: NotRequired[bool]
    """Estimate a prompt's tokens before it reaches the model, so a call over the limit is refused before it costs
    anything (default true; false counts from the model's reported usage only)."""


class ApimCallLimitArgs(TypedDict):
    """A number of calls per window, per subscription (`rate-limit-by-key` or `quota-by-key`)."""

    calls: int
    """Calls allowed per window (from 1)."""
    renewal_period_seconds: int
    """The window in seconds: 1-300 for `rate_limit` (a sliding window); 0 (never renews) or at least 300 for
    `quota`."""


class ApimProductArgs(TypedDict):
    """An API Management product the component creates, with a policy generated from these limits."""

    name: str
    """The product id (1-256 of letters, digits, `-`, `_` and `.`, starting with a letter or digit)."""
    display_name: NotRequired[str]
    """The name shown in the portal (1-300 characters; default: `name`)."""
    api_ids: NotRequired[Sequence[str]]
    """Ids of APIs of the service the product admits, e.g. your LLM API (default: none; add them yourself)."""
    token_limit: ApimTokenLimitArgs
    """The token budget per subscription."""
    rate_limit: NotRequired[ApimCallLimitArgs]
    """Calls per subscription per sliding window of up to 300 seconds; over it, 429."""
    quota: NotRequired[ApimCallLimitArgs]
    """Calls per subscription per renewal period; over it, 403. Not available on the v2 tiers."""


class ApimIssuerArgs(TypedDict):
    """An Azure API Management subscription key for a client of your own AI service, on a product whose policy
    holds the token budget."""

    service_name: pulumi.Input[str]
    """The API Management service's name."""
    resource_group_name: pulumi.Input[str]
    """The service's resource group."""
    product: NotRequired[ApimProductArgs]
    """The product, created here with its generated policy (or `product_id`)."""
    product_id: NotRequired[pulumi.Input[str]]
    """The id of a product that exists, whose own policy sets the limits (or `product`)."""
    emit_token_metric: NotRequired[bool]
    """Send each subscription's token counts to Application Insights (`llm-emit-token-metric`, one `Subscription
    ID` dimension; default false). With `product` only."""
    metric_namespace: NotRequired[str]
    """The custom metric namespace (1-256 characters; default `API Management`)."""
    subscription_display_name: NotRequired[str]
    """The subscription's display name (1-100 characters; default: the component's name)."""


class IssuerArgs(TypedDict):
    """Where the key comes from, when a service mints it: exactly one of these."""

    aws_api_gateway: NotRequired[ApiGatewayIssuerArgs]
    """An API Gateway key for a client of your own AI service (with no `backend`, or `aws-secrets-manager`)."""
    gemini: NotRequired[GeminiIssuerArgs]
    """A Gemini API key made by Google Cloud."""
    bedrock: NotRequired[BedrockIssuerArgs]
    """An Amazon Bedrock API key."""
    azure_ai_services: NotRequired[AzureAiServicesIssuerArgs]
    """A key of an Azure OpenAI / AI Services account."""
    openai: NotRequired[OpenAiIssuerArgs]
    """An OpenAI API key, made by the rotator (with `rotation`)."""
    gcp_api_key: NotRequired[GcpApiKeyIssuerArgs]
    """A Google API key restricted to your API on API Gateway or Cloud Endpoints, for a client of it."""
    apigee: NotRequired[ApigeeIssuerArgs]
    """An Apigee consumer key on an API product with a quota, for a client of your AI service."""
    azure_api_management: NotRequired[ApimIssuerArgs]
    """An Azure API Management subscription key on a product with a token budget, for a client of your AI service."""


class KubernetesIdentityArgs(TypedDict):
    """The workload's cloud identity: the fields of the `backend`'s cloud only. It gets read access to this key alone,
    as `readers` do."""

    role_arn: NotRequired[pulumi.Input[str]]
    """`aws-secrets-manager`: the IAM role the Kubernetes service account assumes through IRSA (the annotation
    `eks.amazonaws.com/role-arn`). ESO reads as that service account (`auth.jwt.serviceAccountRef`), which EKS Pod
    Identity cannot serve: a role bound with Pod Identity is used by the ESO controller only, never per workload."""
    member: NotRequired[pulumi.Input[str]]
    """`gcp-secret-manager`: the service account's Workload Identity Federation principal,
    `principal://iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/PROJECT.svc.id.goog/subject/ns/NAMESPACE/sa/NAME`
    (for this block's namespace and service account), or `serviceAccount:EMAIL` of a Google service account the
    Kubernetes one impersonates (the annotation `iam.gke.io/gcp-service-account`)."""
    client_id: NotRequired[pulumi.Input[str]]
    """`azure-key-vault`: the client id of the managed identity (or app) with a federated credential for the service
    account (Azure Workload Identity), a GUID."""
    principal_id: NotRequired[pulumi.Input[str]]
    """`azure-key-vault`: the object (principal) id of that identity, a GUID: it gets "Key Vault Secrets User" on this
    secret only."""
    tenant_id: NotRequired[pulumi.Input[str]]
    """`azure-key-vault`: the Entra tenant id of that identity, a GUID."""


class KubernetesArgs(TypedDict):
    """Deliver the key to pods in one namespace of a Kubernetes cluster, through the External Secrets Operator (a
    Kubernetes Secret kept in sync) or the Secrets Store CSI driver (a file mounted into the pod). The cluster is the
    one of the Kubernetes provider in the component's `providers` option. The key stays in `backend`; the cluster
    reads it there with the workload's own cloud identity."""

    namespace: str
    """The namespace the pods run in (an RFC 1123 label: 1-63 of `a-z`, `0-9`, `-`)."""
    secret_name: str
    """ESO: the Kubernetes Secret (and the ExternalSecret) pods read, its SecretStore named `<secret_name>-store`; CSI:
    the SecretProviderClass a pod's volume names. An RFC 1123 subdomain. Changing it replaces them: the new ones are
    created before the old ones are deleted."""
    service_account: str
    """The Kubernetes service account with the workload identity (an RFC 1123 subdomain): the one ESO reads as, or
    the one the pods mounting the CSI volume run as."""
    identity: KubernetesIdentityArgs
    """The workload's cloud identity (the fields of `backend`'s cloud)."""
    delivery: NotRequired[str]
    """`eso` (default): an ESO SecretStore and ExternalSecret (`external-secrets.io/v1`) keep a Kubernetes Secret in
    sync; `csi`: a SecretProviderClass (`secrets-store.csi.x-k8s.io/v1`) for the Secrets Store CSI driver."""
    refresh_interval: NotRequired[str]
    """ESO only: how often the Kubernetes Secret is read again from the store, a Go duration such as `1h` or `15m`
    (default `1h`). With rotation, it must be shorter than the rotation period: see "How refresh and rotation meet"
    in the fleet guide. The CSI driver's rotation is a flag of the driver (`--enable-secret-rotation`,
    `--rotation-poll-interval`), not of this key."""
    secret_key: NotRequired[str]
    """The key inside the Kubernetes Secret (ESO) or the file name in the mounted volume (CSI), default `api-key`
    (1-253 of `a-z`, `A-Z`, `0-9`, `-`, `.`, `_`)."""
    create_service_account: NotRequired[bool]
    """Create the Kubernetes service account with the cloud's annotation (default false: it exists already):
    `eks.amazonaws.com/role-arn`, `iam.gke.io/gcp-service-account` for a Google service account, or
    `azure.workload.identity/client-id` and `tenant-id` (the pods' label `azure.workload.identity/use` stays yours)."""


class EscLoginArgs(TypedDict):
    """How the Pulumi ESC environment logs in to the `backend`'s cloud with OIDC: the fields of that cloud only. The
    identity gets read access to this key alone, as `readers` do."""

    role_arn: NotRequired[pulumi.Input[str]]
    """`aws-secrets-manager`: the IAM role ESC assumes (`fn::open::aws-login` with `oidc.roleArn`)."""
    session_name: NotRequired[str]
    """`aws-secrets-manager`: the role session's name (default `ai-keys-esc`)."""
    project_number: NotRequired[pulumi.Input[str]]
    """`gcp-secret-manager`: the number of the project that holds the secret (`fn::open::gcp-login` `project`)."""
    workload_pool_id: NotRequired[pulumi.Input[str]]
    """`gcp-secret-manager`: the workload identity pool that trusts Pulumi Cloud."""
    provider_id: NotRequired[pulumi.Input[str]]
    """`gcp-secret-manager`: the pool's OIDC provider for Pulumi Cloud."""
    service_account: NotRequired[pulumi.Input[str]]
    """`gcp-secret-manager`: the email of the Google service account ESC impersonates; it becomes a reader
    (`serviceAccount:EMAIL`)."""
    client_id: NotRequired[pulumi.Input[str]]
    """`azure-key-vault`: the client id of the app with a federated credential for Pulumi Cloud, a GUID."""
    tenant_id: NotRequired[pulumi.Input[str]]
    """`azure-key-vault`: its Entra tenant id, a GUID."""
    subscription_id: NotRequired[pulumi.Input[str]]
    """`azure-key-vault`: the subscription id `fn::open::azure-login` takes, a GUID."""
    principal_id: NotRequired[pulumi.Input[str]]
    """`azure-key-vault`: the object (principal) id of that app's service principal, a GUID: it gets "Key Vault
    Secrets User" on this secret only."""


class EscArgs(TypedDict):
    """A Pulumi ESC environment that opens this key by reference (`fn::open::aws-secrets`, `gcp-secrets` or
    `azure-secrets`, logged in with OIDC), so `esc run` and ESO's Pulumi provider can hand it out. The value is never
    copied into ESC. Registered with the Pulumi Service provider (the `esc` extra)."""

    environment: str
    """`org/project/env`, or `org/env` (project `default`); each part of `A-Z`, `a-z`, `0-9`, `-`, `_`, `.`.
    Changing it replaces the environment."""
    login: EscLoginArgs
    """The OIDC login to the `backend`'s cloud."""
    variable: NotRequired[str]
    """The environment variable the key is exported as (`[A-Z_][A-Z0-9_]*`); default from the issuer
    (`OPENAI_API_KEY`, `GEMINI_API_KEY`, `AWS_BEARER_TOKEN_BEDROCK`, `AZURE_OPENAI_API_KEY`), else `AI_KEY`."""


class SecureApiKeyArgs(TypedDict):
    """Arguments of a SecureApiKey: one set for every backend."""

    backend: NotRequired[Backend]
    """Where to store the key: `aws-secrets-manager`, `azure-key-vault` or `gcp-secret-manager`. Required unless
    `issuer.aws_api_gateway` keeps the key in API Gateway alone (`aws-api-gateway` is refused: write
    `issuer.aws_api_gateway` instead)."""
    value: NotRequired[pulumi.Input[str]]
    """The key. Always handled as a Pulumi secret. Required unless `issuer` makes it (an API Gateway key you
    bring goes in `issuer.aws_api_gateway.value`). Use `config.require_secret(...)`."""
    issuer: NotRequired[IssuerArgs]
    """A service that makes the key (Gemini, Bedrock, Azure AI Services, API Gateway, OpenAI), instead of a `value`
    you give. The key is then kept in `backend`, whichever cloud that is (`issuer.aws_api_gateway` may also stand alone,
    the key then kept in API Gateway only)."""
    description: NotRequired[pulumi.Input[str]]
    """What the key is for."""
    name: NotRequired[str]
    """Name of the secret or API key in the cloud. Default: auto-named with a random suffix, so a
    replacement never waits for a deleted name's recovery window."""
    readers: NotRequired[Sequence[pulumi.Input[str]]]
    """Identities allowed to read this key and nothing else: AWS principal ARNs, Azure principal object
    ids, GCP IAM members (`serviceAccount:...`). Where a store makes a grant per reader (Azure; AWS with a key
    you bring; GCP unless `gcp.readers_authoritative`), a reader known only at deploy time goes in
    `readers_by_name` instead."""
    readers_by_name: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Readers keyed by a name you choose (1-40 of `a-z`, `0-9`, `-`), e.g. `{"summarizer": role.arn}`. The
    name, not the list position, keys the reader's grant across deploys, so readers known only at deploy time
    can be added, removed and reordered without touching the others."""
    rotation: NotRequired[RotationArgs]
    """Rotation schedule."""
    encryption: NotRequired[EncryptionArgs]
    """Customer-managed encryption key."""
    replica_regions: NotRequired[Sequence[str]]
    """AWS: replica regions; GCP: user-managed replication locations (default automatic replication)."""
    tags: NotRequired[Mapping[str, str]]
    """Tags (AWS, Azure) or labels (GCP, lower-cased and checked against GCP label rules)."""
    deletion_protection: NotRequired[bool]
    """Guard against deletion (default true): AWS recovery window, Azure purge protection on a vault the
    component creates, GCP `deletion_protection`."""
    recovery_window_days: NotRequired[int]
    """AWS: days a deleted secret can be restored (0 or 7-30; default 30, or 0 without deletion protection)."""
    aws: NotRequired[AwsArgs]
    """Options only AWS Secrets Manager has."""
    azure: NotRequired[AzureArgs]
    """Options of the `azure-key-vault` backend."""
    gcp: NotRequired[GcpArgs]
    """Options of the `gcp-secret-manager` backend."""
    kubernetes: NotRequired[KubernetesArgs]
    """Deliver the key to pods of a Kubernetes cluster (ESO or the Secrets Store CSI driver), read with the workload's
    own identity; needs the `k8s` extra and a Kubernetes provider in `providers`."""
    esc: NotRequired[EscArgs]
    """A Pulumi ESC environment that opens the key by reference; needs the `esc` extra."""
