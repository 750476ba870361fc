"""Shared fixtures for the runtime tests: three local backends, started and stopped by the tests.

* AWS: moto's ``ThreadedMotoServer`` on 127.0.0.1 (real HTTP, real botocore).
* GCP: drongo's Secret Manager over REST, served in-process on 127.0.0.1 by a handler that can be
  told to fail (throttle, 5xx, deny, drop connections) so outages are real wire-level failures.
* Azure: the official ``SecretClient`` over an in-process azure-core transport that plays Key Vault:
  the 401 Bearer challenge first, then secrets, with the same failure switches.

Every backend counts the reads it serves, so tests can assert how many times the cache went out.
"""

import base64
import collections
import importlib.util
import json
import logging
import socket
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

import boto3
import drongo.services  # noqa: F401  (registers drongo's services)
import google_crc32c
import pytest
import requests
from azure.core.credentials import AccessToken
from azure.core.exceptions import ServiceRequestError
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest._http_response_impl import HttpResponseImpl
from azure.core.utils import CaseInsensitiveDict
from azure.keyvault.secrets import SecretClient
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from drongo.core import registry as drongo_registry
from drongo.server import DrongoHTTPRequestHandler
from google.auth.credentials import AnonymousCredentials
from moto.server import ThreadedMotoServer

from ai_keys.runtime import KeyCache, SdkClientFactory

with warnings.catch_warnings():
    # google-api-core announces its Python support schedule at import; not what these tests are about.
    warnings.simplefilter("ignore", FutureWarning)
    from google.cloud import secretmanager


def _load_tool(name: str) -> Any:
    # Loaded by path: tests import with --import-mode=importlib, and the benchmarks load them too.
    spec = importlib.util.spec_from_file_location(f"ai_keys_{name}", __file__.replace("conftest.py", f"{name}.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FaultProxy = _load_tool("fault_proxy").FaultProxy
Vendor = _load_tool("fake_vendor").Vendor

AWS_REGION = "us-east-1"
GCP_PROJECT = "ai-keys-test"
SECRET_VALUE_PREFIX = "sk-test-VALUE-MUST-NOT-LEAK-"


def _free_port() -> int:
    """A port nobody listens on right now (bind to 0, read it, release it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _secret_value() -> str:
    return SECRET_VALUE_PREFIX + uuid.uuid4().hex


@pytest.fixture
def new_value() -> Callable[[], str]:
    """Makes unique, recognisable key values, so leak checks can search for them."""
    return _secret_value


@pytest.fixture
def free_port() -> Callable[[], int]:
    return _free_port


class ManualClock:
    """A monotonic clock that only moves when told to."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RecordingSleep:
    """A ``sleep`` that records the delays and returns at once (optionally moving a ManualClock)."""

    def __init__(self, clock: Optional[ManualClock] = None) -> None:
        self.delays: List[float] = []
        self._clock = clock

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self._clock is not None:
            self._clock.advance(seconds)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sleeper(clock: ManualClock) -> RecordingSleep:
    return RecordingSleep(clock)


# --------------------------------------------------------------------------------------------- AWS


def _aws_client(endpoint_url: str, region: str = AWS_REGION) -> Any:
    """A Secrets Manager client for the emulator, configured like the production one (no SDK retries)."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
    config = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=5, read_timeout=5)
    return session.client("secretsmanager", endpoint_url=endpoint_url, config=config)


class AwsCallCounter:
    """A botocore ``before-call`` hook counting GetSecretValue calls per SecretId.

    ``throttle_next`` makes the next N calls answer ThrottlingException (HTTP 400) through botocore's
    own error path, before any request is sent.
    """

    def __init__(self) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        self.throttle_next = 0
        self._lock = threading.Lock()

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-call.secrets-manager.GetSecretValue", self)
        return client

    def __call__(self, params: Dict[str, Any], **_: Any) -> Optional[Tuple[Any, Dict[str, Any]]]:
        with self._lock:
            self.calls[json.loads(params["body"])["SecretId"]] += 1
            if self.throttle_next <= 0:
                return None
            self.throttle_next -= 1
        error = {"Code": "ThrottlingException", "Message": "Rate exceeded"}
        return AWSResponse("https://throttled", 400, {}, None), {
            "Error": error,
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }

    @property
    def total(self) -> int:
        return sum(self.calls.values())


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server for the whole session, on a free local port."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def fault_proxy() -> Any:
    """The :class:`FaultProxy` class (``tests/runtime/fault_proxy.py``)."""
    return FaultProxy


@pytest.fixture
def fake_vendor() -> Any:
    """The :class:`Vendor` class (``tests/runtime/fake_vendor.py``): an AI vendor's API on 127.0.0.1."""
    return Vendor


@pytest.fixture(scope="session")
def aws_admin(moto_endpoint: str) -> Any:
    return _aws_client(moto_endpoint)


@pytest.fixture
def make_aws_secret(aws_admin: Any) -> Callable[[str], str]:
    """Create a secret holding ``value`` in the emulator; returns its ARN (what ``secret_ref`` holds)."""

    def make(value: str) -> str:
        arn: str = aws_admin.create_secret(Name=f"ai-keys/{uuid.uuid4().hex[:12]}", SecretString=value)["ARN"]
        return arn

    return make


@pytest.fixture
def aws_counter() -> AwsCallCounter:
    return AwsCallCounter()


@pytest.fixture
def new_aws_client() -> Callable[..., Any]:
    """Builds emulator clients: ``new_aws_client(endpoint_url, region="us-east-1")``."""
    return _aws_client


@pytest.fixture
def moto_auth(moto_endpoint: str) -> Iterator[Callable[[bool], None]]:
    """Switch moto's IAM enforcement on or off; always left off after the test."""

    def switch(enforce: bool) -> None:
        data = b"0" if enforce else b"inf"
        requests.post(f"{moto_endpoint}/moto-api/reset-auth", data=data, timeout=5).raise_for_status()

    yield switch
    switch(False)


# --------------------------------------------------------------------------------------------- GCP


class GcpFaults:
    """Failure switches and a read counter shared by the emulator's request handlers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.reads: collections.Counter[str] = collections.Counter()
            self.fail_next: List[Any] = []  # HTTP statuses, or "cut", "html", "crc-good", "crc-bad"
            self.outage: Optional[str] = None  # None, "503" or "drop"

    def take(self, path: str) -> Optional[str]:
        """Count a read of ``path``; return the failure to answer it with, if any."""
        with self.lock:
            self.reads[path] += 1
            if self.outage:
                return self.outage
            if self.fail_next:
                return str(self.fail_next.pop(0))
        return None

    @property
    def total(self) -> int:
        return sum(self.reads.values())


_GCP_STATUS = {
    403: "PERMISSION_DENIED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    507: "UNKNOWN",
    520: "UNKNOWN",
    599: "UNKNOWN",
}
# Faults that change drongo's own answer rather than replace it.
_GCP_REWRITES = ("cut", "html", "crc-good", "crc-bad")


def _rewrite_gcp(fault: str, payload: bytes) -> "tuple[int, Dict[str, str], bytes, int]":
    """(status, headers, body, declared length) for ``fault`` applied to drongo's JSON answer."""
    headers = {"Content-Type": "application/json"}
    if fault == "html":
        html = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        return 200, {"Content-Type": "text/html"}, html, len(html)
    if fault == "cut":
        return 200, headers, payload[: len(payload) // 2], len(payload)
    answer = json.loads(payload)
    data = base64.b64decode(answer["payload"]["data"])
    crc = google_crc32c.value(data) ^ (1 if fault == "crc-bad" else 0)
    answer["payload"]["dataCrc32c"] = str(crc)
    body = json.dumps(answer).encode()
    return 200, headers, body, len(body)


def _gcp_handler(faults: GcpFaults) -> type:
    class Handler(DrongoHTTPRequestHandler):
        # Without TCP_NODELAY, http.server's split header/body writes hit a ~40 ms Nagle stall per call.
        disable_nagle_algorithm = True

        def _faulty_dispatch(self) -> None:
            if ":access" in self.path:
                fault = faults.take(self.path.split("?")[0])
                if fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if fault in _GCP_REWRITES:
                    self._rewrite = fault
                    self._dispatch()
                    return
                if fault is not None:
                    status = int(fault)
                    body = {"error": {"code": status, "message": "injected", "status": _GCP_STATUS[status]}}
                    self._write((status, {"Content-Type": "application/json"}, json.dumps(body)))
                    return
            self._dispatch()

        _rewrite: Optional[str] = None

        def _write(self, response: Any) -> None:
            fault, self._rewrite = self._rewrite, None
            if fault is None or response[0] != 200:
                super()._write(response)
                return
            body = response[2].encode() if isinstance(response[2], str) else response[2]
            status, headers, payload, length = _rewrite_gcp(fault, body)
            self.send_response(status)
            for key, value in {**headers, "Content-Length": str(length)}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
            if length != len(payload):
                self.close_connection = True
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)

        do_GET = do_POST = do_PATCH = do_DELETE = _faulty_dispatch  # noqa: N815 - http.server's names

    return Handler


@pytest.fixture(scope="session")
def gcp_server() -> Iterator[Tuple[str, GcpFaults]]:
    """drongo's Secret Manager served over REST on a free local port for the whole session."""
    drongo_registry.reset_all_backends()
    faults = GcpFaults()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _gcp_handler(faults))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", faults
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _gcp_client(endpoint: str) -> Any:
    return secretmanager.SecretManagerServiceClient(
        transport="rest", credentials=AnonymousCredentials(), client_options={"api_endpoint": endpoint}
    )


@pytest.fixture
def gcp_faults(gcp_server: Tuple[str, GcpFaults]) -> Iterator[GcpFaults]:
    faults = gcp_server[1]
    faults.reset()
    yield faults
    faults.reset()


@pytest.fixture(scope="session")
def gcp_admin(gcp_server: Tuple[str, GcpFaults]) -> Any:
    return _gcp_client(gcp_server[0])


@pytest.fixture
def make_gcp_secret(gcp_admin: Any) -> Callable[[str], str]:
    """Create a secret with one version holding ``value``; returns ``projects/P/secrets/S``."""

    def make(value: str) -> str:
        secret = gcp_admin.create_secret(
            parent=f"projects/{GCP_PROJECT}",
            secret_id=f"k-{uuid.uuid4().hex[:12]}",
            secret={"replication": {"automatic": {}}},
        )
        gcp_admin.add_secret_version(parent=secret.name, payload={"data": value.encode()})
        name: str = secret.name
        return name

    return make


# ------------------------------------------------------------------------------------------- Azure


class FakeCredential:
    """Stands in for DefaultAzureCredential: any object with ``get_token`` works with SecretClient."""

    def __init__(self) -> None:
        self.scopes: List[Tuple[str, ...]] = []

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken("fake-token", int(time.time()) + 3600)


class _Closable:
    def close(self) -> None:
        pass


class KeyVaultStub(HttpTransport):  # type: ignore[type-arg]
    """Key Vault's secret-read API, in process. Unauthenticated requests get the Bearer challenge."""

    def __init__(self) -> None:
        self.secrets: Dict[str, List[Tuple[str, str]]] = {}  # name -> [(version, value)], newest last
        self.reads: collections.Counter[str] = collections.Counter()
        self.challenges = 0
        self.fail_next: List[Any] = []  # HTTP statuses, or "cut" / "html"
        self.outage = False
        self.deny = False
        self._lock = threading.Lock()

    def set_secret(self, name: str, value: str) -> str:
        version = uuid.uuid4().hex
        with self._lock:
            self.secrets.setdefault(name, []).append((version, value))
        return version

    @property
    def total(self) -> int:
        return sum(self.reads.values())

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> "KeyVaultStub":
        return self

    def __exit__(self, *args: Any) -> None:
        pass

    def send(self, request: Any, **kwargs: Any) -> Any:
        url = urlsplit(request.url)
        if "Authorization" not in request.headers:
            self.challenges += 1
            # Key Vault names its own cloud's domain as the token resource (vault.azure.cn in China...).
            domain = (url.hostname or "").split(".", 1)[1]
            challenge = (
                'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", '
                f'resource="https://{domain}"'
            )
            return self._respond(request, 401, {"error": {"code": "Unauthorized"}}, {"WWW-Authenticate": challenge})
        parts = [p for p in url.path.split("/") if p]
        if request.method != "GET" or len(parts) not in (2, 3) or parts[0] != "secrets":
            return self._respond(request, 400, {"error": {"code": "BadParameter", "message": "stub"}})
        name = parts[1]
        version = parts[2] if len(parts) == 3 else None
        with self._lock:
            self.reads[name] += 1
            if self.outage:
                raise ServiceRequestError("connection refused (stub outage)")
            failure: Any = self.fail_next.pop(0) if self.fail_next else None
            versions = list(self.secrets.get(name, []))
        if failure in ("cut", "html"):
            return self._broken(request, failure, versions)
        if failure is not None:
            code = {403: "Forbidden", 429: "Throttled", 500: "InternalServerError", 503: "ServiceUnavailable"}
            headers = {"Retry-After": "1"} if failure == 429 else {}
            return self._respond(request, failure, {"error": {"code": code[failure], "message": "injected"}}, headers)
        if self.deny:
            body: Dict[str, Any] = {
                "error": {
                    "code": "Forbidden",
                    "message": "Caller is not authorized to perform action",
                    "innererror": {"code": "ForbiddenByRbac"},
                }
            }
            return self._respond(request, 403, body)
        found = [v for v in versions if version is None or v[0] == version]
        if not found:
            body = {"error": {"code": "SecretNotFound", "message": f"A secret with (name/id) {name} was not found"}}
            return self._respond(request, 404, body)
        found_version, value = found[-1]
        body = {
            "value": value,
            "id": f"https://{url.hostname}/secrets/{name}/{found_version}",
            "attributes": {
                "enabled": True,
                "created": 1700000000,
                "updated": 1700000000,
                "recoveryLevel": "Recoverable+Purgeable",
            },
        }
        return self._respond(request, 200, body)

    def _broken(self, request: Any, fault: str, versions: List[Tuple[str, str]]) -> Any:
        """A 200 whose JSON body is cut in half, or an HTML page with status 200."""
        if fault == "html":
            response = self._respond(request, 200, {})
            response.content_type = "text/html"
            response.headers["Content-Type"] = "text/html"
            response._content = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            return response
        full = json.dumps({"value": versions[-1][1] if versions else "", "id": request.url}).encode()
        response = self._respond(request, 200, {})
        response._content = full[: len(full) // 2]
        return response

    @staticmethod
    def _respond(request: Any, status: int, body: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> Any:
        response = HttpResponseImpl(
            request=request,
            internal_response=_Closable(),
            status_code=status,
            reason="stub",
            content_type="application/json",
            headers=CaseInsensitiveDict({"Content-Type": "application/json", **(headers or {})}),
            stream_download_generator=None,
        )
        response._content = json.dumps(body).encode()
        return response


@pytest.fixture
def kv_stub() -> KeyVaultStub:
    return KeyVaultStub()


@pytest.fixture
def new_gcp_client() -> Callable[[str], Any]:
    return _gcp_client


@pytest.fixture
def new_azure_client() -> Callable[[str, KeyVaultStub], SecretClient]:
    return _azure_client


def _azure_client(vault_url: str, stub: KeyVaultStub) -> SecretClient:
    return SecretClient(vault_url, FakeCredential(), transport=stub, retry_total=0)


# ----------------------------------------------------------------------------------- all together


@pytest.fixture
def clients(
    moto_endpoint: str, gcp_server: Tuple[str, GcpFaults], kv_stub: KeyVaultStub, aws_counter: AwsCallCounter
) -> SdkClientFactory:
    """A client factory pointed at the three local backends, counting AWS calls."""
    return SdkClientFactory(
        aws=lambda region: aws_counter.attach(_aws_client(moto_endpoint, region)),
        azure=lambda vault_url: _azure_client(vault_url, kv_stub),
        gcp=lambda: _gcp_client(gcp_server[0]),
    )


@pytest.fixture
def make_cache(clients: SdkClientFactory, clock: ManualClock, sleeper: RecordingSleep) -> Callable[..., KeyCache]:
    """A KeyCache over the local backends with a manual clock and an instant sleep."""

    def make(**settings: Any) -> KeyCache:
        settings.setdefault("client_factory", clients)
        settings.setdefault("clock", clock)
        settings.setdefault("sleep", sleeper)
        return KeyCache(**settings)

    return make
