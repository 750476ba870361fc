"""The second deploy and the last one, on every store: each test runs the deployed program, then the edited one
(or a destroy), and checks the engine's plan against the promises:

- no reader that stays loses access;
- no stored value or version becomes unreadable;
- no value is replaced by an older one;
- destroy either completes, or is refused before any step runs, saying why and what to do.
"""

from collections.abc import Callable
from typing import Any

import pytest

from ai_keys import SecureApiKey, SecureApiKeyError
from ai_keys.testing import Plan, RegisteredResource, mock_pulumi, plan_destroy, plan_update

from .conftest import CANARY, LAMBDA_ARN, ROLE_ARN
from .scenarios import Out, with_outputs

SECRET_AWS = "aws:secretsmanager/secret:Secret"
POLICY_AWS = "aws:secretsmanager/secretPolicy:SecretPolicy"
GRANT_AWS = "aws:kms/grant:Grant"
KEY_AWS = "aws:kms/key:Key"
SECRET_AZ = "azure-native:keyvault:Secret"
ASSIGNMENT_AZ = "azure-native:authorization:RoleAssignment"
SECRET_GCP = "gcp:secretmanager/secret:Secret"
MEMBER_GCP = "gcp:secretmanager/secretIamMember:SecretIamMember"
KEY_GRANT_GCP = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"

OTHER_ROLE = "arn:aws:iam::123456789012:role/indexer"
THIRD_ROLE = "arn:aws:iam::123456789012:role/batch"
BROUGHT_KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
OTHER_BROUGHT_KEY = "arn:aws:kms:us-east-1:123456789012:key/66666666-7777-8888-9999-000000000000"
APP = "5f0c6a1e-8a0b-4f4e-9d53-2f1e0c7b9a11"
OPS = "0b6f7d5e-1c2a-4b9e-8f3d-6a5c4b3a2f10"
BATCH = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
RG = "rg-ml"
GCP_APP = "serviceAccount:app@mock-project.iam.gserviceaccount.com"
GCP_OPS = "group:ml-oncall@example.com"
GCP_BATCH = "user:jane@example.com"
GCP_KEY = "projects/mock-project/locations/global/keyRings/shared/cryptoKeys/k1"
GCP_OTHER_KEY = "projects/mock-project/locations/global/keyRings/shared/cryptoKeys/k2"


def stack(backend: str, **args: Any) -> Callable[[], None]:
    """A one-key program (``Out`` values become Outputs inside it)."""
    return lambda: SecureApiKey("openai", {"backend": backend, "value": CANARY, **with_outputs(args)})  # type: ignore[typeddict-item]


def aws_sm(**args: Any) -> Callable[[], None]:
    return stack("aws-secrets-manager", **args)


def azure(**args: Any) -> Callable[[], None]:
    args.setdefault("azure", {"resource_group_name": RG, "create_vault": {}})
    return stack("azure-key-vault", **args)


def gcp(**args: Any) -> Callable[[], None]:
    args.setdefault("gcp", {"project": "mock-project"})
    return stack("gcp-secret-manager", **args)


def only(plan: Plan, *allowed: str) -> None:
    """Nothing is touched but the resources named (logical names, with the component's prefix)."""
    touched = set(plan.touched())
    assert touched <= {f"openai-{name}" for name in allowed}, plan.touched()


def untouched(plan: Plan, type_: str) -> dict[str, str]:
    """Name -> op of resources of ``type_`` that the plan leaves alone."""
    return {name: op for name, op in plan.of_type(type_).items() if op == "same"}


def gcp_grants(resources: "list[RegisteredResource]") -> dict[str, str]:
    """Member -> logical name of its reader grant, for one program's resources."""
    grants = {r.plain("member"): r.name for r in resources if r.type == MEMBER_GCP}
    assert len(grants) == len([r for r in resources if r.type == MEMBER_GCP])  # one grant per member
    return grants


def assert_refused_before_any_step(plan: Plan, resource: str) -> None:
    assert plan.steps == [], [(s.action, s.name) for s in plan.steps]
    assert plan.urn_of(f"openai-{resource}") in {r.urn for r in plan.refused}
    message = plan.refused[0].message
    assert "marked for protection" in message
    assert "pulumi up" in message or "unprotect" in message  # what to do


def assert_destroy_completes(plan: Plan) -> None:
    assert plan.refused == []
    assert plan.steps, "a destroy that deletes nothing"
    assert {s.urn for s in plan.steps} == {r.urn for r in plan.before if r.custom}


# --------------------------------------------------------------------------------------- AWS Secrets Manager
class TestAwsReaders:
    @pytest.mark.parametrize(
        ("before", "after"),
        [
            ([ROLE_ARN, OTHER_ROLE], [OTHER_ROLE]),  # remove the first
            ([ROLE_ARN, OTHER_ROLE], [OTHER_ROLE, ROLE_ARN]),  # reorder
            ([ROLE_ARN], [THIRD_ROLE, ROLE_ARN]),  # put one in front
            ([Out(ROLE_ARN), Out(OTHER_ROLE)], [Out(OTHER_ROLE)]),  # the same, known only at deploy time
        ],
    )
    def test_readers_edit_only_the_policy(self, before: list[Any], after: list[Any]) -> None:
        plan = plan_update(aws_sm(readers=before), aws_sm(readers=after))
        only(plan, "read-policy")
        assert plan.of_type(SECRET_AWS) == {"openai-secret": "same"}

    @pytest.mark.parametrize("encryption", [{"create_key": True}, {"key_id": BROUGHT_KEY}])
    def test_removing_the_first_reader_leaves_the_others_keys_alone(self, encryption: dict[str, Any]) -> None:
        plan = plan_update(
            aws_sm(readers=[ROLE_ARN, OTHER_ROLE, THIRD_ROLE], encryption=encryption),
            aws_sm(readers=[THIRD_ROLE, OTHER_ROLE], encryption=encryption),
        )
        grants = plan.of_type(GRANT_AWS)
        if "key_id" in encryption:
            assert sorted(grants.values()) == ["delete", "same", "same"]  # only the removed reader's grant goes
        only(plan, "read-policy", "key-policy", *[name.removeprefix("openai-") for name, op in grants.items() if op == "delete"])

    def test_named_readers_known_at_deploy_time_keep_their_grants_on_a_brought_key(self) -> None:
        plan = plan_update(
            aws_sm(readers_by_name={"app": Out(ROLE_ARN), "indexer": Out(OTHER_ROLE)}, encryption={"key_id": BROUGHT_KEY}),
            aws_sm(readers_by_name={"indexer": Out(OTHER_ROLE)}, encryption={"key_id": BROUGHT_KEY}),
        )
        assert plan.of_type(GRANT_AWS) == {"openai-reader-app-key-grant": "delete", "openai-reader-indexer-key-grant": "same"}
        only(plan, "read-policy", "reader-app-key-grant")

    def test_an_output_reader_in_the_list_is_refused_with_a_brought_key(self) -> None:
        with mock_pulumi() as engine, pytest.raises(SecureApiKeyError) as refused:
            engine.run(aws_sm(readers=[ROLE_ARN, Out(OTHER_ROLE)], encryption={"key_id": BROUGHT_KEY}))
        assert refused.value.field == "readers[1]"
        assert "readers_by_name" in str(refused.value)
        assert [r.type for r in engine.resources] == []


class TestAwsEncryption:
    def test_turning_a_created_key_on_updates_the_secret_in_place(self) -> None:
        plan = plan_update(aws_sm(), aws_sm(encryption={"create_key": True}))
        assert plan.op("openai-secret") == "update"
        assert plan.op("openai-key") == "create"

    @pytest.mark.parametrize("after", [None, {"key_id": BROUGHT_KEY}])
    def test_with_rotation_a_created_key_outlives_its_use(self, after: Any) -> None:
        # The version labelled only AI_KEYS_INITIAL is not re-encrypted on a key change: its key must stay.
        rotation = {"every_days": 30, "aws_lambda_arn": LAMBDA_ARN}
        plan = plan_update(
            aws_sm(encryption={"create_key": True}, rotation=rotation),
            aws_sm(encryption=after, rotation=rotation) if after else aws_sm(rotation=rotation),
        )
        assert plan.op("openai-secret") == "update"
        assert plan.op("openai-key") == "retain"
        assert not plan.refused

    def test_without_rotation_a_created_key_goes_once_unused(self) -> None:
        # Secrets Manager re-encrypts AWSCURRENT and AWSPREVIOUS, the only versions left without rotation.
        plan = plan_update(aws_sm(encryption={"create_key": True}), aws_sm())
        assert plan.op("openai-key") == "delete"

    def test_swapping_brought_keys_replaces_the_grants_and_keeps_the_secret(self) -> None:
        plan = plan_update(
            aws_sm(readers=[ROLE_ARN], encryption={"key_id": BROUGHT_KEY}),
            aws_sm(readers=[ROLE_ARN], encryption={"key_id": OTHER_BROUGHT_KEY}),
        )
        assert plan.op("openai-secret") == "update"
        assert set(plan.of_type(GRANT_AWS).values()) == {"replace"}
        # The reader's new grant exists before the old one is revoked.
        grant = next(iter(plan.of_type(GRANT_AWS)))
        assert plan.index("create-replacement", grant) < plan.index("delete-replaced", grant)


class TestAwsReplacementAndDestroy:
    ROTATION = {"every_days": 30, "aws_lambda_arn": LAMBDA_ARN}

    def test_a_rename_is_refused_under_deletion_protection(self) -> None:
        assert_refused_before_any_step(plan_update(aws_sm(name="openai-a"), aws_sm(name="openai-b")), "secret")

    def test_a_rename_goes_through_once_deletion_protection_is_off(self) -> None:
        plan = plan_update(aws_sm(name="openai-a"), aws_sm(name="openai-b", deletion_protection=False))
        assert plan.op("openai-secret") == "replace"
        assert not plan.refused

    def test_with_rotation_a_replacement_is_refused_even_without_deletion_protection(self) -> None:
        # The replacement would be seeded with the state's initial value, not the rotated one.
        before = aws_sm(name="openai-a", rotation=self.ROTATION, deletion_protection=False)
        after = aws_sm(name="openai-b", rotation=self.ROTATION, deletion_protection=False)
        plan = plan_update(before, after)
        assert plan.kept_from_state.get(plan.urn_of("openai-version")) is None  # no newer value was at stake here
        assert_refused_before_any_step(plan, "secret")

    def test_rotation_on_and_off_never_replaces_the_secret_or_its_version(self) -> None:
        on = plan_update(aws_sm(), aws_sm(rotation=self.ROTATION))
        off = plan_update(aws_sm(rotation=self.ROTATION), aws_sm())
        for plan in (on, off):
            assert plan.op("openai-secret") == "same"
            assert plan.op("openai-version") in ("same", "update")
            assert not plan.refused
        assert on.op("openai-rotation") == "create"
        assert off.op("openai-rotation") == "delete"

    @pytest.mark.parametrize("after", [[], ["eu-west-1", "eu-central-1"]])
    def test_replica_changes_are_refused_under_deletion_protection(self, after: list[str]) -> None:
        # Removing a region deletes its replica at once: no recovery window covers replicas.
        plan = plan_update(aws_sm(replica_regions=["eu-west-1"]), aws_sm(replica_regions=after))
        assert_refused_before_any_step(plan, "secret")

    def test_replica_changes_go_through_in_place_once_deletion_protection_is_off(self) -> None:
        plan = plan_update(aws_sm(replica_regions=["eu-west-1"]), aws_sm(replica_regions=[], deletion_protection=False))
        assert plan.op("openai-secret") == "update"
        assert not plan.refused

    @pytest.mark.parametrize("extra", [{}, {"replica_regions": ["eu-west-1"]}, {"rotation": ROTATION}])
    def test_destroy_is_refused_under_deletion_protection(self, extra: dict[str, Any]) -> None:
        assert_refused_before_any_step(plan_destroy(aws_sm(readers=[ROLE_ARN], **extra)), "secret")

    def test_destroy_completes_without_deletion_protection_secret_last(self) -> None:
        plan = plan_destroy(aws_sm(readers=[ROLE_ARN], encryption={"create_key": True}, deletion_protection=False))
        assert_destroy_completes(plan)
        assert plan.index("delete", "openai-read-policy") < plan.index("delete", "openai-secret")
        assert plan.index("delete", "openai-version") < plan.index("delete", "openai-secret")


# --------------------------------------------------------------------------------------- Azure Key Vault
class TestAzureReaders:
    @pytest.mark.parametrize(
        ("before", "after"),
        [([APP, OPS], [OPS]), ([APP, OPS], [OPS, APP]), ([APP], [BATCH, APP])],
    )
    def test_string_readers_that_stay_keep_their_role_assignment(self, before: list[str], after: list[str]) -> None:
        plan = plan_update(azure(readers=before), azure(readers=after))
        kept = set(before) & set(after)
        assert set(untouched(plan, ASSIGNMENT_AZ)) == {f"openai-reader-{p}" for p in kept}
        assert not plan.refused
        assert plan.op("openai-secret") == "same"

    def test_named_readers_known_at_deploy_time_keep_their_role_assignment(self) -> None:
        plan = plan_update(
            azure(readers_by_name={"app": Out(APP), "ops": Out(OPS)}),
            azure(readers_by_name={"batch": Out(BATCH), "ops": Out(OPS)}),
        )
        assert plan.of_type(ASSIGNMENT_AZ) == {
            "openai-reader-app": "delete",
            "openai-reader-ops": "same",
            "openai-reader-batch": "create",
        }
        only(plan, "reader-app", "reader-batch")

    def test_an_output_reader_in_the_list_is_refused_before_registration(self) -> None:
        with mock_pulumi() as engine, pytest.raises(SecureApiKeyError) as refused:
            engine.run(azure(readers=[Out(APP)]))
        assert refused.value.field == "readers[0]"
        assert 'readers_by_name: {"app": <the output>}' in str(refused.value)
        assert engine.resources == []


class TestAzureRotation:
    ROTATION = {"every_days": 90, "azure_webhook_url": "https://hooks.example.com/rotate"}

    def test_the_rotation_handler_may_write_this_secret_only(self) -> None:
        network = {"ip_rules": ["203.0.113.7"]}
        with mock_pulumi() as engine:
            engine.run(
                azure(
                    rotation={**self.ROTATION, "azure_rotator_principal_id": OPS},
                    azure={"resource_group_name": RG, "create_vault": {"network": network}},
                )
            )
            rotator = engine.one(ASSIGNMENT_AZ, "openai-rotator")
            assert rotator.plain("principalId") == OPS
            assert rotator.plain("roleDefinitionId").endswith("/roleDefinitions/b86a8fe4-44ce-4948-aee5-eccb2c155cd7")
            assert rotator.plain("scope") == engine.one(SECRET_AZ).id

    def test_a_rotator_the_created_vaults_firewall_would_block_is_refused(self) -> None:
        with mock_pulumi() as engine, pytest.raises(SecureApiKeyError) as refused:
            engine.run(azure(rotation={**self.ROTATION, "azure_rotator_principal_id": OPS}))
        assert refused.value.field == "rotation.azure_rotator_principal_id"
        assert "ip_rules" in str(refused.value)
        assert engine.resources == []

    def test_rotation_on_and_off_keeps_the_secret(self) -> None:
        for before, after in ((azure(), azure(rotation=self.ROTATION)), (azure(rotation=self.ROTATION), azure())):
            plan = plan_update(before, after)
            assert plan.op("openai-secret") in ("same", "update")
            assert not plan.refused

    def test_with_rotation_a_rename_is_refused_even_without_deletion_protection(self) -> None:
        # The new secret would get the state's initial value and expiry back.
        before = azure(name="openai-a", rotation=self.ROTATION, deletion_protection=False)
        after = azure(name="openai-b", rotation=self.ROTATION, deletion_protection=False)
        assert_refused_before_any_step(plan_update(before, after), "secret")


class TestAzureReplacementAndDestroy:
    def test_moving_to_another_vault_is_refused_under_deletion_protection(self) -> None:
        plan = plan_update(azure(), azure(azure={"resource_group_name": RG, "vault_name": "kv-shared"}))
        assert_refused_before_any_step(plan, "secret")

    def test_a_rename_in_a_created_vault_leaves_the_old_secret_to_the_vault(self) -> None:
        # The created vault's firewall refuses the data-plane delete azure-native uses for secrets.
        plan = plan_update(azure(name="openai-a", deletion_protection=False), azure(name="openai-b", deletion_protection=False))
        assert plan.op("openai-secret") == "replace"
        assert ("retain", "openai-secret") in [(s.action, s.name) for s in plan.steps]
        assert not plan.refused

    def test_destroy_is_refused_under_deletion_protection(self) -> None:
        assert_refused_before_any_step(plan_destroy(azure(readers=[APP])), "secret")

    def test_destroy_of_a_created_vault_completes_without_a_data_plane_delete(self) -> None:
        plan = plan_destroy(azure(readers=[APP], deletion_protection=False))
        assert_destroy_completes(plan)
        assert ("retain", "openai-secret") in [(s.action, s.name) for s in plan.steps]
        assert plan.index("delete", f"openai-reader-{APP}") < plan.index("retain", "openai-secret")
        assert plan.index("retain", "openai-secret") < plan.index("delete", "openai-vault")

    def test_destroy_in_a_vault_you_bring_deletes_the_secret(self) -> None:
        plan = plan_destroy(azure(azure={"resource_group_name": RG, "vault_name": "kv-shared"}, deletion_protection=False))
        assert_destroy_completes(plan)
        assert ("delete", "openai-secret") in [(s.action, s.name) for s in plan.steps]


# --------------------------------------------------------------------------------------- GCP Secret Manager
class TestGcpReaders:
    """One additive grant per reader, keyed by its member (or by its name in readers_by_name when it is known only
    at deploy time), never by its position: an edit creates or deletes the grants of the readers added or removed
    and leaves every other reader's grant as it is."""

    @pytest.mark.parametrize(
        ("before", "after", "removed", "added"),
        [
            ({"readers": [GCP_APP, GCP_OPS]}, {"readers": [GCP_OPS]}, {GCP_APP}, set()),  # remove the first
            ({"readers": [GCP_APP, GCP_OPS]}, {"readers": [GCP_OPS, GCP_APP]}, set(), set()),  # reorder
            ({"readers": [GCP_APP]}, {"readers": [GCP_BATCH, GCP_APP]}, set(), {GCP_BATCH}),  # put one in front
            # The same, known only at deploy time (named in readers_by_name):
            (
                {"readers_by_name": {"app": Out(GCP_APP), "ops": Out(GCP_OPS)}},
                {"readers_by_name": {"ops": Out(GCP_OPS)}},
                {GCP_APP},
                set(),
            ),
            (
                {"readers_by_name": {"app": Out(GCP_APP), "ops": Out(GCP_OPS)}},
                {"readers_by_name": {"ops": Out(GCP_OPS), "app": Out(GCP_APP)}},
                set(),
                set(),
            ),
            (
                {"readers_by_name": {"app": Out(GCP_APP)}},
                {"readers_by_name": {"batch": Out(GCP_BATCH), "app": Out(GCP_APP)}},
                set(),
                {GCP_BATCH},
            ),
        ],
    )
    def test_reader_edits_only_create_or_delete_the_grants_of_readers_added_or_removed(
        self, before: dict[str, Any], after: dict[str, Any], removed: set[str], added: set[str]
    ) -> None:
        plan = plan_update(gcp(**before), gcp(**after))
        old, new = gcp_grants(plan.before), gcp_grants(plan.after)
        assert (set(old) - set(new), set(new) - set(old)) == (removed, added)
        kept = set(old) & set(new)
        assert kept
        for member in kept:  # no reader that stays loses access: its grant is the same resource, left alone
            assert old[member] == new[member]
            assert plan.op(old[member]) == "same"
        assert plan.touched() == {old[m]: "delete" for m in removed} | {new[m]: "create" for m in added}
        assert not plan.refused

    def test_a_named_reader_known_at_deploy_time_is_keyed_by_its_name(self) -> None:
        plan = plan_update(
            gcp(readers_by_name={"app": Out(GCP_APP), "ops": Out(GCP_OPS)}),
            gcp(readers_by_name={"batch": Out(GCP_BATCH), "ops": Out(GCP_OPS)}),
        )
        assert plan.of_type(MEMBER_GCP) == {
            "openai-reader-app": "delete",
            "openai-reader-ops": "same",
            "openai-reader-batch": "create",
        }
        only(plan, "reader-app", "reader-batch")

    def test_an_output_reader_in_the_list_is_refused_before_registration(self) -> None:
        with mock_pulumi() as engine, pytest.raises(SecureApiKeyError) as refused:
            engine.run(gcp(readers=[GCP_APP, Out(GCP_OPS)]))
        assert refused.value.field == "readers[1]"
        assert 'readers_by_name: {"app": <the output>}' in str(refused.value)
        assert engine.resources == []


class TestGcpEncryption:
    @pytest.mark.parametrize("after", [None, {"key_id": GCP_KEY}])
    def test_leaving_a_created_key_keeps_it_and_its_grant(self, after: Any) -> None:
        # Secret Manager applies a key change to new versions only: the live version still needs the old key.
        before = gcp(encryption={"create_key": True}, deletion_protection=False)
        plan = plan_update(before, gcp(encryption=after, deletion_protection=False) if after else gcp(deletion_protection=False))
        assert plan.op("openai-secret") == "update"
        assert plan.op("openai-key-grant-global") in ("retain", "replace")
        assert ("delete-replaced", "openai-key-grant-global") not in [(s.action, s.name) for s in plan.steps]
        assert ("delete", "openai-key-grant-global") not in [(s.action, s.name) for s in plan.steps]
        old_key = next(r for r in plan.before if r.name == "openai-key-global")
        assert old_key.plain("deletionPolicy") == "ABANDON"  # deleting it from the state never destroys it

    def test_swapping_brought_keys_keeps_the_old_grant(self) -> None:
        plan = plan_update(gcp(encryption={"key_id": GCP_KEY}), gcp(encryption={"key_id": GCP_OTHER_KEY}))
        assert plan.op("openai-secret") == "update"
        assert plan.op("openai-key-grant-global") == "replace"
        assert ("retain", "openai-key-grant-global") in [(s.action, s.name) for s in plan.steps]

    def test_turning_encryption_on_updates_in_place(self) -> None:
        plan = plan_update(gcp(), gcp(encryption={"create_key": True}))
        assert plan.op("openai-secret") == "update"
        assert not plan.refused


class TestGcpReplacementAndDestroy:
    @pytest.mark.parametrize(
        ("before", "after"),
        [
            ({"replica_regions": ["us-central1"]}, {"replica_regions": ["europe-west1"]}),
            ({}, {"replica_regions": ["us-central1"]}),
            ({"name": "openai-a"}, {"name": "openai-b"}),
            ({}, {"gcp": {"project": "other-project"}}),
        ],
    )
    def test_replacements_are_refused_before_any_step_under_deletion_protection(
        self, before: dict[str, Any], after: dict[str, Any]
    ) -> None:
        plan = plan_update(gcp(readers=[GCP_APP], **before), gcp(readers=[GCP_APP], **after))
        assert plan.op("openai-secret") == "replace"
        assert_refused_before_any_step(plan, "secret")  # the readers' grants and the version are never touched

    def test_with_rotation_a_replacement_is_refused_even_without_deletion_protection(self) -> None:
        rotation = {"every_days": 90}
        plan = plan_update(
            gcp(name="openai-a", rotation=rotation, deletion_protection=False),
            gcp(name="openai-b", rotation=rotation, deletion_protection=False),
        )
        assert_refused_before_any_step(plan, "secret")

    def test_rotation_on_and_off_keeps_the_secret_and_version(self) -> None:
        for before, after in ((gcp(), gcp(rotation={"every_days": 90})), (gcp(rotation={"every_days": 90}), gcp())):
            plan = plan_update(before, after)
            assert plan.op("openai-secret") in ("same", "update")
            assert plan.op("openai-version") in ("same", "update")
            assert not plan.refused

    def test_destroy_is_refused_before_readers_lose_access(self) -> None:
        assert_refused_before_any_step(plan_destroy(gcp(readers=[GCP_APP])), "secret")

    def test_destroy_completes_without_deletion_protection(self) -> None:
        plan = plan_destroy(gcp(readers=[GCP_APP], encryption={"create_key": True}, deletion_protection=False))
        assert_destroy_completes(plan)
        assert plan.index("delete", gcp_grants(plan.before)[GCP_APP]) < plan.index("delete", "openai-secret")

    def test_the_first_deploy_waits_for_the_agents_grants_to_propagate(self) -> None:
        plan = plan_update(lambda: None, gcp(encryption={"create_key": True}, rotation={"every_days": 90}))
        # First for IAM to know the newly created service agent, then for the grants naming it to take effect.
        assert plan.index("create", "openai-secretmanager-agent") < plan.index("create", "openai-secretmanager-agent-wait")
        for grant in ("openai-key-grant-global", "openai-rotation-publisher"):
            assert plan.index("create", "openai-secretmanager-agent-wait") < plan.index("create", grant)
            assert plan.index("create", grant) < plan.index("create", "openai-iam-propagation")
        assert plan.index("create", "openai-iam-propagation") < plan.index("create", "openai-secret")
        agent_wait = next(r for r in plan.after if r.name == "openai-secretmanager-agent-wait")
        assert agent_wait.plain("createDuration") == "120s"
        wait = next(r for r in plan.after if r.name == "openai-iam-propagation")
        assert wait.plain("createDuration") == "120s"
        secret = next(r for r in plan.after if r.name == "openai-secret")
        assert wait.urn in secret.dependencies
