"""Read AWS Secrets Manager keys through the AWS Secrets Manager Agent or the Parameters and Secrets Lambda extension.

Both run on the node (a host, a container's sidecar, a Lambda function's sandbox), keep a cache of their own, and
answer ``GET /secretsmanager/get?secretId=...`` on localhost only for requests carrying the node's SSRF token in the
``X-Aws-Parameters-Secrets-Token`` header. ``resolve`` reads an AWS reference through one when the environment says so:

* ``AI_KEYS_AWS_SECRETS_AGENT`` set: the agent's URL, ``http://localhost:PORT``, ``http://127.0.0.1:PORT`` or
  ``http://[::1]:PORT`` (no port: 2773). Any other URL is refused: the request carries the node's token, which must
  not leave the node.
* Else ``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`` set (the Lambda extension's port setting): ``http://localhost:PORT``.

The token is the one the agent reads itself: the first of ``AWS_TOKEN``, ``AWS_SESSION_TOKEN`` and
``AWS_CONTAINER_AUTHORIZATION_TOKEN`` that is set; a ``file://PATH`` value names a file holding it. It is read again
at each read, so a token file written after the app started is picked up.

Only the standard library is used: reading through an agent needs no boto3. The request goes straight to the agent,
never through a proxy (``HTTP_PROXY`` is ignored) and never to a redirect's target.
"""

import base64
import binascii
import json
import os
import re
from typing import Mapping, Optional, Tuple
from urllib.parse import urlencode, urlsplit

from ._decode import decode_utf8
from .aws import error_for
from .errors import MissingCredentialsError, SecretAccessDeniedError, SecretReadError, SecretUnavailableError
from .refs import AwsSecretRef

__all__ = [
    "AGENT_URL_VARIABLE",
    "DEFAULT_PORT",
    "EXTENSION_PORT_VARIABLE",
    "TOKEN_HEADER",
    "TOKEN_VARIABLES",
    "AwsSecretsAgent",
    "agent_from_environment",
]

CLOUD = "aws"

AGENT_URL_VARIABLE = "AI_KEYS_AWS_SECRETS_AGENT"
"""The environment variable naming the agent's URL (``http://localhost:2773``); it takes precedence."""
EXTENSION_PORT_VARIABLE = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"
"""The Lambda extension's port setting: set, it means the function reads through the extension on localhost."""
TOKEN_VARIABLES = ("AWS_TOKEN", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN")
"""Where the SSRF token is read from, in the agent's own order: the first one set wins."""
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"
"""The request header carrying the SSRF token."""
DEFAULT_PORT = 2773
"""The agent's and the extension's port when none is given."""

_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
_ACCEPTED = "http://localhost:PORT, http://127.0.0.1:PORT or http://[::1]:PORT"
_PATH = "/secretsmanager/get"
# A secret holds at most 64 KiB; its JSON answer (binary base64-encoded) is well under this.
_MAX_BODY = 1024 * 1024
# An error code the service or the agent gives, quoted in messages only when it looks like one.
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,63}")
# Codes recognised in an answer that is not JSON (an extension answering text).
_TEXT_CODES = (
    "ResourceNotFoundException",
    "AccessDeniedException",
    "DecryptionFailure",
    "InvalidRequestException",
    "ExpiredTokenException",
    "UnrecognizedClientException",
)


class AwsSecretsAgent:
    """The AWS Secrets Manager Agent (or the Lambda extension) at ``url``, a local ``http://`` URL.

    Raises ``ValueError`` for any URL that is not ``http://localhost``, ``http://127.0.0.1`` or ``http://[::1]``
    (with a port or not; 2773 by default) with no user, path, query or fragment; ``setting`` is the name the error
    gives the URL (the environment variable it came from). ``timeout_seconds`` bounds the connection and each wait
    for the answer.
    """

    __slots__ = ("host", "port", "timeout_seconds")

    def __init__(self, url: str, *, timeout_seconds: float = 10.0, setting: str = AGENT_URL_VARIABLE) -> None:
        self.host, self.port = _local_address(url, setting)
        self.timeout_seconds = float(timeout_seconds)

    @property
    def url(self) -> str:
        """The agent's base URL, e.g. ``http://localhost:2773``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def read(self, ref: AwsSecretRef, *, refresh: bool = False, environ: Optional[Mapping[str, str]] = None) -> str:
        """The AWSCURRENT value of the secret ``ref`` names, as the agent serves it.

        With ``refresh`` the agent is asked for ``refreshNow=true``: it reads the store instead of its cache. An agent
        too old to know the parameter answers 400; the read is then made again without it. ``environ`` is where the
        token is read (default ``os.environ``).

        Raises :class:`MissingCredentialsError` when no token is set, :class:`SecretAccessDeniedError` when the agent
        refuses the token or the store denies the agent, :class:`SecretNotFoundError` for a missing secret and
        :class:`SecretUnavailableError` for anything else (retryable when trying again may help). No message holds
        the token or a value.
        """
        variable, token = _token(ref, os.environ if environ is None else environ)
        status, body = self._get(ref, refresh, token)
        if status == 400 and refresh and _service_code(body) is None:
            status, body = self._get(ref, False, token)
        if status == 200:
            return _value(ref, body)
        raise self._error(ref, status, body, variable)

    def _get(self, ref: AwsSecretRef, refresh: bool, token: str) -> Tuple[int, bytes]:
        import http.client  # here: an app that never reads through an agent does not pay for its import

        query = {"secretId": ref.arn, **({"refreshNow": "true"} if refresh else {})}
        connection: Optional[http.client.HTTPConnection] = None
        failure: Optional[SecretReadError] = None
        try:
            # http.client, not urllib: no proxy from the environment, no redirect followed with the token.
            connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_seconds)
            connection.request("GET", f"{_PATH}?{urlencode(query)}", headers={TOKEN_HEADER: token, "Accept": "application/json"})
            response = connection.getresponse()
            body = response.read(_MAX_BODY + 1)
            status = response.status
        except Exception as exc:  # refused, reset, timed out, not HTTP: nothing here holds the token, but keep none of it
            failure = SecretUnavailableError(
                ref.raw, CLOUD, type(exc).__name__, retryable=True, hint=f"the agent at {self.url} did not answer; is it running?"
            )
        finally:
            if connection is not None:
                connection.close()
        if failure is not None:
            raise failure  # outside the except block: the connection's exception must not become its __context__
        if len(body) > _MAX_BODY:
            raise SecretUnavailableError(
                ref.raw, CLOUD, "MalformedResponse", retryable=True, hint="the agent's answer is too large"
            )
        return status, body

    def _error(self, ref: AwsSecretRef, status: int, body: bytes, variable: str) -> SecretReadError:
        code = _service_code(body)
        if code is not None:
            # The store's own answer, relayed by the agent: the same meaning as from the SDK.
            return error_for(ref, code, status, reader="the agent's identity (the node's or the function's role)")
        if status == 403:
            return SecretAccessDeniedError(
                ref.raw,
                CLOUD,
                "AgentBadToken",
                hint=f"the agent at {self.url} refused the token from {variable}: it is not the one the agent read when "
                f"it started (the first set of {', '.join(TOKEN_VARIABLES)}, or the file one of them names)",
            )
        if status == 400 and body.strip() == b"Forwarded":
            return SecretUnavailableError(
                ref.raw,
                CLOUD,
                "AgentForwarded",
                hint="the agent refuses requests with an X-Forwarded-For header: something between the app and the "
                "agent adds one; reach the agent directly",
            )
        if status in (404, 405):
            return SecretUnavailableError(
                ref.raw,
                CLOUD,
                f"Agent{status}",
                hint=f"{self.url} does not serve GET {_PATH}: is the AWS Secrets Manager Agent (or the Lambda "
                "extension) listening on that port?",
            )
        # 429 (too many connections), 5xx, or an answer this reader does not know: tried again, and the last good
        # value is served meanwhile.
        return SecretUnavailableError(
            ref.raw, CLOUD, f"Agent{status}", retryable=True, hint=f"the agent at {self.url} answered {status}"
        )

    def __repr__(self) -> str:
        return f"AwsSecretsAgent({self.url!r})"


def agent_from_environment(
    environ: Optional[Mapping[str, str]] = None, *, timeout_seconds: float = 10.0
) -> Optional[AwsSecretsAgent]:
    """The agent the environment says to read AWS keys through, or None to read the store directly.

    ``AI_KEYS_AWS_SECRETS_AGENT`` (a local URL) comes first, then ``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT``
    (``http://localhost:PORT``); an empty value counts as unset. Raises ``ValueError``, naming the variable, for a
    URL that is not local or a port that is not a number from 1 to 65535.
    """
    environ = os.environ if environ is None else environ
    url = environ.get(AGENT_URL_VARIABLE)
    if url:
        return AwsSecretsAgent(url, timeout_seconds=timeout_seconds)
    port = environ.get(EXTENSION_PORT_VARIABLE)
    if port:
        if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
            raise ValueError(f"{EXTENSION_PORT_VARIABLE} must be a port number from 1 to 65535 ({_shown(port)} is not)")
        return AwsSecretsAgent(f"http://localhost:{int(port)}", timeout_seconds=timeout_seconds, setting=EXTENSION_PORT_VARIABLE)
    return None


def _local_address(url: str, setting: str) -> Tuple[str, int]:
    """(host, port) of a local agent URL; ValueError saying what is wrong with any other."""

    def refuse(why: str) -> ValueError:
        return ValueError(
            f"{setting} must be the agent on this node, {_ACCEPTED} ({why}): the request carries the node's AWS token, "
            "which must not leave the node"
        )

    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise refuse("it is not a URL") from None
    if parts.scheme != "http":
        raise refuse(f"its scheme is {_shown(parts.scheme)}, not http" if parts.scheme else "it has no http:// scheme")
    if parts.username is not None or parts.password is not None:
        raise refuse("it holds a user name or password")
    if host not in _LOCAL_HOSTS:
        raise refuse(f"its host is {_shown(host or '')}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or url.endswith(("?", "#")):
        raise refuse("it has a path, a query or a fragment")
    if port == 0:
        raise refuse("its port is 0")
    return host, port or DEFAULT_PORT


def _shown(text: str) -> str:
    """``text`` quoted when it is short and plain, else only its length (a setting typed wrong may hold anything)."""
    if len(text) <= 64 and re.fullmatch(r"[A-Za-z0-9.:\[\]_-]*", text):
        return repr(text)
    return f"a text of {len(text)} characters"


def _token(ref: AwsSecretRef, environ: Mapping[str, str]) -> Tuple[str, str]:
    """(the variable it came from, the SSRF token), read as the agent reads it."""
    variable = next((name for name in TOKEN_VARIABLES if name in environ), None)
    if variable is None:
        raise MissingCredentialsError(
            ref.raw,
            CLOUD,
            "NoAgentToken",
            retryable=True,
            hint=f"reading through the agent needs its SSRF token in {', '.join(TOKEN_VARIABLES)} (the first set is used; "
            "file:///var/run/awssmatoken names the file the agent's installer writes)",
        )
    token = environ[variable]
    if token.startswith("file://"):
        problem: Optional[str] = None
        try:
            with open(token[len("file://") :], encoding="utf-8") as file:
                token = file.read().strip()
        except (OSError, UnicodeDecodeError) as exc:
            problem = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        if problem is not None:
            raise MissingCredentialsError(
                ref.raw,
                CLOUD,
                "AgentTokenFile",
                retryable=True,
                hint=f"the token file {variable} names cannot be read ({problem})",
            )
    if not all(" " <= ch <= "~" for ch in token):
        # http.client would refuse it with an error quoting the whole header.
        raise MissingCredentialsError(
            ref.raw,
            CLOUD,
            "AgentTokenUnusable",
            retryable=True,
            hint=f"the token in {variable} holds characters an HTTP header cannot carry",
        )
    return variable, token


def _service_code(body: bytes) -> Optional[str]:
    """The store's error code in an agent's error answer (``{"__type": "ResourceNotFoundException", ...}``), if any."""
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if isinstance(document, dict):
        raw = document.get("__type") or document.get("Code") or document.get("code")
        if isinstance(raw, str):
            code = raw.rsplit("#", 1)[-1]  # "com.amazonaws.secretsmanager#ResourceNotFoundException"
            return code if _CODE.fullmatch(code) else None
        return None
    return next((code for code in _TEXT_CODES if code.encode() in body), None)


def _value(ref: AwsSecretRef, body: bytes) -> str:
    """SecretString, or SecretBinary decoded, from the agent's GetSecretValue-shaped answer."""
    try:
        document = json.loads(body)
    except ValueError:
        document = None  # its message quotes nothing, but it keeps the whole body: never chained
    if isinstance(document, dict):
        text = document.get("SecretString")
        if isinstance(text, str):
            return text
        binary = document.get("SecretBinary")
        if isinstance(binary, str):
            data: Optional[bytes] = None
            try:
                data = base64.b64decode(binary, validate=True)
            except (binascii.Error, ValueError):
                data = None
            if data is not None:
                return decode_utf8(data, ref.raw, CLOUD)
    raise SecretUnavailableError(
        ref.raw, CLOUD, "MalformedResponse", retryable=True, hint="the agent's answer held no SecretString or SecretBinary"
    )
