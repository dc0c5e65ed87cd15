"""What each structure of a topology group brings to a union, summed once per structure.

A union key unites a few structures; some of them fail a whole zone (hundreds of nodes,
thousands of pods). Rather than visiting every pod of every failed node for every key, each
structure's failed nodes are summed once into compressed rows:

* lost pods per workload (all pods of its nodes);
* movable pods per (workload, zone they are bound to or -1), for the pods that may reschedule;
* per zone, the room its nodes had for each size class of :mod:`.room` (room that the
  surviving nodes no longer offer once they fail);
* per zone, its schedulable nodes.

A key's union is the sum of its structures' rows, corrected for nodes that two of its
structures both fail (counted once: the duplicate's own node rows are subtracted). All
counts are whole numbers held in floats, so the sums are exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskmodel.engine.csr import expand
from riskmodel.engine.room import NodeRows, SizeClasses, node_rows, size_classes
from riskmodel.simulate.structures import StructureTable


@dataclass(frozen=True, eq=False)
class Rows:
    """Compressed rows over structures: ``ptr``, then one array per column."""

    ptr: np.ndarray
    columns: tuple[np.ndarray, ...]


@dataclass(frozen=True, eq=False)
class GroupParts:
    """One topology group's node rows, size classes and per-structure sums."""

    nodes: NodeRows
    classes: SizeClasses
    lost: Rows
    """(workload, pods) per structure."""
    movable: Rows
    """(workload · (zones + 1) + zone + 1, pods) per structure, movable pods only (zone -1: unbound)."""
    room: Rows
    """(zone, schedulable nodes, units per class as an (entries × classes) matrix) per structure."""


def _summed(structure: np.ndarray, key: np.ndarray, radix: int, values: list[np.ndarray], structures: int) -> Rows:
    """Rows over ``structures`` ids with the entries of equal (structure, key) summed; ``key``
    is a non-negative integer below ``radix`` (the columns decode it back)."""
    distinct, inverse = np.unique(structure * radix + key, return_inverse=True)
    sums: list[np.ndarray] = []
    for value in values:
        if value.ndim == 1:
            sums.append(np.bincount(inverse, value, minlength=len(distinct)))
        else:
            total = np.zeros((len(distinct), value.shape[1]))
            np.add.at(total, inverse, value)
            sums.append(total)
    ptr = np.searchsorted(distinct // radix, np.arange(structures + 1)).astype(np.int64)
    return Rows(ptr, (distinct % radix, *sums))


def group_parts(table: StructureTable, group: int) -> GroupParts:
    """Node rows, size classes and every hard structure's summed rows for one group."""
    index = table.indexes[group]
    nodes, classes = node_rows(index), size_classes(index)
    count = len(table.group)
    mine = np.flatnonzero((table.group == group) & ~table.degraded)
    owner, position = expand(table.failed_node_ptr, mine)
    structure, node = mine[owner], table.failed_node[position]
    owner, position = expand(nodes.ptr, node)
    entry, workload, pods = structure[owner], nodes.workload[position], nodes.pods[position]
    workloads, zones = len(index.workload_names), len(index.zone_names)
    lost = _summed(entry, workload, workloads, [pods], count)
    movable = nodes.movable[position]
    moving = _summed(entry[movable], workload[movable] * (zones + 1) + nodes.zone[position][movable] + 1,
                     workloads * (zones + 1), [pods[movable]], count)
    room = _summed(structure, nodes.node_zone[node], max(zones, 1),
                   [nodes.schedulable[node].astype(float), classes.units[node]], count)
    return GroupParts(nodes, classes, lost, moving, room)
