"""The AWS Lambda entry against moto's Secrets Manager and API Gateway, the IAM stand-in and the OpenAI stand-in,
driven the way Secrets Manager drives a rotation function: RotateSecret's pending version, then the four steps
(camelCase and snake_case spellings, a step retried with the same token, RotationToken passed along)."""

import threading
import uuid
from datetime import timedelta
from typing import Any, Callable

import pytest

from ai_keys.rotation.rotator import aws_lambda
from ai_keys.rotation.rotator.aws_lambda import STEPS
from ai_keys.rotation.rotator.engine import PLACEHOLDER, RetryLater
from ai_keys.rotation.rotator.settings import SettingsError
from ai_keys.testing.stand_ins import IamStandIn, OpenAIStandIn, SimClock, digest

from .conftest import ADMIN_KEY, EVERY_DAYS, IAM_USER, OPENAI_PROJECT, PREFIX, AwsKit, AwsRotation, Gateway

PERIOD = timedelta(days=EVERY_DAYS)
AWS_LABELS = {"AWSCURRENT", "AWSPREVIOUS", "AWSPENDING"}


class CrashError(Exception):
    """A function instance dying between two steps."""


def bedrock_env(env_for: Callable[..., dict[str, str]], aws: AwsKit, arn: str, iam: IamStandIn) -> dict[str, str]:
    return env_for("bedrock", "aws", arn, AIKEYS_IAM_USER=IAM_USER, AWS_ENDPOINT_URL=aws.url, AWS_ENDPOINT_URL_IAM=iam.url)


def check_labels(aws: AwsKit, arn: str) -> int:
    """Key labels only on AWSCURRENT / AWSPREVIOUS / AWSPENDING versions; returns the labelled versions."""
    labelled = 0
    for version, stages in aws.labels(arn).items():
        keys = [s for s in stages if s.startswith("ai-keys:key:")]
        assert len(keys) <= 1, f"version {version} carries {keys}"
        if keys:
            labelled += 1
            assert AWS_LABELS & set(stages), f"version {version} keeps {keys} without a rotation label"
    return labelled


def test_bedrock_120_rotations_keep_two_keys_and_prune_labels(
    aws: AwsKit, iam: IamStandIn, clock: SimClock, env_for: Callable[..., dict[str, str]], aws_rotation: Any
) -> None:
    arn = aws.secret()
    rotation: AwsRotation = aws_rotation(arn, bedrock_env(env_for, aws, arn, iam))
    checks = 0
    for n in range(120):
        rotation.rotate(retry_create=n % 10 == 0)
        current = aws.value(arn)
        assert iam.keys.is_live(current), "the current key works"
        if n:
            assert iam.keys.is_live(aws.value(arn, "AWSPREVIOUS")), "the previous key works until the next rotation"
        assert iam.keys.live_count <= 2
        assert check_labels(aws, arn) <= 2
        checks += 1
        clock.advance(PERIOD)
    assert checks == 120
    assert iam.keys.max_live == 2
    assert len(iam.keys.records) == 120
    assert iam.resets == 0  # never ResetServiceSpecificCredential: it leaves no overlap
    # Secrets Manager keeps labelled versions forever and prunes unlabelled ones past 100
    # ("Secrets Manager removes unlabeled versions when there are more than 100",
    # docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html): only the live keys are labelled.
    stages = aws.labels(arn)
    assert len(stages) >= 120
    labelled = {v for v, s in stages.items() if any(x.startswith("ai-keys:key:") for x in s)}
    assert labelled == {v for v, s in stages.items() if {"AWSCURRENT", "AWSPREVIOUS"} & set(s)}
    assert all(not set(s) - {"AWSCURRENT", "AWSPREVIOUS", "AWSPENDING"} for v, s in stages.items() if v not in labelled)
    assert rotation.steps_run.count("create_secret") == 132
    assert rotation.camel is False  # both spellings were used, alternately


def test_first_rotation_replaces_the_placeholder(
    aws: AwsKit, iam: IamStandIn, env_for: Callable[..., dict[str, str]], aws_rotation: Any
) -> None:
    arn = aws.secret()
    assert aws.value(arn) == PLACEHOLDER
    rotation: AwsRotation = aws_rotation(arn, bedrock_env(env_for, aws, arn, iam))
    token = rotation.rotate()
    assert aws.value(arn) != PLACEHOLDER
    assert iam.keys.is_live(aws.value(arn))
    assert aws.value(arn, "AWSPREVIOUS") == PLACEHOLDER
    assert f"ai-keys:key:{iam.live(IAM_USER)[0]}" in aws.labels(arn)[token]


def test_steps_retried_with_the_same_token_do_nothing_twice(
    aws: AwsKit, iam: IamStandIn, clock: SimClock, env_for: Callable[..., dict[str, str]], aws_rotation: Any
) -> None:
    arn = aws.secret()
    rotation: AwsRotation = aws_rotation(arn, bedrock_env(env_for, aws, arn, iam))
    rotation.rotate()
    clock.advance(PERIOD)
    token, rotation_token = rotation.start()
    outcomes = [rotation.step(step, token, rotation_token)["action"] for step in STEPS for _ in range(2)]
    assert outcomes == [
        "pending-written",
        "pending-exists",
        "set",
        "set",
        "tested",
        "tested",
        "finished",
        "already-current",
    ]
    assert len(iam.keys.records) == 2
    assert iam.keys.live_count == 2


def test_concurrent_deliveries_of_one_step_make_one_key(
    aws: AwsKit, iam: IamStandIn, clock: SimClock, env_for: Callable[..., dict[str, str]], aws_rotation: Any
) -> None:
    arn = aws.secret()
    rotation: AwsRotation = aws_rotation(arn, bedrock_env(env_for, aws, arn, iam))
    rotation.rotate()
    clock.advance(PERIOD)
    token, rotation_token = rotation.start()
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(rotation.step("create_secret", token, rotation_token)["action"]))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["pending-exists", "pending-written"]
    for step in STEPS[1:]:
        rotation.step(step, token, rotation_token)
    assert len(iam.keys.records) == 2
    assert iam.keys.max_live == 2


ENGINE_STEPS = ["read", "orphans", "revoke-previous", "guard", "mint", "write"]


@pytest.mark.parametrize("step", ENGINE_STEPS)
def test_a_crash_inside_create_secret_converges_on_the_retry(
    step: str, aws: AwsKit, iam: IamStandIn, clock: SimClock, env_for: Callable[..., dict[str, str]], aws_rotation: Any
) -> None:
    arn = aws.secret()
    rotation: AwsRotation = aws_rotation(arn, bedrock_env(env_for, aws, arn, iam))
    for _ in range(3):
        rotation.rotate()
        clock.advance(PERIOD)
    before = aws.value(arn)
    token, rotation_token = rotation.start()

    def crash(name: str) -> None:
        if name == step:
            raise CrashError(name)

    with pytest.raises(CrashError):
        rotation.step("create_secret", token, rotation_token, on_step=crash)
    assert aws.value(arn) == before
    assert iam.keys.is_live(before)
    assert iam.keys.live_count <= 2
    for name in STEPS:  # Secrets Manager runs the rotation again with the same token
        rotation.step(name, token, rotation_token)
    assert iam.keys.is_live(aws.value(arn))
    assert aws.value(arn, "AWSPREVIOUS") == before
    assert iam.keys.live_count == 2
    assert iam.keys.max_live == 2
    assert check_labels(aws, arn) == 2


@pytest.mark.parametrize("stop_after", STEPS[:-1])
def test_a_rotation_abandoned_between_aws_steps_converges_when_retried(
    stop_after: str, aws: AwsKit, iam: IamStandIn, clock: SimClock, env_for: Callable[..., dict[str, str]], aws_rotation: Any
) -> None:
    arn = aws.secret()
    rotation: AwsRotation = aws_rotation(arn, bedrock_env(env_for, aws, arn, iam))
    for _ in range(2):
        rotation.rotate()
        clock.advance(PERIOD)
    before = aws.value(arn)
    token, rotation_token = rotation.start()
    for name in STEPS[: STEPS.index(stop_after) + 1]:
        rotation.step(name, token, rotation_token)
    assert aws.value(arn) == before
    assert iam.keys.is_live(before)
    with pytest.raises(AssertionError, match="in progress"):
        rotation.start()  # RotateSecret refuses a new rotation while this one's AWSPENDING version is there
    clock.advance(timedelta(hours=1))
    for name in STEPS:  # so Secrets Manager runs this rotation again, with the same token
        rotation.step(name, token, rotation_token)
    assert iam.keys.is_live(aws.value(arn))
    assert aws.value(arn, "AWSPREVIOUS") == before
    assert iam.keys.live_count == 2
    assert iam.keys.max_live == 2
    assert check_labels(aws, arn) == 2


@pytest.mark.parametrize("status", [500, 429])
def test_iam_errors_mid_rotation_converge(
    status: int, aws: AwsKit, iam: IamStandIn, clock: SimClock, env_for: Callable[..., dict[str, str]], aws_rotation: Any
) -> None:
    arn = aws.secret()
    rotation: AwsRotation = aws_rotation(arn, bedrock_env(env_for, aws, arn, iam))
    for _ in range(2):
        rotation.rotate()
        clock.advance(PERIOD)
    before = aws.value(arn)
    iam.faults.fail_next(1, status, match="POST /")  # whichever IAM call comes next
    iam.faults.fail_next(3, status, match="POST /")
    token, rotation_token = rotation.start()
    try:
        for name in STEPS:
            rotation.step(name, token, rotation_token)
    except Exception:
        assert aws.value(arn) == before  # the run failed: the current key is untouched
        for name in STEPS:
            rotation.step(name, token, rotation_token)
    assert iam.faults.injected == 4
    assert aws.value(arn) != before
    assert iam.keys.is_live(aws.value(arn))
    assert aws.value(arn, "AWSPREVIOUS") == before
    assert iam.keys.max_live == 2


def test_a_failed_put_loses_no_key(
    aws: AwsKit, iam: IamStandIn, clock: SimClock, env_for: Callable[..., dict[str, str]], aws_rotation: Any, sm_proxy: Any
) -> None:
    arn = aws.secret()
    environment = bedrock_env(env_for, aws, arn, iam)
    environment["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = sm_proxy.url
    rotation: AwsRotation = aws_rotation(arn, environment)
    for _ in range(2):
        rotation.rotate()
        clock.advance(PERIOD)
    before = aws.value(arn)
    sm_proxy.fail_puts = 3  # botocore's standard retries: three attempts, all refused
    token, rotation_token = rotation.start()
    with pytest.raises(Exception, match=r"InternalServiceError|500"):
        rotation.step("create_secret", token, rotation_token)
    assert sm_proxy.failed == 3
    assert aws.value(arn) == before
    assert iam.keys.live_count == 1  # the new key the store refused was revoked at once
    for name in STEPS:
        rotation.step(name, token, rotation_token)
    assert iam.keys.is_live(aws.value(arn))
    assert iam.keys.live_count == 2
    assert iam.keys.max_live == 2


def test_api_gateway_key_is_promoted_only_once_the_gateway_accepts_it(
    aws: AwsKit, gateway: Gateway, clock: SimClock, env_for: Callable[..., dict[str, str]], aws_rotation: Any
) -> None:
    arn = aws.secret()
    environment = env_for(
        "aws_api_gateway",
        "aws",
        arn,
        AIKEYS_USAGE_PLAN_ID=gateway.usage_plan_id,
        AIKEYS_PROBE_URL=gateway.probe_url,
        AWS_ENDPOINT_URL=aws.url,
    )
    rotation: AwsRotation = aws_rotation(arn, environment)
    plane = gateway.data_plane
    for n in range(12):
        token, rotation_token = rotation.start()
        rotation.step("create_secret", token, rotation_token)
        rotation.step("set_secret", token, rotation_token)
        slept = len(clock.slept)
        rotation.step("test_secret", token, rotation_token)
        assert len(clock.slept) > slept, "the new key was probed until the gateway took it"
        rotation.step("finish_secret", token, rotation_token)
        assert plane.accepted(aws.value(arn))
        if n:
            assert plane.accepted(aws.value(arn, "AWSPREVIOUS"))
        assert plane.keys.live_count <= 2
        clock.advance(PERIOD)
    assert plane.refused_inactive >= 12
    assert plane.keys.max_live == 2
    assert len(plane.keys.records) == 12
    assert check_labels(aws, arn) == 2


def test_api_gateway_key_never_accepted_fails_the_test_step(
    aws: AwsKit, gateway: Gateway, clock: SimClock, env_for: Callable[..., dict[str, str]], aws_rotation: Any
) -> None:
    arn = aws.secret()
    environment = env_for(
        "aws_api_gateway",
        "aws",
        arn,
        AIKEYS_USAGE_PLAN_ID=gateway.usage_plan_id,
        AIKEYS_PROBE_URL=gateway.probe_url,
        AWS_ENDPOINT_URL=aws.url,
    )
    gateway.data_plane.activation_delay = 10**9
    rotation: AwsRotation = aws_rotation(arn, environment)
    token, rotation_token = rotation.start()
    rotation.step("create_secret", token, rotation_token)
    with pytest.raises(RetryLater, match="not accepted"):
        rotation.step("test_secret", token, rotation_token)
    assert aws.value(arn) == PLACEHOLDER  # never promoted
    gateway.data_plane.activation_delay = 0.0
    for name in STEPS:  # the retry of the rotation finds the key working
        rotation.step(name, token, rotation_token)
    assert gateway.data_plane.accepted(aws.value(arn))
    assert len(gateway.data_plane.keys.records) == 1


def test_openai_on_aws_reads_its_admin_key_from_the_store(
    aws: AwsKit, openai_api: OpenAIStandIn, clock: SimClock, env_for: Callable[..., dict[str, str]], aws_rotation: Any
) -> None:
    arn = aws.secret()
    admin_ref = aws.secret(ADMIN_KEY)
    environment = env_for(
        "openai",
        "aws",
        arn,
        AIKEYS_OPENAI_PROJECT=OPENAI_PROJECT,
        AIKEYS_ADMIN_KEY_REF=admin_ref,
        AIKEYS_ENDPOINT_OPENAI=openai_api.url,
        AWS_ENDPOINT_URL=aws.url,
    )
    rotation: AwsRotation = aws_rotation(arn, environment)
    for n in range(10):
        rotation.rotate(retry_create=n == 3)
        assert openai_api.keys.is_live(aws.value(arn))
        assert openai_api.keys.live_count <= 2
        clock.advance(PERIOD)
    assert openai_api.keys.max_live == 2
    assert len(openai_api.live_accounts(PREFIX)) == 2  # one service account per rotation, the older ones deleted
    assert len(openai_api.keys.records) == 10
    assert check_labels(aws, arn) == 2


def test_events_for_other_secrets_or_steps_are_refused(
    aws: AwsKit, iam: IamStandIn, env_for: Callable[..., dict[str, str]], aws_rotation: Any
) -> None:
    arn = aws.secret()
    environment = bedrock_env(env_for, aws, arn, iam)
    rotation: AwsRotation = aws_rotation(arn, environment)
    token, _ = rotation.start()
    with pytest.raises(aws_lambda.UnknownStepError, match="unknown rotation step 'rotateSecret'"):
        aws_lambda.handler({"Step": "rotateSecret", "SecretId": arn, "ClientRequestToken": token}, None, env=environment)
    with pytest.raises(ValueError, match="no version"):
        aws_lambda.handler(
            {"Step": "createSecret", "SecretId": arn, "ClientRequestToken": str(uuid.uuid4())}, None, env=environment
        )
    other = aws.secret()
    with pytest.raises(ValueError, match="another secret"):
        aws_lambda.handler({"Step": "createSecret", "SecretId": other, "ClientRequestToken": token}, None, env=environment)
    with pytest.raises(SettingsError, match="AIKEYS_IAM_USER"):
        aws_lambda.handler(
            {"Step": "createSecret", "SecretId": arn, "ClientRequestToken": token},
            None,
            env={k: v for k, v in environment.items() if k != "AIKEYS_IAM_USER"},
        )
    assert iam.keys.records == []


def test_bedrock_credentials_live_the_age_the_deploy_sets(
    aws: AwsKit, iam: IamStandIn, clock: SimClock, env_for: Callable[..., dict[str, str]], aws_rotation: Any
) -> None:
    """AIKEYS_CREDENTIAL_AGE_DAYS (two periods and 30 days by default) becomes each credential's CredentialAgeDays: a
    key the rotator can no longer revoke still dies on its own, and none dies while it is current or previous."""
    arn = aws.secret()
    age = 2 * EVERY_DAYS + 30
    environment = {**bedrock_env(env_for, aws, arn, iam), "AIKEYS_CREDENTIAL_AGE_DAYS": str(age)}
    rotation: AwsRotation = aws_rotation(arn, environment)
    for _ in range(4):
        rotation.rotate()
        clock.advance(PERIOD)
    assert len(iam.expiries) == 4
    for record in iam.keys.records:
        assert iam.expiries[record.key_id] == record.valid_from + age * 86400
        if record.valid_until is not None:  # revoked by a rotation, two periods on: before its expiry
            assert record.valid_until < record.valid_from + age * 86400
    current = aws.value(arn)
    assert iam.accepts(current)
    clock.advance(timedelta(days=age) - PERIOD - timedelta(seconds=1))  # the rotator stopped: the current key ages
    assert iam.accepts(current)
    clock.advance(timedelta(seconds=1))
    assert not iam.accepts(current)
    listed = {c["ServiceSpecificCredentialId"]: c["Status"] for c in iam_listing(iam)}
    assert sorted(listed.values()) == ["Expired", "Expired"]
    assert all(r.valid_until is not None for r in iam.keys.records)


def iam_listing(iam: IamStandIn) -> list[dict[str, Any]]:
    import boto3

    client = boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t", region_name="us-east-1").client(
        "iam", endpoint_url=iam.url
    )
    answer: list[dict[str, Any]] = client.list_service_specific_credentials(UserName=IAM_USER)["ServiceSpecificCredentials"]
    return answer


def test_a_bad_credential_age_is_refused(
    aws: AwsKit, iam: IamStandIn, env_for: Callable[..., dict[str, str]], aws_rotation: Any
) -> None:
    arn = aws.secret()
    environment = {**bedrock_env(env_for, aws, arn, iam), "AIKEYS_CREDENTIAL_AGE_DAYS": "0"}
    rotation: AwsRotation = aws_rotation(arn, environment)
    with pytest.raises(SettingsError, match="AIKEYS_CREDENTIAL_AGE_DAYS is 0"):
        rotation.rotate()
    assert iam.expiries == {}


@pytest.mark.parametrize("days_later", [0, 1, 14])
def test_a_rotation_started_by_a_schedule_change_keeps_the_previous_key(
    days_later: int, aws: AwsKit, iam: IamStandIn, clock: SimClock, env_for: Callable[..., dict[str, str]], aws_rotation: Any
) -> None:
    """The AWS provider calls RotateSecret with RotateImmediately whenever the rotation rules change (a new
    every_days): that rotation makes no key and revokes nothing while the current key is younger than half a
    period, and every step ends cleanly, so Secrets Manager may start the next rotation."""
    arn = aws.secret()
    environment = bedrock_env(env_for, aws, arn, iam)
    rotation: AwsRotation = aws_rotation(arn, environment)
    for n in range(3):
        rotation.rotate()
        if n < 2:
            clock.advance(PERIOD)
    current, previous = aws.value(arn), aws.value(arn, "AWSPREVIOUS")
    before = aws.labels(arn)
    clock.advance(timedelta(days=days_later))
    token, rotation_token = rotation.start()
    actions = [rotation.step(step, token, rotation_token)["action"] for step in STEPS]
    assert actions == ["not-due", "set", "not-due", "not-due"]
    assert (aws.value(arn), aws.value(arn, "AWSPREVIOUS")) == (current, previous)
    assert iam.keys.is_live(previous), "the previous key keeps its whole period"
    assert len(iam.keys.records) == 3  # no key made
    assert "AWSPENDING" not in aws.labels(arn)[token]
    assert {v: s for v, s in aws.labels(arn).items() if v != token} == before
    # Secrets Manager retrying a step of that rotation, or a step naming no version at all, ends cleanly too.
    assert rotation.step("finish_secret", token, rotation_token)["action"] == "not-due"
    stranger = str(uuid.uuid4())
    assert [rotation.step(step, stranger)["action"] for step in STEPS] == ["not-due"] * 4
    # RotateSecret is not blocked, and the scheduled rotation a period after the last write rotates as usual.
    clock.advance(PERIOD - timedelta(days=days_later))
    rotation.rotate()
    assert aws.value(arn, "AWSPREVIOUS") == current
    assert not iam.keys.is_live(previous)
    assert iam.keys.max_live == 2
    superseded = next(r for r in iam.keys.records if r.digest == digest(previous))
    assert superseded.valid_until is not None
    written = next(r for r in iam.keys.records if r.digest == digest(current)).valid_from
    assert superseded.valid_until - written >= PERIOD.total_seconds()


def test_a_step_without_a_pending_value_still_fails_when_a_rotation_is_due(
    aws: AwsKit, iam: IamStandIn, clock: SimClock, env_for: Callable[..., dict[str, str]], aws_rotation: Any
) -> None:
    arn = aws.secret()
    rotation: AwsRotation = aws_rotation(arn, bedrock_env(env_for, aws, arn, iam))
    rotation.rotate()
    clock.advance(PERIOD)
    token, rotation_token = rotation.start()
    with pytest.raises(RetryLater, match="no pending value"):
        rotation.step("test_secret", token, rotation_token)
    with pytest.raises(RetryLater, match="no pending value"):
        rotation.step("finish_secret", token, rotation_token)
    assert "AWSPENDING" in aws.labels(arn)[token]  # the rotation stays open: Secrets Manager retries it
    for step in STEPS:
        rotation.step(step, token, rotation_token)
    assert iam.keys.is_live(aws.value(arn))
    assert len(iam.keys.records) == 2
