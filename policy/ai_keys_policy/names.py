"""What the name of a variable, setting or output says about its value.

A name is split into lower-case words on separators and case changes (``AzureOpenAI__ApiKey`` ->
``azure open ai api key``). The rules use those words:

* :func:`says_public`: the name holds something public by design: an id, ARN, name, URL, hash,
  version, public key or anonymous key (``VPC_ID``, ``KMS_KEY_ARN``, ``CONFIG_HASH``,
  ``PUBLIC_KEY``, ``SUPABASE_ANON_KEY``). The entropy rule never reports such a value.
* :func:`says_secret`: the name holds a credential (``API_KEY``, ``authToken``, ``DB_PASSWORD``,
  ``CLIENT_SECRET``) and does not say public. Values of shapes that are ambiguous on their own (32
  hex digits, an MD5 checksum or an Azure AI key) are reported only under such a name.
* :func:`mentions`: the name mentions a vendor (``MISTRAL_API_KEY`` mentions ``mistral``).
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["mentions", "name_words", "says_public", "says_secret"]

# Splits "AzureOpenAI__ApiKey" into Azure, Open, AI, Api, Key (acronyms stay whole).
_WORD_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

_SECRET_WORDS = frozenset(
    {
        "key", "apikey", "token", "secret", "secrets", "password", "passwd", "pwd", "pass", "passphrase",
        "credential", "credentials", "cred", "creds", "auth", "pat", "bearer", "signing",
    }
)  # fmt: skip

# A name ending in one of these words names a reference to something, not the thing's secret value.
_PUBLIC_LAST_WORDS = frozenset(
    {
        "id", "ids", "arn", "arns", "name", "names", "url", "urls", "uri", "endpoint", "host", "hostname",
        "domain", "region", "zone", "path", "dir", "file", "version", "ver", "sha", "hash", "digest",
        "checksum", "md", "etag", "commit", "revision", "rev", "build", "tag", "image", "fingerprint",
        "thumbprint", "issuer", "audience", "kid", "ref", "alias", "type", "length", "size", "count",
        "bucket", "table", "topic", "queue", "account", "project", "location", "prefix", "suffix",
    }
)  # fmt: skip

# Any of these words makes the whole name public: PUBLIC_KEY, SUPABASE_ANON_KEY, JWT_PUB_KEY.
# KMS keys and CMKs are referenced by id or ARN; their material never leaves KMS.
_PUBLIC_WORDS = frozenset({"public", "pub", "pubkey", "anon", "publishable", "cert", "certificate", "kms", "cmk"})


@lru_cache(maxsize=4096)
def name_words(name: str) -> tuple[str, ...]:
    """The lower-case words of ``name``, without trailing numbers (``API_KEY_17`` -> api, key)."""
    words = [w.lower() for w in _WORD_RE.findall(name)]
    while words and words[-1].isdigit():
        words.pop()
    return tuple(words)


def says_public(name: str) -> bool:
    """True when ``name`` says its value is public by design (an id, a hash, a public key...)."""
    words = name_words(name)
    if not words:
        return False
    return words[-1] in _PUBLIC_LAST_WORDS or any(w in _PUBLIC_WORDS for w in words)


def says_secret(name: str) -> bool:
    """True when ``name`` says its value is a credential."""
    words = name_words(name)
    if not words or says_public(name):
        return False
    return any(w in _SECRET_WORDS for w in words) or "".join(words).endswith(("apikey", "secretkey", "accesskey", "privatekey"))


def mentions(name: str, *vendors: str) -> bool:
    """True when one of ``vendors`` (lower-case, no separators) occurs in ``name``'s words."""
    joined = "".join(name_words(name))
    return any(vendor in joined for vendor in vendors)
