"""The ``ai-keys`` command never prints a word that could be a key, wherever it is typed."""

import pytest

from ai_keys.__main__ import main

KEY = "hf_q8ZrT2vLm9XwY4nB7cJ6kP3sD1fG5hA0eR"


@pytest.mark.parametrize(
    "argv",
    [
        [KEY],  # a key pasted where the command goes
        ["preview", ".", "--timeout", KEY],  # ... or as a number of seconds
        ["preview", ".", KEY],  # ... or as a stray argument
    ],
)
def test_a_key_typed_in_the_wrong_place_is_described_not_shown(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1  # one line
    assert "error:" in err
    assert KEY[:8] not in err
    assert KEY[-8:] not in err
