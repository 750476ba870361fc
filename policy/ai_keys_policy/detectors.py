"""Pure functions that recognise plaintext API keys in strings.

Three kinds of detection live here:

* **Fixed-prefix patterns** (:func:`find_keys`) recognise keys by their documented shape. They are
  precise enough to run on every string input of every resource:

  ============== ======================================================================
  Kind           Shape
  ============== ======================================================================
  OpenAI         ``sk-`` then 32+ letters/digits (legacy keys, not 32 hex digits), or
                 ``sk-proj-``, ``sk-svcacct-``, ``sk-admin-`` or ``sk-None-`` then 40+ of
                 ``[A-Za-z0-9_-]``
  Anthropic      ``sk-ant-`` then 32+ of ``[A-Za-z0-9_-]`` (API and admin keys)
  DeepSeek       ``sk-`` then exactly 32 hex digits
  OpenRouter     ``sk-or-v1-`` then 64 hex digits
  AWS key id     ``AKIA`` (long-term) or ``ASIA`` (temporary) then exactly 16 of ``[A-Z0-9]``
  Google API     ``AIza`` then exactly 35 of ``[A-Za-z0-9_-]`` (Gemini, Maps...)
  Hugging Face   ``hf_`` then 30+ letters/digits
  Groq           ``gsk_`` then 40+ letters/digits
  Together AI    ``tgp_v1_`` then 40+ of ``[A-Za-z0-9_-]``
  Perplexity     ``pplx-`` then 40+ letters/digits
  xAI            ``xai-`` then 60+ letters/digits
  Replicate      ``r8_`` then 30+ letters/digits
  ============== ======================================================================

  A key must start at a token boundary: ``task-…`` never counts as ``sk-…``.
  :func:`find_keys_decoding` also looks inside base64 of text.

* **Name-based vendor rules** (:func:`find_key_by_name`) recognise keys that have no fixed prefix
  (Azure OpenAI / AI services, Mistral, Cohere, legacy Together AI keys, AWS secret access keys)
  from their shape and the name they are stored under.

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
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from .encodings import decode_base64_text, is_jwt, is_public_key
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


class KeyKind(Enum):
    """The kinds of plaintext key the detectors recognise.

    The value is the human-readable label used in violation messages.
    """

    OPENAI = "OpenAI API key"
    ANTHROPIC = "Anthropic API key"
    AWS_ACCESS_KEY_ID = "AWS access key id"
    AWS_SECRET_ACCESS_KEY = "AWS secret access key"
    GOOGLE_API_KEY = "Google API key"
    AZURE_AI_KEY = "Azure OpenAI / AI services key"
    MISTRAL = "Mistral API key"
    COHERE = "Cohere API key"
    HUGGING_FACE = "Hugging Face token"
    GROQ = "Groq API key"
    TOGETHER = "Together AI API key"
    PERPLEXITY = "Perplexity API key"
    XAI = "xAI API key"
    DEEPSEEK = "DeepSeek API key"
    OPENROUTER = "OpenRouter API key"
    REPLICATE = "Replicate API token"
    HIGH_ENTROPY = "high-entropy string (possible secret)"

    @property
    def label(self) -> str:
        """The human-readable name of the kind, e.g. ``"OpenAI API key"``."""
        return str(self.value)

    @property
    def rule(self) -> str:
        """The name of the rule that reports this kind, as shown in messages: ``vendor-pattern:openai``
        or ``entropy``."""
        return "entropy" if self is KeyKind.HIGH_ENTROPY else "vendor-pattern:" + self.name.lower().replace("_", "-")


@dataclass(frozen=True)
class Match:
    """One key found in a string.

    It deliberately holds no part of the key beyond :attr:`hint`, so it can be logged safely.
    """

    kind: KeyKind
    """What was found."""

    hint: str
    """The fixed prefix of the key's kind (at most four characters) followed by ``…``, e.g.
    ``"sk-…"``; empty for kinds without a fixed prefix."""


_B = r"(?<![A-Za-z0-9_-])"  # token boundary: the key is not the tail of a longer token
_E = r"(?![A-Za-z0-9_-])"  # ... nor the head of one

# (kind, compiled pattern, number of leading characters that are the kind's fixed prefix).
# Order matters where shapes nest: sk-ant-, sk-or-v1- and DeepSeek's sk-<32 hex> before OpenAI.
_PATTERNS: tuple[tuple[KeyKind, re.Pattern[str], int], ...] = (
    (KeyKind.ANTHROPIC, re.compile(_B + r"sk-ant-[A-Za-z0-9_-]{32,}"), 4),
    (KeyKind.OPENROUTER, re.compile(_B + r"sk-or-v1-[0-9a-f]{64}" + _E), 4),
    (KeyKind.DEEPSEEK, re.compile(_B + r"sk-[0-9a-f]{32}" + _E), 3),
    (
        KeyKind.OPENAI,
        re.compile(
            _B + r"sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{40,}|(?![0-9a-f]{32}(?![A-Za-z0-9_-]))[A-Za-z0-9]{32,})"
        ),
        3,
    ),
    (KeyKind.AWS_ACCESS_KEY_ID, re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])"), 4),
    (KeyKind.GOOGLE_API_KEY, re.compile(_B + r"AIza[A-Za-z0-9_-]{35}" + _E), 4),
    (KeyKind.HUGGING_FACE, re.compile(_B + r"hf_[A-Za-z0-9]{30,}" + _E), 3),
    (KeyKind.GROQ, re.compile(_B + r"gsk_[A-Za-z0-9]{40,}" + _E), 4),
    (KeyKind.TOGETHER, re.compile(_B + r"tgp_v1_[A-Za-z0-9_-]{40,}"), 4),
    (KeyKind.PERPLEXITY, re.compile(_B + r"pplx-[A-Za-z0-9]{40,}" + _E), 4),
    (KeyKind.XAI, re.compile(_B + r"xai-[A-Za-z0-9]{60,}" + _E), 4),
    (KeyKind.REPLICATE, re.compile(_B + r"r8_[A-Za-z0-9]{30,}" + _E), 3),
)
# Every pattern starts with one of these literals: strings without any skip the patterns.
_PREFILTER = re.compile(r"sk-|AKIA|ASIA|AIza|hf_|gsk_|tgp_|pplx-|xai-|r8_")


def find_keys(text: str) -> list[Match]:
    """Return the kinds of API key with a fixed prefix that occur anywhere in ``text``, each kind at most once.

    >>> [m.kind.name for m in find_keys("no key here")]
    []
    """
    if _PREFILTER.search(text) is None:
        return []
    return list(_find_keys(text))


@lru_cache(maxsize=65536)
def _find_keys(text: str) -> tuple[Match, ...]:
    found: list[Match] = []
    for kind, pattern, prefix_len in _PATTERNS:
        m = pattern.search(text)
        if m is not None:
            found.append(Match(kind, m.group(0)[:prefix_len] + "…"))
    return tuple(found)


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
    ================================ ===================================================================

    A name that says its value is public (:func:`ai_keys_policy.names.says_public`) never matches.
    """
    if not name or len(value) not in (32, 40, 64) or says_public(name):
        return None  # MISTRAL_DEPLOYMENT_ID names an id, not a key
    kind: KeyKind | None = None
    if len(value) == 32:
        azure = azure_ai_context or mentions(name, "azure", "openai", "cognitive")
        if _AZURE_AI_RE.fullmatch(value) and azure and says_secret(name):
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
    elif _HEX_64_RE.fullmatch(value) and mentions(name, "together"):
        kind = KeyKind.TOGETHER
    return Match(kind, "") if kind is not None else None


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
