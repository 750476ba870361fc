"""Pure functions that recognise plaintext API keys in strings.

Three kinds of detection live here:

* **Fixed-prefix patterns** (:func:`find_keys`, from :mod:`ai_keys_policy.key_patterns`, which the
  ``ai-keys`` wheel shares) recognise keys by their documented shape. They are precise enough to run
  on every string input of every resource. :func:`find_keys_decoding` also looks inside base64 of text.

* **Name-based vendor rules** (:func:`find_key_by_name`) recognise keys that have no fixed prefix
  (Azure OpenAI / AI services, Mistral, Cohere, legacy Together AI keys, AWS secret access keys, AWS
  API Gateway keys, Azure API Management subscription keys) from their shape and the name they are stored
  under.

* **Entropy detection** (:func:`looks_high_entropy`) flags random-looking tokens of no known
  vendor. The policies apply it to value slots only (environment variables, settings, data keys,
  SSM parameters, user data assignments, stack outputs) and let users allow-list names and
  values. A value counts as high-entropy when all of these hold:

  1. it is at least ``min_length`` (default 20) characters long;
  2. it is a single token made only of ``A-Z a-z 0-9 + / = _ - . ~``: anything with whitespace,
     ``:``, ``@``, ``,``, ``(``, ``{``, ``$`` and so on is structured text (URLs, ARNs, e-mail
     addresses, JSON, lists, connection strings, Key Vault references, templates) and is skipped;
  3. it is not a UUID, a host name, a KMS multi-Region key id, a JWT, the base64 DER of a public
     key, or base64 of text (the text is judged instead);
  4. its name (when it has one) does not say it is public: an id, ARN, name, URL, hash, digest,
     version, public or anonymous key (see :mod:`ai_keys_policy.names`);
  5. it is not a readable identifier: a value whose parts (split on ``- _ . /``) all read as
     words, acronyms and numbers, are at most three characters long, or are cloud id parts
     (``user-uploads-70e2e61``, ``vpc-0a1b2c3d4e5f67890``, ``Z0719462P6HTLUWSOGX2``; see
     :func:`looks_like_identifier`). Under a credential name (``API_KEY``, ``TOKEN``...) cloud id
     parts do not count;
  6. if it is all hex digits: it is at least 32 long, is not 40 or 64 long (SHA-1/SHA-256 digests
     such as git commit ids), is not 32 long unless its name is a credential name (an MD5 checksum
     otherwise), and its Shannon entropy is at least ``hex_threshold`` (default 3.0 bits per
     character, the most hex can reach is 4.0);
  7. otherwise its Shannon entropy is at least ``threshold`` (default 3.5 bits per character).

  ``benchmarks/policy_corpus.py`` measures these rules on the labelled corpus of the tests.

Nothing in this module ever returns or formats a key beyond the fixed prefix of its kind (see
:attr:`Match.hint`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

from .encodings import decode_base64_text, is_jwt, is_public_key
from .key_patterns import KeyKind, Match, find_keys
from .names import mentions, name_words, says_public, says_secret

__all__ = [
    "DEFAULT_ENTROPY_THRESHOLD",
    "DEFAULT_HEX_ENTROPY_THRESHOLD",
    "DEFAULT_MIN_ENTROPY_LENGTH",
    "KeyKind",
    "Match",
    "find_key_by_name",
    "find_keys",
    "find_keys_decoding",
    "looks_high_entropy",
    "looks_like_identifier",
    "redact_keys",
    "shannon_entropy",
]

DEFAULT_ENTROPY_THRESHOLD = 3.5
"""Default minimum Shannon entropy, in bits per character, of a flagged non-hex token."""

DEFAULT_HEX_ENTROPY_THRESHOLD = 3.0
"""Default minimum Shannon entropy, in bits per character, of a flagged hex token."""

DEFAULT_MIN_ENTROPY_LENGTH = 20
"""Default minimum length of a string that the entropy detector considers."""


def find_keys_decoding(text: str) -> tuple[list[Match], bool]:
    """:func:`find_keys` on ``text``, or on what it encodes when it is base64 of text.

    Returns the matches and whether they were found in the decoded text.
    """
    found = find_keys(text)
    if found:
        return found, False
    decoded = decode_base64_text(text)
    return (find_keys(decoded), True) if decoded is not None else ([], False)


# Vendor keys without a fixed prefix: recognised by their shape when the name says whose key it is.
_AZURE_AI_RE = re.compile(r"[0-9a-fA-F]{32}")
_ALNUM_32_RE = re.compile(r"[A-Za-z0-9]{32}")
_ALNUM_40_RE = re.compile(r"[A-Za-z0-9]{40}")
_HEX_64_RE = re.compile(r"[0-9a-f]{64}")
_AWS_SECRET_RE = re.compile(r"[A-Za-z0-9/+]{40}")
# API Gateway accepts 20-128 letters and digits as a key's value and generates 40.
_API_GATEWAY_RE = re.compile(r"[A-Za-z0-9]{20,128}")


def find_key_by_name(name: str, value: str, *, azure_ai_context: bool = False) -> Match | None:
    """Recognise a vendor key that has no fixed prefix from its shape and the ``name`` it is stored under.

    ================================ ===================================================================
    Kind                             Shape, and what the name must mention
    ================================ ===================================================================
    Azure OpenAI / AI services key   32 hex digits; ``azure``, ``openai`` or ``cognitive`` and a
                                     credential word (``AZURE_OPENAI_API_KEY``, ``AzureOpenAI__ApiKey``),
                                     or only a credential word (``API_KEY``) when ``azure_ai_context``
                                     says the resource also holds an Azure OpenAI / AI services endpoint
    Mistral                          32 letters/digits; ``mistral``
    Cohere                           40 letters/digits; ``cohere`` or ``CO_API_KEY``
    Together AI (legacy)             64 hex digits; ``together``
    AWS secret access key            40 of ``A-Za-z0-9/+``; ``secret access key``, ``aws`` + ``secret``
                                     or exactly ``secretKey``/``secret_key``
    AWS API Gateway key              20-128 letters/digits; ``apigateway`` or ``apigw`` and a credential
                                     word (``API_GATEWAY_KEY``, ``apigwApiKey``)
    Azure API Management key         32 hex digits (what API Management generates); a word starting
                                     with ``apim`` or the words ``api management``, and a credential word
                                     (``APIM_SUBSCRIPTION_KEY``, ``Ocp-Apim-Subscription-Key``, the header
                                     clients send it in)
    ================================ ===================================================================

    A name that says its value is public (:func:`ai_keys_policy.names.says_public`) never matches.
    """
    if not name or not 20 <= len(value) <= 128 or says_public(name):
        return None  # MISTRAL_DEPLOYMENT_ID names an id, not a key
    kind: KeyKind | None = None
    if len(value) == 32:
        azure = azure_ai_context or mentions(name, "azure", "openai", "cognitive")
        if _AZURE_AI_RE.fullmatch(value) and _names_apim(name) and says_secret(name):
            kind = KeyKind.AZURE_APIM_KEY  # before Azure AI: AZURE_APIM_KEY names API Management, not an account
        elif _AZURE_AI_RE.fullmatch(value) and azure and says_secret(name):
            kind = KeyKind.AZURE_AI_KEY
        elif _ALNUM_32_RE.fullmatch(value) and mentions(name, "mistral"):
            kind = KeyKind.MISTRAL
    elif len(value) == 40:
        joined = "".join(name_words(name))
        if _ALNUM_40_RE.fullmatch(value) and (mentions(name, "cohere") or name_words(name)[-3:] == ("co", "api", "key")):
            kind = KeyKind.COHERE
        elif _AWS_SECRET_RE.fullmatch(value) and (
            joined.endswith(("secretaccesskey", "secretkey")) or mentions(name, "awssecret")
        ):
            kind = KeyKind.AWS_SECRET_ACCESS_KEY
    elif len(value) == 64 and _HEX_64_RE.fullmatch(value) and mentions(name, "together"):
        kind = KeyKind.TOGETHER
    if kind is None and _API_GATEWAY_RE.fullmatch(value) and mentions(name, "apigateway", "apigw") and says_secret(name):
        kind = KeyKind.AWS_API_GATEWAY_KEY
    return Match(kind, "") if kind is not None else None


def _names_apim(name: str) -> bool:
    """Whether ``name`` speaks of Azure API Management: a word starting with ``apim`` (``APIM_KEY``,
    ``Ocp-Apim-Subscription-Key``) or the words ``api management``; ``capimage`` or ``rapid_image`` do not."""
    words = name_words(name)
    return any(w.startswith("apim") for w in words) or any(words[i : i + 2] == ("api", "management") for i in range(len(words)))


@lru_cache(maxsize=65536)
def redact_keys(text: str) -> str:
    """Return ``text``, or ``"<redacted>"`` when it contains a key (for names shown in messages)."""
    return "<redacted>" if find_keys(text) else text


def shannon_entropy(text: str) -> float:
    """Return the Shannon entropy of ``text`` in bits per character (0.0 for an empty string)."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


_TOKEN_RE = re.compile(r"[A-Za-z0-9+/=_.~-]+")
_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX_RE = re.compile(r"[0-9a-f]+|[0-9A-F]+")
_SEPARATORS_RE = re.compile(r"[-_./]+")
# Splits "HTTPServerTimeout30s" into HTTP, Server, Timeout, 30, s. Linear: no nested quantifiers.
_CAMEL_TOKEN_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+|[^A-Za-z0-9]+")
_DIGEST_LENGTHS = frozenset({40, 64})
_MD5_LENGTH = 32
# Cloud ids: a short hex part (Pulumi auto-name suffixes, vpc-/subnet-/fs- ids), an upper-case id
# (Route 53 zones, IAM unique ids, RDS resource ids) or a lower-case id (Cognito app clients,
# storage accounts). Each must hold a digit, so plain words are left to the word rules.
_ID_SEGMENT_RE = re.compile(r"(?=.*[0-9])(?:[0-9a-f]{1,17}|[0-9A-Z]{1,32}|[0-9a-z]{1,26})")
# A KMS multi-Region key id.
_KMS_MRK_RE = re.compile(r"mrk-[0-9a-f]{32}")
# A host name: dot-separated labels ending in an alphabetic top-level domain.
_HOST_RE = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[a-z]{2,24}")


def _reads_as_words(segment: str) -> bool:
    """True when a separator-free ``segment`` reads as words, acronyms and numbers.

    ``"production"``, ``"DEPLOYMENT"``, ``"20240125"``, ``"central1"``, ``"MiniLM"``,
    ``"HTTPServerTimeout30s"`` and ``"MyServiceName"`` do; random text such as ``"xK9mQ2pLw"``
    does not, because random letters rarely form runs of three or more lower-case letters.
    """
    if segment.isdigit() or (segment.isalpha() and (segment.islower() or segment.isupper())):
        return True
    tokens = _CAMEL_TOKEN_RE.findall(segment)
    word_chars = 0
    previous = ""
    for i, token in enumerate(tokens):
        if token.isdigit():
            ok = len(token) <= 8  # versions, dates, ports
        elif not token.isalpha():
            ok = False  # "+", "=", "~": base64 material, not part of a name
        elif token.isupper():
            ok = len(token) <= 5  # acronyms: HTTP, API, the V of V2
        elif len(token) >= 3:
            ok = True  # a word: "server", "Timeout"
            word_chars += len(token)
        else:
            # a two-letter first word ("My", "io") or a closing unit after a number ("30s")
            last = i == len(tokens) - 1
            ok = (i == 0 and len(token) == 2) or (last and len(token) == 1 and previous.isdigit())
        if not ok:
            return False
        previous = token
    return word_chars * 2 >= len(segment)


def looks_like_identifier(text: str, *, cloud_ids: bool = True) -> bool:
    """Return True when ``text`` reads like a human-made name rather than random characters.

    The text is split on ``- _ . /``; every part longer than three characters must read as words,
    acronyms and numbers, or (with ``cloud_ids``) be the id part of a cloud resource name: up to 17
    hex digits, up to 32 upper-case letters and digits, or up to 26 lower-case letters and digits,
    with at least one digit; one part of up to ten random characters may remain when it is less
    than half the text. Examples: ``gpt-4o-mini-2024-07-18``,
    ``projects/p/secrets/s/versions/latest``, ``api.example.com``, ``MY_SERVICE_NAME``,
    ``MyServiceNameV2``, ``user-uploads-70e2e61``, ``vpc-0a1b2c3d4e5f67890``,
    ``Z0719462P6HTLUWSOGX2``.
    """
    unreadable = [
        part
        for part in _SEPARATORS_RE.split(text)
        if not (len(part) <= 3 or _reads_as_words(part) or (cloud_ids and _ID_SEGMENT_RE.fullmatch(part)))
    ]
    if not unreadable:
        return True
    # One short random part among readable ones: a Cognito user pool id (us-east-1_AbC12dEfG), the
    # suffix of a Secrets Manager name (openai-key-AbCdEf).
    return cloud_ids and len(unreadable) == 1 and len(unreadable[0]) <= 10 and 2 * len(unreadable[0]) < len(text)


def looks_high_entropy(
    text: str,
    *,
    threshold: float = DEFAULT_ENTROPY_THRESHOLD,
    hex_threshold: float = DEFAULT_HEX_ENTROPY_THRESHOLD,
    min_length: int = DEFAULT_MIN_ENTROPY_LENGTH,
    name: str | None = None,
) -> bool:
    """Return True when ``text`` looks like a random secret token.

    ``name`` is the variable, setting or output the value is stored under, when there is one. The
    rules are listed in the module docstring.
    """
    if len(text) < min_length or not _TOKEN_RE.fullmatch(text) or _UUID_RE.fullmatch(text):
        return False
    if name and says_public(name):
        return False
    secret_name = bool(name) and says_secret(name or "")
    if _HEX_RE.fullmatch(text):
        if len(text) < _MD5_LENGTH or len(text) in _DIGEST_LENGTHS:
            return False
        if len(text) == _MD5_LENGTH and not secret_name:
            return False  # an MD5 checksum, a Key Vault version, an ECS task id
        return shannon_entropy(text) >= hex_threshold
    if _HOST_RE.fullmatch(text) or _KMS_MRK_RE.fullmatch(text) or is_jwt(text) or is_public_key(text):
        return False
    decoded = decode_base64_text(text)
    if decoded is not None:
        return False  # base64 of text: the text is judged instead (see ai_keys_policy.scan)
    if looks_like_identifier(text, cloud_ids=not secret_name):
        return False
    return shannon_entropy(text) >= threshold
