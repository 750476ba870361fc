"""The program's side of an offline preview: run it offline under the mock engine and report what it registered.

:mod:`ai_keys.preview` starts this module in a child process (``python -c`` with its ``_BOOTSTRAP``), with
cloud credentials removed from its environment. It reads its request as JSON from stdin, refuses the
network (see :mod:`ai_keys.preview._sandbox`), runs the program, and writes the masked result, or the
failure and what was registered before it, as JSON to the file the request names. What the program writes
to stdout, stderr, the file descriptors behind them or through subprocesses goes to the parent's pipe,
which scrubs it before showing it.
"""

import importlib
import json
import logging
import os
import runpy
import signal
import sys
import traceback
from pathlib import Path
from types import FrameType
from typing import Any, Optional

import pulumi

from ..errors import AiKeysError
from ..testing import MockEngine, mock_pulumi
from ._graph import longest_chain, tree_ordered
from ._mask import Masker
from ._project import EXIT_PROGRAM, EXIT_USAGE
from ._render import Diagnostic, PreviewResource, PreviewResult, to_wire
from ._sandbox import PreviewOfflineError, isolate_network, refuse_network
from ._scrub import scrub

__all__ = ["ProgramStopped", "main"]

# Folders of installed packages; a project's own virtualenv (Pulumi's default is ./venv) lives under one.
_INSTALLED = frozenset({"site-packages", "dist-packages"})


class ProgramStopped(BaseException):
    """Raised in the program when the preview's time limit is reached (a BaseException: ``except Exception`` keeps going)."""


def main() -> None:
    """Run one preview request from stdin and write its outcome to the file it names."""
    request = json.loads(sys.stdin.read())
    isolate_network()
    refuse_network()
    signal.signal(signal.SIGTERM, _stop)
    outcome = run(request)
    Path(request["result"]).write_text(json.dumps(outcome), encoding="utf-8")
    # The report is out; what the interpreter's teardown finds to complain about (an event loop the SDK
    # created and the garbage collector finalizes late) is not the program's output.
    sys.unraisablehook = _ignore


def _ignore(unraisable: "sys.UnraisableHookArgs") -> None:
    """Drop an unraisable exception."""


def _stop(signum: int, frame: Optional[FrameType]) -> None:
    raise ProgramStopped("stopped at the time limit")


def run(request: dict[str, Any]) -> dict[str, Any]:
    """Run the program described by ``request``; ``{"result": ..., "error": ...}`` as JSON-able data."""
    project = request["project"]
    known = {str(value): str(what) for value, what in request["known_secrets"]}
    secrets = list(known)
    root, workdir, program = Path(project["root"]), Path(project["workdir"]), Path(project["program"])
    folders = {root, workdir, program.parent}
    with mock_pulumi(
        project=project["name"],
        stack=request["stack"],
        preview=False,
        config=request["config"],
        secret_keys=request["secret_keys"],
    ) as engine:
        diagnostics: list[Diagnostic] = []
        engine.logger.addHandler(_DiagnosticHandler(diagnostics))
        error: Optional[dict[str, Any]] = None
        sys.path[:0] = [str(program.parent)] + ([str(workdir)] if workdir != program.parent else [])
        sys.dont_write_bytecode = True  # keep __pycache__ folders out of the user's project
        importlib.invalidate_caches()
        os.chdir(workdir)
        try:
            engine.run(lambda: runpy.run_path(str(program), run_name="__main__"))
        except BaseException as failure:
            message, code = _program_error(failure, project["name"], root, folders)
            text = "".join(traceback.format_exception(type(failure), failure, failure.__traceback__))
            error = {
                "message": scrub(message, secrets),
                "exit_code": code,
                "traceback": scrub(text, secrets),
                "stopped": isinstance(failure, ProgramStopped),
            }
        sys.stdout.flush()
        sys.stderr.flush()
        result = _result(engine, project["name"], request["stack"], request["placeholders"], known, diagnostics, error is None)
        return {"result": to_wire(result), "error": error}


class _DiagnosticHandler(logging.Handler):
    """Keeps the warnings and errors the program logs through ``pulumi.log``."""

    def __init__(self, sink: list[Diagnostic]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        severity = "error" if record.levelno >= logging.ERROR else "warning"
        self.sink.append(Diagnostic(severity, record.getMessage()))


def _program_error(error: BaseException, project: str, root: Path, folders: set[Path]) -> tuple[str, int]:
    if isinstance(error, pulumi.ConfigMissingError):
        key = error.key.split(":", 1)[1] if error.key.startswith(f"{project}:") else error.key
        # A secret needs no value: the program gets a stand-in for it (see ai_keys.preview._standin).
        secret, plain = f"--secret {key}", f"--config {key}=..."
        first, second = (secret, plain) if error.secret else (plain, secret)
        return f"missing required config {key!r}: pass {first} (or {second})", EXIT_USAGE
    where = _location(error, root, folders)
    if isinstance(error, SystemExit):
        return f"{where}program exited with status {error.code!r}", EXIT_PROGRAM
    if isinstance(error, (AiKeysError, pulumi.RunError, PreviewOfflineError)):
        return f"{where}{error}", EXIT_PROGRAM
    return f"{where}program failed: {type(error).__name__}: {error}", EXIT_PROGRAM


def _location(error: BaseException, root: Path, folders: set[Path]) -> str:
    """``"__main__.py line 7: "`` for the innermost frame of the failure inside the project, or ``""``."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if _inside(f.filename, folders)]
    if not frames:
        return ""
    path = Path(frames[-1].filename).resolve()
    shown = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    return f"{shown} line {frames[-1].lineno}: "


def _inside(file: Optional[str], folders: set[Path]) -> bool:
    """Whether ``file`` belongs to the program: under the project, but not in a virtualenv kept there."""
    if not file:
        return False
    path = Path(file).resolve()
    if any(part in _INSTALLED for part in path.parts):
        return False
    return any(path.is_relative_to(folder) for folder in folders)


def _result(
    engine: MockEngine,
    project: str,
    stack: str,
    placeholders: list[str],
    known: dict[str, str],
    diagnostics: list[Diagnostic],
    complete: bool,
) -> PreviewResult:
    masker = Masker(known)
    resources = tree_ordered(engine.resources)
    urns = {r.urn for r in resources}
    inputs = {r.urn: masker.normalize(r.inputs) for r in resources}
    outputs = {k: masker.normalize(v) for k, v in engine.stack_outputs.items()} if complete else {}
    places = {r.urn: f"resource {r.name!r} ({r.type}) input" for r in resources}
    for resource in resources:
        masker.harvest(inputs[resource.urn], places[resource.urn])
    for key, value in outputs.items():
        masker.harvest(value, "output", key)
    secrets = list(masker.known)
    view = {
        r.urn: PreviewResource(
            type=scrub(r.type, secrets),
            name=scrub(r.name, secrets),
            urn=scrub(r.urn, secrets),
            parent_urn=scrub(r.parent_urn, secrets) if r.parent_urn in urns else None,
            custom=r.custom,
            id=scrub(r.id, secrets) if r.custom and r.id is not None else None,
            inputs=masker.mask(inputs[r.urn], scrub(places[r.urn], secrets)),
        )
        for r in resources
    }
    masked_outputs = {scrub(k, secrets): masker.mask(v, "output", scrub(k, secrets)) for k, v in outputs.items()}
    return PreviewResult(
        project=project,
        stack=stack,
        resources=list(view.values()),
        outputs=masked_outputs,
        chain=[view[r.urn] for r in longest_chain(resources)],
        placeholders=tuple(placeholders),
        diagnostics=tuple(Diagnostic(d.severity, scrub(d.message, secrets)) for d in diagnostics),
        leaks=tuple(masker.leaks),
        complete=complete,
    )
