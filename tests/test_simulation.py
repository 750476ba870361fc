"""The simulated cloud: state across deploys, a clock, and the clouds' own rules, each failing as the cloud does."""

import re
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp
import pulumiverse_time as time
import pytest

from ai_keys import SecureApiKey
from ai_keys.issuers import bedrock
from ai_keys.testing.constraints import CONSTRAINTS
from ai_keys.testing.simulation import START, Cloud, CloudRefusedError, Scenario

from .conftest import CANARY

PROJECT = "my-project-123"
FUNCTION_TYPE = "gcp:cloudfunctionsv2/function:Function"
MODEL = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4"
GEMINI: dict[str, Any] = {
    "backend": "gcp-secret-manager",
    "issuer": {"gemini": {"project": PROJECT}},
    "gcp": {"project": PROJECT},
    "deletion_protection": False,
}


def gemini(**issuer: Any) -> Any:
    args = {**GEMINI, "issuer": {"gemini": {"project": PROJECT, **issuer}}}
    return lambda: SecureApiKey("gemini", args)  # type: ignore[arg-type]


def bedrock_key(days: int = 90) -> Any:
    args = {"backend": "aws-secrets-manager", "issuer": {"bedrock": {"models": [MODEL], "expires_in_days": days}}}
    return lambda: SecureApiKey("bedrock", args)  # type: ignore[arg-type]


def refused(rule: str, call: Any) -> CloudRefusedError:
    with pytest.raises(CloudRefusedError) as caught:
        call()
    assert caught.value.rule_id == rule, str(caught.value)
    return caught.value


# ------------------------------------------------------------------------------------------- the table


def test_every_rule_cites_a_provider_source_or_a_documentation_page() -> None:
    assert len(CONSTRAINTS) >= 30
    for rule_id, constraint in CONSTRAINTS.items():
        assert re.fullmatch(r"(aws|gcp|azure)\.[a-z0-9-]+\.[a-z0-9-]+", rule_id)
        assert re.search(r"https://|[\w-]+/[\w-]+#\d+", constraint.source), rule_id
        assert constraint.types, rule_id
        assert constraint.rule.endswith("."), rule_id
    classes = {c.cls for c in CONSTRAINTS.values()}
    assert classes == {"N", "U", "Q", "C", "E", "D", "A"}


def test_a_refusal_gives_the_clouds_text_the_rule_and_its_source() -> None:
    error = CloudRefusedError("gcp.api-key.id-held-after-delete", name="gemini-1234abcd")
    text = str(error)
    assert "Key with id gemini-1234abcd already exists" in text
    assert "gcp.api-key.id-held-after-delete" in text
    assert CONSTRAINTS["gcp.api-key.id-held-after-delete"].source in text


# ------------------------------------------------------------------------------------------- Gemini keys


def test_a_re_issued_gemini_key_gets_a_new_id_and_the_new_key_exists_before_the_old_one_goes() -> None:
    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(gemini())
    (first,) = cloud.live("gcp:projects/apiKey:ApiKey")
    plan = scenario.deploy(gemini(service_account_email=f"caller@{PROJECT}.iam.gserviceaccount.com"))
    (second,) = cloud.live("gcp:projects/apiKey:ApiKey")
    assert second.key != first.key
    assert first.status == "held"  # soft-deleted by Google for 30 days, with FORCE: it was in use
    assert plan.index("create-replacement", "gemini-gemini-key") < plan.index("delete-replaced", "gemini-gemini-key")
    assert cloud.checks["gcp.api-key.delete-in-use"] == 1


def test_destroy_then_up_makes_a_gemini_key_under_a_new_id() -> None:
    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(gemini())
    scenario.destroy()
    scenario.deploy(gemini())
    assert len(cloud.live("gcp:projects/apiKey:ApiKey")) == 1
    assert len([o for o in cloud.objects if o.type == "gcp:projects/apiKey:ApiKey" and o.status == "held"]) == 1
    assert cloud.checks["gcp.api-key.id-held-after-delete"] >= 2


def test_two_stacks_of_one_program_in_one_project_get_their_own_key_and_service_account() -> None:
    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(gemini(), stack="dev")
    scenario.deploy(gemini(), stack="prod")
    keys = cloud.live("gcp:projects/apiKey:ApiKey")
    accounts = cloud.live("gcp:serviceaccount/account:Account")
    assert len({k.key for k in keys}) == 2
    assert len({a.key for a in accounts}) == 2
    assert cloud.checks["gcp.service-account.id-unique"] == 2


def test_a_key_id_held_after_delete_refuses_its_reuse_for_30_days() -> None:
    def key(name: str) -> Any:
        return lambda: gcp.projects.ApiKey("k", name=name, project=PROJECT, deletion_policy="FORCE")

    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(key("fixed-id"))
    scenario.destroy()
    refused("gcp.api-key.id-held-after-delete", lambda: scenario.deploy(key("fixed-id")))
    cloud.advance(days=30)
    scenario.deploy(key("fixed-id"))


def test_the_default_deletion_policy_cannot_delete_a_key_in_use() -> None:
    scenario = Scenario(Cloud())
    scenario.deploy(lambda: gcp.projects.ApiKey("k", name="in-use", project=PROJECT))
    refused("gcp.api-key.delete-in-use", scenario.destroy)
    idle = Scenario(Cloud(keys_in_use=False))
    idle.deploy(lambda: gcp.projects.ApiKey("k", name="idle", project=PROJECT))
    idle.destroy()


# ------------------------------------------------------------------------------------------- Bedrock expiry


def test_a_bedrock_key_is_renewed_before_it_expires_when_a_deploy_runs_in_the_overlap() -> None:
    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(bedrock_key(90))
    (first,) = cloud.live("aws:iam/serviceSpecificCredential:ServiceSpecificCredential")
    assert first.expires_at is not None
    cloud.advance(days=61)  # past two thirds of the lifetime: a new renewal window has begun
    plan = scenario.deploy(bedrock_key(90))
    assert plan.op("bedrock-bedrock-key") == "replace"
    assert plan.index("create-replacement", "bedrock-version") < plan.index("delete-replaced", "bedrock-bedrock-key")
    (second,) = cloud.live("aws:iam/serviceSpecificCredential:ServiceSpecificCredential")
    assert second.expires_at is not None
    assert second.expires_at > first.expires_at
    cloud.advance(days=31)  # the first key has expired; the stored one has not
    scenario.serving()
    assert cloud.checks["aws.service-specific-credential.expiry"] == 1


def test_a_stack_nobody_deploys_serves_a_dead_bedrock_key_after_expiry() -> None:
    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(bedrock_key(30))
    cloud.advance(days=31)
    refused("aws.service-specific-credential.expiry", scenario.serving)


@pytest.mark.parametrize("days", [1, 2, 30, 90, 365, 36_600])
def test_every_key_lifetime_has_a_renewal_window_that_starts_before_it_expires(days: int) -> None:
    period = bedrock.renewal_period(days)
    assert period.total_seconds() > 0
    # A key made at any moment of a window is renewed by the first deploy of the next one, before it expires.
    for offset in (0, 0.5, 0.999):
        made = START + period * offset
        next_window = bedrock._EPOCH + period * (bedrock.renewal_window(made, days) + 1)
        assert made < next_window < made + bedrock.timedelta(days=days)


def test_renewals_stay_within_the_credential_limit_of_two_per_user() -> None:
    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(bedrock_key(3))
    for _ in range(5):
        cloud.advance(days=2)
        scenario.deploy(bedrock_key(3))
        scenario.serving()
    assert len(cloud.live("aws:iam/serviceSpecificCredential:ServiceSpecificCredential")) == 1
    assert cloud.checks["aws.service-specific-credential.limit"] >= 4


def test_a_third_credential_is_refused() -> None:
    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(bedrock_key())
    (credential,) = cloud.live("aws:iam/serviceSpecificCredential:ServiceSpecificCredential")
    cloud.seed_credential(credential.inputs["userName"], "bedrock.amazonaws.com")
    cloud.advance(days=61)
    refused("aws.service-specific-credential.limit", lambda: scenario.deploy(bedrock_key()))


def test_a_credential_added_outside_the_stack_blocks_the_users_delete() -> None:
    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(lambda: aws.iam.User("u", name="bedrock-user"))
    cloud.seed_credential("bedrock-user", "bedrock.amazonaws.com")
    refused("aws.iam-user.delete-conflict", scenario.destroy)


# ------------------------------------------------------------------------------------------- other rules


def test_a_secrets_manager_name_is_held_for_its_recovery_window() -> None:
    def secret(window: Any = None) -> Any:
        return lambda: aws.secretsmanager.Secret("s", name="openai", recovery_window_in_days=window)

    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(secret(7))
    scenario.destroy()
    refused("aws.secret.name-held-after-delete", lambda: scenario.deploy(secret(7)))
    cloud.advance(days=7)
    scenario.deploy(secret(0))
    scenario.destroy()
    scenario.deploy(secret(0))  # a window of 0 frees the name at once


def test_a_secret_name_is_unique_in_the_account() -> None:
    scenario = Scenario(Cloud())
    scenario.deploy(lambda: aws.secretsmanager.Secret("s", name="openai"), stack="dev")
    refused(
        "aws.secret.name-unique", lambda: scenario.deploy(lambda: aws.secretsmanager.Secret("s", name="openai"), stack="prod")
    )


def test_kms_key_rings_are_never_deleted() -> None:
    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(lambda: gcp.kms.KeyRing("ring", name="fixed", location="global", project=PROJECT))
    scenario.destroy()
    cloud.advance(days=3650)
    refused(
        "gcp.kms.never-deleted",
        lambda: scenario.deploy(lambda: gcp.kms.KeyRing("ring", name="fixed", location="global", project=PROJECT)),
    )


def test_a_grant_used_before_it_has_propagated_fails_and_a_wait_long_enough_fixes_it() -> None:
    def program(wait: str, grant_wait: str = "") -> Any:
        def run() -> None:
            agent = gcp.projects.ServiceIdentity("agent", service="secretmanager.googleapis.com", project=PROJECT)
            ring = gcp.kms.KeyRing("ring", location="global", project=PROJECT)
            key = gcp.kms.CryptoKey("key", name="k", key_ring=ring.id)
            agent_ready = time.Sleep("agent-ready", create_duration=wait, opts=pulumi.ResourceOptions(depends_on=[agent]))
            grant = gcp.kms.CryptoKeyIAMMember(
                "grant",
                crypto_key_id=key.id,
                role="roles/cloudkms.cryptoKeyEncrypterDecrypter",
                member=agent.member,
                opts=pulumi.ResourceOptions(depends_on=[agent_ready]),
            )
            wait_grant = time.Sleep(
                "grant-ready", create_duration=grant_wait or wait, opts=pulumi.ResourceOptions(depends_on=[grant])
            )
            gcp.secretmanager.Secret(
                "secret",
                secret_id="s",
                project=PROJECT,
                replication={"auto": {"customer_managed_encryption": {"kms_key_name": key.id}}},
                opts=pulumi.ResourceOptions(depends_on=[wait_grant]),
            )

        return run

    refused("gcp.service-agent.not-yet", lambda: Scenario(Cloud()).deploy(program("30s")))
    refused("gcp.iam.propagation", lambda: Scenario(Cloud()).deploy(program("120s", "60s")))
    cloud = Cloud()
    Scenario(cloud).deploy(program("120s"))
    assert cloud.checks["gcp.secret.agent-needs-key"] == 1
    assert cloud.checks["gcp.service-agent.not-yet"] == 1
    slow = Cloud(gcp_iam_propagation=bedrock.timedelta(minutes=7))
    refused("gcp.service-agent.not-yet", lambda: Scenario(slow).deploy(program("120s")))


def test_an_authoritative_binding_removes_a_grant_made_outside_the_stack() -> None:
    cloud = Cloud()
    scenario = Scenario(cloud)
    secret_id = f"projects/{PROJECT}/secrets/shared"

    def program() -> None:
        gcp.secretmanager.SecretIamBinding(
            "readers", secret_id=secret_id, role="roles/secretmanager.secretAccessor", members=["user:a@example.com"]
        )

    cloud.seed_grant(secret_id, "roles/secretmanager.secretAccessor", "serviceAccount:rotator@p.iam.gserviceaccount.com")
    scenario.deploy(program)
    assert [g.member for g in cloud.removed_outside_grants] == ["serviceAccount:rotator@p.iam.gserviceaccount.com"]
    additive = Cloud()
    additive.seed_grant(secret_id, "roles/secretmanager.secretAccessor", "serviceAccount:rotator@p.iam.gserviceaccount.com")
    Scenario(additive).deploy(
        lambda: gcp.secretmanager.SecretIamMember(
            "reader", secret_id=secret_id, role="roles/secretmanager.secretAccessor", member="user:a@example.com"
        )
    )
    assert additive.removed_outside_grants == []
    assert additive.has_grant(secret_id, "roles/secretmanager.secretAccessor", "serviceAccount:rotator@p.iam.gserviceaccount.com")


def test_an_api_key_can_be_in_only_one_usage_plan_per_stage() -> None:
    cloud = Cloud()
    cloud.seed_usage_plan("plan-a", ["api1:prod"])
    cloud.seed_usage_plan("plan-b", ["api1:prod"])
    cloud.seed_usage_plan("plan-c", ["api2:prod"])

    def program(*plans: str) -> Any:
        def run() -> None:
            key = aws.apigateway.ApiKey("key", name="client")
            for plan in plans:
                aws.apigateway.UsagePlanKey(f"in-{plan}", key_id=key.id, key_type="API_KEY", usage_plan_id=plan)

        return run

    Scenario(cloud).deploy(program("plan-a", "plan-c"))
    refused(
        "aws.apigateway-key.one-plan-per-stage",
        lambda: Scenario(Cloud(usage_plan_stages=dict(cloud.usage_plan_stages))).deploy(program("plan-a", "plan-b")),
    )


def test_a_soft_deleted_vault_holds_its_global_name() -> None:
    def vault() -> Any:
        return lambda: pulumi.CustomResource(
            "azure-native:keyvault:Vault",
            "v",
            {"vaultName": "kv-fixed", "resourceGroupName": "rg", "properties": {"softDeleteRetentionInDays": 7}},
        )

    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(vault())
    scenario.destroy()
    refused("azure.vault.name-held-after-delete", lambda: scenario.deploy(vault()))
    cloud.advance(days=7)
    scenario.deploy(vault())


def test_the_simulation_never_holds_or_shows_a_key_value() -> None:
    def program() -> None:
        aws.apigateway.ApiKey("key", name="client", value=pulumi.Output.secret(CANARY))

    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(program, stack="dev")
    error = refused("aws.apigateway-key.value-unique", lambda: scenario.deploy(program, stack="prod"))
    assert CANARY not in str(error)
    assert CANARY not in repr(cloud.objects[0].key)


def test_a_function_triggered_before_its_grants_propagate_fails_and_a_wait_fixes_it() -> None:
    def program(wait: str) -> Any:
        def run() -> None:
            topic = gcp.pubsub.Topic("t", name="rotations", project=PROJECT)
            secret = gcp.secretmanager.Secret(
                "s", secret_id="k", project=PROJECT, replication={"auto": {}}, topics=[{"name": topic.id}]
            )
            account = gcp.serviceaccount.Account("a", account_id="rotator", project=PROJECT)
            function = gcp.cloudfunctionsv2.Function(
                "f",
                name="rotate",
                location="us-central1",
                project=PROJECT,
                service_config={"service_account_email": account.email},
                event_trigger={
                    "event_type": "google.cloud.pubsub.topic.v1.messagePublished",
                    "pubsub_topic": topic.id,
                    "service_account_email": account.email,
                },
            )
            grants = [
                gcp.secretmanager.SecretIamMember(f"g-{i}", secret_id=secret.id, role=role, member=account.member)
                for i, role in enumerate(("roles/secretmanager.secretAccessor", "roles/secretmanager.secretVersionManager"))
            ]
            grants.append(
                gcp.cloudrunv2.ServiceIamMember(
                    "invoker", name=function.name, location="us-central1", role="roles/run.invoker", member=account.member
                )
            )
            ready = time.Sleep("ready", create_duration=wait, opts=pulumi.ResourceOptions(depends_on=grants))
            gcp.secretmanager.SecretVersion(
                "v", secret=secret.id, secret_data="pending", opts=pulumi.ResourceOptions(depends_on=[ready, function])
            )

        return run

    def cloud() -> Cloud:
        # Secret Manager may already publish to the topic (its agent's grant is not what this rule is about).
        made = Cloud()
        made.seed_grant(f"gcp/{PROJECT}/topic/rotations", "roles/pubsub.publisher", f"secretmanager-agent-of-{PROJECT}")
        return made

    error = refused("gcp.function.grants-not-yet", lambda: Scenario(cloud()).deploy(program("60s")))
    assert "rotator@my-project-123.iam.gserviceaccount.com lacks" in str(error)
    ok = cloud()
    Scenario(ok).deploy(program("120s"))
    assert ok.checks["gcp.function.grants-not-yet"] == 3


def test_a_bucket_name_given_up_is_held_for_the_soft_delete_retention() -> None:
    def bucket() -> Any:
        return _custom("gcp:storage/bucket:Bucket", "b", {"name": "aikeys-code", "location": "US"})

    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(bucket())
    scenario.destroy()
    refused("gcp.bucket.name-held-after-delete", lambda: scenario.deploy(bucket()))
    cloud.advance(days=7)
    scenario.deploy(bucket())


def test_a_storage_account_name_is_held_while_it_can_be_recovered() -> None:
    def account() -> Any:
        return _custom("azure-native:storage:StorageAccount", "s", {"accountName": "aikeyscode", "resourceGroupName": "rg"})

    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(account())
    scenario.destroy()
    refused("azure.storage-account.name-held-after-delete", lambda: scenario.deploy(account()))
    cloud.advance(days=14)
    scenario.deploy(account())


def test_reserved_lambda_concurrency_leaves_100_unreserved() -> None:
    def function(name: str, reserved: int) -> Any:
        return _custom("aws:lambda/function:Function", name, {"name": name, "reservedConcurrentExecutions": reserved})

    Scenario(Cloud()).deploy(function("rotate", 1))  # a default account: 1,000
    refused(
        "aws.lambda.unreserved-concurrency",
        lambda: Scenario(Cloud(aws_lambda_concurrency=10)).deploy(function("rotate", 1)),  # a new account: 10
    )
    cloud = Cloud()
    Scenario(cloud).deploy(function("big", 900), stack="other")  # leaves exactly 100 unreserved
    refused("aws.lambda.unreserved-concurrency", lambda: Scenario(cloud).deploy(function("rotate", 1)))
    Scenario(Cloud()).deploy(function("unreserved", -1))


def _role_names(first: str, second: str) -> Any:
    def run() -> None:
        scenario = Scenario(Cloud())
        scenario.deploy(_custom("aws:iam/role:Role", "r", {"name": first}), stack="dev")
        scenario.deploy(_custom("aws:iam/role:Role", "r", {"name": second}), stack="prod")

    return run


def _deploy(type_: str, props: dict[str, Any]) -> Any:
    return lambda: Scenario(Cloud()).deploy(_custom(type_, "r", props))


# ------------------------------------------------------------------------------------------- every rule can fail


def _twice(make: Any, *, second_stack: bool = True) -> Any:
    """Deploy ``make`` on two stacks of one account or project."""

    def run() -> None:
        scenario = Scenario(Cloud())
        scenario.deploy(make, stack="dev")
        scenario.deploy(make, stack="prod" if second_stack else "dev")

    return run


def _custom(type_: str, name: str, props: dict[str, Any]) -> Any:
    return lambda: pulumi.CustomResource(type_, name, props)


def _destroy_after(make: Any, cloud: Any = None) -> Any:
    def run() -> None:
        scenario = Scenario(cloud or Cloud())
        scenario.deploy(make)
        scenario.destroy()

    return run


def _big_policy(size: int) -> str:
    return '{"Version": "2012-10-17", "Statement": [], "Padding": "' + "x" * size + '"}'


def _pending_key() -> None:
    cloud = Cloud()
    scenario = Scenario(cloud)
    key = Scenario(cloud)
    key.deploy(lambda: aws.kms.Key("k", deletion_window_in_days=7), stack="keys")
    (made,) = cloud.live("aws:kms/key:Key")
    scenario.deploy(lambda: aws.secretsmanager.Secret("s", kms_key_id=made.ids[0]))
    key.destroy(stack="keys")
    scenario.serving()


def _audit_twice() -> None:
    cloud = Cloud()
    scenario = Scenario(cloud)

    def audit() -> None:
        gcp.projects.IAMAuditConfig(
            "audit", project=PROJECT, service="secretmanager.googleapis.com", audit_log_configs=[{"log_type": "DATA_READ"}]
        )

    scenario.deploy(audit, stack="dev")
    scenario.deploy(audit, stack="prod")
    scenario.destroy(stack="dev")
    assert cloud.reverted == ["prod's audit config of secretmanager.googleapis.com in my-project-123"]
    cloud.check("gcp.audit-config.authoritative", not cloud.reverted)


def _binding_removes_outside_grant() -> None:
    cloud = Cloud()
    cloud.seed_grant("projects/p/secrets/s", "roles/secretmanager.secretAccessor", "user:outside@example.com")
    Scenario(cloud).deploy(
        lambda: gcp.secretmanager.SecretIamBinding(
            "b", secret_id="projects/p/secrets/s", role="roles/secretmanager.secretAccessor", members=["user:a@example.com"]
        )
    )
    cloud.check("gcp.iam-binding.authoritative", not cloud.removed_outside_grants)


def _role_assignment(name: str) -> Any:
    props = {
        "scope": "/subscriptions/s/vault",
        "principalId": "p-1",
        "roleDefinitionId": "/roles/reader",
        "roleAssignmentName": name,
    }
    return lambda: pulumi.CustomResource("azure-native:authorization:RoleAssignment", name, props)


def _two_assignments() -> None:
    scenario = Scenario(Cloud())
    scenario.deploy(_role_assignment("guid-1"), stack="dev")
    scenario.deploy(_role_assignment("guid-2"), stack="prod")


def _diagnostics() -> None:
    def run() -> None:
        for i in range(6):
            pulumi.CustomResource("azure-native:monitor:DiagnosticSetting", f"d{i}", {"resourceUri": "/vault/v", "name": f"d{i}"})

    Scenario(Cloud()).deploy(run)


def _secret_again() -> None:
    # A rename back, or a destroy then up, asks for a name the vault still holds (case ignored).
    def secret(name: str) -> Any:
        return _custom("azure-native:keyvault:Secret", "s", {"vaultName": "kv", "secretName": name, "resourceGroupName": "rg"})

    scenario = Scenario(Cloud())
    scenario.deploy(secret("Openai"))
    scenario.destroy()
    scenario.deploy(secret("openai"))


def _lambda_permission() -> Any:
    return lambda: aws.lambda_.Permission(
        "p", action="lambda:InvokeFunction", function="rotate", principal="secretsmanager.amazonaws.com", statement_id="sm"
    )


RULE_CASES: dict[str, Any] = {
    "aws.secret.name-held-after-delete": lambda: test_a_secrets_manager_name_is_held_for_its_recovery_window(),
    "aws.secret.name-unique": _twice(lambda: aws.secretsmanager.Secret("s", name="openai")),
    "aws.secret-policy.size": lambda: Scenario(Cloud()).deploy(
        lambda: aws.secretsmanager.SecretPolicy("p", secret_arn="arn", policy=_big_policy(20_500))
    ),
    "aws.kms-key-policy.size": lambda: Scenario(Cloud()).deploy(lambda: aws.kms.Key("k", policy=_big_policy(33_000))),
    "aws.kms-key.pending-deletion": _pending_key,
    "aws.kms-alias.name-unique": _twice(lambda: aws.kms.Alias("a", name="alias/openai", target_key_id="k")),
    "aws.iam-user.name-unique": _twice(lambda: aws.iam.User("u", name="Bedrock")),
    "aws.iam-user.delete-conflict": lambda: test_a_credential_added_outside_the_stack_blocks_the_users_delete(),
    "aws.iam-user-policy.size": lambda: Scenario(Cloud()).deploy(
        lambda: aws.iam.UserPolicy("p", user="u", policy=_big_policy(2_100))
    ),
    "aws.service-specific-credential.limit": lambda: test_a_third_credential_is_refused(),
    "aws.service-specific-credential.expiry": lambda: test_a_stack_nobody_deploys_serves_a_dead_bedrock_key_after_expiry(),
    "aws.apigateway-key.one-plan-per-stage": lambda: test_an_api_key_can_be_in_only_one_usage_plan_per_stage(),
    "aws.apigateway-key.value-unique": lambda: test_the_simulation_never_holds_or_shows_a_key_value(),
    "aws.lambda-permission.statement-unique": _twice(_lambda_permission()),
    "gcp.api-key.id-held-after-delete": lambda: test_a_key_id_held_after_delete_refuses_its_reuse_for_30_days(),
    "gcp.api-key.id-unique": _twice(lambda: gcp.projects.ApiKey("k", name="fixed", project=PROJECT)),
    "gcp.api-key.delete-in-use": lambda: test_the_default_deletion_policy_cannot_delete_a_key_in_use(),
    "gcp.service-account.id-unique": _twice(lambda: gcp.serviceaccount.Account("a", account_id="caller", project=PROJECT)),
    "gcp.iam.propagation": lambda: test_a_grant_used_before_it_has_propagated_fails_and_a_wait_long_enough_fixes_it(),
    "gcp.service-agent.not-yet": lambda: test_a_grant_used_before_it_has_propagated_fails_and_a_wait_long_enough_fixes_it(),
    "gcp.iam-binding.authoritative": _binding_removes_outside_grant,
    "gcp.audit-config.authoritative": _audit_twice,
    "gcp.secret.id-unique": _twice(
        lambda: gcp.secretmanager.Secret("s", secret_id="openai", project=PROJECT, replication={"auto": {}})
    ),
    "gcp.secret.deletion-protection": _destroy_after(
        lambda: gcp.secretmanager.Secret(
            "s", secret_id="openai", project=PROJECT, replication={"auto": {}}, deletion_protection=True
        )
    ),
    "gcp.secret.agent-needs-key": lambda: Scenario(Cloud()).deploy(
        lambda: gcp.secretmanager.Secret(
            "s", secret_id="s", project=PROJECT, replication={"auto": {"customer_managed_encryption": {"kms_key_name": "k"}}}
        )
    ),
    "gcp.kms.never-deleted": lambda: test_kms_key_rings_are_never_deleted(),
    "gcp.topic.name-unique": _twice(lambda: gcp.pubsub.Topic("t", name="rotations", project=PROJECT)),
    "azure.vault.name-held-after-delete": lambda: test_a_soft_deleted_vault_holds_its_global_name(),
    "azure.vault.name-unique": _twice(
        _custom("azure-native:keyvault:Vault", "v", {"vaultName": "kv-one", "resourceGroupName": "rg"})
    ),
    "azure.secret.name-held-after-delete": _secret_again,
    "azure.role-assignment.exists": _two_assignments,
    "azure.event-subscription.name-unique": _twice(
        _custom("azure-native:eventgrid:EventSubscription", "e", {"scope": "/vault/v", "eventSubscriptionName": "near-expiry"})
    ),
    "azure.diagnostic-setting.limit": _diagnostics,
    "aws.lambda-function.name-unique": _twice(_custom("aws:lambda/function:Function", "f", {"name": "rotate-openai"})),
    "aws.lambda-function.name-rule": _deploy("aws:lambda/function:Function", {"name": "r" * 65}),
    "aws.lambda.unreserved-concurrency": lambda: test_reserved_lambda_concurrency_leaves_100_unreserved(),
    "aws.iam-role.name-unique": _role_names("Rotator", "rotator"),
    "aws.iam-role.name-rule": _deploy("aws:iam/role:Role", {"name": "r" * 65}),
    "gcp.cloud-function.name-unique": _twice(
        _custom(FUNCTION_TYPE, "f", {"name": "rotate", "location": "us-central1", "project": PROJECT})
    ),
    "gcp.cloud-function.name-rule": _deploy(FUNCTION_TYPE, {"name": "Rotate_Key", "location": "us-central1"}),
    "gcp.function.grants-not-yet": lambda: test_a_function_triggered_before_its_grants_propagate_fails_and_a_wait_fixes_it(),
    "gcp.bucket.name-unique": _twice(_custom("gcp:storage/bucket:Bucket", "b", {"name": "aikeys-code", "location": "US"})),
    "gcp.bucket.name-held-after-delete": lambda: test_a_bucket_name_given_up_is_held_for_the_soft_delete_retention(),
    "azure.storage-account.name-unique": _twice(
        _custom("azure-native:storage:StorageAccount", "s", {"accountName": "aikeyscode", "resourceGroupName": "rg"})
    ),
    "azure.storage-account.name-held-after-delete": lambda: test_a_storage_account_name_is_held_while_it_can_be_recovered(),
    "azure.storage-account.name-rule": _deploy("azure-native:storage:StorageAccount", {"accountName": "AiKeys_Code"}),
    "azure.function-app.name-unique": _twice(
        _custom("azure-native:web:WebApp", "a", {"name": "rotator", "resourceGroupName": "rg"})
    ),
    "azure.function-app.name-rule": _deploy("azure-native:web:WebApp", {"name": "rotator-"}),
}


def test_every_enforced_rule_has_a_case_that_breaks_it() -> None:
    enforced = {rule for rule, constraint in CONSTRAINTS.items() if constraint.enforced}
    assert set(RULE_CASES) == enforced


@pytest.mark.parametrize("rule", sorted(RULE_CASES))
def test_each_rule_refuses_what_the_cloud_refuses(rule: str) -> None:
    case = RULE_CASES[rule]
    if case.__name__ == "<lambda>" and case.__code__.co_names[:1] and case.__code__.co_names[0].startswith("test_"):
        case()  # a test above already asserts this rule's refusal
        return
    refused(rule, case)


def test_destroying_one_stack_keeps_the_audit_logs_another_stack_turned_on() -> None:
    args = {**GEMINI, "gcp": {"project": PROJECT, "audit_data_access": True}}
    cloud = Cloud()
    scenario = Scenario(cloud)
    scenario.deploy(lambda: SecureApiKey("gemini", args), stack="dev")  # type: ignore[arg-type]
    scenario.deploy(lambda: SecureApiKey("gemini", args), stack="prod")  # type: ignore[arg-type]
    scenario.destroy(stack="dev")
    assert cloud.checks["gcp.audit-config.authoritative"] == 2
    assert cloud.reverted == []
    assert len(cloud.live("gcp:projects/iAMAuditConfig:IAMAuditConfig")) == 2  # dev's was left in place
