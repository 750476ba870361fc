"""The second deploy of a key with the ``kubernetes`` and ``esc`` blocks: what each change replaces, what it updates in
place, in which order, and so whether a pod can be left without its key in between (the fleet guide's table states
the same, from these plans).

The provider's rules (ai_keys.testing.replacements): pulumi-kubernetes replaces an object whose name or namespace
changes and creates the new one first (it deletes first only when both stay the same, which no change here makes);
pulumi-pulumiservice replaces an environment whose organization, project or name changes.
"""

from collections.abc import Callable
from typing import Any

from ai_keys.testing import Plan, plan_destroy, plan_update

from .cases import AWS_SM, GCP, IDENTITY, esc_block, key_args, kubernetes_block, with_provider

ES, SS, SPC, SA = "openai-external-secret", "openai-secret-store", "openai-secret-provider-class", "openai-service-account"
ENV = "openai-esc-environment"


def key(store: str = AWS_SM, *, esc: Any = None, **kubernetes: Any) -> Callable[[], Any]:
    """A program with one key in ``store``, its kubernetes block changed by ``kubernetes``."""
    return with_provider(lambda: key_args(store, kubernetes=kubernetes_block(store, **kubernetes), esc=esc))


def creates_before_deleting(plan: Plan, name: str) -> bool:
    return plan.index("create-replacement", name) < plan.index("delete-replaced", name)


def test_a_new_namespace_replaces_both_eso_objects_creating_the_new_ones_first() -> None:
    plan = plan_update(key(), key(namespace="inference-v2"))
    assert not plan.refused
    assert plan.touched() == {SS: "replace", ES: "replace"}
    assert creates_before_deleting(plan, SS)
    assert creates_before_deleting(plan, ES)
    # The old ExternalSecret (and with it, as its owner, the old Secret) goes only after the new one exists.
    assert plan.index("create-replacement", ES) < plan.index("delete-replaced", ES)
    assert plan.index("delete-replaced", ES) < plan.index("delete-replaced", SS)  # dependents first


def test_a_new_secret_name_replaces_the_objects_and_leaves_the_store_secret_alone() -> None:
    plan = plan_update(key(), key(secret_name="openai-v2"))
    assert plan.touched() == {SS: "replace", ES: "replace"}
    assert plan.op("openai-secret") == "same"
    assert plan.changed[plan.urn_of(ES)] == {"metadata.name", "spec.target.name", "spec.secretStoreRef.name"}
    assert creates_before_deleting(plan, ES)


def test_a_new_secret_name_with_csi_replaces_the_secret_provider_class() -> None:
    plan = plan_update(key(delivery="csi"), key(delivery="csi", secret_name="openai-v2"))
    assert plan.touched() == {SPC: "replace"}
    assert creates_before_deleting(plan, SPC)


def test_eso_to_csi_creates_the_secret_provider_class_before_deleting_the_eso_objects() -> None:
    plan = plan_update(key(), key(delivery="csi"))
    assert plan.touched() == {SPC: "create", ES: "delete", SS: "delete"}
    assert plan.index("create", SPC) < plan.index("delete", ES) < plan.index("delete", SS)


def test_csi_to_eso_creates_the_eso_objects_before_deleting_the_secret_provider_class() -> None:
    plan = plan_update(key(delivery="csi"), key())
    assert plan.touched() == {SS: "create", ES: "create", SPC: "delete"}
    assert plan.index("create", SS) < plan.index("create", ES) < plan.index("delete", SPC)


def test_refresh_interval_and_secret_key_update_the_external_secret_in_place() -> None:
    plan = plan_update(key(), key(refresh_interval="10m", secret_key="OPENAI_API_KEY"))
    assert plan.touched() == {ES: "update"}
    assert plan.changed[plan.urn_of(ES)] == {"spec.refreshInterval", "spec.data[0].secretKey"}


def test_a_new_identity_moves_the_grant_and_updates_the_service_account_annotation() -> None:
    other = "arn:aws:iam::123456789012:role/summarizer-v2"
    plan = plan_update(key(create_service_account=True), key(create_service_account=True, identity={"role_arn": other}))
    assert plan.touched() == {"openai-read-policy": "update", SA: "update"}
    assert plan.changed[plan.urn_of(SA)] == {"metadata.annotations.eks.amazonaws.com/role-arn"}


def test_a_replaced_store_secret_updates_the_objects_in_place_between_the_new_secret_and_the_old_one_s_deletion() -> None:
    """With deletion protection off, a new secret name replaces the store's secret: the ExternalSecret is updated to
    the new secret after it exists and before the old one goes, so ESO always has a secret to read."""

    def program(**more: Any) -> Callable[[], Any]:
        return with_provider(lambda: key_args(GCP, kubernetes=kubernetes_block(GCP), deletion_protection=False, **more))

    plan = plan_update(program(), program(name="openai-v2"))
    assert plan.op("openai-secret") == "replace"
    assert plan.op(ES) == "update"
    # The store's spec is computed from the secret, so it is unknown in the preview: an update, to the same project.
    assert plan.op(SS) == "update"
    assert plan.changed[plan.urn_of(ES)] == {"spec", "spec.data[0].remoteRef.key"}  # unknown in the preview, then the new name
    new_secret, old_secret = plan.index("create-replacement", "openai-secret"), plan.index("delete-replaced", "openai-secret")
    assert new_secret < plan.index("update", ES) < old_secret


def test_esc_a_new_environment_name_replaces_it_and_a_new_login_updates_its_document() -> None:
    renamed = plan_update(key(esc=esc_block(AWS_SM)), key(esc=esc_block(AWS_SM, environment="acme/ai/staging")))
    assert renamed.touched() == {ENV: "replace"}
    assert creates_before_deleting(renamed, ENV)
    relogged = plan_update(
        key(esc=esc_block(AWS_SM)), key(esc=esc_block(AWS_SM, login={"role_arn": "arn:aws:iam::123456789012:role/esc-v2"}))
    )
    assert relogged.touched() == {ENV: "update", "openai-read-policy": "update"}
    assert relogged.changed[relogged.urn_of(ENV)] == {"yaml"}


def test_destroy_is_refused_whole_while_the_key_is_protected() -> None:
    plan = plan_destroy(key(esc=esc_block(AWS_SM)))
    assert [refusal.urn for refusal in plan.refused] == [plan.urn_of("openai-secret")]
    assert plan.steps == []  # nothing is deleted, the Kubernetes objects and the environment included


def test_destroy_deletes_readers_of_the_key_before_the_key() -> None:
    program = with_provider(
        lambda: key_args(
            AWS_SM,
            kubernetes=kubernetes_block(AWS_SM, create_service_account=True),
            esc=esc_block(AWS_SM),
            deletion_protection=False,
        )
    )
    plan = plan_destroy(program)
    assert not plan.refused
    assert plan.index("delete", ES) < plan.index("delete", SS) < plan.index("delete", SA)
    assert plan.index("delete", ES) < plan.index("delete", "openai-secret")
    assert plan.index("delete", ENV) < plan.index("delete", "openai-secret")
    assert IDENTITY  # the identities stay the user's: only their grant on this key is deleted
