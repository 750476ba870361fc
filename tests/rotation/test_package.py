"""The rotator's archive: the files shipped in the wheel, and the same archive from a checkout and from an install,
run after run (so upgrading the library redeploys the function, and nothing else does)."""

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pulumi
import pytest

from ai_keys.rotation import package

ROOT = Path(__file__).resolve().parents[2]
CLOUDS = ("aws", "gcp", "azure")
MANIFEST = """
import hashlib, json, sys
import pulumi
from ai_keys.rotation import package

def digest(asset):
    if isinstance(asset, pulumi.StringAsset):
        return hashlib.sha256(asset.text.encode()).hexdigest()
    with open(asset.path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()

found = {}
for cloud in sys.argv[1:]:
    try:
        found[cloud] = {path: digest(asset) for path, asset in package.archive(cloud).assets.items()}
    except FileNotFoundError as missing:
        found[cloud] = str(missing)
print(json.dumps(found))
"""
"""Prints, per cloud, the archive's paths in order with the SHA-256 of each asset's content."""


def manifest(pythonpath: Path) -> dict[str, object]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PYTHONPATH"] = str(pythonpath)
    result = subprocess.run(  # noqa: S603 - this interpreter, code written in this file
        [sys.executable, "-c", MANIFEST, *CLOUDS], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, object] = json.loads(result.stdout)
    return found


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout, unpacked as an install lays it out."""
    out = tmp_path_factory.mktemp("wheel")
    no_isolation = ["--no-isolation"] if importlib.util.find_spec("hatchling") else []
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "build", "--wheel", *no_isolation, "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = out.glob("*.whl")
    site = out / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def test_the_archive_holds_the_rotators_python_files_and_the_entry() -> None:
    import ai_keys.rotation.rotator.engine  # noqa: F401 - compiled on import: its __pycache__ must stay out

    archive = package.archive("aws")
    paths = list(archive.assets)
    assert paths == sorted(paths)
    assert "index.py" in paths
    rotator = Path(package.__file__).parent / "rotator"
    expected = sorted(
        f"aikeys_rotator/{path.relative_to(rotator).as_posix()}"
        for path in rotator.rglob("*.py")
        if "__pycache__" not in path.parts and not path.name.startswith("test_") and "tests" not in path.parts
    )
    assert [p for p in paths if p.startswith("aikeys_rotator/")] == expected
    assert all(isinstance(archive.assets[p], pulumi.FileAsset) for p in expected)
    assert not any("__pycache__" in p or p.endswith(".pyc") for p in paths)


@pytest.mark.parametrize(("cloud", "entry", "imports"), [("aws", "index.py", "aws_lambda"), ("gcp", "main.py", "gcp_function")])
def test_each_cloud_gets_its_entry_importing_the_package(cloud: str, entry: str, imports: str) -> None:
    assets = package.archive(cloud).assets  # type: ignore[arg-type]
    text = assets[entry].text
    assert f"from aikeys_rotator.{imports} import" in text
    assert [p for p in assets if not p.startswith("aikeys_rotator/")] == [entry]


def test_the_azure_entry_comes_from_the_rotators_data_files() -> None:
    try:
        assets = package.archive("azure").assets
    except FileNotFoundError as missing:
        pytest.skip(f"the rotator does not ship its Azure entry yet: {missing}")
    assert {"function_app.py", "host.json"} <= set(assets)
    assert "aikeys_rotator" in assets["function_app.py"].text


def test_an_unknown_cloud_is_refused() -> None:
    with pytest.raises(ValueError, match="no rotator entry for cloud 'oci'"):
        package.archive("oci")  # type: ignore[arg-type]


def test_the_wheel_ships_the_same_archive_as_the_checkout_run_after_run(installed: Path) -> None:
    from_checkout = manifest(ROOT / "src")
    from_wheel = manifest(installed)
    assert from_wheel == from_checkout
    assert manifest(installed) == from_wheel  # content-stable: another run, the same archive
    aws = from_wheel["aws"]
    assert isinstance(aws, dict)
    assert "index.py" in aws
    assert any(path.startswith("aikeys_rotator/") for path in aws)
    # The digests are of the content: the same file gives the same digest wherever it is installed.
    engine = (ROOT / "src/ai_keys/rotation/rotator/engine.py").read_bytes()
    assert aws["aikeys_rotator/engine.py"] == hashlib.sha256(engine).hexdigest()
