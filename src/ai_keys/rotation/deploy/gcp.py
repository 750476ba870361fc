"""The managed rotator on Google Cloud: a Cloud Run function (2nd gen) subscribed to the secret's rotation topic.

:func:`deploy_rotator` runs once the secret exists (with no version yet): the rotator's service account, a private
bucket holding the code shipped in the wheel, the function with its Eventarc trigger on the topic, and its grants:
versions add/list/disable and access on this secret only, invoking its own function, the Pub/Sub agent's token for
the push, and the issuer's project roles. :func:`wait_for_grants` then waits for every grant to propagate, and the
first version (the placeholder) waits for that: Secret Manager publishes ``SECRET_VERSION_ADD`` for it, and that
message is the rotator's first run, so the rotator must be able to act by then.

Order on the way out: the function's trigger (the topic's only subscription) goes with the function, before the
topic; turning rotation off updates the secret (no more topics or notices) before the function is deleted, as
every update runs before every delete.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_gcp as gcp
import pulumiverse_time as time

from .. import RotatorNeeds
from ..package import archive_digest
from . import name_digest

__all__ = [
    "DEFAULT_REGION",
    "SECRET_ROLES",
    "GcpRotator",
    "archive_digest",
    "bucket_name",
    "deploy_rotator",
    "function_name",
    "key_prefix",
    "service_account_id",
    "wait_for_grants",
]

DEFAULT_REGION = "us-central1"
"""Where the function runs when the gcp provider names no region."""
RUNTIME, ENTRY_POINT = "python312", "main"
PUBSUB_EVENT = "google.cloud.pubsub.topic.v1.messagePublished"
# Versions add, list, enable/disable (and destroy: no predefined role stops short of it) on one secret, and
# access to read the current and previous keys. A custom role could drop `destroy`, but custom role ids are held
# for 37 days after delete, which a destroy-then-up would trip over.
# https://cloud.google.com/secret-manager/docs/access-control; .../docs/disable-secret-version
VERSION_MANAGER = "roles/secretmanager.secretVersionManager"
SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"
# Eventarc's Pub/Sub trigger pushes as the trigger's service account, which needs run.invoker on the function;
# the Pub/Sub service agent mints that account's tokens (a grant only projects whose agent predates 2021-04-08
# lack, made here on this one account so it holds everywhere).
# https://cloud.google.com/eventarc/standard/docs/functions/roles-permissions
RUN_INVOKER = "roles/run.invoker"
TOKEN_CREATOR = "roles/iam.serviceAccountTokenCreator"
MAX_INSTANCES = 1
"""One instance: two deliveries of one notice never rotate at once (the engine's guard covers the rest)."""
TIMEOUT_SECONDS = 300
SERVICE_ACCOUNT_ID_MAX, FUNCTION_NAME_MAX, BUCKET_NAME_MAX = 30, 63, 63


def _slug(text: str) -> str:
    """``text`` in lower case, reduced to ``[a-z0-9-]`` with no leading, trailing or doubled hyphens."""
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]+", "-", text.lower())).strip("-")


def service_account_id(component: str, project: str, stack: str) -> str:
    """``rot-<component>-<8 hex>``: 6-30 characters of ``[a-z0-9-]``, a letter first; stable per project, stack and
    component, so two stacks in one GCP project get their own account and every run names the same one."""
    base = _slug(component)[: SERVICE_ACCOUNT_ID_MAX - 13].rstrip("-")
    suffix = name_digest("service-account", project, stack, component)[:8]
    return f"rot-{base}-{suffix}" if base else f"rot-{suffix}"


def function_name(component: str, project: str, stack: str) -> str:
    """``aikeys-rotator-<component>-<8 hex>``: at most 63 characters of ``[a-z0-9-]``, unique per GCP project and
    region for each project/stack/component (function names are freed at once on delete, so stable is safe)."""
    base = _slug(component)[: FUNCTION_NAME_MAX - 24].rstrip("-")
    suffix = name_digest("function", project, stack, component)[:8]
    return f"aikeys-rotator-{base}-{suffix}" if base else f"aikeys-rotator-{suffix}"


def bucket_name(gcp_project: str, project: str, stack: str, component: str, created_at: str) -> str:
    """``aikeys-rotator-<20 hex>``: bucket names are global, and a deleted bucket's name stays taken while it is
    soft-deleted, so the name also covers when the bucket was made: a destroy then up asks for a new one."""
    return f"aikeys-rotator-{name_digest('bucket', gcp_project, project, stack, component, created_at)[:20]}"


@dataclass(frozen=True)
class GcpRotator:
    """What :func:`deploy_rotator` made."""

    service_account: gcp.serviceaccount.Account
    function: gcp.cloudfunctionsv2.Function
    grants: dict[str, pulumi.CustomResource]
    """Every grant the rotator holds, by label: :func:`wait_for_grants` waits for them."""
    member: "pulumi.Output[str]"
    """``serviceAccount:EMAIL`` of the rotator."""


def deploy_rotator(
    name: str,
    *,
    rotator: RotatorNeeds,
    every_days: int,
    project: "Optional[pulumi.Input[str]]",
    secret: gcp.secretmanager.Secret,
    topic_id: "pulumi.Input[str]",
    labels: Mapping[str, str],
    parent: pulumi.Resource,
    accessor_by_binding: bool = False,
) -> GcpRotator:
    """The rotator of ``secret``: its account, code bucket and function, and every grant it needs.

    ``topic_id`` is the secret's rotation topic (in ``project``). With ``accessor_by_binding`` the store's
    authoritative reader binding names the rotator (a separate accessor grant would fight that binding), and the
    store adds it to :attr:`GcpRotator.grants` itself.
    """
    if rotator.admin_key is not None:  # refused by the rules: no issuer on GCP brings an admin key
        raise ValueError("a GCP rotator keeps no admin key")
    client = gcp.organizations.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    gcp_project = pulumi.Output.from_input(project) if project is not None else client.project
    region = client.region.apply(lambda r: r or DEFAULT_REGION)
    stack, program = pulumi.get_stack(), pulumi.get_project()
    opts = pulumi.ResourceOptions(parent=parent)
    account = gcp.serviceaccount.Account(
        f"{name}-rotator",
        account_id=service_account_id(name, program, stack),
        display_name=f"ai-keys rotator of {name}"[:100],
        description="Rotates one API key and writes it to one secret (made by ai-keys).",
        project=project,
        opts=opts,
    )
    # A service account deleted and made again under the same id is another principal: every grant is made again
    # when the account is replaced, never kept because its email did not change.
    follows = pulumi.ResourceOptions(parent=parent, replace_with=[account])
    function = _function(name, rotator, every_days, project, gcp_project, region, secret, topic_id, account, labels, parent)
    grants: dict[str, pulumi.CustomResource] = {
        "version-manager": gcp.secretmanager.SecretIamMember(
            f"{name}-rotator-versions",
            secret_id=secret.id,
            role=VERSION_MANAGER,
            member=account.member,
            project=project,
            opts=follows,
        ),
        "invoker": gcp.cloudrunv2.ServiceIamMember(
            f"{name}-rotator-invoker",
            project=project,
            location=region,
            name=function.name,  # a 2nd gen function runs as the Cloud Run service of the same name
            role=RUN_INVOKER,
            member=account.member,
            opts=follows,
        ),
        "token-creator": gcp.serviceaccount.IAMMember(
            f"{name}-rotator-pubsub-token",
            service_account_id=account.name,
            role=TOKEN_CREATOR,
            member=_pubsub_agent(gcp_project, parent),
            opts=follows,
        ),
    }
    if not accessor_by_binding:
        grants["accessor"] = gcp.secretmanager.SecretIamMember(
            f"{name}-rotator-accessor",
            secret_id=secret.id,
            role=SECRET_ACCESSOR,
            member=account.member,
            project=project,
            opts=follows,
        )
    for index, (scope, role) in enumerate(rotator.gcp_project_roles):
        # Keyed by project and role when the project is known now, so reordering the list moves no grant.
        label = f"role-{name_digest(scope if isinstance(scope, str) else f'#{index}', role)[:8]}"
        grants[label] = gcp.projects.IAMMember(
            f"{name}-rotator-{label}", project=scope, role=role, member=account.member, opts=follows
        )
    return GcpRotator(account, function, grants, account.member)


def wait_for_grants(name: str, rotator: GcpRotator, seconds: int, parent: pulumi.Resource) -> list[pulumi.Resource]:
    """What the secret's first version waits for: the function, and every grant of the rotator propagated.

    Google IAM takes typically 2 minutes, sometimes 7 or more, to apply a grant
    (https://cloud.google.com/iam/docs/access-change-propagation): a first run before that fails.
    """
    grants = list(rotator.grants.values())
    if seconds == 0:
        return [rotator.function, *grants]
    return [
        rotator.function,
        time.Sleep(
            f"{name}-rotator-iam-propagation",
            create_duration=f"{seconds}s",
            # The grants' ids: a replaced grant (a new account, a new secret) gets a new id, and the wait runs again.
            triggers={label: grant.id for label, grant in rotator.grants.items()},
            opts=pulumi.ResourceOptions(parent=parent, depends_on=grants),
        ),
    ]


def _function(
    name: str,
    rotator: RotatorNeeds,
    every_days: int,
    project: "Optional[pulumi.Input[str]]",
    gcp_project: "pulumi.Output[str]",
    region: "pulumi.Output[str]",
    secret: gcp.secretmanager.Secret,
    topic_id: "pulumi.Input[str]",
    account: gcp.serviceaccount.Account,
    labels: Mapping[str, str],
    parent: pulumi.Resource,
) -> gcp.cloudfunctionsv2.Function:
    stack, program = pulumi.get_stack(), pulumi.get_project()
    opts = pulumi.ResourceOptions(parent=parent)
    created = time.Static(f"{name}-rotator-created", triggers={"project": gcp_project}, opts=opts)
    bucket = gcp.storage.Bucket(
        f"{name}-rotator-code",
        name=pulumi.Output.all(gcp_project, created.rfc3339).apply(
            lambda a: bucket_name(str(a[0]), program, stack, name, str(a[1]))
        ),
        project=project,
        location=region.apply(str.upper),
        uniform_bucket_level_access=True,
        public_access_prevention="enforced",
        # Old packages are of no use: no soft-deleted copies to pay for, and the bucket empties itself on destroy.
        soft_delete_policy=gcp.storage.BucketSoftDeletePolicyArgs(retention_duration_seconds=0),
        force_destroy=True,
        labels=dict(labels) or None,
        opts=opts,
    )
    from .. import package

    archive = package.archive("gcp")
    code = gcp.storage.BucketObject(
        f"{name}-rotator-package",
        bucket=bucket.name,
        # Named after its content: a new library version uploads a new object and redeploys the function, and
        # nothing else does.
        name=f"rotator-{archive_digest(archive)[:16]}.zip",
        source=archive,
        content_type="application/zip",
        opts=opts,
    )
    env: dict[str, pulumi.Input[str]] = {
        "AIKEYS_KEY_PREFIX": key_prefix(name, program, stack),
        **dict(rotator.env),
        "AIKEYS_ISSUER": rotator.issuer,
        "AIKEYS_STORE": "gcp",
        "AIKEYS_SECRET": secret.id,  # projects/P/secrets/S
        "AIKEYS_EVERY_DAYS": str(every_days),
    }
    return gcp.cloudfunctionsv2.Function(
        f"{name}-rotator-function",
        name=function_name(name, program, stack),
        location=region,
        project=project,
        description=f"ai-keys rotator of {name}",
        labels=dict(labels) or None,
        build_config=gcp.cloudfunctionsv2.FunctionBuildConfigArgs(
            runtime=RUNTIME,
            entry_point=ENTRY_POINT,
            source=gcp.cloudfunctionsv2.FunctionBuildConfigSourceArgs(
                storage_source=gcp.cloudfunctionsv2.FunctionBuildConfigSourceStorageSourceArgs(
                    bucket=bucket.name, object=code.name
                )
            ),
        ),
        service_config=gcp.cloudfunctionsv2.FunctionServiceConfigArgs(
            max_instance_count=MAX_INSTANCES,
            min_instance_count=0,  # nothing runs, and nothing is billed, between rotations
            available_memory="256M",
            timeout_seconds=TIMEOUT_SECONDS,
            environment_variables=env,
            # Eventarc's push from Pub/Sub in the same project counts as internal traffic; nothing else may call.
            ingress_settings="ALLOW_INTERNAL_ONLY",
            all_traffic_on_latest_revision=True,
            service_account_email=account.email,
        ),
        event_trigger=gcp.cloudfunctionsv2.FunctionEventTriggerArgs(
            trigger_region=region,
            event_type=PUBSUB_EVENT,
            pubsub_topic=topic_id,
            # A failed run (vendor 5xx, a lost race) is delivered again until it succeeds.
            retry_policy="RETRY_POLICY_RETRY",
            service_account_email=account.email,
        ),
        opts=opts,
    )


def key_prefix(component: str, project: str, stack: str) -> str:
    """``aikeys-<8 hex>-``: the name prefix of every key this rotator makes (it lists its own keys by it), unless the
    issuer sets ``AIKEYS_KEY_PREFIX`` itself."""
    return f"aikeys-{name_digest('prefix', project, stack, component)[:8]}-"


def _pubsub_agent(project: "pulumi.Output[str]", parent: pulumi.Resource) -> "pulumi.Output[str]":
    """The project's Pub/Sub service agent (it exists once Pub/Sub is in use, as the rotation topic is)."""
    found = gcp.organizations.get_project_output(project_id=project, opts=pulumi.InvokeOutputOptions(parent=parent))
    return found.number.apply(lambda number: f"serviceAccount:service-{number}@gcp-sa-pubsub.iam.gserviceaccount.com")


SECRET_ROLES: Sequence[str] = (VERSION_MANAGER, SECRET_ACCESSOR)
"""The roles the rotator holds on its secret, and on nothing else in Secret Manager."""
