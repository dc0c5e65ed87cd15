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

import numpy as np

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


def size_classes(index: TopologyIndex) -> SizeClasses:
    movable = index.pod_reschedulable
    workloads = len(index.workload_names)
    cpu, memory = np.zeros(workloads), np.zeros(workloads)
    cpu[index.pod_workload], memory[index.pod_workload] = index.pod_cpu_millicores, index.pod_memory_bytes
    moves = np.zeros(workloads, dtype=bool)
    moves[index.pod_workload[movable]] = True
    sizes = np.unique(np.stack([-cpu[moves], -memory[moves]], axis=1), axis=0) if moves.any() else np.zeros((0, 2))
    class_cpu, class_memory = -sizes[:, 0], -sizes[:, 1]
    workload_class = np.full(workloads, -1, dtype=np.int64)
    if moves.any():
        lookup = {(c, m): j for j, (c, m) in enumerate(zip(class_cpu.tolist(), class_memory.tolist(), strict=True))}
        workload_class[moves] = [lookup[(c, m)] for c, m in zip(cpu[moves].tolist(), memory[moves].tolist(),
                                                                    strict=True)]
    usable = index.node_schedulable
    free_cpu = np.where(usable, np.maximum(index.free_cpu_millicores, 0.0), 0.0)
    free_memory = np.where(usable, np.maximum(index.free_memory_bytes, 0.0), 0.0)
    free_slots = np.where(usable, np.maximum(index.free_pod_slots, 0), 0).astype(float)
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
    return SizeClasses(workload_class, units, zone_units, penalty, index.node_zone)


def classes_fit(classes: SizeClasses, pods: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """Per key: True when the class-by-class condition (module docstring) proves that first
    fit places every pod of ``pods`` (keys × classes × (zones + 1): slot 0 counts unbound pods,
    slot z + 1 pods bound to zone z) once the key's failed nodes have lost ``taken`` (keys ×
    zones × classes) of the zones' room."""
    fits = np.ones(len(pods), dtype=bool)
    need = np.flatnonzero(pods.any(axis=(1, 2)))
    if not len(need):
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
