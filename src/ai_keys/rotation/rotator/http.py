"""A small JSON-over-HTTP client on urllib: timeouts, bounded retries with backoff and jitter, safe errors.

Retried: 429 (after ``Retry-After`` when given), 500/502/503/504 and connection failures, for idempotent requests
(GET, PUT, DELETE, or a call marked idempotent). A POST that makes something is retried only when it surely did
nothing: a 429, or a connection refused before anything was sent; else a retry could make a second key.

Errors name the method, the URL without its query, the status and the service's error code, never a request
header nor a response body (either may hold a key). Redirects are not followed (they would carry the credentials to
another host).
"""

import email.utils
import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.client import HTTPException
from typing import Any, Callable, Optional
from urllib.parse import urlencode, urlsplit, urlunsplit

__all__ = ["HttpClient", "HttpError", "Response", "TransportError", "parse_time"]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


def _safe_url(url: str) -> str:
    """The URL without query or fragment (a query may carry a key, as Google's ``?key=`` does)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class HttpError(Exception):
    """A request that failed: the service answered an error status, or never answered (status 0)."""

    def __init__(self, method: str, url: str, status: int, code: Optional[str] = None) -> None:
        self.method = method
        self.url = _safe_url(url)
        self.status = status
        self.code = code
        detail = f" ({code})" if code else ""
        super().__init__(f"{method} {self.url} answered {status}{detail}")


class TransportError(HttpError):
    """No answer: connection refused or reset, timeout, or a broken response."""

    def __init__(self, method: str, url: str, reason: str) -> None:
        super().__init__(method, url, 0)
        self.args = (f"{method} {self.url} failed: {reason}",)


@dataclass(frozen=True)
class Response:
    """A response: status, headers (lower-case names) and the JSON body (``None`` if empty or not JSON)."""

    status: int
    headers: Mapping[str, str] = field(repr=False)
    data: Any = field(repr=False)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _error_code(data: Any) -> Optional[str]:
    """The service's error code from a JSON error body (Google ``status``, Azure ``code``, OpenAI ``type``)."""
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    if isinstance(error, dict):
        for name in ("status", "code", "type"):
            code = error.get(name)
            if isinstance(code, str) and len(code) <= 64:
                return code
    elif isinstance(error, str) and len(error) <= 64 and " " not in error:
        return error
    return None


def _retry_after(headers: Mapping[str, str], now: Callable[[], float]) -> Optional[float]:
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now())


class HttpClient:
    """JSON requests with retries. ``sleep`` and ``rng`` are injectable so tests neither wait nor depend on luck."""

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        attempts: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 20.0,
        max_retry_after: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.rng = rng
        self.clock = clock
        self._opener = urllib.request.build_opener(_NoRedirect)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Optional[Mapping[str, str]] = None,
        query: Optional[Mapping[str, Any]] = None,
        body: Any = None,
        idempotent: Optional[bool] = None,
        check: bool = True,
    ) -> Response:
        """Send one request (retrying as the module docstring says); ``check`` raises :class:`HttpError` on >= 400."""
        if query:
            url = f"{url}{'&' if '?' in url else '?'}{urlencode({k: v for k, v in query.items() if v is not None})}"
        data = None if body is None else json.dumps(body).encode()
        sent_headers = {"Accept": "application/json", **(headers or {})}
        if data is not None:
            sent_headers.setdefault("Content-Type", "application/json")
        safe = (method in IDEMPOTENT) if idempotent is None else idempotent
        for attempt in range(self.attempts):
            last = attempt == self.attempts - 1
            try:
                response = self._send(method, url, sent_headers, data)
            except _RefusedError as refused:
                if last:
                    raise refused.error from None
                self._wait(attempt, None)
                continue
            except TransportError:
                if last or not safe:
                    raise
                self._wait(attempt, None)
                continue
            if response.status in RETRY_STATUSES and not last and (safe or response.status == 429):
                self._wait(attempt, _retry_after(response.headers, self.clock))
                continue
            if check and response.status >= 400:
                raise HttpError(method, url, response.status, _error_code(response.data))
            return response
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _wait(self, attempt: int, retry_after: Optional[float]) -> None:
        jitter = self.rng() * min(self.max_backoff, self.backoff * (2**attempt))
        if retry_after is not None:
            self.sleep(min(self.max_retry_after, retry_after) + jitter / 4)
        else:
            self.sleep(jitter)

    def _send(self, method: str, url: str, headers: Mapping[str, str], data: Optional[bytes]) -> Response:
        if not url.startswith(("https://", "http://")):
            raise ValueError("only http(s) URLs are requested")
        request = urllib.request.Request(url, data=data, method=method, headers=dict(headers))  # noqa: S310 - checked above
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                return self._read(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as error:
            try:
                raw = error.read()
            except (OSError, HTTPException):
                raw = b""
            finally:
                error.close()
            return self._read(error.code, error.headers, raw)
        except urllib.error.URLError as error:
            reason = error.reason
            failure = TransportError(method, url, type(reason).__name__ if isinstance(reason, BaseException) else "url")
            if isinstance(reason, ConnectionRefusedError):
                raise _RefusedError(failure) from None
            raise failure from None
        except (TimeoutError, OSError, HTTPException) as error:
            raise TransportError(method, url, type(error).__name__) from None

    @staticmethod
    def _read(status: int, headers: Any, raw: bytes) -> Response:
        names = {name.lower(): value for name, value in (headers.items() if headers is not None else [])}
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        return Response(status, names, data)


class _RefusedError(Exception):
    """A connection refused: nothing was sent, so even a POST that makes something may be retried."""

    def __init__(self, error: TransportError) -> None:
        super().__init__(str(error))
        self.error = error


def parse_time(text: Optional[str]) -> Optional[datetime]:
    """An RFC 3339 time (``2026-01-01T00:00:00.123456789Z``) as an aware datetime, or ``None``."""
    if not text:
        return None
    text = text.strip().replace("Z", "+00:00")
    if "." in text:
        head, _, rest = text.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits) :]
        text = f"{head}.{digits[:6]}{zone}"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
