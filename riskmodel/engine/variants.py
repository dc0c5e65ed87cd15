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

import numpy as np

from riskmodel.engine.csr import expand
from riskmodel.engine.impact import FailedSet, Placement, StructuralImpact
from riskmodel.engine.room import proven_moves, room_of
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


@dataclass(frozen=True, eq=False)
class ParentSummary:
    """A parent model's structures as arrays, for deciding reuse in many variants at once."""

    node_ptr: np.ndarray
    """CSR over structures of the positions of their failed nodes (and workloads below)."""
    node: np.ndarray
    workload_ptr: np.ndarray
    workload: np.ndarray
    target_ptr: np.ndarray
    """CSR over structures of the nodes their placement moved pods to."""
    target: np.ndarray
    moved_any: np.ndarray
    """The placement moved or left some pod (else it trivially replays)."""
    unschedulable: np.ndarray
    unlisted: np.ndarray
    """The placement knows only its counts (proven by the room check): it cannot replay, its
    counts are checked against the variant's own proof instead."""


def _csr(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    pointer = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    values = np.fromiter((v for r in rows for v in r), dtype=np.int64, count=int(lengths.sum()))
    return pointer, values


def parent_summary(index: TopologyIndex, keys: list[tuple[FailedSet, bool]],
                   impacts: list[StructuralImpact]) -> ParentSummary:
    node_ptr, node = _csr([[index.node_position[n] for n in failed.nodes] for failed, _ in keys])
    workload_ptr, workload = _csr([[index.workload_position[w] for w in failed.workloads] for failed, _ in keys])
    target_ptr, target = _csr([[t for _, t in impact.placement.moves] for impact in impacts])
    moved_any = np.array([bool(i.placement.moves or i.placement.unschedulable) for i in impacts], dtype=bool)
    unschedulable = np.array([bool(i.placement.unschedulable) for i in impacts], dtype=bool)
    unlisted = np.array([not i.placement.listed for i in impacts], dtype=bool)
    return ParentSummary(node_ptr, node, workload_ptr, workload, target_ptr, target, moved_any, unschedulable,
                         unlisted)


def derived_summary(parent: ParentSummary, child: TopologyIndex, keys: list[tuple[FailedSet, bool]],
                    impacts: list[StructuralImpact], carried: np.ndarray, parent_rows: np.ndarray,
                    fresh: np.ndarray, node_map: np.ndarray | None) -> ParentSummary:
    """:func:`parent_summary` of a variant, from its parent's: the rows of structures carried
    over (``carried``, from the parent's ``parent_rows``) are the parent's with node positions
    read through ``node_map`` (None: numbered alike), workload positions as they are (a variant
    that carries structures has its parent's workloads); only the ``fresh`` ones are listed.
    Equal, array for array, to the summary built from scratch, without resolving the lazily
    renumbered placements of the carried ones."""
    own = parent_summary(child, [keys[i] for i in fresh.tolist()], [impacts[i] for i in fresh.tolist()])
    size = len(keys)

    def merged(pointer: np.ndarray, values: np.ndarray, fresh_pointer: np.ndarray, fresh_values: np.ndarray,
               mapped: bool) -> tuple[np.ndarray, np.ndarray]:
        lengths = np.zeros(size, dtype=np.int64)
        lengths[carried] = pointer[parent_rows + 1] - pointer[parent_rows]
        lengths[fresh] = np.diff(fresh_pointer)
        result_pointer = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        result = np.empty(int(result_pointer[-1]), dtype=np.int64)
        taken = values[expand(pointer, parent_rows)[1]]
        result[expand(result_pointer, carried)[1]] = node_map[taken] if mapped and node_map is not None else taken
        result[expand(result_pointer, fresh)[1]] = fresh_values
        return result_pointer, result

    def flags(theirs: np.ndarray, mine: np.ndarray) -> np.ndarray:
        result = np.empty(size, dtype=bool)
        result[carried], result[fresh] = theirs[parent_rows], mine
        return result

    return ParentSummary(*merged(parent.node_ptr, parent.node, own.node_ptr, own.node, True),
                         *merged(parent.workload_ptr, parent.workload, own.workload_ptr, own.workload, False),
                         *merged(parent.target_ptr, parent.target, own.target_ptr, own.target, True),
                         flags(parent.moved_any, own.moved_any), flags(parent.unschedulable, own.unschedulable),
                         flags(parent.unlisted, own.unlisted))


def _any_per_row(pointer: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """Per CSR row: is any of its values' flags set."""
    counts = np.add.reduceat(np.r_[flags, False].astype(np.int64), np.minimum(pointer[:-1], len(flags)))
    return (counts > 0) & (pointer[1:] > pointer[:-1])


def _mask(position: dict[str, int], names: frozenset[str], size: int) -> np.ndarray:
    """Boolean mask over positions of the named entries (names the index does not know are ignored)."""
    mask = np.zeros(size, dtype=bool)
    mask[[position[name] for name in names if name in position]] = True
    return mask


def reusable(summary: ParentSummary, parent_index: TopologyIndex, child: TopologyIndex,
             change: TopologyChange | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Per parent structure: its impact provably carries over to ``child``, and it is untouched
    by the change (None when the two topologies are not comparable). The rule of the module
    docstring, for all structures at once: no failed node hosts a changed workload, no failed
    workload changed, and first fit replays (placements known by their counts only never
    replay here: see :func:`riskmodel.engine.risk.RiskModel`). ``change``: the change from
    parent to child when already known."""
    change = change if change is not None else topology_change(parent_index, child)
    if change is None:
        return None
    hosts = _mask(parent_index.node_position, change.hosts, len(parent_index.node_names))
    changed = _mask(parent_index.workload_position, change.workloads, len(parent_index.workload_names))
    touched = _any_per_row(summary.node_ptr, hosts[summary.node]) | \
        _any_per_row(summary.workload_ptr, changed[summary.workload])
    gained = [parent_index.node_position[n] for n in change.gained_capacity]
    first_gained = min(gained, default=len(parent_index.node_names))
    lost_capacity = _mask(parent_index.node_position, change.lost_capacity, len(parent_index.node_names))
    blocked_targets = lost_capacity[summary.target] | (summary.target >= first_gained)
    replays = ~summary.moved_any | (~(summary.unschedulable & bool(change.new_nodes or change.gained_capacity))
                                    & ~_any_per_row(summary.target_ptr, blocked_targets))
    return ~touched & replays & ~summary.unlisted, ~touched


def renumbering(parent_index: TopologyIndex, child: TopologyIndex) -> tuple[np.ndarray, np.ndarray] | None:
    """(pod shift, node map) from the parent's numbering to the child's; None when unchanged."""
    parent_start = np.concatenate([[0], np.cumsum(parent_index.pod_counts)[:-1]]).astype(np.int64)
    child_start = np.concatenate([[0], np.cumsum(child.pod_counts)[:-1]]).astype(np.int64)
    pods = np.arange(len(parent_index.pod_workload))
    pod_shift = pods + (child_start - parent_start)[parent_index.pod_workload]
    node_map = np.array([child.node_position[name] for name in parent_index.node_names], dtype=np.int64)
    if np.array_equal(pod_shift, pods) and np.array_equal(node_map, np.arange(len(node_map))):
        return None
    return pod_shift, node_map


def carried_over(impact: StructuralImpact, numbering: tuple[np.ndarray, np.ndarray] | None) -> StructuralImpact:
    """A parent's impact in the child's numbering (renumbered lazily, see :class:`Placement`)."""
    if numbering is None or not impact.placement.listed or not (impact.placement.moves or impact.placement.unschedulable):
        return impact
    return replace(impact, placement=Placement.renumbered(impact.placement, *numbering))


def carried_structures(summary: ParentSummary, parent_index: TopologyIndex, parent_impacts: list[StructuralImpact],
                       child: TopologyIndex, change: TopologyChange | None, keys: list[tuple[FailedSet, bool]],
                       parent_ids: np.ndarray) -> np.ndarray | None:
    """Per key of the child: its impact is the parent's (``parent_ids``: the parent's structure of
    the same key, or -1), by :func:`reusable`'s rule or, for a placement known by its counts only,
    by the child's own room check proving the same counts. None when not comparable."""
    decided = reusable(summary, parent_index, child, change)
    if decided is None:
        return None
    carries, untouched = decided
    mine = parent_ids >= 0
    row = np.maximum(parent_ids, 0)
    proved = _same_proven_moves(summary, parent_index, parent_impacts, child, change, keys, parent_ids,
                                mine & untouched[row])
    return mine & (carries[row] | (untouched[row] & proved))


def _same_proven_moves(summary: ParentSummary, parent_index: TopologyIndex, parent_impacts: list[StructuralImpact],
                       child: TopologyIndex, change: TopologyChange | None, keys: list[tuple[FailedSet, bool]],
                       parent_ids: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Per key: the parent's placement was known by its counts only, and the child's own room
    check proves the same counts (so the untouched failed set's impact carries over)."""
    result = np.zeros(len(keys), dtype=bool)
    chosen = [i for i in np.flatnonzero(candidates).tolist() if summary.unlisted[parent_ids[i]]]
    if not chosen:
        return result
    if change is not None and not change.lost_capacity:
        # No node lost room: the check holds again with at least the room it had; and where
        # no new node joins a zone the set failed entirely, the pods it leaves lost are the same.
        covers = _covers_a_zone(summary, parent_index, parent_ids[chosen]) if change.new_nodes else \
            np.zeros(len(chosen), dtype=bool)
        result[np.array(chosen)[~covers]] = True
        chosen = [i for i, cover in zip(chosen, covers.tolist(), strict=True) if cover]
        if not chosen:
            return result
    failed_sets = [keys[i][0] for i in chosen]
    lengths = [len(failed.nodes) for failed in failed_sets]
    failed_ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    failed = np.fromiter((child.node_position[n] for f in failed_sets for n in f.nodes), dtype=np.int64,
                         count=int(failed_ptr[-1]))
    workloads = len(child.workload_names)
    excluded = np.sort(np.fromiter((k * workloads + child.workload_position[w] for k, f in enumerate(failed_sets)
                                    for w in f.workloads), dtype=np.int64))
    nodes, classes = room_of(child)
    proven, moved_code, moved = proven_moves(child, nodes, classes, failed_ptr, failed, excluded)
    theirs = [parent_impacts[parent_ids[i]].placement for i in chosen]
    their_code = np.concatenate([[0], *(k * workloads + p.rescheduled_workloads for k, p in enumerate(theirs))])
    their_moved = np.concatenate([[0], *(p.rescheduled_counts for p in theirs)])
    codes, difference = np.unique(np.concatenate([moved_code, their_code[1:]]), return_inverse=True)
    net = np.bincount(difference, np.concatenate([moved, -their_moved[1:]]), minlength=len(codes))
    differs = np.zeros(len(chosen), dtype=bool)
    differs[codes[net != 0] // workloads] = True
    result[chosen] = proven & ~differs
    return result


def _covers_a_zone(summary: ParentSummary, index: TopologyIndex, parent_rows: np.ndarray) -> np.ndarray:
    """Per parent structure: it fails every schedulable node of some zone (of the parent)."""
    zones = len(index.zone_names)
    owner, position = expand(summary.node_ptr, parent_rows)
    node = summary.node[position]
    schedulable = index.node_schedulable[node]
    failed = np.bincount(owner[schedulable] * zones + index.node_zone[node[schedulable]],
                         minlength=len(parent_rows) * zones).reshape(len(parent_rows), zones)
    totals = np.bincount(index.node_zone[index.node_schedulable], minlength=zones)
    return ((failed == totals[None, :]) & (totals[None, :] > 0)).any(axis=1)
