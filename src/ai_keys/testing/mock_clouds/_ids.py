"""Deterministic fake identifiers, so mock runs and previews are repeatable."""

import hashlib
import string
import uuid

_ALNUM = string.ascii_letters + string.digits


def stable_id(*parts: str, length: int = 12, alphabet: str = string.ascii_lowercase + string.digits) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest)[:length]


def stable_alnum(*parts: str, length: int) -> str:
    digest = b"".join(hashlib.sha256(f"{i}\x00{'|'.join(parts)}".encode()).digest() for i in range(1 + length // 32))
    return "".join(_ALNUM[b % len(_ALNUM)] for b in digest)[:length]


def stable_uuid(*parts: str) -> str:
    return str(uuid.UUID(hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]))


def autoname(name: str, length: int, alphabet: str = string.ascii_lowercase + string.digits) -> str:
    """The random suffix the engine would add to ``name``: stable per stack (the mock engine is repeatable),
    and different in another stack, as the engine's are."""
    import pulumi

    return stable_id("autoname", pulumi.get_stack(), name, length=length, alphabet=alphabet)
