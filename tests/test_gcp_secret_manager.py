"""The gcp-secret-manager backend, option by option, under the mock engine."""

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pulumi
import pulumi_gcp as gcp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ai_keys import DeployTimeError, SecureApiKey, SecureApiKeyError
from ai_keys.runtime.refs import GcpSecretRef, parse_secret_ref
from ai_keys.stores.gcp_secret_manager import _rotation as _gcp_rotation
from ai_keys.stores.gcp_secret_manager.rules import LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN, gcp_labels
from ai_keys.testing import MockEngine, RegisteredResource, mock_pulumi, resolve_output, unwrap_secrets

from .conftest import CANARY

SECRET = "gcp:secretmanager/secret:Secret"
VERSION = "gcp:secretmanager/secretVersion:SecretVersion"
BINDING = "gcp:secretmanager/secretIamBinding:SecretIamBinding"
MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember"
WAIT = "time:index/sleep:Sleep"
KEY_RING = "gcp:kms/keyRing:KeyRing"
KEY = "gcp:kms/cryptoKey:CryptoKey"
KEY_GRANT = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"
AGENT = "gcp:projects/serviceIdentity:ServiceIdentity"
TOPIC = "gcp:pubsub/topic:Topic"
PUBLISHER = "gcp:pubsub/topicIAMMember:TopicIAMMember"
COMPONENT = "ai-keys:index:SecureApiKey"

APP = "serviceAccount:cloud-run@my-project.iam.gserviceaccount.com"
AGENT_MEMBER = "serviceAccount:service-123456789012@gcp-sa-secretmanager.iam.gserviceaccount.com"
GLOBAL_KEY = "projects/kms-project/locations/global/keyRings/secrets/cryptoKeys/gemini"
US_KEY = "projects/kms-project/locations/us-central1/keyRings/secrets/cryptoKeys/gemini"
EU_KEY = "projects/kms-project/locations/europe-west1/keyRings/secrets/cryptoKeys/gemini"
SECRET_ID = re.compile(r"projects/mock-project/secrets/gemini-secret-[a-z0-9]{7}")
NINETY_DAYS = 90 * 86_400


def waited_for(engine: MockEngine, secret: RegisteredResource) -> set[str]:
    """The grants the secret waits for: through a Sleep that lets IAM propagate first."""
    wait = engine.one(WAIT, "gemini-iam-propagation")
    assert wait.urn in secret.dependencies
    assert wait.plain("createDuration") == "120s"
    return set(wait.dependencies)


def build(engine: MockEngine, **args: Any) -> SecureApiKey:
    full: dict[str, Any] = {"backend": "gcp-secret-manager", "value": CANARY, **args}
    component: SecureApiKey = engine.run(lambda: SecureApiKey("gemini", full))  # type: ignore[arg-type]
    return component


def children(engine: MockEngine) -> list[RegisteredResource]:
    return [r for r in engine.resources if r.type != COMPONENT]


def at(monkeypatch: pytest.MonkeyPatch, now: datetime) -> None:
    monkeypatch.setattr(_gcp_rotation, "utc_now", lambda: now)


class TestPlainKey:
    def test_creates_a_secret_and_a_version_parented_to_the_component(self, engine: MockEngine) -> None:
        build(engine)
        component = engine.one(COMPONENT, "gemini")
        assert sorted((r.type, r.name) for r in children(engine)) == [(SECRET, "gemini-secret"), (VERSION, "gemini-version")]
        for child in children(engine):
            assert child.parent_urn == component.urn
            assert child.urn.endswith(f"ai-keys:index:SecureApiKey${child.type}::{child.name}")
        secret = engine.one(SECRET)
        assert secret.plain("replication") == {"auto": {}}
        assert secret.plain("deletionProtection") is True
        for absent in ("secretId", "project", "labels", "annotations", "topics", "rotation", "versionDestroyTtl"):
            assert absent not in secret.inputs, absent  # auto-named, provider project, nothing else asked for

    def test_the_value_is_a_secret_input_and_the_version_follows_value_changes(self, engine: MockEngine) -> None:
        build(engine)
        version = engine.one(VERSION)
        assert version.is_secret("secretData")
        assert version.plain("secretData") == CANARY
        assert version.plain("secret") == engine.one(SECRET).id
        assert version.ignore_changes == []
        # Deletion protection: a replaced or removed version is disabled (recoverable), not destroyed.
        assert version.plain("deletionPolicy") == "DISABLE"

    def test_outputs_resolve_to_what_the_runtime_reader_accepts(self, engine: MockEngine) -> None:
        key = build(engine)
        secret_id = resolve_output(key.secret_id)
        assert SECRET_ID.fullmatch(secret_id.value)
        assert not secret_id.is_secret
        secret_ref = resolve_output(key.secret_ref).value
        assert secret_ref == f"{secret_id.value}/versions/latest"
        parsed = parse_secret_ref(secret_ref)
        assert isinstance(parsed, GcpSecretRef)
        assert (parsed.project, parsed.version) == ("mock-project", "latest")
        assert parsed.secret == engine.one(SECRET).outputs["secretId"]
        assert resolve_output(key.version_id).value == "1"
        assert resolve_output(key.backend).value == "gcp-secret-manager"
        assert resolve_output(key.kms_key_id).value is None
        assert resolve_output(key.api_key_id).value is None
        value = resolve_output(key.value)
        assert (value.value, value.is_secret) == (CANARY, True)

    def test_value_from_a_secret_config_stays_secret(self) -> None:
        with mock_pulumi(config={"gemini_api_key": CANARY}, secret_keys=["gemini_api_key"]) as engine:
            key = engine.run(
                lambda: SecureApiKey(
                    "gemini", {"backend": "gcp-secret-manager", "value": pulumi.Config().require_secret("gemini_api_key")}
                )
            )
            assert engine.one(VERSION).is_secret("secretData")
            assert resolve_output(key.value).is_secret

    def test_explicit_name_and_project(self, engine: MockEngine) -> None:
        key = build(engine, name="gemini_prod-key", gcp={"project": "my-project"})
        secret = engine.one(SECRET)
        assert secret.plain("secretId") == "gemini_prod-key"
        assert secret.plain("project") == "my-project"
        assert resolve_output(key.secret_ref).value == "projects/my-project/secrets/gemini_prod-key/versions/latest"

    def test_project_may_be_an_output(self, engine: MockEngine) -> None:
        build(engine, gcp={"project": pulumi.Output.from_input("other-project")}, readers=[APP])
        assert engine.one(SECRET).plain("project") == "other-project"
        assert engine.one(MEMBER).plain("project") == "other-project"

    def test_description_is_stored_as_an_annotation_next_to_yours(self, engine: MockEngine) -> None:
        build(engine, description="Gemini key for the summarizer", gcp={"annotations": {"owner.team": "ml", "ticket": "ML-42"}})
        assert engine.one(SECRET).plain("annotations") == {
            "owner.team": "ml",
            "ticket": "ML-42",
            "description": "Gemini key for the summarizer",
        }

    def test_version_destroy_ttl(self, engine: MockEngine) -> None:
        build(engine, gcp={"version_destroy_ttl": "2592000s"})
        assert engine.one(SECRET).plain("versionDestroyTtl") == "2592000s"

    def test_without_deletion_protection_everything_can_be_deleted(self, engine: MockEngine) -> None:
        build(engine, deletion_protection=False, encryption={"create_key": True})
        assert engine.one(SECRET).plain("deletionProtection") is False
        assert engine.one(VERSION).plain("deletionPolicy") == "DELETE"
        assert engine.one(KEY).plain("deletionPolicy") == "ABANDON"  # versions may still be encrypted with it

    def test_preview_mode_registers_the_same_resources(self, preview_engine: MockEngine) -> None:
        key = build(preview_engine)
        assert [r.type for r in children(preview_engine)] == [SECRET, VERSION]
        assert resolve_output(key.value).is_secret


class TestLabels:
    def test_tags_become_normalized_labels_on_every_labelled_resource(self, engine: MockEngine) -> None:
        build(
            engine,
            tags={"Team": "ML", "cost center": "R&D 42", "env": ""},
            encryption={"create_key": True},
            rotation={"every_days": 30},
        )
        expected = {"team": "ml", "cost_center": "r_d_42", "env": ""}
        assert engine.one(SECRET).plain("labels") == expected
        assert engine.one(KEY).plain("labels") == expected
        assert engine.one(TOPIC).plain("labels") == expected

    @pytest.mark.parametrize(
        ("tags", "labels"),
        [
            ({"Team": "ML"}, {"team": "ml"}),
            ({"cost center": "Platform/AI"}, {"cost_center": "platform_ai"}),
            ({"app.kubernetes.io/name": "summarizer"}, {"app_kubernetes_io_name": "summarizer"}),
            ({"owner": "jane@example.com"}, {"owner": "jane_example_com"}),
            ({"région": "Zürich"}, {"r_gion": "z_rich"}),
            ({"a" * 63: "b" * 63}, {"a" * 63: "b" * 63}),
            ({"tier": "gold-1_a"}, {"tier": "gold-1_a"}),
        ],
    )
    def test_mapping_examples(self, tags: dict[str, str], labels: dict[str, str]) -> None:
        assert gcp_labels(tags) == labels

    @pytest.mark.parametrize(
        ("tags", "message"),
        [
            ({"1team": "x"}, r"args\.tags\.1team: becomes GCP label key '1team', which does not start with a letter"),
            ({"_team": "x"}, r"args\.tags\._team: .*does not start with a letter"),
            ({"Équipe": "x"}, r"args\.tags\.Équipe: becomes GCP label key '_quipe'"),
            ({"k" * 64: "x"}, r"becomes a GCP label key of 64 characters; allowed: 1-63 characters"),
            ({"team": "v" * 64}, r"args\.tags\.team: becomes a GCP label value of 64 characters"),
            ({"Team": "a", "team": "b"}, r"args\.tags\.team: becomes GCP label key 'team', the same as tags\.Team"),
            ({"cost center": "a", "cost_center": "b"}, r"the same as tags\.cost center"),
            ({f"k{i}": "v" for i in range(65)}, r"args\.tags: has 65 entries; allowed: at most 64 labels"),
        ],
    )
    def test_what_cannot_be_mapped_is_refused_naming_the_tag(self, tags: dict[str, str], message: str) -> None:
        with pytest.raises(SecureApiKeyError, match=message):
            gcp_labels(tags)

    @settings(max_examples=300, deadline=None)
    @given(st.dictionaries(st.text(min_size=1, max_size=70), st.text(max_size=70), max_size=8))
    def test_normalized_labels_always_satisfy_gcp_rules(self, tags: dict[str, str]) -> None:
        try:
            labels = gcp_labels(tags)
        except SecureApiKeyError as error:
            refused_field = error.field
            assert refused_field == "tags" or refused_field.removeprefix("tags.") in tags
            return
        assert len(labels) == len(tags) <= 64
        for key, value in labels.items():
            assert re.fullmatch(LABEL_KEY_PATTERN, key), key
            assert re.fullmatch(LABEL_VALUE_PATTERN, value), value
        assert gcp_labels(labels) == labels  # normalizing twice changes nothing
        assert gcp_labels(dict(tags)) == labels  # deterministic


class TestReplication:
    def test_automatic_replication_by_default(self, engine: MockEngine) -> None:
        build(engine)
        assert engine.one(SECRET).plain("replication") == {"auto": {}}

    def test_replica_regions_become_user_managed_replication_in_order(self, engine: MockEngine) -> None:
        build(engine, replica_regions=["us-central1", "europe-west1", "northamerica-northeast1"])
        assert engine.one(SECRET).plain("replication") == {
            "userManaged": {
                "replicas": [{"location": "us-central1"}, {"location": "europe-west1"}, {"location": "northamerica-northeast1"}]
            }
        }

    def test_a_replication_change_is_left_to_the_provider_and_guarded_by_deletion_protection(self, engine: MockEngine) -> None:
        # The provider already replaces the secret (deleting it first) when replication changes; the component
        # adds no replace_on_changes, so key changes the provider applies in place stay in place, and deletion
        # protection (on by default) makes such a replacement fail instead of destroying every version.
        build(engine, replica_regions=["us-central1"])
        secret = engine.one(SECRET)
        assert secret.replace_on_changes == []
        assert secret.delete_before_replace is False
        assert secret.plain("deletionProtection") is True


class TestEncryption:
    def test_create_key_for_automatic_replication_makes_a_global_key_granted_to_the_agent_first(self, engine: MockEngine) -> None:
        key = build(engine, encryption={"create_key": True})
        agent = engine.one(AGENT, "gemini-secretmanager-agent")
        assert agent.plain("service") == "secretmanager.googleapis.com"
        ring = engine.one(KEY_RING, "gemini-keyring-global")
        assert ring.plain("location") == "global"
        assert re.fullmatch(r"gemini-keyring-global-[a-z0-9]{7}", ring.outputs["name"])
        kms_key = engine.one(KEY, "gemini-key-global")
        assert kms_key.plain("keyRing") == ring.id
        assert kms_key.plain("name") == "api-key"
        assert kms_key.plain("purpose") == "ENCRYPT_DECRYPT"
        assert kms_key.plain("rotationPeriod") == "7776000s"  # 90 days
        assert kms_key.plain("deletionPolicy") == "ABANDON"  # deletion protection: never destroy a key data depends on
        assert kms_key.id == f"{ring.id}/cryptoKeys/api-key"
        grant = engine.one(KEY_GRANT, "gemini-key-grant-global")
        assert grant.plain("cryptoKeyId") == kms_key.id
        assert grant.plain("role") == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
        assert grant.plain("member") == AGENT_MEMBER == agent.outputs["member"]
        secret = engine.one(SECRET)
        assert secret.plain("replication") == {"auto": {"customerManagedEncryption": {"kmsKeyName": kms_key.id}}}
        assert grant.urn in waited_for(engine, secret)  # the agent may use the key before the secret exists
        assert resolve_output(key.kms_key_id).value == kms_key.id

    def test_create_key_for_user_managed_replication_makes_a_key_per_location(self, engine: MockEngine) -> None:
        key = build(
            engine, replica_regions=["us-central1", "europe-west1"], encryption={"create_key": True, "key_rotation_days": 30}
        )
        keys = {loc: engine.one(KEY, f"gemini-key-{loc}") for loc in ("us-central1", "europe-west1")}
        rings = {loc: engine.one(KEY_RING, f"gemini-keyring-{loc}") for loc in keys}
        for location, kms_key in keys.items():
            assert rings[location].plain("location") == location
            assert re.fullmatch(rf"gemini-keyring-{location}-[a-z0-9]{{7}}", rings[location].outputs["name"])
            assert kms_key.plain("rotationPeriod") == "2592000s"  # 30 days
            assert f"/locations/{location}/" in kms_key.id
        secret = engine.one(SECRET)
        assert secret.plain("replication") == {
            "userManaged": {
                "replicas": [
                    {"location": "us-central1", "customerManagedEncryption": {"kmsKeyName": keys["us-central1"].id}},
                    {"location": "europe-west1", "customerManagedEncryption": {"kmsKeyName": keys["europe-west1"].id}},
                ]
            }
        }
        grants = engine.find(KEY_GRANT)
        assert {g.plain("cryptoKeyId") for g in grants} == {k.id for k in keys.values()}
        assert {g.urn for g in grants} <= waited_for(engine, secret)
        assert len(engine.find(AGENT)) == 1
        assert resolve_output(key.kms_key_id).value == keys["us-central1"].id  # the first location's key

    def test_a_key_you_bring_is_granted_to_the_agent_before_the_secret(self, engine: MockEngine) -> None:
        key = build(engine, encryption={"key_id": GLOBAL_KEY})
        assert engine.find(KEY_RING) == []
        assert engine.find(KEY) == []
        grant = engine.one(KEY_GRANT, "gemini-key-grant-global")
        assert (grant.plain("cryptoKeyId"), grant.plain("member")) == (GLOBAL_KEY, AGENT_MEMBER)
        secret = engine.one(SECRET)
        assert secret.plain("replication") == {"auto": {"customerManagedEncryption": {"kmsKeyName": GLOBAL_KEY}}}
        assert grant.urn in waited_for(engine, secret)
        assert resolve_output(key.kms_key_id).value == GLOBAL_KEY

    def test_keys_you_bring_per_location(self, engine: MockEngine) -> None:
        build(
            engine,
            replica_regions=["us-central1", "europe-west1"],
            encryption={"key_id": US_KEY, "replica_key_ids": {"europe-west1": pulumi.Output.from_input(EU_KEY)}},
        )
        replicas = engine.one(SECRET).plain("replication", "userManaged", "replicas")
        assert [r["customerManagedEncryption"]["kmsKeyName"] for r in replicas] == [US_KEY, EU_KEY]
        assert engine.one(KEY_GRANT, "gemini-key-grant-europe-west1").plain("cryptoKeyId") == EU_KEY

    def test_the_grant_on_a_key_you_bring_outlives_the_component(self, engine: MockEngine) -> None:
        # Other secrets of the project may rely on the same agent binding on a shared key, and versions written
        # before a key switch stay encrypted with the old key: deleting the grant would make them unreadable.
        build(
            engine,
            replica_regions=["us-central1", "europe-west1"],
            encryption={"key_id": US_KEY, "replica_key_ids": {"europe-west1": EU_KEY}},
        )
        grants = engine.find(KEY_GRANT)
        assert len(grants) == 2
        assert [g.retain_on_delete for g in grants] == [True, True]

    def test_the_grant_on_a_created_key_outlives_the_component_too(self, engine: MockEngine) -> None:
        # Versions written before a switch of key stay encrypted with the old one: its grant must stay.
        build(engine, encryption={"create_key": True})
        assert engine.one(KEY_GRANT).retain_on_delete is True

    def test_readers_get_no_key_grant_because_the_agent_decrypts(self, engine: MockEngine) -> None:
        build(engine, encryption={"create_key": True}, readers=[APP])
        assert [g.plain("member") for g in engine.find(KEY_GRANT)] == [AGENT_MEMBER]

    def test_key_rings_are_auto_named_so_a_recreated_stack_never_collides(self, engine: MockEngine) -> None:
        build(engine, encryption={"create_key": True})
        ring = engine.one("gcp:kms/keyRing:KeyRing", "gemini-keyring-global")
        assert "name" not in ring.inputs  # the provider adds a random suffix to the logical name
        assert re.fullmatch(r"gemini-keyring-global-[a-z0-9]{7}", ring.outputs["name"])


class TestRotation:
    NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)

    def test_rotation_creates_a_topic_the_agent_may_publish_to_before_the_secret(
        self, engine: MockEngine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at(monkeypatch, self.NOW)
        build(engine, rotation={"every_days": 90})
        topic = engine.one(TOPIC, "gemini-rotation-topic")
        publisher = engine.one(PUBLISHER, "gemini-rotation-publisher")
        assert publisher.plain("topic") == topic.id
        assert publisher.plain("role") == "roles/pubsub.publisher"
        assert publisher.plain("member") == AGENT_MEMBER
        secret = engine.one(SECRET)
        assert secret.plain("topics") == [{"name": topic.id}]
        rotation = secret.plain("rotation")
        assert rotation["rotationPeriod"] == "7776000s"
        when = datetime.strptime(rotation["nextRotationTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        assert self.NOW + timedelta(minutes=15) <= when <= self.NOW + timedelta(days=90, minutes=15)
        assert publisher.urn in waited_for(engine, secret)
        assert publisher.retain_on_delete is None  # the topic is the component's own: the grant goes with it
        assert secret.ignore_changes == []  # turning rotation on later must send next_rotation_time too
        assert engine.find(KEY_GRANT) == []

    def test_with_rotation_the_version_ignores_value_and_state_changes(self, engine: MockEngine) -> None:
        build(engine, rotation={"every_days": 30})
        assert engine.one(VERSION).ignore_changes == ["secretData", "enabled"]

    def test_an_existing_topic(self, engine: MockEngine) -> None:
        build(engine, rotation={"every_days": 30, "gcp_topic_id": "projects/ops/topics/secret-rotation"})
        assert engine.find(TOPIC) == []
        assert engine.one(PUBLISHER).plain("topic") == "projects/ops/topics/secret-rotation"
        # A topic you bring usually carries the notices of other secrets, which rely on the same agent binding.
        assert engine.one(PUBLISHER).retain_on_delete is True
        assert engine.one(SECRET).plain("topics") == [{"name": "projects/ops/topics/secret-rotation"}]

    def test_rotation_and_cmek_share_one_agent(self, engine: MockEngine) -> None:
        build(engine, rotation={"every_days": 30}, encryption={"create_key": True})
        assert len(engine.find(AGENT)) == 1
        secret = engine.one(SECRET)
        assert {engine.one(PUBLISHER).urn, engine.one(KEY_GRANT).urn} <= waited_for(engine, secret)

    def test_next_rotation_time_does_not_drift_between_deploys(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def deployed_at(now: datetime) -> str:
            at(monkeypatch, now)
            with mock_pulumi() as engine:
                build(engine, rotation={"every_days": 90})
                value: str = engine.one(SECRET).plain("rotation", "nextRotationTime")
                return value

        first = deployed_at(self.NOW)
        assert deployed_at(self.NOW + timedelta(hours=5)) == first
        assert deployed_at(self.NOW + timedelta(days=20)) == first
        # Once a notice has gone out, deploys send the time Secret Manager itself moved on to: one period later.
        when = datetime.strptime(first, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        after = deployed_at(when + timedelta(minutes=1))
        assert after == (when + timedelta(seconds=NINETY_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def test_next_rotation_time_is_anchored_and_leaves_a_margin(self) -> None:
        anchor = _gcp_rotation.ANCHOR
        period = 86_400
        assert _gcp_rotation.next_rotation_time(period, 3600, anchor) == "2025-01-01T01:00:00Z"
        assert _gcp_rotation.next_rotation_time(period, 3600, anchor + timedelta(minutes=45)) == "2025-01-01T01:00:00Z"
        assert _gcp_rotation.next_rotation_time(period, 3600, anchor + timedelta(minutes=46)) == "2025-01-02T01:00:00Z"
        assert _gcp_rotation.next_rotation_time(period, 0, anchor - timedelta(days=400)) == "2025-01-01T00:00:00Z"
        assert _gcp_rotation.next_rotation_time(period, 0, datetime(2026, 6, 15, 23, 50, tzinfo=timezone.utc)) == (
            "2026-06-17T00:00:00Z"
        )

    @settings(max_examples=200, deadline=None)
    @given(
        st.integers(min_value=1, max_value=1000),
        st.text(min_size=1, max_size=20),
        st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2100, 1, 1)),
    )
    def test_schedule_properties(self, days: int, component: str, naive_now: datetime) -> None:
        period = days * 86_400
        now = naive_now.replace(tzinfo=timezone.utc)
        offset = _gcp_rotation.schedule_offset(component, period, project="p", stack="s")
        assert 0 <= offset < period
        assert offset % 3600 == 0
        when = datetime.strptime(_gcp_rotation.next_rotation_time(period, offset, now), "%Y-%m-%dT%H:%M:%SZ")
        when = when.replace(tzinfo=timezone.utc)
        assert when >= now + _gcp_rotation.MARGIN
        assert when < now + _gcp_rotation.MARGIN + timedelta(seconds=period) or now < _gcp_rotation.ANCHOR
        assert (when - _gcp_rotation.ANCHOR).total_seconds() % period == offset % period


class TestAudit:
    AUDIT = "gcp:projects/iAMAuditConfig:IAMAuditConfig"

    def test_data_access_logs_for_secret_manager_when_asked(self, engine: MockEngine) -> None:
        build(engine, gcp={"project": "my-project", "audit_data_access": True})
        audit = engine.one(self.AUDIT, "gemini-audit")
        assert audit.plain("project") == "my-project"
        assert audit.plain("service") == "secretmanager.googleapis.com"
        assert audit.plain("auditLogConfigs") == [{"logType": "DATA_READ"}, {"logType": "ADMIN_READ"}]
        assert audit.id == "my-project/audit_config/secretmanager.googleapis.com"

    @pytest.mark.parametrize("block", [{}, {"audit_data_access": False}])
    def test_left_alone_by_default(self, engine: MockEngine, block: dict[str, Any]) -> None:
        build(engine, gcp=block)
        assert engine.find(self.AUDIT) == []

    def test_refused_when_not_a_boolean(self, engine: MockEngine) -> None:
        with pytest.raises(SecureApiKeyError, match=r"args\.gcp\.audit_data_access: must be"):
            build(engine, gcp={"audit_data_access": "yes"})
        assert engine.resources == []


class TestReaders:
    """The default: one additive SecretIamMember per reader (lifecycle in tests/test_gcp_iam.py)."""

    def test_each_reader_gets_an_additive_grant_on_this_secret_only(self, engine: MockEngine) -> None:
        members = [APP, "group:ml-oncall@example.com", "user:jane@example.com"]
        build(engine, readers=members)
        secret = engine.one(SECRET)
        grants = engine.find(MEMBER)
        assert sorted(g.plain("member") for g in grants) == sorted(members)
        for grant in grants:
            assert grant.plain("secretId") == secret.id
            assert grant.plain("role") == "roles/secretmanager.secretAccessor"
            assert grant.parent_urn == engine.one(COMPONENT).urn
            assert re.fullmatch(r"gemini-reader-[0-9a-f]{12}", grant.name), grant.name
        assert engine.find(BINDING) == []  # nothing authoritative: grants made elsewhere stay

    def test_readers_known_at_deploy_time_are_keyed_by_their_name(self, engine: MockEngine) -> None:
        build(
            engine,
            readers=["user:jane@example.com"],
            readers_by_name={"oncall": pulumi.Output.from_input("group:ml-oncall@example.com")},
        )
        assert engine.one(MEMBER, "gemini-reader-oncall").plain("member") == "group:ml-oncall@example.com"
        assert len(engine.find(MEMBER)) == 2

    def test_no_grant_without_readers(self, engine: MockEngine) -> None:
        build(engine)
        assert engine.find(MEMBER) == []
        assert engine.find(BINDING) == []


class TestResourceOptionsReachChildren:
    def test_protect_and_retain_on_delete(self, engine: MockEngine) -> None:
        engine.run(
            lambda: SecureApiKey(
                "gemini",
                {"backend": "gcp-secret-manager", "value": CANARY, "readers": [APP], "encryption": {"create_key": True}},
                pulumi.ResourceOptions(protect=True, retain_on_delete=True),
            )
        )
        kids = children(engine)
        # secret, version, agent, agent wait, key ring, key, key grant, grants' wait, reader grant
        assert len(kids) == 9
        assert all(child.protect is True for child in kids)
        assert all(child.retain_on_delete is True for child in kids)

    def test_providers(self, engine: MockEngine) -> None:
        def program() -> None:
            provider = gcp.Provider("eu", project="eu-project")
            SecureApiKey(
                "gemini",
                {"backend": "gcp-secret-manager", "value": CANARY, "rotation": {"every_days": 30}},
                pulumi.ResourceOptions(providers={"gcp": provider}),
            )

        engine.run(program)
        provider = engine.one("pulumi:providers:gcp", "eu")
        kids = engine.children(engine.one(COMPONENT))
        assert {child.type for child in kids} == {SECRET, VERSION, AGENT, TOPIC, PUBLISHER, WAIT}
        for child in kids:
            if child.type != WAIT:  # the wait belongs to the time provider, not to GCP
                assert child.provider.startswith(provider.urn)


BAD_INPUTS: list[tuple[str, dict[str, Any], str]] = [
    ("missing value", {"value": None}, r"args\.value: is required for backend gcp-secret-manager"),
    ("too long value", {"value": "x" * 65_537}, r"args\.value: is 65537 bytes long"),
    (
        "recovery window",
        {"recovery_window_days": 7},
        r"args\.recovery_window_days: is not supported by backend gcp-secret-manager; allowed: GCP has no recovery window; "
        r"use gcp\.version_destroy_ttl",
    ),
    ("aws block", {"aws": {"force_overwrite_replica_secret": True}}, r"args\.aws: only applies to backend aws-secrets-manager"),
    (
        "the earlier api gateway block",
        {"api_gateway": {"enabled": True}},
        r"args\.api_gateway: is not an option.*allowed: issuer\.aws_api_gateway, here: issuer=\{'aws_api_gateway'",
    ),
    ("azure block", {"azure": {"content_type": "text/plain"}}, r"args\.azure: only applies to backend azure-key-vault"),
    ("bad name chars", {"name": "gemini.key"}, r"args\.name: .*1-255 characters of A-Za-z0-9_-"),
    ("name too long", {"name": "a" * 256}, r"args\.name: has 256 characters"),
    # readers
    ("public reader", {"readers": ["allUsers"]}, r"readers\[0\]: is allUsers, which would make the key readable by anyone"),
    ("authenticated reader", {"readers": ["allAuthenticatedUsers"]}, r"readers\[0\]: is allAuthenticatedUsers"),
    (
        "aws reader",
        {"readers": ["arn:aws:iam::123456789012:role/app"]},
        r"readers\[0\]: is not an IAM member .*serviceAccount:EMAIL",
    ),
    ("bare email", {"readers": ["app@my-project.iam.gserviceaccount.com"]}, r"readers\[0\]: is not an IAM member"),
    ("member without email", {"readers": ["serviceAccount:cloud-run"]}, r"readers\[0\]: is not a well-formed IAM member"),
    ("deleted member", {"readers": ["deleted:serviceAccount:a@b.com?uid=1"]}, r"readers\[0\]: is not an IAM member"),
    ("second reader bad", {"readers": [APP, "user:"]}, r"readers\[1\]: is not a well-formed IAM member"),
    ("duplicate readers", {"readers": [APP, APP]}, r"readers\[1\]: repeats"),
    # rotation
    (
        "schedule expression",
        {"rotation": {"schedule_expression": "rate(10 days)"}},
        r"rotation\.schedule_expression: does not apply to backend gcp-secret-manager; allowed: rotation\.every_days",
    ),
    ("duration", {"rotation": {"every_days": 30, "duration": "3h"}}, r"rotation\.duration: does not apply"),
    (
        "rotate immediately",
        {"rotation": {"every_days": 30, "rotate_immediately": True}},
        r"rotation\.rotate_immediately: does not",
    ),
    (
        "lambda",
        {"rotation": {"every_days": 30, "aws_lambda_arn": "arn:aws:lambda:us-east-1:123456789012:function:rot"}},
        r"rotation\.aws_lambda_arn: does not apply to backend gcp-secret-manager; allowed: rotation\.gcp_topic_id",
    ),
    (
        "webhook",
        {"rotation": {"every_days": 30, "azure_webhook_url": "https://x.example.com/h"}},
        r"rotation\.azure_webhook_url:",
    ),
    (
        "function",
        {
            "rotation": {
                "every_days": 30,
                "azure_function_id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/a/functions/f",
            }
        },
        r"rotation\.azure_function_id: does not apply",
    ),
    (
        "bad topic",
        {"rotation": {"every_days": 30, "gcp_topic_id": "rotation-topic"}},
        r"rotation\.gcp_topic_id: .*projects/P/topics/T",
    ),
    # replication
    ("multi-region location", {"replica_regions": ["us"]}, r"replica_regions\[0\]: .*a GCP region such as us-central1"),
    ("global as replica", {"replica_regions": ["us-central1", "global"]}, r"replica_regions\[1\]:"),
    ("aws region spelling ok but zone", {"replica_regions": ["us-central1-a"]}, r"replica_regions\[0\]:"),
    # encryption
    (
        "replica key with automatic replication",
        {"encryption": {"replica_key_ids": {"us-central1": US_KEY}}},
        r"encryption\.replica_key_ids\.us-central1: applies to user-managed replication only",
    ),
    (
        "regional key for automatic replication",
        {"encryption": {"key_id": US_KEY}},
        r"encryption\.key_id: is in location us-central1, but the secret's data there is in global",
    ),
    ("not a key id", {"encryption": {"key_id": "alias/gemini"}}, r"encryption\.key_id: is not a CryptoKey id .*locations/global"),
    (
        "missing replica key",
        {"replica_regions": ["us-central1", "europe-west1"], "encryption": {"key_id": US_KEY}},
        r"encryption\.replica_key_ids\.europe-west1: is required: with user-managed replication each location needs",
    ),
    (
        "replica key in the wrong location",
        {
            "replica_regions": ["us-central1", "europe-west1"],
            "encryption": {"key_id": US_KEY, "replica_key_ids": {"europe-west1": US_KEY}},
        },
        r"encryption\.replica_key_ids\.europe-west1: is in location us-central1",
    ),
    (
        "replica key for another location",
        {"replica_regions": ["us-central1"], "encryption": {"key_id": US_KEY, "replica_key_ids": {"europe-west1": EU_KEY}}},
        r"encryption\.replica_key_ids\.europe-west1: is not one of replica_regions; allowed: us-central1",
    ),
    (
        "two keys for the first location",
        {"replica_regions": ["us-central1"], "encryption": {"key_id": US_KEY, "replica_key_ids": {"us-central1": US_KEY}}},
        r"encryption\.key_id: names a second key for us-central1",
    ),
    (
        "key rotation of one day",
        {"encryption": {"create_key": True, "key_rotation_days": 1}},
        r"encryption\.key_rotation_days: is out of range \(got 1\); allowed: an integer from 2 to 2560",
    ),
    (
        "key rotation with own key",
        {"encryption": {"key_id": GLOBAL_KEY, "key_rotation_days": 30}},
        r"key_rotation_days: only applies",
    ),
    # labels
    ("label key with a digit first", {"tags": {"2fa": "on"}}, r"args\.tags\.2fa: becomes GCP label key '2fa'"),
    ("colliding labels", {"tags": {"Team": "a", "TEAM": "b"}}, r"args\.tags\.TEAM: becomes GCP label key 'team', the same as"),
    ("label value too long", {"tags": {"team": "x" * 64}}, r"args\.tags\.team: becomes a GCP label value of 64 characters"),
    # gcp block
    (
        "unknown gcp option",
        {"gcp": {"region": "us-central1"}},
        r"args\.gcp\.region: is not a known option; allowed: annotations, audit_data_access, iam_propagation_seconds, "
        r"project, readers_authoritative, version_destroy_ttl",
    ),
    ("bad project", {"gcp": {"project": "My Project"}}, r"args\.gcp\.project: .*a GCP project id"),
    (
        "annotation key",
        {"gcp": {"annotations": {"-team": "ml"}}},
        r"args\.gcp\.annotations: .*begin and end with a letter or digit",
    ),
    ("annotation value", {"gcp": {"annotations": {"team": 3}}}, r"args\.gcp\.annotations\.team: must be a string"),
    (
        "annotations too large",
        {"gcp": {"annotations": {f"k{i}": "v" * 1000 for i in range(17)}}},
        r"args\.gcp\.annotations: hold \d+ bytes with the description; allowed: less than 16384 bytes",
    ),
    (
        "description annotation",
        {"description": "x", "gcp": {"annotations": {"description": "y"}}},
        r"args\.gcp\.annotations\.description: collides with description",
    ),
    ("destroy ttl in days", {"gcp": {"version_destroy_ttl": "30d"}}, r"args\.gcp\.version_destroy_ttl: .*seconds as '<N>s'"),
    ("destroy ttl too short", {"gcp": {"version_destroy_ttl": "3600s"}}, r"version_destroy_ttl: is out of range \(got 3600s\)"),
    ("destroy ttl too long", {"gcp": {"version_destroy_ttl": "86400001s"}}, r"version_destroy_ttl: is out of range"),
    ("destroy ttl not a string", {"gcp": {"version_destroy_ttl": 86400}}, r"version_destroy_ttl: must be a string"),
    ("gcp block not a mapping", {"gcp": "my-project"}, r"args\.gcp: must be a mapping"),
    ("annotation not unicode", {"gcp": {"annotations": {"team": "ml\ud800"}}}, r"args\.gcp\.annotations\.team: is not valid"),
    ("description not unicode", {"description": "\ud800", "gcp": {"annotations": {"team": "ml"}}}, r"args\.description: is not"),
]


@pytest.mark.parametrize(("case", "override", "message"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused_before_any_resource(engine: MockEngine, case: str, override: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"backend": "gcp-secret-manager", "value": CANARY, **override}
    with pytest.raises(SecureApiKeyError, match=message) as refused:
        engine.run(lambda: SecureApiKey("gemini", args))  # type: ignore[arg-type]
    assert CANARY not in str(refused.value)
    assert engine.resources == []


@pytest.mark.parametrize(
    ("component", "override", "message"),
    [
        (
            "a" * 41,
            {"encryption": {"create_key": True}},
            r"args\.encryption\.create_key: would name a key ring .*allowed: a component name of at most 40 characters",
        ),
        (
            "summarizer-gemini-apikey",  # 24 characters
            {"replica_regions": ["us-central1", "northamerica-northeast1"], "encryption": {"create_key": True}},
            r"at most 23 characters of A-Za-z0-9_- \(with location northamerica-northeast1\)",
        ),
        ("gemini.key", {"name": "gemini-key", "encryption": {"create_key": True}}, r"args\.encryption\.create_key: would name"),
        ("2nd-key", {"name": "second-key", "rotation": {"every_days": 30}}, r"args\.rotation: would name a Pub/Sub topic"),
        ("google-ai", {"rotation": {"every_days": 30}}, r"args\.rotation: .*not with 'goog'"),
    ],
)
def test_component_names_that_make_names_gcp_refuses_are_refused_before_any_resource(
    engine: MockEngine, component: str, override: dict[str, Any], message: str
) -> None:
    # Key rings (1-63 of A-Za-z0-9_-) and topics (a letter first, not "goog") are auto-named from the component.
    args: dict[str, Any] = {"backend": "gcp-secret-manager", "value": CANARY, **override}
    with pytest.raises(SecureApiKeyError, match=message):
        engine.run(lambda: SecureApiKey(component, args))  # type: ignore[arg-type]
    assert engine.resources == []


def test_component_names_within_the_limits_are_accepted(engine: MockEngine) -> None:
    def program() -> None:
        SecureApiKey("k" * 40, {"backend": "gcp-secret-manager", "value": CANARY, "encryption": {"create_key": True}})
        SecureApiKey(
            "2nd-key",
            {
                "backend": "gcp-secret-manager",
                "value": CANARY,
                "rotation": {"every_days": 30, "gcp_topic_id": "projects/ops/topics/rotations"},
            },
        )

    engine.run(program)
    (ring,) = engine.find(KEY_RING)
    assert len(ring.outputs["name"]) == 63
    assert engine.find(TOPIC) == []


def test_integral_floats_from_other_languages_are_accepted(engine: MockEngine) -> None:
    build(engine, rotation={"every_days": 30.0}, encryption={"create_key": True, "key_rotation_days": 45.0})
    assert engine.one(SECRET).plain("rotation", "rotationPeriod") == "2592000s"
    assert engine.one(KEY).plain("rotationPeriod") == "3888000s"


def deploy_error(make_args: Callable[[], dict[str, Any]]) -> tuple[str, list[str]]:
    """Run a component whose inputs fail at deploy time: the error message and the names registered.

    ``make_args`` runs inside the program, where Outputs can be made."""
    with mock_pulumi() as engine, pytest.raises(DeployTimeError) as refused:
        engine.run(lambda: SecureApiKey("gemini", {"backend": "gcp-secret-manager", "value": CANARY, **make_args()}))  # type: ignore[typeddict-item]
    return str(refused.value), [r.name for r in engine.resources]


def test_a_value_output_that_is_too_long_fails_at_deploy_without_showing_it() -> None:
    message, _ = deploy_error(lambda: {"value": pulumi.Output.secret(CANARY * 2000)})
    assert re.search(r"SecureApiKey 'gemini' args\.value: is \d+ bytes long", message)
    assert CANARY not in message


def test_a_public_reader_given_as_an_output_fails_at_deploy() -> None:
    message, names = deploy_error(
        lambda: {"readers": [APP], "readers_by_name": {"everyone": pulumi.Output.from_input("allUsers")}}
    )
    assert (
        "SecureApiKey 'gemini' args.readers_by_name.everyone: is allUsers, which would make the key readable by anyone" in message
    )
    assert "gemini-reader-everyone" not in names  # its grant is never registered


def test_no_plaintext_value_in_non_secret_inputs_outputs_or_logs(engine: MockEngine, caplog: pytest.LogCaptureFixture) -> None:
    from ai_keys.testing import is_secret_at

    caplog.set_level("DEBUG")
    key = build(
        engine,
        description="Gemini key",
        readers=[APP],
        encryption={"create_key": True},
        replica_regions=["us-central1", "europe-west1"],
        rotation={"every_days": 30},
        tags={"team": "ml"},
        gcp={"annotations": {"owner": "ml"}, "version_destroy_ttl": "86400s"},
    )
    checked_inputs = checked_outputs = 0
    secret_outputs_holding_the_value = []
    for resource in engine.resources:
        for key_name, value in resource.inputs.items():
            if not resource.is_secret(key_name):
                assert CANARY not in json.dumps(unwrap_secrets(value), default=str), (resource.name, key_name)
                checked_inputs += 1
        for key_name, value in resource.outputs.items():
            # An output is secret when its state comes back wrapped, or when the resource asked for it to be.
            if is_secret_at(resource.outputs, [key_name]) or key_name in resource.additional_secret_outputs:
                if CANARY in json.dumps(unwrap_secrets(value), default=str):
                    secret_outputs_holding_the_value.append((resource.type, key_name))
                continue
            assert CANARY not in json.dumps(unwrap_secrets(value), default=str), (resource.name, key_name)
            checked_outputs += 1
        assert CANARY not in resource.name
        assert CANARY not in resource.urn
    # The value is there, in the version's state, and only as a secret (so the scan above looked at the right place).
    assert secret_outputs_holding_the_value == [(VERSION, "secretData")]
    for output in (key.secret_id, key.secret_ref, key.version_id, key.kms_key_id, key.backend):
        assert CANARY not in str(resolve_output(output).value)
    assert not any(CANARY in line for line in engine.logs)
    assert not [r for r in caplog.records if CANARY in r.getMessage() or CANARY in repr(r.args)]
    assert checked_inputs > 25
    assert checked_outputs > checked_inputs  # every output that echoes an input, plus those the cloud adds
