"""``ai-keys run``'s error paths: one line, exit 125, and nothing typed or read that could be a key value."""

import contextlib
import inspect
import io
import re
import tempfile
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Tuple

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from ai_keys.__main__ import main as cli
from ai_keys.runtime import KeyCache, SecretNotFoundError, errors, refs
from ai_keys.runtime import _run_args as run_args
from ai_keys.runtime import run as run_module
from ai_keys.runtime.run import EXIT_CANNOT_RUN, EXIT_FAILED, run

GCP_REF = "projects/p-12345/secrets/openai"
VALUE = "sk-read-from-the-store"
KEY = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123"  # a valid variable name: only the missing "=" gives it away
B64_KEY = "dGhpcyBpcyBhIGtleSB2YWx1ZQ=="  # "=" padding: looks like NAME=
# Text the command can print on its own. A run of a value that also occurs here is not evidence of an echo
# (Hypothesis draws strings from the project's source too, e.g. "not a secret reference").
OWN_TEXT = "\n".join(inspect.getsource(module) for module in (run_module, run_args, refs, errors))


class Recorder:
    """Stands in for exec: records the command and environment, returns 0."""

    def __init__(self) -> None:
        self.calls: List[Tuple[List[str], Dict[str, str]]] = []

    def __call__(self, command: List[str], env: Mapping[str, str]) -> int:
        self.calls.append((command, dict(env)))
        return 0


def fixed_value(value: str) -> KeyCache:
    """A cache whose every read returns ``value``."""
    return KeyCache(fetcher=lambda ref: value)


def run_captured(argv: List[str], cache: KeyCache, execute: Callable[[List[str], Mapping[str, str]], int]) -> Tuple[int, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        status = run(argv, cache=cache, environ={}, execute=execute)
    return status, err.getvalue()


def echoed(stderr: str, value: str, allowed: str = "") -> List[str]:
    """The 8-character runs of ``value`` in ``stderr`` that the command could not have printed on its own."""
    runs = {value[i : i + 8] for i in range(len(value) - 7)}
    return sorted(piece for piece in runs if piece in stderr and piece not in OWN_TEXT and piece not in allowed)


def assert_one_line_error(status: int, stderr: str) -> None:
    assert status == EXIT_FAILED, stderr
    assert stderr.startswith("ai-keys run: error: "), stderr
    assert stderr.count("\n") == 1, stderr
    assert stderr.endswith("\n")


# ------------------------------------------------------------------------------------------ property

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,15}", fullmatch=True)
# Arbitrary text, and text shaped like keys: vendor prefixes, identifiers (hf_..., which look like a NAME), base64
# with "=" padding (which looks like NAME=), and keys behind a reference's prefix.
key_like = st.one_of(
    st.from_regex(r"(sk-|sk-proj-|AIza|gsk_)[A-Za-z0-9_-]{8,40}", fullmatch=True),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{7,40}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9+/]{8,40}={1,2}", fullmatch=True),
    st.from_regex(r"(arn:|projects/|https://)[A-Za-z0-9_+/=.:-]{8,40}", fullmatch=True),
)
values = st.one_of(st.text(max_size=40), key_like)
file_values = st.one_of(st.text(st.characters(exclude_categories=("Cs",)), max_size=40), key_like)  # UTF-8 can hold these


def _lines(draw_value: st.SearchStrategy[str]) -> st.SearchStrategy[Tuple[str, str]]:
    """(text given, the part of it that may be a key value): bare, NAME=value, export NAME=value, # value."""
    return st.one_of(
        draw_value.map(lambda value: (value, value)),
        st.tuples(names, draw_value).map(lambda nv: (f"{nv[0]}={nv[1]}", nv[1])),
        st.tuples(names, draw_value).map(lambda nv: (f"export {nv[0]}={nv[1]}", nv[1])),
        draw_value.map(lambda value: (f"# {value}", value)),
    )


# An argument is given as "--env X", "--env=X" or on its own (a stray word before "--"). A stray word never
# starts with --env-file: the path of a file that opens is shown by design (tested with examples below).
arguments = st.tuples(st.sampled_from(["--env", "--env=", ""]), _lines(values)).filter(
    lambda item: item[0] or not item[1][0].startswith("--env-file")
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@example(file_lines=[(KEY, KEY)], argv_items=[])
@example(file_lines=[], argv_items=[("--env", (KEY, KEY))])
@example(file_lines=[], argv_items=[("--env", (B64_KEY, B64_KEY))])
@example(file_lines=[], argv_items=[("--env=", (f"K=arn:{KEY}", f"arn:{KEY}"))])
@example(file_lines=[], argv_items=[("", (f"-{KEY}", f"-{KEY}"))])
@given(file_lines=st.lists(_lines(file_values), max_size=4), argv_items=st.lists(arguments, max_size=4))
def test_no_error_echoes_a_run_of_any_value_typed(
    file_lines: List[Tuple[str, str]], argv_items: List[Tuple[str, Tuple[str, str]]]
) -> None:
    argv: List[str] = []
    for form, (text, _) in argv_items:
        argv += ["--env", text] if form == "--env" else [form + text]
    with tempfile.TemporaryDirectory() as scratch:
        path = str(Path(scratch) / "keys.env")
        if file_lines:
            Path(path).write_text("\n".join(text for text, _ in file_lines) + "\n", encoding="utf-8")
            argv += ["--env-file", path]
        status, stderr = run_captured([*argv, "--", "true"], fixed_value(VALUE), Recorder())
    event(f"exit status {status}")
    assert status in (0, EXIT_FAILED), stderr
    if status == EXIT_FAILED:
        assert_one_line_error(status, stderr)
    for _, value in [*file_lines, *(line for _, line in argv_items)]:
        assert not echoed(stderr, value, allowed=path), stderr


# ------------------------------------------------------------------------------- every error path


@pytest.mark.parametrize(
    ("argv", "where"),
    [
        (["--env", KEY, "--", "true"], "--env (argument 2) is not NAME=SECRET_REF: it has no '=' (33 characters"),
        ([f"--env={KEY}", "--", "true"], "--env (argument 1) is not NAME=SECRET_REF: it has no '='"),
        (["--env", B64_KEY, "--", "true"], "--env (argument 2): the secret_ref given (1 char"),
        (["--env", f"{KEY}x=y", "--", "true"], "--env (argument 2): the secret_ref given (1 character,"),
        (["--env", f"1{KEY}=y", "--", "true"], "the text before '=' (34 characters, not shown"),
        (["--env", f"K=arn:{KEY}", "--", "true"], "--env (argument 2): the secret_ref given (37 characters"),
        (["--env", f"K=projects/{KEY}", "--", "true"], "the secret_ref given (42 characters"),
        (["--env", "K=" + GCP_REF, KEY, "--", "true"], "argument 3 (33 characters, not shown in case it is a key value) is"),
        (["--env", "K=" + GCP_REF, f"--{KEY}", "--", "true"], "argument 3 (35 characters"),
        (["--env", "K=" + GCP_REF, f"--en={KEY}", "--", "true"], "argument 3 (38 characters"),
        (["--env-file", KEY, "--", "true"], "cannot read --env-file (argument 2, 33 characters, not shown"),
        (["--env-file", "--", "true"], "--env-file (argument 1) needs a FILE after it"),
    ],
    ids=[
        "no-name",
        "no-name-inline",
        "base64-padding",
        "name-before-a-stray-equals",
        "bad-name",
        "arn-prefixed",
        "projects-prefixed",
        "stray-word",
        "unknown-option",
        "abbreviated-option",
        "env-file-path",
        "env-file-without-path",
    ],
)
def test_a_key_typed_in_the_wrong_place_is_shown_by_position_and_length_only(argv: List[str], where: str) -> None:
    recorder = Recorder()
    status, stderr = run_captured(argv, fixed_value(VALUE), recorder)
    assert_one_line_error(status, stderr)
    assert where in stderr
    assert "AbCdEfGh" not in stderr
    assert "dGhpcyBp" not in stderr
    assert recorder.calls == []


def test_a_pasted_env_file_line_is_shown_by_line_number_and_length_only(tmp_path: Path) -> None:
    env_file = tmp_path / "keys.env"
    env_file.write_text(f"# the app's keys\nOPENAI_API_KEY={GCP_REF}\n{KEY}\n")
    status, stderr = run_captured(["--env-file", str(env_file), "--", "true"], fixed_value(VALUE), Recorder())
    assert_one_line_error(status, stderr)
    assert f"{env_file} line 3 is not NAME=SECRET_REF: it has no '=' (33 characters" in stderr
    assert "AbCdEfGh" not in stderr


def test_an_env_file_that_is_not_utf8_is_refused_by_line(tmp_path: Path) -> None:
    env_file = tmp_path / "keys.env"
    env_file.write_bytes(f"A={GCP_REF}\nB=sk-\xff\xfe{KEY}\n".encode("latin-1"))
    status, stderr = run_captured(["--env-file", str(env_file), "--", "true"], fixed_value(VALUE), Recorder())
    assert_one_line_error(status, stderr)
    assert f"{env_file} is not UTF-8 text: the byte at offset {len(GCP_REF) + 8} (line 2) cannot be decoded" in stderr
    assert "AbCdEfGh" not in stderr


def test_an_env_file_path_that_is_not_one_line_is_named_by_position(tmp_path: Path) -> None:
    env_file = tmp_path / "keys\n.env"
    env_file.write_text(KEY + "\n")
    status, stderr = run_captured(["--env-file", str(env_file), "--", "true"], fixed_value(VALUE), Recorder())
    assert_one_line_error(status, stderr)
    assert "--env-file (argument 2) line 1 is not NAME=SECRET_REF" in stderr


def test_an_env_file_may_start_with_a_byte_order_mark(tmp_path: Path) -> None:
    env_file = tmp_path / "keys.env"
    env_file.write_text(f"OPENAI_API_KEY={GCP_REF}\n", encoding="utf-8-sig")
    recorder = Recorder()
    status, stderr = run_captured(["--env-file", str(env_file), "--", "true"], fixed_value("sk-1"), recorder)
    assert status == 0, stderr
    assert recorder.calls == [(["true"], {"OPENAI_API_KEY": "sk-1"})]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (f"{KEY}\0tail", "cannot pass OPENAI_API_KEY to the command: its value (38 characters, not shown"),
        (f"{KEY}\ud800", "cannot pass OPENAI_API_KEY to the command: its value (34 characters, not shown"),
    ],
    ids=["nul-byte", "lone-surrogate"],
)
def test_a_stored_value_no_environment_can_hold_stops_the_run(value: str, message: str) -> None:
    recorder = Recorder()
    status, stderr = run_captured(["--env", f"OPENAI_API_KEY={GCP_REF}", "--", "true"], fixed_value(value), recorder)
    assert_one_line_error(status, stderr)
    assert message in stderr
    assert "AbCdEfGh" not in stderr
    assert recorder.calls == []


def test_a_read_failing_with_an_unknown_exception_shows_only_its_type() -> None:
    def fetcher(ref: str) -> str:
        raise RuntimeError(f"backend said: {KEY}")

    status, stderr = run_captured(["--env", f"K={GCP_REF}", "--", "true"], KeyCache(fetcher=fetcher, retries=0), Recorder())
    assert_one_line_error(status, stderr)
    assert "cannot read K:" in stderr
    assert "AbCdEfGh" not in stderr


def test_a_backend_message_over_several_lines_is_printed_on_one() -> None:
    def fetcher(ref: str) -> str:
        raise SecretNotFoundError(ref, "gcp", "404", hint="first line\nsecond line")

    status, stderr = run_captured(["--env", f"K={GCP_REF}", "--", "true"], KeyCache(fetcher=fetcher), Recorder())
    assert_one_line_error(status, stderr)
    assert "cannot read K: secret not found: projects/p-12345/secrets/openai (gcp: 404); first line second line" in stderr


def test_a_nul_byte_in_the_command_is_exit_126_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # The default exec refuses it before anything is replaced.
    assert run(["--env", f"K={GCP_REF}", "--", "tr\0ue"], cache=fixed_value(VALUE), environ={}) == EXIT_CANNOT_RUN
    err = capsys.readouterr().err
    assert err == (
        "ai-keys run: error: cannot run the command: an argument or an environment variable holds a NUL byte or text "
        "that cannot be encoded\n"
    )


# ----------------------------------------------------------------------------------------------- help


def test_ai_keys_help_lists_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["--help"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^ +run +start a command with keys in its environment", out, re.MULTILINE), out
    assert re.search(r"^ +preview +run a Pulumi Python program", out, re.MULTILINE), out


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_ai_keys_run_help(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["run", flag]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ai-keys run [--env NAME=SECRET_REF ...] [--env-file FILE ...] -- COMMAND [ARG ...]\n")
    assert "Exit status: COMMAND's own; 125 ai-keys run failed" in out


def test_the_manual_quotes_the_error_as_printed() -> None:
    page = Path(__file__).resolve().parents[2] / "docs" / "guides" / "ai-keys-run.md"
    readme = " ".join(page.read_text(encoding="utf-8").split())
    quoted = re.search(r"`(--env \(argument 2\) is not NAME=SECRET_REF: [^`]+)`", readme)
    assert quoted is not None
    status, stderr = run_captured(["--env", "x" * 40, "--", "true"], fixed_value(VALUE), Recorder())
    assert_one_line_error(status, stderr)
    assert stderr == f"ai-keys run: error: {quoted.group(1)}\n"
    assert "**The command's own output is not masked**" in readme
