"""OpenAI's admin API for project service accounts, and its app API for their keys.

Admin (``Authorization: Bearer <admin key>``; any other token gets 401, an unknown project 404):
``POST /v1/organization/projects/{project}/service_accounts`` ``{name}`` -> the account with ``api_key.value``
(shown once), ``GET .../service_accounts?limit&after`` -> ``{object: list, data, first_id, last_id, has_more}``,
``GET`` and ``DELETE .../service_accounts/{id}``. Deleting an account revokes its key.

App: the shared endpoints (``/v1/models``, ``/v1/chat/completions``, ``/v1/messages``) for the live keys.
"""

import secrets
import string
import time
from typing import Any, Callable, Optional

from ._keys import AppApi, KeyLedger, app_reply
from ._server import Reply, Request, StandIn, json_reply

__all__ = ["OpenAIStandIn"]

_ALPHABET = string.ascii_letters + string.digits + "_-"


class OpenAIStandIn(StandIn):
    """OpenAI on 127.0.0.1: one organization holding ``projects``; ``admin_key`` authorises the admin API."""

    def __init__(
        self,
        admin_key: str,
        projects: tuple[str, ...] = ("proj_standin",),
        *,
        clock: Callable[[], float] = time.time,
        page_limit: int = 100,
        reject_status: int = 401,
    ) -> None:
        self._admin_key = admin_key
        self.projects = projects
        self.page_limit = page_limit
        self.keys = KeyLedger(clock)
        self.accounts: dict[str, dict[str, Any]] = {}
        """Service accounts by id (``project``, ``name``, ``created_at``); values are never kept here."""
        self._values: dict[str, str] = {}
        self.app = AppApi(self.keys.is_live, reject_status)
        super().__init__(clock=clock)

    @property
    def project(self) -> str:
        """The first project's id."""
        return self.projects[0]

    def dispatch(self, request: Request) -> Reply:
        """Admin API, else app API, else 404."""
        answer = app_reply(self.app, request, self.clock())
        if answer is not None:
            return answer
        parts = [p for p in request.path.split("/") if p]
        if parts[:3] != ["v1", "organization", "projects"] or len(parts) < 5 or parts[4] != "service_accounts":
            return _error(404, "not_found", "Unknown path")
        if request.bearer() != self._admin_key:
            return _error(401, "invalid_api_key", "Incorrect API key provided.")
        project = parts[3]
        if project not in self.projects:
            return _error(404, "not_found", f"No such project: {project}")
        if len(parts) == 5:
            if request.method == "POST":
                return self._create(project, request)
            if request.method == "GET":
                return self._list(project, request)
        elif len(parts) == 6:
            account = self.accounts.get(parts[5])
            if account is None or account["project"] != project:
                return _error(404, "not_found", f"No such service account: {parts[5]}")
            if request.method == "GET":
                return json_reply(200, _public(parts[5], account))
            if request.method == "DELETE":
                return self._delete(parts[5])
        return _error(405, "method_not_allowed", "Method not allowed")

    def _create(self, project: str, request: Request) -> Reply:
        name = request.json().get("name")
        if not isinstance(name, str) or not name:
            return _error(400, "invalid_request_error", "name is required")
        account_id = "svc_acct_" + secrets.token_hex(12)
        value = "sk-svcacct-" + "".join(secrets.choice(_ALPHABET) for _ in range(74))
        created = int(self.clock())
        with self.lock:
            self.accounts[account_id] = {"project": project, "name": name, "created_at": created}
            self._values[account_id] = value
            self.keys.add(account_id, value)
        api_key = {
            "object": "organization.project.service_account.api_key",
            "value": value,
            "name": "Secret Key",
            "created_at": created,
            "id": "key_" + secrets.token_hex(8),
        }
        return json_reply(200, {**_public(account_id, self.accounts[account_id]), "api_key": api_key})

    def _list(self, project: str, request: Request) -> Reply:
        limit = min(int(request.param("limit") or 20), self.page_limit)
        after = request.param("after")
        with self.lock:
            ids = [i for i, a in self.accounts.items() if a["project"] == project]
        if after in ids:
            ids = ids[ids.index(after) + 1 :]
        page = ids[:limit]
        data = [_public(i, self.accounts[i]) for i in page]
        return json_reply(
            200,
            {
                "object": "list",
                "data": data,
                "first_id": page[0] if page else None,
                "last_id": page[-1] if page else None,
                "has_more": len(ids) > limit,
            },
        )

    def _delete(self, account_id: str) -> Reply:
        with self.lock:
            self.accounts.pop(account_id, None)
            value = self._values.pop(account_id, None)
            if value is not None:
                self.keys.revoke_value(value)
        return json_reply(200, {"object": "organization.project.service_account.deleted", "id": account_id, "deleted": True})

    def live_accounts(self, prefix: str = "") -> list[str]:
        """Ids of the accounts whose name starts with ``prefix``."""
        with self.lock:
            return [i for i, a in self.accounts.items() if str(a["name"]).startswith(prefix)]

    def value_of(self, account_id: str) -> Optional[str]:
        """A live account's key (for tests that seed or compare)."""
        with self.lock:
            return self._values.get(account_id)

    def __repr__(self) -> str:
        return f"OpenAIStandIn({self.url!r}, accounts={len(self.accounts)})"


def _public(account_id: str, account: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "organization.project.service_account",
        "id": account_id,
        "name": account["name"],
        "role": "member",
        "created_at": account["created_at"],
    }


def _error(status: int, code: str, message: str) -> Reply:
    return json_reply(status, {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}})
