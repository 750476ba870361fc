"""The README's lifecycle-harness example runs, and its assertions hold."""

import re
from pathlib import Path
from typing import Any

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_the_harness_example_in_the_readme_passes() -> None:
    section = README.split("**The second deploy and the last one.**", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, flags=re.S)
    assert match is not None, "README lost the lifecycle harness example"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    tests = [value for name, value in namespace.items() if name.startswith("test_") and callable(value)]
    assert len(tests) == 2
    for test in tests:
        test()


def test_the_simulation_example_in_the_readme_passes() -> None:
    section = README.split("**Through time, on a simulated cloud.**", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, flags=re.S)
    assert match is not None, "README lost the simulation example"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    tests = [value for name, value in namespace.items() if name.startswith("test_") and callable(value)]
    assert len(tests) == 1
    tests[0]()
    cloud = namespace["Cloud"]  # the example ran against the real simulation, not a stand-in
    assert cloud.__module__ == "ai_keys.testing.simulation"
