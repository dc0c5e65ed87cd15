"""Blast radius of one failed set: which workloads and services break, what reschedules.

An incident has two phases. Phase A runs from the failure until lost pods are rescheduled
(detect + eviction timeout + start-up); phase B from then until repair (detect + repair).
Within a phase, a workload is *unavailable* while surviving replicas < required replicas
and *degraded* while surviving < replicas; a service is down while a backing workload is
unavailable or a hard dependency (transitively) is down.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

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


class _FitCandidates:
    """Per pod size and zone, the nodes that could take such a pod before anything fails: the
    only nodes first fit may pick for it (free capacity only shrinks while pods are placed)."""

    def __init__(self, index: TopologyIndex) -> None:
        self.index = index
        usable = index.node_schedulable
        self.cpu = np.where(usable, index.free_cpu_millicores, -1.0).tolist()
        self.memory = np.where(usable, index.free_memory_bytes, -1.0).tolist()
        self.slots = np.where(usable, index.free_pod_slots, 0).tolist()
        self._lists: dict[tuple[float, float, int], list[int]] = {}

    def nodes(self, cpu: float, memory: float, zone: int) -> list[int]:
        key = (cpu, memory, zone)
        if key not in self._lists:
            index = self.index
            fits = (np.array(self.cpu) >= cpu) & (np.array(self.memory) >= memory) & (np.array(self.slots) > 0)
            if zone >= 0:
                fits &= index.node_zone == zone
            self._lists[key] = np.flatnonzero(fits).tolist()
        return self._lists[key]


_CANDIDATES: WeakKeyDictionary[TopologyIndex, _FitCandidates] = WeakKeyDictionary()


def _candidates(index: TopologyIndex) -> _FitCandidates:
    found = _CANDIDATES.get(index)
    if found is None:
        found = _CANDIDATES[index] = _FitCandidates(index)
    return found


def _fit(cpu: float, memory: float, slots: float, pod_cpu: float, pod_memory: float) -> int:
    """How many more pods of (``pod_cpu``, ``pod_memory``) a node with this free room takes."""
    if cpu < pod_cpu or memory < pod_memory:
        return 0
    count = slots
    if pod_cpu > 0:
        count = min(count, math.floor(cpu / pod_cpu))
    if pod_memory > 0:
        count = min(count, math.floor(memory / pod_memory))
    return max(int(count), 0)


def place_lost_pods(index: TopologyIndex, lost_pods: np.ndarray, failed_nodes: np.ndarray) -> Placement:
    """First-fit decreasing (by cpu, then memory request) of lost pods onto surviving nodes.

    A node takes a pod when its free cpu, memory and pod slots suffice, it is schedulable
    and, for a pod with a zonal volume, it is in the pod's zone. Runs of identical pods
    (same requests and zone) are placed together: first fit of k identical pods fills the
    earliest nodes to capacity in order, which is what placing them one by one does. Each run
    walks only the nodes that could ever take its pods (:class:`_FitCandidates`), in node
    order, skipping failed ones and reading the room left on nodes that already took pods.
    """
    rescheduled = np.zeros(len(index.workload_names), dtype=np.int64)
    candidates = lost_pods[index.pod_reschedulable[lost_pods]]
    if candidates.size == 0:
        return Placement(rescheduled)
    ordered = candidates[np.lexsort((-index.pod_memory_bytes[candidates], -index.pod_cpu_millicores[candidates]))]
    keys = np.stack([index.pod_cpu_millicores[ordered], index.pod_memory_bytes[ordered],
                     index.pod_zone_bound[ordered].astype(float)])
    starts = np.flatnonzero(np.r_[True, (keys[:, 1:] != keys[:, :-1]).any(axis=0)]).tolist()
    fit = _candidates(index)
    failed = set(np.flatnonzero(failed_nodes).tolist())
    room: dict[int, list[float]] = {}
    moves: list[tuple[int, int]] = []
    unschedulable: list[int] = []
    order = ordered.tolist()
    for start, stop in zip(starts, [*starts[1:], len(order)], strict=True):
        run = order[start:stop]
        pod_cpu, pod_memory, zone = float(keys[0, start]), float(keys[1, start]), int(keys[2, start])
        placed = 0
        for node in fit.nodes(pod_cpu, pod_memory, zone):
            if node in failed:
                continue
            free = room.get(node)
            if free is None:
                free = room[node] = [fit.cpu[node], fit.memory[node], fit.slots[node]]
            taken = min(_fit(free[0], free[1], free[2], pod_cpu, pod_memory), len(run) - placed)
            if taken <= 0:
                continue
            free[0] -= taken * pod_cpu
            free[1] -= taken * pod_memory
            free[2] -= taken
            moves.extend((pod, node) for pod in run[placed:placed + taken])
            placed += taken
            if placed == len(run):
                break
        unschedulable.extend(run[placed:])
    placed_pods = np.fromiter((pod for pod, _ in moves), dtype=np.int64, count=len(moves))
    np.add.at(rescheduled, index.pod_workload[placed_pods], 1)
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
