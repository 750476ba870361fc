"""What every stand-in shares: an HTTP server on 127.0.0.1 in a daemon thread, a clock, and injected faults."""

import collections
import json
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional, TypeVar, Union
from urllib.parse import parse_qs, urlsplit

__all__ = ["Faults", "Reply", "Request", "SimClock", "StandIn", "json_reply"]

Clock = Callable[[], float]
_S = TypeVar("_S", bound="StandIn")


class SimClock:
    """A clock that moves only when told: ``clock()`` is epoch seconds, :meth:`now` the same as a datetime.

    Pass it to the stand-ins (``clock=``) and its :meth:`sleep` to the rotator (``sleep=``), so an API Gateway
    activation delay or a 30-day soft delete passes without waiting.
    """

    def __init__(self, start: Optional[datetime] = None) -> None:
        start = start or datetime(2026, 1, 1, tzinfo=timezone.utc)
        self._now = start.timestamp()
        self._lock = threading.Lock()
        self.slept: list[float] = []

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def now(self) -> datetime:
        """The current time, aware UTC."""
        return datetime.fromtimestamp(self(), tz=timezone.utc)

    def advance(self, by: Union[float, timedelta]) -> None:
        """Move the clock forward (seconds or a timedelta)."""
        seconds = by.total_seconds() if isinstance(by, timedelta) else float(by)
        with self._lock:
            self._now += max(0.0, seconds)

    def sleep(self, seconds: float) -> None:
        """A ``sleep`` that returns at once, moving the clock."""
        self.slept.append(seconds)
        self.advance(seconds)


@dataclass
class Request:
    """One request as a stand-in sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)

    def param(self, name: str) -> Optional[str]:
        """A query parameter's first value."""
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> Optional[str]:
        """A header (case-insensitive)."""
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The body as JSON (``{}`` when empty)."""
        return json.loads(self.body) if self.body else {}

    def form(self) -> dict[str, str]:
        """The body as a form (the AWS Query protocol)."""
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    def bearer(self) -> Optional[str]:
        """The ``Authorization: Bearer`` token."""
        auth = self.header("authorization") or ""
        return auth[7:].strip() if auth.lower().startswith("bearer ") else None

    def api_key(self) -> Optional[str]:
        """The API key sent: ``x-api-key``, ``api-key``, ``x-goog-api-key``, a Bearer token or ``?key=``."""
        for name in ("x-api-key", "api-key", "x-goog-api-key"):
            value = self.header(name)
            if value:
                return value
        return self.bearer() or self.param("key")


@dataclass
class Reply:
    """An answer: status, body (JSON-serialisable, text or bytes) and headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def encoded(self) -> bytes:
        """The body as bytes."""
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


def json_reply(status: int, body: Any = None, headers: Optional[dict[str, str]] = None) -> Reply:
    """A JSON answer."""
    return Reply(status, body, dict(headers or {}))


@dataclass
class _Fault:
    status: int
    retry_after: Optional[float]
    match: Optional[str]


class Faults:
    """Faults to inject: the next N requests (matching ``match``, a substring of ``"METHOD /path"``, followed by the
    operation for APIs that name it in the body, e.g. ``"POST / CreateServiceSpecificCredential"``) fail."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Fault] = []
        self.injected = 0
        """How many requests were answered with an injected fault."""

    def fail_next(
        self, count: int = 1, status: int = 500, *, retry_after: Optional[float] = None, match: Optional[str] = None
    ) -> None:
        """Answer the next ``count`` matching requests with ``status`` (a 429 carries ``Retry-After``)."""
        with self._lock:
            self._queue.extend(_Fault(status, retry_after, match) for _ in range(count))

    def clear(self) -> None:
        """Drop the faults not injected yet."""
        with self._lock:
            self._queue.clear()

    @property
    def pending(self) -> int:
        """Faults not injected yet."""
        with self._lock:
            return len(self._queue)

    def take(self, method: str, path: str, operation: str = "") -> Optional[_Fault]:
        """The fault for this request, if one is queued for it."""
        line = f"{method} {path} {operation}".rstrip()
        with self._lock:
            for index, fault in enumerate(self._queue):
                if fault.match is None or fault.match in line:
                    self.injected += 1
                    return self._queue.pop(index)
        return None


class StandIn:
    """A vendor or cloud API on ``127.0.0.1``: subclasses implement :meth:`dispatch`.

    Counts every request per ``"METHOD /path"`` (:attr:`calls`), injects :attr:`faults` before dispatching, and
    keeps time with ``clock`` (epoch seconds; a :class:`SimClock` in tests). Use as a context manager or call
    :meth:`stop`.
    """

    def __init__(self, *, clock: Clock = time.time) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.faults = Faults()
        self.calls: collections.Counter[str] = collections.Counter()
        self.statuses: collections.Counter[int] = collections.Counter()
        """How many answers of each status were sent."""
        self.errors: list[str] = []
        """Tracebacks of requests the stand-in itself failed on (a test should find none)."""
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                stand_in._serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815 - http.server's names

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def now(self) -> datetime:
        """The stand-in's time as an aware datetime."""
        return datetime.fromtimestamp(self.clock(), tz=timezone.utc)

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, *args: object) -> None:
        self.stop()

    def dispatch(self, request: Request) -> Reply:
        """Answer one request (subclasses)."""
        raise NotImplementedError

    def operation(self, request: Request) -> str:
        """The operation a request names besides its path (``""``; IAM's form ``Action``), for fault matching."""
        return ""

    def fault_reply(self, status: int, retry_after: Optional[float]) -> Reply:
        """The answer to an injected fault (JSON by default; a subclass speaks its API's error format)."""
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        return json_reply(status, {"error": {"code": status, "message": "injected fault", "status": "INJECTED"}}, headers)

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        request = Request(handler.command, split.path, parse_qs(split.query, keep_blank_values=True), headers, body)
        with self.lock:
            self.calls[f"{request.method} {request.path}"] += 1
        fault = self.faults.take(request.method, request.path, self.operation(request))
        if fault is not None:
            retry_after = fault.retry_after if fault.retry_after is not None else (1.0 if fault.status == 429 else None)
            reply = self.fault_reply(fault.status, retry_after)
        else:
            try:
                reply = self.dispatch(request)
            except Exception as error:  # a bug in a stand-in: answer 500 rather than hang the client
                self.errors.append(traceback.format_exc())
                reply = json_reply(500, {"error": {"code": 500, "message": f"stand-in error: {type(error).__name__}"}})
        payload = reply.encoded()
        with self.lock:
            self.statuses[reply.status] += 1
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(payload)
