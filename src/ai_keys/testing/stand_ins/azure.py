"""Azure: the managed identity token endpoint, one AI Services account's keys (ARM), one API Management subscription's
keys (ARM and the gateway), and Key Vault's secrets.

* :class:`IdentityStandIn`: App Service's ``IDENTITY_ENDPOINT`` (``GET ?resource=R&api-version=2019-08-01`` with
  ``X-IDENTITY-HEADER``) -> ``{access_token, expires_on, resource, token_type}``
  (learn.microsoft.com/azure/app-service/overview-managed-identity#rest-endpoint-reference).
* :class:`AzureAiServicesStandIn`: ``POST {account}/listKeys`` and ``POST {account}/regenerateKey``
  ``{"keyName": "Key1"|"Key2"}`` -> ``{key1, key2}``; regenerating a slot revokes its old key at once
  (learn.microsoft.com/azure/ai-services/rotate-keys); any other key name is a 400. App: the shared endpoints, the
  key as ``api-key`` (Azure's header) or any of the others.
* :class:`AzureApiManagementStandIn`: ``POST {subscription}/listSecrets`` -> ``{primaryKey, secondaryKey}``,
  ``POST {subscription}/regeneratePrimaryKey`` or ``/regenerateSecondaryKey`` -> 204 (learn.microsoft.com/rest/api/
  apimanagement/subscription); regenerating a key revokes its old value at once, so exactly two keys are live. The
  gateway takes the key in ``Ocp-Apim-Subscription-Key`` or the ``subscription-key`` query parameter only (APIM's
  default names, learn.microsoft.com/azure/api-management/api-management-subscriptions), and answers any other
  key, or none, with 401 "Access denied due to invalid subscription key"; the shared app endpoints answer in their
  shapes, any other path ``200 {"ok": true}``.
* :class:`KeyVaultStandIn`: ``GET secrets/{name}[/{version}]``, ``GET secrets/{name}/versions`` (no values,
  ``maxresults`` and ``nextLink``), ``PUT secrets/{name}`` with ``{value, attributes: {exp, enabled}, tags}``
  (learn.microsoft.com/rest/api/keyvault/secrets); a request without a token gets the 401 Bearer challenge; at most
  15 tags of 512 characters (about-secrets). A disabled version answers 403 ``SecretDisabled``; so does an
  expired one (``SecretExpired``) while ``refuse_expired`` is on (the default), as the documentation says Key Vault
  does -- though the service has been seen to serve expired versions (Azure/AzureKeyVault#19): the stricter rule
  makes a rotator that lets a version expire fail its tests.
"""

import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ._keys import AppApi, KeyLedger, app_reply
from ._server import Reply, Request, StandIn, json_reply

__all__ = ["ARM", "KEYVAULT", "AzureAiServicesStandIn", "AzureApiManagementStandIn", "IdentityStandIn", "KeyVaultStandIn"]

KEYVAULT = "https://vault.azure.net"
ARM = "https://management.azure.com"
_SECRET_NAME = re.compile(r"[0-9a-zA-Z-]{1,127}")
MAX_TAGS = 15
MAX_TAG_CHARS = 512
KEYVAULT_DATED_API_VERSIONS = ("2016-10-01", "2025-07-01", "2026-04-01")
"""Key Vault's api-versions named by date (azure-keyvault-secrets 4.12 sends 2026-04-01 by default); the others are
``7.x``."""


def _azure_error(status: int, code: str, message: str, inner: Optional[str] = None) -> Reply:
    error: dict[str, Any] = {"code": code, "message": message}
    if inner:
        error["innererror"] = {"code": inner}
    return json_reply(status, {"error": error})


class IdentityStandIn(StandIn):
    """Managed identity tokens; :attr:`endpoint` and :attr:`header` are what ``IDENTITY_ENDPOINT`` and
    ``IDENTITY_HEADER`` hold."""

    PATH = "/msi/token"

    def __init__(self, *, clock: Callable[[], float] = time.time, lifetime: int = 3600) -> None:
        self.header = secrets.token_hex(16)
        self.lifetime = lifetime
        self._tokens: dict[str, tuple[str, float]] = {}
        self.issued: dict[str, int] = {}
        super().__init__(clock=clock)

    @property
    def endpoint(self) -> str:
        """The token endpoint's URL."""
        return self.url + self.PATH

    def valid(self, token: Optional[str], resource: str) -> bool:
        """Whether ``token`` was issued here for ``resource`` and has not expired."""
        with self.lock:
            held = self._tokens.get(token or "")
            return held is not None and held[0] == resource and held[1] > self.clock()

    def dispatch(self, request: Request) -> Reply:
        """Issue a token for ``resource``."""
        if request.path != self.PATH or request.method != "GET":
            return json_reply(404, {"error": "not_found"})
        if request.header("x-identity-header") != self.header:
            return json_reply(401, {"error": "invalid_request", "error_description": "missing or wrong X-IDENTITY-HEADER"})
        resource = (request.param("resource") or "").rstrip("/")
        if not resource or request.param("api-version") != "2019-08-01":
            return json_reply(400, {"error": "invalid_request", "error_description": "resource and api-version needed"})
        token = "eyJ0eXAiOiJKV1Qi.standin." + secrets.token_urlsafe(24)
        expires = int(self.clock()) + self.lifetime
        with self.lock:
            self._tokens[token] = (resource, float(expires))
            self.issued[resource] = self.issued.get(resource, 0) + 1
        return json_reply(
            200,
            {
                "access_token": token,
                "expires_on": str(expires),
                "resource": resource,
                "token_type": "Bearer",
                "client_id": "standin",
            },
        )


class AzureAiServicesStandIn(StandIn):
    """One Azure AI Services account's two keys, managed through ARM."""

    ACCOUNT = (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ai-keys/providers/"
        "Microsoft.CognitiveServices/accounts/ai-keys-standin"
    )

    def __init__(
        self,
        account_id: str = ACCOUNT,
        *,
        clock: Callable[[], float] = time.time,
        identity: Optional[IdentityStandIn] = None,
        api_versions: tuple[str, ...] = ("2025-06-01", "2024-10-01"),
        reject_status: int = 401,
    ) -> None:
        self.account_id = "/" + account_id.strip("/")
        self.identity = identity
        self.api_versions = api_versions
        self.keys = KeyLedger(clock)
        self.slots: dict[str, str] = {}
        self.regenerated: dict[str, int] = {"key1": 0, "key2": 0}
        self.app = AppApi(self.keys.is_live, reject_status)
        super().__init__(clock=clock)
        with self.lock:
            for slot in ("key1", "key2"):
                self._regenerate(slot)
            self.regenerated = {"key1": 0, "key2": 0}

    def _regenerate(self, slot: str) -> None:
        old = self.slots.get(slot)
        if old is not None:
            self.keys.revoke_value(old)
        value = secrets.token_hex(16)
        self.slots[slot] = value
        self.keys.add(slot, value)
        self.regenerated[slot] += 1

    def dispatch(self, request: Request) -> Reply:
        """App API, else listKeys / regenerateKey."""
        answer = app_reply(self.app, request, self.clock())
        if answer is not None:
            return answer
        token = request.bearer()
        if token is None or (self.identity is not None and not self.identity.valid(token, ARM)):
            return _azure_error(401, "InvalidAuthenticationToken", "The access token is invalid.")
        if request.param("api-version") not in self.api_versions:
            return _azure_error(400, "InvalidApiVersionParameter", "The api-version is invalid.")
        if request.method != "POST" or request.path.rsplit("/", 1)[0].lower() != self.account_id.lower():
            return _azure_error(404, "ResourceNotFound", "The resource was not found.")
        action = request.path.rsplit("/", 1)[1]
        with self.lock:
            if action == "listKeys":
                return json_reply(200, dict(self.slots))
            if action == "regenerateKey":
                name = request.json().get("keyName")
                slot = {"Key1": "key1", "Key2": "key2"}.get(str(name))
                if slot is None:
                    return _azure_error(400, "BadRequest", "The key name must be Key1 or Key2.")
                self._regenerate(slot)
                return json_reply(200, dict(self.slots))
        return _azure_error(404, "ResourceNotFound", f"No action {action}.")

    def __repr__(self) -> str:
        return f"AzureAiServicesStandIn({self.url!r})"


class AzureApiManagementStandIn(StandIn):
    """One API Management subscription's primary and secondary keys, managed through ARM, and the gateway in front of
    the subscription's APIs."""

    SUBSCRIPTION = (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ai-keys/providers/"
        "Microsoft.ApiManagement/service/apim-standin/subscriptions/client-standin"
    )
    KEY_HEADER = "ocp-apim-subscription-key"
    KEY_QUERY = "subscription-key"
    REFUSAL = {
        "statusCode": 401,
        "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.",
    }
    """The gateway's answer to a key it does not accept."""
    _ACTIONS = {"regeneratePrimaryKey": "primary", "regenerateSecondaryKey": "secondary"}

    def __init__(
        self,
        subscription_id: str = SUBSCRIPTION,
        *,
        clock: Callable[[], float] = time.time,
        identity: Optional[IdentityStandIn] = None,
        api_versions: tuple[str, ...] = ("2024-05-01", "2022-08-01"),
    ) -> None:
        self.subscription_id = "/" + subscription_id.strip("/")
        self.identity = identity
        self.api_versions = api_versions
        self.keys = KeyLedger(clock)
        self.slots: dict[str, str] = {}
        self.regenerated: dict[str, int] = {"primary": 0, "secondary": 0}
        self.app = AppApi(self.keys.is_live, 401, key_of=self.key_of, refusal=dict(self.REFUSAL))
        super().__init__(clock=clock)
        with self.lock:
            for slot in ("primary", "secondary"):
                self._regenerate(slot)
            self.regenerated = {"primary": 0, "secondary": 0}

    @classmethod
    def key_of(cls, request: Request) -> Optional[str]:
        """The subscription key as the gateway reads it: its header, else its query parameter."""
        return request.header(cls.KEY_HEADER) or request.param(cls.KEY_QUERY)

    def _regenerate(self, slot: str) -> None:
        # The old value stops working before the new one exists: never three keys, as API Management has two slots.
        old = self.slots.get(slot)
        if old is not None:
            self.keys.revoke_value(old)
        value = secrets.token_hex(16)  # 32 lowercase hex digits, as API Management generates them
        self.slots[slot] = value
        self.keys.add(slot, value)
        self.regenerated[slot] += 1

    def _secrets(self) -> dict[str, str]:
        return {"primaryKey": self.slots["primary"], "secondaryKey": self.slots["secondary"]}

    def dispatch(self, request: Request) -> Reply:
        """ARM (a path under the subscription's id), else the gateway."""
        if not request.path.startswith("/subscriptions/"):
            return self._gateway(request)
        token = request.bearer()
        if token is None or (self.identity is not None and not self.identity.valid(token, ARM)):
            return _azure_error(401, "InvalidAuthenticationToken", "The access token is invalid.")
        if request.param("api-version") not in self.api_versions:
            return _azure_error(400, "InvalidApiVersionParameter", "The api-version is invalid.")
        parent, _, action = request.path.rpartition("/")
        if request.method != "POST" or parent.lower() != self.subscription_id.lower():
            return _azure_error(404, "ResourceNotFound", "The resource was not found.")
        with self.lock:
            if action == "listSecrets":
                return json_reply(200, self._secrets())
            slot = self._ACTIONS.get(action)
            if slot is not None:
                self._regenerate(slot)
                return Reply(204)
        return _azure_error(404, "ResourceNotFound", f"No action {action}.")

    def _gateway(self, request: Request) -> Reply:
        answer = app_reply(self.app, request, self.clock())
        if answer is not None:
            return answer
        key = self.key_of(request)
        if key is not None and self.keys.is_live(key):
            return json_reply(200, {"ok": True})
        return json_reply(401, dict(self.REFUSAL))

    def __repr__(self) -> str:
        return f"AzureApiManagementStandIn({self.url!r})"


@dataclass
class SecretVersion:
    """One version of a Key Vault secret."""

    version: str
    value: str = field(repr=False)
    created: float
    exp: Optional[float] = None
    enabled: bool = True
    tags: dict[str, str] = field(default_factory=dict)
    content_type: Optional[str] = None


class KeyVaultStandIn(StandIn):
    """Key Vault's secrets API (7.x and :data:`KEYVAULT_DATED_API_VERSIONS`) on 127.0.0.1; tokens checked against
    ``identity`` when given."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        identity: Optional[IdentityStandIn] = None,
        refuse_expired: bool = True,
        page_size: int = 25,
    ) -> None:
        self.identity = identity
        self.refuse_expired = refuse_expired
        self.page_size = page_size
        self.secrets: dict[str, list[SecretVersion]] = {}
        """Versions per secret name, oldest first."""
        super().__init__(clock=clock)

    def set_secret(self, name: str, value: str, *, exp: Optional[float] = None, tags: Optional[dict[str, str]] = None) -> str:
        """Write a version directly (what a deploy does); returns its version id."""
        with self.lock:
            version = SecretVersion(uuid.uuid4().hex, value, self.clock(), exp, True, dict(tags or {}))
            self.secrets.setdefault(name, []).append(version)
            return version.version

    def versions(self, name: str) -> list[SecretVersion]:
        """A secret's versions, oldest first."""
        with self.lock:
            return list(self.secrets.get(name, []))

    def current_value(self, name: str) -> Optional[str]:
        """The newest version's value (what a reader gets)."""
        with self.lock:
            versions = self.secrets.get(name)
            return versions[-1].value if versions else None

    def secret_url(self, name: str) -> str:
        """The secret's URL on this stand-in."""
        return f"{self.url}/secrets/{name}"

    def _bundle(self, name: str, version: SecretVersion, *, with_value: bool) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            "enabled": version.enabled,
            "created": int(version.created),
            "updated": int(version.created),
            "recoveryLevel": "Recoverable+Purgeable",
            "recoverableDays": 90,
        }
        if version.exp is not None:
            attributes["exp"] = int(version.exp)
        bundle: dict[str, Any] = {"id": f"{self.url}/secrets/{name}/{version.version}", "attributes": attributes}
        if version.tags:
            bundle["tags"] = dict(version.tags)
        if version.content_type:
            bundle["contentType"] = version.content_type
        if with_value:
            bundle["value"] = version.value
        return bundle

    def dispatch(self, request: Request) -> Reply:
        """The secrets API."""
        token = request.bearer()
        challenge = (
            'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", '
            f'resource="{KEYVAULT}"'
        )
        if token is None:
            return Reply(401, {"error": {"code": "Unauthorized", "message": "AKV10000"}}, {"WWW-Authenticate": challenge})
        if self.identity is not None and not self.identity.valid(token, KEYVAULT):
            # The challenge again (RFC 6750 section 3: a 401 for a token that does not grant access carries it): the
            # SDK's challenge policy then gets a new token and sends the request once more, which is how a client
            # whose token expired in flight recovers.
            return Reply(
                401,
                {"error": {"code": "Unauthorized", "message": "AKV10032: Invalid issuer."}},
                {"WWW-Authenticate": challenge + ', error="invalid_token"'},
            )
        api_version = request.param("api-version") or ""
        if not (api_version.startswith("7.") or api_version in KEYVAULT_DATED_API_VERSIONS):
            return _azure_error(400, "BadParameter", "The api-version parameter is missing or invalid.")
        parts = [p for p in request.path.split("/") if p]
        if not parts or parts[0] != "secrets" or len(parts) not in (2, 3):
            return _azure_error(400, "BadParameter", "Unknown path.")
        name = parts[1]
        if not _SECRET_NAME.fullmatch(name):
            return _azure_error(400, "BadParameter", "The secret name is invalid.")
        with self.lock:
            if request.method == "PUT" and len(parts) == 2:
                return self._put(name, request)
            if request.method == "GET" and len(parts) == 3 and parts[2] == "versions":
                return self._list(name, request)
            if request.method == "GET":
                return self._get(name, parts[2] if len(parts) == 3 else None)
        return _azure_error(405, "MethodNotAllowed", "Method not allowed.")

    def _get(self, name: str, version_id: Optional[str]) -> Reply:
        versions = self.secrets.get(name, [])
        found = versions[-1:] if version_id is None else [v for v in versions if v.version == version_id]
        if not found:
            return _azure_error(404, "SecretNotFound", f"A secret with (name/id) {name} was not found in this key vault.")
        version = found[0]
        if not version.enabled:
            return _azure_error(403, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled")
        if self.refuse_expired and version.exp is not None and version.exp <= self.clock():
            return _azure_error(403, "Forbidden", "Operation get is not allowed on an expired secret.", "SecretExpired")
        return json_reply(200, self._bundle(name, version, with_value=True))

    def _list(self, name: str, request: Request) -> Reply:
        versions = self.secrets.get(name)
        if versions is None:
            return _azure_error(404, "SecretNotFound", f"A secret with (name/id) {name} was not found in this key vault.")
        size = min(int(request.param("maxresults") or self.page_size), self.page_size)
        start = int(request.param("$skiptoken") or 0)
        page = versions[start : start + size]
        body: dict[str, Any] = {"value": [self._bundle(name, v, with_value=False) for v in page]}
        body["nextLink"] = (
            f"{self.url}/secrets/{name}/versions?api-version=7.4&maxresults={size}&$skiptoken={start + size}"
            if start + size < len(versions)
            else None
        )
        return json_reply(200, body)

    def _put(self, name: str, request: Request) -> Reply:
        body = request.json()
        value = body.get("value")
        if not isinstance(value, str):
            return _azure_error(400, "BadParameter", "Property value is required.")
        if len(value.encode()) > 25 * 1024:
            return _azure_error(400, "BadParameter", "The secret value exceeds 25 KB.")
        tags = body.get("tags") or {}
        if len(tags) > MAX_TAGS or any(len(str(k)) > MAX_TAG_CHARS or len(str(v)) > MAX_TAG_CHARS for k, v in tags.items()):
            return _azure_error(400, "BadParameter", "Too many tags, or a tag too long.")
        attributes = body.get("attributes") or {}
        exp = attributes.get("exp")
        version = SecretVersion(
            uuid.uuid4().hex,
            value,
            self.clock(),
            float(exp) if isinstance(exp, (int, float)) else None,
            bool(attributes.get("enabled", True)),
            {str(k): str(v) for k, v in tags.items()},
            body.get("contentType"),
        )
        self.secrets.setdefault(name, []).append(version)
        return json_reply(200, self._bundle(name, version, with_value=True))

    def __repr__(self) -> str:
        return f"KeyVaultStandIn({self.url!r}, secrets={len(self.secrets)})"
