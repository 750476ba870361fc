"""A rotation drill: one issuer on its same-cloud store, rotated many times while app clients keep calling the vendor.

:func:`run_drill` sets up, all on 127.0.0.1, the store's emulator (moto for AWS Secrets Manager and API Gateway,
drongo for Google Secret Manager, :class:`~ai_keys.testing.stand_ins.KeyVaultStandIn` for Azure Key Vault) and the
vendor's stand-in, writes what the deploy writes (the placeholder, key1 for Azure AI Services, the primary key for an
API Management subscription), and runs the first
rotation through the rotator's real entry point, driven as the cloud drives it:

* AWS: ``aws_lambda.handler`` for each of Secrets Manager's four steps, after what ``RotateSecret`` does first (a
  new version id labelled AWSPENDING, made in moto's backend: moto's own RotateSecret, without a Lambda function to
  invoke, would label the empty version AWSCURRENT);
* GCP: ``gcp_function.main`` with ``SECRET_VERSION_ADD`` for the placeholder, then ``SECRET_ROTATE`` (and the
  ``SECRET_VERSION_ADD`` each of the rotator's own writes publishes);
* Azure: ``azure_function.rotate`` with ``SecretNewVersionCreated``, then ``SecretNearExpiry`` for the current
  version (and the ``SecretNewVersionCreated`` each write publishes).

It then runs ``rotations`` more on a simulated clock (:class:`~ai_keys.testing.stand_ins.SimClock`, moved one
period between two rotations), while ``clients`` app clients (half ``openai.OpenAI``, half ``anthropic.Anthropic``,
each with ``base_url`` on the vendor's stand-in) send requests in their own threads, in real time. Each client
reads the key through :mod:`ai_keys.runtime`, with its own :class:`~ai_keys.runtime.KeyCache` whose client factory
points at the emulator: openai through :func:`~ai_keys.runtime.key_provider` and
:func:`~ai_keys.runtime.auth_refresh_hook`, anthropic through :func:`~ai_keys.runtime.anthropic_credentials` (and the
same hook, for API Gateway's 403). In front of API Management the key goes in ``Ocp-Apim-Subscription-Key``, the
gateway's own header: an httpx request hook moves the key each SDK put in ``Authorization`` (or ``x-api-key``) there,
after the SDK's own auth, and the refresh hook reads the refused key from that header.

**The cache rule.** A rotation revokes the key two rotations old. A client never holds that key, and so needs no
retry, if it reads the store again between a rotation's write and the next rotation's revoke: the cache's TTL plus
the longest request must be shorter than the real time between two rotations. The drill waits at least
``gap_seconds`` between two rotations, and until every client has finished a request since the last one, and
refuses a ``cache_ttl_seconds`` that is not below ``gap_seconds / 2`` (half the gap is left for the request in
flight). With a real schedule (a rotation every N days) any TTL of minutes keeps the rule.

What it records (:class:`DrillReport`): rotations; requests; failed requests as the app sees them (an exception from
the SDK call); retried requests per client per rotation (the 401/403 answers in the stand-in's ``app.calls``); the
most keys live at once (the stand-in's ledger); for every key that stopped being current, how long it stayed valid
after that (on the simulated clock, from the ledger's validity windows), which must be at least one period; and every
log record of every logger at DEBUG (openai, anthropic, httpx, botocore, urllib3, the rotator's and the runtime's),
searched for any key value, its base64 form and the admin key (the canary). Records logged by the emulators' and
stand-ins' own request threads are theirs, not the app's or the rotator's, and are not searched.

With ``faults=True`` the run also goes through, one at a time across the rotations: a crash between steps (an
``on_step`` hook raising; on AWS also a function dying between two of Secrets Manager's steps), the same event
delivered twice, two deliveries at once, the vendor answering 500 and then 429 mid-rotation, and a failed store write.
After each, the platform's retry (the same token on AWS, the same event elsewhere, after Pub/Sub's or Event Grid's
back-off) must converge: the store's current key works at the vendor, and never are three keys live.

Needs the ``test`` extra (moto, drongo, openai, anthropic, the runtime's cloud SDKs): every one of them is imported
when a drill starts, not with this module. Nothing here contacts anything outside 127.0.0.1.
"""

import base64
import bisect
import contextlib
import http.client
import logging
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional

from ..rotation.rotator.engine import PLACEHOLDER
from .stand_ins import (
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
    digest,
)

__all__ = [
    "FAULTS",
    "PAIRS",
    "DrillError",
    "DrillReport",
    "DrongoServer",
    "FaultRun",
    "MotoFaultProxy",
    "run_drill",
]

PAIRS: tuple[tuple[str, str], ...] = (
    ("bedrock", "aws"),
    ("aws_api_gateway", "aws"),
    ("gemini", "gcp"),
    ("azure_ai_services", "azure"),
    ("azure_api_management", "azure"),
    ("openai", "aws"),
    ("openai", "azure"),
)
"""Every issuer with the store its managed rotation runs beside."""

FAULTS = (
    "crash-after-revoke",
    "crash-before-write",
    "crash-between-steps",
    "duplicate",
    "concurrent",
    "vendor-500",
    "vendor-429",
    "store-write",
)
"""The faults of a run with ``faults=True``, in the order they are injected (``crash-between-steps``: AWS only)."""

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
GCP_PROJECT = "ai-keys-drill"
VAULT = "https://ai-keys-drill.vault.azure.net"
IAM_USER = "ai-keys-drill-bedrock"
OPENAI_PROJECT = "proj_drill"
PREFIX = "aikeys-drill-"
NEAR_EXPIRY = timedelta(days=30)
RETRY_BACKOFF = timedelta(minutes=10)
"""The simulated wait before a platform retries a failed run (Pub/Sub's longest back-off is 600 s)."""
RETRIES = 8

_log = logging.getLogger(__name__)


class DrillError(RuntimeError):
    """The drill could not go on: the rotator did something a cloud would not let it (the message says what)."""


class _Crash(Exception):  # noqa: N818 - a function instance dying, not an error of the code under test
    """A function instance dying between two steps (raised from an ``on_step`` hook)."""


# --------------------------------------------------------------------------------------------- report


@dataclass(frozen=True)
class FaultRun:
    """One injected fault and how the runs after it went."""

    kind: str
    """One of :data:`FAULTS`."""
    rotation: int
    """The rotation it was injected in (1-based)."""
    failed_runs: int
    """Runs (or AWS steps) that raised before the rotation went through."""
    actions: tuple[str, ...]
    """What each run returned, in order (``error:<type>`` for one that raised)."""
    converged: bool
    """Whether a later run stored a new key that works."""
    key_lost: bool
    """Whether the store's current key ever failed at the vendor, during or after the fault."""
    most_live: int
    """The most keys live at once at the vendor, up to the end of the fault's runs."""


@dataclass(frozen=True)
class DrillReport:
    """What one drill measured. No key value is kept, only digests and counts."""

    issuer: str
    store: str
    rotations: int
    """Rotations after the first key, each one a new key stored."""
    requests: int
    """SDK calls the app clients made."""
    failed_requests: int
    """SDK calls that raised (what the app would see)."""
    failures: tuple[str, ...]
    """The type of each failure, e.g. ``AuthenticationError``."""
    attempts: int
    """Requests the vendor answered for the clients (retries included)."""
    retried_max: int
    """The most 401/403 answers one client got within one rotation window."""
    retried_total: int
    """All 401/403 answers the clients got."""
    windows: int
    """Rotation windows (after the first key, then after each rotation)."""
    min_requests_per_window: int
    """The fewest requests one client made within one window (each client calls in every window)."""
    max_live: int
    """The most keys live at once at the vendor."""
    previous_checked: int
    """Keys that stopped being current and were revoked later (the ones the previous-key rule is checked on)."""
    previous_valid_days_min: Optional[float]
    """The shortest time, in simulated days, one of those stayed valid after it stopped being current."""
    keys_lost: int
    """Times the store's current key did not work at the vendor (after a rotation, or a failed run)."""
    canary_records: int
    """Log records searched."""
    canary_loggers: tuple[str, ...]
    """The loggers they came from."""
    canary_leaks: tuple[str, ...]
    """Where a key value, its base64 form or the admin key was found (logger names; ``error`` for an exception)."""
    every_days: int
    cache_ttl_seconds: float
    gap_seconds: float
    clients: int
    seconds: float
    """Real time the drill took."""
    faults: tuple[FaultRun, ...] = ()

    @property
    def retried_per_client_per_rotation(self) -> int:
        """The target's name for :attr:`retried_max`."""
        return self.retried_max

    def targets(self) -> dict[str, tuple[object, str, bool]]:
        """Each figure with its target and whether it is met."""
        valid = self.previous_valid_days_min
        figures: dict[str, tuple[object, str, bool]] = {
            "failed requests": (self.failed_requests, "0", self.failed_requests == 0),
            "retried per client per rotation": (self.retried_max, "<= 1", self.retried_max <= 1),
            "max live keys": (self.max_live, "<= 2", self.max_live <= 2),
            "previous key valid (days)": (
                "-" if valid is None else round(valid, 2),
                f">= {self.every_days}",
                valid is not None and valid >= self.every_days,
            ),
            "keys lost": (self.keys_lost, "0", self.keys_lost == 0),
            "canary leaks": (len(self.canary_leaks), "0", not self.canary_leaks),
        }
        if self.faults:
            converged = sum(f.converged and not f.key_lost and f.most_live <= 2 for f in self.faults)
            figures["faults converged"] = (f"{converged}/{len(self.faults)}", "all", converged == len(self.faults))
        return figures

    @property
    def ok(self) -> bool:
        """Whether every target is met."""
        return all(met for _, _, met in self.targets().values())


# --------------------------------------------------------------------------------------------- canary

_TOKEN = re.compile(r"[A-Za-z0-9+/_\-]{16,}")
_EMULATOR_LOGGERS = ("moto", "werkzeug", "drongo")
# Loggers whose level a library may have set itself: all at DEBUG for the drill.
_LIBRARY_LOGGERS = (
    "openai",
    "anthropic",
    "httpx",
    "httpx2",
    "httpcore",
    "botocore",
    "boto3",
    "urllib3",
    "azure",
    "google",
    "aikeys_rotator",
    "ai_keys",
)


def _normal(text: str) -> str:
    return text.rstrip("=")


class _Canary(logging.Handler):
    """Every record of every logger, reduced to the long tokens in it (what a key looks like), with the logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.records = 0
        self.loggers: set[str] = set()
        self.tokens: dict[str, str] = {}
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record's tokens (records of the emulators' own request threads are theirs: left out)."""
        if record.name.startswith(_EMULATOR_LOGGERS) or (record.threadName or "").endswith("(process_request_thread)"):
            return
        try:
            text = self.format(record)
        except Exception:  # a record that cannot be formatted: search what it holds
            text = f"{record.msg!r} {record.args!r}"
        self.scan(text, record.name)

    def scan(self, text: str, source: str) -> None:
        """Keep the tokens of any text the app could show (an exception's message)."""
        found = _TOKEN.findall(text)
        with self._guard:
            self.records += source != "error"
            self.loggers.add(source)
            for token in found:
                self.tokens.setdefault(token, source)

    def leaks(self, secrets: set[str]) -> list[str]:
        """Where any of ``secrets`` (or its base64 form) appeared: exact tokens, and tokens holding one."""
        forms = {_normal(s) for s in secrets if s} | {_normal(base64.b64encode(s.encode()).decode()) for s in secrets if s}
        lengths = sorted({len(f) for f in forms})
        found: list[str] = []
        for token, source in self.tokens.items():
            if token in forms or any(
                token[i : i + n] in forms for n in lengths if n < len(token) for i in range(len(token) - n + 1)
            ):
                found.append(source)
        return found


@contextlib.contextmanager
def _capture() -> Iterator[_Canary]:
    """Every logger at DEBUG into the canary alone (other handlers of the root logger are set aside meanwhile: a
    test runner's own capture would format each record a second time)."""
    canary = _Canary()
    root = logging.getLogger()
    saved_handlers = root.handlers[:]
    saved_levels: dict[str, int] = {"": root.level}
    names = set(_LIBRARY_LOGGERS) | {
        name for name, item in logging.root.manager.loggerDict.items() if isinstance(item, logging.Logger) and item.level
    }
    for name in names:
        saved_levels[name] = logging.getLogger(name).level
        quiet = name.startswith(_EMULATOR_LOGGERS)
        logging.getLogger(name).setLevel(logging.WARNING if quiet else logging.DEBUG)
    for name in _EMULATOR_LOGGERS:
        saved_levels.setdefault(name, logging.getLogger(name).level)
        logging.getLogger(name).setLevel(logging.WARNING)
    root.handlers = [canary]
    root.setLevel(logging.DEBUG)
    try:
        yield canary
    finally:
        root.handlers = saved_handlers
        for name, level in saved_levels.items():
            (root if name == "" else logging.getLogger(name)).setLevel(level)


# ---------------------------------------------------------------------------------------- emulators


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(server: ThreadingHTTPServer) -> None:
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True, name="drill-server").start()


class MotoFaultProxy:
    """A proxy in front of moto on 127.0.0.1 that answers chosen AWS calls with an error.

    ``faults.fail_next(n, status, match=...)`` matches ``"METHOD /path X-Amz-Target"``, e.g.
    ``"secretsmanager.PutSecretValue"`` or ``"POST /apikeys"`` (API Gateway's CreateApiKey). The error is in the
    protocol's shape: ``{"__type": code}`` for JSON APIs, the ``x-amzn-ErrorType`` header for REST ones; a 429 is
    ``ThrottlingException`` (``TooManyRequestsException`` for API Gateway). Everything else goes to moto unchanged.
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.split("//", 1)[1].rstrip("/")
        self.faults = Faults()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target", "")
                fault = proxy.faults.take(self.command, self.path.split("?", 1)[0], target)
                if fault is not None:
                    status, headers, payload = proxy.error(fault.status, bool(target))
                else:
                    status, headers, payload = proxy.relay(self.command, self.path, dict(self.headers.items()), body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward  # noqa: N815 - http.server's names

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        _serve(self._server)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def relay(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Send the request to moto; returns its status, headers and body."""
        connection = http.client.HTTPConnection(self.upstream, timeout=30)
        try:
            skip = ("host", "connection", "content-length")
            connection.request(method, path, body=body, headers={k: v for k, v in headers.items() if k.lower() not in skip})
            answer = connection.getresponse()
            payload = answer.read()
            kept = {
                k: v for k, v in answer.getheaders() if k.lower() not in ("connection", "content-length", "transfer-encoding")
            }
            return answer.status, kept, payload
        finally:
            connection.close()

    @staticmethod
    def error(status: int, json_protocol: bool) -> tuple[int, dict[str, str], bytes]:
        """An injected error's status, headers and body."""
        if json_protocol:
            code = "ThrottlingException" if status == 429 else "InternalServiceError"
            body = f'{{"__type": "{code}", "message": "injected fault"}}'.encode()
            return status, {"Content-Type": "application/x-amz-json-1.1"}, body
        code = "TooManyRequestsException" if status == 429 else "ServiceUnavailableException"
        return status, {"Content-Type": "application/json", "x-amzn-ErrorType": code}, b'{"message": "injected fault"}'

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


class DrongoServer:
    """drongo's Google Secret Manager over REST on 127.0.0.1, with version times on ``clock`` and faults.

    drongo stamps each version with the wall clock; the rotator compares the current version's time with the run's,
    so each new version's ``createTime`` is put on ``clock`` (a :class:`SimClock`). ``faults.fail_next`` answers
    matching requests (``"POST /v1/.../secrets/S:addVersion"``) with Google's error shape.
    """

    def __init__(self, clock: Optional[Callable[[], float]] = None) -> None:
        import drongo.services  # noqa: F401 - registers drongo's services
        from drongo.server import DrongoHTTPRequestHandler

        self.clock = clock
        self.faults = Faults()
        control = self

        class Handler(DrongoHTTPRequestHandler):
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                path = self.path.split("?")[0]
                fault = control.faults.take(self.command, path)
                if fault is not None:
                    length = int(self.headers.get("Content-Length") or 0)
                    if length:
                        self.rfile.read(length)
                    state = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}.get(fault.status, "UNKNOWN")
                    body = f'{{"error": {{"code": {fault.status}, "message": "injected", "status": "{state}"}}}}'
                    headers = {"Content-Type": "application/json"}
                    if fault.status == 429:
                        headers["Retry-After"] = f"{fault.retry_after or 1:g}"
                    self._write((fault.status, headers, body))
                    return
                self._dispatch()
                if self.command == "POST" and path.endswith(":addVersion"):
                    control.stamp(path)

            do_GET = do_POST = do_PATCH = do_DELETE = _serve  # noqa: N815 - http.server's names

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        _serve(self._server)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @staticmethod
    def _secret(name: str) -> Any:
        from drongo.services.secretmanager.models import secretmanager_backends

        parts = name.strip("/").split("/")
        project = parts[parts.index("projects") + 1]
        secret = parts[parts.index("secrets") + 1].split(":", 1)[0]
        return secretmanager_backends[project].secrets[secret]

    def stamp(self, name: str) -> None:
        """Put the newest version's time of secret ``name`` (``projects/P/secrets/S``...) on the clock."""
        if self.clock is None:
            return
        version = self._secret(name).versions[-1]
        when = datetime.fromtimestamp(self.clock(), tz=timezone.utc)
        version.create_time = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def create(self, project: str, secret_id: str, value: str) -> str:
        """A secret with one version holding ``value``; returns ``projects/P/secrets/S``."""
        from drongo.services.secretmanager.models import secretmanager_backends

        backend = secretmanager_backends[project]
        backend.create_secret(secret_id)
        backend.add_version(secret_id, value.encode())
        name = f"projects/{project}/secrets/{secret_id}"
        self.stamp(name)
        return name

    def versions(self, name: str) -> list[tuple[int, str, bytes]]:
        """(number, state, payload) of every version of ``name``, oldest first."""
        return [(v.version, v.state, v.data) for v in self._secret(name).versions]

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


# --------------------------------------------------------------------------------------------- rigs


OnStep = Optional[Callable[[str], None]]


class _Rig:
    """One issuer and its store: the emulators, the stand-ins, the secret, and the entry driven as the cloud does."""

    cloud = ""

    def __init__(self, issuer: str, clock: SimClock, every_days: int, faults: bool) -> None:
        self.issuer = issuer
        self.clock = clock
        self.every_days = every_days
        self.period = timedelta(days=every_days)
        self.with_faults = faults
        self.stack = contextlib.ExitStack()
        self.extra_secrets: set[str] = set()
        self.vendor: Any = None
        self.ref = ""
        self.key_header: Optional[str] = None
        """The header the vendor reads the key from, when not the SDKs' own (API Management's)."""

    # What each cloud implements.
    def first(self) -> str:
        """The run that makes the first key (or finds key1 stored), as the deploy starts it."""
        raise NotImplementedError

    def rotate(self, on_step: OnStep = None) -> str:
        """One due rotation, as the platform delivers it (and the event the rotator's own write publishes)."""
        raise NotImplementedError

    def retry(self) -> str:
        """The platform's retry of the delivery that failed."""
        raise NotImplementedError

    def duplicate(self) -> str:
        """The last delivery once more, after it went through."""
        raise NotImplementedError

    def concurrent(self) -> list[str]:
        """Two deliveries of one rotation at once."""
        raise NotImplementedError

    def current_value(self) -> Optional[str]:
        """What a reader gets from the store now (read from the emulator's memory: nothing is logged)."""
        raise NotImplementedError

    def break_store_write(self) -> None:
        """Make the store refuse the next write of a value, retries included."""
        raise NotImplementedError

    def vendor_fault(self, status: int) -> None:
        """Make the vendor answer ``status`` to the next call that makes a key (a 429 says Retry-After: 2)."""
        raise NotImplementedError

    def client_factory(self) -> Any:
        """The runtime's client factory, pointed at the store's emulator."""
        raise NotImplementedError

    # Shared.
    def accepts(self, value: Optional[str]) -> bool:
        """Whether the vendor takes the key now."""
        if value is None or value == PLACEHOLDER:
            return False
        vendor = self.vendor
        if isinstance(vendor, IamStandIn):
            return vendor.accepts(value)
        if isinstance(vendor, ApiGatewayDataPlane):
            # Asked over HTTP, as the rotator's probe does: the gateway reads the plan's keys (with their values) from
            # moto in its own request thread, whose botocore records are the cloud's, not the app's.
            request = urllib.request.Request(vendor.url + "/", headers={"x-api-key": value})  # noqa: S310 - 127.0.0.1
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                    return int(answer.status) == 200
            except urllib.error.HTTPError:
                return False
        return bool(vendor.keys.is_live(value))

    def clear_faults(self) -> None:
        """Drop every fault not injected yet."""
        self.vendor.faults.clear()

    def crash_between_steps(self) -> Optional[str]:
        """A function dying between two of the platform's steps (AWS only: ``None`` elsewhere)."""
        return None

    def close(self) -> None:
        """Stop everything the rig started."""
        self.stack.close()


def _boto3() -> tuple[Any, Any]:
    """boto3 and botocore's ``Config`` (untyped: no stubs are installed)."""
    import importlib

    return importlib.import_module("boto3"), importlib.import_module("botocore.config").Config


def _expect(action: str, expected: Sequence[str]) -> str:
    """``action``, if it is one of ``expected``; else the drill stops (the rotator did not do what the event asks)."""
    if action not in expected:
        raise DrillError(f"the rotator answered {action!r} where {' or '.join(expected)} was expected")
    return action


class _AwsRig(_Rig):
    """Secrets Manager in moto; Bedrock (IAM stand-in), API Gateway (moto and its data plane) or OpenAI."""

    cloud = "aws"

    def __init__(self, issuer: str, clock: SimClock, every_days: int, faults: bool, moto_url: Optional[str]) -> None:
        super().__init__(issuer, clock, every_days, faults)
        from moto.server import ThreadedMotoServer

        boto3, config_class = _boto3()

        if moto_url is None:
            port = _free_port()
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
            server.start()
            self.stack.callback(server.stop)
            moto_url = f"http://127.0.0.1:{port}"
        self.moto_url = moto_url
        self.proxy: Optional[MotoFaultProxy] = None
        endpoint = moto_url
        if faults:
            self.proxy = MotoFaultProxy(moto_url)
            self.stack.callback(self.proxy.stop)
            endpoint = self.proxy.url
        session = boto3.session.Session(aws_access_key_id="drill", aws_secret_access_key="drill", region_name=REGION)  # noqa: S106 - moto's
        config = config_class(retries={"mode": "standard", "total_max_attempts": 1})
        self.sm = session.client("secretsmanager", endpoint_url=moto_url, config=config)
        self.arn = self.ref = str(
            self.sm.create_secret(Name=f"ai-keys-drill/{uuid.uuid4().hex[:12]}", SecretString=PLACEHOLDER)["ARN"]
        )
        self.env = {
            "AIKEYS_ISSUER": issuer,
            "AIKEYS_STORE": "aws",
            "AIKEYS_SECRET": self.arn,
            "AIKEYS_EVERY_DAYS": str(every_days),
            "AIKEYS_KEY_PREFIX": PREFIX,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": endpoint,
        }
        if issuer == "bedrock":
            iam = self.stack.enter_context(IamStandIn((IAM_USER,), clock=clock))
            self.vendor = iam
            # What the deploy sets: two periods and 30 days (bedrock.rotated_expiry_days).
            self.env |= {
                "AIKEYS_IAM_USER": IAM_USER,
                "AWS_ENDPOINT_URL_IAM": iam.url,
                "AIKEYS_CREDENTIAL_AGE_DAYS": str(2 * every_days + 30),
            }
        elif issuer == "aws_api_gateway":
            apigateway = session.client("apigateway", endpoint_url=moto_url, config=config)
            api = apigateway.create_rest_api(name=f"drill-{uuid.uuid4().hex[:8]}")
            root = apigateway.get_resources(restApiId=api["id"])["items"][0]["id"]
            apigateway.put_method(
                restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE", apiKeyRequired=True
            )
            apigateway.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK")
            apigateway.create_deployment(restApiId=api["id"], stageName="prod")
            plan = apigateway.create_usage_plan(
                name=f"drill-{uuid.uuid4().hex[:8]}", apiStages=[{"apiId": api["id"], "stage": "prod"}]
            )
            plane = self.stack.enter_context(
                ApiGatewayDataPlane(apigateway, plan["id"], prefix=PREFIX, activation_delay=60.0, clock=clock)
            )
            self.vendor = plane
            self.env |= {"AIKEYS_USAGE_PLAN_ID": str(plan["id"]), "AIKEYS_PROBE_URL": plane.url + "/"}
        else:
            admin_key = "sk-admin-drill-" + uuid.uuid4().hex
            self.extra_secrets.add(admin_key)
            openai_api = self.stack.enter_context(OpenAIStandIn(admin_key, (OPENAI_PROJECT,), clock=clock))
            self.vendor = openai_api
            admin_ref = str(
                self.sm.create_secret(Name=f"ai-keys-drill/{uuid.uuid4().hex[:12]}-admin-key", SecretString=admin_key)["ARN"]
            )
            self.env |= {
                "AIKEYS_OPENAI_PROJECT": OPENAI_PROJECT,
                "AIKEYS_ADMIN_KEY_REF": admin_ref,
                "AIKEYS_ENDPOINT_OPENAI": openai_api.url,
            }
        self._stamped: dict[str, Any] = {}
        self._open: Optional[tuple[str, str]] = None
        self._last: Optional[tuple[str, str]] = None
        self._stamp()

    def _secret(self) -> Any:
        from moto.secretsmanager.models import secretsmanager_backends

        return secretsmanager_backends[ACCOUNT][REGION].secrets[self.arn]

    def _stamp(self) -> None:
        """Put the dates moto stamps with the wall clock on the simulated clock: each new version's CreatedDate (the
        rotator tells a duplicate delivery by it) and each new API key's createdDate (it tells a left-over key from
        one another run is storing by it)."""
        for version_id, version in list(self._secret().versions.items()):
            if self._stamped.get(version_id) is not version:  # new, or replaced by PutSecretValue on RotateSecret's id
                version["createdate"] = int(self.clock())
                self._stamped[version_id] = version
        if self.issuer == "aws_api_gateway":
            from moto.apigateway.models import apigateway_backends

            for key_id, key in list(apigateway_backends[ACCOUNT][REGION].keys.items()):
                if self._stamped.get(key_id) is not key:
                    key.created_date = int(self.clock())
                    self._stamped[key_id] = key

    def _start(self) -> tuple[str, str]:
        """What RotateSecret does before invoking the function: a new version id labelled AWSPENDING, no value."""
        secret = self._secret()
        if any("AWSPENDING" in v["version_stages"] and "AWSCURRENT" not in v["version_stages"] for v in secret.versions.values()):
            raise DrillError("RotateSecret refuses while a rotation is in progress (AWSPENDING on a version not current)")
        secret.remove_version_stages_from_old_versions(["AWSPENDING"])
        token = str(uuid.uuid4())
        secret.versions[token] = {"createdate": int(self.clock()), "version_id": token, "version_stages": ["AWSPENDING"]}
        self._stamped[token] = secret.versions[token]
        return token, str(uuid.uuid4())

    def _step(self, step: str, token: str, rotation_token: str, on_step: OnStep = None) -> str:
        from ..rotation.rotator import aws_lambda

        event = {"Step": step, "SecretId": self.arn, "ClientRequestToken": token, "RotationToken": rotation_token}
        try:
            answer = aws_lambda.handler(event, None, env=self.env, now=self.clock.now(), sleep=self.clock.sleep, on_step=on_step)
        finally:
            self._stamp()
        return str(answer["action"])

    def _steps(self, token: str, rotation_token: str, on_step: OnStep = None, steps: Sequence[str] = ()) -> str:
        from ..rotation.rotator import aws_lambda

        actions = [self._step(step, token, rotation_token, on_step) for step in steps or aws_lambda.STEPS]
        return actions[-1]

    def first(self) -> str:
        """``SecretRotation(rotate_immediately=True)``: the four steps at deploy time."""
        return self.rotate()

    def rotate(self, on_step: OnStep = None) -> str:
        """RotateSecret on schedule, then the four steps."""
        self._open = self._start()
        action = self._steps(*self._open, on_step=on_step)
        self._last, self._open = self._open, None
        return _expect(action, ("finished",))

    def crash_between_steps(self) -> Optional[str]:
        """The function runs createSecret, then dies before setSecret."""
        self._open = self._start()
        return self._steps(*self._open, steps=("create_secret",))

    def retry(self) -> str:
        """Secrets Manager runs the open rotation again, with the same token."""
        if self._open is None:
            raise DrillError("no rotation to retry")
        action = self._steps(*self._open)
        self._last, self._open = self._open, None
        return action

    def duplicate(self) -> str:
        """createSecret of the rotation that just finished, delivered again."""
        assert self._last is not None
        return self._step("create_secret", *self._last)

    def concurrent(self) -> list[str]:
        """Two invocations of createSecret at once, then the other steps."""
        self._open = token, rotation_token = self._start()
        actions = _together(lambda: self._step("create_secret", token, rotation_token))
        actions.append(self._steps(token, rotation_token, steps=("set_secret", "test_secret", "finish_secret")))
        self._last, self._open = self._open, None
        return actions

    def current_value(self) -> Optional[str]:
        """The AWSCURRENT version's value."""
        for version in list(self._secret().versions.values()):
            if "AWSCURRENT" in version["version_stages"]:
                value = version.get("secret_string")
                return str(value) if value is not None else None
        return None

    def break_store_write(self) -> None:
        """PutSecretValue fails three times (botocore's standard retries: three attempts)."""
        assert self.proxy is not None
        self.proxy.faults.fail_next(3, 500, match="secretsmanager.PutSecretValue")

    def clear_faults(self) -> None:
        """Drop every fault not injected yet, the proxy's too."""
        super().clear_faults()
        if self.proxy is not None:
            self.proxy.faults.clear()

    def vendor_fault(self, status: int) -> None:
        """The call that makes the key: IAM's CreateServiceSpecificCredential, API Gateway's CreateApiKey, OpenAI's
        service account."""
        retry_after = 2.0 if status == 429 else None
        if self.issuer == "bedrock":
            self.vendor.faults.fail_next(1, status, retry_after=retry_after, match="CreateServiceSpecificCredential")
        elif self.issuer == "aws_api_gateway":
            assert self.proxy is not None
            self.proxy.faults.fail_next(1, status, retry_after=retry_after, match="POST /apikeys")
        else:
            self.vendor.faults.fail_next(1, status, retry_after=retry_after, match="POST /v1/organization")

    def client_factory(self) -> Any:
        """boto3 Secrets Manager clients on moto."""
        from ..runtime import SdkClientFactory

        boto3, config_class = _boto3()

        def aws(region: str) -> Any:
            session = boto3.session.Session(aws_access_key_id="drill", aws_secret_access_key="drill", region_name=region)  # noqa: S106
            config = config_class(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=5, read_timeout=10)
            return session.client("secretsmanager", endpoint_url=self.moto_url, config=config)

        return SdkClientFactory(aws=aws)


class _GcpRig(_Rig):
    """Gemini keys (the API Keys stand-in, tokens from the metadata stand-in) in drongo's Secret Manager."""

    cloud = "gcp"

    def __init__(self, issuer: str, clock: SimClock, every_days: int, faults: bool) -> None:
        super().__init__(issuer, clock, every_days, faults)
        self.drongo = DrongoServer(clock)
        self.stack.callback(self.drongo.stop)
        metadata = self.stack.enter_context(MetadataStandIn(clock=clock))
        keys = self.stack.enter_context(GoogleApiKeysStandIn(GCP_PROJECT, clock=clock, tokens=metadata))
        self.vendor = keys
        self.ref = self.drongo.create(GCP_PROJECT, f"k-{uuid.uuid4().hex[:12]}", PLACEHOLDER)
        self.env = {
            "AIKEYS_ISSUER": issuer,
            "AIKEYS_STORE": "gcp",
            "AIKEYS_SECRET": self.ref,
            "AIKEYS_EVERY_DAYS": str(every_days),
            "AIKEYS_KEY_PREFIX": PREFIX,
            "AIKEYS_PROJECT": GCP_PROJECT,
            "AIKEYS_ENDPOINT_SECRETMANAGER": self.drongo.url,
            "AIKEYS_ENDPOINT_APIKEYS": keys.url,
            "AIKEYS_ENDPOINT_METADATA": metadata.url,
            "AIKEYS_ENDPOINT_GENERATIVELANGUAGE": keys.url,
        }
        self._last = "SECRET_VERSION_ADD"

    def _deliver(self, event_type: str, on_step: OnStep = None) -> str:
        from ..rotation.rotator import gcp_function

        self._last = event_type
        envelope = {
            "message": {
                "attributes": {"eventType": event_type, "secretId": self.ref, "dataFormat": "JSON_API_V1"},
                "data": base64.b64encode(f'{{"name": "{self.ref}"}}'.encode()).decode(),
                "messageId": uuid.uuid4().hex,
            },
            "subscription": f"projects/{GCP_PROJECT}/subscriptions/rotator",
        }
        return gcp_function.main({"data": envelope}, env=self.env, now=self.clock.now(), sleep=self.clock.sleep, on_step=on_step)

    def first(self) -> str:
        """The placeholder version's SECRET_VERSION_ADD."""
        return _expect(self._deliver("SECRET_VERSION_ADD"), ("rotated",))

    def _own_write(self) -> None:
        # The rotator's own write publishes SECRET_VERSION_ADD too; with a key current, it does nothing.
        action = self._deliver("SECRET_VERSION_ADD")
        self._last = "SECRET_ROTATE"
        _expect(action, ("not-placeholder",))

    def rotate(self, on_step: OnStep = None) -> str:
        """SECRET_ROTATE, then the SECRET_VERSION_ADD of the rotator's write."""
        action = _expect(self._deliver("SECRET_ROTATE", on_step), ("rotated",))
        self._own_write()
        return action

    def retry(self) -> str:
        """Pub/Sub delivers the message again."""
        action = self._deliver(self._last)
        if action == "rotated":
            self._own_write()
        return action

    def duplicate(self) -> str:
        """Pub/Sub delivers SECRET_ROTATE a second time."""
        return self._deliver("SECRET_ROTATE")

    def concurrent(self) -> list[str]:
        """Two deliveries of SECRET_ROTATE at once (the function allows one instance; Pub/Sub may still send two)."""
        actions = _together(lambda: self._deliver("SECRET_ROTATE"))
        if "rotated" in actions:
            self._own_write()
        return actions

    def current_value(self) -> Optional[str]:
        """The newest enabled version's payload (what ``versions/latest`` serves)."""
        enabled = [data for _, state, data in self.drongo.versions(self.ref) if state == "ENABLED"]
        return enabled[-1].decode() if enabled else None

    def break_store_write(self) -> None:
        """addVersion fails (a POST that makes a version is sent once)."""
        self.drongo.faults.fail_next(1, 500, match=":addVersion")

    def clear_faults(self) -> None:
        """Drop every fault not injected yet, the store's too."""
        super().clear_faults()
        self.drongo.faults.clear()

    def vendor_fault(self, status: int) -> None:
        """API Keys' keys.create."""
        self.vendor.faults.fail_next(1, status, retry_after=2.0 if status == 429 else None, match="POST /v2/projects")

    def client_factory(self) -> Any:
        """Secret Manager's client over REST on drongo, with no credentials."""
        import warnings

        from google.auth.credentials import AnonymousCredentials

        from ..runtime import SdkClientFactory

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # google-api-core's Python support notice
            from google.cloud import secretmanager

        def gcp() -> Any:
            credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
            return secretmanager.SecretManagerServiceClient(
                transport="rest", credentials=credentials, client_options={"api_endpoint": self.drongo.url}
            )

        return SdkClientFactory(gcp=gcp)


class _IdentityCredential:
    """A ``get_token`` credential for the app's SecretClient: a fresh token from the identity stand-in each time.

    Its ``expires_on`` is a minute of real time, which azure-core's policy (refresh within 300 s of expiry) treats as
    due at once: every request gets a token valid on the simulated clock.
    """

    def __init__(self, identity: IdentityStandIn) -> None:
        self._identity = identity

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        """A token for the first scope's resource."""
        import json
        from urllib.parse import urlencode

        from azure.core.credentials import AccessToken

        resource = scopes[0].removesuffix("/.default")
        query = urlencode({"resource": resource, "api-version": "2019-08-01"})
        request = urllib.request.Request(  # noqa: S310 - the identity stand-in on 127.0.0.1
            f"{self._identity.endpoint}?{query}", headers={"X-IDENTITY-HEADER": self._identity.header}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            token = json.load(answer)["access_token"]
        return AccessToken(token, int(time.time()) + 60)

    def __repr__(self) -> str:
        return "_IdentityCredential()"


class _AzureRig(_Rig):
    """A Key Vault secret (the vault, identity and ARM stand-ins); Azure AI Services key1/key2, an API Management
    subscription's primary/secondary, or OpenAI."""

    cloud = "azure"

    def __init__(self, issuer: str, clock: SimClock, every_days: int, faults: bool) -> None:
        super().__init__(issuer, clock, every_days, faults)
        identity = self.identity = self.stack.enter_context(IdentityStandIn(clock=clock))
        self.extra_secrets.add(identity.header)
        vault = self.vault = self.stack.enter_context(KeyVaultStandIn(clock=clock, identity=identity))
        self.name = f"drill-{uuid.uuid4().hex[:12]}"
        self.ref = f"{VAULT}/secrets/{self.name}"
        exp = clock() + (self.period + NEAR_EXPIRY).total_seconds()  # the deploy's rule, as the rotator's
        self.env = {
            "AIKEYS_ISSUER": issuer,
            "AIKEYS_STORE": "azure",
            "AIKEYS_SECRET": self.ref,
            "AIKEYS_EVERY_DAYS": str(every_days),
            "AIKEYS_KEY_PREFIX": PREFIX,
            "AIKEYS_ENDPOINT_KEYVAULT": vault.url,
            "IDENTITY_ENDPOINT": identity.endpoint,
            "IDENTITY_HEADER": identity.header,
        }
        if issuer == "azure_ai_services":
            services = self.stack.enter_context(AzureAiServicesStandIn(clock=clock, identity=identity))
            self.vendor = services
            vault.set_secret(self.name, services.slots["key1"], exp=exp)  # azure_ai_services keeps key1 as the first key
            self.env |= {
                "AIKEYS_ACCOUNT_ID": services.account_id,
                "AIKEYS_ENDPOINT_ARM": services.url,
                "AIKEYS_PROBE_URL": services.url + "/v1/models",
            }
        elif issuer == "azure_api_management":
            apim = self.stack.enter_context(AzureApiManagementStandIn(clock=clock, identity=identity))
            self.vendor = apim
            self.key_header = AzureApiManagementStandIn.KEY_HEADER
            vault.set_secret(self.name, apim.slots["primary"], exp=exp)  # the primary, read at deploy, is the first key
            self.env |= {
                "AIKEYS_APIM_SUBSCRIPTION_ID": apim.subscription_id,
                "AIKEYS_ENDPOINT_ARM": apim.url,
                "AIKEYS_PROBE_URL": apim.url + "/v1/models",
            }
        else:
            admin_key = "sk-admin-drill-" + uuid.uuid4().hex
            self.extra_secrets.add(admin_key)
            openai_api = self.stack.enter_context(OpenAIStandIn(admin_key, (OPENAI_PROJECT,), clock=clock))
            self.vendor = openai_api
            vault.set_secret(self.name, PLACEHOLDER, exp=exp)
            vault.set_secret(f"{self.name}-admin-key", admin_key)
            self.env |= {
                "AIKEYS_OPENAI_PROJECT": OPENAI_PROJECT,
                "AIKEYS_ADMIN_KEY_REF": f"{VAULT}/secrets/{self.name}-admin-key",
                "AIKEYS_ENDPOINT_OPENAI": openai_api.url,
            }
        self._last: dict[str, Any] = {}

    def _event(self, event_type: str) -> dict[str, Any]:
        current = self.vault.versions(self.name)[-1]
        data = {
            "Id": f"{VAULT}/secrets/{self.name}/{current.version}",
            "VaultName": "ai-keys-drill",
            "ObjectType": "Secret",
            "ObjectName": self.name,
            "Version": current.version,
            "NBF": None,
            "EXP": current.exp,
        }
        return {"id": uuid.uuid4().hex, "eventType": event_type, "subject": self.name, "data": data, "dataVersion": "1"}

    def _deliver(self, event: dict[str, Any], on_step: OnStep = None) -> str:
        from ..rotation.rotator import azure_function

        self._last = event
        return azure_function.rotate(event, env=self.env, now=self.clock.now(), sleep=self.clock.sleep, on_step=on_step)

    def _own_write(self) -> None:
        from ..rotation.rotator import azure_function

        last = self._last
        _expect(self._deliver(self._event(azure_function.NEW_VERSION)), ("not-placeholder",))
        self._last = last

    def first(self) -> str:
        """SecretNewVersionCreated for the deploy's version."""
        from ..rotation.rotator import azure_function

        read_at_deploy = self.issuer in ("azure_ai_services", "azure_api_management")
        expected = ("not-placeholder",) if read_at_deploy else ("rotated",)
        return _expect(self._deliver(self._event(azure_function.NEW_VERSION)), expected)

    def rotate(self, on_step: OnStep = None) -> str:
        """SecretNearExpiry for the current version (published 30 days before it expires), then the
        SecretNewVersionCreated of the rotator's write."""
        from ..rotation.rotator import azure_function

        action = _expect(self._deliver(self._event(azure_function.NEAR_EXPIRY), on_step), ("rotated",))
        self._own_write()
        return action

    def retry(self) -> str:
        """Event Grid delivers the event again."""
        action = self._deliver(self._last)
        if action == "rotated":
            self._own_write()
        return action

    def duplicate(self) -> str:
        """The SecretNearExpiry that was just handled, delivered again."""
        return self._deliver(self._last)

    def concurrent(self) -> list[str]:
        """Two deliveries of one SecretNearExpiry at once (two instances of the function)."""
        from ..rotation.rotator import azure_function

        event = self._event(azure_function.NEAR_EXPIRY)
        actions = _together(lambda: self._deliver(event))
        if "rotated" in actions:
            self._own_write()
        return actions

    def current_value(self) -> Optional[str]:
        """The newest version's value (what ``GET secrets/NAME`` serves)."""
        return self.vault.current_value(self.name)

    def break_store_write(self) -> None:
        """PUT secrets/NAME fails, its retries too (the rotator's client tries a PUT five times)."""
        self.vault.faults.fail_next(5, 500, match=f"PUT /secrets/{self.name}")

    def clear_faults(self) -> None:
        """Drop every fault not injected yet, the vault's too."""
        super().clear_faults()
        self.vault.faults.clear()

    def vendor_fault(self, status: int) -> None:
        """ARM's regenerateKey (AI Services) or regenerate{Primary,Secondary}Key (API Management), or OpenAI's service
        account."""
        match = {"azure_ai_services": "regenerateKey", "azure_api_management": "/regenerate"}.get(
            self.issuer, "POST /v1/organization"
        )
        self.vendor.faults.fail_next(1, status, retry_after=2.0 if status == 429 else None, match=match)

    def client_factory(self) -> Any:
        """``SecretClient`` for the vault's https URL, sent to the stand-in by its transport."""
        from azure.core.pipeline.transport import RequestsTransport
        from azure.keyvault.secrets import SecretClient

        from ..runtime import SdkClientFactory

        local = self.vault.url
        credential = _IdentityCredential(self.identity)

        class LocalVault(RequestsTransport):  # type: ignore[misc]
            """Sends ``https://ai-keys-drill.vault.azure.net/...`` to the stand-in (after the SDK's https check)."""

            def send(self, request: Any, **kwargs: Any) -> Any:
                # The request goes back to https once sent: Key Vault's challenge policy sends the same request again,
                # with the token, after the 401 challenge, and its https check must still see the vault's URL.
                original = request.url
                request.url = original.replace(VAULT, local, 1)
                try:
                    return super().send(request, **kwargs)
                finally:
                    request.url = original

        def azure(vault_url: str) -> Any:
            return SecretClient(vault_url, credential, transport=LocalVault(), retry_total=0)

        return SdkClientFactory(azure=azure)


def _together(call: Callable[[], str]) -> list[str]:
    """Run ``call`` in two threads at once; returns both answers (or raises the first error)."""
    actions: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait()
            actions.append(call())
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, name=f"drill-concurrent-{n}") for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return actions


def _rig(issuer: str, store: str, clock: SimClock, every_days: int, faults: bool, moto_url: Optional[str]) -> _Rig:
    if store == "aws":
        return _AwsRig(issuer, clock, every_days, faults, moto_url)
    if store == "gcp":
        return _GcpRig(issuer, clock, every_days, faults)
    return _AzureRig(issuer, clock, every_days, faults)


# ------------------------------------------------------------------------------------------ clients


def _chat(client: Any) -> Callable[[], Any]:
    """One chat completion with an ``openai.OpenAI`` client."""
    return lambda: client.chat.completions.create(model="drill", messages=[{"role": "user", "content": "ping"}], max_tokens=1)


def _message(client: Any) -> Callable[[], Any]:
    """One message with an ``anthropic.Anthropic`` client."""
    return lambda: client.messages.create(model="drill", max_tokens=1, messages=[{"role": "user", "content": "ping"}])


def _key_into(header: str) -> Callable[[Any], None]:
    """An httpx request hook: the key the SDK sent (``Authorization: Bearer``, ``x-api-key``) goes in ``header``
    instead, as a gateway reading its own header (API Management's ``Ocp-Apim-Subscription-Key``) wants it."""

    def hook(request: Any) -> None:
        auth = request.headers.pop("authorization", None)
        key = request.headers.pop("x-api-key", None)
        if auth is not None and auth.lower().startswith("bearer "):
            key = auth[7:].strip()
        if key:
            request.headers[header] = key

    return hook


class _App:
    """The app: ``count`` clients in their own threads, half openai, half anthropic, each with its own cache."""

    def __init__(self, rig: _Rig, count: int, ttl: float, pause: float, canary: _Canary) -> None:
        import anthropic
        import openai

        from ..runtime import KeyCache, anthropic_credentials, auth_refresh_hook, key_provider

        self.canary = canary
        self.pause = pause
        self.stop = threading.Event()
        self.done: Counter[str] = Counter()
        self.failures: list[str] = []
        self._guard = threading.Lock()
        factory = rig.client_factory()
        url, ref = rig.vendor.url, rig.ref
        self.calls: dict[str, Callable[[], Any]] = {}
        for n in range(count):
            name = f"c{n}"
            cache = KeyCache(ttl_seconds=ttl, client_factory=factory)
            hooks: dict[str, list[Callable[[Any], None]]] = {}
            if rig.key_header is None:
                hooks["response"] = [auth_refresh_hook(ref, cache=cache)]
            else:
                hooks["request"] = [_key_into(rig.key_header)]
                hooks["response"] = [auth_refresh_hook(ref, cache=cache, header=rig.key_header)]
            if n % 2 == 0:
                client: Any = openai.OpenAI(
                    api_key=key_provider(ref, cache=cache),
                    base_url=url + "/v1",
                    default_headers={"x-client": name},
                    timeout=10.0,
                    http_client=openai.DefaultHttpxClient(event_hooks=hooks),
                )
                self.calls[name] = _chat(client)
            else:
                client = anthropic.Anthropic(
                    credentials=anthropic_credentials(ref, cache=cache),
                    base_url=url,
                    default_headers={"x-client": name},
                    timeout=10.0,
                    http_client=anthropic.DefaultHttpxClient(event_hooks=hooks),
                )
                self.calls[name] = _message(client)
        self.threads = [
            threading.Thread(target=self._loop, args=(name,), name=f"drill-client-{name}", daemon=True) for name in self.calls
        ]

    def _loop(self, name: str) -> None:
        call = self.calls[name]
        while not self.stop.is_set():
            try:
                call()
            except Exception as error:  # what the app sees: counted, its text searched by the canary
                with self._guard:
                    self.failures.append(type(error).__name__)
                self.canary.scan(f"{error!s} {error!r}", "error")
            with self._guard:
                self.done[name] += 1
            self.stop.wait(self.pause)

    def start(self) -> None:
        """Start every client."""
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        """Stop every client (each finishes its request)."""
        self.stop.set()
        for thread in self.threads:
            thread.join(30)

    def snapshot(self) -> dict[str, int]:
        """Requests each client has finished so far."""
        with self._guard:
            return {name: self.done[name] for name in self.calls}


# ------------------------------------------------------------------------------------------- driver


@contextlib.contextmanager
def _aws_credentials() -> Iterator[None]:
    """Credentials for the rotator's boto3 (it reads them from the environment), and no metadata lookups."""
    names = {
        "AWS_ACCESS_KEY_ID": "drill",
        "AWS_SECRET_ACCESS_KEY": "drill",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    saved = {name: os.environ.get(name) for name in [*names, "AWS_PROFILE", "AWS_SESSION_TOKEN"]}
    os.environ.update(names)
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_SESSION_TOKEN", None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _Drill:
    """One run: the rig, the app, the rotations and the records."""

    def __init__(self, rig: _Rig, app_clients: int, ttl: float, gap: float, pause: float, faults: bool) -> None:
        self.rig = rig
        self.clock = rig.clock
        self.app_clients = app_clients
        self.ttl, self.gap, self.pause = ttl, gap, pause
        self.with_faults = faults
        self.writes: list[tuple[str, float]] = []  # (digest of the value made current, when), first key first
        self.window_starts: list[float] = []
        self.keys_lost = 0
        self.fault_runs: list[FaultRun] = []
        self._last_end = time.monotonic()
        self._last_done: dict[str, int] = {}

    # -- checks

    def _check_current(self) -> bool:
        """Whether the store's current key works at the vendor; counts a lost key."""
        value = self.rig.current_value()
        if self.rig.accepts(value):
            return True
        self.keys_lost += 1
        return False

    def _stored(self) -> None:
        value = self.rig.current_value()
        if value is None:
            raise DrillError("the store holds no value")
        self.writes.append((digest(value), self.clock()))
        self._check_current()

    def _pace(self, app: Optional[_App]) -> None:
        """Wait ``gap`` seconds from the last rotation, and until every client has finished a request since."""
        if app is None:
            return
        deadline = time.monotonic() + max(10.0, 20 * self.gap)
        while time.monotonic() < deadline:
            done = app.snapshot()
            waited = time.monotonic() - self._last_end >= self.gap
            if waited and all(done[name] > self._last_done.get(name, 0) for name in done):
                break
            time.sleep(min(0.005, self.gap / 4))
        self._last_done = app.snapshot()

    def _mark_end(self, app: Optional[_App]) -> None:
        self._last_end = time.monotonic()
        if app is not None:
            self._last_done = app.snapshot()

    # -- faults

    def _converge(self, canary: _Canary, actions: list[str], before: Optional[str]) -> tuple[int, bool]:
        """The platform's retries after a failed run, each after its back-off; returns (failed runs, converged)."""
        failed = 0
        for _ in range(RETRIES):
            self.clock.advance(RETRY_BACKOFF)
            try:
                actions.append(self.rig.retry())
            except Exception as error:  # a retry failing too: the platform retries again
                failed += 1
                actions.append(f"error:{type(error).__name__}")
                canary.scan(f"{error!s} {error!r}", "error")
                self._check_current()
                continue
            value = self.rig.current_value()
            if value is not None and value != before and self.rig.accepts(value):
                return failed, True
        return failed, False

    def _fault(self, kind: str, rotation: int, canary: _Canary) -> None:
        """One rotation with ``kind`` injected, then the runs that converge."""
        rig = self.rig
        before = rig.current_value()
        made = len(rig.vendor.keys.records)
        actions: list[str] = []
        failed = 0

        def crash_at(step: str) -> Callable[[str], None]:
            def hook(name: str) -> None:
                if name == step:
                    raise _Crash(step)

            return hook

        def attempt(run: Callable[[], Any]) -> bool:
            nonlocal failed
            try:
                outcome = run()
            except Exception as error:  # the fault made the run fail: the platform will retry it
                failed += 1
                actions.append(f"error:{type(error).__name__}")
                canary.scan(f"{error!s} {error!r}", "error")
                self._check_current()
                return False
            actions.extend(outcome if isinstance(outcome, list) else [str(outcome)])
            return True

        if kind == "crash-after-revoke":
            done = attempt(lambda: rig.rotate(on_step=crash_at("guard")))
        elif kind == "crash-before-write":
            done = attempt(lambda: rig.rotate(on_step=crash_at("write")))
        elif kind == "crash-between-steps":
            attempt(rig.crash_between_steps)
            done = False
        elif kind == "duplicate":
            done = attempt(rig.rotate)
            minted = len(rig.vendor.keys.records)
            attempt(rig.duplicate)
            if len(rig.vendor.keys.records) != minted:
                raise DrillError("a duplicate delivery made a key")
        elif kind == "concurrent":
            done = attempt(rig.concurrent)
            if len(rig.vendor.keys.records) - made > 1:
                raise DrillError("two concurrent deliveries made two keys")
        elif kind in ("vendor-500", "vendor-429"):
            rig.vendor_fault(int(kind.rsplit("-", 1)[1]))
            done = attempt(rig.rotate)
        else:
            rig.break_store_write()
            done = attempt(rig.rotate)
        converged = done
        if not done:
            more, converged = self._converge(canary, actions, before)
            failed += more
        rig.clear_faults()
        value = rig.current_value()
        converged = converged and value != before and rig.accepts(value)
        self.fault_runs.append(
            FaultRun(
                kind=kind,
                rotation=rotation,
                failed_runs=failed,
                actions=tuple(actions),
                converged=converged,
                key_lost=not rig.accepts(value),
                most_live=rig.vendor.keys.max_live,
            )
        )

    def _schedule(self, rotations: int) -> dict[int, str]:
        kinds = [k for k in FAULTS if k != "crash-between-steps" or self.rig.cloud == "aws"]
        if not self.with_faults:
            return {}
        return {(n + 1) * rotations // (len(kinds) + 1): kind for n, kind in enumerate(kinds)}

    # -- the run

    def run(self, rotations: int) -> DrillReport:
        rig = self.rig
        started = time.monotonic()
        with _aws_credentials(), _capture() as canary:
            rig.first()
            self._stored()
            app = _App(rig, self.app_clients, self.ttl, self.pause, canary)
            app.start()
            self._mark_end(None)
            try:
                schedule = self._schedule(rotations)
                for rotation in range(1, rotations + 1):
                    self._pace(app)
                    self.clock.advance(rig.period)
                    self.window_starts.append(self.clock())
                    if rotation in schedule:
                        self._fault(schedule[rotation], rotation, canary)
                    else:
                        rig.rotate()
                    self._stored()
                    self._mark_end(app)
                self._pace(app)
            finally:
                app.finish()
            secrets = set(rig.vendor.keys.ever_valid()) | rig.extra_secrets
            leaks = canary.leaks(secrets)
        return self._report(app, canary, leaks, rotations, time.monotonic() - started)

    def _report(self, app: _App, canary: _Canary, leaks: list[str], rotations: int, seconds: float) -> DrillReport:
        rig = self.rig
        names = set(app.calls)
        calls = [c for c in list(rig.vendor.app.calls) if c.client in names]
        windows = len(self.window_starts) + 1
        per_window: Counter[tuple[str, int]] = Counter()
        refused: Counter[tuple[str, int]] = Counter()
        for call in calls:
            window = bisect.bisect_right(self.window_starts, call.at)
            per_window[(call.client, window)] += 1
            if call.status in (401, 403):
                refused[(call.client, window)] += 1
        least = min((per_window[(name, w)] for name in names for w in range(windows)), default=0)
        lifetimes: list[float] = []
        records = {r.digest: r for r in rig.vendor.keys.records}
        for (previous, _), (_, superseded) in zip(self.writes, self.writes[1:], strict=False):
            record = records.get(previous)
            if record is not None and record.valid_until is not None:
                lifetimes.append((record.valid_until - superseded) / 86400)
        rotated = len(self.writes) - 1
        return DrillReport(
            issuer=rig.issuer,
            store=rig.cloud,
            rotations=rotated,
            requests=sum(app.snapshot().values()),
            failed_requests=len(app.failures),
            failures=tuple(app.failures),
            attempts=len(calls),
            retried_max=max(refused.values(), default=0),
            retried_total=sum(refused.values()),
            windows=windows,
            min_requests_per_window=least,
            max_live=rig.vendor.keys.max_live,
            previous_checked=len(lifetimes),
            previous_valid_days_min=min(lifetimes) if lifetimes else None,
            keys_lost=self.keys_lost,
            canary_records=canary.records,
            canary_loggers=tuple(sorted(canary.loggers)),
            canary_leaks=tuple(sorted(set(leaks))),
            every_days=rig.every_days,
            cache_ttl_seconds=self.ttl,
            gap_seconds=self.gap,
            clients=self.app_clients,
            seconds=seconds,
            faults=tuple(self.fault_runs),
        )


def run_drill(
    issuer: str,
    store: str,
    *,
    rotations: int = 100,
    clients: int = 4,
    gap_seconds: float = 0.1,
    cache_ttl_seconds: Optional[float] = None,
    pause_seconds: float = 0.01,
    every_days: int = 30,
    faults: bool = False,
    moto_url: Optional[str] = None,
) -> DrillReport:
    """Run one drill (see the module docstring) and return what it measured.

    ``gap_seconds`` is the least real time between two rotations; ``cache_ttl_seconds`` the clients' cache TTL
    (default a quarter of the gap; it must be below half of it: the cache rule); ``pause_seconds`` each client's
    wait between two requests. ``moto_url`` reuses a moto server already running in this process (AWS only: the
    drill reads and labels versions in moto's memory); without it the drill starts its own.
    """
    if (issuer, store) not in PAIRS:
        raise ValueError(f"{issuer} on {store} is not a managed rotation pair: expected one of {PAIRS}")
    if rotations < 1 or clients < 1 or gap_seconds <= 0:
        raise ValueError("rotations and clients must be at least 1, gap_seconds above 0")
    ttl = gap_seconds / 4 if cache_ttl_seconds is None else cache_ttl_seconds
    if not 0 < ttl < gap_seconds / 2:
        raise ValueError(
            f"cache_ttl_seconds {ttl:g} breaks the cache rule: the TTL plus the longest request must be shorter than "
            f"the time between two rotations; keep it below half of gap_seconds ({gap_seconds / 2:g})"
        )
    clock = SimClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
    with _aws_credentials():
        rig = _rig(issuer, store, clock, every_days, faults, moto_url)
    try:
        return _Drill(rig, clients, ttl, gap_seconds, pause_seconds, faults).run(rotations)
    finally:
        rig.close()
