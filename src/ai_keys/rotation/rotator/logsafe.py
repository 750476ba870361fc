"""Keeps key values out of the log records of the process the rotator runs in, the SDKs' records included.

At DEBUG, botocore logs whole request and response bodies (``Response body: b'...<ServiceCredentialSecret>...'``),
before the rotator ever sees the value. So every record is cleaned when it is made (a log-record factory wrapping
whatever factory was there): the value fields of any JSON or XML body are replaced by ``<hidden>``, and so is every
value the rotator has handled (:func:`hide`), in the message, the exception text and the stack.
"""

import base64
import json
import logging
import re
import threading
from collections import deque
from typing import Any
from urllib.parse import quote

__all__ = ["HIDDEN", "hide", "install", "redact"]

HIDDEN = "<hidden>"

_FIELDS = (
    "SecretString|SecretBinary|ServiceCredentialSecret|ServicePassword|value|Value|keyString|key1|key2"
    "|access_token|admin_key|api_key|primaryKey|secondaryKey"
)
# JSON (also inside a bytes repr) and Python dict reprs: the field's value up to its closing quote, or to the end
# when the text is cut short.
_JSON = re.compile(rf'("(?:{_FIELDS})"\s*:\s*")((?:[^"\\]|\\.)*)')
_REPR = re.compile(rf"('(?:{_FIELDS})'\s*:\s*')((?:[^'\\]|\\.)*)")
_XML = re.compile(r"(<(ServiceCredentialSecret|ServicePassword|SecretString)>)([^<]*)")

_known: "deque[str]" = deque(maxlen=256)
_lock = threading.Lock()
_installed = False
_formatter = logging.Formatter()


def hide(value: str) -> None:
    """Hide ``value`` (and its JSON, URL and base64 spellings) in every record made from now on."""
    if not value:
        return
    forms = {value, json.dumps(value)[1:-1], quote(value, safe=""), base64.b64encode(value.encode()).decode()}
    with _lock:
        for form in forms:
            if len(form) >= 8 and form not in _known:
                _known.append(form)


def redact(text: str) -> str:
    """``text`` with every value field and every hidden value replaced by ``<hidden>``."""
    text = _JSON.sub(lambda m: m.group(1) + HIDDEN, text)
    text = _REPR.sub(lambda m: m.group(1) + HIDDEN, text)
    text = _XML.sub(lambda m: m.group(1) + HIDDEN, text)
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, HIDDEN)
    return text


def _clean(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to logging's own error handling
        return
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[1] is not None:
        text = _formatter.formatException(record.exc_info)
        cleaned = redact(text)
        if cleaned != text:
            record.exc_text = cleaned
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install() -> None:
    """Clean every log record of this process from now on (idempotent; wraps the current record factory)."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _clean(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
