"""Access tokens of the function's own identity: GCP's metadata server and Azure's managed identity endpoint.

Each token is kept until a minute before it expires. Tokens are never logged.
"""

import threading
import time
from typing import Callable, Optional

from . import logsafe
from .http import HttpClient

__all__ = ["AzureIdentity", "GcpMetadata", "TokenSource"]

TokenSource = Callable[[], str]
"""Returns a bearer token."""

_MARGIN = 60.0


class _Cached:
    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, float]] = {}

    def get(self, key: str, fetch: Callable[[], tuple[str, float]]) -> str:
        with self._lock:
            held = self._tokens.get(key)
            if held is not None and held[1] - _MARGIN > self._clock():
                return held[0]
            token, expires_at = fetch()
            logsafe.hide(token)
            self._tokens[key] = (token, expires_at)
            return token


class GcpMetadata:
    """The default service account's token from the metadata server (Cloud Run functions).

    ``GET {base}/computeMetadata/v1/instance/service-accounts/default/token`` with ``Metadata-Flavor: Google``
    answers ``{"access_token", "expires_in", "token_type"}`` (cloud.google.com/compute/docs/access/
    authenticate-workloads#applications; the installed google-auth asks the same host with the same header,
    google/auth/compute_engine/_metadata.py).
    """

    PATH = "/computeMetadata/v1/instance/service-accounts/default/token"

    def __init__(self, base: str, http: HttpClient, clock: Callable[[], float] = time.time) -> None:
        self.base = base.rstrip("/")
        self._http = http
        self._clock = clock
        self._cache = _Cached(clock)

    def __call__(self) -> str:
        """A token for the Google APIs (scope cloud-platform)."""
        return self._cache.get("default", self._fetch)

    def _fetch(self) -> tuple[str, float]:
        answer = self._http.request("GET", self.base + self.PATH, headers={"Metadata-Flavor": "Google"}).data
        return str(answer["access_token"]), self._clock() + float(answer.get("expires_in", 300))

    def __repr__(self) -> str:
        return f"GcpMetadata({self.base!r})"


class AzureIdentity:
    """The function app's managed identity token (App Service / Functions ``IDENTITY_ENDPOINT``).

    ``GET {IDENTITY_ENDPOINT}?resource=R&api-version=2019-08-01`` with ``X-IDENTITY-HEADER: {IDENTITY_HEADER}``
    answers ``{"access_token", "expires_on", "resource", "token_type"}`` (learn.microsoft.com/azure/app-service/
    overview-managed-identity#rest-endpoint-reference; the installed azure-identity sends the same request,
    azure/identity/_credentials/app_service.py).
    """

    API_VERSION = "2019-08-01"

    def __init__(
        self,
        endpoint: str,
        header: str,
        http: HttpClient,
        clock: Callable[[], float] = time.time,
        client_id: Optional[str] = None,
    ) -> None:
        self.endpoint = endpoint
        self._header = header
        self._http = http
        self._clock = clock
        self._client_id = client_id
        self._cache = _Cached(clock)

    def token(self, resource: str) -> str:
        """A token for ``resource`` (``https://vault.azure.net``, ``https://management.azure.com``)."""
        return self._cache.get(resource, lambda: self._fetch(resource))

    def source(self, resource: str) -> TokenSource:
        """A :data:`TokenSource` for one resource."""
        return lambda: self.token(resource)

    def _fetch(self, resource: str) -> tuple[str, float]:
        query = {"resource": resource, "api-version": self.API_VERSION, "client_id": self._client_id}
        answer = self._http.request("GET", self.endpoint, headers={"X-IDENTITY-HEADER": self._header}, query=query).data
        expires_on = answer.get("expires_on")
        try:
            expires_at = float(expires_on) if expires_on is not None else self._clock() + 300
        except (TypeError, ValueError):
            expires_at = self._clock() + 300
        return str(answer["access_token"]), expires_at

    def __repr__(self) -> str:
        return f"AzureIdentity({self.endpoint!r})"
