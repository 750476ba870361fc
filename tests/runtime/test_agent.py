"""Reading AWS keys through the AWS Secrets Manager Agent (or the Lambda extension), against a stand-in on 127.0.0.1.

The stand-in plays the agent's HTTP API as its source describes it (aws/aws-secretsmanager-agent, ``server.rs`` and
``parse.rs``): ``GET /secretsmanager/get?secretId=...[&refreshNow=true]``, the SSRF token checked in
``X-Aws-Parameters-Secrets-Token`` (403 "Bad Token"), any ``X-Forwarded-For`` refused (400 "Forwarded"), unknown
parameters refused (400), a cache with its own TTL that ``refreshNow`` skips, and the store's errors relayed as
``{"__type": CODE, "message": ...}`` with the store's status. Its store is a dict, so every store read is counted.
"""

import asyncio
import json
import logging
import socket
import threading
import urllib.error
import urllib.request
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple
from urllib.parse import parse_qsl, urlsplit

import openai
import pytest

from ai_keys.runtime import (
    KeyCache,
    KeyPendingError,
    MissingCredentialsError,
    SdkClientFactory,
    SecretAccessDeniedError,
    SecretNotFoundError,
    SecretReadError,
    SecretUnavailableError,
    aresolve,
    auth_refresh_hook,
    key_provider,
    parse_secret_ref,
)
from ai_keys.runtime.agent import (
    AGENT_URL_VARIABLE,
    DEFAULT_PORT,
    EXTENSION_PORT_VARIABLE,
    TOKEN_HEADER,
    TOKEN_VARIABLES,
    AwsSecretsAgent,
    agent_from_environment,
)
from ai_keys.runtime.run import run

TOKEN_PREFIX = "tok-TOKEN-MUST-NOT-LEAK-"
PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy")


def new_token() -> str:
    return TOKEN_PREFIX + uuid.uuid4().hex


def new_arn() -> str:
    return f"arn:aws:secretsmanager:us-east-1:123456789012:secret:openai-{uuid.uuid4().hex[:6]}"


class AgentClock:
    """The stand-in agent's own clock: its cache entries age only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class StandInAgent:
    """The agent's HTTP API on 127.0.0.1 over an in-memory store (``store``: ARN -> current value).

    ``requests`` records (path, query, headers) of every request; ``store_reads`` counts reads of the store per ARN.
    ``fail_next`` answers the next requests with a fault: an HTTP status (500 and 504 as the agent relays a service
    failure, in JSON; any other as plain text), ``"html"`` (a 200 that is not JSON) or ``"drop"`` (the connection
    closed with no answer). ``knows_refresh=False`` plays an agent older than ``refreshNow``; ``not_agent=True`` a
    server that is not the agent at all (404 to everything).
    """

    def __init__(self, token: str, *, ttl_seconds: float = 300.0, knows_refresh: bool = True, not_agent: bool = False) -> None:
        self.token = token
        self.ttl_seconds = ttl_seconds
        self.knows_refresh = knows_refresh
        self.not_agent = not_agent
        self.clock = AgentClock()
        self.store: Dict[str, str] = {}
        self.binary: Dict[str, bytes] = {}
        self.denied: set[str] = set()
        self.cache: Dict[str, Tuple[bytes, float]] = {}
        self.requests: List[Tuple[str, Dict[str, str], Dict[str, str]]] = []
        self.store_reads: Counter[str] = Counter()
        self.fail_next: List[Any] = []
        self.lock = threading.Lock()
        agent = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                agent.handle(self)

            def do_POST(self) -> None:
                agent.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def refresh_flags(self) -> List[bool]:
        """Whether each /secretsmanager/get request asked for refreshNow."""
        return [query.get("refreshNow") == "true" for path, query, _ in self.requests if path == "/secretsmanager/get"]

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlsplit(request.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        with self.lock:
            self.requests.append((url.path, query, dict(request.headers.items())))
            fault = self.fail_next.pop(0) if self.fail_next else None
        status, body, content_type = self.answer(request, url.path, query, fault)
        if status == 0:
            request.close_connection = True
            request.connection.shutdown(socket.SHUT_RDWR)
            return
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def answer(self, request: BaseHTTPRequestHandler, path: str, query: Dict[str, str], fault: Any) -> Tuple[int, bytes, str]:
        text = "text/plain"
        if self.not_agent:
            return 404, b"Not found", text
        if path == "/ping":
            return 200, b"healthy", text
        # The agent's order: forwarding refused, then the token, then the method.
        if "X-Forwarded-For" in request.headers:
            return 400, b"Forwarded", text
        if request.headers.get(TOKEN_HEADER) != self.token:
            return 403, b"Bad Token", text
        if request.command != "GET":
            return 405, b"Not allowed", text
        if path != "/secretsmanager/get":
            return 404, b"Not found", text
        known = {"secretId", "versionId", "versionStage"} | ({"refreshNow"} if self.knows_refresh else set())
        unknown = sorted(set(query) - known)
        if unknown:
            return 400, f"unknown parameter: {unknown[0]}".encode(), text
        if query.get("refreshNow", "false").lower() not in ("true", "1", "false", "0"):
            return 400, b"invalid refreshNow value", text
        if fault == "drop":
            return 0, b"", text
        if fault == "html":
            return 200, b"<html><body>502 Bad Gateway</body></html>", "text/html"
        if fault in (500, 504):
            kind = "InternalFailure" if fault == 500 else "TimeoutError"
            return fault, json.dumps({"__type": kind}).encode(), "application/json"
        if fault is not None:
            return int(fault), b"Service Unavailable", text
        return self.serve(query["secretId"], query.get("refreshNow", "false").lower() in ("true", "1"))

    def serve(self, secret_id: str, refresh: bool) -> Tuple[int, bytes, str]:
        with self.lock:
            cached = self.cache.get(secret_id)
            if cached is not None and not refresh and self.clock() - cached[1] < self.ttl_seconds:
                return 200, cached[0], "application/json"
            self.store_reads[secret_id] += 1
            if secret_id in self.denied:
                error = {"__type": "AccessDeniedException", "message": "User is not authorized to perform GetSecretValue"}
                return 400, json.dumps(error).encode(), "application/json"
            if secret_id not in self.store and secret_id not in self.binary:
                error = {"__type": "ResourceNotFoundException", "message": "Secrets Manager can't find the specified secret."}
                return 400, json.dumps(error).encode(), "application/json"
            answer: Dict[str, Any] = {
                "ARN": secret_id,
                "Name": secret_id.rsplit(":", 1)[-1],
                "VersionId": str(uuid.uuid4()),
                "VersionStages": ["AWSCURRENT"],
                "CreatedDate": "1700000000.000",
            }
            if secret_id in self.binary:
                import base64

                answer["SecretBinary"] = base64.b64encode(self.binary[secret_id]).decode()
            else:
                answer["SecretString"] = self.store[secret_id]
            body = json.dumps(answer).encode()
            self.cache[secret_id] = (body, self.clock())
            return 200, body, "application/json"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No agent setting, no token and no proxy from the machine running the tests."""
    for name in (AGENT_URL_VARIABLE, EXTENSION_PORT_VARIABLE, *TOKEN_VARIABLES, *PROXY_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def token() -> str:
    return new_token()


@pytest.fixture
def agent(token: str) -> Iterator[StandInAgent]:
    server = StandInAgent(token)
    yield server
    server.stop()


@pytest.fixture
def through(clean_env: pytest.MonkeyPatch, agent: StandInAgent, token: str) -> StandInAgent:
    """The environment of an app on a node with the stand-in agent: its URL, and its token in AWS_SESSION_TOKEN."""
    clean_env.setenv(AGENT_URL_VARIABLE, agent.url)
    clean_env.setenv("AWS_SESSION_TOKEN", token)
    return agent


def _no_sdk(region: str) -> Any:
    raise AssertionError(f"the SDK was asked for a client ({region}) although an agent is configured")


@pytest.fixture
def make_agent_cache(clock: Any, sleeper: Any) -> Callable[..., KeyCache]:
    """A KeyCache on a manual clock whose SDK client factory fails the test if it is ever used."""

    def make(**settings: Any) -> KeyCache:
        settings.setdefault("client_factory", SdkClientFactory(aws=_no_sdk))
        return KeyCache(clock=clock, sleep=sleeper, **settings)

    return make


def chain(error: BaseException) -> List[BaseException]:
    """The error, its cause and its context, recursively."""
    seen: List[BaseException] = []
    pending = [error]
    while pending:
        current = pending.pop()
        if any(current is known for known in seen):
            continue
        seen.append(current)
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return seen


def texts_of(*things: Any) -> List[str]:
    """str and repr of each thing (of each link of an exception's chain), to search for a secret."""
    texts: List[str] = []
    for thing in things:
        for link in chain(thing) if isinstance(thing, BaseException) else [thing]:
            texts += [str(link), repr(link)]
            if isinstance(link, BaseException):
                texts.append(repr(link.args))
    return texts


# ---------------------------------------------------------------------------------------------- detection


def test_the_environment_decides_whether_and_where_the_agent_is_read() -> None:
    assert agent_from_environment({}) is None
    assert agent_from_environment({AGENT_URL_VARIABLE: "", EXTENSION_PORT_VARIABLE: ""}) is None
    cases = {
        # The Lambda extension's port setting alone: localhost, that port.
        (None, "2773"): "http://localhost:2773",
        (None, "8080"): "http://localhost:8080",
        # An explicit URL wins over the port setting.
        ("http://127.0.0.1:9000", "2773"): "http://127.0.0.1:9000",
        ("", "2774"): "http://localhost:2774",
        ("http://localhost:2773", None): "http://localhost:2773",
        ("http://localhost", None): "http://localhost:2773",
        ("http://LOCALHOST:2773/", None): "http://localhost:2773",
        ("http://[::1]:2773", None): "http://[::1]:2773",
        ("http://127.0.0.1:1", None): "http://127.0.0.1:1",
    }
    for (url, port), expected in cases.items():
        environ = {
            name: value for name, value in ((AGENT_URL_VARIABLE, url), (EXTENSION_PORT_VARIABLE, port)) if value is not None
        }
        found = agent_from_environment(environ)
        assert found is not None, environ
        assert found.url == expected
        assert repr(found) == f"AwsSecretsAgent({expected!r})"
    assert len(cases) == 9


REFUSED_URLS = {
    "http://10.0.0.1:2773": "its host is '10.0.0.1'",
    "http://169.254.169.254:2773": "its host is '169.254.169.254'",
    "http://localhost.example.com:2773": "its host is 'localhost.example.com'",
    "http://127.0.0.2:2773": "its host is '127.0.0.2'",
    "http://[::2]:2773": "its host is '::2'",
    "http://0.0.0.0:2773": "its host is '0.0.0.0'",
    "https://localhost:2773": "its scheme is 'https', not http",
    "localhost:2773": "its scheme is 'localhost', not http",
    "//localhost:2773": "it has no http:// scheme",
    "http://user:hunter2-PASSWORD@localhost:2773": "it holds a user name or password",
    "http://localhost:2773/v1/": "it has a path, a query or a fragment",
    "http://localhost:2773/secretsmanager/get?secretId=x": "it has a path, a query or a fragment",
    "http://localhost:2773#x": "it has a path, a query or a fragment",
    "http://localhost:99999": "it is not a URL",
    "http://localhost:0": "its port is 0",
    "http://[::1": "it is not a URL",
}


def test_a_url_off_the_node_is_refused_with_a_clear_error() -> None:
    for url, why in REFUSED_URLS.items():
        with pytest.raises(ValueError, match="must be the agent on this node") as refused:
            agent_from_environment({AGENT_URL_VARIABLE: url})
        message = str(refused.value)
        assert message.startswith(f"{AGENT_URL_VARIABLE} must be the agent on this node"), message
        assert f"({why})" in message, message
        assert "must not leave the node" in message
        assert "hunter2" not in message
    for port in ("0", "65536", "abc", " 2773", "27 73", "-1", "२७७३"):
        with pytest.raises(ValueError, match=f"^{EXTENSION_PORT_VARIABLE} must be a port number from 1 to 65535"):
            agent_from_environment({EXTENSION_PORT_VARIABLE: port})


def test_resolve_refuses_a_url_off_the_node_before_connecting_anywhere(
    clean_env: pytest.MonkeyPatch, make_agent_cache: Callable[..., KeyCache], token: str
) -> None:
    connections: List[Any] = []
    real_connect = socket.create_connection

    def record(address: Any, *args: Any, **kwargs: Any) -> Any:
        connections.append(address)
        return real_connect(address, *args, **kwargs)

    clean_env.setattr(socket, "create_connection", record)
    clean_env.setenv("AWS_SESSION_TOKEN", token)
    arn = new_arn()
    refused = 0
    for url in REFUSED_URLS:
        clean_env.setenv(AGENT_URL_VARIABLE, url)
        with pytest.raises(SecretUnavailableError) as caught:
            make_agent_cache().get(arn)
        assert caught.value.code == "AgentSetting"
        assert caught.value.retryable is False
        assert AGENT_URL_VARIABLE in str(caught.value)
        assert token not in " ".join(texts_of(caught.value))
        refused += 1
    clean_env.delenv(AGENT_URL_VARIABLE)
    clean_env.setenv(EXTENSION_PORT_VARIABLE, "not-a-port")
    with pytest.raises(SecretUnavailableError, match=EXTENSION_PORT_VARIABLE):
        make_agent_cache().get(arn)
    assert refused == len(REFUSED_URLS)
    assert connections == []


# -------------------------------------------------------------------------------------------- reading


def test_resolve_reads_through_the_agent_with_the_token_and_no_sdk(
    through: StandInAgent, make_agent_cache: Callable[..., KeyCache], new_value: Callable[[], str], token: str
) -> None:
    arn, value = new_arn(), new_value()
    through.store[arn] = value
    cache = make_agent_cache()
    assert cache.get(arn) == value
    assert cache.get(arn) == value  # a hit: the agent is not asked again
    assert len(through.requests) == 1
    path, query, headers = through.requests[0]
    assert path == "/secretsmanager/get"
    assert query == {"secretId": arn}
    assert headers[TOKEN_HEADER] == token
    assert "X-Forwarded-For" not in headers
    assert through.store_reads[arn] == 1


def test_binary_secrets_are_decoded(
    through: StandInAgent, make_agent_cache: Callable[..., KeyCache], new_value: Callable[[], str]
) -> None:
    arn, value = new_arn(), new_value() + " \N{EURO SIGN}"
    through.binary[arn] = value.encode()
    assert make_agent_cache().get(arn) == value
    assert through.store_reads[arn] == 1


def test_the_lambda_extension_port_setting_alone_selects_the_agent(
    clean_env: pytest.MonkeyPatch, make_agent_cache: Callable[..., KeyCache], token: str
) -> None:
    # The extension's documented address is localhost:PORT; what is sent there is checked without connecting anywhere
    # but 127.0.0.1.
    seen: List[Tuple[str, int]] = []

    class Connection:
        def __init__(self, host: str, port: int, timeout: float) -> None:
            seen.append((host, port))
            raise ConnectionRefusedError(111, "Connection refused")

    import http.client

    clean_env.setattr(http.client, "HTTPConnection", Connection)
    clean_env.setenv(EXTENSION_PORT_VARIABLE, "2999")
    clean_env.setenv("AWS_SESSION_TOKEN", token)
    with pytest.raises(SecretUnavailableError) as caught:
        make_agent_cache(retries=0).get(new_arn())
    assert seen == [("localhost", 2999)]
    assert caught.value.code == "ConnectionRefusedError"
    assert "http://localhost:2999 did not answer" in str(caught.value)


def test_proxy_settings_are_ignored_so_the_token_stays_on_the_node(
    through: StandInAgent, clean_env: pytest.MonkeyPatch, make_agent_cache: Callable[..., KeyCache], new_value: Callable[[], str]
) -> None:
    trap = StandInAgent("not-the-token")  # a "proxy" on 127.0.0.1 that records whatever reaches it
    try:
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            clean_env.setenv(name, trap.url)
        arn, value = new_arn(), new_value()
        through.store[arn] = value
        assert make_agent_cache().get(arn) == value
        assert trap.requests == []
        assert len(through.requests) == 1
        # The trap does catch a client that honours the proxy settings (a urllib opener built now, to a local port;
        # not urlopen, whose opener is built once per process with the proxy settings of that moment).
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.build_opener().open("http://127.0.0.1:9/x", timeout=5)
        assert [path for path, _, _ in trap.requests] == ["/x"]
    finally:
        trap.stop()


# ---------------------------------------------------------------------------------------------- the token


def test_the_token_is_read_as_the_agent_reads_it(
    through: StandInAgent,
    clean_env: pytest.MonkeyPatch,
    make_agent_cache: Callable[..., KeyCache],
    new_value: Callable[[], str],
    token: str,
    tmp_path: Path,
) -> None:
    arn, value = new_arn(), new_value()
    through.store[arn] = value
    token_file = tmp_path / "awssmatoken"
    token_file.write_text(token + "\n", encoding="utf-8")  # the agent trims what it reads from the file
    results: List[str] = []
    errors: List[SecretReadError] = []

    def read() -> str:
        cache = make_agent_cache(retries=0)
        try:
            return cache.get(arn)
        except SecretReadError as exc:
            errors.append(exc)
            return type(exc).__name__ + ":" + exc.code + ":" + str(exc)

    clean_env.delenv("AWS_SESSION_TOKEN")
    # AWS_TOKEN comes first, and a file:// value is read from the file.
    clean_env.setenv("AWS_TOKEN", f"file://{token_file}")
    clean_env.setenv("AWS_SESSION_TOKEN", "wrong-session-token")
    results.append(read())
    # The first variable set wins even when a later one holds the right token.
    clean_env.delenv("AWS_TOKEN")
    clean_env.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", token)
    results.append(read())
    # AWS_CONTAINER_AUTHORIZATION_TOKEN alone (Lambda SnapStart).
    clean_env.delenv("AWS_SESSION_TOKEN")
    results.append(read())
    # Set but empty: the agent would take "", so it is sent as is (and refused here).
    clean_env.setenv("AWS_TOKEN", "")
    results.append(read())
    assert results[0] == value
    assert results[1].startswith("SecretAccessDeniedError:AgentBadToken:")
    assert "refused the token from AWS_SESSION_TOKEN" in results[1]
    assert results[2] == value
    assert results[3].startswith("SecretAccessDeniedError:AgentBadToken:")
    assert "from AWS_TOKEN" in results[3]
    sent = [headers.get(TOKEN_HEADER) for _, _, headers in through.requests]
    assert sent == [token, "wrong-session-token", token, ""]
    assert len(errors) == 2
    assert token not in " ".join(texts_of(*errors))


def test_no_token_or_an_unreadable_token_file_is_missing_credentials(
    through: StandInAgent, clean_env: pytest.MonkeyPatch, make_agent_cache: Callable[..., KeyCache], tmp_path: Path
) -> None:
    arn = new_arn()
    through.store[arn] = "unused"
    clean_env.delenv("AWS_SESSION_TOKEN")
    with pytest.raises(MissingCredentialsError) as none:
        make_agent_cache(retries=0).get(arn)
    assert none.value.code == "NoAgentToken"
    assert "AWS_TOKEN, AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN" in str(none.value)
    clean_env.setenv("AWS_TOKEN", f"file://{tmp_path / 'absent'}")
    with pytest.raises(MissingCredentialsError) as unreadable:
        make_agent_cache(retries=0).get(arn)
    assert unreadable.value.code == "AgentTokenFile"
    assert "the token file AWS_TOKEN names cannot be read (No such file or directory)" in str(unreadable.value)
    clean_env.setenv("AWS_TOKEN", "tok-TOKEN-MUST-NOT-LEAK-line\nbreak")
    with pytest.raises(MissingCredentialsError) as unusable:
        make_agent_cache(retries=0).get(arn)
    assert unusable.value.code == "AgentTokenUnusable"
    assert TOKEN_PREFIX not in " ".join(texts_of(unusable.value))
    assert through.requests == []  # none of these reached the agent


# ------------------------------------------------------------------------------- the agent's cache and refreshNow


def test_the_agents_cache_serves_its_value_until_its_ttl_and_invalidate_asks_for_refresh_now(
    through: StandInAgent, make_agent_cache: Callable[..., KeyCache], clock: Any, new_value: Callable[[], str]
) -> None:
    arn, old, new = new_arn(), new_value(), new_value()
    through.store[arn] = old
    cache = make_agent_cache(jitter=0.0)
    assert cache.get(arn) == old
    through.store[arn] = new  # rotated in the store; the agent still holds the old value
    clock.advance(cache.ttl_seconds + 1)
    assert cache.get(arn) == old  # the app's TTL ran out, the agent's did not: its cached value
    through.clock.now += through.ttl_seconds + 1
    clock.advance(cache.ttl_seconds + 1)
    assert cache.get(arn) == new  # both ran out: the agent read the store
    through.store[arn] = old
    cache.invalidate(arn)
    assert cache.get(arn) == old  # read with refreshNow=true: past the agent's fresh cache
    assert cache.get(arn) == old
    assert through.refresh_flags == [False, False, False, True]
    assert through.store_reads[arn] == 3
    # refreshNow is asked once per invalidation, not for the reads after it.
    clock.advance(cache.ttl_seconds + 1)
    assert cache.get(arn) == old
    assert through.refresh_flags[-1] is False


def test_clear_asks_for_refresh_now_for_every_key_it_held(
    through: StandInAgent, make_agent_cache: Callable[..., KeyCache], new_value: Callable[[], str]
) -> None:
    arns = [new_arn() for _ in range(3)]
    for arn in arns:
        through.store[arn] = new_value()
    cache = make_agent_cache()
    for arn in arns:
        cache.get(arn)
    cache.clear()
    for arn in arns:
        assert cache.get(arn) == through.store[arn]
    assert through.refresh_flags == [False] * 3 + [True] * 3


def test_an_agent_too_old_for_refresh_now_is_read_again_without_it(
    clean_env: pytest.MonkeyPatch, make_agent_cache: Callable[..., KeyCache], token: str, new_value: Callable[[], str]
) -> None:
    old_agent = StandInAgent(token, knows_refresh=False)
    try:
        clean_env.setenv(AGENT_URL_VARIABLE, old_agent.url)
        clean_env.setenv("AWS_TOKEN", token)
        arn, value = new_arn(), new_value()
        old_agent.store[arn] = value
        cache = make_agent_cache()
        assert cache.get(arn) == value
        cache.invalidate(arn)
        assert cache.get(arn) == value
        assert [query.get("refreshNow") for _, query, _ in old_agent.requests] == [None, "true", None]
    finally:
        old_agent.stop()


def test_openai_gets_the_rotated_key_after_one_401_through_refresh_now(
    through: StandInAgent, make_agent_cache: Callable[..., KeyCache], fake_vendor: Any, new_value: Callable[[], str]
) -> None:
    arn, old, new = new_arn(), new_value(), new_value()
    through.store[arn] = old
    vendor = fake_vendor(old)
    try:
        cache = make_agent_cache()  # its clock never moves: only the refresh on a 401 can pick the new key up
        client = openai.OpenAI(
            api_key=key_provider(arn, cache=cache),
            base_url=vendor.url + "/v1",
            default_headers={"x-client": "app"},
            http_client=openai.DefaultHttpxClient(event_hooks={"response": [auth_refresh_hook(arn, cache=cache)]}),
        )
        client.models.list()
        # Rotated: the store and the vendor move to the new key; the agent's cache (TTL 300 s, its clock still) does not.
        through.store[arn] = new
        with vendor.lock:
            vendor.key = new
        agent = AwsSecretsAgent(through.url)
        assert agent.read(parse_secret_ref(arn), environ={"AWS_SESSION_TOKEN": through.token}) == old  # served stale
        client.models.list()
        assert [(key, status) for _, key, status in vendor.seen] == [(old, 200), (old, 401), (new, 200)]
        assert through.refresh_flags == [False, False, True]
        assert through.store_reads[arn] == 2
        assert cache.stats().refreshes == 2
    finally:
        vendor.stop()


# --------------------------------------------------------------------------------------------- errors


def _bad_token(agent: StandInAgent) -> None:
    agent.token = "another-token"


ERRORS: Dict[str, Tuple[Callable[[StandInAgent, str], None], type, str, bool]] = {
    # name: (set the fault up, error type, code, retried)
    "bad token": (lambda agent, arn: _bad_token(agent), SecretAccessDeniedError, "AgentBadToken", False),
    "not found": (lambda agent, arn: agent.store.pop(arn), SecretNotFoundError, "ResourceNotFoundException", False),
    "denied": (lambda agent, arn: agent.denied.add(arn), SecretAccessDeniedError, "AccessDeniedException", False),
    "500": (lambda agent, arn: agent.fail_next.extend([500] * 9), SecretUnavailableError, "InternalFailure", True),
    "504": (lambda agent, arn: agent.fail_next.extend([504] * 9), SecretUnavailableError, "TimeoutError", True),
    "503 text": (lambda agent, arn: agent.fail_next.extend([503] * 9), SecretUnavailableError, "Agent503", True),
    "html": (lambda agent, arn: agent.fail_next.extend(["html"] * 9), SecretUnavailableError, "MalformedResponse", True),
    "dropped": (lambda agent, arn: agent.fail_next.extend(["drop"] * 9), SecretUnavailableError, "RemoteDisconnected", True),
    "not the agent": (lambda agent, arn: setattr(agent, "not_agent", True), SecretUnavailableError, "Agent404", False),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_agent_errors_map_to_the_runtimes_errors(
    name: str,
    through: StandInAgent,
    make_agent_cache: Callable[..., KeyCache],
    new_value: Callable[[], str],
    token: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    set_up, kind, code, retried = ERRORS[name]
    arn, value = new_arn(), new_value()
    through.store[arn] = value
    set_up(through, arn)
    cache = make_agent_cache(retries=2)
    with pytest.raises(SecretReadError) as caught:
        cache.get(arn)
    assert type(caught.value) is kind
    assert caught.value.code == code
    assert caught.value.cloud == "aws"
    assert caught.value.secret_ref == arn
    assert len(through.requests) == (3 if retried else 1)
    texts = [*texts_of(caught.value, cache, cache.stats()), caplog.text]
    assert all(token not in text and value not in text for text in texts)


def test_connection_refused_is_transient(
    clean_env: pytest.MonkeyPatch, make_agent_cache: Callable[..., KeyCache], free_port: Callable[[], int], token: str
) -> None:
    clean_env.setenv(AGENT_URL_VARIABLE, f"http://127.0.0.1:{free_port()}")
    clean_env.setenv("AWS_SESSION_TOKEN", token)
    cache = make_agent_cache(retries=1)
    with pytest.raises(SecretUnavailableError) as caught:
        cache.get(new_arn())
    assert caught.value.code == "ConnectionRefusedError"
    assert caught.value.retryable is True
    assert "did not answer; is it running?" in str(caught.value)
    assert cache.stats().fetches == 2
    assert token not in " ".join(texts_of(caught.value))


def test_the_last_good_value_is_served_while_the_agent_is_down(
    through: StandInAgent, make_agent_cache: Callable[..., KeyCache], clock: Any, new_value: Callable[[], str]
) -> None:
    arn, value = new_arn(), new_value()
    through.store[arn] = value
    cache = make_agent_cache(retries=1)
    assert cache.get(arn) == value
    through.stop()
    clock.advance(cache.ttl_seconds + 1)
    assert cache.get(arn) == value
    assert cache.stats().stale_served == 1
    assert cache.stats().failures == 2


def test_the_placeholder_through_the_agent_is_a_pending_key(
    through: StandInAgent, make_agent_cache: Callable[..., KeyCache]
) -> None:
    from ai_keys.rotation import PLACEHOLDER

    arn = new_arn()
    through.store[arn] = PLACEHOLDER
    with pytest.raises(KeyPendingError) as caught:
        make_agent_cache().get(arn)
    assert caught.value.cloud == "aws"
    assert len(through.requests) == 1


# ----------------------------------------------------------------------------------- ai-keys run, aresolve


def test_ai_keys_run_and_aresolve_read_through_the_agent(
    through: StandInAgent, make_agent_cache: Callable[..., KeyCache], new_value: Callable[[], str], token: str, capsys: Any
) -> None:
    arn, value = new_arn(), new_value()
    through.store[arn] = value
    started: List[Dict[str, str]] = []

    def execute(command: List[str], env: Any) -> int:
        started.append(dict(env))
        return 0

    assert run(["--env", f"OPENAI_API_KEY={arn}", "--", "app"], cache=make_agent_cache(), environ={}, execute=execute) == 0
    assert started == [{"OPENAI_API_KEY": value}]
    assert asyncio.run(aresolve(arn, cache=make_agent_cache())) == value
    assert len(through.requests) == 2
    # A refused token stops the run before the command, with a message that holds neither the token nor a value.
    through.token = "another-token"
    assert run(["--env", f"OPENAI_API_KEY={arn}", "--", "app"], cache=make_agent_cache(), environ={}, execute=execute) == 125
    err = capsys.readouterr().err
    assert "cannot read OPENAI_API_KEY" in err
    assert "AgentBadToken" in err
    assert token not in err
    assert value not in err
    assert len(started) == 1


# ------------------------------------------------------------------------------------------------ leaks


def test_neither_the_token_nor_a_value_appears_in_logs_reprs_or_errors(
    through: StandInAgent,
    clean_env: pytest.MonkeyPatch,
    make_agent_cache: Callable[..., KeyCache],
    clock: Any,
    new_value: Callable[[], str],
    token: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    arn, value = new_arn(), new_value()
    through.store[arn] = value
    token_file = tmp_path / "token"
    token_file.write_text(token, encoding="utf-8")
    clean_env.setenv("AWS_TOKEN", f"file://{token_file}")
    cache = make_agent_cache(retries=1)
    errors: List[BaseException] = []
    assert cache.get(arn) == value
    through.fail_next.extend([503, "drop"])  # a stale value served through an outage, logged as a warning
    clock.advance(cache.ttl_seconds + 1)
    assert cache.get(arn) == value
    for fault in ("not found", "bad token", "not the agent"):
        other = new_arn()
        through.store[other] = new_value()
        ERRORS[fault][0](through, other)
        with pytest.raises(SecretReadError) as caught:
            cache.get(other)
        errors.append(caught.value)
    assert "serving its last good value" in caplog.text
    assert len(errors) == 3
    texts = texts_of(*errors, cache, cache.stats(), cache._fetcher, AwsSecretsAgent(through.url))
    texts += [caplog.text, *(record.getMessage() for record in caplog.records), *(repr(r.args) for r in caplog.records)]
    for secret in (token, value, TOKEN_PREFIX, "VALUE-MUST-NOT-LEAK"):
        assert [text for text in texts if secret in text] == []


# ------------------------------------------------------------------------------------------------- the manual


def test_the_manual_names_the_settings_the_reader_uses() -> None:
    page = Path(__file__).resolve().parent.parent.parent / "docs" / "guides" / "reading-keys.md"
    text = page.read_text(encoding="utf-8")
    start = text.index("\n## AWS Secrets Manager Agent\n")
    section = " ".join(text[start : text.index("\n## ", start + 1)].split())
    named = [
        f"`{AGENT_URL_VARIABLE}`",
        f"`{EXTENSION_PORT_VARIABLE}`",
        ", ".join(f"`{name}`" for name in TOKEN_VARIABLES),  # in the order the agent reads them
        f"`{TOKEN_HEADER}`",
        "`refreshNow=true`",
        f"port {DEFAULT_PORT} when none is given",
        "code `AgentSetting`",
        "code `AgentBadToken`",
    ]
    assert [name for name in named if name not in section] == []
    assert len(named) == 8
