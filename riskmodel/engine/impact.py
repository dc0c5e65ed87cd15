"""Blast radius of one failed set: which workloads and services break, what reschedules.

An incident has two phases. Phase A runs from the failure until lost pods are rescheduled
(detect + eviction timeout + start-up); phase B from then until repair (detect + repair).
Within a phase, a workload is *unavailable* while surviving replicas < required replicas
and *degraded* while surviving < replicas; a service is down while a backing workload is
unavailable or a hard dependency (transitively) is down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from riskmodel.engine.csr import expand
from riskmodel.engine.phases import PhaseBatch, PhaseState, phase_batch
from riskmodel.engine.placement import Placement, place_lost_pods
from riskmodel.engine.room import proven_moves, room_of
from riskmodel.engine.topology import TopologyIndex
from riskmodel.model.scenario import Settings


@dataclass(frozen=True)
class FailedSet:
    """What fails together. ``degraded``: the hit pods lose ``impact_fraction`` of their
    capacity instead of failing (noisy neighbour, pressure evictions)."""

    nodes: frozenset[str] = frozenset()
    workloads: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    degraded: bool = False
    impact_fraction: float = 1.0


@dataclass(frozen=True, eq=False)
class StructuralImpact:
    """Timing-free impact: phase A state, phase B state (None when nothing can reschedule)."""

    failed_set: FailedSet
    before: PhaseState
    after: PhaseState | None
    placement: Placement = field(repr=False, default=None)  # type: ignore[assignment]


def _entries(index: TopologyIndex, lost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense (sets × workloads) lost replicas as sorted (set · workloads + workload, lost) entries."""
    sets, workloads = np.nonzero(lost)
    return sets * len(index.workload_names) + workloads, lost[sets, workloads]


def phase_states(index: TopologyIndex, lost: np.ndarray, direct_down: np.ndarray,
                 degraded_only: np.ndarray) -> list[PhaseState]:
    """Status of workloads and services for many failed sets at once.

    ``lost`` is (sets × workloads) lost replicas (may be fractional), ``direct_down`` is
    (sets × services), ``degraded_only`` marks sets whose pods lose capacity but not
    availability (see :mod:`riskmodel.engine.phases` for the rules).
    """
    code, values = _entries(index, lost)
    batch = phase_batch(index, len(lost), code, values, direct_down, degraded_only)
    return [batch.state(k) for k in range(len(lost))]


def phase_state(index: TopologyIndex, lost: np.ndarray, direct_down: np.ndarray, degraded_only: bool) -> PhaseState:
    """Status of workloads and services given lost replicas per workload (may be fractional)."""
    return phase_states(index, lost[None, :], direct_down[None, :], np.array([degraded_only]))[0]


@dataclass(frozen=True, eq=False)
class FailedPositions:
    """Failed sets in flat form: CSR of node, workload and service positions per set."""

    node_ptr: np.ndarray
    node: np.ndarray
    workload_ptr: np.ndarray
    workload: np.ndarray
    service_ptr: np.ndarray
    service: np.ndarray


def failed_positions(index: TopologyIndex, failed_sets: Sequence[FailedSet]) -> FailedPositions:
    """The positions in ``index`` of each set's failed nodes, workloads and services (sorted)."""
    def csr(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
        values = np.fromiter((v for r in rows for v in r), dtype=np.int64, count=int(lengths.sum()))
        return np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64), values

    nodes = csr([sorted(index.node_position[n] for n in f.nodes) for f in failed_sets])
    workloads = csr([sorted(index.workload_position[w] for w in f.workloads) for f in failed_sets])
    services = csr([sorted(index.service_position[v] for v in f.services) for f in failed_sets])
    return FailedPositions(*nodes, *workloads, *services)


def _lost(index: TopologyIndex, flat: FailedPositions, fraction: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lost replicas of every set as sorted entries, and the sorted codes of failed workloads."""
    workloads = len(index.workload_names)
    sets = len(flat.node_ptr) - 1
    rows, _ = room_of(index)
    owner, position = expand(flat.node_ptr, np.arange(sets))
    entry, where = expand(rows.ptr, flat.node[position])
    owner_of_workload, wpos = expand(flat.workload_ptr, np.arange(sets))
    failed_codes = np.unique(owner_of_workload * workloads + flat.workload[wpos])
    codes = np.concatenate([owner[entry] * workloads + rows.workload[where], failed_codes])
    distinct, inverse = np.unique(codes, return_inverse=True)
    lost = np.bincount(inverse, np.concatenate([rows.pods[where], np.zeros(len(failed_codes))]),
                       minlength=len(distinct)).astype(float)
    lost[np.searchsorted(distinct, failed_codes)] = index.replicas[failed_codes % workloads]
    lost *= fraction[distinct // workloads]
    return distinct, lost, failed_codes


def structural_impacts(index: TopologyIndex, requests: Sequence[tuple[FailedSet, bool]],
                       list_moves: bool = True) -> list[StructuralImpact]:
    """Impacts of many failed sets (each with: may its pods reschedule?), phases batched.

    ``list_moves=False`` (what a risk model needs) skips first fit wherever the room check of
    :func:`riskmodel.engine.room.proven_moves` proves what it returns: the placement then
    gives the rescheduled pods per workload (exactly first fit's) without listing the moves.
    Pods reschedule only while the scheduler and the API server survive the failed set.
    """
    if not requests:
        return []
    failed_sets = [failed for failed, _ in requests]
    flat = failed_positions(index, failed_sets)
    sets, workloads = len(requests), len(index.workload_names)
    degraded = np.array([f.degraded for f in failed_sets], dtype=bool)
    fraction = np.array([f.impact_fraction if f.degraded else 1.0 for f in failed_sets])
    code, lost, failed_codes = _lost(index, flat, fraction)
    direct_down = np.zeros((sets, len(index.service_names)), dtype=bool)
    owner, position = expand(flat.service_ptr, np.arange(sets))
    direct_down[owner, flat.service[position]] = True
    before = phase_batch(index, sets, code, lost, direct_down, degraded)
    moving = _moving(index, flat, failed_codes, requests, degraded)
    moving = moving[~_scheduling_lost(index, before)[moving]]
    placements: list[Placement | None] = [None] * sets
    proven = _proven(index, flat, failed_codes, moving) if not list_moves else {}
    for k in moving.tolist():
        placements[k] = proven.get(k) or place_lost_pods(index, _movable_pods(index, flat, failed_codes, k),
                                                         _failed_mask(index, flat, k))
    after_states: dict[int, PhaseState] = {}
    if len(moving):
        after = _after(index, code, lost, moving, placements, direct_down, degraded)
        after_states = {k: after.state(j) for j, k in enumerate(moving.tolist())}
    none = Placement(np.zeros(workloads, dtype=np.int64))
    return [StructuralImpact(failed, before.state(k), after_states.get(k), placements[k] or none)
            for k, failed in enumerate(failed_sets)]


def _scheduling_lost(index: TopologyIndex, batch: PhaseBatch) -> np.ndarray:
    """Per set: the scheduler or the API server is unavailable in it (nothing reschedules)."""
    sets = len(batch.lost_ptr) - 1
    owner = np.repeat(np.arange(sets), np.diff(batch.lost_ptr))
    hit = batch.unavailable & index.scheduling_workloads[batch.lost_workload]
    return np.bincount(owner[hit], minlength=sets) > 0


def _moving(index: TopologyIndex, flat: FailedPositions, failed_codes: np.ndarray, requests: Sequence[tuple[FailedSet, bool]],
            degraded: np.ndarray) -> np.ndarray:
    """Sets that may reschedule and have pods on their failed nodes outside failed workloads."""
    workloads, sets = len(index.workload_names), len(requests)
    rows, _ = room_of(index)
    owner, position = expand(flat.node_ptr, np.arange(sets))
    entry, where = expand(rows.ptr, flat.node[position])
    code = owner[entry] * workloads + rows.workload[where]
    outside = ~np.isin(code, failed_codes) if len(failed_codes) else np.ones(len(code), dtype=bool)
    has_pods = np.bincount(owner[entry][outside], minlength=sets) > 0
    may = np.array([reschedule for _, reschedule in requests], dtype=bool) & ~degraded
    return np.flatnonzero(may & has_pods)


def _movable_pods(index: TopologyIndex, flat: FailedPositions, failed_codes: np.ndarray, k: int) -> np.ndarray:
    """Pods on set k's failed nodes outside its failed workloads, sorted (first fit's input)."""
    nodes = flat.node[flat.node_ptr[k]:flat.node_ptr[k + 1]]
    pods = np.concatenate([index.pods_on_node[n] for n in nodes.tolist()]) if len(nodes) else \
        np.zeros(0, dtype=np.int64)
    workloads = len(index.workload_names)
    excluded = failed_codes[failed_codes // workloads == k] % workloads
    return np.sort(pods[~np.isin(index.pod_workload[pods], excluded)])


def _failed_mask(index: TopologyIndex, flat: FailedPositions, k: int) -> np.ndarray:
    mask = np.zeros(len(index.node_names), dtype=bool)
    mask[flat.node[flat.node_ptr[k]:flat.node_ptr[k + 1]]] = True
    return mask


def _proven(index: TopologyIndex, flat: FailedPositions, failed_codes: np.ndarray, moving: np.ndarray) -> dict[int, Placement]:
    """Placements of the ``moving`` sets that the room check proves (moves not listed)."""
    if not len(moving):
        return {}
    nodes, classes = room_of(index)
    lengths = flat.node_ptr[moving + 1] - flat.node_ptr[moving]
    failed_ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    _, position = expand(flat.node_ptr, moving)
    workloads = len(index.workload_names)
    local = np.full(len(flat.node_ptr) - 1, -1)
    local[moving] = np.arange(len(moving))
    mine = local[failed_codes // workloads]
    excluded = np.sort(mine[mine >= 0] * workloads + failed_codes[mine >= 0] % workloads)
    ok, moved_code, moved = proven_moves(index, nodes, classes, failed_ptr, flat.node[position], excluded)
    bounds = np.searchsorted(moved_code, np.arange(len(moving) + 1) * workloads).tolist()
    return {k: Placement.counted(moved_code[bounds[j]:bounds[j + 1]] % workloads, moved[bounds[j]:bounds[j + 1]],
                                 workloads) for j, k in enumerate(moving.tolist()) if ok[j]}


def _after(index: TopologyIndex, code: np.ndarray, lost: np.ndarray, moving: np.ndarray,
           placements: list[Placement | None], direct_down: np.ndarray, degraded: np.ndarray) -> PhaseBatch:
    """Phase B of the moving sets: their lost replicas less what rescheduled."""
    workloads = len(index.workload_names)
    local = np.full(len(direct_down), -1)
    local[moving] = np.arange(len(moving))
    owner = local[code // workloads]
    mine = owner >= 0
    after_code = owner[mine] * workloads + code[mine] % workloads
    chosen = [placements[k] for k in moving.tolist()]
    moved_code = np.concatenate([[0], *(j * workloads + p.rescheduled_workloads  # type: ignore[union-attr]
                                        for j, p in enumerate(chosen))]).astype(np.int64)[1:]
    moved = np.concatenate([[0], *(p.rescheduled_counts for p in chosen)])[1:]  # type: ignore[union-attr]
    at = np.minimum(np.searchsorted(moved_code, after_code), max(len(moved_code) - 1, 0))
    rescheduled = np.where(moved_code[at] == after_code, moved[at], 0) if len(moved_code) else 0
    after_lost = lost[mine] - rescheduled
    return phase_batch(index, len(moving), after_code, after_lost, direct_down[moving], degraded[moving])


def structural_impact(index: TopologyIndex, failed: FailedSet, reschedule: bool = True) -> StructuralImpact:
    """Impact of ``failed`` before and after rescheduling, independent of timing."""
    return structural_impacts(index, [(failed, reschedule)])[0]


def reschedule_after_minutes(detect_minutes: float, settings: Settings, *, drain: bool) -> float:
    """Minutes from failure until lost pods run elsewhere.

    Kubernetes evicts after the node has been NotReady for the eviction timeout; a remedy
    controller (``drain``) evicts as soon as the problem is detected.
    """
    eviction = 0.0 if drain else settings.eviction_timeout_seconds / 60.0
    return detect_minutes + eviction + settings.startup_minutes


def phase_minutes(detect_minutes: float, repair_minutes: float, reschedule_at: float | None) -> tuple[float, float]:
    """Duration of phase A (before rescheduling) and phase B (after it, until repair)."""
    end = detect_minutes + repair_minutes
    if reschedule_at is None or reschedule_at >= end:
        return end, 0.0
    return reschedule_at, end - reschedule_at
