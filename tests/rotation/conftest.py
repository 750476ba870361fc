"""Fixtures for the rotator's tests: the stand-ins, moto and drongo on 127.0.0.1, one simulated clock, and the
environment each rotator entry reads.

* ``clock``: a :class:`SimClock` shared by every stand-in of a test; pass ``clock.sleep`` to the entries.
* AWS: ``moto_url`` (a ``ThreadedMotoServer`` for the session), ``aws`` (credentials in ``os.environ`` for boto3 and
  an ``AwsKit`` that makes secrets and usage plans), ``iam`` (:class:`IamStandIn`), ``gateway`` (a usage plan in moto and
  its :class:`ApiGatewayDataPlane`), ``sm_proxy`` (a proxy in front of moto that can fail ``PutSecretValue``).
* GCP: ``drongo`` (drongo's Secret Manager over REST for the session, version times on the test's clock, faults),
  ``metadata`` (:class:`MetadataStandIn`), ``google_keys`` (:class:`GoogleApiKeysStandIn`).
* Azure: ``identity``, ``keyvault``, ``ai_services``, ``apim`` (an API Management subscription and its gateway).
* ``openai_api``: :class:`OpenAIStandIn` with :data:`ADMIN_KEY`.
* ``env_for``: the ``AIKEYS_*`` environment of one issuer and store, pointing at those.
* ``aws_rotation``: drives Secrets Manager's four steps as Secrets Manager does.
"""

import http.client
import itertools
import json
import logging
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional

import boto3
import drongo.services
import pytest
from botocore.config import Config
from drongo.core import registry as drongo_registry
from drongo.server import DrongoHTTPRequestHandler
from drongo.services.secretmanager.models import secretmanager_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.server import ThreadedMotoServer

from ai_keys.rotation.rotator import aws_lambda
from ai_keys.rotation.rotator.engine import PLACEHOLDER
from ai_keys.testing.stand_ins import (
    ApiGatewayDataPlane,
    AzureAiServicesStandIn,
    AzureApiManagementStandIn,
    Faults,
    GoogleApiKeysStandIn,
    IamStandIn,
    IdentityStandIn,
    KeyVaultStandIn,
    MetadataStandIn,
    OpenAIStandIn,
    SimClock,
)

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
GCP_PROJECT = "ai-keys-rotation"
IAM_USER = "ai-keys-bedrock"
ADMIN_KEY = "sk-admin-ROTATOR-ADMIN-KEY-MUST-NOT-LEAK-7Qx2"
OPENAI_PROJECT = "proj_rotation"
PREFIX = "aikeys-test-"
EVERY_DAYS = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def clock() -> SimClock:
    """One simulated clock for the stand-ins and the rotator (starts 2026-01-01)."""
    return SimClock(datetime(2026, 1, 1, tzinfo=timezone.utc))


# --------------------------------------------------------------------------------------------- AWS


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """moto's server for the session (Secrets Manager and API Gateway), on a free local port."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@dataclass
class AwsKit:
    """Clients on moto, and helpers that make what a deploy would."""

    url: str
    sm: Any
    apigateway: Any
    stamped: dict[tuple[str, str], Any] = field(default_factory=dict)
    """Versions whose CreatedDate was put on the test clock, by (ARN, version id): see :meth:`AwsRotation.stamp`."""

    def secret(self, value: str = PLACEHOLDER, every_days: int = EVERY_DAYS) -> str:
        """A secret holding ``value`` (the placeholder by default), with rotation on; returns its ARN."""
        arn: str = self.sm.create_secret(Name=f"ai-keys/{uuid.uuid4().hex[:12]}", SecretString=value)["ARN"]
        return arn

    def labels(self, arn: str) -> dict[str, list[str]]:
        """Every version's labels."""
        stages = self.sm.describe_secret(SecretId=arn).get("VersionIdsToStages", {})
        return {str(k): list(v) for k, v in stages.items()}

    def value(self, arn: str, stage: str = "AWSCURRENT") -> str:
        """The value a reader gets."""
        return str(self.sm.get_secret_value(SecretId=arn, VersionStage=stage)["SecretString"])


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> AwsKit:
    """boto3 credentials in ``os.environ`` (the rotator's boto3 reads them there) and clients on moto."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    return AwsKit(
        moto_url,
        session.client("secretsmanager", endpoint_url=moto_url, config=config),
        session.client("apigateway", endpoint_url=moto_url, config=config),
    )


@pytest.fixture
def iam(clock: SimClock) -> Iterator[IamStandIn]:
    """IAM's service-specific credentials for :data:`IAM_USER`."""
    with IamStandIn((IAM_USER,), clock=clock) as stand_in:
        yield stand_in


@dataclass
class Gateway:
    """A usage plan in moto and the gateway in front of it."""

    usage_plan_id: str
    data_plane: ApiGatewayDataPlane

    @property
    def probe_url(self) -> str:
        """The route the rotator probes."""
        return self.data_plane.url + "/"


@pytest.fixture
def gateway(aws: AwsKit, clock: SimClock) -> Iterator[Gateway]:
    """A REST API, a stage and a usage plan in moto, and the data plane (activation delay 60 s)."""
    api = aws.apigateway.create_rest_api(name=f"api-{uuid.uuid4().hex[:8]}")
    root = aws.apigateway.get_resources(restApiId=api["id"])["items"][0]["id"]
    aws.apigateway.put_method(
        restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE", apiKeyRequired=True
    )
    aws.apigateway.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK")
    aws.apigateway.create_deployment(restApiId=api["id"], stageName="prod")
    plan = aws.apigateway.create_usage_plan(
        name=f"plan-{uuid.uuid4().hex[:8]}", apiStages=[{"apiId": api["id"], "stage": "prod"}]
    )
    with ApiGatewayDataPlane(aws.apigateway, plan["id"], prefix=PREFIX, activation_delay=60.0, clock=clock) as data_plane:
        yield Gateway(plan["id"], data_plane)


class SecretsManagerProxy:
    """A proxy in front of moto that fails the next ``fail_puts`` PutSecretValue calls with a 500."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.split("//", 1)[1]
        self.fail_puts = 0
        self.failed = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target", "")
                with proxy._lock:
                    fail = target.endswith(".PutSecretValue") and proxy.fail_puts > 0
                    if fail:
                        proxy.fail_puts -= 1
                        proxy.failed += 1
                if fail:
                    payload = json.dumps({"__type": "InternalServiceError", "message": "injected"}).encode()
                    status: int = 500
                else:
                    connection = http.client.HTTPConnection(proxy.upstream, timeout=10)
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                    connection.request("POST", self.path, body=body, headers=headers)
                    answer = connection.getresponse()
                    status, payload = answer.status, answer.read()
                    connection.close()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def sm_proxy(moto_url: str) -> Iterator[SecretsManagerProxy]:
    """A Secrets Manager endpoint that can fail PutSecretValue (``.fail_puts = n``)."""
    proxy = SecretsManagerProxy(moto_url)
    yield proxy
    proxy.stop()


# --------------------------------------------------------------------------------------------- GCP


@dataclass
class Drongo:
    """drongo's Secret Manager: its URL, the clock its version times follow, and faults (``faults.fail_next``)."""

    url: str
    faults: Faults
    clock: Optional[SimClock] = None
    served: list[str] = field(default_factory=list)
    observe: Optional[Callable[[], None]] = None
    """Called after each request is answered (a test watching the versions between two calls)."""

    def secret(self, value: str = PLACEHOLDER) -> str:
        """A secret with one version holding ``value``; returns ``projects/P/secrets/S``."""
        secret_id = f"k-{uuid.uuid4().hex[:12]}"
        backend = secretmanager_backends[GCP_PROJECT]
        backend.create_secret(secret_id)
        backend.add_version(secret_id, value.encode())
        self.stamp(secret_id)
        return f"projects/{GCP_PROJECT}/secrets/{secret_id}"

    def stamp(self, secret_id: str) -> None:
        """Put the newest version's time on the test clock (drongo stamps the wall clock)."""
        if self.clock is None:
            return
        version = secretmanager_backends[GCP_PROJECT].secrets[secret_id].versions[-1]
        version.create_time = self.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def versions(self, name: str) -> list[tuple[int, str, bytes]]:
        """(number, state, payload) of every version, oldest first."""
        secret = secretmanager_backends[GCP_PROJECT].secrets[name.rsplit("/", 1)[-1]]
        return [(v.version, v.state, v.data) for v in secret.versions]

    def current(self, name: str) -> str:
        """What ``versions/latest`` serves."""
        enabled = [v for v in self.versions(name) if v[1] == "ENABLED"]
        return enabled[-1][2].decode()


def _drongo_handler(control: Drongo) -> type:
    class Handler(DrongoHTTPRequestHandler):
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            path = self.path.split("?")[0]
            control.served.append(f"{self.command} {path}")
            fault = control.faults.take(self.command, path)
            if fault is not None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                status = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}.get(fault.status, "UNKNOWN")
                body = json.dumps({"error": {"code": fault.status, "message": "injected", "status": status}})
                headers = {"Content-Type": "application/json"}
                if fault.status == 429:
                    headers["Retry-After"] = f"{fault.retry_after or 1:g}"
                self._write((fault.status, headers, body))
                return
            self._dispatch()
            if self.command == "POST" and path.endswith(":addVersion"):
                control.stamp(path.split("/secrets/", 1)[1].split(":", 1)[0])
            if control.observe is not None:
                control.observe()

        do_GET = do_POST = do_PATCH = do_DELETE = _serve  # noqa: N815 - http.server's names

    return Handler


@pytest.fixture(scope="session")
def drongo_server() -> Iterator[Drongo]:
    """drongo's Secret Manager over REST for the session."""
    drongo_registry.reset_all_backends()
    control = Drongo("", Faults())
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _drongo_handler(control))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    control.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield control
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def drongo(drongo_server: Drongo, clock: SimClock) -> Iterator[Drongo]:
    """drongo on this test's clock, with no fault left over."""
    drongo_server.clock = clock
    drongo_server.faults.clear()
    drongo_server.served.clear()
    yield drongo_server
    drongo_server.faults.clear()
    drongo_server.clock = None
    drongo_server.observe = None


@pytest.fixture
def metadata(clock: SimClock) -> Iterator[MetadataStandIn]:
    """GCP's metadata token endpoint."""
    with MetadataStandIn(clock=clock) as stand_in:
        yield stand_in


@pytest.fixture
def google_keys(clock: SimClock, metadata: MetadataStandIn) -> Iterator[GoogleApiKeysStandIn]:
    """Google's API Keys API for :data:`GCP_PROJECT` (tokens from ``metadata``; key creation needs one poll)."""
    with GoogleApiKeysStandIn(GCP_PROJECT, clock=clock, tokens=metadata) as stand_in:
        yield stand_in


# ------------------------------------------------------------------------------------------- Azure


@pytest.fixture
def identity(clock: SimClock) -> Iterator[IdentityStandIn]:
    """The managed identity token endpoint."""
    with IdentityStandIn(clock=clock) as stand_in:
        yield stand_in


@pytest.fixture
def keyvault(clock: SimClock, identity: IdentityStandIn) -> Iterator[KeyVaultStandIn]:
    """Key Vault's secrets (tokens from ``identity``; expired versions refused)."""
    with KeyVaultStandIn(clock=clock, identity=identity) as stand_in:
        yield stand_in


@pytest.fixture
def ai_services(clock: SimClock, identity: IdentityStandIn) -> Iterator[AzureAiServicesStandIn]:
    """One AI Services account's key1/key2 over ARM."""
    with AzureAiServicesStandIn(clock=clock, identity=identity) as stand_in:
        yield stand_in


@pytest.fixture
def apim(clock: SimClock, identity: IdentityStandIn) -> Iterator[AzureApiManagementStandIn]:
    """One API Management subscription's primary/secondary keys over ARM, and the gateway that takes them."""
    with AzureApiManagementStandIn(clock=clock, identity=identity) as stand_in:
        yield stand_in


# ------------------------------------------------------------------------------------------ OpenAI


@pytest.fixture
def openai_api(clock: SimClock) -> Iterator[OpenAIStandIn]:
    """OpenAI's admin and app APIs; :data:`ADMIN_KEY` authorises the admin API for :data:`OPENAI_PROJECT`."""
    with OpenAIStandIn(ADMIN_KEY, (OPENAI_PROJECT,), clock=clock) as stand_in:
        yield stand_in


# ------------------------------------------------------------------------------------- environment


def env(issuer: str, store: str, secret: str, **extra: str) -> dict[str, str]:
    """The ``AIKEYS_*`` environment of one issuer and store (``extra`` adds or overrides variables)."""
    values = {
        "AIKEYS_ISSUER": issuer,
        "AIKEYS_STORE": store,
        "AIKEYS_SECRET": secret,
        "AIKEYS_EVERY_DAYS": str(EVERY_DAYS),
        "AIKEYS_KEY_PREFIX": PREFIX,
        "AWS_REGION": REGION,
    }
    values.update(extra)
    return values


@pytest.fixture
def env_for() -> Callable[..., dict[str, str]]:
    """:func:`env`."""
    return env


_rotation_tokens = itertools.count()


@dataclass
class AwsRotation:
    """Drives Secrets Manager's rotation of one secret: RotateSecret's pending version, then the four steps."""

    kit: AwsKit
    arn: str
    env: dict[str, str]
    clock: SimClock
    camel: bool = False
    steps_run: list[str] = field(default_factory=list)

    def event(self, step: str, token: str, rotation_token: Optional[str] = None) -> dict[str, str]:
        """A step's event, in the spelling of this rotation (``createSecret`` or ``create_secret``)."""
        name = step if not self.camel else "".join(p.capitalize() if i else p for i, p in enumerate(step.split("_")))
        event = {"Step": name, "SecretId": self.arn, "ClientRequestToken": token}
        if rotation_token:
            event["RotationToken"] = rotation_token
        return event

    def start(self) -> tuple[str, str]:
        """What RotateSecret does before it calls the function: a new version id labelled AWSPENDING, with no value
        yet; returns (token, rotation token).

        Made in moto's backend (the server runs in this process): moto's own RotateSecret, without a Lambda to
        invoke, labels the empty version AWSCURRENT instead (moto/secretsmanager/models.py, rotate_secret).
        """
        token = str(uuid.uuid4())
        secret = secretsmanager_backends[ACCOUNT][REGION].secrets[self.arn]
        pending = [v for v in secret.versions.values() if "AWSPENDING" in v["version_stages"]]
        if any("AWSCURRENT" not in v["version_stages"] for v in pending):
            raise AssertionError("RotateSecret refuses while a rotation is in progress (AWSPENDING on a non-current version)")
        secret.remove_version_stages_from_old_versions(["AWSPENDING"])
        secret.versions[token] = {"createdate": int(self.clock()), "version_id": token, "version_stages": ["AWSPENDING"]}
        return token, str(uuid.uuid4())

    def stamp(self) -> None:
        """Put the CreatedDate of versions new since the last look on the test clock: moto stamps the wall clock, and
        the rotator compares the current version's date with the run's time (a key younger than half a period is
        not rotated)."""
        secret = secretsmanager_backends[ACCOUNT][REGION].secrets[self.arn]
        for version_id, version in secret.versions.items():
            # New, or replaced by PutSecretValue on the id RotateSecret made (held here, so the identity stays valid).
            if self.kit.stamped.get((self.arn, version_id)) is not version:
                version["createdate"] = int(self.clock())
                self.kit.stamped[(self.arn, version_id)] = version

    def step(self, step: str, token: str, rotation_token: Optional[str] = None, **kwargs: Any) -> dict[str, Any]:
        """Invoke the handler for one step."""
        self.steps_run.append(step)
        self.stamp()
        try:
            return aws_lambda.handler(
                self.event(step, token, rotation_token),
                None,
                env=self.env,
                now=self.clock.now(),
                sleep=self.clock.sleep,
                **kwargs,
            )
        finally:
            self.stamp()

    def rotate(self, *, retry_create: bool = False) -> str:
        """One whole rotation, as Secrets Manager runs it; returns the token."""
        token, rotation_token = self.start()
        for step in aws_lambda.STEPS:
            self.step(step, token, rotation_token)
            if retry_create and step == "create_secret":
                self.step(step, token, rotation_token)  # Secrets Manager retries a step with the same token
        self.camel = not self.camel
        return token


@pytest.fixture
def aws_rotation(aws: AwsKit, clock: SimClock) -> Callable[[str, dict[str, str]], AwsRotation]:
    """``aws_rotation(arn, env)`` -> an :class:`AwsRotation`."""
    return lambda arn, environment: AwsRotation(aws, arn, environment, clock)


def next_token() -> int:
    """A counter for unique names."""
    return next(_rotation_tokens)
