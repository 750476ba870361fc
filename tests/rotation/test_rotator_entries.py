"""The shipped rotator: standard library and boto3 only, relative imports only, and each cloud's entry file working
against the package as it is shipped (``aikeys_rotator``)."""

import ast
import importlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import ai_keys.rotation.rotator as rotator
from ai_keys.rotation.rotator.engine import ORPHAN_GRACE

ROOT = Path(rotator.__file__).parent
ENTRIES = ROOT / "entries"
ALLOWED = {"boto3", "botocore"}


def modules() -> list[Path]:
    return sorted(p for p in ROOT.glob("*.py"))


def test_stdlib_and_boto3_only_relative_imports_only() -> None:
    checked = 0
    for path in modules():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
                names = [arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top in ALLOWED, f"{path.name} imports {name}"
                checked += 1
    assert checked > 30


@pytest.fixture
def shipped(tmp_path: Path) -> Iterator[Path]:
    """The rotator copied as the deploy ships it: package ``aikeys_rotator`` and the entry files beside it."""
    package = tmp_path / "aikeys_rotator"
    package.mkdir()
    for path in modules():
        shutil.copy(path, package / path.name)
    for text in ENTRIES.glob("*.py.txt"):
        shutil.copy(text, tmp_path / text.name.removesuffix(".txt"))
    shutil.copy(ENTRIES / "host.json", tmp_path / "host.json")
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.split(".")[0] in ("aikeys_rotator", "index", "main", "function_app")]:
        del sys.modules[name]


def test_aws_and_gcp_entries(shipped: Path) -> None:
    index = importlib.import_module("index")
    main = importlib.import_module("main")
    assert index.handler is importlib.import_module("aikeys_rotator.aws_lambda").handler
    assert main.main is importlib.import_module("aikeys_rotator.gcp_function").main
    shipped_modules = {m for m in sys.modules if m.startswith("aikeys_rotator.")}
    assert {"aikeys_rotator.engine", "aikeys_rotator.assemble", "aikeys_rotator.settings"} <= shipped_modules


def test_azure_entry_hands_the_event_to_the_rotator_and_checks_daily(shipped: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped function_app indexed by the real azure-functions package, as the Functions host does."""
    import azure.functions as func

    entry = importlib.import_module("aikeys_rotator.azure_function")
    seen: list[Any] = []
    monkeypatch.setattr(entry, "rotate", seen.append)
    monkeypatch.setattr(entry, "check", lambda: seen.append("check"))
    app = importlib.import_module("function_app").app
    functions = {f.get_function_name(): f for f in app.get_functions()}
    assert set(functions) == {"rotate", "check"}
    triggers = {name: f.get_trigger().get_dict_repr() for name, f in functions.items()}
    assert triggers["rotate"]["type"] == "eventGridTrigger"
    assert triggers["rotate"]["name"] == "event"
    assert triggers["check"]["type"] == "timerTrigger"
    assert triggers["check"]["schedule"] == "0 17 3 * * *"  # NCRONTAB: once a day
    assert triggers["check"]["runOnStartup"] is False  # a restart is no reason to rotate

    event = func.EventGridEvent(
        id="e1",
        data={"ObjectName": "key-1", "Version": "v1"},
        topic="/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
        subject="key-1",
        event_type="Microsoft.KeyVault.SecretNearExpiry",
        event_time=None,
        data_version="1",
    )
    functions["rotate"].get_user_function()(event)
    functions["check"].get_user_function()(None)
    assert seen == [
        {
            "id": "e1",
            "eventType": "Microsoft.KeyVault.SecretNearExpiry",
            "subject": "key-1",
            "data": {"ObjectName": "key-1", "Version": "v1"},
        },
        "check",
    ]


def test_host_json_stops_a_run_before_its_key_counts_as_left_over() -> None:
    host = json.loads((ENTRIES / "host.json").read_text())
    assert host["version"] == "2.0"
    hours, minutes, seconds = (int(part) for part in host["functionTimeout"].split(":"))
    assert timedelta(hours=hours, minutes=minutes, seconds=seconds) < ORPHAN_GRACE


@pytest.mark.parametrize("entry", ["gcp_function", "azure_function"])
def test_gcp_and_azure_entries_load_no_aws_sdk(entry: str) -> None:
    code = f"import sys, ai_keys.rotation.rotator.{entry}; print('boto3' in sys.modules, 'botocore' in sys.modules)"
    answer = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)  # noqa: S603
    assert answer.stdout.split() == ["False", "False"]
