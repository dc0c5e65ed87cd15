"""Where lost pods go: first-fit decreasing onto the surviving nodes, and its result.

:func:`place_lost_pods` is the rescheduling rule of the math contract (docs/formats.md);
:class:`Placement` is what it returns (or, for a risk model, the counts a room check proved).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from weakref import WeakKeyDictionary

import numpy as np

from riskmodel.engine.topology import TopologyIndex


class Placement:
    """Where lost pods went: ``moves`` as (pod position, node position); the rest stayed lost.

    The rescheduled pods per workload are kept as their non-zero entries (a failed node moves
    a few workloads' pods; a dense row per failed set is gigabytes on a 10,000-node cluster)
    and given dense on reading :attr:`rescheduled_per_workload`.
    A placement carried over into a topology variant whose pods or nodes are numbered
    differently is renumbered on first access (:meth:`renumbered`): most are never read.
    """

    __slots__ = ("rescheduled_workloads", "rescheduled_counts", "workloads", "listed", "_moves", "_unschedulable",
                 "_renumber")

    def __init__(self, rescheduled_per_workload: np.ndarray, moves: tuple[tuple[int, int], ...] = (),
                 unschedulable: tuple[int, ...] = (), listed: bool = True) -> None:
        entries = np.flatnonzero(rescheduled_per_workload)
        self._set(entries, rescheduled_per_workload[entries].astype(np.int64), len(rescheduled_per_workload), listed)
        self._moves, self._unschedulable = moves, unschedulable

    def _set(self, workloads: np.ndarray, counts: np.ndarray, size: int, listed: bool) -> None:
        self.rescheduled_workloads, self.rescheduled_counts, self.workloads = workloads, counts, size
        """Positions of the workloads that got pods back (ascending), how many each, of ``workloads``."""
        self.listed = listed
        """Every lost pod that may move is in ``moves`` or ``unschedulable``; False when only
        the counts are known (proven by the room check, see :func:`structural_impacts`)."""
        self._renumber: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def counted(cls, workloads: np.ndarray, counts: np.ndarray, size: int) -> Placement:
        """Counts only (ascending workload positions, pods each, of ``size`` workloads): moves not listed."""
        placement = cls.__new__(cls)
        placement._set(workloads, counts, size, listed=False)
        placement._moves, placement._unschedulable = (), ()
        return placement

    @property
    def rescheduled_per_workload(self) -> np.ndarray:
        """Pods that rescheduled, per workload position."""
        dense = np.zeros(self.workloads, dtype=np.int64)
        dense[self.rescheduled_workloads] = self.rescheduled_counts
        return dense

    @classmethod
    def renumbered(cls, placement: Placement, pod_shift: np.ndarray, node_map: np.ndarray) -> Placement:
        """``placement`` with pod position p read as ``pod_shift[p]`` and node n as ``node_map[n]``."""
        if not (placement.moves or placement.unschedulable):
            return placement
        result = cls.__new__(cls)
        result._set(placement.rescheduled_workloads, placement.rescheduled_counts, placement.workloads, placement.listed)
        result._moves, result._unschedulable = placement.moves, placement.unschedulable
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


class _FitCandidates:
    """Per pod size and zone, the nodes that could take such a pod before anything fails: the
    only nodes first fit may pick for it (free capacity only shrinks while pods are placed)."""

    def __init__(self, index: TopologyIndex) -> None:
        self.index = index
        usable = index.node_schedulable
        self._arrays = (np.where(usable, index.free_cpu_millicores, -1.0), np.where(usable, index.free_memory_bytes, -1.0),
                        np.where(usable, index.free_pod_slots, 0))
        self.cpu, self.memory, self.slots = (array.tolist() for array in self._arrays)
        self._lists: dict[tuple[float, float, int], np.ndarray] = {}

    def nodes(self, cpu: float, memory: float, zone: int) -> np.ndarray:
        key = (cpu, memory, zone)
        if key not in self._lists:
            index = self.index
            free_cpu, free_memory, free_slots = self._arrays
            fits = (free_cpu >= cpu) & (free_memory >= memory) & (free_slots > 0)
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

    A node takes a pod when its free cpu, memory, pod slots, ephemeral storage and extended
    resources (``nvidia.com/gpu``) suffice, it is schedulable (up now, no NoSchedule taint)
    and, for a pod with a zonal volume, it is in the pod's zone. Runs of identical pods
    (same requests and zone) are placed together: first fit of k identical pods fills the
    earliest nodes to capacity in order, which is what placing them one by one does. Each run
    walks only the nodes that could ever take its pods (:class:`_FitCandidates`), in node
    order, skipping failed ones and reading the room left on nodes that already took pods; a
    node left without room for a pod size is never visited again for that size (room only
    shrinks), so a placement of thousands of pods costs about one visit per node and size.
    """
    rescheduled = np.zeros(len(index.workload_names), dtype=np.int64)
    candidates = lost_pods[index.pod_reschedulable[lost_pods]]
    if candidates.size == 0:
        return Placement(rescheduled)
    ordered = candidates[np.lexsort((-index.pod_memory_bytes[candidates], -index.pod_cpu_millicores[candidates]))]
    if index.pod_other.shape[1]:
        return _place_with_other_resources(index, ordered, failed_nodes)
    keys = np.stack([index.pod_cpu_millicores[ordered], index.pod_memory_bytes[ordered],
                     index.pod_zone_bound[ordered].astype(float)])
    starts = np.flatnonzero(np.r_[True, (keys[:, 1:] != keys[:, :-1]).any(axis=0)]).tolist()
    fit = _candidates(index)
    room: dict[int, list[float]] = {}
    lists: dict[tuple[float, float, int], list[int]] = {}
    first: dict[tuple[float, float, int], int] = {}
    moves: list[tuple[int, int]] = []
    unschedulable: list[int] = []
    order = ordered.tolist()
    for start, stop in zip(starts, [*starts[1:], len(order)], strict=True):
        run = order[start:stop]
        pod_cpu, pod_memory, zone = float(keys[0, start]), float(keys[1, start]), int(keys[2, start])
        size = (pod_cpu, pod_memory, zone)
        if size not in lists:
            possible = fit.nodes(pod_cpu, pod_memory, zone)
            lists[size], first[size] = possible[~failed_nodes[possible]].tolist(), 0
        walk, at, placed = lists[size], first[size], 0
        while placed < len(run) and at < len(walk):
            node = walk[at]
            free = room.get(node)
            if free is None:
                free = room[node] = [fit.cpu[node], fit.memory[node], fit.slots[node]]
            room_for = _fit(free[0], free[1], free[2], pod_cpu, pod_memory)
            taken = min(room_for, len(run) - placed)
            if taken == room_for:
                at += 1
            if taken <= 0:
                continue
            free[0] -= taken * pod_cpu
            free[1] -= taken * pod_memory
            free[2] -= taken
            moves.extend(zip(run[placed:placed + taken], itertools.repeat(node, taken), strict=True))
            placed += taken
        first[size] = at
        unschedulable.extend(run[placed:])
    return _placement(index, rescheduled, moves, unschedulable)


def _placement(index: TopologyIndex, rescheduled: np.ndarray, moves: list[tuple[int, int]],
               unschedulable: list[int]) -> Placement:
    placed_pods = np.fromiter((pod for pod, _ in moves), dtype=np.int64, count=len(moves))
    np.add.at(rescheduled, index.pod_workload[placed_pods], 1)
    return Placement(rescheduled, tuple(moves), tuple(unschedulable))


@dataclass
class _Free:
    """What surviving nodes have left while lost pods are placed (cpu, memory, slots, other resources)."""

    cpu: np.ndarray
    memory: np.ndarray
    slots: np.ndarray
    other: np.ndarray

    def take(self, taken: np.ndarray, index: TopologyIndex, pod: int) -> None:
        self.cpu -= taken * index.pod_cpu_millicores[pod]
        self.memory -= taken * index.pod_memory_bytes[pod]
        self.slots -= taken
        self.other -= taken[:, None] * index.pod_other[pod][None, :]

    def counts(self, index: TopologyIndex, pod: int) -> np.ndarray:
        """How many more pods like ``pod`` each node can take (0 where it may not run)."""
        cpu, memory, zone, other = (index.pod_cpu_millicores[pod], index.pod_memory_bytes[pod],
                                    index.pod_zone_bound[pod], index.pod_other[pod])
        counts = self.slots.astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            if cpu > 0:
                counts = np.minimum(counts, np.floor(self.cpu / cpu))
            if memory > 0:
                counts = np.minimum(counts, np.floor(self.memory / memory))
            for k in np.flatnonzero(other > 0):
                counts = np.minimum(counts, np.floor(self.other[:, k] / other[k]))
        fits = (self.cpu >= cpu) & (self.memory >= memory) & (self.other >= other[None, :]).all(axis=1)
        counts = np.where(fits, np.maximum(counts, 0), 0)
        if zone >= 0:
            counts = np.where(index.node_zone == zone, counts, 0)
        return counts.astype(np.int64)


def _place_with_other_resources(index: TopologyIndex, ordered: np.ndarray, failed_nodes: np.ndarray) -> Placement:
    """First fit over all nodes when some pod of the topology requests ephemeral storage or an
    extended resource (rare: the room lists above count cpu, memory and slots only)."""
    usable = index.node_schedulable & ~failed_nodes
    free = _Free(np.where(usable, index.free_cpu_millicores, -1.0), np.where(usable, index.free_memory_bytes, -1.0),
                 np.where(usable, index.free_pod_slots, 0), np.where(usable[:, None], index.free_other, -1.0))
    keys = np.vstack([index.pod_cpu_millicores[ordered], index.pod_memory_bytes[ordered],
                      index.pod_zone_bound[ordered].astype(float), index.pod_other[ordered].T])
    starts = np.flatnonzero(np.r_[True, (keys[:, 1:] != keys[:, :-1]).any(axis=0)])
    moves: list[tuple[int, int]] = []
    unschedulable: list[int] = []
    for start, stop in zip(starts, [*starts[1:], len(ordered)], strict=True):
        run = ordered[start:stop]
        counts = free.counts(index, int(run[0]))
        taken = np.minimum(counts, np.maximum(0, len(run) - (np.cumsum(counts) - counts)))
        targets = np.repeat(np.arange(len(taken)), taken)
        free.take(taken, index, int(run[0]))
        moves.extend(zip(run[: len(targets)].tolist(), targets.tolist(), strict=True))
        unschedulable.extend(run[len(targets):].tolist())
    return _placement(index, np.zeros(len(index.workload_names), dtype=np.int64), moves, unschedulable)
