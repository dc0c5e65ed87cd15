"""Blast radius of one failed set: which workloads and services break, what reschedules.

An incident has two phases. Phase A runs from the failure until lost pods are rescheduled
(detect + eviction timeout + start-up); phase B from then until repair (detect + repair).
Within a phase, a workload is *unavailable* while surviving replicas < required replicas
and *degraded* while surviving < replicas; a service is down while a backing workload is
unavailable or a hard dependency (transitively) is down.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

import numpy as np

from riskmodel.engine.csr import expand
from riskmodel.engine.phases import service_links
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


class Placement:
    """Where lost pods went: ``moves`` as (pod position, node position); the rest stayed lost.

    A placement carried over into a topology variant whose pods or nodes are numbered
    differently is renumbered on first access (:meth:`renumbered`): most are never read.
    """

    __slots__ = ("rescheduled_per_workload", "listed", "_moves", "_unschedulable", "_renumber")

    def __init__(self, rescheduled_per_workload: np.ndarray, moves: tuple[tuple[int, int], ...] = (),
                 unschedulable: tuple[int, ...] = (), listed: bool = True) -> None:
        self.rescheduled_per_workload = rescheduled_per_workload
        self.listed = listed
        """Every lost pod that may move is in ``moves`` or ``unschedulable``; False when only
        the counts are known (proven by the room check, see :func:`structural_impacts`)."""
        self._moves, self._unschedulable = moves, unschedulable
        self._renumber: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def renumbered(cls, placement: Placement, pod_shift: np.ndarray, node_map: np.ndarray) -> Placement:
        """``placement`` with pod position p read as ``pod_shift[p]`` and node n as ``node_map[n]``."""
        if not (placement.moves or placement.unschedulable):
            return placement
        result = cls(placement.rescheduled_per_workload, placement.moves, placement.unschedulable)
        result._renumber = (pod_shift, node_map)
        return result

    def _resolve(self) -> None:
        if self._renumber is not None:
            pod_shift, node_map = self._renumber
            self._moves = tuple((int(pod_shift[pod]), int(node_map[target])) for pod, target in self._moves)
            self._unschedulable = tuple(int(pod_shift[pod]) for pod in self._unschedulable)
            self._renumber = None

    @property
    def moves(self) -> tuple[tuple[int, int], ...]:
        self._resolve()
        return self._moves

    @property
    def unschedulable(self) -> tuple[int, ...]:
        self._resolve()
        return self._unschedulable


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
    links = service_links(index)
    replicas = index.replicas.astype(float)
    unavailable = (replicas[None, :] - lost < index.required_replicas[None, :] - 1e-9) & ~degraded_only[:, None]
    degraded = (lost > 1e-12) & ~unavailable
    directly_down = direct_down.copy()
    sets, workloads = np.nonzero(unavailable)
    hit, position = expand(links.backs_ptr, workloads)
    directly_down[sets[hit], links.backs[position]] = True
    down = np.zeros_like(directly_down)
    rows = np.flatnonzero(directly_down.any(axis=1))
    if rows.size:
        down[rows] = directly_down[rows].astype(np.float32) @ links.down_with > 0
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
        self._lists: dict[tuple[float, float, int], np.ndarray] = {}

    def nodes(self, cpu: float, memory: float, zone: int) -> np.ndarray:
        key = (cpu, memory, zone)
        if key not in self._lists:
            index = self.index
            fits = (np.array(self.cpu) >= cpu) & (np.array(self.memory) >= memory) & (np.array(self.slots) > 0)
            if zone >= 0:
                fits &= index.node_zone == zone
            self._lists[key] = np.flatnonzero(fits)
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
    room: dict[int, list[float]] = {}
    moves: list[tuple[int, int]] = []
    unschedulable: list[int] = []
    order = ordered.tolist()
    for start, stop in zip(starts, [*starts[1:], len(order)], strict=True):
        run = order[start:stop]
        pod_cpu, pod_memory, zone = float(keys[0, start]), float(keys[1, start]), int(keys[2, start])
        placed = 0
        nodes = fit.nodes(pod_cpu, pod_memory, zone)
        for node in nodes[~failed_nodes[nodes]].tolist():
            free = room.get(node)
            if free is None:
                free = room[node] = [fit.cpu[node], fit.memory[node], fit.slots[node]]
            taken = min(_fit(free[0], free[1], free[2], pod_cpu, pod_memory), len(run) - placed)
            if taken <= 0:
                continue
            free[0] -= taken * pod_cpu
            free[1] -= taken * pod_memory
            free[2] -= taken
            moves.extend(zip(run[placed:placed + taken], itertools.repeat(node, taken), strict=True))
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


def structural_impacts(index: TopologyIndex, requests: Sequence[tuple[FailedSet, bool]],
                       list_moves: bool = True) -> list[StructuralImpact]:
    """Impacts of many failed sets (each with: may its pods reschedule?), phases batched.

    ``list_moves=False`` (what a risk model needs) skips first fit wherever the room check of
    :func:`riskmodel.engine.room.proven_moves` proves what it returns: the placement then
    gives the rescheduled pods per workload (exactly first fit's) without listing the moves.
    """
    if not requests:
        return []
    parts = [_lost_and_down(index, failed) for failed, _ in requests]
    degraded = np.array([failed.degraded for failed, _ in requests])
    lost = np.stack([part[0] for part in parts])
    direct_down = np.stack([part[1] for part in parts])
    before = phase_states(index, lost, direct_down, degraded)
    none = Placement(np.zeros(len(index.workload_names), dtype=np.int64))
    moving = [k for k, ((failed, reschedule), part) in enumerate(zip(requests, parts, strict=True))
              if reschedule and not failed.degraded and part[3].size]
    placements: list[Placement | None] = [None] * len(requests)
    proven = _proven(index, [requests[k][0] for k in moving], parts, moving) if not list_moves else {}
    for k in moving:
        placements[k] = proven.get(k) or place_lost_pods(index, parts[k][3], parts[k][2])
    after: dict[int, PhaseState] = {}
    if moving:
        after_lost = np.array([lost[k] - placements[k].rescheduled_per_workload for k in moving])  # type: ignore[union-attr]
        after = dict(zip(moving, phase_states(index, after_lost, direct_down[moving], degraded[moving]), strict=True))
    return [StructuralImpact(failed, before[k], after.get(k), placements[k] or none)
            for k, (failed, _) in enumerate(requests)]


def _proven(index: TopologyIndex, failed_sets: list[FailedSet], parts: list, moving: list[int]) -> dict[int, Placement]:
    """Placements of the ``moving`` requests that the room check proves (moves not listed)."""
    if not moving:
        return {}
    nodes, classes = room_of(index)
    lengths = [len(failed.nodes) for failed in failed_sets]
    failed_ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    failed = np.fromiter((index.node_position[n] for f in failed_sets for n in f.nodes), dtype=np.int64,
                         count=int(failed_ptr[-1]))
    workloads = len(index.workload_names)
    excluded = np.sort(np.fromiter((k * workloads + index.workload_position[w] for k, f in enumerate(failed_sets)
                                    for w in f.workloads), dtype=np.int64))
    ok, moved = proven_moves(index, nodes, classes, failed_ptr, failed, excluded)
    return {k: Placement(moved[j], listed=False) for j, k in enumerate(moving) if ok[j]}


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
