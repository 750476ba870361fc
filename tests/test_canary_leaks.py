"""Canary leak scan: every backend x every combination of the options it supports, built with a recognizable
value; the value must appear in no non-secret input or output, resource name, URN, log line or stack output."""

import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import pulumi
import pytest
from pulumi.runtime import rpc

from ai_keys import SecureApiKey
from ai_keys.testing import MockEngine

from .conftest import CANARY, canary_scan
from .scenarios import BACKENDS, args_for, combinations, leaks, supported

COMBINATIONS = list(combinations())


@contextmanager
def every_logger_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Capture every logger's records at DEBUG: the root's, and those of loggers that set a higher level of their
    own or do not propagate (the mock engine's ``pulumi.log`` logger, ``dill``...)."""
    assert logging.root.manager.disable == logging.NOTSET
    caplog.set_level(logging.DEBUG)
    attached: list[logging.Logger] = []
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if not isinstance(logger, logging.Logger):
            continue
        if logger.level > logging.DEBUG:
            caplog.set_level(logging.DEBUG, logger=name)  # restored by caplog after the test
        if not logger.propagate:
            logger.addHandler(caplog.handler)
            attached.append(logger)
    try:
        yield
    finally:
        for logger in attached:
            logger.removeHandler(caplog.handler)


def record_texts(record: logging.LogRecord) -> Iterator[str]:
    """Everything a log record could print: its message, its args, extras, and any exception or stack text."""
    yield str(record.msg)
    yield repr(record.args)
    yield record.getMessage()
    yield repr(vars(record))
    if record.exc_info and record.exc_info[1] is not None:
        yield "".join(traceback.format_exception(*record.exc_info))
    if record.exc_text:
        yield record.exc_text
    if record.stack_info:
        yield record.stack_info


def logged_leaks(records: list[logging.LogRecord], canary: str = CANARY) -> list[str]:
    return [f"{r.name}:{r.levelname}: {str(r.msg)[:60]}" for r in records if any(canary in t for t in record_texts(r))]


@pytest.mark.parametrize(("backend", "options"), COMBINATIONS, ids=[f"{b}[{'+'.join(o) or 'plain'}]" for b, o in COMBINATIONS])
def test_the_value_never_leaks(
    engine: MockEngine, backend: str, options: tuple[str, ...], caplog: pytest.LogCaptureFixture
) -> None:
    def program() -> None:
        key = SecureApiKey("assistant", args_for(backend, *options))  # type: ignore[arg-type]
        pulumi.export("secret_ref", key.secret_ref)
        pulumi.export("value", key.value)

    logged_before = len(engine.logs)  # setting the engine up logged some already
    with every_logger_at_debug(caplog):
        engine.run(program)
    assert not engine.failed
    assert engine.resources
    assert leaks(engine) == []
    assert rpc.is_rpc_secret(engine.stack_outputs["value"])
    # The capture saw what the engine's own (non-propagating) logger recorded, so it is not blind to it.
    assert [r.getMessage() for r in caplog.records if r.name == engine.logger.name] == engine.logs[logged_before:]
    assert logged_leaks(caplog.records) == []
    canary_scan.scanned += 1


def test_the_scan_covered_every_backend_and_combination() -> None:
    backends = {backend for backend, _ in COMBINATIONS}
    assert backends == {"aws-secrets-manager", "aws-api-gateway", "azure-key-vault", "gcp-secret-manager"}
    assert len(COMBINATIONS) == sum(2 ** len(supported(backend)) for backend in BACKENDS)
    # 2**7 subsets on aws-secrets-manager, aws-api-gateway (with its Secrets Manager copy) and gcp-secret-manager,
    # 2**5 on azure-key-vault: a change here means the scan lost (or gained) combinations.
    assert len(COMBINATIONS) == 416
    assert len(set(COMBINATIONS)) == len(COMBINATIONS)
    assert CANARY.isalnum()


def test_the_scanner_finds_a_value_the_sdk_leaves_unmarked(engine: MockEngine) -> None:
    """Proof the scan can fail: azure-native does not mark a Key Vault secret's value secret by itself."""
    import pulumi_azure_native as azure_native

    engine.run(
        lambda: azure_native.keyvault.Secret(
            "raw",
            resource_group_name="rg",
            vault_name="kv-raw",
            properties=azure_native.keyvault.SecretPropertiesArgs(value=CANARY),
        )
    )
    assert any("input .properties.value" in leak for leak in leaks(engine))


def test_the_log_scan_finds_the_value_in_any_logger_message_args_or_exception(caplog: pytest.LogCaptureFixture) -> None:
    """Proof the log scan can fail, wherever a record carries the value."""
    quiet = logging.getLogger("ai_keys.test.quiet")
    quiet.propagate = False
    quiet.setLevel(logging.WARNING)
    try:
        with every_logger_at_debug(caplog):
            logging.getLogger("ai_keys.test").debug("plain %s", "text")
            assert logged_leaks(caplog.records) == []
            logging.getLogger("ai_keys.test").debug("value: %s", CANARY)
            logging.getLogger("ai_keys.test").info("args only", extra={"key": CANARY})
            quiet.debug(CANARY)
            try:
                raise ValueError(CANARY)
            except ValueError:
                logging.getLogger("ai_keys.test").exception("failed")
    finally:
        quiet.propagate = True
        quiet.setLevel(logging.NOTSET)
    assert len(logged_leaks(caplog.records)) == 4
