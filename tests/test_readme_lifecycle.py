"""The lifecycle-harness and simulation examples of the manual (docs/guides/testing.md, once README's) run, and
their assertions hold."""

import re
from pathlib import Path
from typing import Any

PAGE = Path(__file__).parent.parent / "docs" / "guides" / "testing.md"
TEXT = PAGE.read_text(encoding="utf-8")


def test_the_harness_example_in_the_manual_passes() -> None:
    section = TEXT.split("\n## The second deploy and the last one\n", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, flags=re.S)
    assert match is not None, "the testing page lost the lifecycle harness example"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), str(PAGE), "exec"), namespace)  # noqa: S102 - our own documentation
    tests = [value for name, value in namespace.items() if name.startswith("test_") and callable(value)]
    assert len(tests) == 2
    for test in tests:
        test()


def test_the_simulation_example_in_the_manual_passes() -> None:
    section = TEXT.split("\n## Through time, on a simulated cloud\n", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, flags=re.S)
    assert match is not None, "the testing page lost the simulation example"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), str(PAGE), "exec"), namespace)  # noqa: S102 - our own documentation
    tests = [value for name, value in namespace.items() if name.startswith("test_") and callable(value)]
    assert len(tests) == 1
    tests[0]()
    cloud = namespace["Cloud"]  # the example ran against the real simulation, not a stand-in
    assert cloud.__module__ == "ai_keys.testing.simulation"
