"""Cloud state that outlives one program, and a clock: deploy, edit, destroy, deploy again, a second stack, and
91 days later, all offline, failing where the real cloud would.

    from ai_keys.testing.simulation import Cloud, Scenario

    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(lambda: SecureApiKey("gemini", args))          # stack "dev"
    scenario.destroy()
    scenario.deploy(lambda: SecureApiKey("gemini", args))          # CloudRefusedError if a name is still held
    cloud.advance(days=91)
    scenario.serving()                                             # CloudRefusedError if a stored key has expired

Each deploy runs the program under the mock engine at the simulated time, plans it against the stack's state
with the engine's rules (:mod:`ai_keys.testing.lifecycle`), then applies each step to the cloud state in the
engine's order. Steps take no time except a ``time`` Sleep, which waits; a step starts once the steps it depends
on have finished, so a grant used before it has propagated fails as it does in the cloud. Every rule comes from
:data:`ai_keys.testing.constraints.CONSTRAINTS`; a refusal names the rule, its source and the cloud's own text.
"""

import dataclasses
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from pulumi.runtime import rpc

from .. import _clock
from .constraints import CONSTRAINTS, Constraint
from .engine import RegisteredResource, mock_pulumi, unwrap_secrets
from .lifecycle import Plan, _plan

__all__ = ["START", "Cloud", "CloudObject", "CloudRefusedError", "Grant", "Scenario"]

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
"""When a new :class:`Cloud`'s clock starts."""
GCP_IAM_PROPAGATION = timedelta(minutes=2)
"""Google: "typically 2 minutes, could be 7 or longer" (https://cloud.google.com/iam/docs/access-change-propagation)."""
DEPLOY_START_DELAY = timedelta(minutes=1)
"""Time between two deploys of a scenario (no two run in the same second, as no two real ones do)."""
AWS_ACCOUNT, AWS_REGION, GCP_PROJECT = "123456789012", "us-east-1", "mock-project"
LAMBDA_UNRESERVED_MINIMUM = 100
"""Lambda keeps at least this many executions unreserved (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html)."""
BUCKET_SOFT_DELETE = timedelta(days=7)
"""Cloud Storage's default soft delete retention (https://cloud.google.com/storage/docs/soft-delete)."""
STORAGE_ACCOUNT_RECOVERY = timedelta(days=14)
"""How long a deleted storage account can be recovered (https://learn.microsoft.com/azure/storage/common/storage-account-recover)."""


class CloudRefusedError(AssertionError):
    """A step the real cloud would refuse (or a key it would no longer serve)."""

    def __init__(self, rule_id: str, **details: Any) -> None:
        self.rule_id = rule_id
        self.constraint: Constraint = CONSTRAINTS[rule_id]
        self.details = details
        self.where = ""
        """The step refused: its action, resource and stack."""
        error = self.constraint.error.format_map(_Default(details))
        self.message = f"{error} [{rule_id}: {self.constraint.rule} Source: {self.constraint.source}]"
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class _Default(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass
class CloudObject:
    """One object in the cloud: live, held after its delete, or forgotten by its stack but still there."""

    type: str
    """The resource type that made it."""
    key: tuple[str, ...]
    """What must be unique (scope and name), normalised; empty when nothing is."""
    inputs: dict[str, Any]
    """The inputs it was created or last updated with (secrets unwrapped)."""
    created_at: datetime
    """When it was created, by the simulated clock."""
    stack: Optional[str]
    """The stack that manages it (None once retained, abandoned or seeded from outside)."""
    status: str = "live"
    """``live``, ``held`` (deleted but its name still taken) or ``gone``."""
    held_until: Optional[datetime] = None
    """While ``held``: when the name is free again (None: never)."""
    expires_at: Optional[datetime] = None
    """When the credential it is stops working."""
    ids: tuple[str, ...] = ()
    """The ids and names others refer to it by (the mock engine's, and the physical ones)."""


@dataclass
class Grant:
    """One member's role on one resource."""

    resource: str
    role: str
    member: str
    effective_at: datetime
    """When it has propagated."""
    owner: Optional[str]
    """The URN that made it, or None for a grant made outside every stack."""


@dataclass
class Cloud:
    """The clouds' state and the simulated clock, shared by every stack of a scenario."""

    now: datetime = START
    """The simulated time."""
    gcp_iam_propagation: timedelta = GCP_IAM_PROPAGATION
    """How long a Google IAM grant takes to take effect (7 minutes is within what Google documents too)."""
    keys_in_use: bool = True
    """Whether stored keys serve traffic (a Google API key then counts as used in the last 7 days)."""
    aws_lambda_concurrency: int = 1000
    """The account's Lambda concurrency limit in the Region (1,000 by default; a new account may have 10)."""
    objects: list[CloudObject] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    removed_outside_grants: list[Grant] = field(default_factory=list)
    """Grants made outside every stack that an authoritative binding removed."""
    reverted: list[str] = field(default_factory=list)
    """What an authoritative resource of one stack silently undid for another (no cloud error, a lost setting)."""
    usage_plan_stages: dict[str, set[str]] = field(default_factory=dict)
    """Usage plan id -> the API stages it covers, for plans made outside the stack (see :meth:`seed_usage_plan`)."""
    checks: Counter[str] = field(default_factory=Counter)
    """How many times each rule was checked."""
    _serial: int = 0

    def advance(self, *, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> None:
        """Move the clock forward; names whose hold has ended become free."""
        self.now += timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        for obj in self.objects:
            if obj.status == "held" and obj.held_until is not None and obj.held_until <= self.now:
                obj.status = "gone"

    def seed_grant(self, resource: str, role: str, member: str) -> Grant:
        """A grant made outside every stack (a rotator's, another team's), effective already."""
        grant = Grant(resource, role, member, self.now, None)
        self.grants.append(grant)
        return grant

    def seed_usage_plan(self, plan_id: str, stages: Sequence[str]) -> None:
        """An existing usage plan and the ``API_ID:STAGE`` pairs it covers."""
        self.usage_plan_stages[plan_id] = set(stages)

    def seed_credential(self, user_name: str, service: str) -> CloudObject:
        """A service-specific credential someone added outside the stack to ``user_name``."""
        return self._add(
            "aws:iam/serviceSpecificCredential:ServiceSpecificCredential",
            (),
            {"userName": user_name, "serviceName": service},
            None,
        )

    def has_grant(self, resource: str, role: str, member: str, *, effective: bool = True) -> bool:
        """Whether ``member`` holds ``role`` on ``resource`` (and it has propagated, with ``effective``)."""
        return any(
            g.resource == resource and g.role == role and g.member == member and (not effective or g.effective_at <= self.now)
            for g in self.grants
        )

    def live(self, type_: Optional[str] = None, stack: Optional[str] = None) -> list[CloudObject]:
        """Live objects, of a type and managed by a stack when given."""
        return [
            o
            for o in self.objects
            if o.status == "live" and (type_ is None or o.type == type_) and (stack is None or o.stack == stack)
        ]

    def check(self, rule_id: str, ok: bool, **details: Any) -> None:
        """Count a check of ``rule_id``; refuse the step when it fails."""
        self.checks[rule_id] += 1
        if not ok:
            raise CloudRefusedError(rule_id, **details)

    def _add(
        self, type_: str, key: tuple[str, ...], inputs: dict[str, Any], stack: Optional[str], ids: tuple[str, ...] = ()
    ) -> CloudObject:
        self._serial += 1
        obj = CloudObject(type_, key, inputs, self.now, stack, ids=ids)
        self.objects.append(obj)
        return obj

    def _holder(self, type_: str, key: tuple[str, ...]) -> Optional[CloudObject]:
        """The live or held object of ``type_`` that has ``key``: the one a create of that key collides with."""
        for obj in self.objects:
            if obj.key == key and obj.status in ("live", "held") and obj.type == type_:
                return obj
        return None

    def next_serial(self) -> int:
        """The serial the next object gets: what tells two auto-named creations apart."""
        return self._serial + 1


@contextmanager
def _at(cloud: Cloud, when: datetime) -> Iterator[None]:
    """Run one step at ``when`` (the steps of a deploy start when what they depend on has finished)."""
    saved = cloud.now
    cloud.now = when
    try:
        yield
    finally:
        cloud.now = max(saved, when)


# ----------------------------------------------------------------------------------------- per-type rules


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def _duration(text: Any) -> timedelta:
    """A Go duration as the time provider takes it (``120s``, ``2m``, ``1h30m``)."""
    total = timedelta()
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(h|ms|m|s)", str(text or "")):
        total += {"h": timedelta(hours=1), "m": timedelta(minutes=1), "s": timedelta(seconds=1), "ms": timedelta(milliseconds=1)}[
            unit
        ] * float(number)
    return total


@dataclass
class _Step:
    resource: RegisteredResource
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    stack: str


def _name(step: _Step, key: str, serial: int) -> str:
    """The physical name: the one given, or a fresh auto-name (the engine's random suffix differs per creation)."""
    given = step.inputs.get(key)
    return given if isinstance(given, str) and given else f"{step.resource.name}-auto{serial}"


def _region(step: _Step) -> str:
    region = step.inputs.get("region")
    return region if isinstance(region, str) and region else AWS_REGION


def _project(step: _Step) -> str:
    project = step.inputs.get("project")
    return project if isinstance(project, str) and project else str(step.outputs.get("project") or GCP_PROJECT)


class _Rules:
    """What each resource type does in the cloud on create, update and delete."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self.agents: dict[str, datetime] = {}  # service agent member -> when it exists everywhere

    # -- identities: the unique key of what a step creates
    def key(self, step: _Step) -> tuple[tuple[str, ...], str]:
        """(unique key, rule id checked for a live duplicate) for ``step``'s resource; ((), "") when none."""
        t, c = step.resource.type, self.cloud
        serial = c.next_serial()
        if t == "aws:secretsmanager/secret:Secret":
            return ("aws", AWS_ACCOUNT, _region(step), "secret", _name(step, "name", serial)), "aws.secret.name-unique"
        if t == "aws:kms/alias:Alias":
            return ("aws", AWS_ACCOUNT, _region(step), "alias", _name(step, "name", serial)), "aws.kms-alias.name-unique"
        if t == "aws:iam/user:User":
            return ("aws", AWS_ACCOUNT, "user", _name(step, "name", serial).lower()), "aws.iam-user.name-unique"
        if t == "aws:apigateway/apiKey:ApiKey" and step.inputs.get("value"):
            # Only a digest of the value is kept: the simulation never holds or shows a key.
            digest = hashlib.sha256(_text(step.inputs["value"]).encode()).hexdigest()
            return ("aws", AWS_ACCOUNT, _region(step), "api-key-value", digest), "aws.apigateway-key.value-unique"
        if t == "aws:lambda/function:Function":
            return ("aws", AWS_ACCOUNT, _region(step), "function", _name(step, "name", serial)), "aws.lambda-function.name-unique"
        if t == "aws:iam/role:Role":
            return ("aws", AWS_ACCOUNT, "role", _name(step, "name", serial).lower()), "aws.iam-role.name-unique"
        if t == "aws:lambda/permission:Permission":
            statement = _name(step, "statementId", serial)
            return ("aws", _text(step.inputs.get("function")), "statement", statement), "aws.lambda-permission.statement-unique"
        if t == "gcp:projects/apiKey:ApiKey":
            return ("gcp", _project(step), "api-key", _name(step, "name", serial)), "gcp.api-key.id-unique"
        if t == "gcp:serviceaccount/account:Account":
            return ("gcp", _project(step), "service-account", _name(step, "accountId", serial)), "gcp.service-account.id-unique"
        if t == "gcp:secretmanager/secret:Secret":
            return ("gcp", _project(step), "secret", _name(step, "secretId", serial)), "gcp.secret.id-unique"
        if t == "gcp:kms/keyRing:KeyRing":
            location = _text(step.inputs.get("location"))
            return ("gcp", _project(step), location, "key-ring", _name(step, "name", serial)), "gcp.kms.never-deleted"
        if t == "gcp:kms/cryptoKey:CryptoKey":
            ring = self.physical(_text(step.inputs.get("keyRing")))
            return ("gcp", ring, "crypto-key", _name(step, "name", serial)), "gcp.kms.never-deleted"
        if t == "gcp:pubsub/topic:Topic":
            return ("gcp", _project(step), "topic", _name(step, "name", serial)), "gcp.topic.name-unique"
        if t == "gcp:cloudfunctionsv2/function:Function":
            location = _text(step.inputs.get("location"))
            return (
                "gcp",
                _project(step),
                location,
                "function",
                _name(step, "name", serial),
            ), "gcp.cloud-function.name-unique"
        if t == "gcp:storage/bucket:Bucket":
            return ("gcp", "bucket", _name(step, "name", serial).lower()), "gcp.bucket.name-unique"
        if t == "azure-native:storage:StorageAccount":
            return ("azure", "storage-account", _name(step, "accountName", serial)), "azure.storage-account.name-unique"
        if t == "azure-native:web:WebApp":
            return ("azure", "site", _name(step, "name", serial).lower()), "azure.function-app.name-unique"
        if t == "azure-native:keyvault:Vault":
            return ("azure", "vault", _name(step, "vaultName", serial).lower()), "azure.vault.name-unique"
        if t == "azure-native:keyvault:Secret":
            vault = _text(step.inputs.get("vaultName")).lower()
            return ("azure", "vault", vault, "secret", _name(step, "secretName", serial).lower()), ""
        if t == "azure-native:eventgrid:EventSubscription":
            scope = _text(step.inputs.get("scope")).lower()
            return (
                "azure",
                scope,
                "event-subscription",
                _name(step, "eventSubscriptionName", serial),
            ), "azure.event-subscription.name-unique"
        return (), ""

    def find(self, ref: str, type_: str) -> Optional[CloudObject]:
        """The newest object of ``type_`` known by the id or name ``ref``."""
        for obj in reversed(self.cloud.objects):
            if obj.type == type_ and ref in obj.ids:
                return obj
        return None

    def physical(self, ref: str) -> str:
        """The physical id behind a mock id: the newest object created under that id."""
        for obj in reversed(self.cloud.objects):
            # An object with no unique key (a grant) is never what another one names: its id may echo a name.
            if ref in obj.ids and obj.key:
                return "/".join(obj.key)
        return ref

    # -- create
    def create(self, step: _Step) -> CloudObject:
        c, t, inputs = self.cloud, step.resource.type, step.inputs
        key, unique_rule = self.key(step)
        if key:
            holder = c._holder(t, key)
            held_rule = _HELD_RULES.get(t)
            if holder is not None and holder.status == "held" and held_rule:
                c.check(held_rule, False, name=key[-1])
            if holder is not None and holder.status == "live" and unique_rule:
                c.check(unique_rule, False, name=step.resource.name if "value" in key[-2] else key[-1], project=key[1])
            for rule in filter(None, (held_rule, unique_rule)):
                c.checks[rule] += 1
        self.before_create_or_update(step)
        refs = (step.resource.id, *(step.outputs.get(k) for k in ("arn", "name", "email", "keyId")))
        ids = tuple(str(v) for v in refs if v)
        obj = c._add(t, key, inputs, step.stack, ids)
        self.after_create_or_update(step, obj)
        if t == "gcp:secretmanager/secretVersion:SecretVersion":
            self._version_added(step)
        return obj

    def update(self, step: _Step, obj: CloudObject) -> None:
        self.before_create_or_update(step)
        obj.inputs = step.inputs
        self.after_create_or_update(step, obj)

    def before_create_or_update(self, step: _Step) -> None:
        c, t, inputs = self.cloud, step.resource.type, step.inputs
        if t == "aws:secretsmanager/secretPolicy:SecretPolicy":
            c.check("aws.secret-policy.size", len(_text(inputs.get("policy"))) <= 20_480)
        if t in ("aws:kms/keyPolicy:KeyPolicy", "aws:kms/key:Key") and inputs.get("policy"):
            c.check("aws.kms-key-policy.size", len(_text(inputs.get("policy")).encode()) <= 32_768)
        if t == "aws:iam/userPolicy:UserPolicy":
            user = _text(inputs.get("user"))
            others = [o for o in c.live(t) if _text(o.inputs.get("user")) == user and o.ids != (step.resource.id,)]
            size = sum(len(re.sub(r"\s", "", _text(o.inputs.get("policy")))) for o in others)
            size += len(re.sub(r"\s", "", _text(inputs.get("policy"))))
            c.check("aws.iam-user-policy.size", size <= 2_048, name=user)
        if t == "aws:iam/serviceSpecificCredential:ServiceSpecificCredential":
            user, service = _text(inputs.get("userName")), _text(inputs.get("serviceName"))
            held = [
                o for o in c.live(t) if _text(o.inputs.get("userName")) == user and _text(o.inputs.get("serviceName")) == service
            ]
            c.check("aws.service-specific-credential.limit", len(held) < 2, name=user)
        if t == "aws:apigateway/usagePlanKey:UsagePlanKey":
            self._one_plan_per_stage(step)
        if t == "aws:lambda/function:Function":
            self._lambda_function(step)
        if t == "aws:iam/role:Role" and isinstance(inputs.get("name"), str):
            name = inputs["name"]
            c.check("aws.iam-role.name-rule", re.fullmatch(r"[\w+=,.@-]{1,64}", name) is not None, name=name)
        if t == "gcp:cloudfunctionsv2/function:Function" and isinstance(inputs.get("name"), str):
            name = inputs["name"]
            ok = re.fullmatch(r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?", name) is not None
            c.check("gcp.cloud-function.name-rule", ok, name=name)
        if t == "azure-native:storage:StorageAccount" and isinstance(inputs.get("accountName"), str):
            name = inputs["accountName"]
            c.check("azure.storage-account.name-rule", re.fullmatch(r"[a-z0-9]{3,24}", name) is not None, name=name)
        if t == "azure-native:web:WebApp" and isinstance(inputs.get("name"), str):
            name = inputs["name"]
            ok = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]", name) is not None
            c.check("azure.function-app.name-rule", ok, name=name)
        if t == "gcp:secretmanager/secret:Secret":
            self._agent_can_use(step)
        if t in _GRANT_TYPES:
            member = _text(inputs.get("member"))
            if member in self.agents:
                c.check("gcp.service-agent.not-yet", self.agents[member] <= c.now, name=member.split(":", 1)[-1])
        if t == "azure-native:authorization:RoleAssignment":
            scope, principal, role = (_text(inputs.get(k)).lower() for k in ("scope", "principalId", "roleDefinitionId"))
            clash = [
                o
                for o in c.live(t)
                if (
                    _text(o.inputs.get("scope")).lower(),
                    _text(o.inputs.get("principalId")).lower(),
                    _text(o.inputs.get("roleDefinitionId")).lower(),
                )
                == (scope, principal, role)
            ]
            c.check("azure.role-assignment.exists", not clash)
        if t == "azure-native:monitor:DiagnosticSetting":
            uri = _text(inputs.get("resourceUri")).lower()
            count = sum(1 for o in c.live(t) if _text(o.inputs.get("resourceUri")).lower() == uri)
            c.check("azure.diagnostic-setting.limit", count < 5, name=uri)

    def after_create_or_update(self, step: _Step, obj: CloudObject) -> None:
        c, t, inputs = self.cloud, step.resource.type, step.inputs
        if t == "aws:iam/serviceSpecificCredential:ServiceSpecificCredential":
            days = inputs.get("credentialAgeDays")
            obj.expires_at = obj.created_at + timedelta(days=int(days)) if isinstance(days, (int, float)) else None
        if t == "gcp:projects/serviceIdentity:ServiceIdentity":
            member = _text(step.outputs.get("member"))
            # The agent is created lazily: it exists everywhere once the identity call has propagated.
            self.agents.setdefault(member, c.now + c.gcp_iam_propagation)
        if t in _GRANT_TYPES:
            resource = self.physical(_text(inputs.get(_GRANT_TYPES[t])))
            c.grants = [g for g in c.grants if g.owner != step.resource.urn]
            c.grants.append(
                Grant(
                    resource,
                    _text(inputs.get("role")),
                    _text(inputs.get("member")),
                    c.now + c.gcp_iam_propagation,
                    step.resource.urn,
                )
            )
        if t == "gcp:secretmanager/secretIamBinding:SecretIamBinding":
            self._bind(step)
        if t == "gcp:projects/iAMAuditConfig:IAMAuditConfig":
            c.checks["gcp.audit-config.authoritative"] += 1

    # -- delete
    def delete(self, obj: CloudObject, resource: RegisteredResource) -> None:
        c, t = self.cloud, obj.type
        if t == "gcp:projects/apiKey:ApiKey":
            policy = obj.inputs.get("deletionPolicy") or "DELETE"
            if policy == "ABANDON":
                obj.stack = None
                return
            c.check("gcp.api-key.delete-in-use", not (policy == "DELETE" and c.keys_in_use), name=obj.key[-1])
            self._hold(obj, timedelta(days=30))
            return
        if t == "gcp:secretmanager/secret:Secret":
            c.check("gcp.secret.deletion-protection", not obj.inputs.get("deletionProtection"))
        if t in ("gcp:kms/keyRing:KeyRing", "gcp:kms/cryptoKey:CryptoKey"):
            self._hold(obj, None)
            return
        if t == "gcp:storage/bucket:Bucket":
            self._hold(obj, BUCKET_SOFT_DELETE)
            return
        if t == "azure-native:storage:StorageAccount":
            self._hold(obj, STORAGE_ACCOUNT_RECOVERY)
            return
        if t == "aws:secretsmanager/secret:Secret":
            window = obj.inputs.get("recoveryWindowInDays")
            days = 30 if window is None else int(window)
            if days:
                self._hold(obj, timedelta(days=days))
                return
        if t == "aws:kms/key:Key":
            window = obj.inputs.get("deletionWindowInDays")
            self._hold(obj, timedelta(days=30 if window is None else int(window)))
            return
        if t == "aws:iam/user:User":
            name = obj.key[-1] if obj.key else ""
            names = {name, *(i.lower() for i in obj.ids)}
            creds = [
                o
                for o in c.live("aws:iam/serviceSpecificCredential:ServiceSpecificCredential")
                if _text(o.inputs.get("userName")).lower() in names
            ]
            c.check("aws.iam-user.delete-conflict", not creds or bool(obj.inputs.get("forceDestroy")), name=name)
            for cred in creds:
                cred.status = "gone"
        if t == "azure-native:keyvault:Vault":
            properties = obj.inputs.get("properties") or {}
            days = properties.get("softDeleteRetentionInDays") or 90
            self._hold(obj, timedelta(days=int(days)))
            return
        if t == "azure-native:keyvault:Secret":
            vault = c._holder("azure-native:keyvault:Vault", ("azure", "vault", obj.key[2])) if obj.key else None
            properties = (vault.inputs.get("properties") or {}) if vault else {}
            self._hold(obj, timedelta(days=int(properties.get("softDeleteRetentionInDays") or 90)))
            return
        if t in _GRANT_TYPES:
            c.grants = [g for g in c.grants if g.owner != resource.urn]
        if t == "gcp:projects/iAMAuditConfig:IAMAuditConfig":
            # One config per service and project: deleting it turns the audit logs off for every other stack too.
            same = (_text(obj.inputs.get("project")), _text(obj.inputs.get("service")))
            others = [
                o
                for o in c.live(t)
                if o is not obj
                and o.stack != obj.stack
                and (_text(o.inputs.get("project")), _text(o.inputs.get("service"))) == same
            ]
            c.checks["gcp.audit-config.authoritative"] += 1
            c.reverted.extend(f"{o.stack}'s audit config of {same[1]} in {same[0]}" for o in others)
        if t == "gcp:secretmanager/secretIamBinding:SecretIamBinding":
            # Deleting a binding empties the role on the resource, whoever granted it.
            secret, role = self.physical(_text(obj.inputs.get("secretId"))), _text(obj.inputs.get("role"))
            removed = [g for g in c.grants if g.resource == secret and g.role == role]
            c.removed_outside_grants.extend(g for g in removed if g.owner is None)
            c.grants = [g for g in c.grants if g not in removed]
        obj.status = "gone"

    def _hold(self, obj: CloudObject, for_: Optional[timedelta]) -> None:
        obj.status, obj.stack = "held", None
        obj.held_until = None if for_ is None else self.cloud.now + for_

    # -- rules needing several objects
    def _one_plan_per_stage(self, step: _Step) -> None:
        c, key_id = self.cloud, _text(step.inputs.get("keyId"))
        plan = _text(step.inputs.get("usagePlanId"))
        stages = self._stages(plan)
        for other in c.live(step.resource.type):
            if _text(other.inputs.get("keyId")) != key_id or _text(other.inputs.get("usagePlanId")) == plan:
                continue
            theirs = self._stages(_text(other.inputs.get("usagePlanId")))
            # A plan whose stages are unknown may cover the same stage: the cloud decides, so assume the worst.
            overlap = stages is None or theirs is None or bool(stages & theirs)
            c.check("aws.apigateway-key.one-plan-per-stage", not overlap, plan=plan, name=key_id)
        c.checks["aws.apigateway-key.one-plan-per-stage"] += 1

    def _stages(self, plan_id: str) -> Optional[set[str]]:
        if plan_id in self.cloud.usage_plan_stages:
            return self.cloud.usage_plan_stages[plan_id]
        for obj in self.cloud.live("aws:apigateway/usagePlan:UsagePlan"):
            if plan_id in obj.ids:
                return {f"{s.get('apiId')}:{s.get('stage')}" for s in obj.inputs.get("apiStages") or []}
        return None

    def _agent_can_use(self, step: _Step) -> None:
        """Secret Manager's agent must already be able to use every CMEK key and publish to every topic."""
        c, inputs = self.cloud, step.inputs
        needs: list[tuple[str, str]] = [
            (self.physical(_text(k)), "roles/cloudkms.cryptoKeyEncrypterDecrypter")
            for k in _kms_keys(inputs.get("replication") or {})
        ]
        needs += [(self.physical(_text(t.get("name"))), "roles/pubsub.publisher") for t in inputs.get("topics") or []]
        project = _project(step)
        agents = [m for m in self.agents if "gcp-sa-secretmanager" in m] or [f"secretmanager-agent-of-{project}"]
        for resource, role in needs:
            made = [g for g in c.grants if g.resource == resource and g.role == role and g.member in agents]
            details = {"name": agents[0], "role": role, "resource": resource}
            c.check("gcp.secret.agent-needs-key", bool(made), **details)
            # Granted, but perhaps not yet everywhere: the secret is refused until the grant has propagated.
            age = max(c.now - g.effective_at + c.gcp_iam_propagation for g in made)
            c.check("gcp.iam.propagation", any(g.effective_at <= c.now for g in made), age=age, **details)

    def _lambda_function(self, step: _Step) -> None:
        c, inputs = self.cloud, step.inputs
        name = inputs.get("name")
        if isinstance(name, str):  # an auto-name is cut to fit by the provider
            c.check("aws.lambda-function.name-rule", re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name) is not None, name=name)
        reserved = inputs.get("reservedConcurrentExecutions")
        if not isinstance(reserved, (int, float)) or reserved < 0:  # -1 (the default): no reservation
            return
        region = _region(step)
        others = sum(
            int(o.inputs.get("reservedConcurrentExecutions") or 0)
            for o in c.live(step.resource.type)
            if step.resource.id not in o.ids
            and _text(o.inputs.get("region") or AWS_REGION) == region
            and int(o.inputs.get("reservedConcurrentExecutions") or 0) > 0
        )
        unreserved = c.aws_lambda_concurrency - others - int(reserved)
        c.check("aws.lambda.unreserved-concurrency", unreserved >= LAMBDA_UNRESERVED_MINIMUM, name=_text(name))

    def _version_added(self, step: _Step) -> None:
        """Secret Manager publishes ``SECRET_VERSION_ADD`` to the secret's topics: each function triggered by one of
        them runs now, and fails unless its grants, and its trigger's right to invoke it, have propagated."""
        c = self.cloud
        secret_ref = _text(step.inputs.get("secret"))
        secret = next((o for o in c.live("gcp:secretmanager/secret:Secret") if secret_ref in o.ids), None)
        if secret is None:
            return
        topics = {self.physical(_text(topic.get("name"))) for topic in secret.inputs.get("topics") or []}
        resource = "/".join(secret.key) or secret_ref
        for function in c.live("gcp:cloudfunctionsv2/function:Function"):
            trigger = function.inputs.get("eventTrigger") or {}
            if self.physical(_text(trigger.get("pubsubTopic"))) not in topics:
                continue
            runner = f"serviceAccount:{_text((function.inputs.get('serviceConfig') or {}).get('serviceAccountEmail'))}"
            caller = f"serviceAccount:{_text(trigger.get('serviceAccountEmail'))}"
            needs = [
                (resource, (SECRET_ACCESSOR,), runner),
                (resource, (VERSION_MANAGER, VERSION_ADDER), runner),
                ("/".join(function.key), (RUN_INVOKER,), caller),
            ]
            for where, roles, member in needs:
                self._granted_in_time(where, roles, member)

    def _granted_in_time(self, resource: str, roles: tuple[str, ...], member: str) -> None:
        c = self.cloud
        email = member.split(":", 1)[-1]
        account = next((o for o in c.live("gcp:serviceaccount/account:Account") if email in o.ids), None)
        made = [
            g
            for g in c.grants
            if g.resource == resource
            and g.role in roles
            and g.member == member
            # A grant to an account deleted and made again under the same id was to another principal.
            and (account is None or g.effective_at - c.gcp_iam_propagation >= account.created_at)
        ]
        details = {"name": email, "role": roles[0], "resource": resource}
        if not made:
            c.check("gcp.function.grants-not-yet", False, age="never", **details)
        age = max(c.now - g.effective_at + c.gcp_iam_propagation for g in made)
        c.check("gcp.function.grants-not-yet", any(g.effective_at <= c.now for g in made), age=age, **details)

    def _bind(self, step: _Step) -> None:
        c, inputs = self.cloud, step.inputs
        secret, role = self.physical(_text(inputs.get("secretId"))), _text(inputs.get("role"))
        members = {_text(m) for m in inputs.get("members") or []}
        kept: list[Grant] = []
        removed: list[Grant] = []
        for grant in c.grants:
            if grant.resource == secret and grant.role == role and grant.owner != step.resource.urn:
                (kept if grant.member in members and grant.owner is not None else removed).append(grant)
        c.checks["gcp.iam-binding.authoritative"] += 1
        c.removed_outside_grants.extend(g for g in removed if g.owner is None)
        c.grants = [g for g in c.grants if g not in removed and g.owner != step.resource.urn]
        c.grants += [Grant(secret, role, m, c.now + c.gcp_iam_propagation, step.resource.urn) for m in sorted(members)]


def _redacted(value: Any) -> Any:
    """``value`` with each secret replaced by a digest of it: the simulation never holds a key, yet can tell two
    equal values apart from different ones (an API Gateway key's value is unique in the account)."""
    if rpc.is_rpc_secret(value):
        digest = hashlib.sha256(json.dumps(unwrap_secrets(value), sort_keys=True, default=str).encode()).hexdigest()
        return f"[secret sha256:{digest[:16]}]"
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


def _kms_keys(replication: Mapping[str, Any]) -> list[Any]:
    keys = [((replication.get("auto") or {}).get("customerManagedEncryption") or {}).get("kmsKeyName")]
    for replica in (replication.get("userManaged") or {}).get("replicas") or []:
        keys.append((replica.get("customerManagedEncryption") or {}).get("kmsKeyName"))
    return [k for k in keys if k]


_HELD_RULES = {
    "gcp:storage/bucket:Bucket": "gcp.bucket.name-held-after-delete",
    "azure-native:storage:StorageAccount": "azure.storage-account.name-held-after-delete",
    "aws:secretsmanager/secret:Secret": "aws.secret.name-held-after-delete",
    "gcp:projects/apiKey:ApiKey": "gcp.api-key.id-held-after-delete",
    "gcp:kms/keyRing:KeyRing": "gcp.kms.never-deleted",
    "gcp:kms/cryptoKey:CryptoKey": "gcp.kms.never-deleted",
    "azure-native:keyvault:Vault": "azure.vault.name-held-after-delete",
    "azure-native:keyvault:Secret": "azure.secret.name-held-after-delete",
}
_GRANT_TYPES = {
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": "cryptoKeyId",
    "gcp:pubsub/topicIAMMember:TopicIAMMember": "topic",
    "gcp:secretmanager/secretIamMember:SecretIamMember": "secretId",
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": "name",
    "gcp:projects/iAMMember:IAMMember": "project",
    "gcp:serviceaccount/iAMMember:IAMMember": "serviceAccountId",
}
"""Additive grant types, and the input naming what each grants on."""
SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"
VERSION_MANAGER, VERSION_ADDER = "roles/secretmanager.secretVersionManager", "roles/secretmanager.secretVersionAdder"
RUN_INVOKER = "roles/run.invoker"


# ---------------------------------------------------------------------------------------------- scenarios


@dataclass
class _StackState:
    resources: list[RegisteredResource] = field(default_factory=list)
    objects: dict[str, CloudObject] = field(default_factory=dict)


class Scenario:
    """Deploys, edits and destroys of one or more stacks against one :class:`Cloud`."""

    def __init__(self, cloud: Optional[Cloud] = None, *, project: str = "project") -> None:
        self.cloud = cloud if cloud is not None else Cloud()
        self.project = project
        self.stacks: dict[str, _StackState] = {}
        self.steps = 0
        """How many steps were applied to the cloud."""
        self._rules = _Rules(self.cloud)

    def deploy(
        self,
        program: Callable[[], Any],
        *,
        stack: str = "dev",
        config: Optional[Mapping[str, str]] = None,
        secret_keys: Sequence[str] = (),
    ) -> Plan:
        """``pulumi up`` of ``program`` on ``stack`` at the simulated time. A plan the engine refuses (protection)
        changes nothing and is returned with its refusal; a step the cloud refuses raises :class:`CloudRefusedError`."""
        state = self.stacks.setdefault(stack, _StackState())
        self.cloud.advance(seconds=DEPLOY_START_DELAY.total_seconds())
        with (
            _clock.frozen(lambda: self.cloud.now),
            mock_pulumi(
                project=self.project, stack=stack, config=config, secret_keys=secret_keys, prior=state.resources
            ) as engine,
        ):
            engine.run(program)
            new = engine.resources
        return self._apply(stack, _plan(state.resources, new), new)

    def destroy(self, *, stack: str = "dev", unprotect: bool = False) -> Plan:
        """``pulumi destroy`` of ``stack``; with ``unprotect``, after ``pulumi state unprotect --all`` (the provider's
        own deletion protection, such as a secret's ``deletion_protection`` input, still applies)."""
        state = self.stacks.setdefault(stack, _StackState())
        self.cloud.advance(seconds=DEPLOY_START_DELAY.total_seconds())
        before = [dataclasses.replace(r, protect=False) for r in state.resources] if unprotect else state.resources
        return self._apply(stack, _plan(before, []), [])

    def serving(self, *, stack: Optional[str] = None) -> None:
        """Refuse when a stack (or ``stack``) keeps a key the cloud no longer serves: an expired credential."""
        c = self.cloud
        for name, state in self.stacks.items():
            if stack is not None and name != stack:
                continue
            for obj in state.objects.values():
                if obj.type == "aws:secretsmanager/secret:Secret" and obj.inputs.get("kmsKeyId"):
                    key = self._rules.find(_text(obj.inputs["kmsKeyId"]), "aws:kms/key:Key")
                    c.check(
                        "aws.kms-key.pending-deletion", key is None or key.status == "live", name=_text(obj.inputs["kmsKeyId"])
                    )
                if obj.expires_at is not None and obj.status == "live":
                    c.check(
                        "aws.service-specific-credential.expiry",
                        obj.expires_at > c.now,
                        name=_text(obj.inputs.get("userName")),
                    )

    def _apply(self, stack: str, plan: Plan, new: list[RegisteredResource]) -> Plan:
        state = self.stacks[stack]
        if plan.refused:
            return plan
        old_by_urn = {r.urn: r for r in plan.before}
        new_by_urn = {r.urn: r for r in new}
        start = self.cloud.now
        finished: dict[str, datetime] = {}
        replaced: dict[str, CloudObject] = {}
        for step in plan.steps:
            deleting = step.action in ("delete", "delete-replaced", "retain")
            resource = old_by_urn[step.urn] if deleting else new_by_urn[step.urn]
            deps = [
                finished[d]
                for d in (*resource.dependencies, *[u for us in resource.property_dependencies.values() for u in us])
                if d in finished
            ]
            begin = max([start, *deps])
            with _at(self.cloud, begin):
                try:
                    self._step(step.action, state, resource, replaced, stack)
                except CloudRefusedError as refusal:
                    refusal.where = f"{step.action} of {resource.name} ({resource.type}) on stack {stack}"
                    raise
                end = begin + (
                    _duration(resource.inputs.get("createDuration"))
                    if resource.type == "time:index/sleep:Sleep" and step.action != "delete"
                    else timedelta()
                )
            finished[step.urn] = max(finished.get(step.urn, end), end)
            self.steps += 1
        self.cloud.now = max([self.cloud.now, *finished.values()])
        self.cloud.advance()  # release holds that ended during the deploy
        state.resources = new
        return plan

    def _step(
        self, action: str, state: _StackState, resource: RegisteredResource, replaced: dict[str, CloudObject], stack: str
    ) -> None:
        if not resource.custom:
            return
        rules = self._rules
        if action in ("create", "create-replacement", "update"):
            step = _Step(resource, _redacted(resource.inputs), _redacted(resource.outputs), stack)
            if action == "update" and resource.urn in state.objects:
                rules.update(step, state.objects[resource.urn])
                return
            if action == "create-replacement" and resource.urn in state.objects:
                replaced[resource.urn] = state.objects.pop(resource.urn)
            state.objects[resource.urn] = rules.create(step)
            return
        # The old half of a replacement (deleted or retained) is the object the replacement displaced.
        obj = replaced.pop(resource.urn) if resource.urn in replaced else state.objects.pop(resource.urn, None)
        if obj is None:
            return
        if action == "retain":
            obj.stack = None
            return
        rules.delete(obj, resource)
