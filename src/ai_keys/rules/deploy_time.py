"""Values known only at deploy time get the rule a known value gets, with the same message.

A check runs now on a plain value, or inside ``apply`` once an Output resolves. A deploy-time refusal is a
:class:`DeployTimeError`: a ``pulumi.RunError``, which Pulumi reports as one line with no stack trace (a
``ValueError`` would come back wrapped in "While processing resource ... ValueError has risen"), naming the
field path, what is allowed, and the file and line where that ``SecureApiKey`` was declared.
"""

import contextlib
import contextvars
import operator
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Optional, TypeVar

import pulumi
from pulumi.errors import RunError

from ..errors import AiKeysError, SecureApiKeyError

__all__ = ["DeployTimeError", "at_deploy", "declaring", "now_or_at_deploy", "together_now_or_at_deploy"]

T = TypeVar("T")

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PULUMI_DIR = os.path.dirname(os.path.abspath(pulumi.__file__))
_SKIPPED = (_PACKAGE_DIR, _PULUMI_DIR, os.path.abspath(contextlib.__file__))
_Declaration = tuple[str, tuple[str, int]]
"""The component's name, and the file and line that declared it."""
_DECLARATION: "contextvars.ContextVar[Optional[_Declaration]]" = contextvars.ContextVar("ai_keys_declaration", default=None)


class DeployTimeError(AiKeysError, RunError):
    """A value known only at deploy time broke a rule; raised when it resolves, before the resource that would
    use it is registered. ``error`` is the refusal a known value would have got."""

    error: SecureApiKeyError
    """The same refusal as for a known value: ``field``, ``allowed`` and the message."""
    component: str
    """The ``SecureApiKey``'s name."""
    declared_at: str
    """``file:line`` of the program line that declared the component."""

    def __init__(self, error: SecureApiKeyError, component: str, declared_at: str) -> None:
        self.error = error
        self.component = component
        self.declared_at = declared_at
        message = str(error).replace("SecureApiKey args", f"SecureApiKey {component!r} args", 1)
        super().__init__(f"{message} (value known at deploy time; declared at {declared_at})")

    @property
    def field(self) -> str:
        """Dotted path of the arg that was refused."""
        return self.error.field

    @property
    def allowed(self) -> str:
        """What the field accepts, in words."""
        return self.error.allowed


_SKIPPED_FILES: dict[str, bool] = {}
"""``co_filename`` -> whether it lies in ai-keys, the Pulumi SDK or contextlib: each file is resolved once."""


def _skipped(filename: str) -> bool:
    skipped = _SKIPPED_FILES.get(filename)
    if skipped is None:
        skipped = _SKIPPED_FILES[filename] = os.path.abspath(filename).startswith(_SKIPPED)
    return skipped


def _declaration_site() -> tuple[str, int]:
    """File and line of the first frame outside ai-keys and the Pulumi SDK: the user's ``SecureApiKey(...)``.

    Taken for every key, shown only on a refusal: so it is only looked up here, and formatted by :func:`_shown`.
    """
    frame = sys._getframe(2)
    while frame is not None:
        if not _skipped(frame.f_code.co_filename):
            return frame.f_code.co_filename, frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>", 0


def _shown(site: tuple[str, int]) -> str:
    """``file:line``, relative to the working directory when under it."""
    filename, line = site
    if line == 0:
        return filename
    filename = os.path.abspath(filename)
    return f"{os.path.relpath(filename) if filename.startswith(os.getcwd()) else filename}:{line}"


def declared() -> tuple[str, str]:
    """The component being declared and its ``file:line``, as a deploy-time refusal shows them."""
    component, site = _DECLARATION.get() or ("?", _declaration_site())
    return component, _shown(site)


@contextlib.contextmanager
def declaring(component: str) -> Iterator[None]:
    """While a ``SecureApiKey`` named ``component`` registers its children, remember where it was declared."""
    token = _DECLARATION.set((component, _declaration_site()))
    try:
        yield
    finally:
        _DECLARATION.reset(token)


def at_deploy(value: Any, check: Callable[[Any], T]) -> "pulumi.Output[T]":
    """``value`` (an Output) checked by ``check`` when it resolves; a :class:`SecureApiKeyError` it raises
    becomes a :class:`DeployTimeError`. Secrecy and dependencies carry over, as with any ``apply``."""
    component, site = _DECLARATION.get() or ("?", ("<unknown>", 0))

    def run(resolved: Any) -> T:
        try:
            return check(resolved)
        except SecureApiKeyError as refused:
            raise DeployTimeError(refused, component, _shown(site)) from None

    return pulumi.Output.from_input(value).apply(run)


def now_or_at_deploy(value: Any, check: Callable[[Any], T]) -> Any:
    """``check(value)`` now for a plain string; otherwise the Output checked at deploy time."""
    if isinstance(value, str):
        return check(value)
    return at_deploy(value, check)


def together_now_or_at_deploy(values: Sequence[Any], check: Callable[[list[Any]], object]) -> tuple[Any, ...]:
    """A rule over a whole list (each entry once, say): ``check`` runs now on the list as given, judging the known
    entries (it must pass over Outputs), and again on the resolved list once every Output resolves; each Output
    entry waits for that second verdict. Known entries stay plain strings."""
    check(list(values))
    if all(isinstance(value, str) for value in values):
        return tuple(values)

    def judged(resolved: list[Any]) -> list[Any]:
        check(resolved)
        return resolved

    together = at_deploy(pulumi.Output.all(*values), judged)
    return tuple(value if isinstance(value, str) else together.apply(operator.itemgetter(i)) for i, value in enumerate(values))
