"""The managed rotator on Google Cloud, under the mock engine: what is deployed beside the secret, what it may do
(versions of this one secret, its own function, the issuer's project role), its settings, and the order that lets
its first run (the placeholder's SECRET_VERSION_ADD) succeed."""

import re
from typing import Any, cast

import pulumi
import pulumi_gcp as gcp
import pytest
from pulumi.runtime import rpc

from ai_keys import SecureApiKey
from ai_keys.rotation import PLACEHOLDER, RotatorNeeds, package
from ai_keys.rotation.deploy import gcp as rotator_gcp
from ai_keys.testing import MockEngine, RegisteredResource

from ..scenarios import leaks
from ..test_canary_leaks import every_logger_at_debug, logged_leaks

PROJECT = "my-project-123"
READER = "serviceAccount:app@my-project-123.iam.gserviceaccount.com"
SECRET = "gcp:secretmanager/secret:Secret"
VERSION = "gcp:secretmanager/secretVersion:SecretVersion"
SECRET_GRANT = "gcp:secretmanager/secretIamMember:SecretIamMember"
BINDING = "gcp:secretmanager/secretIamBinding:SecretIamBinding"
FUNCTION = "gcp:cloudfunctionsv2/function:Function"
ACCOUNT = "gcp:serviceaccount/account:Account"
SLEEP = "time:index/sleep:Sleep"


def gemini_args(**extra: Any) -> dict[str, Any]:
    gcp = {"project": PROJECT, **extra.pop("gcp", {})}
    return {
        "backend": "gcp-secret-manager",
        "issuer": {"gemini": {"project": PROJECT}},
        "rotation": {"every_days": 30},
        "gcp": gcp,
        "deletion_protection": False,
        **extra,
    }


def deploy(engine: MockEngine, **extra: Any) -> None:
    engine.run(lambda: SecureApiKey("gemini", gemini_args(**extra)))  # type: ignore[arg-type]
    assert not engine.failed


def rotator_account(engine: MockEngine) -> RegisteredResource:
    return engine.one(ACCOUNT, "gemini-rotator")


def member_of(engine: MockEngine) -> str:
    return str(rotator_account(engine).outputs["member"])


def deps(engine: MockEngine, resource: RegisteredResource) -> set[str]:
    """Names of what ``resource`` waits for (explicitly or through its inputs)."""
    urns = {*resource.dependencies, *(u for us in resource.property_dependencies.values() for u in us)}
    return {engine.by_urn(urn).name for urn in urns}


def test_an_issuer_with_rotation_gets_a_rotator_function_beside_its_secret(engine: MockEngine) -> None:
    deploy(engine)
    function = engine.one(FUNCTION)
    build, service, trigger = (function.plain(k) for k in ("buildConfig", "serviceConfig", "eventTrigger"))
    assert (build["runtime"], build["entryPoint"]) == ("python312", "main")
    topic = engine.one("gcp:pubsub/topic:Topic")
    assert trigger["pubsubTopic"] == topic.id
    assert trigger["eventType"] == "google.cloud.pubsub.topic.v1.messagePublished"
    assert trigger["retryPolicy"] == "RETRY_POLICY_RETRY"
    assert service["maxInstanceCount"] == 1
    assert service["ingressSettings"] == "ALLOW_INTERNAL_ONLY"
    email = rotator_account(engine).outputs["email"]
    assert service["serviceAccountEmail"] == trigger["serviceAccountEmail"] == email
    assert function.plain("project") == PROJECT
    # The code comes from a private bucket in the secret's project, as shipped in the wheel.
    bucket = engine.one("gcp:storage/bucket:Bucket")
    assert bucket.plain("uniformBucketLevelAccess") is True
    assert bucket.plain("publicAccessPrevention") == "enforced"
    assert bucket.plain("project") == PROJECT
    code = engine.one("gcp:storage/bucketObject:BucketObject")
    assert isinstance(code.inputs["source"], pulumi.AssetArchive)
    assert build["source"]["storageSource"] == {"bucket": bucket.outputs["name"], "object": code.outputs["name"]}
    # The secret still notifies its topic, and its rotation schedule follows every_days.
    secret = engine.one(SECRET)
    assert secret.plain("topics") == [{"name": topic.id}]
    assert secret.plain("rotation")["rotationPeriod"] == f"{30 * 86_400}s"


def test_the_rotator_may_write_versions_of_this_secret_and_nothing_else_in_secret_manager(engine: MockEngine) -> None:
    deploy(engine, readers=[READER])
    member, secret = member_of(engine), engine.one(SECRET)
    mine = [g for g in engine.find(SECRET_GRANT) if g.plain("member") == member]
    assert {g.plain("role") for g in mine} == set(rotator_gcp.SECRET_ROLES)
    assert {g.plain("secretId") for g in mine} == {secret.id}
    # Elsewhere: invoking its own function, the Pub/Sub agent minting its tokens, the issuer's project role only.
    (invoker,) = engine.find("gcp:cloudrunv2/serviceIamMember:ServiceIamMember")
    assert (invoker.plain("name"), invoker.plain("role"), invoker.plain("member")) == (
        engine.one(FUNCTION).outputs["name"],
        "roles/run.invoker",
        member,
    )
    (token,) = engine.find("gcp:serviceaccount/iAMMember:IAMMember")
    assert token.plain("serviceAccountId") == rotator_account(engine).outputs["name"]
    assert token.plain("role") == "roles/iam.serviceAccountTokenCreator"
    assert re.fullmatch(r"serviceAccount:service-\d+@gcp-sa-pubsub\.iam\.gserviceaccount\.com", token.plain("member"))
    project_roles = [(g.plain("project"), g.plain("role")) for g in engine.find("gcp:projects/iAMMember:IAMMember")]
    assert project_roles == [(PROJECT, "roles/serviceusage.apiKeysAdmin")]
    # Every grant of the rotator is made again when its account is replaced (a new principal, the same email).
    account_urn = rotator_account(engine).urn
    for grant in [*mine, invoker, token]:
        assert grant.replace_with == [account_urn], grant.name


def test_the_rotator_reads_its_settings_from_the_environment(engine: MockEngine) -> None:
    deploy(engine)
    env = engine.one(FUNCTION).plain("serviceConfig")["environmentVariables"]
    assert env["AIKEYS_ISSUER"] == "gemini"
    assert env["AIKEYS_STORE"] == "gcp"
    assert env["AIKEYS_SECRET"] == engine.one(SECRET).id
    assert re.fullmatch(r"projects/my-project-123/secrets/[^/]+", env["AIKEYS_SECRET"])
    assert env["AIKEYS_EVERY_DAYS"] == "30"
    assert env["AIKEYS_PROJECT"] == PROJECT
    assert env["AIKEYS_KEY_PREFIX"].startswith("gemini-")  # the issuer's own prefix wins


def test_a_rotator_built_from_needs_alone_gets_every_setting_and_a_key_prefix(engine: MockEngine) -> None:
    def program() -> None:
        topic = gcp.pubsub.Topic("t", project=PROJECT)
        secret = gcp.secretmanager.Secret("s", secret_id="k", project=PROJECT, replication={"auto": {}})
        needs = RotatorNeeds(issuer="gemini", env={"AIKEYS_PROJECT": PROJECT}, gcp_project_roles=[(PROJECT, "roles/x")])
        rotator_gcp.deploy_rotator(
            "k", rotator=needs, every_days=7, project=PROJECT, secret=secret, topic_id=topic.id, labels={}, parent=secret
        )

    engine.run(program)
    env = engine.one(FUNCTION).plain("serviceConfig")["environmentVariables"]
    assert env == {
        "AIKEYS_ISSUER": "gemini",
        "AIKEYS_STORE": "gcp",
        "AIKEYS_SECRET": f"projects/{PROJECT}/secrets/k",
        "AIKEYS_EVERY_DAYS": "7",
        "AIKEYS_PROJECT": PROJECT,
        "AIKEYS_KEY_PREFIX": rotator_gcp.key_prefix("k", "project", "stack"),
    }
    assert re.fullmatch(r"aikeys-[0-9a-f]{8}-", env["AIKEYS_KEY_PREFIX"])
    (role,) = engine.find("gcp:projects/iAMMember:IAMMember")
    assert (role.plain("project"), role.plain("role")) == (PROJECT, "roles/x")


def test_the_first_version_waits_until_the_rotator_can_act_on_it(engine: MockEngine) -> None:
    """The placeholder's SECRET_VERSION_ADD is the rotator's first run: by then the function exists and every grant
    it needs has had the propagation wait."""
    deploy(engine, gcp={"iam_propagation_seconds": 300})
    version = engine.one(VERSION)
    assert version.plain("secretData") == PLACEHOLDER
    assert version.is_secret("secretData")
    assert version.ignore_changes == ["secretData", "enabled"]
    waited = deps(engine, version)
    assert {"gemini-rotator-function", "gemini-rotator-iam-propagation"} <= waited
    sleep = engine.one(SLEEP, "gemini-rotator-iam-propagation")
    assert sleep.plain("createDuration") == "300s"
    rotator_grants = {
        g.name
        for g in engine.resources
        if g.type.endswith(("IamMember:SecretIamMember", "serviceIamMember:ServiceIamMember", "iAMMember:IAMMember"))
        and g.name.startswith("gemini-rotator-")
    }
    assert len(rotator_grants) == 5  # versions, access, invoke, the push's token, the issuer's project role
    assert rotator_grants <= deps(engine, sleep)
    labels = set(sleep.plain("triggers"))
    assert {"version-manager", "accessor", "invoker", "token-creator"} < labels
    assert len([label for label in labels if label.startswith("role-")]) == 1


def test_without_a_propagation_wait_the_first_version_waits_for_the_grants_themselves(engine: MockEngine) -> None:
    deploy(engine, gcp={"iam_propagation_seconds": 0})
    assert engine.find(SLEEP, "gemini-rotator-iam-propagation") == []
    waited = deps(engine, engine.one(VERSION))
    assert {"gemini-rotator-function", "gemini-rotator-versions", "gemini-rotator-accessor", "gemini-rotator-invoker"} <= waited


def test_an_authoritative_reader_binding_names_the_rotator_so_it_keeps_its_access(engine: MockEngine) -> None:
    deploy(engine, readers=[READER], gcp={"readers_authoritative": True})
    member = member_of(engine)
    binding = engine.one(BINDING)
    assert binding.plain("members") == [READER, member]
    assert engine.find(SECRET_GRANT, "gemini-rotator-accessor") == []  # it would fight the binding
    assert "gemini-readers" in deps(engine, engine.one(SLEEP, "gemini-rotator-iam-propagation"))


def test_no_rotator_without_rotation(engine: MockEngine) -> None:
    args = {k: v for k, v in gemini_args().items() if k != "rotation"}
    engine.run(lambda: SecureApiKey("gemini", args))  # type: ignore[arg-type]
    assert not engine.failed
    assert engine.find(FUNCTION) == engine.find(ACCOUNT, "gemini-rotator") == []


def test_the_packaged_code_names_the_object_so_only_a_new_library_redeploys_the_function(
    engine: MockEngine, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    first = rotator_gcp.archive_digest(package.archive("gcp"))
    assert first == rotator_gcp.archive_digest(package.archive("gcp"))  # content-stable across builds
    changed = tmp_path / "main.py"
    changed.write_text("from aikeys_rotator.gcp_function import main  # a new release\n")
    real = package.archive

    def upgraded(cloud: Any) -> pulumi.AssetArchive:
        assets = dict(real(cloud).assets)
        assets["main.py"] = pulumi.FileAsset(str(changed))
        return pulumi.AssetArchive(assets)

    monkeypatch.setattr(package, "archive", upgraded)
    deploy(engine)
    name = engine.one("gcp:storage/bucketObject:BucketObject").plain("name")
    assert name == f"rotator-{rotator_gcp.archive_digest(upgraded('gcp'))[:16]}.zip"
    assert name != f"rotator-{first[:16]}.zip"


@pytest.mark.parametrize(
    "component", ["gemini", "a", "My_Key.With.Dots", "x" * 200, "--", "prod-eu-west-1-customer-support-assistant-key"]
)
def test_derived_names_fit_the_clouds_rules_and_differ_per_stack(component: str) -> None:
    account = rotator_gcp.service_account_id(component, "proj", "dev")
    assert re.fullmatch(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", account), account
    function = rotator_gcp.function_name(component, "proj", "dev")
    assert re.fullmatch(r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?", function), function
    bucket = rotator_gcp.bucket_name("p", "proj", "dev", component, "2026-01-01T00:00:00Z")
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", bucket)
    assert "goog" not in bucket
    assert account != rotator_gcp.service_account_id(component, "proj", "prod")
    assert function != rotator_gcp.function_name(component, "proj", "prod")
    assert bucket != rotator_gcp.bucket_name("p", "proj", "dev", component, "2026-01-02T00:00:00Z")


def test_a_gcp_rotator_keeps_no_admin_key() -> None:
    needs = RotatorNeeds(issuer="openai", env={}, admin_key=cast(Any, "an admin key"))
    with pytest.raises(ValueError, match="admin key"):
        rotator_gcp.deploy_rotator(
            "k",
            rotator=needs,
            every_days=30,
            project=None,
            secret=None,  # type: ignore[arg-type]
            topic_id="t",
            labels={},
            parent=None,  # type: ignore[arg-type]
        )


def test_no_secret_shows_in_a_non_secret_input_output_or_log_line(engine: MockEngine, caplog: pytest.LogCaptureFixture) -> None:
    with every_logger_at_debug(caplog):
        deploy(engine, readers=[READER])
    # The only secret a Gemini rotator's deploy holds is the placeholder (the rotator makes every key).
    assert leaks(engine, PLACEHOLDER) == []
    assert logged_leaks(caplog.records, PLACEHOLDER) == []
    assert rpc.is_rpc_secret(engine.one(VERSION).inputs["secretData"])
