"""API Gateway API keys of one usage plan.

A rotation creates a key named with the prefix (``CreateApiKey(name, enabled)``) and adds it to the plan
(``CreateUsagePlanKey(usagePlanId, keyId, keyType=API_KEY)``); the previous key is deleted at the next rotation
(``DeleteApiKey``). A new key works only after a delay ("always a brief delay between when a new API key is created
and when it becomes fully active/usable; no workaround", awsdocs/aws-secrets-manager-docs#5), so the rotator probes
it: ``GET AIKEYS_PROBE_URL`` with ``x-api-key`` is accepted unless the gateway answers 403.

Field names, from botocore's apigateway model (botocore/data/apigateway/2015-07-09/service-2.json):
``CreateApiKey`` answers ``{id, value, name, enabled, createdDate}``; ``GetUsagePlanKeys(usagePlanId, nameQuery,
position, limit)`` answers ``{items: [{id, type, value, name}], position}``; ``GetApiKeys(nameQuery,
includeValues, position, limit)`` answers ``{items: [{id, name, value?, enabled, createdDate}], position}``.
"""

import secrets
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from . import aws_clients
from .engine import LiveKey, Minted
from .http import HttpClient
from .settings import Settings

__all__ = ["ApiGatewayVendor"]


def _aware(value: Any) -> Optional[datetime]:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return None


class ApiGatewayVendor:
    """The prefixed keys of one usage plan."""

    slots = False
    identifies = True

    def __init__(
        self,
        usage_plan_id: str,
        prefix: str,
        probe_url: str,
        apigateway: Any,
        apigateway_once: Any,
        http: HttpClient,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.usage_plan_id = usage_plan_id
        self.prefix = prefix
        self.probe_url = probe_url
        self._api = apigateway
        self._api_once = apigateway_once
        self._http = http
        self._sleep = sleep

    @classmethod
    def from_settings(
        cls, settings: Settings, http: HttpClient, sleep: Callable[[float], None] = time.sleep
    ) -> "ApiGatewayVendor":
        """The vendor for ``AIKEYS_USAGE_PLAN_ID`` and ``AIKEYS_PROBE_URL``."""
        assert settings.usage_plan_id is not None
        assert settings.probe_url is not None
        return cls(
            settings.usage_plan_id,
            settings.key_prefix,
            settings.probe_url,
            aws_clients.client("apigateway", settings),
            aws_clients.client_once("apigateway", settings),
            http,
            sleep,
        )

    def _pages(self, call: Callable[..., Any], **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        position: Optional[str] = None
        while True:
            page = call(**kwargs, **({"position": position} if position else {}), limit=500)
            items.extend(page.get("items", []))
            position = page.get("position")
            if not position:
                return items

    def _keys(self, include_values: bool = False) -> list[dict[str, Any]]:
        """The account's API keys named with the prefix."""
        keys = self._pages(self._api.get_api_keys, nameQuery=self.prefix, includeValues=include_values)
        return [key for key in keys if str(key.get("name", "")).startswith(self.prefix)]

    def live_keys(self) -> Sequence[LiveKey]:
        """The plan's keys named with the prefix that still exist and are enabled."""
        in_plan = {
            str(key["id"])
            for key in self._pages(self._api.get_usage_plan_keys, usagePlanId=self.usage_plan_id, nameQuery=self.prefix)
            if str(key.get("name", "")).startswith(self.prefix)
        }
        return [
            LiveKey(str(key["id"]), _aware(key.get("createdDate")))
            for key in self._keys()
            if str(key["id"]) in in_plan and key.get("enabled", True)
        ]

    def identify(self, value: str) -> Optional[str]:
        """The id of the prefixed key whose value is ``value``."""
        for key in self._keys(include_values=True):
            if key.get("value") == value:
                return str(key["id"])
        return None

    def mint(self, current_key_id: Optional[str]) -> Minted:
        """Create a key and add it to the plan (a key the plan refuses is deleted again)."""
        name = f"{self.prefix}{time.strftime('%Y%m%d', time.gmtime())}-{secrets.token_hex(4)}"
        key = aws_clients.create_once(self._api_once.create_api_key, self._sleep, name=name, enabled=True)
        key_id, value = str(key["id"]), str(key["value"])
        try:
            aws_clients.create_once(
                self._api_once.create_usage_plan_key,
                self._sleep,
                usagePlanId=self.usage_plan_id,
                keyId=key_id,
                keyType="API_KEY",
            )
        except Exception:
            self.revoke(key_id)
            raise
        return Minted(key_id, value)

    def revoke(self, key_id: str) -> None:
        """Delete the key (deleting removes it from its plans; a key already gone is fine)."""
        try:
            self._api.delete_api_key(apiKey=key_id)
        except Exception as error:
            if aws_clients.error_code(error) != "NotFoundException":
                raise

    def probe(self, value: str) -> bool:
        """Whether the gateway accepts the key yet: anything but 403 means it does."""
        answer = self._http.request("GET", self.probe_url, headers={"x-api-key": value}, check=False)
        return answer.status != 403

    def __repr__(self) -> str:
        return f"ApiGatewayVendor(usage_plan_id={self.usage_plan_id!r}, prefix={self.prefix!r})"
