"""No logger shows a key's value, the SDKs' own included, at any level, and the app's lines still flow.

These tests turn on DEBUG for every logger, as ``logging.basicConfig(level=logging.DEBUG)`` does, so
botocore logs response bodies and the Google client logs response payloads.
"""

import base64
import logging
import threading
from typing import Any, Callable, Iterator, List

import pytest

from ai_keys.runtime import KeyCache, SdkClientFactory
from ai_keys.runtime._logsafe import HIDDEN, hold_logs

VAULT = "https://kv-ai-keys-test.vault.azure.net"


class Everything(logging.Handler):
    """Keeps every record, and the text a formatter would print of it with all its fields."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: List[logging.LogRecord] = []
        self.texts: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.texts.append(self.format(record) + " " + repr(record.__dict__))


@pytest.fixture
def all_logs() -> Iterator[Everything]:
    """DEBUG on for the root logger and on "google" (which the Google client may stop propagating)."""
    handler = Everything()
    targets = [logging.getLogger(), logging.getLogger("google")]
    saved = [(logger, logger.level) for logger in targets]
    for logger in targets:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield handler
    for logger, level in saved:
        logger.removeHandler(handler)
        logger.setLevel(level)


def assert_not_shown(value: str, logs: Everything) -> None:
    """Neither the value, nor its tail, nor its base64 (GCP's REST payloads) in any record."""
    assert logs.records, "nothing was logged: the test would prove nothing"
    forms = [value, value[len("sk-test-") :], base64.b64encode(value.encode()).decode()[:40]]
    leaks = [text for text in logs.texts if any(form in text for form in forms)]
    assert leaks == []


def test_aws_botocore_debug_logs_hide_the_value(
    make_cache: Callable[..., KeyCache], make_aws_secret: Callable[[str], str], new_value: Callable[[], str], all_logs: Everything
) -> None:
    value = new_value()
    arn = make_aws_secret(value)
    all_logs.records.clear()
    all_logs.texts.clear()
    assert make_cache().get(arn) == value
    assert_not_shown(value, all_logs)
    bodies = [r for r in all_logs.records if r.name == "botocore.parsers" and "Response body" in r.getMessage()]
    assert bodies, "botocore's response-body line is kept, with the value hidden"
    assert all(HIDDEN in r.getMessage() for r in bodies)


def test_an_sdk_line_at_any_level_during_a_read_is_hidden(
    moto_endpoint: str,
    new_aws_client: Callable[..., Any],
    make_aws_secret: Callable[[str], str],
    new_value: Callable[[], str],
    all_logs: Everything,
) -> None:
    value = new_value()
    arn = make_aws_secret(value)

    def log_the_body(http_response: Any, **_: Any) -> None:
        # What a chatty SDK or plugin might do: log the raw body at WARNING, as an argument and inline.
        text = http_response.content.decode()
        logging.getLogger("botocore.chatty").warning("got %s", text)
        logging.getLogger("urllib3.chatty").error("inline: " + text)

    def build(region: str) -> Any:
        client = new_aws_client(moto_endpoint, region)
        client.meta.events.register("after-call.secrets-manager.GetSecretValue", log_the_body)
        return client

    cache = KeyCache(client_factory=SdkClientFactory(aws=build))
    all_logs.records.clear()  # creating the secret logged it: that was the test's own admin client
    all_logs.texts.clear()
    assert cache.get(arn) == value
    assert_not_shown(value, all_logs)
    chatty = [r for r in all_logs.records if r.name.endswith(".chatty")]
    assert [r.levelno for r in chatty] == [logging.WARNING, logging.ERROR]


def test_gcp_client_debug_logs_hide_the_value(
    make_cache: Callable[..., KeyCache], make_gcp_secret: Callable[[str], str], new_value: Callable[[], str], all_logs: Everything
) -> None:
    value = new_value()
    ref = make_gcp_secret(value)
    all_logs.records.clear()
    all_logs.texts.clear()
    assert make_cache().get(ref) == value
    assert_not_shown(value, all_logs)


def test_azure_core_logs_hide_the_value(
    make_cache: Callable[..., KeyCache], kv_stub: Any, new_value: Callable[[], str], all_logs: Everything
) -> None:
    value = new_value()
    kv_stub.set_secret("k", value)
    logging.getLogger("azure.test").debug("a line, so the check below can fail")
    assert make_cache().get(f"{VAULT}/secrets/k") == value
    assert_not_shown(value, all_logs)


def test_a_cut_body_leaks_no_prefix_of_the_value(all_logs: Everything) -> None:
    with hold_logs():
        # A body cut short: the value is unknown to the reader, but its field is still hidden.
        logging.getLogger("botocore.parsers").debug(
            "Response body:\n%r", b'{"ARN": "a", "SecretString": "sk-test-VALUE-MUST-NOT-LEAK-12'
        )
    assert_not_shown("sk-test-VALUE-MUST-NOT-LEAK-12", all_logs)
    assert '"SecretString": "<hidden>' in all_logs.records[0].getMessage()


def test_the_apps_own_lines_are_neither_held_nor_changed(all_logs: Everything) -> None:
    app = logging.getLogger("myapp")
    inside = threading.Event()
    release = threading.Event()
    seen_while_held: List[int] = []

    def reader() -> None:
        with hold_logs() as known:
            logging.getLogger("botocore.parsers").debug("body %s", "sk-held")
            inside.set()
            assert release.wait(5)
            known("sk-held")

    thread = threading.Thread(target=reader)
    thread.start()
    assert inside.wait(5)
    app.info("app line from another thread: %s", "kept as is")
    seen_while_held.append(len(all_logs.records))
    release.set()
    thread.join(5)
    assert seen_while_held == [1]  # the app's line went out at once, the SDK's was held
    assert [r.getMessage() for r in all_logs.records] == ["app line from another thread: kept as is", f"body {HIDDEN}"]
    app.info("after the read, same thread: %s", "sk-held")  # not a read: not touched
    assert all_logs.records[-1].getMessage() == "after the read, same thread: sk-held"


def test_the_hold_survives_an_app_replacing_the_record_factory(all_logs: Everything) -> None:
    with hold_logs() as known:
        logging.getLogger("botocore.parsers").debug("first read %s", "sk-first")  # installs the hold here
        known("sk-first")
    previous = logging.getLogRecordFactory()
    logging.setLogRecordFactory(logging.LogRecord)  # an app that does not wrap the factory it found
    try:
        with hold_logs() as known:
            logging.getLogger("botocore.parsers").debug("second read %s", "sk-second")
            known("sk-second")
    finally:
        logging.setLogRecordFactory(previous)
    assert [r.getMessage() for r in all_logs.records] == [f"first read {HIDDEN}", f"second read {HIDDEN}"]
