"""Gemini (Google API) keys of one project, through the API Keys API v2 over REST.

Calls (docs.cloud.google.com/api-keys/docs/reference/rest/v2): ``projects.locations.keys.create``
``POST /v2/projects/P/locations/global/keys?keyId=ID`` (a long-running operation, polled with
``GET /v2/operations/*``; the location is always ``global``), ``keys.getKeyString``
``GET /v2/{name}/keyString`` -> ``{keyString}`` (the only way to read a value back), ``keys.list``
``GET /v2/projects/P/locations/global/keys`` -> ``{keys, nextPageToken}``, and ``keys.delete``
``DELETE /v2/{name}``.

Deleting is a SOFT delete: a deleted key stops working at once, but Google keeps it for 30 days (it can be
undeleted, and its id stays taken) before purging it. So a project holds the keys of the last 30 days' rotations
besides the two live ones.

The key id is the prefix and a short random part; it must match ``[a-z]([a-z0-9-]{0,61}[a-z0-9])?`` and must not
look like a UUID (CreateKeyRequest.key_id). Each key may call only ``AIKEYS_API_TARGETS``
(``restrictions.apiTargets``). Google API keys have no finer grant than the project: the rotator's role
(API Keys Admin) covers every key of the project, which is why it lists and deletes only keys with its prefix.
"""

import re
import secrets
import time
from collections.abc import Sequence
from typing import Any, Callable, Optional

from .engine import LiveKey, Minted, RetryLater
from .http import HttpClient, HttpError, parse_time
from .settings import Settings
from .tokens import TokenSource

__all__ = ["GeminiVendor"]

_KEY_ID = re.compile(r"[a-z]([a-z0-9-]{0,61}[a-z0-9])?")
_OPERATION_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0)
# A Gemini call with a key it does not accept: 400 API_KEY_INVALID, or 401/403.
_REFUSED = frozenset({400, 401, 403})


class GeminiVendor:
    """The prefixed API keys of one Google Cloud project."""

    slots = False
    identifies = True

    def __init__(
        self,
        project: str,
        prefix: str,
        api_targets: Sequence[str],
        token: TokenSource,
        http: HttpClient,
        *,
        base: str = "https://apikeys.googleapis.com",
        probe_url: Optional[str] = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.project = project
        self.prefix = _id_prefix(prefix)
        self.api_targets = tuple(api_targets)
        self.base = base.rstrip("/")
        self.probe_url = probe_url
        self._token = token
        self._http = http
        self._sleep = sleep
        self._strings: dict[str, str] = {}

    @classmethod
    def from_settings(
        cls, settings: Settings, token: TokenSource, http: HttpClient, sleep: Callable[[float], None] = time.sleep
    ) -> "GeminiVendor":
        """The vendor for ``AIKEYS_PROJECT``; probes ``AIKEYS_PROBE_URL``, else the Gemini API's model list."""
        assert settings.project is not None
        probe = settings.probe_url
        if probe is None and "generativelanguage.googleapis.com" in settings.api_targets:
            probe = settings.endpoint("GENERATIVELANGUAGE") + "/v1beta/models"
        return cls(
            settings.project,
            settings.key_prefix,
            settings.api_targets,
            token,
            http,
            base=settings.endpoint("APIKEYS"),
            probe_url=probe,
            sleep=sleep,
        )

    @property
    def parent(self) -> str:
        """``projects/P/locations/global``."""
        return f"projects/{self.project}/locations/global"

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token()}"}

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._http.request(method, f"{self.base}/v2/{path}", headers=self._auth(), **kwargs).data

    def _managed(self) -> list[dict[str, Any]]:
        """The project's keys (not deleted) whose id starts with the prefix."""
        keys: list[dict[str, Any]] = []
        token: Optional[str] = None
        while True:
            page = self._call("GET", f"{self.parent}/keys", query={"pageSize": 300, "pageToken": token}) or {}
            keys.extend(page.get("keys", []))
            token = page.get("nextPageToken")
            if not token:
                break
        return [k for k in keys if _key_id(k).startswith(self.prefix) and not k.get("deleteTime")]

    def live_keys(self) -> Sequence[LiveKey]:
        """The prefixed keys not deleted."""
        return [LiveKey(_key_id(k), parse_time(k.get("createTime"))) for k in self._managed()]

    def _key_string(self, key_id: str) -> str:
        if key_id not in self._strings:
            answer = self._call("GET", f"{self.parent}/keys/{key_id}/keyString")
            self._strings[key_id] = str(answer["keyString"])
        return self._strings[key_id]

    def identify(self, value: str) -> Optional[str]:
        """The id of the prefixed key whose value is ``value`` (each key's string read with getKeyString)."""
        for key in self._managed():
            key_id = _key_id(key)
            if self._key_string(key_id) == value:
                return key_id
        return None

    def mint(self, current_key_id: Optional[str]) -> Minted:
        """Create a key restricted to the API targets, wait for the operation, read its string."""
        key_id = f"{self.prefix}{secrets.token_hex(4)}"
        if not _KEY_ID.fullmatch(key_id):
            raise ValueError(f"key id {key_id!r} does not match {_KEY_ID.pattern}")
        body = {"displayName": key_id, "restrictions": {"apiTargets": [{"service": s} for s in self.api_targets]}}
        try:
            # Safe to retry: a second create with the same keyId answers 409 instead of making a second key.
            operation = self._call("POST", f"{self.parent}/keys", query={"keyId": key_id}, body=body, idempotent=True)
        except HttpError as error:
            if error.status != 409:
                raise
        else:
            self._wait(operation)
        return Minted(key_id, self._key_string(key_id))

    def _wait(self, operation: Any) -> None:
        for delay in (0.0, *_OPERATION_DELAYS):
            if delay:
                self._sleep(delay)
                operation = self._call("GET", str(operation["name"]))
            if operation.get("done"):
                if operation.get("error"):
                    code = operation["error"].get("code", "?")
                    raise RetryLater(f"creating the key failed (operation error {code})")
                return
        raise RetryLater("creating the key did not finish in time")

    def revoke(self, key_id: str) -> None:
        """Delete the key (soft: Google keeps it 30 days); a key already deleted is fine."""
        try:
            self._call("DELETE", f"{self.parent}/keys/{key_id}")
        except HttpError as error:
            if error.status != 404:
                raise
        self._strings.pop(key_id, None)

    def probe(self, value: str) -> bool:
        """Whether the Gemini API accepts the key yet (``True`` without a probe URL)."""
        if not self.probe_url:
            return True
        answer = self._http.request("GET", self.probe_url, headers={"x-goog-api-key": value}, check=False)
        return answer.status not in _REFUSED

    def __repr__(self) -> str:
        return f"GeminiVendor(project={self.project!r}, prefix={self.prefix!r})"


def _key_id(key: dict[str, Any]) -> str:
    return str(key.get("name", "")).rsplit("/", 1)[-1]


def _id_prefix(prefix: str) -> str:
    """The prefix as a key id may start: lower case, letters, digits and hyphens, starting with a letter."""
    cleaned = re.sub(r"[^a-z0-9-]", "-", prefix.lower())
    if not cleaned or not cleaned[0].isalpha():
        cleaned = "k" + cleaned
    return cleaned[:50]
