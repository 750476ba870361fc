"""Azure AI Services (Azure OpenAI, Cognitive Services) account keys: two fixed slots, key1 and key2.

Calls, on the account's ARM id (learn.microsoft.com/rest/api/aiservices/accountmanagement/accounts):
``POST {account}/listKeys`` -> ``{key1, key2}``, and ``POST {account}/regenerateKey`` with
``{"keyName": "Key1" | "Key2"}`` -> ``{key1, key2}``. The api-version is the one the installed azure-native SDK
uses for ``cognitiveservices.list_account_keys`` ("Uses Azure REST API version 2025-06-01",
pulumi_azure_native/cognitiveservices/list_account_keys.py).

Both slots are always live. A rotation regenerates the slot that is not current, which revokes the previous key
at once ("the older version of that key stops working immediately", learn.microsoft.com/azure/ai-services/
rotate-keys): clients on the current key keep working until the next rotation.
"""

from collections.abc import Sequence
from typing import Any, Optional

from .engine import LiveKey, Minted
from .http import HttpClient
from .settings import Settings
from .tokens import TokenSource

__all__ = ["API_VERSION", "SLOTS", "AzureAiServicesVendor"]

API_VERSION = "2025-06-01"
SLOTS = ("key1", "key2")
_KEY_NAMES = {"key1": "Key1", "key2": "Key2"}  # the KeyName enum of regenerateKey
_REFUSED = frozenset({401, 403})


class AzureAiServicesVendor:
    """The two keys of one account."""

    slots = True
    identifies = True

    def __init__(
        self,
        account_id: str,
        token: TokenSource,
        http: HttpClient,
        *,
        base: str = "https://management.azure.com",
        probe_url: Optional[str] = None,
    ) -> None:
        self.account_id = "/" + account_id.strip("/")
        self.base = base.rstrip("/")
        self.probe_url = probe_url
        self._token = token
        self._http = http

    @classmethod
    def from_settings(cls, settings: Settings, token: TokenSource, http: HttpClient) -> "AzureAiServicesVendor":
        """The vendor for ``AIKEYS_ACCOUNT_ID``."""
        assert settings.account_id is not None
        return cls(settings.account_id, token, http, base=settings.endpoint("ARM"), probe_url=settings.probe_url)

    def _post(self, action: str, body: Any = None) -> dict[str, Any]:
        answer = self._http.request(
            "POST",
            f"{self.base}{self.account_id}/{action}",
            headers={"Authorization": f"Bearer {self._token()}"},
            query={"api-version": API_VERSION},
            body=body,
            # listKeys changes nothing; regenerating a slot twice leaves one new key in it, as once does.
            idempotent=True,
        )
        return dict(answer.data or {})

    def live_keys(self) -> Sequence[LiveKey]:
        """Both slots, always."""
        return [LiveKey(slot) for slot in SLOTS]

    def identify(self, value: str) -> Optional[str]:
        """The slot holding ``value`` (``listKeys``), or ``None`` if neither does."""
        keys = self._post("listKeys")
        for slot in SLOTS:
            if keys.get(slot) == value:
                return slot
        return None

    def mint(self, current_key_id: Optional[str]) -> Minted:
        """Regenerate the slot that is not current (key1 if the current slot is not known)."""
        slot = "key2" if current_key_id == "key1" else "key1"
        keys = self._post("regenerateKey", {"keyName": _KEY_NAMES[slot]})
        return Minted(slot, str(keys[slot]))

    def revoke(self, key_id: str) -> None:
        """Nothing: a slot is revoked by regenerating it, which the next :meth:`mint` does."""

    def probe(self, value: str) -> bool:
        """Whether the account accepts the key yet (``True`` without a probe URL)."""
        if not self.probe_url:
            return True
        answer = self._http.request("GET", self.probe_url, headers={"api-key": value}, check=False)
        return answer.status not in _REFUSED

    def __repr__(self) -> str:
        return f"AzureAiServicesVendor(account_id={self.account_id!r})"
