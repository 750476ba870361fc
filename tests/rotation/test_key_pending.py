"""Before the rotator's first key: every way an app reads the key says so, and never hands out the placeholder."""

import asyncio
import pickle
from typing import Dict, List

import pytest

import ai_keys.runtime as runtime
from ai_keys.rotation import PLACEHOLDER
from ai_keys.runtime import KeyCache, KeyPendingError, SecretReadError, key_provider
from ai_keys.runtime.run import EXIT_FAILED, run

REF = "arn:aws:secretsmanager:us-east-1:123456789012:secret:openai-AbCdEf"
KEY = "sk-proj-" + "k" * 48


class Store:
    """A scripted fetcher: the placeholder until the rotator has run, then the key; counts the reads."""

    def __init__(self) -> None:
        self.value = PLACEHOLDER
        self.reads = 0

    def __call__(self, secret_ref: str) -> str:
        self.reads += 1
        return self.value


def test_the_placeholder_is_a_clear_error_naming_the_ref() -> None:
    cache = KeyCache(fetcher=Store())
    with pytest.raises(KeyPendingError) as pending:
        cache.get(REF)
    error = pending.value
    assert isinstance(error, SecretReadError)  # one except clause still covers every read failure
    assert error.secret_ref == REF
    assert error.cloud == "aws"
    assert error.retryable is False
    assert REF in str(error)
    assert "the rotator is issuing the first key" in str(error)
    assert PLACEHOLDER not in str(error)


def test_it_is_never_cached_and_the_key_is_read_once_it_exists() -> None:
    store = Store()
    cache = KeyCache(fetcher=store)
    for _ in range(3):
        with pytest.raises(KeyPendingError):
            cache.get(REF)
    assert store.reads == 3  # each read asks the store: nothing was cached, nothing retried
    assert cache.peek(REF) is None
    store.value = KEY
    assert cache.get(REF) == KEY
    assert cache.get(REF) == KEY
    assert store.reads == 4


def test_resolve_aresolve_and_the_key_provider_raise_it(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = KeyCache(fetcher=Store())
    previous = runtime.set_default_cache(cache)
    try:
        with pytest.raises(KeyPendingError):
            runtime.resolve(REF)
        with pytest.raises(KeyPendingError):
            asyncio.run(runtime.aresolve(REF))
        with pytest.raises(KeyPendingError):
            key_provider(REF)()
    finally:
        runtime.set_default_cache(previous)


def test_ai_keys_run_stops_before_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    started: List[Dict[str, str]] = []

    def execute(command: List[str], env: Dict[str, str]) -> int:  # type: ignore[type-arg]
        started.append(dict(env))
        return 0

    status = run(["--env", f"OPENAI_API_KEY={REF}", "--", "python", "app.py"], cache=KeyCache(fetcher=Store()), execute=execute)  # type: ignore[arg-type]
    assert status == EXIT_FAILED
    assert started == []
    err = capsys.readouterr().err
    assert "cannot read OPENAI_API_KEY" in err
    assert "the rotator is issuing the first key" in err
    assert PLACEHOLDER not in err


def test_a_custom_reference_gets_no_cloud_and_the_error_pickles() -> None:
    cache = KeyCache(fetcher=Store())
    with pytest.raises(KeyPendingError) as pending:
        cache.get("vault://team/openai")
    assert pending.value.cloud == "-"
    again = pickle.loads(pickle.dumps(pending.value))  # noqa: S301 - our own object
    assert type(again) is KeyPendingError
    assert str(again) == str(pending.value)
