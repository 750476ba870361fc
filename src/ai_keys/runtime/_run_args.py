"""Parse ``ai-keys run``'s arguments and env files into assignments, with errors that quote nothing typed.

Anything given to ``ai-keys run`` may be a key pasted in the wrong place: a bare ``hf_...`` after ``--env``,
an env-file line without ``NAME=``, a base64 key whose ``=`` padding makes it look like ``NAME=``, a key
given as the ``--env-file`` path. So an error says where the problem is (``--env (argument 2)``,
``keys.env line 3``) and how long the text is, never the text. An env file's path is shown once the file
has been opened (it names a file, so it is not a key); names and references are never shown here.

The parser is written out rather than built on ``argparse``: argparse quotes the arguments it refuses
(unknown options, ambiguous prefixes), and its messages cannot be told to give a position instead.
"""

import re
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

from .errors import UnknownSecretRefError
from .refs import ACCEPTED_FORMS, parse_secret_ref

__all__ = ["HELP", "Assignment", "RunArgs", "RunUsageError", "hidden", "parse_argv", "parse_assignment", "read_env_file"]

HELP = """\
usage: ai-keys run [--env NAME=SECRET_REF ...] [--env-file FILE ...] -- COMMAND [ARG ...]

Read each SECRET_REF and start COMMAND with the values in its environment.

options:
  -h, --help             show this help message and exit
  --env NAME=SECRET_REF  set NAME to the key SECRET_REF points to (repeatable)
  --env-file FILE        a file of NAME=SECRET_REF lines (repeatable); blank lines and
                         # comments are skipped, and "export " before NAME is allowed

Values are never printed. Errors say where the problem is (argument N, counted from the first
word after "run", or FILE line N) and how long the text is, never the text: it may be a key
typed in the wrong place. --env overrides a name an env file sets.

Exit status: COMMAND's own; 125 ai-keys run failed; 126 COMMAND cannot run; 127 COMMAND not found.
"""
"""What ``ai-keys run --help`` prints."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_EXPORT = re.compile(r"export\s+")
_OPTIONS = {"--env": "NAME=SECRET_REF", "--env-file": "a FILE"}


class RunUsageError(Exception):
    """A mistake in ``ai-keys run``'s arguments or env files; the message is one line and quotes nothing typed."""


@dataclass(frozen=True)
class Assignment:
    """One ``NAME=SECRET_REF`` whose ref parses; ``where`` says where it was given, without quoting it."""

    name: str
    secret_ref: str
    where: str


@dataclass(frozen=True)
class RunArgs:
    """``ai-keys run``'s arguments: ``env`` from ``--env`` in order, ``env_files`` as (argument number, path)."""

    env: List[Assignment] = field(default_factory=list)
    env_files: List[Tuple[int, str]] = field(default_factory=list)
    command: List[str] = field(default_factory=list)
    help: bool = False


def hidden(text: str) -> str:
    """How ``text`` appears in a message: its length only."""
    return f"{len(text)} character{'' if len(text) == 1 else 's'}, not shown in case it is a key value"


def parse_argv(argv: Sequence[str]) -> RunArgs:
    """Parse the arguments after ``run``; raises :class:`RunUsageError` naming the argument by number.

    With ``--``, every argument before it must be an option; without, COMMAND starts at the first
    argument that is not an option or an option's value.
    """
    args = list(argv)
    end = args.index("--") if "--" in args else None
    limit = len(args) if end is None else end
    env: List[Assignment] = []
    env_files: List[Tuple[int, str]] = []
    i = 0
    while i < limit:
        arg = args[i]
        if arg in ("-h", "--help"):
            return RunArgs(help=True)
        option, equals, inline = arg.partition("=")
        if option in _OPTIONS:
            if not equals:
                if i + 1 >= limit:
                    raise RunUsageError(f"{option} (argument {i + 1}) needs {_OPTIONS[option]} after it")
                i += 1
                inline = args[i]
            if option == "--env":
                env.append(parse_assignment(inline, f"--env (argument {i + 1})"))
            else:
                env_files.append((i + 1, inline))
        elif end is None and not arg.startswith("-"):
            break
        else:
            raise RunUsageError(
                f"argument {i + 1} ({hidden(arg)}) is not an option of ai-keys run: the options are "
                "--env NAME=SECRET_REF, --env-file FILE and --help, and the command goes after --"
            )
        i += 1
    return RunArgs(env, env_files, args[end + 1 :] if end is not None else args[i:])


def parse_assignment(text: str, where: str) -> Assignment:
    """``NAME=SECRET_REF`` (spaces around either part ignored), or a :class:`RunUsageError` about ``where``."""
    name, equals, ref = text.partition("=")
    name, ref = name.strip(), ref.strip()
    if not equals:
        raise RunUsageError(f"{where} is not NAME=SECRET_REF: it has no '=' ({hidden(text)})")
    if not name:
        raise RunUsageError(f"{where} is not NAME=SECRET_REF: nothing before '='")
    if not _NAME.fullmatch(name):
        raise RunUsageError(
            f"{where} is not NAME=SECRET_REF: the text before '=' ({hidden(name)}) is not a variable name "
            "(letters, digits and _, not starting with a digit)"
        )
    if not ref:
        raise RunUsageError(f"{where}: nothing after '=': give the secret_ref the stack exports")
    refusal = _refusal(ref)
    if refusal is not None:
        raise RunUsageError(f"{where}: {refusal}")
    return Assignment(name, ref, where)


def _refusal(ref: str) -> Optional[str]:
    """Why ``ref`` is not a secret reference, or None if it is one."""
    try:
        parse_secret_ref(ref)
    except UnknownSecretRefError as exc:
        reason = str(exc)
    else:
        return None
    # refs quotes a string that starts like a reference (arn:..., projects/...); here nothing typed is quoted.
    if ref in reason or repr(ref)[1:-1] in reason:
        reason = f"the secret_ref given ({hidden(ref)}) is not a secret reference; expected {'; '.join(ACCEPTED_FORMS)}"
    return reason


def read_env_file(path: str, position: int) -> List[Assignment]:
    """The assignments in the env file ``path`` (given as argument number ``position``).

    UTF-8 (a leading byte-order mark is allowed); blank lines and ``#`` comments are skipped, and
    ``export`` before a name is allowed.
    """
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as exc:
        raise RunUsageError(
            f"cannot read --env-file (argument {position}, {hidden(path)}): {exc.strerror or type(exc).__name__}"
        ) from None
    shown = path if path.isprintable() else f"--env-file (argument {position})"
    assignments = []
    for number, line in enumerate(_decode(data, shown).splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        export = _EXPORT.match(text)
        assignments.append(parse_assignment(text[export.end() :] if export else text, f"{shown} line {number}"))
    return assignments


def _decode(data: bytes, shown: str) -> str:
    # Decoded outside the except block: the UnicodeDecodeError holds the file's bytes, and must not become
    # the context of the error raised.
    text: Optional[str]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text, start = None, exc.start
    if text is None:
        # The bytes before ``start`` are valid UTF-8; "?" stands for the one that is not, so a line
        # that is cut there still counts.
        line = len((data[:start].decode("utf-8") + "?").splitlines())
        raise RunUsageError(
            f"{shown} is not UTF-8 text: the byte at offset {start} (line {line}) cannot be decoded; save the file as UTF-8"
        )
    return text.removeprefix("\ufeff")
