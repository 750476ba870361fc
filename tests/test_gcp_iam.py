"""GCP readers and IAM waits across deploys: what each edit does to the readers' grants, and when a deploy waits
for IAM. Every plan is the engine's, from the lifecycle harness (``ai_keys.testing.plan_update``)."""

from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from ai_keys import SecureApiKey, SecureApiKeyError
from ai_keys.stores.gcp_secret_manager.rules import normalized_member
from ai_keys.testing import MockEngine, Plan, RegisteredResource, plan_destroy, plan_update

from .conftest import CANARY
from .scenarios import Out, with_outputs

SECRET = "gcp:secretmanager/secret:Secret"
MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember"
BINDING = "gcp:secretmanager/secretIamBinding:SecretIamBinding"
WAIT = "time:index/sleep:Sleep"
AGENT = "gcp:projects/serviceIdentity:ServiceIdentity"

APP = "serviceAccount:app@mock-project.iam.gserviceaccount.com"
OPS = "group:ml-oncall@example.com"
BATCH = "user:jane@example.com"
KEY_1 = "projects/mock-project/locations/global/keyRings/shared/cryptoKeys/k1"
KEY_2 = "projects/mock-project/locations/global/keyRings/shared/cryptoKeys/k2"
TOPIC_OF_YOURS = "projects/mock-project/topics/secret-rotation"

GRANTS_WAIT = "openai-iam-propagation"
AGENT_WAIT = "openai-secretmanager-agent-wait"


def gcp(**args: Any) -> Callable[[], Any]:
    """A one-key program (``Out`` values become Outputs inside it)."""
    args.setdefault("gcp", {"project": "mock-project"})
    full = {"backend": "gcp-secret-manager", "value": CANARY, **args}
    return lambda: SecureApiKey("openai", with_outputs(full))


def grant_of(resources: list[RegisteredResource], member: str) -> str:
    """The logical name of the one reader grant of ``member``."""
    (name,) = [r.name for r in resources if r.type == MEMBER and r.plain("member") == member]
    return name


def one(resources: list[RegisteredResource], name: str) -> RegisteredResource:
    (resource,) = [r for r in resources if r.name == name]
    return resource


def steps(plan: Plan) -> list[tuple[str, str]]:
    return [(s.action, s.name) for s in plan.steps]


# ------------------------------------------------------------------------------------------------------- readers
class TestAdditiveReaders:
    """The default: one SecretIamMember per reader, keyed by its member (or its name when known only at deploy)."""

    def test_removing_a_reader_deletes_only_that_members_grant(self) -> None:
        plan = plan_update(gcp(readers=[APP, OPS]), gcp(readers=[OPS]))
        assert plan.touched() == {grant_of(plan.before, APP): "delete"}
        assert steps(plan) == [("delete", grant_of(plan.before, APP))]
        assert plan.op(grant_of(plan.after, OPS)) == "same"

    def test_adding_a_reader_creates_only_its_grant(self) -> None:
        plan = plan_update(gcp(readers=[APP]), gcp(readers=[BATCH, APP]))
        assert plan.touched() == {grant_of(plan.after, BATCH): "create"}

    @pytest.mark.parametrize(
        ("before", "after"),
        [
            ({"readers": [APP, OPS, BATCH]}, {"readers": [BATCH, APP, OPS]}),
            # A known member is keyed by itself wherever it is listed.
            ({"readers": [APP, OPS]}, {"readers": [OPS], "readers_by_name": {"app": APP}}),
            ({"readers_by_name": {"app": APP}}, {"readers_by_name": {"summarizer": APP}}),
            ({"readers_by_name": {"app": Out(APP), "ops": Out(OPS)}}, {"readers_by_name": {"ops": Out(OPS), "app": Out(APP)}}),
        ],
    )
    def test_reordering_or_moving_readers_changes_nothing(self, before: dict[str, Any], after: dict[str, Any]) -> None:
        plan = plan_update(gcp(**before), gcp(**after))
        assert plan.touched() == {}
        assert len([r for r in plan.after if r.type == MEMBER]) == len([r for r in plan.before if r.type == MEMBER]) > 0

    def test_a_reader_known_only_at_deploy_time_is_keyed_by_its_name(self) -> None:
        plan = plan_update(gcp(readers_by_name={"app": Out(APP), "ops": Out(OPS)}), gcp(readers_by_name={"ops": Out(OPS)}))
        assert plan.touched() == {"openai-reader-app": "delete"}
        assert one(plan.after, "openai-reader-ops").plain("member") == OPS

    def test_renaming_a_reader_known_only_at_deploy_time_creates_then_deletes_the_same_member(self) -> None:
        # Why the GCP store page says to `pulumi state rename` first: both grants are the same IAM member, and the delete
        # (which runs last) removes that member from the secret's policy, whichever resource created it.
        plan = plan_update(gcp(readers_by_name={"app": Out(APP)}), gcp(readers_by_name={"web": Out(APP)}))
        assert plan.touched() == {"openai-reader-web": "create", "openai-reader-app": "delete"}
        assert plan.index("create", "openai-reader-web") < plan.index("delete", "openai-reader-app")

    def test_an_emails_case_does_not_move_its_grant(self) -> None:
        # IAM compares the part after the member type without case, except principal:// and principalSet://
        # (magic-modules normalizeIamMemberCasing), and the provider suppresses such a diff of `member`.
        assert normalized_member("user:Jane@Example.COM") == BATCH
        assert normalized_member("serviceAccount:App@X.iam.gserviceaccount.com") == "serviceAccount:app@x.iam.gserviceaccount.com"
        subject = "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/Repo"
        assert normalized_member(subject) == subject
        plan = plan_update(gcp(readers=["user:Jane@Example.COM"]), gcp(readers=[BATCH]))
        assert grant_of(plan.before, "user:Jane@Example.COM") == grant_of(plan.after, BATCH)
        other = plan_update(gcp(readers=[subject]), gcp(readers=[subject.replace("Repo", "repo")]))
        assert grant_of(other.before, subject) != grant_of(other.after, subject.replace("Repo", "repo"))

    def test_a_reader_known_only_at_deploy_time_in_readers_is_refused_before_any_resource(self, engine: MockEngine) -> None:
        def program() -> None:
            args: dict[str, Any] = {"backend": "gcp-secret-manager", "value": CANARY}
            args["readers"] = [APP, pulumi.Output.from_input(OPS)]
            SecureApiKey("openai", args)  # type: ignore[arg-type]

        with pytest.raises(SecureApiKeyError) as refused:
            engine.run(program)
        assert refused.value.field == "readers[1]"
        message = str(refused.value)
        assert "args.readers[1]: is known only at deploy time, and on gcp-secret-manager each reader gets a grant" in message
        assert 'readers_by_name instead, e.g. readers_by_name: {"app": <the output>}' in message
        assert engine.resources == []

    def test_destroy_deletes_each_grant_before_the_secret(self) -> None:
        plan = plan_destroy(gcp(readers=[APP, OPS], deletion_protection=False))
        for member in (APP, OPS):
            assert plan.index("delete", grant_of(plan.before, member)) < plan.index("delete", "openai-secret")


class TestAuthoritativeReaders:
    """``gcp.readers_authoritative: true``: one SecretIamBinding, the only resource earlier versions made."""

    def test_one_binding_of_exactly_the_readers_named_as_earlier_versions_named_it(self, engine: MockEngine) -> None:
        def program() -> None:
            gcp(
                readers=[APP, Out(OPS)],
                readers_by_name={"batch": Out(BATCH)},
                gcp={"project": "mock-project", "readers_authoritative": True},
            )()

        engine.run(program)
        binding = engine.one(BINDING, "openai-readers")
        assert binding.plain("members") == [APP, OPS, BATCH]  # readers given as Outputs need no name here
        assert binding.plain("role") == "roles/secretmanager.secretAccessor"
        assert binding.plain("secretId") == engine.one(SECRET).id
        assert engine.find(MEMBER) == []

    @pytest.mark.parametrize(("before", "after"), [([APP, OPS], [OPS, APP]), ([APP, OPS], [OPS]), ([APP], [APP, BATCH])])
    def test_reader_edits_update_the_binding_in_place(self, before: list[str], after: list[str]) -> None:
        authoritative = {"project": "mock-project", "readers_authoritative": True}
        plan = plan_update(gcp(readers=before, gcp=authoritative), gcp(readers=after, gcp=authoritative))
        assert set(plan.touched()) <= {"openai-readers"}
        assert all(action == "update" for action, _ in steps(plan))

    @pytest.mark.parametrize("value", ["yes", 1, "true"])
    def test_anything_but_a_boolean_is_refused_before_any_resource(self, engine: MockEngine, value: Any) -> None:
        args = {"backend": "gcp-secret-manager", "value": CANARY, "gcp": {"readers_authoritative": value}}
        with pytest.raises(SecureApiKeyError, match=r"args\.gcp\.readers_authoritative: must be true or false"):
            engine.run(lambda: SecureApiKey("openai", args))  # type: ignore[arg-type]
        assert engine.resources == []


class TestSwitchingBetweenTheTwo:
    """Deletes run last, and on GCP deleting a SecretIamBinding removes the role from the secret for every member
    (magic-modules resourceIamBindingDelete: filterBindingsWithRoleAndCondition), while deleting a SecretIamMember
    removes that member (subtractFromBindings). So a switch in one deploy revokes the readers it just granted: the
    manual's migration (Google Secret Manager page) drops the old resources from the state first (`pulumi state delete`)."""

    AUTHORITATIVE = {"project": "mock-project", "readers_authoritative": True}

    def test_a_stack_from_an_earlier_version_keeps_its_binding_by_opting_in(self) -> None:
        # Earlier versions made exactly this binding (same type, name and inputs): opting in changes nothing.
        plan = plan_update(gcp(readers=[APP, OPS], gcp=self.AUTHORITATIVE), gcp(readers=[APP, OPS], gcp=self.AUTHORITATIVE))
        assert plan.touched() == {}
        assert one(plan.after, "openai-readers").type == BINDING

    def test_binding_to_grants_in_one_deploy_deletes_the_binding_after_the_grants_are_made(self) -> None:
        plan = plan_update(gcp(readers=[APP, OPS], gcp=self.AUTHORITATIVE), gcp(readers=[APP, OPS]))
        assert plan.op("openai-readers") == "delete"  # a real delete: the role goes, for every member
        for member in (APP, OPS):
            assert plan.index("create", grant_of(plan.after, member)) < plan.index("delete", "openai-readers")

    def test_after_the_binding_is_dropped_from_the_state_the_grants_are_only_created(self) -> None:
        # `pulumi state delete <binding>` leaves a state without it: the next deploy deletes nothing.
        plan = plan_update(gcp(), gcp(readers=[APP, OPS]))
        assert {action for action, _ in steps(plan)} == {"create"}
        assert sorted(plan.touched().values()) == ["create", "create"]

    def test_grants_to_binding_in_one_deploy_deletes_each_grant_after_the_binding_is_made(self) -> None:
        plan = plan_update(gcp(readers=[APP]), gcp(readers=[APP], gcp=self.AUTHORITATIVE))
        grant = grant_of(plan.before, APP)
        assert plan.op(grant) == "delete"
        assert plan.index("create", "openai-readers") < plan.index("delete", grant)


# ------------------------------------------------------------------------------------------------------- IAM waits
class TestGrantsWait:
    """The Secret waits for the service agent's grants; a deploy waits only when a grant is created or replaced."""

    @pytest.mark.parametrize(
        ("before", "after", "grant"),
        [
            ({"encryption": {"key_id": KEY_1}}, {"encryption": {"key_id": KEY_2}}, "openai-key-grant-global"),
            (
                {"rotation": {"every_days": 30}},
                {"rotation": {"every_days": 30, "gcp_topic_id": TOPIC_OF_YOURS}},
                "openai-rotation-publisher",
            ),
        ],
        ids=["another key", "another topic"],
    )
    def test_a_replaced_grant_waits_again_before_the_secret_uses_it(
        self, before: dict[str, Any], after: dict[str, Any], grant: str
    ) -> None:
        plan = plan_update(gcp(**before), gcp(**after))
        assert plan.op(grant) == "replace"
        # The grant keeps its URN: the trigger must be something the replacement changes (its id).
        old_triggers = one(plan.before, GRANTS_WAIT).plain("triggers")
        new_triggers = one(plan.after, GRANTS_WAIT).plain("triggers")
        assert old_triggers.keys() == new_triggers.keys()
        assert old_triggers != new_triggers
        assert one(plan.after, grant).id in new_triggers.values()
        assert plan.op(GRANTS_WAIT) == "replace"
        secret = one(plan.after, "openai-secret")
        assert plan.urn_of(GRANTS_WAIT) in secret.dependencies
        assert plan.index("create-replacement", grant) < plan.index("create-replacement", GRANTS_WAIT)
        assert plan.index("create-replacement", GRANTS_WAIT) < plan.index("update", "openai-secret")

    def test_a_created_key_in_another_location_waits_again(self) -> None:
        plan = plan_update(
            gcp(replica_regions=["us-central1"], encryption={"create_key": True}, deletion_protection=False),
            gcp(replica_regions=["europe-west1"], encryption={"create_key": True}, deletion_protection=False),
        )
        assert plan.op("openai-key-grant-europe-west1") == "create"
        assert plan.op(GRANTS_WAIT) == "replace"
        assert plan.index("create-replacement", GRANTS_WAIT) < plan.index("create-replacement", "openai-secret")

    @pytest.mark.parametrize(
        "after",
        [
            {"description": "another text", "tags": {"team": "ml"}},
            {"readers": [APP]},
            {"value": CANARY + "2"},
            {"gcp": {"project": "mock-project", "annotations": {"owner": "ml"}}},
        ],
    )
    def test_a_deploy_that_replaces_no_grant_does_not_wait(self, after: dict[str, Any]) -> None:
        base: dict[str, Any] = {"encryption": {"key_id": KEY_1}, "rotation": {"every_days": 30}}
        plan = plan_update(gcp(**base), gcp(**{**base, **after}))
        assert plan.op(GRANTS_WAIT) == "same"
        assert plan.op(AGENT_WAIT) == "same"

    def test_the_default_wait_is_two_minutes(self, engine: MockEngine) -> None:
        engine.run(gcp(encryption={"create_key": True}))
        for name in (GRANTS_WAIT, AGENT_WAIT):
            assert engine.one(WAIT, name).plain("createDuration") == "120s"

    def test_another_length_replaces_the_waits_and_nothing_else(self) -> None:
        before = gcp(encryption={"key_id": KEY_1})
        plan = plan_update(
            before, gcp(encryption={"key_id": KEY_1}, gcp={"project": "mock-project", "iam_propagation_seconds": 300})
        )
        assert plan.touched() == {GRANTS_WAIT: "replace", AGENT_WAIT: "replace"}
        assert one(plan.after, GRANTS_WAIT).plain("createDuration") == "300s"

    def test_zero_turns_both_waits_off(self, engine: MockEngine) -> None:
        engine.run(
            gcp(
                encryption={"key_id": KEY_1},
                rotation={"every_days": 30},
                gcp={"project": "mock-project", "iam_propagation_seconds": 0},
            )
        )
        assert engine.find(WAIT) == []
        grants = {
            engine.one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").urn,
            engine.one("gcp:pubsub/topicIAMMember:TopicIAMMember").urn,
        }
        assert grants <= set(engine.one(SECRET).dependencies)

    @pytest.mark.parametrize("seconds", [-1, 601, 1.5, "120"])
    def test_out_of_range_is_refused_before_any_resource(self, engine: MockEngine, seconds: Any) -> None:
        args = {"backend": "gcp-secret-manager", "value": CANARY, "gcp": {"iam_propagation_seconds": seconds}}
        with pytest.raises(SecureApiKeyError, match=r"args\.gcp\.iam_propagation_seconds: .*allowed: an integer from 0 to 600"):
            engine.run(lambda: SecureApiKey("openai", args))  # type: ignore[arg-type]
        assert engine.resources == []


class TestServiceAgentWait:
    """Secret Manager's service agent is created lazily; IAM may not know it when a grant names it at once."""

    def test_the_first_deploy_creates_the_agent_waits_then_grants_it(self) -> None:
        plan = plan_update(lambda: None, gcp(encryption={"create_key": True}, rotation={"every_days": 90}))
        agent = one(plan.after, "openai-secretmanager-agent")
        wait = one(plan.after, AGENT_WAIT)
        assert wait.type == WAIT
        assert wait.plain("triggers") == {"service-identity": agent.id}  # tied to the identity, nothing else
        assert agent.urn in wait.dependencies
        assert plan.index("create", "openai-secretmanager-agent") < plan.index("create", AGENT_WAIT)
        for grant in ("openai-key-grant-global", "openai-rotation-publisher"):
            assert wait.urn in one(plan.after, grant).dependencies
            assert plan.index("create", AGENT_WAIT) < plan.index("create", grant)
            assert plan.index("create", grant) < plan.index("create", GRANTS_WAIT)
        assert plan.index("create", GRANTS_WAIT) < plan.index("create", "openai-secret")

    @pytest.mark.parametrize(
        ("before", "after"),
        [
            ({"encryption": {"key_id": KEY_1}}, {"encryption": {"key_id": KEY_2}}),
            ({"encryption": {"key_id": KEY_1}}, {"encryption": {"key_id": KEY_1}, "rotation": {"every_days": 30}}),
        ],
        ids=["another key", "rotation turned on"],
    )
    def test_later_deploys_do_not_wait_for_the_agent_again(self, before: dict[str, Any], after: dict[str, Any]) -> None:
        plan = plan_update(gcp(**before), gcp(**after))
        assert plan.op(AGENT_WAIT) == "same"
        assert plan.op(GRANTS_WAIT) == "replace"  # a new or replaced grant still waits

    def test_an_agent_of_another_project_is_waited_for_again(self) -> None:
        plan = plan_update(
            gcp(encryption={"key_id": KEY_1}, deletion_protection=False),
            gcp(encryption={"key_id": KEY_1}, deletion_protection=False, gcp={"project": "other-project"}),
        )
        assert plan.op("openai-secretmanager-agent") == "replace"
        assert plan.op(AGENT_WAIT) == "replace"
        assert plan.index("create-replacement", AGENT_WAIT) < plan.index("create-replacement", "openai-key-grant-global")

    def test_no_agent_and_no_wait_without_cmek_or_rotation(self, engine: MockEngine) -> None:
        engine.run(gcp(readers=[APP]))
        assert engine.find(AGENT) == []
        assert engine.find(WAIT) == []
