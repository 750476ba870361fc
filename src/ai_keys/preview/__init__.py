"""Offline preview: run a Pulumi Python program under the mock engine and show what it would create.

``python -m ai_keys preview PATH`` (or ``ai-keys preview PATH``) runs the program of the Pulumi project in
``PATH`` with :func:`ai_keys.testing.mock_pulumi`: no cloud, no Pulumi CLI. **It executes the project's
code**, in a child process with the cloud credential variables removed from its environment, an empty
``HOME``, every outgoing network connection refused (see :mod:`ai_keys.preview._sandbox`) and a time limit.
The mock engine runs as ``pulumi up`` would (not a dry run), so outputs resolve to the realistic ids, ARNs
and URIs the mock clouds return; secrets stay secrets and are shown as ``[secret]``.

It prints the resource tree (type, name, nesting by parent, siblings in dependency order, id and a short
selection of inputs), the stack outputs, the leaks, the resource count (components included; the stack
itself and default providers are not resources the program registers) and the longest dependency chain.

A leak is a secret's value in plaintext in a stack output or resource input that is not a secret (for
example ``pulumi.export("k", config.require("openai_api_key"))``): a real deploy would store it
unencrypted. Leaks are listed by where they are, never by value, and make the preview exit 1.

The longest dependency chain is the longest path in the directed acyclic graph whose edges say "must be
created after" (see :mod:`ai_keys.preview._graph`). Its length counts resources, so a lone resource has a
chain of 1 and an empty program 0. Ties go to the chain that ends first in the printed order.

Config: see :mod:`ai_keys.preview._project` (``Pulumi.<stack>.yaml``, ``--config``, ``--secret``,
``AI_KEYS_PREVIEW_SECRET_<KEY>``). The program never gets the value given for a secret: it gets a generated
high-entropy stand-in (see :mod:`ai_keys.preview._standin`), which is what the leak search looks for, so
an ordinary word given as a secret's value cannot make a false leak. The report masks every secret, and
every string it holds and everything the program writes is scrubbed of the stand-ins.
"""

import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Optional, TextIO

from ._graph import longest_chain
from ._project import (
    EXIT_PROGRAM,
    EXIT_USAGE,
    PreviewConfig,
    PreviewError,
    Project,
    gather_config,
    load_project,
    parse_pair,
    parse_secret,
)
from ._render import (
    Leak,
    PreviewResource,
    PreviewResult,
    from_wire,
    render_json,
    render_text,
)
from ._sandbox import offline_environment
from ._scrub import scrub, scrub_result

__all__ = [
    "DEFAULT_TIMEOUT",
    "Leak",
    "PreviewError",
    "PreviewResource",
    "PreviewResult",
    "longest_chain",
    "preview",
    "run",
]

DEFAULT_STACK = "dev"
"""Stack used when ``--stack`` is not given."""

DEFAULT_TIMEOUT = 120.0
"""Seconds the program may run before the preview stops it (``--timeout``)."""

_GRACE = 5.0  # seconds a stopped program gets to report what it registered before it is killed

# Starts ai_keys.preview._child in the program's process, with this process's sys.path as the first argument.
_BOOTSTRAP = "import sys, json; sys.path[:0] = json.loads(sys.argv[1]); from ai_keys.preview._child import main; main()"


def preview(
    path: str,
    *,
    stack: str = DEFAULT_STACK,
    config: Sequence[tuple[str, str]] = (),
    secrets: Sequence[tuple[str, Optional[str]]] = (),
    environ: Optional[Mapping[str, str]] = None,
    program_output: Optional[TextIO] = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> PreviewResult:
    """Run the program in ``path`` offline under the mock engine and return what it registered, masked.

    ``secrets`` are ``(name, value)`` pairs, value None when none was given; the program gets a stand-in
    for each (see :mod:`ai_keys.preview._standin`). Raises :class:`PreviewError` (exit code 2 for a bad
    path, project or missing config; 1 when the program fails or runs longer than ``timeout`` seconds, with
    what it registered before as ``result`` and its traceback, scrubbed, as ``program_traceback``). What the
    program writes (stdout, stderr, its file descriptors 1 and 2, its subprocesses) goes to
    ``program_output`` (discarded when None), unscrubbed. ``environ`` (default ``os.environ``) is what the
    program's environment is made from, credentials removed.
    """
    env = os.environ if environ is None else environ
    project = load_project(path)
    settings = gather_config(project, stack, config, secrets, env)
    return _run(project, _stack_name(stack), settings, env, program_output, timeout)


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
    timeout: float = DEFAULT_TIMEOUT,
) -> int:
    """The ``preview`` command: print the report (or a one-line error) and return the exit status.

    ``config`` are ``KEY=VALUE`` strings, ``secrets`` ``NAME`` or ``NAME=VALUE`` strings; ``environ``
    defaults to ``os.environ``. When the program fails, the report of what it registered before the
    failure is printed too.
    """
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    env = os.environ if environ is None else environ
    try:
        config_pairs = [parse_pair(text, "--config", echo=True) for text in config]
        secret_pairs = [parse_secret(text) for text in secrets]
    except ValueError as error:  # its message never holds a --secret argument
        return _report_error(PreviewError(str(error), EXIT_USAGE), (), err, show_traceback=False)
    captured = io.StringIO()
    # The program never gets a typed value, only stand-ins: they are what its output is scrubbed of.
    known_secrets: list[str] = []
    try:
        project = load_project(path)
        settings = gather_config(project, stack, config_pairs, secret_pairs, env)
        known_secrets = list(settings.stand_ins)
        result = _run(project, _stack_name(stack), settings, env, captured, timeout)
    except PreviewError as error:
        _flush_program_output(captured, known_secrets, err)
        if error.result is not None:
            out.write(_report(error.result, known_secrets, as_json=as_json) + "\n")
        return _report_error(error, known_secrets, err, show_traceback=show_traceback)
    _flush_program_output(captured, known_secrets, err)
    out.write(_report(result, known_secrets, as_json=as_json) + "\n")
    if result.leaks:
        failure = PreviewError(
            f"{len(result.leaks)} secret leak(s): a secret's value reaches an output or input that is not a secret, "
            "which a real deploy stores in plaintext; see Leaks",
            EXIT_PROGRAM,
        )
        return _report_error(failure, known_secrets, err, show_traceback=False)
    errors = sum(1 for d in result.diagnostics if d.severity == "error")
    if errors:
        # Pulumi fails a deployment whose program logged an error; so does the preview.
        failure = PreviewError(f"the program logged {errors} error(s); see Diagnostics", EXIT_PROGRAM)
        return _report_error(failure, known_secrets, err, show_traceback=False)
    return 0


def _report(result: PreviewResult, secrets: Sequence[str], *, as_json: bool) -> str:
    # What the result holds is scrubbed, not the rendered report: its own words and keys stay as they are.
    scrubbed = scrub_result(result, secrets)
    return render_json(scrubbed) if as_json else render_text(scrubbed)


def _report_error(error: PreviewError, secrets: Sequence[str], err: TextIO, *, show_traceback: bool) -> int:
    if show_traceback and error.program_traceback:
        err.write(scrub(error.program_traceback, secrets))
    elif show_traceback:
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        err.write(scrub(text, secrets))
    # Scrubbed before it is made one line: joining lines would break up a multi-line secret.
    err.write(scrub(f"ai-keys preview: error: {_one_line(scrub(str(error), secrets))}", secrets) + "\n")
    return error.exit_code


def _run(
    project: Project,
    stack: str,
    settings: PreviewConfig,
    environ: Mapping[str, str],
    program_output: Optional[TextIO],
    timeout: float,
) -> PreviewResult:
    """Run the program in a child process (see :mod:`ai_keys.preview._child`) and read back its outcome."""
    with tempfile.TemporaryDirectory(prefix="ai-keys-preview-") as scratch:
        home = Path(scratch) / "home"
        home.mkdir()
        result_file = Path(scratch) / "result.json"
        request = {
            "project": {
                "name": project.name,
                "root": str(project.root),
                "program": str(project.program),
                "workdir": str(project.workdir),
            },
            "stack": stack,
            "config": dict(settings.values),
            "secret_keys": list(settings.secret_keys),
            "placeholders": list(settings.placeholders),
            "known_secrets": [[stand_in, f"secret config {key!r}"] for stand_in, key in settings.stand_ins.items()],
            "result": str(result_file),
        }
        output, returncode, timed_out = _spawn(project, json.dumps(request), offline_environment(environ, str(home)), timeout)
        if program_output is not None and output:
            program_output.write(output)
        try:
            outcome = json.loads(result_file.read_text(encoding="utf-8"))
            result = from_wire(outcome["result"])
            failure = outcome["error"]
        except (OSError, ValueError, KeyError, TypeError) as unreadable:
            if timed_out:
                raise _timeout_error(timeout) from unreadable
            raise PreviewError(
                f"the program ended the preview's process (exit status {returncode}) before it could report", EXIT_PROGRAM
            ) from unreadable
    if timed_out or (failure and failure.get("stopped")):
        raise _timeout_error(timeout, result)
    if failure:
        program_error = PreviewError(str(failure["message"]), int(failure["exit_code"]))
        if program_error.exit_code == EXIT_PROGRAM:
            program_error.result = result
        program_error.program_traceback = str(failure.get("traceback") or "")
        raise program_error
    return result


def _timeout_error(timeout: float, result: Optional[PreviewResult] = None) -> PreviewError:
    message = f"the program did not finish within {timeout:g} seconds; pass --timeout SECONDS to allow more"
    error = PreviewError(message, EXIT_PROGRAM)
    error.result = result
    return error


def _spawn(project: Project, request: str, env: dict[str, str], timeout: float) -> tuple[str, Optional[int], bool]:
    """Run the child; its merged stdout and stderr (fds 1 and 2, subprocesses included), exit status, and whether it timed out."""
    command = [sys.executable, "-c", _BOOTSTRAP, json.dumps([p for p in sys.path if p])]
    posix = os.name == "posix"
    with subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=project.workdir,
        env=env,
        start_new_session=posix,  # its own process group, so the program's subprocesses are stopped with it
    ) as child:
        try:
            raw, _ = child.communicate(request.encode("utf-8"), timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
            _signal(child, signal.SIGTERM, posix)
            try:
                raw, _ = child.communicate(timeout=_GRACE)
            except subprocess.TimeoutExpired:
                _signal(child, signal.SIGKILL if posix else signal.SIGTERM, posix)
                raw, _ = child.communicate()
        if posix:
            _signal(child, signal.SIGKILL, posix)  # whatever the program left running in the background
    return raw.decode("utf-8", errors="replace"), child.returncode, timed_out


def _signal(child: "subprocess.Popen[bytes]", number: int, posix: bool) -> None:
    try:
        if posix:
            os.killpg(child.pid, number)
        else:
            child.send_signal(number)
    except (ProcessLookupError, PermissionError):
        pass


def _stack_name(stack: str) -> str:
    """The stack's own name: ``org/project/stack`` names the stack ``stack``."""
    return stack.rsplit("/", 1)[-1]


def _flush_program_output(captured: io.StringIO, secrets: Sequence[str], err: TextIO) -> None:
    text = captured.getvalue()
    if text:
        err.write(scrub(text, secrets) + ("" if text.endswith("\n") else "\n"))


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())
