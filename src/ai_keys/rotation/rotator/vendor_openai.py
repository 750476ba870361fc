"""OpenAI project keys: one project service account per rotation, made and deleted with the admin API.

Calls (platform.openai.com/docs/api-reference/project-service-accounts; checked against the bump.sh copy of the
OpenAPI spec): ``POST /v1/organization/projects/{project}/service_accounts`` with ``{name}`` answers
``{id, name, created_at, api_key: {id, value, ...}}`` -- the only time the key's value is shown;
``GET .../service_accounts?limit&after`` answers ``{data: [{id, name, created_at}], has_more, last_id}``;
``DELETE .../service_accounts/{id}`` deletes the account and its key. All take the admin key as a Bearer token.

A service account per rotation, not a second key on one account: deleting the account is the one revoke that is
documented for every key it holds, and the account id is the key id the store keeps. Only accounts whose name
starts with the prefix are the rotator's.
"""

import secrets
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from . import logsafe
from .engine import LiveKey, Minted
from .http import HttpClient, HttpError
from .settings import Settings

__all__ = ["OpenAIVendor"]

_REFUSED = frozenset({401, 403})


class OpenAIVendor:
    """The prefixed service accounts of one OpenAI project."""

    slots = False
    identifies = False

    def __init__(
        self,
        project: str,
        prefix: str,
        admin_key: Callable[[], str],
        http: HttpClient,
        *,
        base: str = "https://api.openai.com",
        probe: bool = True,
    ) -> None:
        self.project = project
        self.prefix = prefix
        self.base = base.rstrip("/")
        self.probe_enabled = probe
        self._admin_key = admin_key
        self._http = http

    @classmethod
    def from_settings(cls, settings: Settings, admin_key: Callable[[], str], http: HttpClient) -> "OpenAIVendor":
        """The vendor for ``AIKEYS_OPENAI_PROJECT``; ``admin_key`` reads ``AIKEYS_ADMIN_KEY_REF`` from the store."""
        assert settings.openai_project is not None
        prefix = settings.key_prefix
        if settings.openai_service_account:
            prefix = f"{settings.openai_service_account}-{prefix}"
        return cls(settings.openai_project, prefix, admin_key, http, base=settings.endpoint("OPENAI"))

    def _path(self, tail: str = "") -> str:
        return f"{self.base}/v1/organization/projects/{self.project}/service_accounts{tail}"

    def _auth(self) -> dict[str, str]:
        key = self._admin_key()
        logsafe.hide(key)
        return {"Authorization": f"Bearer {key}"}

    def _accounts(self) -> list[dict[str, Any]]:
        accounts: list[dict[str, Any]] = []
        after: Optional[str] = None
        while True:
            page = self._http.request("GET", self._path(), headers=self._auth(), query={"limit": 100, "after": after})
            data = page.data or {}
            accounts.extend(data.get("data", []))
            after = data.get("last_id")
            if not data.get("has_more") or not after:
                return accounts

    def live_keys(self) -> Sequence[LiveKey]:
        """The project's service accounts named with the prefix (each holds one key)."""
        return [
            LiveKey(str(a["id"]), _from_unix(a.get("created_at")))
            for a in self._accounts()
            if str(a.get("name", "")).startswith(self.prefix)
        ]

    def identify(self, value: str) -> Optional[str]:
        """``None``: OpenAI never shows a key again (the store's version label names the account)."""
        return None

    def mint(self, current_key_id: Optional[str]) -> Minted:
        """Make a service account (sent once unless refused outright: a retry could make a second key)."""
        name = f"{self.prefix}{time.strftime('%Y%m%d', time.gmtime())}-{secrets.token_hex(3)}"
        answer = self._http.request("POST", self._path(), headers=self._auth(), body={"name": name}).data
        return Minted(str(answer["id"]), str(answer["api_key"]["value"]))

    def revoke(self, key_id: str) -> None:
        """Delete the service account and its key (one already gone is fine)."""
        try:
            self._http.request("DELETE", self._path(f"/{key_id}"), headers=self._auth())
        except HttpError as error:
            if error.status != 404:
                raise

    def probe(self, value: str) -> bool:
        """Whether ``GET /v1/models`` accepts the key yet."""
        if not self.probe_enabled:
            return True
        answer = self._http.request("GET", f"{self.base}/v1/models", headers={"Authorization": f"Bearer {value}"}, check=False)
        return answer.status not in _REFUSED

    def __repr__(self) -> str:
        return f"OpenAIVendor(project={self.project!r}, prefix={self.prefix!r})"


def _from_unix(value: Any) -> Optional[datetime]:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    return None
