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
class PhaseState:
    """Workload and service status during one phase of an incident."""

    lost_pods: np.ndarray
    unavailable_workloads: np.ndarray
    degraded_workloads: np.ndarray
    down_services: np.ndarray
    degraded_services: np.ndarray
    degraded_service_fraction: np.ndarray

    def service_cost_per_minute(self, index: TopologyIndex) -> np.ndarray:
        """Dollars per minute per service: full cost while down, the degraded cost scaled by the
        share of replicas lost while degraded (the same weighting as bad minutes)."""
        down = index.cost_per_hour * self.down_services
        degraded = index.degraded_cost_per_hour * self.degraded_service_fraction
        return (down + degraded) / 60.0

    def cost_per_minute(self, index: TopologyIndex) -> float:
        """Dollars per minute while this phase lasts, all services together."""
        return float(self.service_cost_per_minute(index).sum())

    def bad_minutes_per_minute(self) -> np.ndarray:
        """Per service: 1 while down, the lost replica share while degraded."""
        return self.down_services + self.degraded_services * self.degraded_service_fraction


@dataclass(frozen=True, eq=False)
class Placement:
    """Where lost pods went: ``moves`` as (pod position, node position); the rest stayed lost."""

    rescheduled_per_workload: np.ndarray
    moves: tuple[tuple[int, int], ...] = ()
    unschedulable: tuple[int, ...] = ()


@dataclass(frozen=True, eq=False)
class StructuralImpact:
    """Timing-free impact: phase A state, phase B state (None when nothing can reschedule)."""

    failed_set: FailedSet
    before: PhaseState
    after: PhaseState | None
    placement: Placement = field(repr=False, default=None)  # type: ignore[assignment]


def phase_arrays(index: TopologyIndex, lost: np.ndarray, direct_down: np.ndarray,
                 degraded_only: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Status of workloads and services for many failed sets at once, as matrices.

    ``lost`` is (sets × workloads) lost replicas (may be fractional), ``direct_down`` is
    (sets × services), ``degraded_only`` marks sets whose pods lose capacity but not
    availability. Returns (unavailable workloads, degraded workloads, down services,
    degraded services, degraded-service fraction), one row per set. Matrix products replace
    per-set loops, which is what makes building a large cluster's risk model take a fraction
    of a second.
    """
    replicas = index.replicas.astype(float)
    unavailable = (replicas[None, :] - lost < index.required_replicas[None, :] - 1e-9) & ~degraded_only[:, None]
    degraded = (lost > 1e-12) & ~unavailable
    directly_down = direct_down.copy()
    rows = np.flatnonzero(unavailable.any(axis=1))
    if rows.size:
        directly_down[rows] |= unavailable[rows].astype(float) @ index.service_own_workloads.T.astype(float) > 0
    down = np.zeros_like(directly_down)
    rows = np.flatnonzero(directly_down.any(axis=1))
    if rows.size:
        down[rows] = directly_down[rows].astype(float) @ index.service_closure.T.astype(float) > 0
    lost_share = np.where(degraded, lost / np.maximum(replicas, 1)[None, :], 0.0)
    fraction = np.zeros(down.shape)
    columns, starts, backed = index.service_workload_columns
    if columns.size:
        fraction[:, backed] = np.maximum.reduceat(lost_share[:, columns], starts, axis=1)
    degraded_services = (fraction > 0) & ~down
    fraction = np.where(degraded_services, fraction, 0.0)
    return unavailable, degraded, down, degraded_services, fraction


def phase_states(index: TopologyIndex, lost: np.ndarray, direct_down: np.ndarray,
                 degraded_only: np.ndarray) -> list[PhaseState]:
    """Status of workloads and services for many failed sets at once (see :func:`phase_arrays`)."""
    unavailable, degraded, down, degraded_services, fraction = phase_arrays(index, lost, direct_down, degraded_only)
    return [PhaseState(lost[k], unavailable[k], degraded[k], down[k], degraded_services[k], fraction[k])
            for k in range(lost.shape[0])]


def phase_state(index: TopologyIndex, lost: np.ndarray, direct_down: np.ndarray, degraded_only: bool) -> PhaseState:
    """Status of workloads and services given lost replicas per workload (may be fractional)."""
    return phase_states(index, lost[None, :], direct_down[None, :], np.array([degraded_only]))[0]


def _fit_counts(index: TopologyIndex, pod: int, free_cpu: np.ndarray, free_memory: np.ndarray,
                free_slots: np.ndarray, single: bool) -> np.ndarray:
    """How many more pods like ``pod`` each node can take (0 where it may not run); for a
    ``single`` pod only the first node that fits counts (cheaper than counting capacity)."""
    cpu, memory, zone = index.pod_cpu_millicores[pod], index.pod_memory_bytes[pod], index.pod_zone_bound[pod]
    if single:
        fits = (free_cpu >= cpu) & (free_memory >= memory) & (free_slots > 0)
        if zone >= 0:
            fits &= index.node_zone == zone
        first = int(np.argmax(fits))
        counts = np.zeros(len(fits), dtype=np.int64)
        counts[first] = 1 if fits[first] else 0
        return counts
    counts = free_slots.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if cpu > 0:
            counts = np.minimum(counts, np.floor(free_cpu / cpu))
        if memory > 0:
            counts = np.minimum(counts, np.floor(free_memory / memory))
    counts = np.where((free_cpu >= cpu) & (free_memory >= memory), np.maximum(counts, 0), 0)
    if zone >= 0:
        counts = np.where(index.node_zone == zone, counts, 0)
    return counts.astype(np.int64)


def place_lost_pods(index: TopologyIndex, lost_pods: np.ndarray, failed_nodes: np.ndarray) -> Placement:
    """First-fit decreasing (by cpu, then memory request) of lost pods onto surviving nodes.

    A node takes a pod when its free cpu, memory and pod slots suffice, it is schedulable
    and, for a pod with a zonal volume, it is in the pod's zone. Runs of identical pods
    (same requests and zone) are placed together: first fit of k identical pods fills the
    earliest nodes to capacity in order, which is what placing them one by one does.
    """
    rescheduled = np.zeros(len(index.workload_names), dtype=np.int64)
    candidates = lost_pods[index.pod_reschedulable[lost_pods]]
    if candidates.size == 0:
        return Placement(rescheduled)
    ordered = candidates[np.lexsort((-index.pod_memory_bytes[candidates], -index.pod_cpu_millicores[candidates]))]
    usable = index.node_schedulable & ~failed_nodes
    free_cpu = np.where(usable, index.free_cpu_millicores, -1.0)
    free_memory = np.where(usable, index.free_memory_bytes, -1.0)
    free_slots = np.where(usable, index.free_pod_slots, 0)
    keys = np.stack([index.pod_cpu_millicores[ordered], index.pod_memory_bytes[ordered],
                     index.pod_zone_bound[ordered].astype(float)])
    starts = np.flatnonzero(np.r_[True, (keys[:, 1:] != keys[:, :-1]).any(axis=0)])
    moves: list[tuple[int, int]] = []
    unschedulable: list[int] = []
    for start, stop in zip(starts, [*starts[1:], len(ordered)], strict=True):
        run = ordered[start:stop]
        counts = _fit_counts(index, int(run[0]), free_cpu, free_memory, free_slots, single=len(run) == 1)
        taken = np.minimum(counts, np.maximum(0, len(run) - (np.cumsum(counts) - counts)))
        targets = np.repeat(np.arange(len(taken)), taken)
        free_cpu -= taken * index.pod_cpu_millicores[run[0]]
        free_memory -= taken * index.pod_memory_bytes[run[0]]
        free_slots -= taken
        placed = run[: len(targets)]
        np.add.at(rescheduled, index.pod_workload[placed], 1)
        moves.extend(zip(placed.tolist(), targets.tolist(), strict=True))
        unschedulable.extend(run[len(targets):].tolist())
    return Placement(rescheduled, tuple(moves), tuple(unschedulable))


def _lost_and_down(index: TopologyIndex, failed: FailedSet) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lost replicas per workload, directly-down services, failed-node mask, movable lost pods."""
    nodes = [index.node_position[name] for name in failed.nodes]
    failed_workloads = [index.workload_position[name] for name in failed.workloads]
    lost = index.node_workload_pods[nodes].sum(axis=0).astype(float) if nodes else np.zeros(len(index.replicas))
    lost[failed_workloads] = index.replicas[failed_workloads]
    if failed.degraded:
        lost *= failed.impact_fraction
    direct_down = np.zeros(len(index.service_names), dtype=bool)
    direct_down[[index.service_position[name] for name in failed.services]] = True
    failed_nodes = np.zeros(len(index.node_names), dtype=bool)
    failed_nodes[nodes] = True
    movable = np.concatenate([index.pods_on_node[n] for n in nodes]) if nodes else np.zeros(0, dtype=np.int64)
    if failed_workloads and movable.size:
        movable = movable[~np.isin(index.pod_workload[movable], failed_workloads)]
    return lost, direct_down, failed_nodes, np.sort(movable)


def structural_impacts(index: TopologyIndex, requests: Sequence[tuple[FailedSet, bool]]) -> list[StructuralImpact]:
    """Impacts of many failed sets (each with: may its pods reschedule?), phases batched."""
    if not requests:
        return []
    parts = [_lost_and_down(index, failed) for failed, _ in requests]
    degraded = np.array([failed.degraded for failed, _ in requests])
    lost = np.stack([part[0] for part in parts])
    direct_down = np.stack([part[1] for part in parts])
    before = phase_states(index, lost, direct_down, degraded)
    none = Placement(np.zeros(len(index.workload_names), dtype=np.int64))
    placements = [place_lost_pods(index, movable, failed_nodes)
                  if reschedule and not failed.degraded and movable.size else None
                  for (failed, reschedule), (_, _, failed_nodes, movable) in zip(requests, parts, strict=True)]
    placed = [(k, placement) for k, placement in enumerate(placements) if placement is not None]
    moved = [k for k, _ in placed]
    after: dict[int, PhaseState] = {}
    if placed:
        after_lost = np.array([lost[k] - placement.rescheduled_per_workload for k, placement in placed])
        after = dict(zip(moved, phase_states(index, after_lost, direct_down[moved], degraded[moved]), strict=True))
    return [StructuralImpact(failed, before[k], after.get(k), placements[k] or none)
            for k, (failed, _) in enumerate(requests)]


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
