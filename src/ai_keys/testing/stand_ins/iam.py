"""IAM service-specific credentials (Bedrock API keys), in the IAM Query protocol, so boto3's ``iam`` client works
against it with ``endpoint_url`` (moto 5.2.6 has no CreateServiceSpecificCredential).

Requests are form posts (``Action=...&Version=2010-05-08&...``); answers are XML in the
``https://iam.amazonaws.com/doc/2010-05-08/`` namespace, errors ``<ErrorResponse><Error><Code>``. Shapes and codes
follow botocore's IAM model (botocore/data/iam/2010-05-08/service-2.json): Create, List, Update, Delete and Reset
ServiceSpecificCredential; ``LimitExceeded`` (409) past two credentials per user and service ("You can have a
maximum of two sets of service-specific credentials for each supported service per user", the operation's
documentation), ``NoSuchEntity`` (404), ``ServiceNotSupported`` (400).

A credential made with ``CredentialAgeDays`` expires that many days after it was made: it then lists as
``Expired`` and authenticates nothing, and the ledger records its end at the expiry itself. :attr:`IamStandIn.expiries`
keeps every credential's expiry, deleted ones included.

App: the shared endpoints accept the ``ServiceCredentialSecret`` of an Active, unexpired Bedrock credential.
"""

import base64
import secrets
import string
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Optional
from xml.sax.saxutils import escape

from ._keys import AppApi, KeyLedger, app_reply
from ._server import Reply, Request, StandIn

__all__ = ["BEDROCK", "IamStandIn"]

BEDROCK = "bedrock.amazonaws.com"
SERVICES = frozenset({BEDROCK, "codecommit.amazonaws.com", "cassandra.amazonaws.com", "logs.amazonaws.com"})
_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
_ALNUM = string.ascii_uppercase + string.digits


@dataclass
class Credential:
    """One service-specific credential (the secret is kept by the stand-in only)."""

    credential_id: str
    user: str
    service: str
    alias: str
    created: float
    expires: Optional[float]
    status: str = "Active"

    def state(self, now: float) -> str:
        """``Active``, ``Inactive`` or ``Expired``."""
        return "Expired" if self.expires is not None and now >= self.expires else self.status


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class IamStandIn(StandIn):
    """IAM on 127.0.0.1 for ``users``' service-specific credentials; :attr:`resets` counts Reset calls."""

    def __init__(
        self,
        users: tuple[str, ...] = ("ai-keys-bedrock",),
        *,
        account: str = "123456789012",
        clock: Callable[[], float] = time.time,
        max_per_service: int = 2,
        reject_status: int = 401,
    ) -> None:
        self.users = set(users)
        self.account = account
        self.max_per_service = max_per_service
        self.credentials: dict[str, Credential] = {}
        self._secrets: dict[str, str] = {}
        self.keys = KeyLedger(clock)
        self.resets = 0
        """ResetServiceSpecificCredential calls (a rotation must never make one: it leaves no overlap)."""
        self.expiries: dict[str, Optional[float]] = {}
        """Every credential made, by id, and when it expires (``None``: made without ``CredentialAgeDays``)."""
        self.app = AppApi(self.accepts, reject_status)
        super().__init__(clock=clock)

    def add_user(self, name: str) -> None:
        """Create an IAM user."""
        with self.lock:
            self.users.add(name)

    def accepts(self, value: str) -> bool:
        """Whether the app API accepts the key now (credentials past their age are retired first)."""
        with self.lock:
            self._expire()
            return self.keys.is_live(value)

    def _expire(self) -> None:
        now = self.clock()
        for credential in self.credentials.values():
            if credential.state(now) == "Expired":
                self.keys.revoke(credential.credential_id, at=credential.expires)

    def live(self, user: Optional[str] = None, service: str = BEDROCK) -> list[str]:
        """Ids of the Active, unexpired credentials (of ``user``)."""
        with self.lock:
            now = self.clock()
            return [
                c.credential_id
                for c in self.credentials.values()
                if c.service == service and (user is None or c.user == user) and c.state(now) == "Active"
            ]

    def operation(self, request: Request) -> str:
        """The form's ``Action`` (``faults.fail_next(match="CreateServiceSpecificCredential")``)."""
        return request.form().get("Action", "") if request.method == "POST" else ""

    def fault_reply(self, status: int, retry_after: Optional[float]) -> Reply:
        """IAM's error format: ``Throttling`` for a 429, ``ServiceFailure`` otherwise."""
        code = "Throttling" if status == 429 else "ServiceFailure"
        reply = _error(status, code, "injected fault")
        if retry_after is not None:
            reply.headers["Retry-After"] = f"{retry_after:g}"
        return reply

    def dispatch(self, request: Request) -> Reply:
        """The app API, else an IAM action."""
        answer = app_reply(self.app, request, self.clock())
        if answer is not None:
            return answer
        if request.method != "POST":
            return _error(404, "NotFound", "IAM takes form posts")
        form = request.form()
        action = form.get("Action", "")
        handler = {
            "CreateServiceSpecificCredential": self._create,
            "ListServiceSpecificCredentials": self._list,
            "UpdateServiceSpecificCredential": self._update,
            "DeleteServiceSpecificCredential": self._delete,
            "ResetServiceSpecificCredential": self._reset,
        }.get(action)
        if handler is None:
            return _error(400, "InvalidAction", f"Could not find operation {action}")
        with self.lock:
            self._expire()
            return handler(form)

    def _user(self, form: dict[str, str]) -> Optional[str]:
        user = form.get("UserName")
        return user if user in self.users else None

    def _create(self, form: dict[str, str]) -> Reply:
        user, service = self._user(form), form.get("ServiceName", "")
        if user is None:
            return _error(404, "NoSuchEntity", f"The user with name {form.get('UserName')} cannot be found.")
        if service not in SERVICES:
            return _error(400, "ServiceNotSupported", f"Service {service} is not supported.")
        held = [c for c in self.credentials.values() if c.user == user and c.service == service]
        if len(held) >= self.max_per_service:
            return _error(
                409,
                "LimitExceeded",
                f"Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: {self.max_per_service}",
            )
        now = self.clock()
        days = form.get("CredentialAgeDays")
        if days and not 1 <= int(days) <= 36_600:
            return _error(400, "ValidationError", "CredentialAgeDays must be between 1 and 36600.")
        credential = Credential(
            "ACCA" + "".join(secrets.choice(_ALNUM) for _ in range(17)),
            user,
            service,
            f"{user}+{secrets.token_hex(2)}-at-{self.account}",
            now,
            now + int(days) * 86400 if days else None,
        )
        secret = "ABSK" + base64.b64encode(f"{credential.alias}:{secrets.token_urlsafe(45)}".encode()).decode()
        self.credentials[credential.credential_id] = credential
        self.expiries[credential.credential_id] = credential.expires
        self._secrets[credential.credential_id] = secret
        self.keys.add(credential.credential_id, secret)
        body = _member(credential, now, wrap="ServiceSpecificCredential", secret=secret)
        return _ok("CreateServiceSpecificCredential", body)

    def _list(self, form: dict[str, str]) -> Reply:
        user = self._user(form)
        if user is None:
            return _error(404, "NoSuchEntity", f"The user with name {form.get('UserName')} cannot be found.")
        service = form.get("ServiceName")
        now = self.clock()
        members = "".join(
            _member(c, now, wrap="member")
            for c in self.credentials.values()
            if c.user == user and (not service or c.service == service)
        )
        body = f"<ServiceSpecificCredentials>{members}</ServiceSpecificCredentials><IsTruncated>false</IsTruncated>"
        return _ok("ListServiceSpecificCredentials", body)

    def _find(self, form: dict[str, str]) -> Optional[Credential]:
        credential = self.credentials.get(form.get("ServiceSpecificCredentialId", ""))
        user = form.get("UserName")
        if credential is None or (user and credential.user != user):
            return None
        return credential

    def _update(self, form: dict[str, str]) -> Reply:
        credential = self._find(form)
        if credential is None:
            return _error(404, "NoSuchEntity", "The service-specific credential cannot be found.")
        status = form.get("Status")
        if status not in ("Active", "Inactive"):
            return _error(400, "ValidationError", "Status must be Active or Inactive")
        credential.status = status
        if status == "Inactive":
            self.keys.revoke(credential.credential_id)
        elif not self.keys.is_live(self._secrets[credential.credential_id]) and credential.state(self.clock()) == "Active":
            self.keys.add(credential.credential_id, self._secrets[credential.credential_id])
        return _ok("UpdateServiceSpecificCredential", None)

    def _delete(self, form: dict[str, str]) -> Reply:
        credential = self._find(form)
        if credential is None:
            return _error(404, "NoSuchEntity", "The service-specific credential cannot be found.")
        del self.credentials[credential.credential_id]
        self._secrets.pop(credential.credential_id, None)
        self.keys.revoke(credential.credential_id)
        return _ok("DeleteServiceSpecificCredential", None)

    def _reset(self, form: dict[str, str]) -> Reply:
        self.resets += 1
        credential = self._find(form)
        if credential is None:
            return _error(404, "NoSuchEntity", "The service-specific credential cannot be found.")
        self.keys.revoke(credential.credential_id)
        secret = "ABSK" + base64.b64encode(f"{credential.alias}:{secrets.token_urlsafe(45)}".encode()).decode()
        self._secrets[credential.credential_id] = secret
        if credential.state(self.clock()) == "Active":
            self.keys.add(credential.credential_id, secret)
        body = _member(credential, self.clock(), wrap="ServiceSpecificCredential", secret=secret)
        return _ok("ResetServiceSpecificCredential", body)

    def __repr__(self) -> str:
        return f"IamStandIn({self.url!r}, credentials={len(self.credentials)})"


def _member(credential: Credential, now: float, *, wrap: str, secret: Optional[str] = None) -> str:
    fields = [
        ("UserName", credential.user),
        ("Status", credential.state(now)),
        ("ServiceCredentialAlias", credential.alias),
        ("CreateDate", _iso(credential.created)),
        ("ServiceSpecificCredentialId", credential.credential_id),
        ("ServiceName", credential.service),
    ]
    if credential.expires is not None:
        fields.append(("ExpirationDate", _iso(credential.expires)))
    if secret is not None:
        fields.append(("ServiceCredentialSecret", secret))
    inner = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields)
    return f"<{wrap}>{inner}</{wrap}>"


def _ok(action: str, result: Optional[str]) -> Reply:
    request_id = str(uuid.uuid4())
    inner = f"<{action}Result>{result}</{action}Result>" if result is not None else ""
    xml = (
        f'<{action}Response xmlns="{_NS}">{inner}'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
    )
    return Reply(200, xml, content_type="text/xml")


def _error(status: int, code: str, message: str) -> Reply:
    kind = "Receiver" if status >= 500 else "Sender"
    xml = (
        f'<ErrorResponse xmlns="{_NS}"><Error><Type>{kind}</Type><Code>{code}</Code>'
        f"<Message>{escape(message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
    return Reply(status, xml, content_type="text/xml")
