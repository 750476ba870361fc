"""Reading AWS resource policies: who a statement lets in, and whether its Condition narrows that.

:func:`public_read_statements` finds the statements of a Secrets Manager resource policy that let
anyone read the secret (``secretsmanager:GetSecretValue``):

* ``Allow`` with ``NotPrincipal``: everyone except the listed principals;
* ``Allow`` with a wildcard principal of any kind: ``"*"``, ``{"AWS": "*"}``, ``{"Federated": "*"}``,
  ``{"Service": "*"}``, ``{"CanonicalUser": "*"}``, or an ARN with a wildcard such as
  ``arn:aws:iam::*:root``;
* and no Condition that restricts *who the principal is*. Keys such as ``aws:PrincipalOrgID``,
  ``aws:PrincipalAccount``, ``aws:PrincipalArn``, ``aws:SourceAccount``, ``aws:SourceArn``,
  ``aws:SourceVpce`` or ``aws:SourceIp`` do, when compared with a positive operator (not
  ``...Not...``, not ``...IfExists``, not ``Null``) to values other than ``"*"``. Keys such as
  ``aws:SecureTransport``, ``aws:CurrentTime`` or ``aws:RequestedRegion`` restrict how or when,
  not who: a statement with only those is still open to everyone.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from .props import parse_json, reveal

__all__ = ["PRINCIPAL_CONDITION_KEYS", "OpenStatement", "public_read_statements"]

PRINCIPAL_CONDITION_KEYS: frozenset[str] = frozenset(
    key.lower()
    for key in (
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalServiceName",
        "aws:PrincipalServiceNamesList",
        "aws:PrincipalIsAWSService",
        "aws:userid",
        "aws:username",
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:SourceOwner",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceIp",
        "aws:VpcSourceIp",
    )
)
"""Condition keys (lower-case) that narrow who the principal can be."""

# Tag-based keys narrow the principal too: aws:PrincipalTag/team.
_PRINCIPAL_KEY_PREFIXES = ("aws:principaltag/",)
_READ_ACTION = "secretsmanager:getsecretvalue"


@dataclass(frozen=True)
class OpenStatement:
    """A statement that lets anyone read the secret."""

    label: str
    """The statement's ``Sid``, or ``#<index>``."""

    reason: str
    """How it lets everyone in, e.g. ``"lets any principal ('*') read the secret ... without a Condition"``."""


def _as_list(value: Any) -> list[Any]:
    value = reveal(value)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _is_wildcard(principal: Any) -> bool:
    """True for ``"*"``, or a principal map with a wildcard under any key (AWS, Federated, Service...)."""
    principal = reveal(principal)
    if isinstance(principal, str):
        return "*" in principal
    if isinstance(principal, dict):
        return any(isinstance(p, str) and "*" in p for values in principal.values() for p in _as_list(values))
    return False


def _grants_read(statement: dict[str, Any]) -> bool:
    def covers(pattern: Any) -> bool:
        pattern = reveal(pattern)
        return isinstance(pattern, str) and fnmatch.fnmatchcase(_READ_ACTION, pattern.lower())

    if "NotAction" in statement:
        return not any(covers(p) for p in _as_list(statement["NotAction"]))
    return any(covers(p) for p in _as_list(statement.get("Action")))


def _restricts_principal(operator: str, key: str, values: Any) -> bool:
    op = operator.lower()
    if "not" in op or op.endswith("ifexists") or op == "null":
        return False  # "everyone except ...", or passes when the key is absent (anonymous callers)
    key = key.lower()
    if key not in PRINCIPAL_CONDITION_KEYS and not key.startswith(_PRINCIPAL_KEY_PREFIXES):
        return False
    items = [reveal(v) for v in _as_list(values)]
    if key == "aws:principalisawsservice":
        return bool(items) and all(str(v).lower() == "true" for v in items)
    return bool(items) and all(isinstance(v, str) and v.strip("*?") != "" for v in items)


def _condition_keys(condition: Any) -> list[tuple[str, str, Any]]:
    condition = reveal(condition)
    if not isinstance(condition, dict):
        return []
    return [
        (str(operator), str(key), values)
        for operator, block in condition.items()
        if isinstance(reveal(block), dict)
        for key, values in reveal(block).items()
    ]


def _condition_restricts_principal(condition: Any) -> bool:
    # Condition blocks are ANDed: one block that narrows the principal is enough.
    return any(_restricts_principal(op, key, values) for op, key, values in _condition_keys(condition))


def public_read_statements(document: Any) -> list[OpenStatement]:
    """The statements of an IAM policy document (JSON string or object) that let anyone read the secret."""
    document = reveal(document)
    if isinstance(document, str):
        document = parse_json(document)
    if not isinstance(document, dict):
        return []
    found: list[OpenStatement] = []
    for i, statement in enumerate(_as_list(document.get("Statement"))):
        statement = reveal(statement)
        if not isinstance(statement, dict) or reveal(statement.get("Effect")) != "Allow" or not _grants_read(statement):
            continue
        if "NotPrincipal" in statement:
            who = "every principal except those in NotPrincipal"
        elif _is_wildcard(statement.get("Principal")):
            who = "any principal ('*')"
        else:
            continue
        condition = statement.get("Condition")
        if _condition_restricts_principal(condition):
            continue
        keys = sorted({key for _, key, _ in _condition_keys(condition)})
        tail = " without a Condition"
        if keys:
            tail = f"; its Condition ({', '.join(keys)}) does not restrict who the principal is"
        label = str(reveal(statement.get("Sid")) or f"#{i}")
        found.append(OpenStatement(label, f"lets {who} read the secret (secretsmanager:GetSecretValue){tail}"))
    return found
