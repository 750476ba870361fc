"""The ``ai-keys`` command (also ``python -m ai_keys``).

``ai-keys preview PATH`` runs the Pulumi Python program in ``PATH`` under the mock engine and prints what it
would create, secrets masked; see :mod:`ai_keys.preview`. ``ai-keys run --env NAME=SECRET_REF -- COMMAND`` starts
COMMAND with keys in its environment; see :mod:`ai_keys.runtime.run`.
"""

import argparse
import re
import sys
from collections.abc import Sequence
from typing import NoReturn, Optional

from ._version import __version__

__all__ = ["build_parser", "main"]

# Argparse echoes unrecognised arguments; anything after "=" may be a mistyped secret.
_ASSIGNMENT = re.compile(r"(\S+?=)\S+")
_UNRECOGNIZED = "unrecognized arguments: "
_FLAG = re.compile(r"--?[A-Za-z][A-Za-z0-9-]*")
# "invalid choice: 'hf_...'": a key pasted where a command goes is shown by its length only.
_INVALID_CHOICE = re.compile(r"invalid choice: '((?:[^'\\]|\\.)*)'")
_DEFAULT_TIMEOUT = 120.0  # ai_keys.preview.DEFAULT_TIMEOUT, kept here so --help does not import Pulumi


def _seconds(text: str) -> float:
    """A ``--timeout`` value: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds (got {len(text)} characters, not shown)")
    return value


def _masked_argument(argument: str) -> str:
    """An unrecognised argument as it may be echoed: flags as-is, ``KEY=***``, anything else ``***``.

    A stray bare word is often a secret value that missed its ``=`` (``--secret key sk-...``).
    """
    if _FLAG.fullmatch(argument):
        return argument
    key, sep, _ = argument.partition("=")
    return f"{key}=***" if sep else "***"


def _masked_choice(match: "re.Match[str]") -> str:
    return f"invalid choice ({len(match.group(1))} characters, not shown in case it is a key value)"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: ``ai-keys preview: error: ...`` (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        if message.startswith(_UNRECOGNIZED):
            arguments = message[len(_UNRECOGNIZED) :].split(" ")
            masked = _UNRECOGNIZED + " ".join(_masked_argument(argument) for argument in arguments)
        else:
            masked = _ASSIGNMENT.sub(r"\1***", _INVALID_CHOICE.sub(_masked_choice, message))
        self.exit(2, f"{self.prog}: error: {masked}\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``ai-keys`` argument parser."""
    parser = _Parser(prog="ai-keys", description="Tools for the ai-keys Pulumi component.")
    parser.add_argument("--version", action="version", version=f"ai-keys {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    preview = commands.add_parser(
        "preview",
        help="run a Pulumi Python program under the mock engine and print what it would create",
        description=(
            "Run the Pulumi Python program in PATH under the ai-keys mock engine and print its resource tree, "
            "stack outputs, leaks, resource count and longest dependency chain. This EXECUTES THE PROJECT'S CODE: "
            "preview only projects you trust. It runs in a child process with cloud credential variables removed, "
            "an empty HOME, outgoing network connections refused and a time limit. Secret values are shown as "
            "[secret]; a secret's value found in a non-secret output or input is reported as a LEAK."
        ),
        epilog=(
            "Secret config can also come from environment variables AI_KEYS_PREVIEW_SECRET_<KEY> "
            "(e.g. AI_KEYS_PREVIEW_SECRET_OPENAI_API_KEY sets openai_api_key). "
            "Exit status: 0 ok, 1 the program failed, timed out, logged an error or leaks a secret, "
            "2 bad usage, path, project or missing config."
        ),
    )
    preview.add_argument("path", metavar="PATH", help="Pulumi project directory (Pulumi.yaml with runtime: python)")
    preview.add_argument("--stack", default="dev", help="stack whose Pulumi.<stack>.yaml config is read (default: dev)")
    preview.add_argument("--config", action="append", default=[], metavar="KEY=VALUE", help="set a config value (repeatable)")
    preview.add_argument(
        "--secret",
        action="append",
        default=[],
        metavar="NAME[=VALUE]",
        help="make config key NAME a secret (repeatable); the program gets a generated stand-in, never VALUE "
        "(a JSON object or array keeps its structure, its strings replaced)",
    )
    preview.add_argument("--json", action="store_true", help="print a JSON document instead of the tree")
    preview.add_argument("--traceback", action="store_true", help="print the traceback when the program fails")
    preview.add_argument(
        "--timeout",
        type=_seconds,
        default=_DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"stop the program after this many seconds (default: {_DEFAULT_TIMEOUT:g})",
    )
    # Listed for --help; main() hands "run ..." to ai_keys.runtime.run, whose parser never echoes what it refuses.
    run = commands.add_parser("run", help="start a command with keys in its environment (see ai-keys run --help)", add_help=False)
    run.add_argument("arguments", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the ``ai-keys`` command with ``argv`` (default: ``sys.argv[1:]``) and return its exit status."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments[:1] == ["run"]:  # ai-keys run ... -- COMMAND: see ai_keys.runtime.run
        from .runtime.run import run

        return run(arguments[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version and usage errors
        return exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 2
    from . import preview  # imports Pulumi; only needed by the command itself

    return preview.run(
        args.path,
        stack=args.stack,
        config=args.config,
        secrets=args.secret,
        as_json=args.json,
        show_traceback=args.traceback,
        timeout=args.timeout,
    )


if __name__ == "__main__":
    raise SystemExit(main())
