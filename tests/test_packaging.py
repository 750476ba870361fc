"""The wheel and sdist: build them, read their metadata and file lists, install the wheel into a fresh venv."""

import email
import email.message
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from ai_keys import __version__

ROOT = Path(__file__).resolve().parent.parent
BASE = "ai_keys-" + __version__
CLOUD_SDKS = {"pulumi-aws", "pulumi-azure-native", "pulumi-gcp"}
RUNTIME_SDKS = {"boto3", "azure-keyvault-secrets", "azure-identity", "google-cloud-secret-manager", "google-crc32c"}
EXPECTED_EXTRAS: dict[str, set[str]] = {
    "aws": {"pulumi-aws"},
    "azure": {"pulumi-azure-native", "pulumiverse-time"},
    "gcp": {"pulumi-gcp", "pulumiverse-time"},
    "all": CLOUD_SDKS | {"pulumiverse-time"},
    "k8s": {"pulumi-kubernetes"},  # the kubernetes block (ESO / Secrets Store CSI)
    "esc": {"pulumi-pulumiservice"},  # the esc block (a Pulumi ESC environment)
    "runtime-aws": {"boto3"},
    "runtime-azure": {"azure-keyvault-secrets", "azure-identity"},
    "runtime-gcp": {"google-cloud-secret-manager", "google-crc32c"},  # the payload checksum
    "runtime": RUNTIME_SDKS,
    "docs": {"mkdocs", "mkdocs-material", "mkdocstrings", "mkdocstrings-python"},  # the manual's strict build
}


def run(*command: str, cwd: Path = ROOT, timeout: int = 240) -> str:
    # A PYTHONPATH pointing at this checkout would make the fresh venv import the sources instead of the wheel.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist and wheel built from this checkout the way a release is (wheel built from the sdist)."""
    out = tmp_path_factory.mktemp("dist")
    # With hatchling in this venv build offline in it; otherwise `build` installs it into an isolated env.
    no_isolation = ["--no-isolation"] if importlib.util.find_spec("hatchling") else []
    run(sys.executable, "-m", "build", *no_isolation, "--outdir", str(out), str(ROOT))
    assert sorted(p.name for p in out.iterdir()) == [f"{BASE}-py3-none-any.whl", f"{BASE}.tar.gz"]
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    return dist / f"{BASE}-py3-none-any.whl"


@pytest.fixture(scope="module")
def metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        return email.message_from_string(archive.read(f"{BASE}.dist-info/METADATA").decode("utf-8"))


def requirements_by_extra(metadata: email.message.Message) -> dict[str, set[str]]:
    """Distribution names each extra pulls in ("" for the base install), markers evaluated like pip does."""
    extras = ["", *metadata.get_all("Provides-Extra", [])]
    found: dict[str, set[str]] = {extra: set() for extra in extras}
    for line in metadata.get_all("Requires-Dist", []):
        requirement = Requirement(line)
        for extra in extras:
            if requirement.marker is None or requirement.marker.evaluate({"extra": extra}):
                found[extra].add(canonicalize_name(requirement.name))
    return found


class TestWheelMetadata:
    def test_name_version_python_and_readme(self, metadata: email.message.Message) -> None:
        assert metadata["Name"] == "ai-keys"
        assert metadata["Version"] == __version__
        assert metadata["Requires-Python"] == ">=3.10"
        assert metadata["Description-Content-Type"] == "text/markdown"
        assert metadata["License-Expression"] == "Apache-2.0"
        assert str(metadata.get_payload()).strip() == (ROOT / "README.md").read_text(encoding="utf-8").strip()

    def test_pypi_would_accept_and_render_both_files(self, dist: Path) -> None:
        # twine check renders the long description the way PyPI does and fails on markup it cannot render.
        output = run(sys.executable, "-m", "twine", "check", "--strict", *sorted(str(p) for p in dist.iterdir()))
        assert output.count("PASSED") == 2, output

    def test_the_base_install_needs_pulumi_only(self, metadata: email.message.Message) -> None:
        assert requirements_by_extra(metadata)[""] == {"pulumi"}

    def test_each_extra_installs_its_sdks(self, metadata: email.message.Message) -> None:
        found = requirements_by_extra(metadata)
        for extra, names in EXPECTED_EXTRAS.items():
            assert found[extra] - {"pulumi"} == names, extra
        assert found["test"] >= CLOUD_SDKS | RUNTIME_SDKS | {"pytest", "hypothesis", "ruff", "mypy", "build", "pulumi-policy"}

    def test_the_sdk_versions_tested_here_satisfy_the_extras(self, metadata: email.message.Message) -> None:
        for line in metadata.get_all("Requires-Dist", []):
            requirement = Requirement(line)
            if canonicalize_name(requirement.name) in CLOUD_SDKS | {"pulumi"}:
                installed = importlib.metadata.version(requirement.name)
                assert requirement.specifier.contains(installed, prereleases=True), (str(requirement), installed)

    def test_the_console_script_points_at_the_preview_command(self, wheel: Path) -> None:
        with zipfile.ZipFile(wheel) as archive:
            entry_points = archive.read(f"{BASE}.dist-info/entry_points.txt").decode()
        assert "ai-keys = ai_keys.__main__:main" in entry_points


class TestWheelFiles:
    def test_it_ships_the_package_typed_and_nothing_else(self, wheel: Path) -> None:
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
        assert "ai_keys/py.typed" in names
        assert f"{BASE}.dist-info/licenses/LICENSE" in names
        for module in ("__init__.py", "__main__.py", "provider.py", "component.py", "args.py", "runtime/__init__.py"):
            assert f"ai_keys/{module}" in names
        assert [n for n in names if not n.startswith(("ai_keys/", f"{BASE}.dist-info/"))] == []
        assert [n for n in names if "tests/" in n or n.split("/")[-1].startswith(("test_", "conftest"))] == []
        assert [n for n in names if "__pycache__" in n or n.endswith(".pyc")] == []

    def test_every_source_module_is_in_the_wheel(self, wheel: Path) -> None:
        with zipfile.ZipFile(wheel) as archive:
            shipped = {n for n in archive.namelist() if n.endswith(".py")}
        sources = {str(p.relative_to(ROOT / "src")) for p in (ROOT / "src" / "ai_keys").rglob("*.py")}
        assert sources - shipped == set()


class TestSdist:
    def test_it_ships_sources_tests_and_the_plugin(self, dist: Path) -> None:
        with tarfile.open(dist / f"{BASE}.tar.gz") as archive:
            names = {n.removeprefix(f"{BASE}/") for n in archive.getnames()}
            pkg_info = archive.extractfile(f"{BASE}/PKG-INFO")
            assert pkg_info is not None
            assert email.message_from_bytes(pkg_info.read())["Version"] == __version__
        for path in (
            "pyproject.toml",
            "README.md",
            "src/ai_keys/__init__.py",
            "src/ai_keys/py.typed",
            "tests/conftest.py",
            "schema.json",
            "PulumiPlugin.yaml",
            # what PulumiPlugin.yaml needs to run, and what the tests read
            "__main__.py",
            "requirements.txt",
            "examples/yaml/Pulumi.yaml",
            ".ci/run",
            ".github/workflows/release.yml",
            # the manual, whose pages the tests read as they read README
            "mkdocs.yml",
            "docs/index.md",
            "docs/examples.md",
            "scripts/build_policy_pack.py",
        ):
            assert path in names, path
        # The policy pack, whole: the sdist is one of the ways to get it.
        assert {f"policy/{f}" for f in policy_package_files()} <= names
        assert [n for n in names if n.startswith((".venv/", "venv/", "dist/")) or "__pycache__" in n] == []

    def test_its_own_tests_that_read_repository_files_pass(self, dist: Path, tmp_path: Path) -> None:
        # Unpacked, the sdist is all a downstream packager has: the tests that read README, CI and workflow
        # files must find them there.
        with tarfile.open(dist / f"{BASE}.tar.gz") as archive:
            archive.extractall(tmp_path, filter="data")
        unpacked = tmp_path / BASE
        run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_readme.py", cwd=unpacked, timeout=600)


def policy_package_files() -> set[str]:
    """The files of ``policy/ai_keys_policy`` in this checkout, relative to ``policy/`` (caches left out)."""
    package = ROOT / "policy" / "ai_keys_policy"
    files = {
        p.relative_to(ROOT / "policy").as_posix()
        for p in package.rglob("*")
        if p.is_file()
        and p.suffix != ".pyc"
        and not any(part == "__pycache__" or part.startswith(".") for part in p.relative_to(package).parts)
    }
    assert "ai_keys_policy/__init__.py" in files
    return files


def policy_names() -> set[str]:
    """The names of the pack's policies, read from this checkout's package."""
    sys.path.insert(0, str(ROOT / "policy"))
    try:
        from ai_keys_policy import POLICIES
    finally:
        sys.path.remove(str(ROOT / "policy"))
    return {policy.name for policy in POLICIES}


def requirement_lines(path: Path) -> dict[str, Requirement]:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    found = [Requirement(line) for line in lines if line and not line.startswith(("#", "-"))]
    return {canonicalize_name(r.name): r for r in found}


def floor(requirement: Requirement) -> Version:
    return max(Version(s.version) for s in requirement.specifier if s.operator == ">=")


class TestPolicyPack:
    """The pack a user downloads from a release: pins that agree with the project's, and an entry point that runs."""

    def test_its_pins_agree_with_the_projects(self, metadata: email.message.Message) -> None:
        pack = requirement_lines(ROOT / "policy" / "requirements.txt")
        project = {canonicalize_name(Requirement(line).name): Requirement(line) for line in metadata.get_all("Requires-Dist", [])}
        # The version the tests check the pack with is the version users install with it.
        assert pack["pulumi-policy"].specifier == project["pulumi-policy"].specifier
        # pulumi-policy needs a newer pulumi than ai-keys does: the pack may ask for a higher floor, same major version.
        assert floor(pack["pulumi"]) >= floor(project["pulumi"])
        assert {s for s in pack["pulumi"].specifier if s.operator == "<"} == {
            s for s in project["pulumi"].specifier if s.operator == "<"
        }

    def test_the_release_archive_runs_without_a_checkout(self, tmp_path: Path) -> None:
        import grpc
        from google.protobuf import empty_pb2
        from pulumi.runtime.proto import analyzer_pb2_grpc

        archive_path = Path(
            run(sys.executable, str(ROOT / "scripts" / "build_policy_pack.py"), "--outdir", str(tmp_path)).strip()
        )
        assert archive_path.name == f"ai-keys-policy-pack-{__version__}.tar.gz"
        with tarfile.open(archive_path) as archive:
            names = archive.getnames()
            archive.extractall(tmp_path / "unpacked", filter="data")
        assert {"ai-keys-policy-pack/PulumiPolicy.yaml", "ai-keys-policy-pack/__main__.py"} <= set(names)
        # Every file of the package ships, whatever its name or extension (a module the entry point does not
        # import at start-up would otherwise only fail when a policy first needs it).
        shipped = {n.removeprefix("ai-keys-policy-pack/") for n in names if n.startswith("ai-keys-policy-pack/ai_keys_policy/")}
        assert policy_package_files() <= shipped
        assert {
            f"ai_keys_policy/{m}.py" for m in ("names", "encodings", "scan", "iam", "service_keys", "azure_ai_keys")
        } <= shipped
        pack = tmp_path / "unpacked" / "ai-keys-policy-pack"
        assert yaml.safe_load((pack / "PulumiPolicy.yaml").read_text(encoding="utf-8"))["version"] == __version__
        # As the Pulumi CLI runs a Python pack: its folder as the working directory, nothing from this checkout on the path.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        process = subprocess.Popen(
            [sys.executable, "__main__.py", "127.0.0.1:1"], cwd=pack, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            assert process.stdout is not None
            port = process.stdout.readline().decode().strip()
            assert port.isdigit(), process.stderr.read().decode() if process.stderr else ""
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                info = analyzer_pb2_grpc.AnalyzerStub(channel).GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
        finally:
            process.kill()
            process.wait(timeout=30)
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()
        assert info.name == "ai-keys"
        assert {policy.name for policy in info.policies} == policy_names()


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed (no deps); pulumi and the SDKs come from this venv via a .pth."""
    target = tmp_path_factory.mktemp("venv") / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    site_packages = Path(run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    # Appended after the venv's own site-packages, so the installed wheel wins over this checkout's editable install.
    (site_packages / "zz_project_deps.pth").write_text(
        "\n".join(p for p in sys.path if p.endswith("site-packages")) + "\n", encoding="utf-8"
    )
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(python),
        "install",
        "--no-deps",
        "--no-index",
        "--force-reinstall",
        str(wheel),
    )
    return target


class TestInstalledWheel:
    def test_it_imports_from_the_venv_and_builds_a_key(self, installed: Path) -> None:
        probe = (
            "import json, importlib.metadata, importlib.resources, ai_keys, ai_keys.runtime, ai_keys.provider\n"
            "from ai_keys.testing import mock_pulumi\n"
            "with mock_pulumi() as engine:\n"
            "    engine.run(lambda: ai_keys.SecureApiKey('k', {'backend': 'aws-secrets-manager', 'value': 'sk-1'}))\n"
            "    types = sorted(r.type for r in engine.resources)\n"
            "print(json.dumps({'file': ai_keys.__file__, 'version': ai_keys.__version__,\n"
            "    'dist': importlib.metadata.version('ai-keys'),\n"
            "    'typed': importlib.resources.files('ai_keys').joinpath('py.typed').is_file(), 'types': types}))\n"
        )
        env_python = str(installed / "bin" / "python")
        result = json.loads(run(env_python, "-c", probe, cwd=installed).strip().splitlines()[-1])
        assert Path(result["file"]).resolve().is_relative_to(installed.resolve())
        assert not Path(result["file"]).resolve().is_relative_to(ROOT / "src")
        assert result["version"] == result["dist"] == __version__
        assert result["typed"] is True
        assert result["types"] == [
            "ai-keys:index:SecureApiKey",
            "aws:secretsmanager/secret:Secret",
            "aws:secretsmanager/secretVersion:SecretVersion",
        ]

    def test_the_console_script_runs(self, installed: Path) -> None:
        output = run(str(installed / "bin" / "ai-keys"), "--version", cwd=installed)
        assert output.strip() == f"ai-keys {__version__}"
