"""The docs' app samples read keys, and the local-endpoint recipes reach local backends, all on 127.0.0.1.

* Every app sample (a block of README.md, the manual under docs/ or an example's README that imports
  ``ai_keys.runtime``, as ``tests/test_docs_samples.py`` sorts them) runs as written against the local backends of
  ``conftest.py``.
* "Local endpoints" (``docs/guides/local-endpoints.md``): AWS through ``AWS_ENDPOINT_URL`` and a ``moto_server``
  started with the page's own command, read by ``examples/multi-cloud/app.py`` in a child process; GCP through the
  page's ``SdkClientFactory`` recipe and a ``drongo server`` started with its command; Azure through its
  ``SecretClient`` recipe and a Key Vault stand-in serving HTTPS here with a certificate authority made by trustme.
"""

import importlib.util
import json
import os
import re
import shlex
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional

import boto3
import pytest
import trustme
from google.auth.credentials import AnonymousCredentials

from ai_keys.runtime import KeyCache, SdkClientFactory, default_cache, resolve, set_default_cache

ROOT = Path(__file__).resolve().parent.parent.parent
LOCAL_ENDPOINTS_PAGE = ROOT / "docs" / "guides" / "local-endpoints.md"
BIN = Path(sys.executable).parent


def _load_docs_samples() -> Any:
    # Loaded by path, as conftest loads its tools: tests import with --import-mode=importlib.
    spec = importlib.util.spec_from_file_location("ai_keys_docs_samples", ROOT / "tests" / "test_docs_samples.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_DOCS = _load_docs_samples()
APP_SAMPLES = [s for s in _DOCS.SAMPLES if s.kind is _DOCS.Kind.APP]
LOCAL_SAMPLES = [s for s in _DOCS.SAMPLES if s.kind is _DOCS.Kind.LOCAL_ENDPOINT]


def _local_endpoints() -> str:
    text = LOCAL_ENDPOINTS_PAGE.read_text(encoding="utf-8")
    return text[text.index("**Local endpoints: moto, emulators, tests.**") :]


def _one(pattern: str, text: str) -> "re.Match[str]":
    matches = list(re.finditer(pattern, text, flags=re.M))
    assert len(matches) == 1, f"expected one match of {pattern!r} in the local endpoints page, found {len(matches)}"
    return matches[0]


def _wait_for_port(port: int, process: "subprocess.Popen[bytes]") -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{process.args!r} exited with {process.returncode}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{process.args!r} did not listen on 127.0.0.1:{port}")


@pytest.fixture
def start_documented() -> Iterator[Callable[[str, str, int], None]]:
    """Start the documented command ``command`` (its console script from this venv) with ``port`` for ``documented_port``."""
    started: list[subprocess.Popen[bytes]] = []

    def start(command: str, documented_port: str, port: int) -> None:
        argv = [str(port) if arg == documented_port else arg for arg in shlex.split(command)]
        argv[0] = str(BIN / argv[0])
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603 - the documented command
        started.append(process)
        _wait_for_port(port, process)

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def own_default_cache() -> Iterator[None]:
    """Whatever default cache a sample sets, the next test gets the one it had."""
    previous = default_cache()
    yield
    set_default_cache(previous)


def _run(source: str, where: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "sample"}
    exec(compile(source, where, "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace


# ---------------------------------------------------------------------------------------------- app samples


class _Receiver:
    """An HTTP endpoint on 127.0.0.1 that answers 200 and records the ``x-api-key`` of every request."""

    def __init__(self) -> None:
        self.keys: list[Optional[str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.keys.append(self.headers.get("x-api-key"))
                body = b"{}"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer  # noqa: N815 - http.server's names

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    server = _Receiver()
    yield server
    server.close()


def test_the_app_samples_are_found() -> None:
    assert len(APP_SAMPLES) >= 8
    where = {s.path.relative_to(ROOT).as_posix() for s in APP_SAMPLES}
    assert where == {
        "README.md",
        "docs/guides/reading-keys.md",
        "docs/guides/ai-sdks.md",
        "examples/aws-api-gateway/README.md",
    }


@pytest.mark.parametrize("sample", APP_SAMPLES, ids=lambda s: s.where)
def test_an_app_sample_runs_as_written_against_local_backends(
    sample: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    moto_endpoint: str,
    make_aws_secret: Callable[[str], str],
    make_gcp_secret: Callable[[str], str],
    kv_stub: Any,
    clients: SdkClientFactory,
    receiver: _Receiver,
    new_value: Callable[[], str],
    own_default_cache: None,
) -> None:
    value = new_value()
    # The cloud the sample's comment shows a reference of; AWS when it shows none.
    if "vault.azure.net" in sample.source:
        name = f"k{uuid.uuid4().hex[:12]}"
        kv_stub.set_secret(name, value)
        ref = f"https://kv-sample.vault.azure.net/secrets/{name}"
    elif re.search(r"\bprojects/", sample.source):
        ref = make_gcp_secret(value)
    else:
        ref = make_aws_secret(value)
    # A sample that sets a cache of its own reads AWS through the endpoint variable the local endpoints page documents.
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    for name, setting in {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, setting)
    variables = set(re.findall(r"os\.environ\[[\"'](\w+)[\"']\]", sample.source))
    assert variables, f"{sample.where} takes its reference from nowhere the test can set"
    for variable in variables:
        assert variable.endswith(("_REF", "_URL")), f"{sample.where}: unknown variable {variable}"
        monkeypatch.setenv(variable, ref if variable.endswith("_REF") else receiver.url)
    set_default_cache(KeyCache(client_factory=clients))

    namespace = _run(sample.source, sample.where)

    if re.search(r"\ba?resolve\(", sample.source):
        assert default_cache().stats().fetches >= 1, f"{sample.where} read nothing"
    if isinstance(namespace.get("api_key"), str):
        assert namespace["api_key"] == value
    if any(variable.endswith("_URL") for variable in variables):
        assert receiver.keys == [value]
    captured = capsys.readouterr()
    assert value not in captured.out + captured.err


# -------------------------------------------------------------------------------------------- local endpoints


def test_every_local_endpoint_sample_is_one_this_module_runs() -> None:
    assert len(LOCAL_SAMPLES) == 2
    assert [("secretmanager" in s.source, "SecretClient" in s.source) for s in LOCAL_SAMPLES] == [(True, False), (False, True)]


def test_aws_reads_go_to_moto_through_aws_endpoint_url(
    start_documented: Callable[[str, str, int], None], free_port: Callable[[], int], new_value: Callable[[], str]
) -> None:
    text = _local_endpoints()
    server = _one(r"^\s*(moto_server -H 127\.0\.0\.1 -p (\d+))", text)
    exports = _one(r"^\s*export (AWS_ENDPOINT_URL=\S+(?: \w+=\S+)*)$", text).group(1)
    run = _one(r"^\s*OPENAI_KEY_REF=\S+ (python app\.py)$", text)
    assert run.group(1) == "python app.py"
    port = free_port()
    start_documented(server.group(1), server.group(2), port)
    documented = dict(pair.split("=", 1) for pair in exports.split())
    assert documented["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{server.group(2)}"
    endpoint = f"http://127.0.0.1:{port}"

    value = new_value()
    admin = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    created = admin.client("secretsmanager", endpoint_url=endpoint).create_secret(Name="openai", SecretString=value)
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_EC2_METADATA_DISABLED": "true",  # nothing but the endpoint answers, whatever the app tries
        **documented,
        "AWS_ENDPOINT_URL": endpoint,
        "OPENAI_KEY_REF": created["ARN"],
    }
    app = ROOT / "examples" / "multi-cloud" / "app.py"
    done = subprocess.run(  # noqa: S603 - the example's app, run by this interpreter
        [sys.executable, str(app)], env=environment, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"read a key of {len(value)} characters"
    assert value not in done.stdout + done.stderr


def test_gcp_reads_go_to_drongo_through_the_documented_client(
    start_documented: Callable[[str, str, int], None],
    free_port: Callable[[], int],
    new_value: Callable[[], str],
    own_default_cache: None,
) -> None:
    server = _one(r"`(drongo server --host 127\.0\.0\.1 --port (\d+))`", _local_endpoints())
    port = free_port()
    start_documented(server.group(1), server.group(2), port)
    (sample,) = [s for s in LOCAL_SAMPLES if "secretmanager" in s.source]
    documented = f"127.0.0.1:{server.group(2)}"
    assert documented in sample.source
    namespace = _run(sample.source.replace(documented, f"127.0.0.1:{port}"), sample.where)

    value = new_value()
    admin = namespace["secretmanager"].SecretManagerServiceClient(
        transport="rest", credentials=AnonymousCredentials(), client_options={"api_endpoint": f"http://127.0.0.1:{port}"}
    )
    secret = admin.create_secret(parent="projects/my-project", secret_id="openai", secret={"replication": {"automatic": {}}})
    admin.add_secret_version(parent=secret.name, payload={"data": value.encode()})
    assert resolve(f"{secret.name}/versions/latest") == value
    assert default_cache().stats().fetches == 1


class KeyVaultStandIn:
    """Key Vault's secret read on 127.0.0.1 over HTTPS: the Bearer challenge first, then secrets by name."""

    def __init__(self, certificate: "trustme.LeafCert") -> None:
        self.secrets: dict[str, str] = {}
        self.challenges = 0
        self.tokens: list[str] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                authorization = self.headers.get("Authorization")
                if authorization is None:
                    stand_in.challenges += 1
                    challenge = (
                        'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", '
                        'resource="https://vault.azure.net"'
                    )
                    self._send(401, {"error": {"code": "Unauthorized"}}, {"WWW-Authenticate": challenge})
                    return
                stand_in.tokens.append(authorization)
                parts = [p for p in self.path.split("?", 1)[0].split("/") if p]
                value = stand_in.secrets.get(parts[1]) if len(parts) in (2, 3) and parts[0] == "secrets" else None
                if value is None:
                    self._send(404, {"error": {"code": "SecretNotFound", "message": "no such secret"}})
                    return
                self._send(
                    200, {"value": value, "id": f"https://127.0.0.1/secrets/{parts[1]}/1", "attributes": {"enabled": True}}
                )

            def _send(self, status: int, body: dict[str, Any], headers: Optional[dict[str, str]] = None) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                for key, header in {
                    "Content-Type": "application/json",
                    "Content-Length": str(len(payload)),
                    **(headers or {}),
                }.items():
                    self.send_header(key, header)
                self.end_headers()
                self.wfile.write(payload)

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        certificate.configure_cert(context)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_azure_reads_go_to_a_local_stand_in_through_the_documented_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, new_value: Callable[[], str], own_default_cache: None
) -> None:
    authority = trustme.CA()
    stand_in = KeyVaultStandIn(authority.issue_cert("127.0.0.1"))
    try:
        (sample,) = [s for s in LOCAL_SAMPLES if "SecretClient" in s.source]
        documented = _one(r'"https://(127\.0\.0\.1:\d+)"', sample.source).group(1)
        ca_file = _one(r'connection_verify="([\w.-]+)"', sample.source).group(1)
        authority.cert_pem.write_to_path(str(tmp_path / ca_file))
        monkeypatch.chdir(tmp_path)  # the sample names the file relative to where the app runs
        _run(sample.source.replace(documented, f"127.0.0.1:{stand_in.port}"), sample.where)

        value = new_value()
        stand_in.secrets["openai"] = value
        assert resolve("https://kv-payments.vault.azure.net/secrets/openai") == value
        assert stand_in.challenges == 1
        assert stand_in.tokens == ["Bearer stand-in"]
    finally:
        stand_in.close()
