"""Recognising encoded values: base64 text, JWTs and DER public keys.

:func:`decode_base64_text` lets the policies read what a base64 value holds (EC2
``userDataBase64``, ConfigMap ``binaryData``, a Kubernetes Secret's ``data``, a key someone
base64-encoded), so a key inside is found and base64 config is judged by its content, not by the
randomness of its encoding. :func:`is_jwt` and :func:`is_public_key` recognise tokens that look
random but are public by design.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from functools import lru_cache

__all__ = ["decode_base64_text", "is_jwt", "is_public_key"]

_B64_RE = re.compile(r"[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+={0,2}")
_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
_MIN_BASE64_LENGTH = 16
# Control characters other than tab, newline and carriage return: binary data, not text.
_CONTROL_BYTES_RE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# DER of the algorithm identifiers of SubjectPublicKeyInfo: rsaEncryption, id-ecPublicKey,
# Ed25519/X25519/Ed448/X448 (RFC 8410), DSA.
_PUBLIC_KEY_OIDS = (
    bytes.fromhex("2a864886f70d010101"),
    bytes.fromhex("2a8648ce3d0201"),
    bytes.fromhex("2b6570"),
    bytes.fromhex("2b656e"),
    bytes.fromhex("2b6571"),
    bytes.fromhex("2b656f"),
    bytes.fromhex("2a8648ce380401"),
)


def _b64decode(text: str) -> bytes | None:
    if len(text) < _MIN_BASE64_LENGTH or not _B64_RE.fullmatch(text):
        return None
    padded = text + "=" * (-len(text) % 4)
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def _is_text(data: bytes) -> str | None:
    if not data or _CONTROL_BYTES_RE.search(data):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


@lru_cache(maxsize=65536)
def decode_base64_text(text: str) -> str | None:
    """Return what ``text`` encodes when it is base64 (standard or URL-safe) of printable UTF-8 text.

    Returns ``None`` for anything else, including base64 of binary data (random key material,
    which stays judged as it is).
    """
    data = _b64decode(text)
    return None if data is None else _is_text(data)


def is_jwt(text: str) -> bool:
    """True when ``text`` is a JSON Web Token: three base64url parts, the first a JSON header with ``alg``."""
    if not _JWT_RE.fullmatch(text):
        return False
    header = _b64decode(text.split(".", 1)[0])
    if header is None:
        return False
    try:
        parsed = json.loads(header)
    except ValueError:
        return False
    return isinstance(parsed, dict) and "alg" in parsed


def is_public_key(text: str) -> bool:
    """True when ``text`` is the base64 DER of a public key (an X.509 SubjectPublicKeyInfo).

    A SubjectPublicKeyInfo is a SEQUENCE whose first element is the algorithm SEQUENCE; a PKCS #8
    private key starts with an INTEGER instead, so private keys never count as public.
    """
    data = _b64decode(text)
    if data is None or len(data) < 20 or data[0] != 0x30:
        return False
    # Skip the outer SEQUENCE's length (short or long form) and expect the inner SEQUENCE.
    offset = 2 + (data[1] & 0x7F if data[1] & 0x80 else 0)
    if offset >= len(data) or data[offset] != 0x30:
        return False
    head = data[offset : offset + 24]
    return any(oid in head for oid in _PUBLIC_KEY_OIDS)
