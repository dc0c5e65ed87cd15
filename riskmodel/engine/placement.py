"""Where lost pods go: first-fit decreasing onto the surviving nodes, and its result.

:func:`place_lost_pods` is the rescheduling rule of the math contract (docs/formats.md);
:class:`Placement` is what it returns (or, for a risk model, the counts a room check proved).
"""

from __future__ import annotations

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
    """Per pod size (cpu and memory requests, zone bound to or -1), the nodes that could take
    such a pod before anything fails: the only nodes first fit may pick for it (free capacity
    only shrinks while pods are placed). Sizes are numbered once per topology (``pod_size``)."""

    def __init__(self, index: TopologyIndex) -> None:
        self.index = index
        usable = index.node_schedulable
        self.cpu = np.where(usable, index.free_cpu_millicores, -1.0)
        self.memory = np.where(usable, index.free_memory_bytes, -1.0)
        self.slots = np.where(usable, index.free_pod_slots, 0)
        cpu_levels, cpu_rank = np.unique(index.pod_cpu_millicores, return_inverse=True)
        memory_levels, memory_rank = np.unique(index.pod_memory_bytes, return_inverse=True)
        zones = len(index.zone_names) + 1
        sizes, pod_size = np.unique((cpu_rank * len(memory_levels) + memory_rank) * zones + index.pod_zone_bound + 1,
                                    return_inverse=True)
        self.pod_size = pod_size.reshape(-1)
        self.size_cpu = cpu_levels[sizes // zones // len(memory_levels)] if len(sizes) else np.zeros(0)
        self.size_memory = memory_levels[sizes // zones % len(memory_levels)] if len(sizes) else np.zeros(0)
        self.size_zone = sizes % zones - 1
        self._lists: dict[int, np.ndarray] = {}

    def nodes(self, size: int) -> np.ndarray:
        if size not in self._lists:
            fits = (self.cpu >= self.size_cpu[size]) & (self.memory >= self.size_memory[size]) & (self.slots > 0)
            if self.size_zone[size] >= 0:
                fits &= self.index.node_zone == self.size_zone[size]
            self._lists[size] = np.flatnonzero(fits)
        return self._lists[size]


_CANDIDATES: WeakKeyDictionary[TopologyIndex, _FitCandidates] = WeakKeyDictionary()


def _candidates(index: TopologyIndex) -> _FitCandidates:
    found = _CANDIDATES.get(index)
    if found is None:
        found = _CANDIDATES[index] = _FitCandidates(index)
    return found


def _room_for(cpu: np.ndarray, memory: np.ndarray, slots: np.ndarray, pod_cpu: float, pod_memory: float) -> np.ndarray:
    """How many more pods of (``pod_cpu``, ``pod_memory``) each node with this free room takes
    (never negative: the nodes first fit reads start with a free slot and keep at least none)."""
    count = slots.astype(float)
    if pod_cpu > 0:
        count = np.minimum(count, np.floor(cpu / pod_cpu))
    if pod_memory > 0:
        count = np.minimum(count, np.floor(memory / pod_memory))
    return np.where((cpu >= pod_cpu) & (memory >= pod_memory), count, 0.0).astype(np.int64)


FIRST_WINDOW_NODES = 16
"""Nodes a run first reads beyond its pod count (the window grows fourfold while short)."""


@dataclass(frozen=True, eq=False)
class _Fill:
    """First fit's outcome: movable pods in placement order, which of them landed, and where
    (in the same order, when asked for)."""

    ordered: np.ndarray
    placed: np.ndarray
    targets: np.ndarray | None


def _ordered(index: TopologyIndex, candidates: np.ndarray) -> np.ndarray:
    """Placement order: decreasing cpu, then memory request, ties in pod order."""
    return candidates[np.lexsort((-index.pod_memory_bytes[candidates], -index.pod_cpu_millicores[candidates]))]


def _fill(index: TopologyIndex, candidates: np.ndarray, failed_nodes: np.ndarray, list_targets: bool) -> _Fill:
    """First-fit decreasing of movable pods (cpu, memory and slots only), run by run.

    Pods are ordered by decreasing cpu, then memory request (ties in pod order). Pods whose
    size (requests and zone) no surviving node could ever take are set aside first: their
    runs place nothing and change no node, so dropping them only joins the runs around them.
    A run of k identical pods fills the earliest nodes that take such a pod to capacity, in
    node order — what placing them one by one does — found by a prefix sum of the room left
    on a window of its size's node list; the list's nodes before the window were left full
    for this size by earlier runs (room only shrinks), so the window starts after them.
    """
    fit = _candidates(index)
    ordered = _ordered(index, candidates)
    size_of = fit.pod_size[ordered]
    walks: dict[int, np.ndarray] = {}
    for size in np.flatnonzero(np.bincount(size_of, minlength=len(fit.size_cpu))).tolist():
        possible = fit.nodes(size)
        walks[size] = possible[~failed_nodes[possible]]
    kept = np.flatnonzero(np.array([len(walks.get(size, ())) > 0 for size in range(len(fit.size_cpu))],
                                   dtype=bool)[size_of])
    size_of = size_of[kept]
    run_starts = np.flatnonzero(np.r_[True, size_of[1:] != size_of[:-1]])[:len(kept)]
    run_stops = np.r_[run_starts[1:], len(kept)][:len(run_starts)]
    free_cpu, free_memory, free_slots = fit.cpu.copy(), fit.memory.copy(), fit.slots.copy()
    first = np.zeros(len(fit.size_cpu), dtype=np.int64)
    placed = np.zeros(len(ordered), dtype=bool)
    targets: list[np.ndarray] = []
    for low, high in zip(run_starts.tolist(), run_stops.tolist(), strict=True):
        size = int(size_of[low])
        walk, at, count = walks[size], int(first[size]), high - low
        pod_cpu, pod_memory = float(fit.size_cpu[size]), float(fit.size_memory[size])
        width = count + FIRST_WINDOW_NODES
        while True:
            nodes = walk[at:at + width]
            room = _room_for(free_cpu[nodes], free_memory[nodes], free_slots[nodes], pod_cpu, pod_memory)
            reach = np.cumsum(room)
            if (len(reach) and reach[-1] >= count) or at + width >= len(walk):
                break
            width *= 4
        last = int(np.searchsorted(reach, count)) if len(reach) else 0
        if last == len(nodes):  # the size's nodes are all full now: the rest of the run stays lost
            taken, first[size] = room, len(walk)
        else:
            taken = room[:last + 1].copy()
            taken[last] = count - (reach[last - 1] if last else 0)
            nodes = nodes[:last + 1]
            first[size] = at + last + int(taken[last] == room[last])
        free_cpu[nodes] -= taken * pod_cpu
        free_memory[nodes] -= taken * pod_memory
        free_slots[nodes] -= taken
        placed[kept[low:low + int(taken.sum())]] = True
        if list_targets:
            targets.append(np.repeat(nodes, taken))
    joined = (np.concatenate(targets) if targets else np.zeros(0, dtype=np.int64)) if list_targets else None
    return _Fill(ordered, placed, joined)


def _reschedulable(index: TopologyIndex, lost_pods: np.ndarray) -> np.ndarray:
    return lost_pods[index.pod_reschedulable[lost_pods]]


def place_lost_pods(index: TopologyIndex, lost_pods: np.ndarray, failed_nodes: np.ndarray) -> Placement:
    """First-fit decreasing (by cpu, then memory request) of lost pods onto surviving nodes.

    A node takes a pod when its free cpu, memory, pod slots, ephemeral storage and extended
    resources (``nvidia.com/gpu``) suffice, it is schedulable (up now, no NoSchedule taint)
    and, for a pod with a zonal volume, it is in the pod's zone. Runs of identical pods
    (same requests and zone) are placed together: first fit of k identical pods fills the
    earliest nodes to capacity in order, which is what placing them one by one does. Each run
    reads only the nodes that could ever take its pods (:class:`_FitCandidates`), in node
    order, from the first one earlier runs of its size did not fill (see :func:`_fill`).
    """
    rescheduled = np.zeros(len(index.workload_names), dtype=np.int64)
    candidates = _reschedulable(index, lost_pods)
    if candidates.size == 0:
        return Placement(rescheduled)
    if index.pod_other.shape[1]:
        return _place_with_other_resources(index, _ordered(index, candidates), failed_nodes)
    fill = _fill(index, candidates, failed_nodes, list_targets=True)
    assert fill.targets is not None
    moves = list(zip(fill.ordered[fill.placed].tolist(), fill.targets.tolist(), strict=True))
    return _placement(index, rescheduled, moves, fill.ordered[~fill.placed].tolist())


def rescheduled_counts(index: TopologyIndex, lost_pods: np.ndarray, failed_nodes: np.ndarray) -> np.ndarray:
    """Pods per workload position that :func:`place_lost_pods` reschedules, without listing
    its moves (what a union of failed sets needs)."""
    candidates = _reschedulable(index, lost_pods)
    if candidates.size == 0 or index.pod_other.shape[1]:
        return place_lost_pods(index, lost_pods, failed_nodes).rescheduled_per_workload
    fill = _fill(index, candidates, failed_nodes, list_targets=False)
    return np.bincount(index.pod_workload[fill.ordered[fill.placed]], minlength=len(index.workload_names))


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
