"""Pure functions that recognise plaintext API keys in strings.

Two kinds of detection live here:

* **Pattern detection** (:func:`find_keys`) recognises keys by their documented shape. It is precise
  enough to run on every string input of every resource:

  ============== ======================================================================
  Kind           Shape
  ============== ======================================================================
  OpenAI         ``sk-`` then 32+ letters/digits (legacy keys), or ``sk-proj-``,
                 ``sk-svcacct-`` or ``sk-admin-`` then 40+ of ``[A-Za-z0-9_-]``
  Anthropic      ``sk-ant-`` then 32+ of ``[A-Za-z0-9_-]``
  AWS key id     ``AKIA`` (long-term) or ``ASIA`` (temporary) then exactly 16 of ``[A-Z0-9]``
  Google API     ``AIza`` then exactly 35 of ``[A-Za-z0-9_-]``
  ============== ======================================================================

  A key must start at a token boundary: ``task-…`` never counts as ``sk-…``.

* **Entropy detection** (:func:`looks_high_entropy`) flags random-looking tokens such as AWS secret
  access keys, Azure AI keys (32 hex digits) or vendor keys with no fixed prefix. It produces false
  positives on some values, so the policies apply it only to environment variables, where secrets
  commonly leak, and let users allow-list variable names. A value counts as high-entropy when all
  of these hold:

  1. it is at least ``min_length`` (default 20) characters long;
  2. it is a single token made only of ``A-Z a-z 0-9 + / = _ - . ~``: anything with whitespace,
     ``:``, ``@``, ``,``, ``(``, ``{``, ``$`` and so on is structured text (URLs, ARNs, e-mail
     addresses, JSON, lists, connection strings, Key Vault references such as
     ``@Microsoft.KeyVault(...)``, templates) and is skipped;
  3. it is not a UUID;
  4. it is not a readable identifier: a value whose parts (split on ``- _ . /``) all read as
     words, acronyms and numbers or are at most three characters long, such as
     ``text-embedding-3-large``, ``projects/p/secrets/s/versions/latest``,
     ``my.host.example.com`` or ``MyServiceName`` (see :func:`looks_like_identifier`);
  5. if it is all hex digits: it is at least 32 long, is not 40 or 64 long (SHA-1/SHA-256 digests
     such as git commit ids), and its Shannon entropy is at least ``hex_threshold`` (default 3.0
     bits per character, the most hex can reach is 4.0);
  6. otherwise its Shannon entropy is at least ``threshold`` (default 3.5 bits per character).

  With the defaults, about 98% of random 20-character mixed-case tokens (base62, base64) and
  more than 99.8% of 32-character ones are flagged. Tokens of lower-case letters and digits only
  are caught less often (about 85% at 20 characters, 95% at 32), because their letter runs can
  read as words.

Nothing in this module ever returns or formats a key beyond the fixed prefix of its kind (see
:attr:`Match.hint`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from enum import Enum

__all__ = [
    "DEFAULT_ENTROPY_THRESHOLD",
    "DEFAULT_HEX_ENTROPY_THRESHOLD",
    "DEFAULT_MIN_ENTROPY_LENGTH",
    "KeyKind",
    "Match",
    "find_keys",
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
    GOOGLE_API_KEY = "Google API key"
    HIGH_ENTROPY = "high-entropy string (possible secret)"

    @property
    def label(self) -> str:
        """The human-readable name of the kind, e.g. ``"OpenAI API key"``."""
        return str(self.value)


@dataclass(frozen=True)
class Match:
    """One key found in a string.

    It deliberately holds no part of the key beyond :attr:`hint`, so it can be logged safely.
    """

    kind: KeyKind
    """What was found."""

    hint: str
    """The fixed prefix of the key's kind (at most four characters) followed by ``…``, e.g.
    ``"sk-…"``; empty for :attr:`KeyKind.HIGH_ENTROPY`, which has no fixed prefix."""


_B = r"(?<![A-Za-z0-9_-])"  # token boundary: the key is not the tail of a longer token

# (kind, compiled pattern, number of leading characters that are the kind's fixed prefix)
_PATTERNS: tuple[tuple[KeyKind, re.Pattern[str], int], ...] = (
    (KeyKind.ANTHROPIC, re.compile(_B + r"sk-ant-[A-Za-z0-9_-]{32,}"), 4),
    (
        KeyKind.OPENAI,
        re.compile(_B + r"sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|[A-Za-z0-9]{32,})"),
        3,
    ),
    (KeyKind.AWS_ACCESS_KEY_ID, re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])"), 4),
    (KeyKind.GOOGLE_API_KEY, re.compile(_B + r"AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])"), 4),
)


def find_keys(text: str) -> list[Match]:
    """Return the kinds of API key that occur anywhere in ``text``, each kind at most once.

    >>> [m.kind.name for m in find_keys("no key here")]
    []
    """
    found: list[Match] = []
    for kind, pattern, prefix_len in _PATTERNS:
        m = pattern.search(text)
        if m is not None:
            found.append(Match(kind, m.group(0)[:prefix_len] + "…"))
    return found


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


def looks_like_identifier(text: str) -> bool:
    """Return True when ``text`` reads like a human-made name rather than random characters.

    The text is split on ``- _ . /``; every part longer than three characters must read as words,
    acronyms and numbers. Examples: ``gpt-4o-mini-2024-07-18``,
    ``projects/p/secrets/s/versions/latest``, ``api.example.com``, ``MY_SERVICE_NAME``,
    ``MyServiceNameV2``.
    """
    return all(len(part) <= 3 or _reads_as_words(part) for part in _SEPARATORS_RE.split(text))


def looks_high_entropy(
    text: str,
    *,
    threshold: float = DEFAULT_ENTROPY_THRESHOLD,
    hex_threshold: float = DEFAULT_HEX_ENTROPY_THRESHOLD,
    min_length: int = DEFAULT_MIN_ENTROPY_LENGTH,
) -> bool:
    """Return True when ``text`` looks like a random secret token.

    The rules are listed in the module docstring.
    """
    if len(text) < min_length or not _TOKEN_RE.fullmatch(text) or _UUID_RE.fullmatch(text):
        return False
    if _HEX_RE.fullmatch(text):
        if len(text) < 32 or len(text) in _DIGEST_LENGTHS:
            return False
        return shannon_entropy(text) >= hex_threshold
    if looks_like_identifier(text):
        return False
    return shannon_entropy(text) >= threshold
