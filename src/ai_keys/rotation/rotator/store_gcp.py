"""Google Secret Manager: the secret's enabled versions, over REST (v1) with the function's own token.

The current version is the newest enabled one (what ``versions/latest`` serves), the previous one the enabled
version before it. A version carries no metadata, so the engine asks the vendor which key a value is. After each
write the versions older than the previous one are destroyed, not disabled: their keys are revoked already, and
Secret Manager bills every version that is not destroyed, enabled or disabled ($0.06 per active version per location
per month; cloud.google.com/secret-manager/pricing), so disabled versions would cost more with every rotation. At
most two versions are kept (three between a write and its clean-up). ``roles/secretmanager.secretVersionManager``,
which the deploy grants on this secret, allows ``secretmanager.versions.destroy``.

Calls (cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets.versions):
``GET /v1/{secret}/versions`` -> ``{versions: [{name, createTime, state}], nextPageToken}``,
``GET /v1/{version}:access`` -> ``{payload: {data (base64)}}``, ``POST /v1/{secret}:addVersion`` with
``{payload: {data}}``, ``POST /v1/{version}:destroy`` (the data is gone for good; with a ``versionDestroyTtl`` on
the secret, the version is disabled and shows ``scheduledDestroyTime`` until then).
"""

import base64
from typing import Any, Optional

from . import logsafe
from .engine import Version
from .http import HttpClient, parse_time
from .settings import Settings
from .tokens import TokenSource

__all__ = ["GcpStore"]


def _number(name: str) -> int:
    try:
        return int(name.rsplit("/", 1)[-1])
    except ValueError:
        return -1


class GcpStore:
    """One secret's versions in Secret Manager."""

    def __init__(
        self, secret: str, token: TokenSource, http: HttpClient, base: str = "https://secretmanager.googleapis.com"
    ) -> None:
        self.secret = secret
        self.base = base.rstrip("/")
        self._token = token
        self._http = http

    @classmethod
    def from_settings(cls, settings: Settings, token: TokenSource, http: HttpClient) -> "GcpStore":
        """The store for ``AIKEYS_SECRET`` (``projects/P/secrets/S``)."""
        return cls(settings.secret, token, http, settings.endpoint("SECRETMANAGER"))

    @property
    def ref(self) -> str:
        """``projects/P/secrets/S``."""
        return self.secret

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self._token()}"}
        return self._http.request(method, f"{self.base}/v1/{path}", headers=headers, **kwargs).data

    def versions(self) -> list[dict[str, Any]]:
        """Every version, newest first."""
        found: list[dict[str, Any]] = []
        token: Optional[str] = None
        while True:
            page = self._call("GET", f"{self.secret}/versions", query={"pageSize": 100, "pageToken": token}) or {}
            found.extend(page.get("versions", []))
            token = page.get("nextPageToken")
            if not token:
                break
        return sorted(found, key=lambda v: _number(str(v.get("name", ""))), reverse=True)

    def _enabled(self) -> list[dict[str, Any]]:
        return [v for v in self.versions() if v.get("state") == "ENABLED"]

    def _read(self, version: dict[str, Any]) -> Version:
        name = str(version["name"])
        answer = self._call("GET", f"{name}:access")
        value = base64.b64decode(answer["payload"]["data"]).decode()
        logsafe.hide(value)
        return Version(name, value, None, parse_time(version.get("createTime")))

    def current(self) -> Optional[Version]:
        """The newest enabled version."""
        enabled = self._enabled()
        return self._read(enabled[0]) if enabled else None

    def previous(self) -> Optional[Version]:
        """The enabled version before the newest."""
        enabled = self._enabled()
        return self._read(enabled[1]) if len(enabled) > 1 else None

    def write_current(self, value: str, key_id: Optional[str]) -> None:
        """Add a version; then destroy the versions older than the previous one."""
        data = base64.b64encode(value.encode()).decode()
        self._call("POST", f"{self.secret}:addVersion", body={"payload": {"data": data}})
        self.destroy_old()

    def destroy_old(self) -> list[str]:
        """Destroy every version older than the previous one (the second-newest enabled) that is not destroyed yet,
        disabled ones included; returns their names. Nothing while there is no previous version."""
        versions = self.versions()
        enabled = [v for v in versions if v.get("state") == "ENABLED"]
        if len(enabled) < 2:
            return []
        oldest_kept = _number(str(enabled[1]["name"]))
        stale = [
            str(v["name"])
            for v in versions
            # A version scheduled for destruction (the secret's versionDestroyTtl) is disabled until then: leave it.
            if _number(str(v.get("name", ""))) < oldest_kept
            and v.get("state") != "DESTROYED"
            and not v.get("scheduledDestroyTime")
        ]
        for name in stale:
            self._call("POST", f"{name}:destroy", body={}, idempotent=True)
        return stale

    def forget(self, key_id: str) -> None:
        """Nothing: versions carry no label."""

    def __repr__(self) -> str:
        return f"GcpStore({self.secret!r})"
