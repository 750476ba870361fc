"""The second deploy and the last one, offline: run program A, then program B (or a destroy), under the mock
engine, and get the plan the Pulumi engine would make.

    from ai_keys.testing import plan_update, plan_destroy

    plan = plan_update(lambda: SecureApiKey("openai", before), lambda: SecureApiKey("openai", after))
    assert plan.op("openai-secret") == "update"
    assert not plan.refused

The rules are the engine's (each store's docs page has a "What a change does" table):

- a resource is known by its URN: a child whose name changes is deleted and another created;
- an input change replaces a resource when the provider says so (:mod:`ai_keys.testing.replacements`) or the
  ``replace_on_changes`` option names it; otherwise it is an update in place;
- an input listed in ``ignore_changes`` keeps its value **from the state**, in an update and in a replacement;
- an input that depends on a replaced resource is unknown during the preview, so it counts as changed;
- a changed ``replacement_trigger`` value, or the replacement of a resource named in ``replace_with``, replaces
  a resource whatever its inputs do;
- replacements are create-before-delete unless ``delete_before_replace`` is set;
- deletes (removed resources, and the old halves of replacements) run last, dependents before what they
  depend on; ``retain_on_delete`` drops a resource from the state without deleting the cloud object;
- ``protect`` refuses the whole plan before any step runs when it would delete a protected resource, or
  replace one that is protected in both the old and the new program.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Optional

from .engine import RegisteredResource, comparable, mock_pulumi, unwrap_secrets
from .replacements import forces_replacement

__all__ = ["Op", "Plan", "Refusal", "Step", "plan_destroy", "plan_update"]

Op = Literal["create", "same", "update", "replace", "replace-delete-first", "delete", "retain"]
"""What the engine does to one URN."""


@dataclass(frozen=True)
class Step:
    """One step, in the order the engine runs them."""

    action: Literal["create", "update", "create-replacement", "delete-replaced", "delete", "retain"]
    """``create-replacement`` and ``delete-replaced`` are the two halves of a replacement."""
    urn: str
    """The resource's URN."""
    type: str
    """The resource type token."""
    name: str
    """The resource's logical name."""


@dataclass(frozen=True)
class Refusal:
    """Why the engine would refuse the plan before running any step."""

    urn: str
    """The protected resource."""
    message: str
    """What the engine says, and what to do."""


@dataclass
class Plan:
    """The plan for going from program A to program B (or to nothing, for a destroy)."""

    before: list[RegisteredResource]
    """What program A registered (the state)."""
    after: list[RegisteredResource]
    """What program B registered (empty for a destroy)."""
    ops: dict[str, Op] = field(default_factory=dict)
    """Per URN (of either program): what the engine does to it."""
    changed: dict[str, set[str]] = field(default_factory=dict)
    """Per URN kept by both programs: the input paths that differ (ignored inputs excluded)."""
    kept_from_state: dict[str, set[str]] = field(default_factory=dict)
    """Per URN: inputs listed in ``ignore_changes`` whose new value differs but whose state value is kept (in
    a replacement, the new resource is created with those old values)."""
    refused: list[Refusal] = field(default_factory=list)
    """Non-empty when the engine refuses the plan; then :attr:`steps` is empty."""
    planned: list[Step] = field(default_factory=list)
    """The steps the engine would run if nothing were protected."""

    @property
    def steps(self) -> list[Step]:
        """The steps the engine runs, in order (none when the plan is refused)."""
        return [] if self.refused else list(self.planned)

    def urn_of(self, name: str) -> str:
        """The URN of the resource named ``name`` in either program (the name must be unique)."""
        urns = {r.urn for r in (*self.before, *self.after) if r.name == name}
        if len(urns) != 1:
            raise AssertionError(f"expected one resource named {name}, found {sorted(urns)}")
        return next(iter(urns))

    def op(self, name_or_urn: str) -> Op:
        """What happens to the resource with this logical name or URN."""
        urn = name_or_urn if name_or_urn.startswith("urn:") else self.urn_of(name_or_urn)
        return self.ops[urn]

    def of_type(self, type_: str) -> dict[str, Op]:
        """Logical name -> op for every resource of ``type_`` in either program."""
        names = {r.urn: r.name for r in (*self.before, *self.after) if r.type == type_}
        return {names[urn]: self.ops[urn] for urn in names}

    def touched(self) -> dict[str, Op]:
        """Logical name -> op for every resource that is not left as it is."""
        names = {r.urn: r.name for r in (*self.before, *self.after)}
        return {names[urn]: op for urn, op in self.ops.items() if op != "same"}

    def index(self, action: str, name: str) -> int:
        """Position of ``action`` on ``name`` among the planned steps (for ordering assertions)."""
        urn = self.urn_of(name)
        for position, step in enumerate(self.planned):
            if step.action == action and step.urn == urn:
                return position
        raise AssertionError(f"no {action} step for {name} in {[(s.action, s.name) for s in self.planned]}")


def plan_update(
    before: Callable[[], Any],
    after: Callable[[], Any],
    *,
    config: Optional[Mapping[str, str]] = None,
    after_config: Optional[Mapping[str, str]] = None,
    secret_keys: Sequence[str] = (),
    project: str = "project",
    stack: str = "stack",
) -> Plan:
    """Run ``before`` (the deployed program) then ``after`` (the edited one) and plan the update.

    ``after_config`` defaults to ``config``: give it to model a config change between the two deploys.
    """
    old = _run(before, config, secret_keys, project, stack)
    # The second run reads ids and outputs of what it registers unchanged from the state, as the engine does.
    new = _run(after, after_config if after_config is not None else config, secret_keys, project, stack, prior=old)
    return _plan(old, new)


def plan_destroy(
    program: Callable[[], Any],
    *,
    config: Optional[Mapping[str, str]] = None,
    secret_keys: Sequence[str] = (),
    project: str = "project",
    stack: str = "stack",
) -> Plan:
    """Run ``program`` (the deployed stack) and plan ``pulumi destroy``."""
    return _plan(_run(program, config, secret_keys, project, stack), [])


def _run(
    program: Callable[[], Any],
    config: Optional[Mapping[str, str]],
    secret_keys: Sequence[str],
    project: str,
    stack: str,
    prior: Sequence[RegisteredResource] = (),
) -> list[RegisteredResource]:
    with mock_pulumi(project=project, stack=stack, config=config, secret_keys=secret_keys, prior=prior) as engine:
        engine.run(program)
        return engine.resources


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf values by dotted path (list items as ``[i]``); empty containers and None are leaves too."""
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(value, list) and value:
        flat = {}
        for position, item in enumerate(value):
            flat.update(_flatten(item, f"{prefix}[{position}]"))
        return flat
    return {prefix: value}


def _top(path: str) -> str:
    for index, char in enumerate(path):
        if char in ".[":
            return path[:index]
    return path


def _diff(old: RegisteredResource, new: RegisteredResource, replaced: set[str]) -> tuple[set[str], set[str]]:
    """(changed paths, ignored paths whose value differs)."""
    # An unset input, None and an empty container all mean "nothing given".
    old_flat = {k: v for k, v in _flatten(comparable(old.inputs)).items() if v not in (None, {}, [])}
    new_flat = {k: v for k, v in _flatten(comparable(new.inputs)).items() if v not in (None, {}, [])}
    ignored = set(new.ignore_changes)
    changed: set[str] = set()
    kept: set[str] = set()
    for path in old_flat.keys() | new_flat.keys():
        if old_flat.get(path) == new_flat.get(path):
            continue
        if _top(path) in ignored or path in ignored:
            kept.add(path)
        else:
            changed.add(path)
    # An input computed from a resource that is being replaced is unknown until that replacement exists.
    for prop, deps in new.property_dependencies.items():
        if prop not in ignored and any(dep in replaced for dep in deps):
            changed.add(prop)
    return changed, kept


def _triggered(old: RegisteredResource, new: RegisteredResource, replaced: set[str]) -> str:
    """The option that replaces ``new`` regardless of its inputs, or ""."""
    # The engine does not replace on the first value given (pulumi/pulumi#20850), only on a change.
    both = old.replacement_trigger is not None and new.replacement_trigger is not None
    if both and unwrap_secrets(old.replacement_trigger) != unwrap_secrets(new.replacement_trigger):
        return "(replacement_trigger)"
    if any(urn in replaced for urn in new.replace_with):
        return "(replace_with)"
    return ""


def _delete_order(resources: Sequence[RegisteredResource], urns: Iterable[str]) -> list[str]:
    """``urns`` ordered so that each comes before everything it depends on (its parent included)."""
    wanted = set(urns)
    by_urn = {r.urn: r for r in resources}
    order: list[str] = []
    seen: set[str] = set()

    def visit(urn: str) -> None:  # post-order over "depends on", then reversed: dependents first
        if urn in seen or urn not in by_urn:
            return
        seen.add(urn)
        resource = by_urn[urn]
        for dep in (*resource.dependencies, resource.parent_urn):
            visit(dep)
        order.append(urn)

    for resource in resources:
        visit(resource.urn)
    return [urn for urn in reversed(order) if urn in wanted]


def _plan(old: list[RegisteredResource], new: list[RegisteredResource]) -> Plan:
    plan = Plan(before=old, after=new)
    old_by = {r.urn: r for r in old}
    new_by = {r.urn: r for r in new}
    replaced: set[str] = set()
    deletes_at_end: list[str] = []
    for resource in new:
        previous = old_by.get(resource.urn)
        step_args = (resource.urn, resource.type, resource.name)
        if previous is None:
            plan.ops[resource.urn] = "create"
            plan.planned.append(Step("create", *step_args))
            continue
        if not resource.custom:
            plan.ops[resource.urn] = "same"
            continue
        changed, kept = _diff(previous, resource, replaced)
        # The replacement_trigger and replace_with options replace a resource whatever its inputs do.
        triggered = _triggered(previous, resource, replaced)
        if triggered:
            changed.add(triggered)
        plan.changed[resource.urn] = changed
        if kept:
            plan.kept_from_state[resource.urn] = kept
        if not changed:
            plan.ops[resource.urn] = "same"
        elif triggered or forces_replacement(resource.type, changed, resource.replace_on_changes):
            replaced.add(resource.urn)
            if previous.protect and resource.protect:
                plan.refused.append(Refusal(resource.urn, _protected("replace", resource.urn)))
            if resource.delete_before_replace:
                plan.ops[resource.urn] = "replace-delete-first"
                plan.planned.append(Step("retain" if previous.retain_on_delete else "delete", *step_args))
                plan.planned.append(Step("create-replacement", *step_args))
            else:
                plan.ops[resource.urn] = "replace"
                plan.planned.append(Step("create-replacement", *step_args))
                deletes_at_end.append(resource.urn)
        else:
            plan.ops[resource.urn] = "update"
            plan.planned.append(Step("update", *step_args))
    removed = [r.urn for r in old if r.urn not in new_by]
    for urn in _delete_order(old, [*removed, *deletes_at_end]):
        previous = old_by[urn]
        if urn in new_by:  # the old half of a create-before-delete replacement
            action: Any = "retain" if previous.retain_on_delete else "delete-replaced"
        else:
            if previous.protect:
                plan.refused.append(Refusal(urn, _protected("delete", urn)))
            action = "retain" if previous.retain_on_delete else "delete"
            plan.ops[urn] = "retain" if previous.retain_on_delete else "delete"
        if previous.custom:
            plan.planned.append(Step(action, urn, previous.type, previous.name))
    return plan


def _protected(verb: str, urn: str) -> str:
    return (
        f"unable to {verb} resource {urn!r} as it is currently marked for protection. To unprotect the resource, "
        "remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`, or run "
        f"`pulumi state unprotect {urn!r}`"
    )
