"""Keep a key's value out of every log line written while it is read, the SDKs' lines included.

botocore logs the whole response body at DEBUG (``Response body: b'{..."SecretString": "..."}'``), the
Google client logs the response payload as an ``extra``, and other SDKs may follow. While a backend read
runs, every log record created in the reading thread is held back; when the read is over, the record is
released with the value (and the value fields of any response body) replaced by ``<hidden>``. Records of
other threads are never touched, so the app's own log lines are neither delayed nor changed.

How records are caught: a log-record factory (wrapping whatever factory was installed before) sees every
record; for one made in a reading thread it adds :data:`_HOLD` to that record's logger's filters, which
run right after the factory and hold the record. Filters stay on their loggers and cost one thread-local
lookup per record outside reads.
"""

import base64
import json
import logging
import re
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, List, Optional, Tuple

__all__ = ["HIDDEN", "hold_logs", "redact"]

HIDDEN = "<hidden>"

# A response body's value-bearing fields: AWS's SecretString/SecretBinary, Key Vault's value, GCP's
# payload data. Matched even when the body is cut short (no closing quote), so no prefix survives.
_VALUE_FIELDS = re.compile(r'("(?:SecretString|SecretBinary|value|data|Value|Data)"\s*:\s*")((?:[^"\\]|\\.)*)("?)')
# LogRecord attributes that are the record's own, not ``extra`` fields a library added.
_OWN_FIELDS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}

_state = threading.local()
_install_lock = threading.Lock()
_installed = False


class _Held:
    """The records held back during one read, with the logger each came from."""

    def __init__(self) -> None:
        self.records: List[Tuple[logging.Logger, logging.LogRecord]] = []


class _HoldFilter(logging.Filter):
    """Holds back records made in a reading thread (one instance, shared by every logger)."""

    def filter(self, record: logging.LogRecord) -> bool:
        held: Optional[_Held] = getattr(_state, "held", None)
        if held is None or getattr(record, "_ai_keys_released", False):
            return True
        # The record's own logger (this filter runs in its Logger.handle): looked up by name, so the hold
        # keeps working on loggers it was added to even if the app later replaces the record factory.
        logger = logging.root if record.name == "root" else logging.getLogger(record.name)
        held.records.append((logger, record))
        return False


_HOLD = _HoldFilter()


def _install() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if getattr(_state, "held", None) is not None and not getattr(_state, "releasing", False):
                logger = logging.root if record.name == "root" else logging.getLogger(record.name)
                if _HOLD not in logger.filters:
                    logger.addFilter(_HOLD)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


@contextmanager
def hold_logs() -> Iterator[Callable[[Optional[str]], None]]:
    """Hold back this thread's log records until the block ends, then release them redacted.

    Yields ``known(value)``: call it with the value once it is read, so it is hidden in every form
    (plain, JSON- and repr-escaped, base64). Nested use joins the outer hold.
    """
    _install()
    if getattr(_state, "held", None) is not None:
        yield lambda value: _state.values.append(value)
        return
    held = _state.held = _Held()
    _state.values = []
    try:
        yield lambda value: _state.values.append(value)
    finally:
        values: List[str] = [v for v in _state.values if v]
        _state.held = None
        _state.values = []
        _release(held, values)


def _release(held: _Held, values: List[str]) -> None:
    _state.releasing = True
    try:
        for logger, record in held.records:
            _scrub(record, values)
            record._ai_keys_released = True
            try:
                logger.handle(record)
            except Exception:  # noqa: S112 - a failing handler must not turn into a failed read
                continue
    finally:
        _state.releasing = False


def _scrub(record: logging.LogRecord, values: List[str]) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep only the template, never its arguments
        message = str(record.msg)
    record.msg, record.args = redact(message, values), ()
    if record.exc_info:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info), values)
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = redact(record.exc_text, values)
    if record.stack_info:
        record.stack_info = redact(record.stack_info, values)
    for name in list(record.__dict__):
        if name not in _OWN_FIELDS and not name.startswith("_ai_keys"):
            record.__dict__[name] = _scrub_value(record.__dict__[name], values)


def _scrub_value(obj: Any, values: List[str]) -> Any:
    if isinstance(obj, str):
        return redact(obj, values)
    if isinstance(obj, (bytes, bytearray)):
        return redact(repr(bytes(obj)), values)
    if isinstance(obj, dict):
        return {k: _scrub_value(v, values) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_scrub_value(v, values) for v in obj]
    if isinstance(obj, (int, float, bool)) or obj is None:
        return obj
    text = repr(obj)
    return redact(text, values) if text != redact(text, values) else obj


def redact(text: str, values: List[str]) -> str:
    """``text`` with every form of each of ``values`` and every response-body value field hidden."""
    for value in values:
        for form in _forms(value):
            if form:
                text = text.replace(form, HIDDEN)
    return _VALUE_FIELDS.sub(lambda m: m.group(1) + HIDDEN + m.group(3), text)


def _forms(value: str) -> "set[str]":
    data = value.encode("utf-8")
    json_form = json.dumps(value)[1:-1]
    return {
        value,
        json_form,
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],
        repr(data)[2:-1],
        repr(json_form.encode())[2:-1],
        base64.b64encode(data).decode(),
        base64.urlsafe_b64encode(data).decode(),
        base64.b64encode(data).decode().rstrip("="),
    }
