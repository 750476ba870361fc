"""Reading AWS Secrets Manager keys through KeyCache, against a local moto server."""

import logging
import threading
from typing import Any, Callable, List

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from ai_keys.runtime import (
    KeyCache,
    SdkClientFactory,
    SecretAccessDeniedError,
    SecretNotFoundError,
    SecretReadError,
    SecretUnavailableError,
    aws,
    parse_secret_ref,
)


def test_miss_then_hit(
    make_cache: Callable[..., KeyCache], make_aws_secret: Callable[[str], str], aws_counter: Any, new_value: Callable[[], str]
) -> None:
    value = new_value()
    arn = make_aws_secret(value)
    cache = make_cache()
    assert cache.get(arn) == value
    assert [cache.get(arn) for _ in range(50)] == [value] * 50
    assert aws_counter.calls[arn] == 1


def test_rotation_is_picked_up_after_the_ttl(
    make_cache: Callable[..., KeyCache],
    make_aws_secret: Callable[[str], str],
    aws_admin: Any,
    aws_counter: Any,
    clock: Any,
    new_value: Callable[[], str],
) -> None:
    old, new = new_value(), new_value()
    arn = make_aws_secret(old)
    cache = make_cache(ttl_seconds=60, jitter=0)
    assert cache.get(arn) == old
    aws_admin.put_secret_value(SecretId=arn, SecretString=new)
    clock.advance(59)
    assert cache.get(arn) == old
    clock.advance(2)
    assert cache.get(arn) == new
    assert aws_counter.calls[arn] == 2


def test_rotation_done_by_stage_moves_is_read_from_awscurrent(
    make_cache: Callable[..., KeyCache],
    make_aws_secret: Callable[[str], str],
    aws_admin: Any,
    clock: Any,
    new_value: Callable[[], str],
) -> None:
    # What a rotation Lambda does: new version as AWSPENDING, then move AWSCURRENT onto it.
    old, new = new_value(), new_value()
    arn = make_aws_secret(old)
    cache = make_cache(ttl_seconds=60)
    assert cache.get(arn) == old
    old_id = aws_admin.describe_secret(SecretId=arn)["VersionIdsToStages"]
    current = next(v for v, stages in old_id.items() if "AWSCURRENT" in stages)
    aws_admin.put_secret_value(SecretId=arn, ClientRequestToken="a" * 32, SecretString=new, VersionStages=["AWSPENDING"])
    aws_admin.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId="a" * 32, RemoveFromVersionId=current
    )
    clock.advance(61)
    assert cache.get(arn) == new


def test_throttling_is_retried_then_succeeds(
    make_cache: Callable[..., KeyCache],
    make_aws_secret: Callable[[str], str],
    aws_counter: Any,
    sleeper: Any,
    new_value: Callable[[], str],
) -> None:
    value = new_value()
    arn = make_aws_secret(value)
    aws_counter.throttle_next = 2
    cache = make_cache(retries=3)
    assert cache.get(arn) == value
    assert aws_counter.calls[arn] == 3
    assert len(sleeper.delays) == 2
    assert cache.stats().failures == 2


def test_throttling_that_outlasts_the_retries_is_an_unavailable_error(
    make_cache: Callable[..., KeyCache],
    make_aws_secret: Callable[[str], str],
    aws_counter: Any,
    new_value: Callable[[], str],
) -> None:
    arn = make_aws_secret(new_value())
    aws_counter.throttle_next = 10
    with pytest.raises(SecretUnavailableError, match="ThrottlingException") as info:
        make_cache(retries=2).get(arn)
    assert info.value.secret_ref == arn
    assert aws_counter.calls[arn] == 3


def test_not_found_names_the_ref_not_the_value(
    make_cache: Callable[..., KeyCache],
    make_aws_secret: Callable[[str], str],
    aws_counter: Any,
    sleeper: Any,
    new_value: Callable[[], str],
) -> None:
    value = new_value()
    arn = make_aws_secret(value)
    missing = arn[:-6] + "zzzzzz"
    cache = make_cache()
    cache.get(arn)
    with pytest.raises(SecretNotFoundError) as info:
        cache.get(missing)
    assert missing in str(info.value)
    assert "ResourceNotFoundException" in str(info.value)
    assert value not in str(info.value)
    assert aws_counter.calls[missing] == 1
    assert sleeper.delays == []


def test_deleted_secret_is_not_found_and_dropped_after_the_ttl(
    make_cache: Callable[..., KeyCache],
    make_aws_secret: Callable[[str], str],
    aws_admin: Any,
    clock: Any,
    new_value: Callable[[], str],
) -> None:
    arn = make_aws_secret(new_value())
    cache = make_cache(ttl_seconds=60)
    cache.get(arn)
    aws_admin.delete_secret(SecretId=arn, RecoveryWindowInDays=7)
    clock.advance(61)
    with pytest.raises(SecretNotFoundError, match="scheduled for deletion"):
        cache.get(arn)
    assert len(cache) == 0


def test_access_denied_is_not_retried(
    moto_endpoint: str,
    moto_auth: Callable[[bool], None],
    make_aws_secret: Callable[[str], str],
    aws_counter: Any,
    sleeper: Any,
    clock: Any,
    new_value: Callable[[], str],
) -> None:
    # A real identity issued by the emulator's IAM, with no grant at all; then IAM enforcement on.
    value = new_value()
    arn = make_aws_secret(value)
    admin = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    iam = admin.client("iam", region_name="us-east-1", endpoint_url=moto_endpoint)
    user = f"app-{value[-8:]}"
    iam.create_user(UserName=user)
    keys = iam.create_access_key(UserName=user)["AccessKey"]

    def app_client(region: str) -> Any:
        session = boto3.session.Session(aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"])
        config = Config(retries={"mode": "standard", "total_max_attempts": 1})
        return aws_counter.attach(session.client("secretsmanager", region_name=region, endpoint_url=moto_endpoint, config=config))

    cache = KeyCache(client_factory=SdkClientFactory(aws=app_client), clock=clock, sleep=sleeper, retries=3)
    moto_auth(True)
    with pytest.raises(SecretAccessDeniedError) as info:
        cache.get(arn)
    moto_auth(False)
    assert aws_counter.calls[arn] == 1
    assert sleeper.delays == []
    assert isinstance(info.value.__cause__, ClientError)
    assert "not authorized to perform: secretsmanager:GetSecretValue" in str(info.value.__cause__)
    assert arn in str(info.value)
    assert "secretsmanager:GetSecretValue" in str(info.value)
    assert value not in str(info.value)


def test_sixteen_threads_make_exactly_one_call_per_key(
    moto_endpoint: str,
    make_aws_secret: Callable[[str], str],
    aws_counter: Any,
    clients: SdkClientFactory,
    new_value: Callable[[], str],
) -> None:
    values = [new_value() for _ in range(4)]
    arns = [make_aws_secret(v) for v in values]
    cache = KeyCache(client_factory=clients)
    start = threading.Barrier(16)
    results: List[List[str]] = []

    def reader() -> None:
        start.wait()
        results.append([cache.get(arn) for arn in arns for _ in range(5)])

    threads = [threading.Thread(target=reader) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [[v for v in values for _ in range(5)]] * 16
    assert dict(aws_counter.calls) == dict.fromkeys(arns, 1)


def test_clients_are_built_once_per_region(
    moto_endpoint: str,
    aws_admin: Any,
    new_aws_client: Callable[..., Any],
    new_value: Callable[[], str],
) -> None:
    eu = new_aws_client(moto_endpoint, "eu-west-1")
    values = {}
    for client in (aws_admin, eu):
        for _ in range(2):
            value = new_value()
            values[client.create_secret(Name=f"r-{value[-12:]}", SecretString=value)["ARN"]] = value
    built: List[str] = []
    lock = threading.Lock()

    def build(region: str) -> Any:
        with lock:
            built.append(region)
        return new_aws_client(moto_endpoint, region)

    cache = KeyCache(client_factory=SdkClientFactory(aws=build))
    threads = [threading.Thread(target=lambda: [cache.get(arn) for arn in values]) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert {arn: cache.get(arn) for arn in values} == values
    assert sorted(built) == ["eu-west-1", "us-east-1"]


def test_outage_serves_the_last_good_value_then_recovers(
    free_port: Callable[[], int],
    new_aws_client: Callable[..., Any],
    make_aws_secret: Callable[[str], str],
    aws_admin: Any,
    clock: Any,
    sleeper: Any,
    new_value: Callable[[], str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A server of its own, so stopping it takes nothing else down (moto's state is per process).
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    old, new = new_value(), new_value()
    arn = make_aws_secret(old)
    cache = KeyCache(
        client_factory=SdkClientFactory(aws=lambda region: new_aws_client(endpoint, region)),
        ttl_seconds=60,
        jitter=0,
        max_stale_seconds=600,
        stale_retry_seconds=10,
        retries=2,
        clock=clock,
        sleep=sleeper,
    )
    try:
        assert cache.get(arn) == old
        listener = server._server
        assert listener is not None
        server.stop()
        listener.server_close()  # stop() leaves the socket listening; an outage refuses connections
        aws_admin.put_secret_value(SecretId=arn, SecretString=new)
        clock.advance(61)
        with caplog.at_level(logging.WARNING, logger="ai_keys.runtime"):
            assert cache.get(arn) == old
        assert len(sleeper.delays) == 2  # both retries were spent before falling back
        assert "EndpointConnectionError" in caplog.text
        assert "serving its last good value" in caplog.text
        clock.advance(5)
        assert cache.get(arn) == old
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        clock.advance(10)
        assert cache.get(arn) == new
        assert cache.stats().stale_served == 1
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "ThrottlingException", SecretUnavailableError),
        (429, "TooManyRequestsException", SecretUnavailableError),
        (500, "InternalServiceError", SecretUnavailableError),
        (503, "ServiceUnavailable", SecretUnavailableError),
        (400, "AccessDeniedException", SecretAccessDeniedError),
        (400, "DecryptionFailure", SecretAccessDeniedError),
        (403, "403", SecretAccessDeniedError),
        (400, "ResourceNotFoundException", SecretNotFoundError),
        (400, "ValidationException", SecretUnavailableError),
        (502, "", SecretUnavailableError),
    ],
)
def test_error_codes_map_to_the_right_error(status: int, code: str, expected: type[SecretReadError]) -> None:
    ref = parse_secret_ref("arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbC123")
    error = ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "GetSecretValue"
    )

    class Failing:
        def get_secret_value(self, **kwargs: Any) -> Any:
            assert kwargs == {"SecretId": ref.raw, "VersionStage": "AWSCURRENT"}
            raise error

    with pytest.raises(expected) as info:
        aws.read(Failing(), ref)  # type: ignore[arg-type]
    assert type(info.value) is expected
    assert info.value.retryable is (expected is SecretUnavailableError)
    assert info.value.__cause__ is error


def test_binary_secrets_are_decoded_and_non_text_is_refused() -> None:
    ref = parse_secret_ref("arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbC123")

    class Binary:
        def __init__(self, data: bytes) -> None:
            self.data = data

        def get_secret_value(self, **kwargs: Any) -> Any:
            return {"SecretBinary": self.data}

    assert aws.read(Binary("sk-é".encode()), ref) == "sk-é"  # type: ignore[arg-type]
    with pytest.raises(SecretReadError, match="not UTF-8") as info:
        aws.read(Binary(b"\xffsecret-bytes"), ref)  # type: ignore[arg-type]
    assert info.value.__cause__ is None
    assert info.value.__context__ is None
