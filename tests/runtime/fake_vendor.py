"""A local stand-in for an AI vendor's API, for the SDK tests and ``benchmarks/runtime_cache.py``.

``GET /v1/models`` answers 200 to a request carrying the current key (``Authorization: Bearer`` or
``x-api-key``) and 401 to any other, recording (client, key sent, status) for every request; the
``x-client`` request header names the client.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List, Tuple

__all__ = ["Vendor"]


class Vendor:
    """An AI vendor's API on 127.0.0.1: GET /v1/models answers 200 for the current key, 401 otherwise."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.lock = threading.Lock()
        self.seen: List[Tuple[str, str, int]] = []  # (client id, key sent, status)
        vendor = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                sent = self.headers.get("x-api-key") or self.headers.get("Authorization", "").removeprefix("Bearer ")
                with vendor.lock:
                    status = 200 if sent == vendor.key else 401
                    vendor.seen.append((self.headers.get("x-client", "?"), sent, status))
                if status == 200:
                    body = {"object": "list", "data": [], "has_more": False, "first_id": None, "last_id": None}
                else:
                    body = {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def failures(self, client: str) -> List[int]:
        return [i for i, (who, _, status) in enumerate(self.seen) if who == client and status != 200]
