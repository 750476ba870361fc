"""The keys a stand-in has issued, and the app API every stand-in serves for its live keys.

The ledger answers what a rotation test asks: which keys are live now, the most ever live at once, every key that
was ever valid, and for how long each one was.

The app API lets one openai or anthropic SDK client call any stand-in (``base_url``): ``GET /v1/models``,
``POST /v1/chat/completions`` (OpenAI's shape) and ``POST /v1/messages`` (Anthropic's), plus ``GET /v1beta/models``
(Gemini's). The key may come as ``Authorization: Bearer``, ``x-api-key``, ``api-key`` or ``x-goog-api-key``. A key
not live gets ``reject_status`` (401 by default).
"""

import hashlib
import threading
import uuid
from dataclasses import dataclass, field
from typing import Callable, Optional

from ._server import Reply, Request, json_reply

__all__ = ["AppCall", "KeyLedger", "KeyRecord", "app_reply", "digest"]


def digest(value: str) -> str:
    """A short, stable fingerprint of a key (what records and messages show instead of the key)."""
    return hashlib.sha256(value.encode()).hexdigest()[:12]


@dataclass
class KeyRecord:
    """One key's life: valid from its creation until revoked (``valid_until`` ``None`` while live)."""

    key_id: str
    digest: str
    valid_from: float
    valid_until: Optional[float] = None


@dataclass(frozen=True)
class AppCall:
    """One app API request: who sent it (``x-client`` header), which key (digest), the status answered."""

    client: str
    key: str
    path: str
    status: int
    at: float


class KeyLedger:
    """Live keys (by value), the most ever live at once, and every key ever valid."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._live: dict[str, KeyRecord] = {}
        self._ever: set[str] = set()
        self.records: list[KeyRecord] = []
        """Every key issued, in order."""
        self.max_live = 0
        """The most keys live at the same time so far."""

    def add(self, key_id: str, value: str) -> None:
        """A key starts to work."""
        with self._lock:
            record = KeyRecord(key_id, digest(value), self._clock())
            self._live[value] = record
            self._ever.add(value)
            self.records.append(record)
            self.max_live = max(self.max_live, len(self._live))

    def revoke_value(self, value: str) -> None:
        """The key with this value stops working."""
        with self._lock:
            record = self._live.pop(value, None)
            if record is not None:
                record.valid_until = self._clock()

    def revoke(self, key_id: str, at: Optional[float] = None) -> None:
        """Every live key with this id stops working (``at``: when it did, if before now, e.g. its expiry)."""
        with self._lock:
            for value in [v for v, r in self._live.items() if r.key_id == key_id]:
                self._live.pop(value).valid_until = self._clock() if at is None else at

    def is_live(self, value: Optional[str]) -> bool:
        """Whether the key works now."""
        with self._lock:
            return value is not None and value in self._live

    def key_id(self, value: str) -> Optional[str]:
        """The id of a live key."""
        with self._lock:
            record = self._live.get(value)
            return record.key_id if record else None

    @property
    def live_count(self) -> int:
        """Keys live now."""
        with self._lock:
            return len(self._live)

    def live_values(self) -> frozenset[str]:
        """The values of the keys live now."""
        with self._lock:
            return frozenset(self._live)

    def ever_valid(self) -> frozenset[str]:
        """The value of every key that ever worked (what a log canary searches for)."""
        with self._lock:
            return frozenset(self._ever)

    def __repr__(self) -> str:
        return f"KeyLedger(live={self.live_count}, max_live={self.max_live}, issued={len(self.records)})"


@dataclass
class AppApi:
    """The app endpoints of one stand-in, with the calls they answered."""

    accepted: Callable[[str], bool]
    reject_status: int = 401
    calls: list[AppCall] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    key_of: Optional[Callable[[Request], Optional[str]]] = None
    """Where the key is read from (``None``: :meth:`Request.api_key`, any of the usual headers)."""
    refusal: Optional[dict[str, object]] = None
    """The body of a refusal (``None``: the vendor's own shape for the route)."""


_OPENAI_401 = {
    "error": {
        "message": "Incorrect API key provided.",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
}
_ANTHROPIC_401 = {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
_GEMINI_400 = {
    "error": {
        "code": 400,
        "message": "API key not valid. Please pass a valid API key.",
        "status": "INVALID_ARGUMENT",
        "details": [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"}
        ],
    }
}
_GATEWAY_403 = {"message": "Forbidden"}


def _models() -> dict[str, object]:
    return {"object": "list", "data": [], "has_more": False, "first_id": None, "last_id": None}


def _chat(request: Request) -> dict[str, object]:
    model = str(request.json().get("model") or "stand-in")
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop", "logprobs": None}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _message(request: Request) -> dict[str, object]:
    model = str(request.json().get("model") or "stand-in")
    return {
        "id": f"msg_{uuid.uuid4().hex[:12]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": "ok"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }


_ROUTES = {
    ("GET", "/v1/models"): "models",
    ("POST", "/v1/chat/completions"): "chat",
    ("POST", "/v1/messages"): "messages",
    ("GET", "/v1beta/models"): "gemini",
}


def app_reply(api: AppApi, request: Request, now: float) -> Optional[Reply]:
    """The app API's answer, or ``None`` if the request is not for it (a path prefix before ``/v1`` is allowed)."""
    route = next(
        (name for (method, path), name in _ROUTES.items() if method == request.method and request.path.endswith(path)), None
    )
    if route is None:
        return None
    key = request.api_key() if api.key_of is None else api.key_of(request)
    ok = key is not None and api.accepted(key)
    status = 200 if ok else (400 if route == "gemini" and api.reject_status == 401 else api.reject_status)
    with api.lock:
        api.calls.append(AppCall(request.header("x-client") or "?", digest(key or ""), request.path, status, now))
    if not ok:
        if api.refusal is not None:
            return json_reply(status, api.refusal)
        if status == 403 and api.reject_status == 403:
            return json_reply(403, _GATEWAY_403)
        if route == "gemini":
            return json_reply(status, _GEMINI_400)
        return json_reply(status, _ANTHROPIC_401 if route == "messages" else _OPENAI_401)
    if route == "chat":
        return json_reply(200, _chat(request))
    if route == "messages":
        return json_reply(200, _message(request))
    return json_reply(200, _models() if route == "models" else {"models": []})
