"""AWS credential sources that fail: the EC2 instance metadata service and the ECS credentials endpoint.

Local stand-ins of both on 127.0.0.1 feed boto3's own default credential chain (no keys in the
environment, no config files), and the reader's own client builder talks to moto.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator

import botocore.utils
import pytest

from ai_keys.runtime import KeyCache, MissingCredentialsError, SdkClientFactory, SecretAccessDeniedError

CREDENTIALS = {
    "Code": "Success",
    "Type": "AWS-HMAC",
    "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "SecretAccessKey": "stand-in-secret-access-key",
    "Token": "stand-in-session-token",
    "Expiration": "2099-01-01T00:00:00Z",
    "RoleArn": "arn:aws:iam::123456789012:role/app",
}


class CredentialService:
    """The instance metadata service (IMDSv2) and the ECS container credentials endpoint, with a switch."""

    def __init__(self) -> None:
        self.down = False
        self.requests = 0
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                service.requests += 1
                if service.down:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.path == "/latest/api/token":
                    body = b"stand-in-imds-token"
                elif self.path == "/latest/meta-data/iam/security-credentials/":
                    body = b"app"
                else:  # the role's credentials, or the ECS endpoint's
                    body = json.dumps(CREDENTIALS).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = _answer  # noqa: N815 - http.server's names

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def credential_service() -> Iterator[CredentialService]:
    service = CredentialService()
    yield service
    service.stop()


@pytest.fixture
def default_chain(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> None:
    """boto3's default chain with nothing configured; Secrets Manager calls go to moto."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_endpoint)
    monkeypatch.setenv("AWS_METADATA_SERVICE_TIMEOUT", "1")
    monkeypatch.setenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "1")
    monkeypatch.setattr(botocore.utils.ContainerMetadataFetcher, "SLEEP_TIME", 0.01)


def reader(clock: Any, sleeper: Any) -> KeyCache:
    """A cache with the reader's own client builder (boto3's default chain), no retries."""
    return KeyCache(client_factory=SdkClientFactory(timeout_seconds=2), clock=clock, sleep=sleeper, retries=0)


def test_a_client_built_while_instance_metadata_was_down_recovers(
    default_chain: None,
    credential_service: CredentialService,
    monkeypatch: pytest.MonkeyPatch,
    make_aws_secret: Callable[[str], str],
    new_value: Callable[[], str],
    clock: Any,
    sleeper: Any,
) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", credential_service.url + "/")
    value = new_value()
    arn = make_aws_secret(value)
    cache = reader(clock, sleeper)
    credential_service.down = True
    with pytest.raises(MissingCredentialsError, match="instance metadata") as info:
        cache.get(arn)
    assert not isinstance(info.value, SecretAccessDeniedError)
    assert credential_service.requests > 0  # the chain did ask the stand-in
    credential_service.down = False
    assert cache.get(arn) == value  # a new client, with the credentials now available


def test_a_failing_container_credentials_endpoint_is_a_missing_credentials_error(
    default_chain: None,
    credential_service: CredentialService,
    monkeypatch: pytest.MonkeyPatch,
    make_aws_secret: Callable[[str], str],
    new_value: Callable[[], str],
    clock: Any,
    sleeper: Any,
) -> None:
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", credential_service.url + "/v2/credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    value = new_value()
    arn = make_aws_secret(value)
    cache = reader(clock, sleeper)
    credential_service.down = True
    with pytest.raises(MissingCredentialsError, match="container credentials") as info:
        cache.get(arn)
    assert info.value.code == "CredentialRetrievalError"
    credential_service.down = False
    assert cache.get(arn) == value


def test_no_credentials_at_all_says_how_to_give_them(
    default_chain: None, monkeypatch: pytest.MonkeyPatch, clock: Any, sleeper: Any
) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(MissingCredentialsError, match="give the app AWS credentials: an IAM role"):
        reader(clock, sleeper).get("arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbC123")
