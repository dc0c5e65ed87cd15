"""What the simulator needs to know about each distinct failed set, as flat arrays.

The risk model gives every failed set (a *structure*) its phase A / phase B cost and bad
minutes. To combine overlapping incidents without evaluating each overlap, the simulator
also keeps, per structure:

* the workloads it takes pods from (with how many pods, against the workload's slack
  ``replicas − required``) and the services it takes down or degrades — two overlapping
  incidents can only change each other's availability through these;
* what it asks of the scheduler: movable pods (by zone they are bound to, or unbound) and
  the largest of them, and the node it fails when it fails exactly one node, so that a
  capacity check can tell when first-fit rescheduling of both still certainly succeeds;
* the positions of its failed nodes, workloads and services, for the exact (slow) union.

Degraded-effect failed sets (noisy neighbour, pressure) keep empty touch sets and no demand:
the simulator always adds their cost to whatever overlaps them (documented approximation).

Structures of several topologies (the topology groups of a plan) are concatenated; keys of
workloads and services are offset by group so that groups never share a key.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskmodel.engine.impact import StructuralImpact
from riskmodel.engine.topology import TopologyIndex


@dataclass(frozen=True, eq=False)
class GroupRoom:
    """Rescheduling room of one topology, in units of a pod of a given (cpu, memory) size.

    ``room[c, m, z]``: Σ over schedulable nodes of zone z of min(⌊free cpu / cpu_levels[c]⌋,
    ⌊free memory / memory_levels[m]⌋, free pod slots). First-fit places any pod no larger than
    the level on some node while this sum, minus one per pod already placed, stays positive.
    """

    cpu_levels: np.ndarray
    memory_levels: np.ndarray
    room: np.ndarray
    free_cpu: np.ndarray
    free_memory: np.ndarray
    free_slots: np.ndarray
    node_zone: np.ndarray


def group_room(index: TopologyIndex) -> GroupRoom:
    movable = index.pod_reschedulable
    cpu_levels = np.unique(np.concatenate([index.pod_cpu_millicores[movable], [1.0]]))
    memory_levels = np.unique(np.concatenate([index.pod_memory_bytes[movable], [1.0]]))
    usable = index.node_schedulable
    free_cpu = np.where(usable, np.maximum(index.free_cpu_millicores, 0.0), 0.0)
    free_memory = np.where(usable, np.maximum(index.free_memory_bytes, 0.0), 0.0)
    free_slots = np.where(usable, np.maximum(index.free_pod_slots, 0), 0).astype(float)
    zones = len(index.zone_names)
    room = np.zeros((len(cpu_levels), len(memory_levels), zones))
    by_cpu = np.floor(free_cpu[None, :] / np.maximum(cpu_levels[:, None], 1e-9))
    by_memory = np.floor(free_memory[None, :] / np.maximum(memory_levels[:, None], 1e-9))
    for c in range(len(cpu_levels)):
        units = np.minimum(np.minimum(by_cpu[c][None, :], by_memory), free_slots[None, :])
        for z in range(zones):
            room[c, :, z] = units[:, index.node_zone == z].sum(axis=1)
    return GroupRoom(cpu_levels, memory_levels, room, free_cpu, free_memory, free_slots, index.node_zone)


def _csr(rows: list[np.ndarray], dtype: type = np.int64) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    pointer = np.concatenate([[0], np.cumsum(lengths)])
    values: np.ndarray = np.concatenate(rows).astype(dtype) if rows and lengths.sum() else np.zeros(0, dtype=dtype)
    return pointer, values


@dataclass(frozen=True, eq=False)
class StructureTable:
    """Per-structure arrays over all groups (see module docstring). Units: dollars per minute."""

    indexes: tuple[TopologyIndex, ...]
    impacts: tuple[StructuralImpact, ...]
    rooms: tuple[GroupRoom, ...]
    group: np.ndarray
    cost_a: np.ndarray
    cost_b: np.ndarray
    bad_a: np.ndarray
    bad_b: np.ndarray
    workload_ptr: np.ndarray
    workload_key: np.ndarray
    workload_lost: np.ndarray
    workload_slack: np.ndarray
    service_ptr: np.ndarray
    service_key: np.ndarray
    service_down: np.ndarray
    demand_unbound: np.ndarray
    demand_zone: np.ndarray
    max_cpu: np.ndarray
    max_memory: np.ndarray
    single_node: np.ndarray
    node_count: np.ndarray
    degraded: np.ndarray
    workload_stride: int
    service_stride: int
    failed_node_ptr: np.ndarray
    """CSR over structures of the positions (in their group's topology) of the failed nodes,
    and below of the failed workloads and the directly failed services: what a union unites."""
    failed_node: np.ndarray
    failed_workload_ptr: np.ndarray
    failed_workload: np.ndarray
    failed_service_ptr: np.ndarray
    failed_service: np.ndarray


def _movable(index: TopologyIndex, impact: StructuralImpact) -> np.ndarray:
    failed = impact.failed_set
    nodes = np.zeros(len(index.node_names), dtype=bool)
    nodes[[index.node_position[n] for n in failed.nodes]] = True
    workloads = np.zeros(len(index.workload_names), dtype=bool)
    workloads[[index.workload_position[w] for w in failed.workloads]] = True
    return np.flatnonzero(nodes[index.pod_node] & ~workloads[index.pod_workload] & index.pod_reschedulable)


def _describe(index: TopologyIndex, structures: list[StructuralImpact], group: int, w_stride: int,
              s_stride: int) -> dict[str, list]:
    """Per-structure costs, touch sets and scheduler demand of structures on one topology."""
    slack = (index.replicas - index.required_replicas).astype(float)
    backs_service = index.service_own_workloads.any(axis=0)
    zones = len(index.zone_names)
    keys = ("wk", "wl", "ws", "sk", "sd", "du", "dz", "mc", "mm", "sn", "nc", "ca", "cb", "ba", "bb", "g",
            "fn", "fw", "fs")
    out: dict[str, list] = {k: [] for k in keys}
    for impact in structures:
        before, after = impact.before, impact.after or impact.before
        out["ca"].append(before.cost_per_minute(index))
        out["cb"].append(after.cost_per_minute(index))
        out["ba"].append(before.bad_minutes_per_minute())
        out["bb"].append(after.bad_minutes_per_minute())
        out["g"].append(group)
        degraded = impact.failed_set.degraded
        lost = before.lost_pods
        touched = np.flatnonzero((lost > 1e-12) & backs_service & (not degraded))
        out["wk"].append(touched + group * w_stride)
        out["wl"].append(lost[touched])
        out["ws"].append(slack[touched])
        hit = before.down_services | before.degraded_services | after.down_services | after.degraded_services
        services = np.flatnonzero(hit & (not degraded))
        out["sk"].append(services + group * s_stride)
        out["sd"].append((before.down_services | after.down_services)[services])
        movable = _movable(index, impact) if not degraded else np.zeros(0, dtype=np.int64)
        bound = index.pod_zone_bound[movable]
        out["du"].append(float((bound < 0).sum()))
        out["dz"].append(np.bincount(bound[bound >= 0], minlength=zones)[:zones].astype(float))
        out["mc"].append(float(index.pod_cpu_millicores[movable].max()) if movable.size else 0.0)
        out["mm"].append(float(index.pod_memory_bytes[movable].max()) if movable.size else 0.0)
        nodes = frozenset() if degraded else impact.failed_set.nodes
        out["sn"].append(index.node_position[next(iter(nodes))] if len(nodes) == 1 else -1)
        out["nc"].append(len(nodes))
        failed = impact.failed_set
        out["fn"].append(np.sort(np.fromiter((index.node_position[n] for n in failed.nodes), np.int64, len(failed.nodes))))
        out["fw"].append(np.sort(np.fromiter((index.workload_position[w] for w in failed.workloads), np.int64,
                                             len(failed.workloads))))
        out["fs"].append(np.sort(np.fromiter((index.service_position[v] for v in failed.services), np.int64,
                                             len(failed.services))))
    return out


def build_structure_table(indexes: list[TopologyIndex],
                          sources: list[tuple[int, list[StructuralImpact]]]) -> StructureTable:
    """Concatenate structures: ``sources`` are (group, structures on ``indexes[group]``)."""
    w_stride = max(len(i.workload_names) for i in indexes)
    s_stride = max(len(i.service_names) for i in indexes)
    services = len(indexes[0].service_names)
    parts = [_describe(indexes[g], structures, g, w_stride, s_stride) for g, structures in sources]
    joined = {key: [row for part in parts for row in part[key]] for key in parts[0]}
    workload_ptr, workload_key = _csr(joined["wk"])
    _, workload_lost = _csr(joined["wl"], float)
    _, workload_slack = _csr(joined["ws"], float)
    service_ptr, service_key = _csr(joined["sk"])
    _, service_down = _csr(joined["sd"], bool)
    failed_node_ptr, failed_node = _csr(joined["fn"])
    failed_workload_ptr, failed_workload = _csr(joined["fw"])
    failed_service_ptr, failed_service = _csr(joined["fs"])
    zones = len(indexes[0].zone_names)
    rows = len(joined["g"])
    return StructureTable(
        indexes=tuple(indexes),
        impacts=tuple(impact for _, structures in sources for impact in structures),
        rooms=tuple(group_room(index) for index in indexes),
        group=np.array(joined["g"], dtype=np.int64),
        cost_a=np.array(joined["ca"], dtype=float),
        cost_b=np.array(joined["cb"], dtype=float),
        bad_a=np.array(joined["ba"], dtype=float).reshape(rows, services),
        bad_b=np.array(joined["bb"], dtype=float).reshape(rows, services),
        workload_ptr=workload_ptr, workload_key=workload_key, workload_lost=workload_lost,
        workload_slack=workload_slack, service_ptr=service_ptr, service_key=service_key, service_down=service_down,
        demand_unbound=np.array(joined["du"]), demand_zone=np.array(joined["dz"]).reshape(rows, zones),
        max_cpu=np.array(joined["mc"]), max_memory=np.array(joined["mm"]),
        single_node=np.array(joined["sn"], dtype=np.int64), node_count=np.array(joined["nc"], dtype=np.int64),
        degraded=np.array([s.failed_set.degraded for _, structures in sources for s in structures], dtype=bool),
        workload_stride=w_stride, service_stride=s_stride,
        failed_node_ptr=failed_node_ptr, failed_node=failed_node, failed_workload_ptr=failed_workload_ptr,
        failed_workload=failed_workload, failed_service_ptr=failed_service_ptr, failed_service=failed_service,
    )
