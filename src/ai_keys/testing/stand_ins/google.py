"""Google's API Keys API (v2) for one project, Gemini's app API for its keys, and the metadata server's token.

API Keys (docs.cloud.google.com/api-keys/docs/reference/rest/v2): ``POST /v2/projects/P/locations/global/keys?keyId=``
starts an operation (``GET /v2/operations/*`` reports it done after ``operation_polls`` polls, with the key in
``response``); ``GET .../keys`` lists keys (``pageSize``, ``pageToken``, ``showDeleted``) without their strings;
``GET .../keys/ID/keyString`` -> ``{keyString}``; ``DELETE .../keys/ID`` is a soft delete: the key stops working at
once but is *held* (its id taken, listed with ``showDeleted``) for 30 days, then purged; ``POST .../keys/ID:undelete``
brings it back within that time. A key id must match ``[a-z]([a-z0-9-]{0,61}[a-z0-9])?`` and not look like a UUID
(CreateKeyRequest.key_id); the location must be ``global``. Requests need a Bearer token (one from
:class:`MetadataStandIn` when it is given).

App: Gemini's ``GET /v1beta/models`` (400 API_KEY_INVALID for a key not live; 403 for a key whose
``restrictions.apiTargets`` leave out generativelanguage.googleapis.com) and the shared endpoints.
"""

import re
import secrets
import string
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from ._keys import AppApi, KeyLedger, app_reply
from ._server import Reply, Request, StandIn, json_reply

__all__ = ["GEMINI_SERVICE", "GoogleApiKeysStandIn", "MetadataStandIn"]

GEMINI_SERVICE = "generativelanguage.googleapis.com"
HOLD_DAYS = 30
_KEY_ID = re.compile(r"[a-z]([a-z0-9-]{0,61}[a-z0-9])?")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_KEY_CHARS = string.ascii_letters + string.digits + "_-"


def _rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _google_error(status: int, state: str, message: str) -> Reply:
    return json_reply(status, {"error": {"code": status, "message": message, "status": state}})


@dataclass
class ApiKey:
    """One key of the project."""

    key_id: str
    uid: str
    display_name: str
    created: float
    targets: tuple[str, ...]
    deleted: Optional[float] = None
    etag: str = field(default_factory=lambda: uuid.uuid4().hex)


class MetadataStandIn(StandIn):
    """GCP's metadata server token endpoint: ``GET /computeMetadata/v1/instance/service-accounts/default/token``
    with ``Metadata-Flavor: Google`` -> ``{access_token, expires_in, token_type}`` (403 without the header)."""

    PATH = "/computeMetadata/v1/instance/service-accounts/default/token"

    def __init__(self, *, clock: Callable[[], float] = time.time, lifetime: int = 3599) -> None:
        self.lifetime = lifetime
        self._tokens: dict[str, float] = {}
        self.issued = 0
        super().__init__(clock=clock)

    def valid(self, token: Optional[str]) -> bool:
        """Whether ``token`` was issued here and has not expired."""
        with self.lock:
            return token is not None and self._tokens.get(token, 0.0) > self.clock()

    def dispatch(self, request: Request) -> Reply:
        """Issue a token."""
        if request.path != self.PATH or request.method != "GET":
            return Reply(404, "Not Found", content_type="text/plain")
        if request.header("metadata-flavor") != "Google":
            return Reply(403, "Missing Metadata-Flavor:Google header.", content_type="text/plain")
        token = "ya29.standin-" + secrets.token_urlsafe(24)
        with self.lock:
            self._tokens[token] = self.clock() + self.lifetime
            self.issued += 1
        return json_reply(200, {"access_token": token, "expires_in": self.lifetime, "token_type": "Bearer"})


class GoogleApiKeysStandIn(StandIn):
    """The API keys of ``project``; :attr:`keys` counts the live ones, :meth:`held` the soft-deleted ones."""

    def __init__(
        self,
        project: str = "ai-keys-test",
        *,
        clock: Callable[[], float] = time.time,
        tokens: Optional[MetadataStandIn] = None,
        operation_polls: int = 1,
        page_size: int = 300,
        max_keys: Optional[int] = None,
        reject_status: int = 401,
    ) -> None:
        self.project = project
        self.tokens = tokens
        self.operation_polls = operation_polls
        self.page_size = page_size
        self.max_keys = max_keys
        self.api_keys: dict[str, ApiKey] = {}
        self._strings: dict[str, str] = {}
        self._operations: dict[str, dict[str, Any]] = {}
        self.keys = KeyLedger(clock)
        self.app = AppApi(self.keys.is_live, reject_status)
        super().__init__(clock=clock)

    @property
    def parent(self) -> str:
        """``projects/P/locations/global``."""
        return f"projects/{self.project}/locations/global"

    def _purge(self) -> None:
        """Drop the keys deleted more than 30 days ago."""
        limit = self.clock() - HOLD_DAYS * 86400
        for key_id in [k for k, key in self.api_keys.items() if key.deleted is not None and key.deleted <= limit]:
            del self.api_keys[key_id]
            self._strings.pop(key_id, None)

    def held(self) -> list[str]:
        """Ids of the keys deleted but not purged yet."""
        with self.lock:
            self._purge()
            return [k for k, key in self.api_keys.items() if key.deleted is not None]

    def live(self, prefix: str = "") -> list[str]:
        """Ids of the keys not deleted (starting with ``prefix``)."""
        with self.lock:
            return [k for k, key in self.api_keys.items() if key.deleted is None and k.startswith(prefix)]

    def _resource(self, key: ApiKey, *, with_string: bool = False) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "name": f"{self.parent}/keys/{key.key_id}",
            "uid": key.uid,
            "displayName": key.display_name,
            "createTime": _rfc3339(key.created),
            "updateTime": _rfc3339(key.deleted or key.created),
            "restrictions": {"apiTargets": [{"service": s} for s in key.targets]},
            "etag": key.etag,
        }
        if key.deleted is not None:
            resource["deleteTime"] = _rfc3339(key.deleted)
        if with_string:
            resource["keyString"] = self._strings[key.key_id]
        return resource

    def _accepted_for_gemini(self, request: Request) -> Optional[Reply]:
        """Gemini's own endpoint also checks the key's API targets."""
        if not request.path.endswith("/v1beta/models"):
            return None
        value = request.api_key()
        with self.lock:
            key_id = self.keys.key_id(value) if value else None
            key = self.api_keys.get(key_id) if key_id else None
        if key is not None and key.targets and GEMINI_SERVICE not in key.targets:
            return _google_error(403, "PERMISSION_DENIED", "Requests to this API are blocked.")
        return None

    def dispatch(self, request: Request) -> Reply:
        """App API, else the API Keys API."""
        blocked = self._accepted_for_gemini(request)
        if blocked is not None:
            return blocked
        answer = app_reply(self.app, request, self.clock())
        if answer is not None:
            return answer
        if not request.path.startswith("/v2/"):
            return _google_error(404, "NOT_FOUND", "Unknown path")
        token = request.bearer()
        if token is None or (self.tokens is not None and not self.tokens.valid(token)):
            return _google_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        path = request.path[len("/v2/") :]
        with self.lock:
            self._purge()
            if path.startswith("operations/") and request.method == "GET":
                return self._operation(path)
            match = re.fullmatch(r"projects/([^/]+)/locations/([^/]+)/keys(?:/([^/:]+))?(/keyString|:undelete)?", path)
            if match is None:
                return _google_error(404, "NOT_FOUND", "Unknown path")
            project, location, key_id, tail = match.groups()
            if project != self.project:
                return _google_error(403, "PERMISSION_DENIED", f"Permission denied on project {project}.")
            if location != "global":
                return _google_error(400, "INVALID_ARGUMENT", "Key is a global resource: location must be global.")
            if key_id is None:
                if request.method == "POST":
                    return self._create(request)
                if request.method == "GET":
                    return self._list(request)
            else:
                key = self.api_keys.get(key_id)
                if key is None:
                    return _google_error(404, "NOT_FOUND", f"Key {key_id} not found.")
                if tail == "/keyString" and request.method == "GET":
                    if key.deleted is not None:
                        return _google_error(404, "NOT_FOUND", f"Key {key_id} not found.")
                    return json_reply(200, {"keyString": self._strings[key_id]})
                if tail == ":undelete" and request.method == "POST":
                    return self._undelete(key)
                if tail is None and request.method == "GET":
                    if key.deleted is not None and request.param("showDeleted") != "true":
                        return _google_error(404, "NOT_FOUND", f"Key {key_id} not found.")
                    return json_reply(200, self._resource(key))
                if tail is None and request.method == "DELETE":
                    return self._delete(key, request)
        return _google_error(405, "METHOD_NOT_ALLOWED", "Method not allowed")

    def _create(self, request: Request) -> Reply:
        key_id = request.param("keyId") or secrets.token_hex(8)
        if not _KEY_ID.fullmatch(key_id) or _UUID.fullmatch(key_id):
            return _google_error(400, "INVALID_ARGUMENT", f"Invalid key id {key_id}.")
        if key_id in self.api_keys:
            return _google_error(409, "ALREADY_EXISTS", f"Key {key_id} already exists.")
        if self.max_keys is not None and len(self.api_keys) >= self.max_keys:
            return _google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded for API keys in this project.")
        body = request.json()
        targets = tuple(str(t.get("service")) for t in (body.get("restrictions") or {}).get("apiTargets", []))
        key = ApiKey(key_id, str(uuid.uuid4()), str(body.get("displayName") or ""), self.clock(), targets)
        value = "AIza" + "".join(secrets.choice(_KEY_CHARS) for _ in range(35))
        self.api_keys[key_id] = key
        self._strings[key_id] = value
        self.keys.add(key_id, value)
        return json_reply(200, self._start({**self._resource(key, with_string=True)}))

    def _start(self, response: dict[str, Any]) -> dict[str, Any]:
        name = f"operations/akmf.p7-{secrets.token_hex(8)}"
        done = self.operation_polls <= 0
        self._operations[name] = {"polls": self.operation_polls, "response": response}
        operation: dict[str, Any] = {"name": name, "done": done}
        if done:
            operation["response"] = {"@type": "type.googleapis.com/google.api.apikeys.v2.Key", **response}
        return operation

    def _operation(self, name: str) -> Reply:
        operation = self._operations.get(name)
        if operation is None:
            return _google_error(404, "NOT_FOUND", f"Operation {name} not found.")
        operation["polls"] -= 1
        if operation["polls"] > 0:
            return json_reply(200, {"name": name, "done": False})
        response = {"@type": "type.googleapis.com/google.api.apikeys.v2.Key", **operation["response"]}
        return json_reply(200, {"name": name, "done": True, "response": response})

    def _list(self, request: Request) -> Reply:
        show_deleted = request.param("showDeleted") == "true"
        size = min(int(request.param("pageSize") or self.page_size), self.page_size)
        start = int(request.param("pageToken") or 0)
        keys = [k for k in self.api_keys.values() if show_deleted or k.deleted is None]
        page = keys[start : start + size]
        body: dict[str, Any] = {"keys": [self._resource(k) for k in page]}
        if start + size < len(keys):
            body["nextPageToken"] = str(start + size)
        return json_reply(200, body)

    def _delete(self, key: ApiKey, request: Request) -> Reply:
        etag = request.param("etag")
        if etag and etag != key.etag:
            return _google_error(409, "ABORTED", "The etag does not match.")
        if key.deleted is None:
            key.deleted = self.clock()
            self.keys.revoke(key.key_id)
        return json_reply(200, self._start(self._resource(key)))

    def _undelete(self, key: ApiKey) -> Reply:
        if key.deleted is not None:
            key.deleted = None
            self.keys.add(key.key_id, self._strings[key.key_id])
        return json_reply(200, self._start(self._resource(key)))

    def __repr__(self) -> str:
        return f"GoogleApiKeysStandIn({self.url!r}, keys={len(self.api_keys)})"
