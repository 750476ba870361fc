"""``ai-keys run --env NAME=<secret_ref> [--env-file FILE] -- COMMAND ...``: start a command with keys in its environment.

The convention of ``op run``, ``chamber exec`` and ``doppler run``: each ``secret_ref`` is read (with
``ai_keys.runtime.resolve``), and COMMAND starts with the values in the variables named. On POSIX the
command replaces this process, so its exit status, signals and standard streams are its own: what it
prints is not masked.

Every ref is read before the command starts; anything wrong stops the run before it. ``ai-keys run``'s
own messages are one line and never hold a value, nor anything typed that could be one: they say where
the problem is and how long the text is (see :mod:`ai_keys.runtime._run_args`). A variable is named
once its ref is a valid reference ("cannot read NAME: ..."); a value read is hidden in every message.

Exit status: the command's own; 125 when ``ai-keys run`` itself fails (bad usage or env file, an unreadable
ref, a value no environment variable can hold), 126 when the command cannot be run, 127 when it is not
found (as ``env`` and ``docker run`` do).
"""

import os
import subprocess
import sys
from typing import Callable, Dict, List, Mapping, Optional, Sequence

from ._logsafe import redact
from ._run_args import HELP, Assignment, RunUsageError, hidden, parse_argv, read_env_file
from .cache import KeyCache
from .errors import MissingExtraError, SecretReadError, UnknownSecretRefError

__all__ = ["EXIT_CANNOT_RUN", "EXIT_FAILED", "EXIT_NOT_FOUND", "main", "run"]

EXIT_FAILED = 125
EXIT_CANNOT_RUN = 126
EXIT_NOT_FOUND = 127

Execute = Callable[[List[str], Mapping[str, str]], int]


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
        args = parse_argv(argv)
        if args.help:
            print(HELP, end="")
            return 0
        # Files first, so --env overrides a name a file sets.
        assignments = [assignment for position, path in args.env_files for assignment in read_env_file(path, position)]
        assignments += args.env
        if not assignments:
            raise RunUsageError("nothing to set: give --env NAME=SECRET_REF or --env-file FILE")
        if not args.command:
            raise RunUsageError("no command: put it after --, e.g. ai-keys run --env KEY=REF -- python app.py")
        resolved = _resolve_all(assignments, cache, values)
    except RunUsageError as exc:
        return _fail(f"error: {exc}", values)
    command = args.command
    env = {**(os.environ if environ is None else environ), **resolved}
    try:
        return (execute or _exec)(command, env)
    except FileNotFoundError:
        return _fail(f"error: command not found: {_program(command[0])}", values, EXIT_NOT_FOUND)
    except OSError as exc:
        return _fail(f"error: cannot run {_program(command[0])}: {exc.strerror}", values, EXIT_CANNOT_RUN)
    except ValueError:  # a NUL byte or unencodable text in an argument or an inherited variable
        return _fail(
            "error: cannot run the command: an argument or an environment variable holds a NUL byte or text that "
            "cannot be encoded",
            values,
            EXIT_CANNOT_RUN,
        )


def _resolve_all(assignments: List[Assignment], cache: Optional[KeyCache], values: List[str]) -> Dict[str, str]:
    from . import resolve

    resolved: Dict[str, str] = {}
    for assignment in assignments:
        name = assignment.name
        try:
            value = resolve(assignment.secret_ref, cache=cache)
        except (SecretReadError, UnknownSecretRefError, MissingExtraError) as exc:
            raise RunUsageError(f"cannot read {name}: {exc}") from None
        except Exception as exc:
            # Not one of ours (a custom fetcher's, or a bug): its message is not known to be free of the value.
            raise RunUsageError(f"cannot read {name}: the read failed with {type(exc).__name__}") from None
        _check_value(name, value)  # first: redact() must never meet text it cannot encode
        values.append(value)
        resolved[name] = value
    return resolved


def _check_value(name: str, value: object) -> None:
    """Refuse a value no environment variable can carry, before the command is tried."""
    if not isinstance(value, str):
        raise RunUsageError(f"cannot read {name}: the read returned a {type(value).__name__}, not text")
    if "\0" in value:
        raise RunUsageError(
            f"cannot pass {name} to the command: its value ({hidden(value)}) holds a NUL byte, "
            "which an environment variable cannot carry"
        )
    if not _encodable(value):
        raise RunUsageError(
            f"cannot pass {name} to the command: its value ({hidden(value)}) holds an unpaired surrogate, "
            "which the environment cannot encode"
        )


def _encodable(value: str) -> bool:
    # How exec encodes the environment; the UnicodeEncodeError (which holds the value) goes no further.
    try:
        os.fsencode(value)
    except UnicodeEncodeError:
        return False
    return True


def _program(program: str) -> str:
    """The command's name as a message shows it: as typed when it fits on one line."""
    return program if program.isprintable() else f"the command ({len(program)} characters)"


def _fail(message: str, values: List[str], status: int = EXIT_FAILED) -> int:
    # One line, whatever a backend's message held; values read so far are hidden in every form.
    line = " ".join(redact(message, values).splitlines())
    print(f"ai-keys run: {line}", file=sys.stderr)
    return status


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The ``ai-keys run`` command; ``argv`` defaults to ``sys.argv[2:]``."""
    return run(sys.argv[2:] if argv is None else argv)
