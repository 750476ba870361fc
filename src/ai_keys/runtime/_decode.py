"""Turn a secret's bytes into text without letting the bytes reach an exception."""

from typing import Optional

from .errors import SecretReadError


def decode_utf8(data: bytes, secret_ref: str, cloud: str) -> str:
    """Decode ``data`` as UTF-8, or raise a :class:`SecretReadError` that carries none of it.

    The decode happens outside any ``except`` block on purpose: a ``UnicodeDecodeError`` holds the
    bytes it failed on, and must never become the ``__context__`` of the error the caller sees.
    """
    text: Optional[str]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None:
        raise SecretReadError(secret_ref, cloud, "NotUtf8", hint="the secret's value is not UTF-8 text")
    return text
