"""Reusing a parent model's blast radii in a topology variant, where provably unchanged.

A topology measure changes a few workloads (pods added or moved, volumes made regional)
or adds spare nodes. A failed set whose impact cannot differ keeps the parent's result:
it must not touch a changed workload or a node hosting one, and its rescheduling must
replay identically under first-fit decreasing: no target node lost capacity, no node
gained capacity, and nothing was left unschedulable if new nodes now exist. Anything
else is evaluated afresh, so the variant's numbers equal a full rebuild's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from weakref import WeakKeyDictionary

import numpy as np

from riskmodel.engine.impact import FailedSet, Placement, StructuralImpact
from riskmodel.engine.topology import TopologyIndex


@dataclass(frozen=True)
class TopologyChange:
    """What differs between a parent topology and a variant of it."""

    workloads: frozenset[str]
    hosts: frozenset[str]
    lost_capacity: frozenset[str]
    gained_capacity: frozenset[str]
    new_nodes: frozenset[str]


def topology_change(parent: TopologyIndex, child: TopologyIndex) -> TopologyChange | None:
    """The change from parent to child, or None when they are not comparable (workloads differ)."""
    if parent.workload_names != child.workload_names:
        return None
    before = parent.scenario.workloads_by_name
    changed = [w for w in child.scenario.workloads if before[w.name] != w]
    lost: set[str] = set()
    gained: set[str] = set()
    hosts: set[str] = set()
    for workload in changed:
        old, new = Counter(before[workload.name].pods), Counter(workload.pods)
        hosts.update(old)
        hosts.update(new)
        lost.update(node for node in new if new[node] > old[node])
        gained.update(node for node in old if old[node] > new[node])
    return TopologyChange(frozenset(w.name for w in changed), frozenset(hosts), frozenset(lost),
                          frozenset(gained), frozenset(child.node_names) - frozenset(parent.node_names))


_TARGETS: WeakKeyDictionary[StructuralImpact, np.ndarray] = WeakKeyDictionary()
"""Target nodes of each parent impact's moves, read once (a parent serves many variants)."""


def _targets(impact: StructuralImpact) -> np.ndarray:
    targets = _TARGETS.get(impact)
    if targets is None:
        moves = impact.placement.moves
        targets = _TARGETS[impact] = np.fromiter((target for _, target in moves), dtype=np.int64, count=len(moves))
    return targets


def _placement_replays(impact: StructuralImpact, change: TopologyChange, first_gained: int,
                       lost_capacity: np.ndarray) -> bool:
    """First-fit replays the parent's placement: every target kept its capacity, no node
    before a target gained any, and nothing unschedulable could now find a new node."""
    placement = impact.placement
    if not (placement.moves or placement.unschedulable):
        return True
    if placement.unschedulable and (change.new_nodes or change.gained_capacity):
        return False
    targets = _targets(impact)
    if targets.size and targets.max() >= first_gained:
        return False
    return not lost_capacity[targets].any()


def _remap(impact: StructuralImpact, pod_shift: np.ndarray, node_map: np.ndarray) -> StructuralImpact:
    """The parent's impact with pod and node positions moved to the child's numbering."""
    if not (impact.placement.moves or impact.placement.unschedulable):
        return impact
    placement = Placement(impact.placement.rescheduled_per_workload,
                          tuple((int(pod_shift[pod]), int(node_map[target])) for pod, target in impact.placement.moves),
                          tuple(int(pod_shift[pod]) for pod in impact.placement.unschedulable))
    return replace(impact, placement=placement)


class StructureReuse:
    """Looks up a parent's impact for a failed set of the child, when it provably carries over."""

    def __init__(self, parent_index: TopologyIndex, parent: dict[tuple[FailedSet, bool], StructuralImpact],
                 child: TopologyIndex) -> None:
        self.parent_index, self.parent, self.child = parent_index, parent, child
        self.change = topology_change(parent_index, child)
        if self.change is None:
            return
        gained = [parent_index.node_position[n] for n in self.change.gained_capacity]
        self.first_gained = min(gained, default=len(parent_index.node_names))
        self.lost_capacity = np.isin(np.array(parent_index.node_names), list(self.change.lost_capacity))
        parent_start = np.concatenate([[0], np.cumsum(parent_index.replicas)[:-1]]).astype(np.int64)
        child_start = np.concatenate([[0], np.cumsum(child.replicas)[:-1]]).astype(np.int64)
        pods = np.arange(len(parent_index.pod_workload))
        self.pod_shift = pods + (child_start - parent_start)[parent_index.pod_workload]
        self.node_map = np.array([child.node_position[name] for name in parent_index.node_names], dtype=np.int64)
        self.same_numbering = bool(np.array_equal(self.pod_shift, pods)
                                   and np.array_equal(self.node_map, np.arange(len(self.node_map))))

    def get(self, failed: FailedSet, reschedule: bool) -> StructuralImpact | None:
        change = self.change
        impact = self.parent.get((failed, reschedule))
        if change is None or impact is None or failed.workloads & change.workloads or failed.nodes & change.hosts:
            return None
        if not _placement_replays(impact, change, self.first_gained, self.lost_capacity):
            return None
        return impact if self.same_numbering else _remap(impact, self.pod_shift, self.node_map)
