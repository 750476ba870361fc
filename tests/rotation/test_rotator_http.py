"""The rotator's HTTP client: what it retries, how long it waits, and what its errors never show."""

import socket
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any, Iterator

import pytest

from ai_keys.rotation.rotator.http import HttpClient, HttpError, TransportError, parse_time
from ai_keys.testing.stand_ins import Reply, Request, StandIn

SECRET = "sk-HTTP-SECRET-MUST-NOT-SHOW"


class Scripted(StandIn):
    """Answers from a script, then 200; remembers every request."""

    def __init__(self, *replies: Reply, delay: float = 0.0) -> None:
        self.replies = list(replies)
        self.seen: list[Request] = []
        self.delay = delay
        super().__init__()

    def dispatch(self, request: Request) -> Reply:
        self.seen.append(request)
        if self.delay:
            time.sleep(self.delay)
        return self.replies.pop(0) if self.replies else Reply(200, {"ok": True})


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def client(slept: list[float]) -> HttpClient:
    return HttpClient(sleep=slept.append, rng=lambda: 0.5, timeout=2.0, attempts=4)


@pytest.fixture
def closed_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]  # bound, never listening: connections are refused


def test_429_waits_for_retry_after(client: HttpClient, slept: list[float]) -> None:
    with Scripted(Reply(429, {"error": {"status": "RESOURCE_EXHAUSTED"}}, {"Retry-After": "7"})) as server:
        answer = client.request("POST", server.url + "/make", body={"a": 1})
    assert answer.status == 200
    assert answer.data == {"ok": True}
    assert len(server.seen) == 2  # a 429 made nothing: even a POST that makes something is sent again
    assert slept == [7.0 + 0.5 * 0.5 / 4]


def test_retry_after_as_a_date(slept: list[float]) -> None:
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    client = HttpClient(sleep=slept.append, rng=lambda: 0.0, clock=lambda: now.timestamp())
    when = format_datetime(now + timedelta(seconds=12), usegmt=True)
    with Scripted(Reply(503, None, {"Retry-After": when})) as server:
        client.request("GET", server.url)
    assert slept == [12.0]


def test_5xx_retried_with_backoff_for_idempotent_calls(client: HttpClient, slept: list[float]) -> None:
    with Scripted(Reply(500), Reply(502), Reply(503)) as server:
        assert client.request("GET", server.url + "/list").status == 200
        assert client.request("DELETE", server.url + "/key").status == 200
    assert len(server.seen) == 5
    assert slept == [0.25, 0.5, 1.0]  # rng 0.5 x 0.5 s x 2^attempt


def test_a_post_that_makes_something_is_not_sent_twice_after_a_5xx(client: HttpClient) -> None:
    with Scripted(Reply(500, {"error": {"type": "server_error"}})) as server:
        with pytest.raises(HttpError) as failure:
            client.request("POST", server.url + "/v1/organization/projects/p/service_accounts", body={"name": "n"})
        assert len(server.seen) == 1
        assert failure.value.status == 500
        assert failure.value.code == "server_error"
    with Scripted(Reply(500)) as server:
        client.request("POST", server.url + "/listKeys", idempotent=True)
        assert len(server.seen) == 2


def test_bounded_attempts(client: HttpClient, slept: list[float]) -> None:
    with Scripted(*[Reply(503)] * 10) as server, pytest.raises(HttpError, match="503"):
        client.request("GET", server.url)
    assert len(server.seen) == 4
    assert len(slept) == 3


def test_refused_connections_are_retried_even_for_a_post(client: HttpClient, closed_port: int, slept: list[float]) -> None:
    with pytest.raises(TransportError, match="ConnectionRefusedError"):
        client.request("POST", f"http://127.0.0.1:{closed_port}/make", body={})
    assert len(slept) == 3


def test_timeouts_are_transport_errors(slept: list[float]) -> None:
    client = HttpClient(sleep=slept.append, rng=lambda: 0.0, timeout=0.2, attempts=2)
    with Scripted(delay=0.6) as server:
        with pytest.raises(TransportError, match="failed"):
            client.request("GET", server.url)
        assert len(server.seen) == 2
        with pytest.raises(TransportError):
            client.request("POST", server.url)  # sent, no answer: a create is not sent again
        assert len(server.seen) == 3


def test_errors_never_show_headers_bodies_or_queries(client: HttpClient) -> None:
    body = {"error": {"message": f"Incorrect API key provided: {SECRET}", "type": "invalid_request_error"}}
    with Scripted(Reply(401, body, {"X-Echo": SECRET})) as server, pytest.raises(HttpError) as failure:
        client.request("GET", f"{server.url}/v1/models?key={SECRET}", headers={"Authorization": f"Bearer {SECRET}"})
    text = f"{failure.value!s} {failure.value!r} {failure.value.args}"
    assert SECRET not in text
    assert "401" in text
    assert "invalid_request_error" in text
    assert failure.value.url == f"{server.url}/v1/models"


def test_redirects_are_not_followed(client: HttpClient) -> None:
    with Scripted() as elsewhere:
        with Scripted(Reply(302, None, {"Location": elsewhere.url + "/steal"})) as server:
            answer = client.request("GET", server.url, headers={"Authorization": f"Bearer {SECRET}"}, check=False)
        assert answer.status == 302
        assert elsewhere.seen == []


def test_only_http_urls(client: HttpClient) -> None:
    with pytest.raises(ValueError, match="http"):
        client.request("GET", "file:///etc/passwd")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-02T03:04:05.123456789Z", datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc)),
        ("2026-01-02T03:04:05Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
        ("2026-01-02T03:04:05+01:00", datetime(2026, 1, 2, 2, 4, 5, tzinfo=timezone.utc)),
        ("", None),
        ("not a time", None),
    ],
)
def test_parse_time(text: str, expected: Any) -> None:
    assert parse_time(text) == expected
