"""The managed rotator on Azure: a Function App on the Flex Consumption plan, with a system-assigned identity, that
Event Grid calls for this secret's ``SecretNearExpiry`` (and, when the rotator makes the first key,
``SecretNewVersionCreated``) events.

:func:`deploy_rotator` makes what does not name the secret: a storage account of its own (no public access) whose
containers hold the code shipped in the wheel and the Functions host's state, the plan, the app, and the app's grants
on those containers and on the issuer's side. The store then makes the Event Grid subscription (its destination is
this app's function ``rotate``), the secret, and the app's grant on this secret only (Key Vault Secrets Officer).

Why the first run can come early: the secret's first version is written with the secret, and a role assignment on the
secret needs the secret, so the ``SecretNewVersionCreated`` of the placeholder may reach the function before its grant
has propagated. The rotator then fails, and Event Grid delivers the event again on its retry schedule (here up to 30
times over 24 hours) until the grant holds.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional, Protocol

import pulumi
import pulumi_azure_native as azure_native
import pulumiverse_time as time

from .. import RotatorNeeds
from ..package import archive_digest
from . import name_digest

__all__ = [
    "BLOB_DATA_OWNER",
    "FUNCTION_NAME",
    "HOST_CONTAINERS",
    "AzureRotator",
    "Grant",
    "app_name",
    "deploy_rotator",
    "storage_account_name",
]

FUNCTION_NAME = "rotate"
"""The Event Grid triggered function in the shipped ``function_app.py``."""
PACKAGE_CONTAINER = "app-package"
PACKAGE_BLOB = "released-package.zip"
"""The package name the Flex Consumption deployment reads from its container."""
HOST_CONTAINERS = ("azure-webjobs-hosts", "azure-webjobs-secrets")
"""Where the Functions host keeps its locks and its keys (the Event Grid extension's key among them)."""
BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
"""Built-in role "Storage Blob Data Owner" (Azure quickstart function-app-flex-managed-identities gives it to the
app's identity for the deployment container and host storage), granted here on each of the app's containers only."""
RUNTIME, RUNTIME_VERSION = "python", "3.12"
MAXIMUM_INSTANCE_COUNT = 1
"""The lowest maximum instance count Flex Consumption allows ("Currently the lowest maximum instance count value is
1", https://learn.microsoft.com/azure/azure-functions/event-driven-scaling#limit-scale-out; earlier revisions of that
page said 40): one run at a time (the engine's guard covers the rest)."""
INSTANCE_MEMORY_MB = 2048
"""Flex Consumption's default instance size; a rotation runs for seconds, billed per GB-second."""
STORAGE_ACCOUNT_NAME_MAX, APP_NAME_MAX = 24, 60


def storage_account_name(
    subscription: str, resource_group: str, project: str, stack: str, component: str, created_at: str
) -> str:
    """``aikeys<18 hex>``: storage account names are 3-24 lower-case letters and digits, global, and a deleted account's
    name may stay unavailable while it can be recovered (14 days), so the name also covers when it was made."""
    digest = name_digest("storage", subscription.lower(), resource_group.lower(), project, stack, component, created_at)
    return f"aikeys{digest[: STORAGE_ACCOUNT_NAME_MAX - 6]}"


def app_name(subscription: str, resource_group: str, project: str, stack: str, component: str) -> str:
    """``aikeys-rot-<component>-<12 hex>``: 2-60 letters, digits and hyphens, the app's global host name
    (NAME.azurewebsites.net); stable per subscription, group, project, stack and component, so the Event Grid
    destination never moves and two stacks never collide."""
    base = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]+", "-", component.lower())).strip("-")[:30].rstrip("-")
    suffix = name_digest("app", subscription.lower(), resource_group.lower(), project, stack, component)[:12]
    return f"aikeys-rot-{base}-{suffix}" if base else f"aikeys-rot-{suffix}"


class Grant(Protocol):
    """Makes one role assignment: ``role`` (a built-in role's GUID) for ``principal`` on ``scope`` only."""

    def __call__(
        self, resource_name: str, principal: "pulumi.Input[str]", role: str, scope: "pulumi.Input[str]"
    ) -> pulumi.Resource: ...


@dataclass(frozen=True)
class AzureRotator:
    """What :func:`deploy_rotator` made, for the store's Event Grid subscription and grant."""

    app: azure_native.web.WebApp
    principal_id: "pulumi.Output[str]"
    """The app's system-assigned identity."""
    function_id: "pulumi.Output[str]"
    """``<app id>/functions/rotate``: the Event Grid destination."""
    started: list[pulumi.Resource]
    """What the Event Grid subscription waits for (Event Grid checks its destination function exists)."""


def deploy_rotator(
    name: str,
    *,
    rotator: RotatorNeeds,
    every_days: int,
    resource_group_name: "pulumi.Input[str]",
    location: "Optional[pulumi.Input[str]]",
    secret_uri: "pulumi.Input[str]",
    admin_key_ref: "Optional[pulumi.Input[str]]",
    tags: Mapping[str, str],
    client: "pulumi.Output[azure_native.authorization.GetClientConfigResult]",
    grant: Grant,
    parent: pulumi.Resource,
) -> AzureRotator:
    """The rotator's storage, plan and app, and the app's grants that do not name the secret.

    ``secret_uri`` is ``https://VAULT.vault.azure.net/secrets/NAME``; ``admin_key_ref`` the admin key's secret, when
    the issuer has one. ``grant(resource_name, principal, role, scope)`` makes one role assignment.
    """
    stack, program = pulumi.get_stack(), pulumi.get_project()
    opts = pulumi.ResourceOptions(parent=parent)
    group = pulumi.Output.from_input(resource_group_name)
    created = time.Static(f"{name}-rotator-created", triggers={"resource_group": group}, opts=opts)
    account = azure_native.storage.StorageAccount(
        f"{name}-rotator-storage",
        account_name=pulumi.Output.all(client.subscription_id, group, created.rfc3339).apply(
            lambda a: storage_account_name(str(a[0]), str(a[1]), program, stack, name, str(a[2]))
        ),
        resource_group_name=group,
        location=location,
        kind="StorageV2",
        sku=azure_native.storage.SkuArgs(name="Standard_LRS"),
        # The app reaches its storage with its identity only. Account keys stay on because azure-native uploads a
        # Blob with them, whatever the deploying identity's roles (pulumi/pulumi-azure-native#2015, #3719): with
        # shared keys off the package upload fails with KeyBasedAuthenticationNotPermitted. No anonymous reads.
        allow_shared_key_access=True,
        allow_blob_public_access=False,
        default_to_o_auth_authentication=True,
        minimum_tls_version="TLS1_2",
        enable_https_traffic_only=True,
        tags=dict(tags) or None,
        opts=opts,
    )
    containers = {
        container: azure_native.storage.BlobContainer(
            f"{name}-rotator-{container}",
            account_name=account.name,
            resource_group_name=group,
            container_name=container,
            public_access=azure_native.storage.PublicAccess.NONE,
            opts=opts,
        )
        for container in (PACKAGE_CONTAINER, *HOST_CONTAINERS)
    }
    from .. import package

    archive = package.archive("azure")
    digest = archive_digest(archive)
    code = azure_native.storage.Blob(
        f"{name}-rotator-package",
        account_name=account.name,
        resource_group_name=group,
        container_name=containers[PACKAGE_CONTAINER].name,
        blob_name=PACKAGE_BLOB,
        type=azure_native.storage.BlobType.BLOCK,
        source=archive,
        content_type="application/zip",
        opts=opts,
    )
    plan = azure_native.web.AppServicePlan(
        f"{name}-rotator-plan",
        resource_group_name=group,
        location=location,
        kind="functionapp",
        reserved=True,  # Linux: Flex Consumption runs on Linux only
        sku=azure_native.web.SkuDescriptionArgs(name="FC1", tier="FlexConsumption"),
        tags=dict(tags) or None,
        opts=opts,
    )
    settings: dict[str, pulumi.Input[str]] = {
        # The Functions host's own storage, reached with the app's identity (no connection string, no key).
        "AzureWebJobsStorage__accountName": account.name,
        "AIKEYS_KEY_PREFIX": f"aikeys-{name_digest('prefix', program, stack, name)[:8]}-",
        **dict(rotator.env),
        "AIKEYS_ISSUER": rotator.issuer,
        "AIKEYS_STORE": "azure",
        "AIKEYS_SECRET": secret_uri,
        "AIKEYS_EVERY_DAYS": str(every_days),
        # A new package is read when the app restarts: a changed setting restarts it, exactly when the code changed.
        "AIKEYS_PACKAGE_SHA256": digest,
    }
    if admin_key_ref is not None:
        settings["AIKEYS_ADMIN_KEY_REF"] = admin_key_ref
    app = azure_native.web.WebApp(
        f"{name}-rotator-app",
        name=pulumi.Output.all(client.subscription_id, group).apply(
            lambda a: app_name(str(a[0]), str(a[1]), program, stack, name)
        ),
        resource_group_name=group,
        location=location,
        kind="functionapp,linux",
        server_farm_id=plan.id,
        https_only=True,
        identity=azure_native.web.ManagedServiceIdentityArgs(type=azure_native.web.ManagedServiceIdentityType.SYSTEM_ASSIGNED),
        function_app_config=azure_native.web.FunctionAppConfigArgs(
            # The shape of pulumi_azure_native.web.FunctionsDeploymentStorageArgs: "For blobContainer, the value could
            # be https://<storageAccountName>.blob.core.windows.net/<containerName>", read with the app's own identity.
            deployment=azure_native.web.FunctionsDeploymentArgs(
                storage=azure_native.web.FunctionsDeploymentStorageArgs(
                    type="blobContainer",
                    value=pulumi.Output.concat(account.primary_endpoints.blob, PACKAGE_CONTAINER),
                    authentication=azure_native.web.FunctionsDeploymentStorageAuthenticationArgs(type="SystemAssignedIdentity"),
                )
            ),
            runtime=azure_native.web.FunctionsRuntimeArgs(name=RUNTIME, version=RUNTIME_VERSION),
            scale_and_concurrency=azure_native.web.FunctionsScaleAndConcurrencyArgs(
                maximum_instance_count=MAXIMUM_INSTANCE_COUNT, instance_memory_mb=INSTANCE_MEMORY_MB
            ),
        ),
        site_config=azure_native.web.SiteConfigArgs(
            app_settings=[azure_native.web.NameValuePairArgs(name=k, value=v) for k, v in settings.items()],
            min_tls_version="1.2",
            ftps_state="Disabled",
        ),
        tags=dict(tags) or None,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[code]),
    )
    principal: pulumi.Output[str] = app.identity.apply(lambda identity: identity.principal_id if identity else "")
    grants: list[pulumi.Resource] = [
        grant(f"{name}-rotator-{container}-owner", principal, BLOB_DATA_OWNER, resource.id)
        for container, resource in containers.items()
    ]
    for index, (scope, role) in enumerate(rotator.azure_role_assignments):
        key = name_digest(scope if isinstance(scope, str) else f"#{index}", role)[:8]
        grants.append(grant(f"{name}-rotator-role-{key}", principal, role, scope))
    # Event Grid checks that its destination function exists when the subscription is made: the app must have read
    # its package (and its host state, through the grants above) by then.
    started = time.Sleep(
        f"{name}-rotator-started",
        create_duration="60s",
        triggers={"app": app.id, "package": digest},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[app, *grants]),
    )
    return AzureRotator(app, principal, pulumi.Output.concat(app.id, "/functions/", FUNCTION_NAME), [started])
