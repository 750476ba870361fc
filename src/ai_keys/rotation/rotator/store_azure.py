"""Azure Key Vault: the secret's versions, over REST (api-version 7.4) with the function's managed identity.

The current version is what ``GET secrets/{name}`` serves; the previous one is the newest other enabled version.
Each version written carries the tag ``ai-keys-key-id`` (the vendor's id of its key) and an expiry of now + the
period + 30 days: Key Vault publishes ``SecretNearExpiry`` 30 days before a version expires, which starts the next
rotation.

Calls (learn.microsoft.com/rest/api/keyvault/secrets; 7.4 is one of the installed azure-keyvault-secrets' API
versions, azure/keyvault/secrets/_shared/client_base.py): ``GET {vault}/secrets/{name}`` and
``GET {vault}/secrets/{name}/{version}`` -> ``{value, id, attributes: {enabled, created, exp}, tags}``;
``GET {vault}/secrets/{name}/versions`` -> ``{value: [{id, attributes, tags}], nextLink}`` (no values);
``PUT {vault}/secrets/{name}`` with ``{value, attributes: {exp}, tags}``. Tokens are for ``https://vault.azure.net``.
"""

from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

from . import logsafe
from .engine import Version
from .http import HttpClient, HttpError
from .settings import Settings
from .tokens import TokenSource

__all__ = ["API_VERSION", "KEY_ID_TAG", "NEAR_EXPIRY", "AzureStore"]

API_VERSION = "7.4"
KEY_ID_TAG = "ai-keys-key-id"
NEAR_EXPIRY = timedelta(days=30)
"""How long before a version's expiry Key Vault publishes SecretNearExpiry."""


def _from_unix(value: Any) -> Optional[datetime]:
    return datetime.fromtimestamp(value, tz=timezone.utc) if isinstance(value, (int, float)) else None


class AzureStore:
    """One Key Vault secret. ``url`` is ``https://VAULT.vault.azure.net/secrets/NAME`` (or an override's host)."""

    def __init__(
        self,
        url: str,
        token: TokenSource,
        http: HttpClient,
        every_days: int,
        now: Callable[[], datetime],
        url_for: Callable[[str], str] = lambda ref: ref,
    ) -> None:
        self.url = url.rstrip("/")
        parts = urlsplit(self.url)
        self.vault = f"{parts.scheme}://{parts.netloc}"
        self.name = parts.path.rstrip("/").rsplit("/", 1)[-1]
        self.every_days = every_days
        self._token = token
        self._http = http
        self._now = now
        self._url_for = url_for

    @classmethod
    def from_settings(cls, settings: Settings, token: TokenSource, http: HttpClient, now: Callable[[], datetime]) -> "AzureStore":
        """The store for ``AIKEYS_SECRET`` (on ``AIKEYS_ENDPOINT_KEYVAULT`` when set)."""
        return cls(settings.keyvault_url(settings.secret), token, http, settings.every_days, now, settings.keyvault_url)

    @property
    def ref(self) -> str:
        """The secret's URL."""
        return self.url

    def _call(self, method: str, url: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self._token()}"}
        # A nextLink carries its own query (api-version and the page marker).
        query = None if "?" in url else {"api-version": API_VERSION}
        return self._http.request(method, url, headers=headers, query=query, body=body).data

    def _version(self, bundle: dict[str, Any]) -> Version:
        value = bundle.get("value")
        if isinstance(value, str):
            logsafe.hide(value)
        attributes = bundle.get("attributes") or {}
        return Version(
            str(bundle.get("id", "")).rsplit("/", 1)[-1],
            value if isinstance(value, str) else None,
            (bundle.get("tags") or {}).get(KEY_ID_TAG),
            _from_unix(attributes.get("created")),
        )

    def current(self) -> Optional[Version]:
        """The version readers get."""
        try:
            return self._version(self._call("GET", self.url))
        except HttpError as error:
            if error.status == 404:
                return None
            raise

    def _listed(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        url: Optional[str] = f"{self.url}/versions"
        seen: set[str] = set()
        while url:
            if url in seen:  # a nextLink that leads back: stop rather than loop
                raise RuntimeError("Key Vault's version list repeats a page")
            seen.add(url)
            page = self._call("GET", url) or {}
            items.extend(page.get("value", []))
            link = page.get("nextLink")
            url = self._url_for(link) if link else None
        return items

    def previous(self) -> Optional[Version]:
        """The newest enabled version other than the current one (its value if Key Vault still serves it)."""
        current = self.current()
        others = [
            item
            for item in self._listed()
            if (item.get("attributes") or {}).get("enabled", True)
            and str(item.get("id", "")).rsplit("/", 1)[-1] != (current.ref if current else None)
        ]
        if not others:
            return None
        # Newest first; Key Vault's times are whole seconds, so on a tie a version naming its key wins over one that
        # does not (the placeholder, written by the deploy just before the first key).
        newest = max(
            others,
            key=lambda item: ((item.get("attributes") or {}).get("created", 0), KEY_ID_TAG in (item.get("tags") or {})),
        )
        try:
            return self._version(self._call("GET", self._url_for(str(newest["id"]))))
        except HttpError as error:
            if error.status != 403:  # an expired version: Key Vault may refuse its value, its tag is enough
                raise
            return self._version({**newest, "value": None})

    def write_current(self, value: str, key_id: Optional[str]) -> None:
        """Write a version that expires one period and 30 days from now, tagged with its key's id."""
        expires = self._now() + timedelta(days=self.every_days) + NEAR_EXPIRY
        body: dict[str, Any] = {"value": value, "attributes": {"enabled": True, "exp": int(expires.timestamp())}}
        if key_id is not None:
            body["tags"] = {KEY_ID_TAG: key_id}
        self._call("PUT", self.url, body=body)

    def forget(self, key_id: str) -> None:
        """Nothing: a tag keeps no version alive."""

    def read_secret(self, ref: str) -> str:
        """Another secret's current value (the admin key's secret, by its URL)."""
        value = str(self._call("GET", self._url_for(ref))["value"])
        logsafe.hide(value)
        return value

    def __repr__(self) -> str:
        return f"AzureStore({self.url!r})"
