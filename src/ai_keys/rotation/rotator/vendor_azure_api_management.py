"""Azure API Management subscription keys: two fixed slots, the primary and the secondary key of one subscription.

Calls, on the subscription's ARM id (``/subscriptions/S/resourceGroups/G/providers/Microsoft.ApiManagement/service/
SVC/subscriptions/SID``; learn.microsoft.com/rest/api/apimanagement/subscription): ``POST {subscription}/listSecrets``
-> ``{primaryKey, secondaryKey}`` (SubscriptionKeysContract), and ``POST {subscription}/regeneratePrimaryKey`` or
``/regenerateSecondaryKey`` -> ``204 No Content`` (the new key is read with ``listSecrets`` after). The api-version is
the one the installed azure-native SDK uses for ``apimanagement.list_subscription_secrets`` and ``Subscription``
("Uses Azure REST API version 2024-05-01", pulumi_azure_native/apimanagement/list_subscription_secrets.py).

Both keys are always live: the gateway accepts either. A rotation regenerates the key that is not current, which
revokes the value it held at once; clients on the current key keep working until the next rotation.

The probe (only with ``AIKEYS_PROBE_URL``) sends the key in ``Ocp-Apim-Subscription-Key``, the gateway's default
header (learn.microsoft.com/azure/api-management/api-management-subscriptions); the gateway answers 401 to a key it
does not accept. Without a probe URL the rotator relies on ``listSecrets``: a key ARM lists is the subscription's.
"""

from collections.abc import Sequence
from typing import Any, Optional

from .engine import LiveKey, Minted
from .http import HttpClient
from .settings import Settings
from .tokens import TokenSource

__all__ = ["API_VERSION", "PROBE_HEADER", "SLOTS", "AzureApiManagementVendor"]

API_VERSION = "2024-05-01"
SLOTS = ("primary", "secondary")
PROBE_HEADER = "Ocp-Apim-Subscription-Key"
"""The gateway's default subscription key header (an API may rename it; the probe uses the default)."""
_FIELDS = {"primary": "primaryKey", "secondary": "secondaryKey"}  # SubscriptionKeysContract
_ACTIONS = {"primary": "regeneratePrimaryKey", "secondary": "regenerateSecondaryKey"}
_REFUSED = frozenset({401, 403})


class AzureApiManagementVendor:
    """The two keys of one API Management subscription."""

    slots = True
    identifies = True

    def __init__(
        self,
        subscription_id: str,
        token: TokenSource,
        http: HttpClient,
        *,
        base: str = "https://management.azure.com",
        probe_url: Optional[str] = None,
    ) -> None:
        self.subscription_id = "/" + subscription_id.strip("/")
        self.base = base.rstrip("/")
        self.probe_url = probe_url
        self._token = token
        self._http = http

    @classmethod
    def from_settings(cls, settings: Settings, token: TokenSource, http: HttpClient) -> "AzureApiManagementVendor":
        """The vendor for ``AIKEYS_APIM_SUBSCRIPTION_ID``."""
        assert settings.apim_subscription_id is not None
        return cls(settings.apim_subscription_id, token, http, base=settings.endpoint("ARM"), probe_url=settings.probe_url)

    def _post(self, action: str) -> dict[str, Any]:
        answer = self._http.request(
            "POST",
            f"{self.base}{self.subscription_id}/{action}",
            headers={"Authorization": f"Bearer {self._token()}"},
            query={"api-version": API_VERSION},
            # listSecrets changes nothing; regenerating a key twice leaves one new key in its slot, as once does.
            idempotent=True,
        )
        return dict(answer.data or {})

    def _keys(self) -> dict[str, str]:
        listed = self._post("listSecrets")
        return {slot: str(listed.get(field) or "") for slot, field in _FIELDS.items()}

    def live_keys(self) -> Sequence[LiveKey]:
        """Both keys, always."""
        return [LiveKey(slot) for slot in SLOTS]

    def identify(self, value: str) -> Optional[str]:
        """Which key ``value`` is (``listSecrets``), or ``None`` if neither."""
        for slot, held in self._keys().items():
            if held and held == value:
                return slot
        return None

    def mint(self, current_key_id: Optional[str]) -> Minted:
        """Regenerate the key that is not current (the primary if the current one is not known), then read it."""
        slot = "secondary" if current_key_id == "primary" else "primary"
        self._post(_ACTIONS[slot])  # 204: the new value comes only from listSecrets
        value = self._keys()[slot]
        if not value:
            raise RuntimeError(f"listSecrets returned no {slot} key after regenerating it")
        return Minted(slot, value)

    def revoke(self, key_id: str) -> None:
        """Nothing: a key is revoked by regenerating its slot, which the next :meth:`mint` does."""

    def probe(self, value: str) -> bool:
        """Whether the gateway accepts the key yet (``True`` without a probe URL)."""
        if not self.probe_url:
            return True
        answer = self._http.request("GET", self.probe_url, headers={PROBE_HEADER: value}, check=False)
        return answer.status not in _REFUSED

    def __repr__(self) -> str:
        return f"AzureApiManagementVendor(subscription_id={self.subscription_id!r})"
