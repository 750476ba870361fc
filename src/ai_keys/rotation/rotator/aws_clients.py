"""boto3 clients for the AWS side of the rotator (imported only where AWS is used: boto3 loads in ~0.3 s).

Two kinds: a client with botocore's standard retries for reads and idempotent writes, and a client that never
retries, for calls that make a key (a retried create whose first attempt did go through would make a second key).
"""

import importlib
import random
import threading
import time
from typing import Any, Callable, Optional

from .settings import Settings

__all__ = ["THROTTLED", "client", "client_once", "create_once", "error_code"]

# botocore's standard mode: up to 3 attempts with backoff on throttling and 5xx (botocore/retries/standard.py).
_STANDARD = {"mode": "standard", "total_max_attempts": 3}
_ONCE = {"mode": "standard", "total_max_attempts": 1}
THROTTLED = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"})


# AWS_ENDPOINT_URL_<NAME>: the service id, upper case, spaces as underscores (boto3's "service-specific endpoints").
_ENV_NAMES = {"secretsmanager": "SECRETS_MANAGER", "apigateway": "API_GATEWAY", "iam": "IAM"}
_clients: dict[tuple[str, Optional[str], Optional[str], int], Any] = {}
_session: list[Any] = []
_lock = threading.Lock()


def _make(service: str, settings: Settings, retries: dict[str, Any]) -> Any:
    """A client, made once per service, endpoint, region and retry mode: a warm function instance reuses it (making
    one loads the service's model, ~0.1 s), as AWS advises for Lambda."""
    # boto3 reads AWS_ENDPOINT_URL[_SERVICE] from os.environ; the settings may come from another mapping (tests).
    key = _ENV_NAMES.get(service, service.upper())
    endpoint = settings.aws_endpoints.get(key) or settings.aws_endpoints.get("")
    cache_key = (service, endpoint, settings.aws_region, int(retries["total_max_attempts"]))
    with _lock:
        made = _clients.get(cache_key)
        if made is None:
            boto3 = importlib.import_module("boto3")  # untyped: no stubs are installed, none are needed at run time
            config = importlib.import_module("botocore.config").Config(retries=retries, connect_timeout=10, read_timeout=30)
            kwargs: dict[str, Any] = {"config": config}
            if endpoint:
                kwargs["endpoint_url"] = endpoint
            if settings.aws_region:
                kwargs["region_name"] = settings.aws_region
            # One session for every client: its loader reads each service model and the endpoint data once
            # (a session per client read them again for each, most of a cold start's time).
            if not _session:
                _session.append(boto3.session.Session())
            made = _clients[cache_key] = _session[0].client(service, **kwargs)
        return made


def client(service: str, settings: Settings) -> Any:
    """A client with standard retries."""
    return _make(service, settings, _STANDARD)


def client_once(service: str, settings: Settings) -> Any:
    """A client that sends each call once."""
    return _make(service, settings, _ONCE)


def error_code(error: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` (``""`` for anything else)."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def create_once(call: Callable[..., Any], sleep: Callable[[float], None] = time.sleep, **kwargs: Any) -> Any:
    """Call a create on a :func:`client_once` client, retrying only when AWS throttled it (so it made nothing)."""
    for attempt in range(4):
        try:
            return call(**kwargs)
        except Exception as error:
            if error_code(error) not in THROTTLED or attempt == 3:
                raise
            sleep(random.random() * min(20.0, 0.5 * 2**attempt) + 0.1)  # noqa: S311 - jitter, not a secret
    raise AssertionError("unreachable")  # pragma: no cover
