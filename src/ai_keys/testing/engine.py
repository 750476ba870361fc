"""The mock engine: a recording monitor and mocks that echo inputs with realistic cloud outputs."""

import asyncio
import hashlib
import inspect
import json
import logging
import os
import runpy
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pulumi
import yaml
from google.protobuf import json_format  # type: ignore[import-untyped]
from pulumi.runtime import rpc
from pulumi.runtime.config import set_all_config
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks, set_mocks
from pulumi.runtime.settings import SETTINGS, get_root_resource, reset_options
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from .mock_clouds import fill_call, fill_outputs

__all__ = [
    "MockCloud",
    "MockEngine",
    "RecordingMonitor",
    "RegisteredResource",
    "Resolved",
    "comparable",
    "mock_pulumi",
    "resolve_output",
    "run_program",
    "unwrap_secrets",
]

STACK_TYPE = "pulumi:pulumi:Stack"


def unwrap_secrets(value: Any) -> Any:
    """``value`` with every secret envelope replaced by its plain content (for assertions)."""
    if rpc.is_rpc_secret(value):
        return unwrap_secrets(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def comparable(value: Any) -> Any:
    """``value`` as the engine compares it between two deploys: secrets unwrapped, and every asset or archive
    reduced to a digest of its content (the engine hashes assets; two equal archives are no change)."""
    value = unwrap_secrets(value)
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if isinstance(value, (pulumi.Asset, pulumi.Archive)):
        return f"asset:sha256:{_asset_digest(value)}"
    return value


def _asset_digest(asset: Any) -> str:
    digest = hashlib.sha256()
    if isinstance(asset, pulumi.StringAsset):
        digest.update(b"string\0" + asset.text.encode())
    elif isinstance(asset, pulumi.FileAsset):
        digest.update(b"file\0" + Path(str(asset.path)).read_bytes())
    elif isinstance(asset, pulumi.AssetArchive):
        for name, member in sorted(asset.assets.items()):
            digest.update(f"member\0{name}\0{_asset_digest(member)}\0".encode())
    elif isinstance(asset, pulumi.FileArchive):
        root = Path(str(asset.path))
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            digest.update(f"{path.relative_to(root) if root.is_dir() else path.name}\0".encode() + path.read_bytes())
    else:  # a remote asset or archive: its URI is all the engine knows
        digest.update(f"remote\0{getattr(asset, 'uri', '')}".encode())
    return digest.hexdigest()


def is_secret_at(value: Any, path: Sequence[str]) -> bool:
    """True when the input at ``path`` (or any container on the way) is a secret envelope."""
    current = value
    for key in path:
        if rpc.is_rpc_secret(current):
            return True
        if not isinstance(current, dict) or key not in current:
            return False
        current = current[key]
    return rpc.is_rpc_secret(current)


@dataclass
class RegisteredResource:
    """One resource registration as the engine saw it."""

    type: str
    """The resource type token, e.g. ``aws:secretsmanager/secret:Secret``."""
    name: str
    """The logical (Pulumi) name."""
    urn: str
    """The URN under the mock engine."""
    parent_urn: str
    """URN of the parent resource ("" for the stack itself)."""
    custom: bool
    """False for components."""
    inputs: dict[str, Any]
    """Inputs with wire (camelCase) keys; secret inputs stay wrapped in secret envelopes."""
    outputs: dict[str, Any] = field(default_factory=dict)
    """State the mock returned."""
    id: Optional[str] = None
    """Physical id the mock assigned."""
    protect: Optional[bool] = None
    """The ``protect`` option as sent to the engine."""
    retain_on_delete: Optional[bool] = None
    """The ``retain_on_delete`` option as sent to the engine."""
    ignore_changes: list[str] = field(default_factory=list)
    """The ``ignore_changes`` option (wire names)."""
    additional_secret_outputs: list[str] = field(default_factory=list)
    """The ``additional_secret_outputs`` option (wire names)."""
    replace_on_changes: list[str] = field(default_factory=list)
    """The ``replace_on_changes`` option."""
    delete_before_replace: bool = False
    """The ``delete_before_replace`` option."""
    dependencies: list[str] = field(default_factory=list)
    """URNs this resource depends on (explicit ``depends_on`` and input dependencies)."""
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    """Per input (wire name): the URNs its value came from."""
    provider: str = ""
    """Provider reference used for this resource."""
    replacement_trigger: Any = None
    """The ``replacement_trigger`` option's value (None when not given): a change replaces the resource."""
    replace_with: list[str] = field(default_factory=list)
    """The ``replace_with`` option: URNs whose replacement replaces this resource too."""

    def plain(self, *path: str) -> Any:
        """The input at ``path`` with secret envelopes removed."""
        current: Any = unwrap_secrets(self.inputs)
        for key in path:
            current = current[key]
        return current

    def is_secret(self, *path: str) -> bool:
        """Whether the input at ``path`` is a Pulumi secret."""
        return is_secret_at(self.inputs, path)


class RecordingMonitor(MockMonitor):
    """A :class:`MockMonitor` that also keeps every registration request's options."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[RegisteredResource] = []
        self._urns: set[str] = set()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._idle = threading.Condition()

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method name
        with self._idle:
            self._in_flight += 1
        try:
            return self._register(request)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until no registration is in progress (a failed run still records what it registered)."""
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    def _register(self, request: Any) -> Any:
        if request.type != STACK_TYPE:
            # The engine refuses a second resource with the same URN; the SDK's mock monitor would
            # silently overwrite the first, letting a program that cannot deploy pass its tests.
            urn = self.make_urn(request.parent, request.type, request.name)
            with self._lock:
                if urn in self._urns:
                    raise ValueError(f"Duplicate resource URN '{urn}'; try giving it a unique name")
                self._urns.add(urn)
        if isinstance(self.mocks, MockCloud):
            self.mocks.ignored[(request.type, request.name)] = list(request.ignoreChanges)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type == STACK_TYPE:
            return response
        urn = response.urn
        registration = self.resources.get(urn)
        record = RegisteredResource(
            type=request.type,
            name=request.name,
            urn=urn,
            parent_urn=request.parent,
            custom=bool(request.custom),
            inputs=rpc.deserialize_properties(request.object, keep_unknowns=True),
            outputs=dict(registration.state) if registration else {},
            id=registration.id if registration else None,
            protect=request.protect if request.HasField("protect") else None,
            retain_on_delete=request.retainOnDelete if request.HasField("retainOnDelete") else None,
            ignore_changes=list(request.ignoreChanges),
            additional_secret_outputs=list(request.additionalSecretOutputs),
            replace_on_changes=list(request.replaceOnChanges),
            delete_before_replace=bool(request.deleteBeforeReplace),
            dependencies=list(request.dependencies),
            property_dependencies={key: list(deps.urns) for key, deps in request.propertyDependencies.items()},
            provider=request.provider,
            replacement_trigger=_trigger(request),
            replace_with=list(request.replace_with),
        )
        with self._lock:
            self.registrations.append(record)
        return response


def _same(state_inputs: Mapping[str, Any], inputs: Mapping[str, Any], ignored: Sequence[str] = ()) -> bool:
    """Whether a registration changes nothing the engine would send to the provider (ignored inputs keep their
    state value)."""

    def canonical(value: Mapping[str, Any]) -> str:
        kept = {k: v for k, v in value.items() if k not in ignored}
        return json.dumps(comparable(kept), sort_keys=True, default=str)

    return canonical(state_inputs) == canonical(inputs)


def _trigger(request: Any) -> Any:
    if not request.HasField("replacement_trigger"):
        return None
    return rpc.deserialize_property(json_format.MessageToDict(request.replacement_trigger), keep_unknowns=True)


class MockCloud(Mocks):
    """Mocks that echo inputs and fill in what AWS, Azure and GCP return for each resource type."""

    def __init__(self, prior: Sequence[RegisteredResource] = ()) -> None:
        self.states_by_id: dict[str, dict[str, Any]] = {}
        self.calls: list[MockCallArgs] = []
        self._lock = threading.Lock()
        self._prior = {(r.type, r.name): r for r in prior if r.custom}
        self.ignored: dict[tuple[str, str], list[str]] = {}
        """Per (type, name) being registered: its ``ignore_changes`` (wire names)."""

    def new_resource(self, args: MockResourceArgs) -> tuple[Optional[str], dict[Any, Any]]:
        previous = self._prior.get((args.typ, args.name))
        ignored = self.ignored.get((args.typ, args.name), [])
        if previous is not None and _same(previous.inputs, args.inputs, ignored):
            # What the stack already holds keeps its id and outputs, as the engine reads them from the state.
            return previous.id, dict(previous.outputs)
        with self._lock:
            resource_id, state = fill_outputs(args.typ, args.name, dict(args.inputs), self.states_by_id)
            if resource_id is not None:
                self.states_by_id[resource_id] = state
        return resource_id, state

    def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], Optional[list[tuple[str, str]]]]:
        with self._lock:
            self.calls.append(args)
        return fill_call(args.token, dict(args.args)), []


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


class MockEngine:
    """What one mock run recorded, plus helpers to find resources in it."""

    def __init__(self, logger_name: str, prior: Sequence[RegisteredResource] = ()) -> None:
        self.mocks = MockCloud(prior)
        self.monitor = RecordingMonitor(self.mocks)
        self.logs: list[str] = []
        """Every message the program logged through ``pulumi.log``."""
        self.logger = logging.getLogger(logger_name)
        self.logger.propagate = False
        self.logger.setLevel(logging.DEBUG)
        self.logger.addHandler(_ListHandler(self.logs))
        self.stack_outputs: dict[str, Any] = {}
        """The program's ``pulumi.export`` values, resolved, after :meth:`run`."""
        self.failed = False
        """Whether :meth:`run` raised."""

    @property
    def resources(self) -> list[RegisteredResource]:
        """Every registered resource (components included) in registration order."""
        return list(self.monitor.registrations)

    def find(self, type_: Optional[str] = None, name: Optional[str] = None) -> list[RegisteredResource]:
        """Registered resources of ``type_`` and/or logical ``name``."""
        return [r for r in self.resources if (type_ is None or r.type == type_) and (name is None or r.name == name)]

    def one(self, type_: str, name: Optional[str] = None) -> RegisteredResource:
        """The only registered resource of ``type_`` (and ``name``); fails loudly otherwise."""
        found = self.find(type_, name)
        if len(found) != 1:
            names = [r.name for r in found]
            raise AssertionError(f"expected exactly one {type_} named {name or '*'}, found {len(found)}: {names}")
        return found[0]

    def by_urn(self, urn: str) -> RegisteredResource:
        """The registered resource with this URN."""
        for resource in self.resources:
            if resource.urn == urn:
                return resource
        raise KeyError(urn)

    def children(self, parent: RegisteredResource) -> list[RegisteredResource]:
        """Direct children of ``parent``."""
        return [r for r in self.resources if r.parent_urn == parent.urn]

    def run(self, program: Callable[[], Any]) -> Any:
        """Run ``program`` like a Pulumi program and wait until every registration has finished."""
        SETTINGS.rpc_manager.clear()
        SETTINGS.outputs.clear()
        box: dict[str, Any] = {}

        def body() -> None:
            box["result"] = program()
            # Wait on what the program returned only when it is an Output or awaitable (not, say, the module
            # globals ``runpy.run_path`` returns); registrations are awaited by run_pulumi_func either way.
            if isinstance(box["result"], pulumi.Output) or inspect.isawaitable(box["result"]):
                _sync_await(pulumi.Output.from_input(box["result"]).future())

        try:
            _sync_await(run_pulumi_func(body))
        except BaseException:
            self.failed = True
            # Registrations running in the monitor's threads finish and are recorded before the error surfaces.
            self.monitor.wait_idle()
            raise
        root = get_root_resource()
        outputs = getattr(root, "outputs", {}) or {}
        self.stack_outputs = {k: _resolve(v) for k, v in outputs.items()}
        return box.get("result")


@dataclass(frozen=True)
class Resolved:
    """An Output's resolution under the mock engine."""

    value: Any
    """The plain value (None when unknown)."""
    is_secret: bool
    """Whether Pulumi treats the value as a secret."""
    is_known: bool
    """False when the value is unknown (e.g. in preview)."""


def resolve_output(output: Any) -> Resolved:
    """Resolve ``output`` (after :meth:`MockEngine.run`) into its value and secretness."""
    out = pulumi.Output.from_input(output)

    async def both() -> Resolved:
        return Resolved(await out.future(), await out.is_secret(), await out.is_known())

    return _sync_await(both())


def _resolve(value: Any) -> Any:
    if isinstance(value, pulumi.Output):
        return _sync_await(_secret_aware(value))
    return value


async def _secret_aware(output: "pulumi.Output[Any]") -> Any:
    secret = await output.is_secret()
    resolved = await output.future()
    return rpc.wrap_rpc_secret(resolved) if secret else resolved


@contextmanager
def mock_pulumi(
    *,
    project: str = "project",
    stack: str = "stack",
    preview: bool = False,
    config: Optional[Mapping[str, str]] = None,
    secret_keys: Sequence[str] = (),
    prior: Sequence[RegisteredResource] = (),
) -> Iterator[MockEngine]:
    """A fresh mock engine: new event loop, recording monitor, config; everything reset on exit.

    ``prior`` is the stack's state: a resource registered again with the same inputs gets its id and outputs
    back from it, as from the engine (a ``time`` Static keeps its timestamp, for instance).

    ``config`` keys without a namespace are put under ``project`` (as ``pulumi config set`` does);
    ``secret_keys`` marks config values that ``require_secret``/``get_secret`` must treat as secret.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    engine = MockEngine(f"ai_keys.testing.engine.{id(loop)}", prior)
    full_config = {_qualify(project, k): v for k, v in (config or {}).items()}
    set_mocks(engine.mocks, project=project, stack=stack, preview=preview, monitor=engine.monitor, logger=engine.logger)
    set_all_config(full_config, [_qualify(project, k) for k in secret_keys])
    try:
        yield engine
    finally:
        if engine.failed:
            # Registrations abandoned by the failed program still hold its error; the error was raised
            # already, so keep asyncio from reporting it again when they are collected during a later run.
            loop.set_exception_handler(lambda _loop, _context: None)
        set_all_config({}, [])
        reset_options()
        # Work a failed program left queued would otherwise be collected unawaited during a later test.
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        asyncio.set_event_loop(None)
        engine.logger.handlers.clear()
        # One logger per run: unregister it, or a long test session keeps thousands of them alive.
        logging.root.manager.loggerDict.pop(engine.logger.name, None)


def run_program(
    program_dir: "str | os.PathLike[str]",
    *,
    config: Optional[Mapping[str, str]] = None,
    secret_keys: Sequence[str] = (),
    stack: str = "stack",
    preview: bool = False,
) -> MockEngine:
    """Run the Pulumi program in ``program_dir`` (its ``__main__.py``, project name from ``Pulumi.yaml``)
    under a fresh mock engine and return what it recorded."""
    directory = Path(program_dir)
    project_file = directory / "Pulumi.yaml"
    project = "project"
    if project_file.is_file():
        document = yaml.safe_load(project_file.read_text()) or {}
        project = str(document.get("name") or project)

    def program() -> None:
        runpy.run_path(str(directory / "__main__.py"), run_name="__main__")

    with mock_pulumi(project=project, stack=stack, preview=preview, config=config, secret_keys=secret_keys) as engine:
        engine.run(program)
    return engine


def _qualify(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"
