"""The store registry: every store is one package entered through one line of ``ai_keys.stores.STORES``, provides
what :class:`~ai_keys.stores.StoreModule` asks, loads no cloud SDK until it stores a key, and ``ai_keys.rules``
reaches stores and issuers only through their registries (data flows one way)."""

import ast
import inspect
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from ai_keys import issuers, stores
from ai_keys.rules import StoreRules
from ai_keys.rules.common import StoreName
from ai_keys.stores import STORES, StoreModule, store_module
from ai_keys.testing import mock_clouds

from .test_import_isolation import BACKENDS, cloud_sdk_modules, run_python

PACKAGE = Path(stores.__file__).resolve().parent.parent
STORES_DIR = PACKAGE / "stores"
ISSUERS_DIR = PACKAGE / "issuers"
RULES_DIR = PACKAGE / "rules"
CLOUD_PREFIX = {"pulumi_aws": "aws:", "pulumi_azure_native": "azure-native:", "pulumi_gcp": "gcp:"}
"""The resource type tokens of each store's SDK."""


def _protocol_members(protocol: type) -> dict[str, Any]:
    """Name -> the protocol's declaration (a function, or the annotation of an attribute), bases included."""
    members: dict[str, Any] = {}
    for cls in reversed(protocol.__mro__):
        if cls.__module__ in ("typing", "builtins"):
            continue
        members.update(inspect.get_annotations(cls))
        members.update({name: value for name, value in vars(cls).items() if inspect.isfunction(value)})
    return {name: value for name, value in members.items() if not name.startswith("_")}


PROTOCOL = _protocol_members(StoreModule)


def test_the_protocol_asks_for_the_rules_the_resources_and_the_mock_tables() -> None:
    """Guard against a vacuous pass: the member list the checks below walk is the whole protocol."""
    assert set(_protocol_members(StoreRules)) < set(PROTOCOL)
    assert {"EXTRA", "SDK", "validate", "create", "MOCK_OUTPUTS", "MOCK_CALLS", "checked_reader", "check_reader_set"} <= set(
        PROTOCOL
    )


def _registry_entries() -> list[tuple[str, str]]:
    """``(StoreName member, package)`` of each line of the ``STORES`` literal, read from the source."""
    tree = ast.parse((STORES_DIR / "__init__.py").read_text())
    (literal,) = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "STORES"
    ]
    assert isinstance(literal, ast.Dict)
    entries = []
    for key, value in zip(literal.keys, literal.values, strict=True):
        assert isinstance(key, ast.Attribute), ast.unparse(literal)  # StoreName.MEMBER
        assert isinstance(value, ast.Constant), ast.unparse(literal)  # "package"
        entries.append((key.attr, value.value))
    return entries


def test_every_backend_has_exactly_one_registry_line() -> None:
    members = [member for member, _ in _registry_entries()]
    # Every store: each backend users name, and the API Gateway store behind issuer.aws_api_gateway.
    assert sorted(members) == sorted(store.name for store in StoreName)  # each once: a repeated key would collapse
    assert set(STORES) == set(StoreName)


def test_every_store_package_is_registered_and_every_registered_package_exists() -> None:
    packages = sorted(path.parent.name for path in STORES_DIR.glob("*/__init__.py"))
    assert packages == sorted(STORES.values())
    assert len(set(STORES.values())) == len(STORES)  # one package per backend


@pytest.mark.parametrize("backend", list(StoreName), ids=lambda backend: backend.value)
def test_every_store_provides_what_the_protocol_asks(backend: StoreName) -> None:
    module = store_module(backend)
    for name, declared in PROTOCOL.items():
        assert hasattr(module, name), f"{module.__name__} has no {name}"
        provided = getattr(module, name)
        if inspect.isfunction(declared):
            wanted = list(inspect.signature(declared).parameters.values())[1:]  # without self
            given = list(inspect.signature(provided).parameters.values())
            assert [p.name for p in given[: len(wanted)]] == [p.name for p in wanted], f"{module.__name__}.{name}"
            assert all(p.default is not p.empty for p in given[len(wanted) :]), f"{module.__name__}.{name}: extra required"
    assert isinstance(module.EXTRA, str)
    assert isinstance(module.SDK, str)
    assert isinstance(module.KEEPS_ISSUED_KEYS, bool)
    assert isinstance(module.MOCK_OUTPUTS, Mapping)
    assert isinstance(module.MOCK_CALLS, Mapping)


@pytest.mark.parametrize("backend", list(StoreName), ids=lambda backend: backend.value)
def test_the_store_names_its_extra_and_sdk_as_the_other_checks_do(backend: StoreName) -> None:
    _, sdk, extra = BACKENDS[backend.value]
    module = store_module(backend)
    assert sdk == module.SDK
    assert extra == module.EXTRA


@pytest.mark.parametrize("backend", list(StoreName), ids=lambda backend: backend.value)
def test_a_store_mocks_only_its_own_cloud_s_types(backend: StoreName) -> None:
    module = store_module(backend)
    assert all(type_.startswith(CLOUD_PREFIX[module.SDK]) for type_ in module.MOCK_OUTPUTS)


def test_each_mocked_type_has_one_owner_and_the_mock_engine_uses_it() -> None:
    owners: dict[str, list[str]] = {}
    for backend in STORES:
        for type_ in store_module(backend).MOCK_OUTPUTS:
            owners.setdefault(type_, []).append(backend.value)
    issuer_outputs, _ = issuers.mock_tables()
    for type_ in issuer_outputs:
        owners.setdefault(type_, []).append("an issuer")
    assert {type_: who for type_, who in owners.items() if len(who) > 1} == {}
    cloud_fillers = {type_ for cloud in (mock_clouds.aws, mock_clouds.azure, mock_clouds.gcp) for type_ in cloud._FILLERS}
    assert cloud_fillers.isdisjoint(owners)  # what a store or issuer owns is not the mock cloud's too
    for backend in STORES:
        for type_, filler in store_module(backend).MOCK_OUTPUTS.items():
            assert mock_clouds._STORE_OUTPUTS[type_] is filler


@pytest.mark.parametrize("backend", list(StoreName), ids=lambda backend: backend.value)
def test_a_store_s_entry_and_its_rules_load_no_cloud_sdk(backend: StoreName) -> None:
    """The entry, its rules and its mock table load no cloud SDK (nor the mock engine): only creating resources does."""
    extra_args, _, _ = BACKENDS[backend.value]
    # The API Gateway store's args are issuer.aws_api_gateway (its value brought there), with no backend.
    args = extra_args if "issuer" in extra_args else {"backend": backend.value, "value": "A" * 30, **extra_args}
    loaded = json.loads(
        run_python(
            f"""
            import json, sys
            import ai_keys.stores.{STORES[backend]} as entry
            from ai_keys.rules import build_spec
            entry.MOCK_OUTPUTS, entry.MOCK_CALLS
            build_spec({args!r}, "k")
            print(json.dumps(sorted(sys.modules)))
            """
        )
    )
    assert f"ai_keys.stores.{STORES[backend]}" in loaded  # the import really happened
    assert f"ai_keys.stores.{STORES[backend]}.resources" not in loaded
    assert cloud_sdk_modules(loaded) == []
    assert [name for name in loaded if name.startswith("ai_keys.testing")] == []


def _imports(path: Path) -> Iterator[tuple[str, list[str], bool]]:
    """``(absolute module, names imported from it, whether inside a function)`` of every import in ``path``, at any
    depth (``TYPE_CHECKING`` blocks included)."""
    package = list(path.relative_to(PACKAGE.parent).parts[:-1])  # e.g. ["ai_keys", "rules"]

    def visit(node: ast.AST, in_function: bool) -> Iterator[tuple[str, list[str], bool]]:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, [], in_function
            elif isinstance(child, ast.ImportFrom):
                base = package[: len(package) - child.level + 1] if child.level else []
                module = ".".join([*base, *(child.module.split(".") if child.module else [])])
                yield module, [alias.name for alias in child.names], in_function
            yield from visit(child, inner)

    yield from visit(ast.parse(path.read_text()), False)


def _submodules(directory: Path) -> set[str]:
    return {path.stem if path.suffix == ".py" else path.name for path in directory.iterdir() if path.name != "__init__.py"}


def test_the_import_walker_sees_relative_imports() -> None:
    """Guard against a vacuous pass: the walker resolves this package's own imports."""
    found = {module for module, _, _ in _imports(RULES_DIR / "__init__.py")}
    assert {"ai_keys.errors", "ai_keys.rules.common", "ai_keys.stores", "ai_keys.issuers"} <= found


@pytest.mark.parametrize("path", sorted(RULES_DIR.glob("*.py")), ids=lambda path: path.name)
def test_rules_import_no_store_or_issuer_module(path: Path) -> None:
    """``ai_keys.rules`` is what every store shares: it imports no store and no issuer. ``build_spec`` reaches them
    through their registries only (``ai_keys.stores``, ``ai_keys.issuers``), from inside a function, so importing
    ``ai_keys.rules`` loads neither registry and no module of a store or issuer is ever named here."""
    for layer, directory in (("ai_keys.stores", STORES_DIR), ("ai_keys.issuers", ISSUERS_DIR)):
        for module, names, in_function in _imports(path):
            if module != layer and not module.startswith(f"{layer}."):
                continue
            assert module == layer, f"{path.name} imports {module}"
            assert not set(names) & _submodules(directory), f"{path.name} imports {names} from {layer}"
            assert path.name == "__init__.py", f"{path.name} imports {layer}: only build_spec may, through the registry"
            assert in_function, f"{path.name} imports {layer} at module level: importing ai_keys.rules would load it"


def test_build_spec_names_no_store_and_no_issuer() -> None:
    source = (RULES_DIR / "__init__.py").read_text()
    names = {*STORES.values(), *(b.value for b in StoreName), *(b.name for b in StoreName), *issuers.ISSUERS}
    assert sorted(name for name in names if name in source) == []
