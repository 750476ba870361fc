"""Offline preview: run a Pulumi Python program under the mock engine and show what it would create.

``python -m ai_keys preview PATH`` (or ``ai-keys preview PATH``) runs the program of the Pulumi project in
``PATH`` with :func:`ai_keys.testing.mock_pulumi`: no cloud, no credentials, no Pulumi CLI. The mock
engine runs as ``pulumi up`` would (not a dry run), so outputs resolve to the realistic ids, ARNs and URIs
the mock clouds return; secrets stay secrets and are shown as ``[secret]``.

It prints the resource tree (type, name, nesting by parent, id and a short selection of inputs), the
stack outputs, the resource count (components included; the stack itself and default providers are not
resources the program registers) and the longest dependency chain.

The longest dependency chain is the longest path in the directed acyclic graph whose edges say "must be
created after": an edge runs from A to B when B lists A among its dependencies (explicit ``depends_on``,
expanded by Pulumi to a component's children, and input dependencies: B takes an output of A) or when A
is B's parent. Its length counts resources, so a lone resource has a chain of 1 and an empty program 0.
Ties go to the chain that ends first in the printed order.

Config: see :mod:`ai_keys.preview._project` (``Pulumi.<stack>.yaml``, ``--config``, ``--secret``,
``AI_KEYS_PREVIEW_SECRET_<KEY>``). Secret values never appear in any output: the program sees them as
Pulumi secrets, the report masks every secret, and every printed text is scrubbed of the known values.
"""

import contextlib
import heapq
import importlib
import io
import logging
import os
import runpy
import sys
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, TextIO

import pulumi
from pulumi.runtime import rpc

from ._project import (
    EXIT_PROGRAM,
    EXIT_USAGE,
    PLACEHOLDER_SECRET,
    PreviewConfig,
    PreviewError,
    Project,
    env_secrets,
    gather_config,
    load_project,
    parse_pair,
)
from ._render import (
    SECRET,
    UNKNOWN,
    Diagnostic,
    PreviewResource,
    PreviewResult,
    render_json,
    render_text,
    scrub,
)
from ..errors import AiKeysError
from ..testing import MockEngine, RegisteredResource, mock_pulumi, resolve_output

__all__ = [
    "PLACEHOLDER_SECRET",
    "PreviewError",
    "PreviewResource",
    "PreviewResult",
    "longest_chain",
    "preview",
    "run",
]

DEFAULT_STACK = "dev"
"""Stack used when ``--stack`` is not given."""

# Folders of installed packages; a project's own virtualenv (Pulumi's default is ./venv) lives under one.
_INSTALLED = frozenset({"site-packages", "dist-packages"})


@dataclass
class _Captured:
    """What the program printed and logged during the run."""

    output: io.StringIO
    diagnostics: list[Diagnostic]


def preview(
    path: str,
    *,
    stack: str = DEFAULT_STACK,
    config: Sequence[tuple[str, str]] = (),
    secrets: Sequence[tuple[str, str]] = (),
    environ: Optional[Mapping[str, str]] = None,
    program_output: Optional[TextIO] = None,
) -> PreviewResult:
    """Run the program in ``path`` under the mock engine and return what it registered, masked.

    Raises :class:`PreviewError` (exit code 2 for a bad path, project or missing config; 1 when the
    program fails, with the original exception as ``__cause__``). What the program prints (to stdout
    or stderr) goes to ``program_output`` (discarded when None).
    """
    project = load_project(path)
    settings = gather_config(project, stack, config, secrets, environ)
    return _run(project, stack.rsplit("/", 1)[-1], settings, program_output)


def run(
    path: str,
    *,
    stack: str = DEFAULT_STACK,
    config: Sequence[str] = (),
    secrets: Sequence[str] = (),
    as_json: bool = False,
    show_traceback: bool = False,
    environ: Optional[Mapping[str, str]] = None,
    stdout: Optional[TextIO] = None,
    stderr: Optional[TextIO] = None,
) -> int:
    """The ``preview`` command: print the report (or a one-line error) and return the exit status.

    ``config`` and ``secrets`` are ``KEY=VALUE`` strings; ``environ`` defaults to ``os.environ``.
    """
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    env = os.environ if environ is None else environ
    # Known before anything runs, so even a malformed flag or an early failure is scrubbed.
    known_secrets = [_pair_value(text) for text in secrets] + list(env_secrets(env).values())
    captured = io.StringIO()
    try:
        config_pairs = [parse_pair(text, "--config", echo=True) for text in config]
        secret_pairs = [parse_pair(text, "--secret", echo=False) for text in secrets]
    except ValueError as error:
        return _report_error(PreviewError(str(error), EXIT_USAGE), known_secrets, err, show_traceback=False)
    try:
        result = preview(path, stack=stack, config=config_pairs, secrets=secret_pairs, environ=env, program_output=captured)
    except PreviewError as error:
        _flush_program_output(captured, known_secrets, err)
        return _report_error(error, known_secrets, err, show_traceback=show_traceback)
    _flush_program_output(captured, known_secrets, err)
    report = render_json(result) if as_json else render_text(result, PLACEHOLDER_SECRET)
    out.write(scrub(report, known_secrets) + "\n")
    errors = sum(1 for d in result.diagnostics if d.severity == "error")
    if errors:
        # Pulumi fails a deployment whose program logged an error; so does the preview.
        failure = PreviewError(f"the program logged {errors} error(s); see Diagnostics", EXIT_PROGRAM)
        return _report_error(failure, known_secrets, err, show_traceback=False)
    return 0


def _report_error(error: PreviewError, secrets: Sequence[str], err: TextIO, *, show_traceback: bool) -> int:
    if show_traceback:
        cause = error.__cause__ or error
        text = "".join(traceback.format_exception(type(cause), cause, cause.__traceback__))
        err.write(scrub(text, secrets))
    # Scrubbed before it is made one line: joining lines would break up a multi-line secret.
    err.write(scrub(f"ai-keys preview: error: {_one_line(scrub(str(error), secrets))}", secrets) + "\n")
    return error.exit_code


def longest_chain(resources: Sequence[RegisteredResource]) -> list[RegisteredResource]:
    """The longest "must be created after" path through ``resources``, first-created first.

    See the module docstring for the graph. Resources are taken in a stable topological order
    (dependencies first, then by name); ties go to the chain that ends first in that order, and within
    it to the earliest predecessor. Only edges between the given resources count.
    """
    resources = _ordered(resources)
    position = {r.urn: i for i, r in enumerate(resources)}
    best: dict[str, tuple[int, Optional[str]]] = {}
    for resource in resources:
        length, previous = 1, None
        for urn in _predecessors(resource, position):
            if urn in best and best[urn][0] + 1 > length:
                length, previous = best[urn][0] + 1, urn
        best[resource.urn] = (length, previous)
    if not best:
        return []
    top = max(best.values(), key=lambda entry: entry[0])[0]
    end: Optional[str] = next(r.urn for r in resources if best[r.urn][0] == top)
    by_urn = {r.urn: r for r in resources}
    chain: list[RegisteredResource] = []
    while end is not None:
        chain.append(by_urn[end])
        end = best[end][1]
    return chain[::-1]


def _predecessors(resource: RegisteredResource, known: Mapping[str, int]) -> list[str]:
    """URNs ``resource`` must be created after, earliest first: its parent and its dependencies."""
    found = {urn for urn in [resource.parent_urn, *resource.dependencies] if urn in known and urn != resource.urn}
    return sorted(found, key=lambda urn: known[urn])


def _ordered(resources: Sequence[RegisteredResource]) -> list[RegisteredResource]:
    """``resources`` in a stable topological order: predecessors first, then by name, type and URN.

    Registration order can vary between runs when registrations wait on outputs; this order does not.
    """
    index = {r.urn: i for i, r in enumerate(resources)}
    successors: dict[str, list[str]] = {r.urn: [] for r in resources}
    waiting: dict[str, int] = {}
    for resource in resources:
        before = _predecessors(resource, index)
        waiting[resource.urn] = len(before)
        for urn in before:
            successors[urn].append(resource.urn)
    by_urn = {r.urn: r for r in resources}
    ready = [(r.name, r.type, r.urn) for r in resources if waiting[r.urn] == 0]
    heapq.heapify(ready)
    ordered: list[RegisteredResource] = []
    while ready:
        _, _, urn = heapq.heappop(ready)
        ordered.append(by_urn[urn])
        for successor in successors[urn]:
            waiting[successor] -= 1
            if waiting[successor] == 0:
                follower = by_urn[successor]
                heapq.heappush(ready, (follower.name, follower.type, follower.urn))
    return ordered


def _run(project: Project, stack: str, settings: PreviewConfig, program_output: Optional[TextIO]) -> PreviewResult:
    with mock_pulumi(
        project=project.name,
        stack=stack,
        preview=False,
        config=settings.values,
        secret_keys=settings.secret_keys,
    ) as engine:
        captured = _Captured(io.StringIO(), [])
        engine.logger.addHandler(_DiagnosticHandler(captured.diagnostics))
        try:
            with _program_environment(project, captured.output):
                engine.run(lambda: runpy.run_path(str(project.program), run_name="__main__"))
        except KeyboardInterrupt:
            raise
        except BaseException as error:
            raise _program_error(error, project) from error
        finally:
            if program_output is not None:
                program_output.write(captured.output.getvalue())
        return _result(engine, project, stack, settings, captured.diagnostics)


@contextlib.contextmanager
def _program_environment(project: Project, output: TextIO) -> Iterator[None]:
    """cwd, ``sys.path``, stdout and stderr as the Pulumi language host sets them; restored (and modules unloaded) after.

    Both streams go to ``output``, which is scrubbed before it is shown: a program may print a secret,
    warn with it or log it, and warnings and logging's last-resort handler write to stderr.
    """
    saved_cwd = Path.cwd()
    saved_path = list(sys.path)
    saved_modules = set(sys.modules)
    saved_bytecode = sys.dont_write_bytecode
    folders = [str(project.program.parent)] + ([str(project.workdir)] if project.workdir != project.program.parent else [])
    sys.path[:0] = folders
    sys.dont_write_bytecode = True  # keep __pycache__ folders out of the user's project
    importlib.invalidate_caches()
    os.chdir(project.workdir)
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            yield
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        sys.dont_write_bytecode = saved_bytecode
        # Forget the program's own modules so the next preview (of this or another project) imports them afresh.
        for name in set(sys.modules) - saved_modules:
            if _inside(getattr(sys.modules[name], "__file__", None), project):
                del sys.modules[name]


def _inside(file: Optional[str], project: Project) -> bool:
    """Whether ``file`` belongs to the program: under the project, but not in a virtualenv kept there."""
    if not file:
        return False
    path = Path(file).resolve()
    if any(part in _INSTALLED for part in path.parts):
        return False
    return any(path.is_relative_to(folder) for folder in {project.root, project.workdir, project.program.parent})


class _DiagnosticHandler(logging.Handler):
    """Keeps the warnings and errors the program logs through ``pulumi.log``."""

    def __init__(self, sink: list[Diagnostic]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        severity = "error" if record.levelno >= logging.ERROR else "warning"
        self.sink.append(Diagnostic(severity, record.getMessage()))


def _program_error(error: BaseException, project: Project) -> PreviewError:
    if isinstance(error, pulumi.ConfigMissingError):
        key = error.key.split(":", 1)[1] if error.key.startswith(f"{project.name}:") else error.key
        first, second = ("--secret", "--config") if error.secret else ("--config", "--secret")
        return PreviewError(f"missing required config {key!r}: pass {first} {key}=... (or {second} {key}=...)", EXIT_USAGE)
    where = _location(error, project)
    if isinstance(error, SystemExit):
        return PreviewError(f"{where}program exited with status {error.code!r}", EXIT_PROGRAM)
    if isinstance(error, (AiKeysError, pulumi.RunError)):
        return PreviewError(f"{where}{error}", EXIT_PROGRAM)
    return PreviewError(f"{where}program failed: {type(error).__name__}: {error}", EXIT_PROGRAM)


def _location(error: BaseException, project: Project) -> str:
    """``"__main__.py line 7: "`` for the innermost frame of the failure inside the project, or ``""``."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if _inside(f.filename, project)]
    if not frames:
        return ""
    frame = frames[-1]
    return f"{_relative(Path(frame.filename), project.root)} line {frame.lineno}: "


def _relative(path: Path, root: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(root)) if resolved.is_relative_to(root) else str(path)


def _result(
    engine: MockEngine, project: Project, stack: str, settings: PreviewConfig, diagnostics: list[Diagnostic]
) -> PreviewResult:
    secrets = settings.secret_values
    ordered = _ordered(engine.resources)
    known = {r.urn for r in ordered}
    view = {
        r.urn: PreviewResource(
            type=scrub(r.type, secrets),
            name=scrub(r.name, secrets),
            urn=scrub(r.urn, secrets),
            parent_urn=scrub(r.parent_urn, secrets) if r.parent_urn in known else None,
            custom=r.custom,
            id=scrub(r.id, secrets) if r.custom and r.id is not None else None,
            inputs=_masked(r.inputs, secrets),
        )
        for r in ordered
    }
    return PreviewResult(
        project=project.name,
        stack=stack,
        resources=list(view.values()),
        outputs={scrub(k, secrets): _masked(v, secrets) for k, v in engine.stack_outputs.items()},
        chain=[view[r.urn] for r in longest_chain(ordered)],
        placeholders=settings.placeholders,
        diagnostics=tuple(Diagnostic(d.severity, scrub(d.message, secrets)) for d in diagnostics),
    )


def _masked(value: Any, secrets: Sequence[str] = ()) -> Any:
    """``value`` as plain JSON-able data with every secret replaced by ``[secret]``.

    Known secret values (``secrets``) are also scrubbed from plain strings here, before the renderers
    truncate, one-line or JSON-escape them: after that, a partial or re-escaped value would no longer
    match. Runs inside the mock engine: nested Outputs (e.g. in an exported dict) are resolved here.
    """
    if rpc.is_rpc_secret(value):
        return SECRET
    if isinstance(value, pulumi.Output):
        resolved = resolve_output(value)
        if resolved.is_secret:
            return SECRET
        return _masked(resolved.value, secrets) if resolved.is_known else UNKNOWN
    if isinstance(value, str):
        if value == rpc.UNKNOWN:
            return UNKNOWN
        cleaned = scrub(value, secrets)
        return SECRET if cleaned == SECRET else cleaned
    if isinstance(value, float) and value.is_integer():
        return int(value)  # numbers travel as floats on the wire
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, Mapping):
        # Sorted: the wire does not promise an order, and a stable report diffs well. "__" keys are SDK internals.
        return {scrub(str(k), secrets): _masked(value[k], secrets) for k in sorted(value, key=str) if not str(k).startswith("__")}
    if isinstance(value, (list, tuple)):
        return [_masked(v, secrets) for v in value]
    if isinstance(value, pulumi.Resource):
        return f"<resource {_masked(value.urn, secrets)}>"
    return f"<{type(value).__name__}>"


def _pair_value(text: str) -> str:
    """The value part of a ``--secret`` argument; all of it when it has no ``=`` (it may be a bare value)."""
    _, sep, value = text.partition("=")
    return value if sep else text


def _flush_program_output(captured: io.StringIO, secrets: Sequence[str], err: TextIO) -> None:
    text = captured.getvalue()
    if text:
        err.write(scrub(text, secrets) + ("" if text.endswith("\n") else "\n"))


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())
