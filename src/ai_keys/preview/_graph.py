"""The "must be created after" graph of a preview: a stable creation order, the tree order and the longest chain.

An edge runs from A to B when B lists A among its dependencies (explicit ``depends_on``, expanded by Pulumi
to a component's children, and input dependencies: B takes an output of A) or when A is B's parent.
"""

import heapq
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # the command's own process never imports Pulumi; only the program's process does
    from ..testing import RegisteredResource

__all__ = ["longest_chain", "ordered", "tree_ordered"]


def longest_chain(resources: Sequence["RegisteredResource"]) -> list["RegisteredResource"]:
    """The longest "must be created after" path through ``resources``, first-created first.

    Resources are taken in a stable topological order (dependencies first, then by name); ties go to the
    chain that ends first in that order, and within it to the earliest predecessor. Only edges between the
    given resources count. Its length counts resources: a lone resource has a chain of 1, none of 0.
    """
    resources = ordered(resources)
    position = {r.urn: i for i, r in enumerate(resources)}
    best: dict[str, tuple[int, Optional[str]]] = {}
    for resource in resources:
        length, previous = 1, None
        for urn in _predecessors(resource, position):
            if urn in best and best[urn][0] + 1 > length:
                length, previous = best[urn][0] + 1, urn
        best[resource.urn] = (length, previous)
    if not best:
        return []
    top = max(best.values(), key=lambda entry: entry[0])[0]
    end: Optional[str] = next(r.urn for r in resources if best[r.urn][0] == top)
    by_urn = {r.urn: r for r in resources}
    chain: list[RegisteredResource] = []
    while end is not None:
        chain.append(by_urn[end])
        end = best[end][1]
    return chain[::-1]


def ordered(resources: Sequence["RegisteredResource"]) -> list["RegisteredResource"]:
    """``resources`` in a stable topological order: predecessors first, then by name, type and URN.

    Registration order can vary between runs when registrations wait on outputs; this order does not.
    Resources caught in a cycle (which Pulumi would refuse) come last, by name.
    """
    index = {r.urn: i for i, r in enumerate(resources)}
    edges = {r.urn: _predecessors(r, index) for r in resources}
    keys = {r.urn: (r.name, r.type, r.urn) for r in resources}
    by_urn = {r.urn: r for r in resources}
    return [by_urn[urn] for urn in _topological(list(by_urn), edges, keys)]


def tree_ordered(resources: Sequence["RegisteredResource"]) -> list["RegisteredResource"]:
    """``resources`` in the order the tree prints them: each parent before its children, and siblings in
    dependency order, where a sibling comes after another when anything in its subtree must be created
    after something in the other's subtree (then by name)."""
    index = {r.urn: i for i, r in enumerate(resources)}
    parent = {r.urn: (r.parent_urn if r.parent_urn in index and r.parent_urn != r.urn else None) for r in resources}
    children: dict[Optional[str], list[str]] = {}
    for resource in resources:
        children.setdefault(parent[resource.urn], []).append(resource.urn)
    by_urn = {r.urn: r for r in resources}
    keys = {r.urn: (r.name, r.type, r.urn) for r in resources}

    def top_below(urn: str, level: Optional[str]) -> Optional[str]:
        """The ancestor of ``urn`` (or ``urn`` itself) whose parent is ``level``; None if ``urn`` is not below it."""
        seen: set[str] = set()
        current: Optional[str] = urn
        while current is not None and current not in seen:
            seen.add(current)
            if parent[current] == level:
                return current
            current = parent[current]
        return None

    out: list[RegisteredResource] = []

    def visit(level: Optional[str]) -> None:
        siblings = children.get(level, [])
        subtree_of = {urn: top for urn in index if (top := top_below(urn, level)) is not None}
        edges: dict[str, list[str]] = {urn: [] for urn in siblings}
        for urn, top in subtree_of.items():
            for before in _predecessors(by_urn[urn], index):
                other = subtree_of.get(before)
                if other is not None and other != top and other not in edges[top]:
                    edges[top].append(other)
        for urn in _topological(siblings, edges, keys):
            out.append(by_urn[urn])
            visit(urn)

    visit(None)
    return out


def _topological(nodes: Sequence[str], edges: Mapping[str, Sequence[str]], keys: Mapping[str, tuple[str, str, str]]) -> list[str]:
    """Kahn's algorithm over ``nodes`` (``edges[n]``: the nodes ``n`` comes after), ties by ``keys``."""
    members = set(nodes)
    waiting = {n: sum(1 for p in set(edges.get(n, ())) if p in members and p != n) for n in nodes}
    successors: dict[str, list[str]] = {n: [] for n in nodes}
    for node in nodes:
        for before in set(edges.get(node, ())):
            if before in members and before != node:
                successors[before].append(node)
    ready = [keys[n] for n in nodes if waiting[n] == 0]
    heapq.heapify(ready)
    result: list[str] = []
    while ready:
        urn = heapq.heappop(ready)[2]
        result.append(urn)
        for successor in successors[urn]:
            waiting[successor] -= 1
            if waiting[successor] == 0:
                heapq.heappush(ready, keys[successor])
    placed = set(result)
    result += sorted((n for n in nodes if n not in placed), key=lambda n: keys[n])
    return result


def _predecessors(resource: "RegisteredResource", known: Mapping[str, int]) -> list[str]:
    """URNs ``resource`` must be created after, earliest first: its parent and its dependencies."""
    found = {urn for urn in [resource.parent_urn, *resource.dependencies] if urn in known and urn != resource.urn}
    return sorted(found, key=lambda urn: known[urn])
