"""``ai-keys run --env NAME=<secret_ref> [--env-file FILE] -- COMMAND ...``: start a command with keys in its environment.

The convention of ``op run``, ``chamber exec`` and ``doppler run``: each ``secret_ref`` is read (with
``ai_keys.runtime.resolve``), and COMMAND starts with the values in the variables named. On POSIX the
command replaces this process, so its exit status, signals and standard streams are its own.

Every ref is read before the command starts: one that cannot be read stops the run, naming the variable
and the reason. Values are never printed, and are masked in this command's own messages.

Exit status: the command's own; 125 when ``ai-keys run`` itself fails (bad usage, an unreadable ref),
126 when the command cannot be run, 127 when it is not found (as ``env`` and ``docker run`` do).
"""

import argparse
import os
import re
import subprocess
import sys
from typing import Callable, Dict, List, Mapping, NoReturn, Optional, Sequence, Tuple

from ._logsafe import redact
from .cache import KeyCache
from .errors import MissingExtraError, SecretReadError, UnknownSecretRefError

__all__ = ["EXIT_CANNOT_RUN", "EXIT_FAILED", "EXIT_NOT_FOUND", "main", "run"]

EXIT_FAILED = 125
EXIT_CANNOT_RUN = 126
EXIT_NOT_FOUND = 127
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Execute = Callable[[List[str], Mapping[str, str]], int]


class _UsageError(Exception):
    """A mistake in the command line or an env file; the message never holds a value."""


_UNRECOGNIZED = "unrecognized arguments: "


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        if message.startswith(_UNRECOGNIZED):
            # argparse echoes them; anything after "=", or a bare word, may be a value typed by mistake.
            words = message[len(_UNRECOGNIZED) :].split(" ")
            message = _UNRECOGNIZED + " ".join(_masked(word) for word in words)
        raise _UsageError(re.sub(r"(\S+?=)\S+", r"\1***", message))


def _masked(word: str) -> str:
    name, sep, _ = word.partition("=")
    if not name.startswith("-"):
        return "***"
    return f"{name}=***" if sep else name


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ai-keys run",
        usage="ai-keys run [--env NAME=SECRET_REF ...] [--env-file FILE ...] -- COMMAND [ARG ...]",
        description="Read each secret_ref and start COMMAND with the values in its environment.",
        epilog="Exit status: COMMAND's own; 125 ai-keys run failed; 126 COMMAND cannot run; 127 COMMAND not found.",
    )
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=SECRET_REF", help="set NAME to the key SECRET_REF points to"
    )
    parser.add_argument("--env-file", action="append", default=[], metavar="FILE", help="a file of NAME=SECRET_REF lines")
    return parser


def _assignment(text: str, where: str) -> Tuple[str, str]:
    name, sep, ref = text.partition("=")
    name = name.strip()
    if not sep or not _NAME.fullmatch(name):
        # Only the part before "=" is shown: the rest may be a value typed by mistake.
        shown = name if _NAME.fullmatch(name) else "the name"
        raise _UsageError(f"{where}: expected NAME=SECRET_REF, with {shown} a variable name")
    return name, ref.strip()


def _read_env_file(path: str) -> List[Tuple[str, str]]:
    try:
        with open(path, encoding="utf-8") as file:
            lines = file.read().splitlines()
    except OSError as exc:
        raise _UsageError(f"cannot read --env-file {path}: {exc.strerror}") from None
    pairs = []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        text = text[len("export ") :] if text.startswith("export ") else text
        pairs.append(_assignment(text, f"{path} line {number}"))
    return pairs


def _split(argv: Sequence[str]) -> Tuple[List[str], List[str]]:
    args = list(argv)
    if "--" in args:
        cut = args.index("--")
        return args[:cut], args[cut + 1 :]
    # No "--": the command starts at the first argument that is not an option or its value.
    options: List[str] = []
    i = 0
    while i < len(args):
        if args[i] in ("--env", "--env-file") and i + 1 < len(args):
            options += args[i : i + 2]
            i += 2
        elif args[i].startswith(("--env=", "--env-file=")) or args[i] in ("-h", "--help"):
            options.append(args[i])
            i += 1
        else:
            break
    return options, args[i:]


def _exec(command: List[str], env: Mapping[str, str]) -> int:
    """Replace this process with ``command`` (POSIX), or run it and return its exit status."""
    if os.name == "posix":
        os.execvpe(command[0], command, dict(env))  # noqa: S606 - running the user's command is the point
    return subprocess.call(command, env=dict(env))  # noqa: S603


def run(
    argv: Sequence[str],
    *,
    cache: Optional[KeyCache] = None,
    environ: Optional[Mapping[str, str]] = None,
    execute: Optional[Execute] = None,
) -> int:
    """Run ``ai-keys run`` with ``argv`` (the arguments after ``run``); returns the exit status.

    ``cache`` is the :class:`KeyCache` to read through (default: ``resolve``'s), ``environ`` the base
    environment (default: ``os.environ``), ``execute`` how the command starts (default: ``exec``).
    """
    values: List[str] = []
    try:
        options, command = _split(argv)
        args = _parser().parse_args(options)
        pairs = [pair for path in args.env_file for pair in _read_env_file(path)]
        pairs += [_assignment(text, "--env") for text in args.env]
        if not pairs:
            raise _UsageError("nothing to set: give --env NAME=SECRET_REF or --env-file FILE")
        if not command:
            raise _UsageError("no command: put it after --, e.g. ai-keys run --env KEY=REF -- python app.py")
        resolved = _resolve_all(pairs, cache, values)
    except _UsageError as exc:
        return _fail(f"error: {exc}", values)
    except SystemExit as exit_:  # --help
        return exit_.code if isinstance(exit_.code, int) else 0
    env = {**(os.environ if environ is None else environ), **resolved}
    try:
        return (execute or _exec)(command, env)
    except FileNotFoundError:
        return _fail(f"error: command not found: {command[0]}", values, EXIT_NOT_FOUND)
    except OSError as exc:
        return _fail(f"error: cannot run {command[0]}: {exc.strerror}", values, EXIT_CANNOT_RUN)


def _resolve_all(pairs: List[Tuple[str, str]], cache: Optional[KeyCache], values: List[str]) -> Dict[str, str]:
    from . import resolve

    resolved: Dict[str, str] = {}
    for name, ref in pairs:
        try:
            value = resolve(ref, cache=cache)
        except (SecretReadError, UnknownSecretRefError, MissingExtraError) as exc:
            raise _UsageError(f"cannot read {name}: {exc}") from None
        values.append(value)
        resolved[name] = value
    return resolved


def _fail(message: str, values: List[str], status: int = EXIT_FAILED) -> int:
    print(f"ai-keys run: {redact(message, values)}", file=sys.stderr)
    return status


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The ``ai-keys run`` command; ``argv`` defaults to ``sys.argv[2:]``."""
    return run(sys.argv[2:] if argv is None else argv)
