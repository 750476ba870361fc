"""API Gateway's data plane for one usage plan, over moto's control plane.

moto's apigateway holds the keys and the plan (``CreateApiKey``, ``CreateUsagePlanKey``, ``DeleteApiKey``); this
stand-in is the gateway in front of the API: a request with ``x-api-key`` (or a Bearer token, for SDK clients) is
accepted only if the key is in the plan, enabled, and was first seen at least ``activation_delay`` seconds ago
(on the stand-in's clock), since a new key works only after a delay ("always a brief delay between when a new API
key is created and when it becomes fully active/usable; no workaround", awsdocs/aws-secrets-manager-docs#5). Else
403 ``{"message": "Forbidden"}``, as the gateway answers. The keys are read back from moto on every request (and by
:meth:`sync`), so the ledger sees each key the rotator adds or deletes.

Every path is a route of the API: the shared app endpoints answer in their shapes, any other path ``200 {"ok": true}``
(the rotator's probe).
"""

import time
from typing import Any, Callable, Optional

from ._keys import AppApi, KeyLedger, app_reply
from ._server import Reply, Request, StandIn, json_reply

__all__ = ["ApiGatewayDataPlane"]


class ApiGatewayDataPlane(StandIn):
    """The gateway for ``usage_plan_id``'s keys (named with ``prefix``), read from ``apigateway`` (a boto3 client)."""

    def __init__(
        self,
        apigateway: Any,
        usage_plan_id: str,
        *,
        prefix: str = "",
        activation_delay: float = 30.0,
        clock: Callable[[], float] = time.time,
        reject_status: int = 403,
    ) -> None:
        self._api = apigateway
        self.usage_plan_id = usage_plan_id
        self.prefix = prefix
        self.activation_delay = activation_delay
        self.keys = KeyLedger(clock)
        self.first_seen: dict[str, float] = {}
        self.app = AppApi(self.accepted, reject_status)
        self.refused_inactive = 0
        """Requests refused because their key was in the plan but not active yet."""
        super().__init__(clock=clock)

    def _pages(self, call: Callable[..., Any], **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        position: Optional[str] = None
        while True:
            page = call(**kwargs, **({"position": position} if position else {}))
            items.extend(page.get("items", []))
            position = page.get("position")
            if not position:
                return items

    def sync(self) -> None:
        """Read the plan's keys from the control plane; record the new ones and the ones gone."""
        in_plan = {str(k["id"]) for k in self._pages(self._api.get_usage_plan_keys, usagePlanId=self.usage_plan_id)}
        keys = self._pages(self._api.get_api_keys, includeValues=True)
        live = {
            str(k["id"]): str(k["value"])
            for k in keys
            if str(k["id"]) in in_plan and k.get("enabled", True) and str(k.get("name", "")).startswith(self.prefix)
        }
        with self.lock:
            # Keys gone first: a key deleted and another made since the last look were never live together.
            for value in self.keys.live_values():
                if self.keys.key_id(value) not in live:
                    self.keys.revoke_value(value)
            for key_id, value in live.items():
                if key_id not in self.first_seen:
                    self.first_seen[key_id] = self.clock()
                if not self.keys.is_live(value):
                    self.keys.add(key_id, value)

    def accepted(self, value: str) -> bool:
        """Whether the gateway lets the key through now."""
        self.sync()
        with self.lock:
            key_id = self.keys.key_id(value)
            if key_id is None:
                return False
            if self.clock() - self.first_seen[key_id] < self.activation_delay:
                self.refused_inactive += 1
                return False
            return True

    def dispatch(self, request: Request) -> Reply:
        """App endpoints, else any route: 200 for an accepted key, 403 otherwise."""
        answer = app_reply(self.app, request, self.clock())
        if answer is not None:
            return answer
        key = request.api_key()
        if key is not None and self.accepted(key):
            return json_reply(200, {"ok": True})
        return json_reply(403, {"message": "Forbidden"})

    def __repr__(self) -> str:
        return f"ApiGatewayDataPlane({self.url!r}, usage_plan_id={self.usage_plan_id!r})"
