"""The kinds of plaintext API key, and the fixed-prefix vendor patterns that recognise them.

One file, two homes: this module is ``policy/ai_keys_policy/key_patterns.py`` in the policy pack, and the
``ai-keys`` wheel carries a verbatim copy as ``ai_keys.key_patterns``, so the pack's ``no-plaintext-api-keys``
and ``SecureApiKey``'s warning on a hard-coded ``value`` use the same patterns. Edit the pack's file, then run
``python scripts/build_policy_pack.py --sync`` to copy it (the script refuses to build the pack while the copy
differs, and ``tests/policy/test_pack.py`` fails). It imports only the standard library, so the pack runs
without ``ai-keys`` installed.

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
Google API     ``AIza`` then exactly 35 of ``[A-Za-z0-9_-]`` (standard keys: Gemini, Maps...)
Google auth    ``AQ.`` then 40+ of ``[A-Za-z0-9_-]`` (authorization keys, bound to a service account)
Bedrock        ``ABSK`` then 40+ of base64 (long-term keys), or ``bedrock-api-key-`` then base64 of
               ``bedrock.amazonaws.com/?Action=CallWithBearerToken...`` (short-term keys)
Hugging Face   ``hf_`` then 30+ letters/digits
Groq           ``gsk_`` then 40+ letters/digits
Together AI    ``tgp_v1_`` then 40+ of ``[A-Za-z0-9_-]``
Perplexity     ``pplx-`` then 40+ letters/digits
xAI            ``xai-`` then 60+ letters/digits
Replicate      ``r8_`` then 30+ letters/digits
============== ======================================================================

A key must start at a token boundary: ``task-…`` never counts as ``sk-…``.

Where the newer shapes come from:

* **Google authorization keys.** Google's "Using Gemini API keys" page
  (https://ai.google.dev/gemini-api/docs/api-key) says AI Studio now creates *authorization keys*, bound to a
  service account, instead of standard keys; Google's answers on the Gemini forum
  (https://discuss.ai.google.dev/t/gemini-api-key-start-from-aq/171575) call them "Authentication Key (AQ)", and
  keys made in the Cloud console bound to a service account start with ``AQ.`` too. Keys seen in the wild are
  about 53 characters, ``AQ.`` then URL-safe base64; 40 is a floor well under that.
* **Bedrock API keys.** A long-term key is what IAM's CreateServiceSpecificCredential returns as
  ``ServiceCredentialSecret`` for ``bedrock.amazonaws.com`` (the ``bedrock`` issuer's key): ``ABSK`` then the
  base64 of ``<ServiceCredentialAlias>:<secret>``, the alias being ``<IAM user>-at-<account id>``
  (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ServiceSpecificCredential.html). Real keys are over
  100 characters (gitleaks' ``aws-amazon-bedrock-api-key-long-lived`` rule asks for 109-269); 40 is a floor
  that also holds for shortened test keys, the ``ABSK`` prefix carrying the precision. A short-term key is what
  AWS's ``aws-bedrock-token-generator`` returns: ``bedrock-api-key-`` and the base64 of a presigned
  ``bedrock.amazonaws.com`` URL, whose first 28 characters are fixed.

Nothing here returns or formats a key beyond the fixed prefix of its kind (see :attr:`Match.hint`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

__all__ = ["KeyKind", "Match", "find_keys"]


class KeyKind(Enum):
    """The kinds of plaintext key the detectors recognise.

    The value is the human-readable label used in messages.
    """

    OPENAI = "OpenAI API key"
    ANTHROPIC = "Anthropic API key"
    AWS_ACCESS_KEY_ID = "AWS access key id"
    AWS_SECRET_ACCESS_KEY = "AWS secret access key"
    GOOGLE_API_KEY = "Google API key"
    GOOGLE_AUTH_KEY = "Google API authorization key"
    BEDROCK_API_KEY = "Amazon Bedrock API key"
    AWS_API_GATEWAY_KEY = "AWS API Gateway API key"
    AZURE_AI_KEY = "Azure OpenAI / AI services key"
    AZURE_APIM_KEY = "Azure API Management subscription key"
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
_E64 = r"(?![A-Za-z0-9+/=_-])"  # the same for standard base64, which also holds + / =

# (kind, compiled pattern, number of leading characters that are the kind's fixed prefix).
# Order matters where shapes nest: sk-ant-, sk-or-v1- and DeepSeek's sk-<32 hex> before OpenAI.
PATTERNS: tuple[tuple[KeyKind, re.Pattern[str], int], ...] = (
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
    (KeyKind.GOOGLE_AUTH_KEY, re.compile(_B + r"AQ\.[A-Za-z0-9_-]{40,}" + _E), 3),
    (
        KeyKind.BEDROCK_API_KEY,
        # "YmVkcm9jay5hbWF6b25hd3MuY29t" is base64 of "bedrock.amazonaws.com", where every short-term key starts.
        re.compile(
            _B + r"(?:ABSK[A-Za-z0-9+/]{40,}={0,2}"
            r"|bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/]{40,}={0,2})" + _E64
        ),
        4,
    ),
    (KeyKind.HUGGING_FACE, re.compile(_B + r"hf_[A-Za-z0-9]{30,}" + _E), 3),
    (KeyKind.GROQ, re.compile(_B + r"gsk_[A-Za-z0-9]{40,}" + _E), 4),
    (KeyKind.TOGETHER, re.compile(_B + r"tgp_v1_[A-Za-z0-9_-]{40,}"), 4),
    (KeyKind.PERPLEXITY, re.compile(_B + r"pplx-[A-Za-z0-9]{40,}" + _E), 4),
    (KeyKind.XAI, re.compile(_B + r"xai-[A-Za-z0-9]{60,}" + _E), 4),
    (KeyKind.REPLICATE, re.compile(_B + r"r8_[A-Za-z0-9]{30,}" + _E), 3),
)
"""The fixed-prefix patterns, each with its kind and the length of the prefix a message may show."""

# Every pattern starts with one of these literals: strings without any skip the patterns.
_PREFILTER = re.compile(r"sk-|AKIA|ASIA|AIza|AQ\.|ABSK|bedrock-api-key-|hf_|gsk_|tgp_|pplx-|xai-|r8_")


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
    for kind, pattern, prefix_len in PATTERNS:
        m = pattern.search(text)
        if m is not None:
            found.append(Match(kind, m.group(0)[:prefix_len] + "…"))
    return tuple(found)
