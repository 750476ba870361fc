"""A small fault-injecting HTTP proxy for the runtime tests and ``benchmarks/runtime_faults.py``.

It sits on 127.0.0.1 in front of a local emulator (moto for AWS Secrets Manager) and answers each
request itself or forwards it, as ``choose(key)`` decides: a 5xx, a 429, a connection reset, a body cut
short (``cut``: the connection drops mid-body; ``short``: half the JSON, sent as if complete), an HTML
page with status 200, a hang, or AWS's access-denied answer. ``key`` is the ``SecretId``
of a Secrets Manager call. Every request is counted per key, and so is the most requests of one key
in flight at the same time.

A proxy of the project's own rather than mitmproxy: the faults are seven fixed answers to one JSON API,
the stdlib serves them in about a hundred lines, and the tests need no extra package nor TLS interception.
"""

import collections
import http.client
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, Optional

__all__ = ["FAULTS", "FaultProxy"]

FAULTS = ("5xx", "429", "reset", "cut", "short", "html", "hang", "deny")
"""Every fault the proxy can inject (``None`` from ``choose`` forwards the request untouched)."""

_AWS_ERRORS = {
    "5xx": (503, "ServiceUnavailableException"),
    "429": (429, "ThrottlingException"),
    "deny": (400, "AccessDeniedException"),
}
_HTML = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"


class FaultProxy:
    """Forward to ``upstream`` (``http://127.0.0.1:PORT``), injecting the fault ``choose(key)`` returns.

    ``hang_seconds`` is how long a "hang" holds the connection before closing it. Use as a context
    manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, upstream: str, choose: Callable[[str], Optional[str]], *, hang_seconds: float = 30.0) -> None:
        host, port = upstream.rsplit("//", 1)[1].split(":")
        self.upstream = (host, int(port))
        self.choose = choose
        self.hang_seconds = hang_seconds
        self.requests: collections.Counter[str] = collections.Counter()
        self.injected: collections.Counter[str] = collections.Counter()
        self.max_in_flight: collections.Counter[str] = collections.Counter()
        self.denied_at: Dict[str, float] = {}
        self._in_flight: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        """The proxy's endpoint, to give the SDK client as its endpoint URL."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "FaultProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *args: object) -> None:
        self.stop()

    def _enter(self, key: str) -> None:
        with self._lock:
            self.requests[key] += 1
            self._in_flight[key] += 1
            self.max_in_flight[key] = max(self.max_in_flight[key], self._in_flight[key])

    def _leave(self, key: str) -> None:
        with self._lock:
            self._in_flight[key] -= 1

    def _handler(self) -> type:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    key = str(json.loads(body).get("SecretId", ""))
                except ValueError:
                    key = ""
                proxy._enter(key)
                try:
                    fault = proxy.choose(key) if key else None
                    if fault is not None:
                        with proxy._lock:
                            proxy.injected[fault] += 1
                    self._answer(fault, key, body)
                finally:
                    proxy._leave(key)

            def _answer(self, fault: Optional[str], key: str, body: bytes) -> None:
                if fault in _AWS_ERRORS:
                    status, code = _AWS_ERRORS[fault]
                    if fault == "deny":
                        with proxy._lock:
                            proxy.denied_at.setdefault(key, time.monotonic())
                    self._send(status, json.dumps({"__type": code, "message": "injected"}).encode())
                elif fault == "reset":
                    self._reset()
                elif fault == "hang":
                    proxy._stopping.wait(proxy.hang_seconds)
                    self._reset()
                elif fault == "html":
                    self._send(200, _HTML, content_type="text/html")
                else:
                    status, payload = self._forward(body)
                    if fault == "cut":
                        self._send(status, payload[: len(payload) // 2], length=len(payload))
                        self._reset()
                    elif fault == "short":
                        self._send(status, payload[: len(payload) // 2])
                    else:
                        self._send(status, payload)

            def _forward(self, body: bytes) -> "tuple[int, bytes]":
                connection = http.client.HTTPConnection(*proxy.upstream, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                    connection.request("POST", self.path, body=body, headers=headers)
                    response = connection.getresponse()
                    return response.status, response.read()
                finally:
                    connection.close()

            def _send(
                self,
                status: int,
                payload: bytes,
                *,
                content_type: str = "application/x-amz-json-1.1",
                length: Optional[int] = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload) if length is None else length))
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()

            def _reset(self) -> None:
                # SO_LINGER 0: close with a TCP RST, as a crashed peer or a dropping middlebox does.
                self.close_connection = True
                try:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                except OSError:
                    pass

        return Handler
