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

from riskmodel.engine.csr import expand
from riskmodel.engine.impact import FailedPositions, StructuralImpact, failed_positions
from riskmodel.engine.phases import lost_rows, service_matrices
from riskmodel.engine.room import free_room, room_of, workload_requests
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
    free_cpu, free_memory, free_slots = free_room(index)
    zones = len(index.zone_names)
    room = np.zeros((len(cpu_levels), len(memory_levels), zones))
    by_cpu = np.floor(free_cpu[None, :] / np.maximum(cpu_levels[:, None], 1e-9))
    by_memory = np.floor(free_memory[None, :] / np.maximum(memory_levels[:, None], 1e-9))
    for c in range(len(cpu_levels)):
        units = np.minimum(np.minimum(by_cpu[c][None, :], by_memory), free_slots[None, :])
        for z in range(zones):
            room[c, :, z] = units[:, index.node_zone == z].sum(axis=1)
    return GroupRoom(cpu_levels, memory_levels, room, free_cpu, free_memory, free_slots, index.node_zone)


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


def _csr_of(owner: np.ndarray, values: list[np.ndarray], count: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """CSR pointer over ``count`` rows for entries sorted by ``owner``, and the value columns."""
    return np.searchsorted(owner, np.arange(count + 1)).astype(np.int64), values


def _describe(index: TopologyIndex, structures: list[StructuralImpact], group: int, w_stride: int,
              s_stride: int) -> dict[str, object]:
    """Per-structure costs, touch sets and scheduler demand of structures on one topology,
    computed for all of them at once (arrays, and CSR pointers with their values)."""
    count, services = len(structures), len(index.service_names)
    degraded: np.ndarray = np.array([s.failed_set.degraded for s in structures], dtype=bool)
    before = [s.before for s in structures]
    after = [s.after or s.before for s in structures]
    down_a, degraded_a, fraction_a = service_matrices(before, services)
    down_b, degraded_b, fraction_b = service_matrices(after, services)
    cost_a = ((index.cost_per_hour * down_a + index.degraded_cost_per_hour * fraction_a) / 60.0).sum(axis=1)
    cost_b = ((index.cost_per_hour * down_b + index.degraded_cost_per_hour * fraction_b) / 60.0).sum(axis=1)
    owner, workload, lost = lost_rows(before)
    slack = (index.replicas - index.required_replicas).astype(float)
    backs_service = np.asarray(index.service_own_workloads.any(axis=0))
    touched = (lost > 1e-12) & backs_service[workload] & ~degraded[owner]
    workload_ptr, _ = _csr_of(owner[touched], [], count)
    hit = (down_a | degraded_a | down_b | degraded_b) & ~degraded[:, None]
    hit_owner, hit_service = np.nonzero(hit)
    service_ptr, _ = _csr_of(hit_owner, [], count)
    failed = failed_positions(index, [s.failed_set for s in structures])
    demand_unbound, demand_zone, largest_cpu, largest_memory = _demand(index, failed, degraded)
    nodes = failed.node_ptr[1:] - failed.node_ptr[:-1]
    single = np.where((nodes == 1) & ~degraded, failed.node[np.minimum(failed.node_ptr[:-1], len(failed.node) - 1)]
                      if len(failed.node) else 0, -1)
    return {
        "ca": cost_a, "cb": cost_b, "ba": down_a + degraded_a * fraction_a, "bb": down_b + degraded_b * fraction_b,
        "g": np.full(count, group, dtype=np.int64),
        "w": (workload_ptr, workload[touched] + group * w_stride, lost[touched], slack[workload[touched]]),
        "s": (service_ptr, hit_service + group * s_stride, (down_a | down_b)[hit_owner, hit_service]),
        "du": demand_unbound, "dz": demand_zone, "mc": largest_cpu, "mm": largest_memory,
        "sn": single.astype(np.int64), "nc": np.where(degraded, 0, nodes).astype(np.int64),
        "fn": (failed.node_ptr, failed.node), "fw": (failed.workload_ptr, failed.workload),
        "fs": (failed.service_ptr, failed.service), "degraded": degraded,
    }


def _demand(index: TopologyIndex, failed: FailedPositions,
            degraded: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per structure: movable pods asked of the scheduler (unbound, per zone) and the largest
    one's cpu and memory requests (none for degraded structures)."""
    count, zones, workloads = len(degraded), len(index.zone_names), len(index.workload_names)
    rows, _ = room_of(index)
    owner, position = expand(failed.node_ptr, np.arange(count))
    entry, where = expand(rows.ptr, failed.node[position])
    structure = owner[entry]
    code = structure * workloads + rows.workload[where]
    owner_w, wpos = expand(failed.workload_ptr, np.arange(count))
    excluded = np.unique(owner_w * workloads + failed.workload[wpos])
    keep = rows.movable[where] & ~degraded[structure]
    if len(excluded):
        at = np.minimum(np.searchsorted(excluded, code), len(excluded) - 1)
        keep &= excluded[at] != code
    structure, workload, zone, pods = structure[keep], rows.workload[where][keep], rows.zone[where][keep], \
        rows.pods[where][keep]
    unbound = np.bincount(structure[zone < 0], pods[zone < 0], minlength=count).astype(float)
    bound = np.bincount(structure[zone >= 0] * zones + zone[zone >= 0], pods[zone >= 0],
                        minlength=count * zones).reshape(count, zones).astype(float)
    cpu, memory = workload_requests(index)
    largest_cpu, largest_memory = np.zeros(count), np.zeros(count)
    np.maximum.at(largest_cpu, structure, cpu[workload])
    np.maximum.at(largest_memory, structure, memory[workload])
    return unbound, bound, largest_cpu, largest_memory


def _joined(parts: list[tuple[object, ...]]) -> tuple[np.ndarray, ...]:
    """CSR parts of several groups joined: pointers offset, value columns concatenated."""
    pointers: list[np.ndarray] = []
    columns: list[list[np.ndarray]] = [[] for _ in range(len(parts[0]) - 1)]
    offset = 0
    for part in parts:
        pointer = np.asarray(part[0])
        pointers.append(pointer[:-1] + offset)
        offset += int(pointer[-1])
        for column, values in zip(columns, part[1:], strict=True):
            column.append(np.asarray(values))
    pointer = np.concatenate([*pointers, [offset]]).astype(np.int64)
    return (pointer, *(np.concatenate(column) for column in columns))


def build_structure_table(indexes: list[TopologyIndex],
                          sources: list[tuple[int, list[StructuralImpact]]]) -> StructureTable:
    """Concatenate structures: ``sources`` are (group, structures on ``indexes[group]``)."""
    w_stride = max(len(i.workload_names) for i in indexes)
    s_stride = max(len(i.service_names) for i in indexes)
    parts = [_describe(indexes[g], structures, g, w_stride, s_stride) for g, structures in sources if structures]
    if not parts:
        parts = [_describe(indexes[0], [], 0, w_stride, s_stride)]

    def stacked(key: str) -> np.ndarray:
        return np.concatenate([part[key] for part in parts])  # type: ignore[misc]

    workload_ptr, workload_key, workload_lost, workload_slack = _joined([part["w"] for part in parts])  # type: ignore[misc]
    service_ptr, service_key, service_down = _joined([part["s"] for part in parts])  # type: ignore[misc]
    failed_node_ptr, failed_node = _joined([part["fn"] for part in parts])  # type: ignore[misc]
    failed_workload_ptr, failed_workload = _joined([part["fw"] for part in parts])  # type: ignore[misc]
    failed_service_ptr, failed_service = _joined([part["fs"] for part in parts])  # type: ignore[misc]
    return StructureTable(
        indexes=tuple(indexes),
        impacts=tuple(impact for _, structures in sources for impact in structures),
        rooms=tuple(group_room(index) for index in indexes),
        group=stacked("g"), cost_a=stacked("ca"), cost_b=stacked("cb"), bad_a=stacked("ba"), bad_b=stacked("bb"),
        workload_ptr=workload_ptr, workload_key=workload_key, workload_lost=workload_lost,
        workload_slack=workload_slack, service_ptr=service_ptr, service_key=service_key,
        service_down=service_down.astype(bool),
        demand_unbound=stacked("du"), demand_zone=stacked("dz"), max_cpu=stacked("mc"), max_memory=stacked("mm"),
        single_node=stacked("sn"), node_count=stacked("nc"), degraded=stacked("degraded").astype(bool),
        workload_stride=w_stride, service_stride=s_stride,
        failed_node_ptr=failed_node_ptr, failed_node=failed_node, failed_workload_ptr=failed_workload_ptr,
        failed_workload=failed_workload, failed_service_ptr=failed_service_ptr, failed_service=failed_service,
    )
