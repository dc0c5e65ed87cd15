"""Blast radius of one failed set: which workloads and services break, what reschedules.

An incident has two phases. Phase A runs from the failure until lost pods are rescheduled
(detect + eviction timeout + start-up); phase B from then until repair (detect + repair).
Within a phase, a workload is *unavailable* while surviving replicas < required replicas
and *degraded* while surviving < replicas; a service is down while a backing workload is
unavailable or a hard dependency (transitively) is down.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from riskmodel.scenario import Settings
from riskmodel.topology import TopologyIndex


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

    def cost_per_minute(self, index: TopologyIndex) -> float:
        """Dollars per minute while this phase lasts (full-outage and degraded cost)."""
        down = float(index.cost_per_hour @ self.down_services)
        degraded = float(index.degraded_cost_per_hour @ self.degraded_services)
        return (down + degraded) / 60.0

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


def phase_state(index: TopologyIndex, lost: np.ndarray, direct_down: np.ndarray, degraded_only: bool) -> PhaseState:
    """Status of workloads and services given lost replicas per workload (may be fractional)."""
    replicas = index.replicas.astype(float)
    surviving = replicas - lost
    if degraded_only:
        unavailable = np.zeros(len(replicas), dtype=bool)
    else:
        unavailable = surviving < index.required_replicas - 1e-9
    degraded = (lost > 1e-12) & ~unavailable
    own = index.service_own_workloads
    directly_down = (own & unavailable[None, :]).any(axis=1) | direct_down
    down = (index.service_closure & directly_down[None, :]).any(axis=1)
    lost_share = np.where(degraded, lost / np.maximum(replicas, 1), 0.0)
    fraction = (own * lost_share[None, :]).max(axis=1) if own.size else np.zeros(len(down))
    degraded_services = (fraction > 0) & ~down
    return PhaseState(lost, unavailable, degraded, down, degraded_services, np.where(degraded_services, fraction, 0.0))


def _failed_node_mask(index: TopologyIndex, failed: FailedSet) -> np.ndarray:
    mask = np.zeros(len(index.node_names), dtype=bool)
    mask[[index.node_position[name] for name in failed.nodes]] = True
    return mask


def _failed_workload_mask(index: TopologyIndex, failed: FailedSet) -> np.ndarray:
    mask = np.zeros(len(index.workload_names), dtype=bool)
    mask[[index.workload_position[name] for name in failed.workloads]] = True
    return mask


def place_lost_pods(index: TopologyIndex, lost_pods: np.ndarray, failed_nodes: np.ndarray) -> Placement:
    """First-fit decreasing (by cpu, then memory request) of lost pods onto surviving nodes.

    A node takes a pod when its free cpu, memory and pod slots suffice, it is schedulable
    and, for a pod with a zonal volume, it is in the pod's zone.
    """
    rescheduled = np.zeros(len(index.workload_names), dtype=np.int64)
    candidates = lost_pods[index.pod_reschedulable[lost_pods]]
    if candidates.size == 0:
        return Placement(rescheduled)
    order = np.lexsort((-index.pod_memory_bytes[candidates], -index.pod_cpu_millicores[candidates]))
    usable = index.node_schedulable & ~failed_nodes
    free_cpu = np.where(usable, index.free_cpu_millicores, -1.0)
    free_memory = np.where(usable, index.free_memory_bytes, -1.0)
    free_slots = np.where(usable, index.free_pod_slots, 0)
    moves, unschedulable = [], []
    for pod in candidates[order]:
        cpu, memory, zone = index.pod_cpu_millicores[pod], index.pod_memory_bytes[pod], index.pod_zone_bound[pod]
        fits = (free_cpu >= cpu) & (free_memory >= memory) & (free_slots > 0)
        if zone >= 0:
            fits &= index.node_zone == zone
        target = int(np.argmax(fits))
        if not fits[target]:
            unschedulable.append(int(pod))
            continue
        free_cpu[target] -= cpu
        free_memory[target] -= memory
        free_slots[target] -= 1
        rescheduled[index.pod_workload[pod]] += 1
        moves.append((int(pod), target))
    return Placement(rescheduled, tuple(moves), tuple(unschedulable))


def structural_impact(index: TopologyIndex, failed: FailedSet, reschedule: bool = True) -> StructuralImpact:
    """Impact of ``failed`` before and after rescheduling, independent of timing."""
    failed_nodes = _failed_node_mask(index, failed)
    failed_workloads = _failed_workload_mask(index, failed)
    direct_down = np.zeros(len(index.service_names), dtype=bool)
    direct_down[[index.service_position[name] for name in failed.services]] = True
    on_failed_nodes = failed_nodes[index.pod_node]
    pods_hit = np.flatnonzero(on_failed_nodes | failed_workloads[index.pod_workload])
    workloads_count = len(index.workload_names)
    lost = np.bincount(index.pod_workload[pods_hit], minlength=workloads_count).astype(float)
    if failed.degraded:
        state = phase_state(index, lost * failed.impact_fraction, direct_down, degraded_only=True)
        return StructuralImpact(failed, state, None, Placement(np.zeros(workloads_count, dtype=np.int64)))
    before = phase_state(index, lost, direct_down, degraded_only=False)
    movable = np.flatnonzero(on_failed_nodes & ~failed_workloads[index.pod_workload])
    if not reschedule or movable.size == 0:
        return StructuralImpact(failed, before, None, Placement(np.zeros(workloads_count, dtype=np.int64)))
    placement = place_lost_pods(index, movable, failed_nodes)
    after = phase_state(index, lost - placement.rescheduled_per_workload, direct_down, degraded_only=False)
    return StructuralImpact(failed, before, after, placement)


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
