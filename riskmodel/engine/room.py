"""A proof, size class by size class, that first fit places every moved pod.

First-fit decreasing places pods by decreasing cpu, then memory request. Group the moved pods
into size classes (distinct (cpu, memory) requests, in that order). For a class j, a node's
room is ``min(⌊free cpu / cpu_j⌋, ⌊free memory / memory_j⌋, free pod slots)`` pods of class j;
placing one pod of class i on it lowers that by at most
``f(i, j) = max(⌈cpu_i / cpu_j⌉, ⌈memory_i / memory_j⌉, 1)``. So if the surviving nodes' room
for class j, less Σ f(i, j) over every pod placed before the last pod of class j, is still at
least one, that pod finds a node — and so does every pod of the class. Pods bound to a zone
by their volumes are checked against that zone's room, counting every pod that may land
there (those bound to it, and all unbound ones).

This is a sufficient condition, not a necessary one: where it holds, first fit's result is
known without running it (every pod moves); where it does not, first fit runs. It proves
far more unions than the single-size check of :class:`~riskmodel.simulate.structures.GroupRoom`
when pod sizes vary (a zone outage moving thousands of pods of many sizes, for instance).
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

import numpy as np

from riskmodel.engine.csr import expand
from riskmodel.engine.topology import TopologyIndex


@dataclass(frozen=True, eq=False)
class SizeClasses:
    """Size classes of a topology's movable pods and the room of every node for each."""

    workload_class: np.ndarray
    """Per workload: its pods' size class (-1 for workloads whose pods never move)."""
    units: np.ndarray
    """(nodes × classes): pods of each class a node can take now (0 on unschedulable nodes)."""
    zone_units: np.ndarray
    """(zones × classes): ``units`` summed over each zone's nodes."""
    penalty: np.ndarray
    """(classes × classes): f(i, j) where class i is placed before class j, else 0."""
    node_zone: np.ndarray
    proofs_hold: bool = True
    """False when some movable pod requests a resource besides cpu, memory and pod slots
    (ephemeral storage, ``nvidia.com/gpu``): the check does not count those, so it proves
    nothing and first fit runs."""


def workload_requests(index: TopologyIndex) -> tuple[np.ndarray, np.ndarray]:
    """Per workload: one pod's cpu request (millicores) and memory request (bytes)."""
    workloads = len(index.workload_names)
    cpu, memory = np.zeros(workloads), np.zeros(workloads)
    cpu[index.pod_workload], memory[index.pod_workload] = index.pod_cpu_millicores, index.pod_memory_bytes
    return cpu, memory


def free_room(index: TopologyIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Free cpu, memory and pod slots of every node for rescheduled pods (0 on unschedulable
    nodes, never negative)."""
    usable = index.node_schedulable
    free_cpu = np.where(usable, np.maximum(index.free_cpu_millicores, 0.0), 0.0)
    free_memory = np.where(usable, np.maximum(index.free_memory_bytes, 0.0), 0.0)
    free_slots = np.where(usable, np.maximum(index.free_pod_slots, 0), 0).astype(float)
    return free_cpu, free_memory, free_slots


def size_classes(index: TopologyIndex) -> SizeClasses:
    movable = index.pod_reschedulable
    workloads = len(index.workload_names)
    cpu, memory = workload_requests(index)
    moves = np.zeros(workloads, dtype=bool)
    moves[index.pod_workload[movable]] = True
    sizes = np.unique(np.stack([-cpu[moves], -memory[moves]], axis=1), axis=0) if moves.any() else np.zeros((0, 2))
    class_cpu, class_memory = -sizes[:, 0], -sizes[:, 1]
    workload_class = np.full(workloads, -1, dtype=np.int64)
    if moves.any():
        lookup = {(c, m): j for j, (c, m) in enumerate(zip(class_cpu.tolist(), class_memory.tolist(), strict=True))}
        workload_class[moves] = [lookup[(c, m)] for c, m in zip(cpu[moves].tolist(), memory[moves].tolist(),
                                                                    strict=True)]
    free_cpu, free_memory, free_slots = free_room(index)
    with np.errstate(divide="ignore", invalid="ignore"):
        by_cpu = np.where(class_cpu[None, :] > 0, np.floor(free_cpu[:, None] / class_cpu[None, :]), np.inf)
        by_memory = np.where(class_memory[None, :] > 0, np.floor(free_memory[:, None] / class_memory[None, :]), np.inf)
    units = np.minimum(np.minimum(by_cpu, by_memory), free_slots[:, None])
    zones = len(index.zone_names)
    zone_units = np.stack([units[index.node_zone == z].sum(axis=0) for z in range(zones)]) if zones else \
        np.zeros((0, len(class_cpu)))
    with np.errstate(divide="ignore", invalid="ignore"):
        by_cpu_ratio = np.ceil(class_cpu[:, None] / np.where(class_cpu > 0, class_cpu, np.nan)[None, :])
        by_memory_ratio = np.ceil(class_memory[:, None] / np.where(class_memory > 0, class_memory, np.nan)[None, :])
    # A class that requests nothing of a resource is never limited by it (ratio 1: slots still count).
    by_cpu_ratio, by_memory_ratio = np.nan_to_num(by_cpu_ratio, nan=1.0), np.nan_to_num(by_memory_ratio, nan=1.0)
    penalty = np.triu(np.maximum(np.maximum(by_cpu_ratio, by_memory_ratio), 1.0), k=1)
    proofs_hold = not index.pod_other[movable].any()
    return SizeClasses(workload_class, units, zone_units, penalty, index.node_zone, proofs_hold)


def classes_fit(classes: SizeClasses, pods: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """Per key: True when the class-by-class condition (module docstring) proves that first
    fit places every pod of ``pods`` (keys × classes × (zones + 1): slot 0 counts unbound pods,
    slot z + 1 pods bound to zone z) once the key's failed nodes have lost ``taken`` (keys ×
    zones × classes) of the zones' room."""
    fits = np.ones(len(pods), dtype=bool)
    need = np.flatnonzero(pods.any(axis=(1, 2)))
    if not len(need):
        return fits
    if not classes.proofs_hold:
        fits[need] = False
        return fits
    pods, taken = pods[need], taken[need]
    unbound, bound = pods[:, :, 0], pods[:, :, 1:]
    available = classes.zone_units.T[None, :, :] - taken.transpose(0, 2, 1)
    total = unbound + bound.sum(axis=2)
    before_all = total @ classes.penalty
    reaching = bound + unbound[:, :, None]
    before_zone = (reaching.transpose(0, 2, 1) @ classes.penalty).transpose(0, 2, 1)
    fits_anywhere = (unbound == 0) | (available.sum(axis=2) >= before_all + total)
    fits_zone = (bound == 0) | (available >= before_zone + reaching)
    fits[need] = fits_anywhere.all(axis=1) & fits_zone.all(axis=(1, 2))
    return fits


@dataclass(frozen=True, eq=False)
class NodeRows:
    """Per node of a topology: (workload, pods) entries, and what the room check needs."""

    ptr: np.ndarray
    workload: np.ndarray
    pods: np.ndarray
    movable: np.ndarray
    zone: np.ndarray
    """Zone the entry's pods are bound to by their volumes, or -1."""
    node_zone: np.ndarray
    schedulable: np.ndarray


def node_rows(index: TopologyIndex) -> NodeRows:
    workloads = len(index.workload_names)
    names, pods = np.unique(index.pod_node * workloads + index.pod_workload, return_counts=True)
    node, workload = names // workloads, names % workloads
    movable = np.zeros(workloads, dtype=bool)
    movable[index.pod_workload[index.pod_reschedulable]] = True
    zonal = np.zeros(workloads, dtype=bool)
    zonal[index.pod_workload[index.pod_zone_bound >= 0]] = True
    return NodeRows(np.searchsorted(node, np.arange(len(index.node_names) + 1)), workload, pods.astype(float),
                    movable[workload], np.where(zonal[workload], index.node_zone[node], -1), index.node_zone,
                    index.node_schedulable)



def _distinct_sums(code: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    distinct, inverse = np.unique(code, return_inverse=True)
    return distinct, np.bincount(inverse, value, minlength=len(distinct))


def proven_moves(index: TopologyIndex, nodes: NodeRows, classes: SizeClasses, failed_ptr: np.ndarray,
                 failed: np.ndarray, excluded: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For many failed sets at once: does the class-by-class check prove what first fit does
    with their movable pods, and if so how many pods of each workload it moves?

    ``failed_ptr``/``failed``: CSR of each set's failed node positions (the nodes whose pods
    move); ``excluded``: sorted ``set · workloads + workload`` codes of workloads whose pods do
    not move (failed as a whole). Pods that no surviving schedulable node may take stay lost;
    the others all move when the check holds. Returns (proven per set, and the moved pods as
    sparse entries: ascending codes ``set · workloads + workload`` and the pods of each; none
    for a set not proven). Sparse, because a dense (sets × workloads) matrix of a 10,000-node
    cluster's 60,000 failed sets is gigabytes.
    """
    sets, workloads, zones = len(failed_ptr) - 1, len(index.workload_names), len(index.zone_names)
    owner, position = expand(failed_ptr, np.arange(sets))
    set_of, node = owner, failed[position]
    entry, where = expand(nodes.ptr, node)
    code = set_of[entry] * workloads + nodes.workload[where]
    keep = nodes.movable[where]
    if len(excluded):
        at = np.minimum(np.searchsorted(excluded, code), len(excluded) - 1)
        keep &= excluded[at] != code
    radix = workloads * (zones + 1)
    pod_code, count = _distinct_sums((set_of[entry] * radix + nodes.workload[where] * (zones + 1)
                                      + nodes.zone[where] + 1)[keep], nodes.pods[where][keep])
    key, workload, zone = pod_code // radix, pod_code % radix // (zones + 1), pod_code % (zones + 1) - 1
    slot = set_of * zones + nodes.node_zone[node]
    lost_nodes = np.bincount(slot, nodes.schedulable[node], minlength=sets * zones).reshape(sets, zones)
    taken = np.zeros((sets * zones, classes.units.shape[1]))
    np.add.at(taken, slot, classes.units[node])
    survivors = np.bincount(index.node_zone[index.node_schedulable], minlength=zones)[None, :] - lost_nodes
    placeable = np.where(zone >= 0, survivors[key, np.maximum(zone, 0)] > 0, survivors.sum(axis=1)[key] > 0)
    sizes = classes.penalty.shape[0]
    cell = (key * sizes + classes.workload_class[workload]) * (zones + 1) + zone + 1
    pods = np.bincount(cell[placeable], count[placeable], minlength=sets * sizes * (zones + 1))
    proven = classes_fit(classes, pods.reshape(sets, sizes, zones + 1), taken.reshape(sets, zones, -1))
    sure = placeable & proven[key]
    moved_code, moved = _distinct_sums(key[sure] * workloads + workload[sure], count[sure])
    return proven, moved_code, moved.astype(np.int64)


_ROOMS: WeakKeyDictionary[TopologyIndex, tuple[NodeRows, SizeClasses]] = WeakKeyDictionary()


def room_of(index: TopologyIndex) -> tuple[NodeRows, SizeClasses]:
    """The node rows and size classes of a topology (built once per topology)."""
    found = _ROOMS.get(index)
    if found is None:
        found = _ROOMS[index] = (node_rows(index), size_classes(index))
    return found
