"""Which incidents overlap in time, and which overlaps can change each other's impact.

Non-degraded incidents are sorted by (year, start); a running maximum of end times splits
them into clusters of transitively overlapping incidents. (Degraded incidents never join a
cluster: they cannot change another incident's impact, see below, so their costs are always
added as they are — and they no longer chain two hard incidents that do not overlap each other
into one cluster.) A cluster is *interacting* (and gets the exact evaluation) when any of these
holds — otherwise its incidents' costs add up:

* a workload loses pods in two of its incidents and their losses together exceed its slack
  (replicas − required): it may become unavailable although neither alone makes it so;
* a service is touched by two of its incidents and down in at least one: the union counts
  that outage once, the sum would count it twice;
* two or more of its incidents fail nodes and some lost pods reschedule, unless the room
  check proves first-fit still places every pod (see :class:`GroupRoom`);
* a ``no_scheduling`` incident (registry, scheduler down) overlaps one whose pods reschedule.

What stays additive by design: two incidents that only *degrade* one service (the degraded
cost of the overlap is counted twice, bad minutes add the lost shares instead of taking
their maximum) — a small overestimate bounded by degraded cost × overlap minutes.
"""

from __future__ import annotations

import numpy as np

from riskmodel.model.bounds import MINUTES_PER_YEAR
from riskmodel.simulate.structures import StructureTable

YEAR_STRIDE = 4.0 * MINUTES_PER_YEAR
"""Years are laid end to end this far apart, so an incident running past 31 December never
overlaps the next simulated year (its cost still counts in the year it started)."""


WALK_STEPS = 16
"""Longest run of overlapping incidents :func:`_opens` follows step by step before it takes
the running maximum over all of them instead (the same answer either way)."""


def _start_order(key: np.ndarray, years: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.argsort(key, kind="stable")`` and the sorted keys, faster. The keys come year by year: with few
    incidents a year they are nearly sorted and timsort (stable) is quickest; with many,
    introsort is — and gives the same order whenever no two keys are equal (checked; the
    stable sort is redone when some are). Non-negative float64 keys sort as their bit
    patterns read as int64 do (the same order, ties included), and the stable sort of those
    integers is quicker; the keys here (year · stride + start, the stride product ≥ +0) are
    never −0.0, whose bit pattern would sort first."""
    if len(key) >= 32 * years:
        order = np.argsort(key)
        ordered = key[order]
        if not np.any(ordered[1:] == ordered[:-1]):
            return order, ordered
    order = np.argsort(key.view(np.int64) if len(key) and key.min() >= 0.0 else key, kind="stable")
    return order, key[order]


def clusters(year: np.ndarray, start: np.ndarray, end: np.ndarray,
             years: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Incidents that overlap another one (sorted by year and start), and a compact cluster id
    for each of them (0, 1, … in that order). ``years``: the span of ``year`` when known."""
    if len(year) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    offset = year * YEAR_STRIDE
    key_start = offset + start
    reach_key = np.minimum(end, YEAR_STRIDE - 1.0)
    reach_key += offset
    order, sorted_start = _start_order(key_start, int(year.max() - year.min()) + 1 if years is None else years)
    reach = reach_key[order]
    opens = _opens(sorted_start, reach)
    shared = ~opens[:-1]
    shared |= ~opens[1:]
    members = order[shared]
    return members, (np.cumsum(opens[:-1][shared]) - 1).astype(np.int64)


def _opens(sorted_start: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Per sorted incident (and one past the end, True): it starts at or after every earlier
    incident's reach — ``sorted_start[i] >= max(reach[:i])``, the running maximum.

    When few incidents overlap their predecessor, the running maximum is followed only from
    those: an incident that starts before the running maximum starts before ``reach[j]`` of
    some earlier ``j`` whose successor overlaps ``j`` directly, and every incident between
    them does too — so walking on from each direct overlap while the start stays below the
    walk's own maximum finds them all (the same answer as ``np.maximum.accumulate``)."""
    size = len(reach)
    opens = np.ones(size + 1, dtype=bool)
    walk = np.flatnonzero(sorted_start[1:] < reach[:-1])
    highest = reach[walk]
    for _ in range(WALK_STEPS if len(walk) * 8 <= size else 0):
        walk += 1
        keep = walk < size
        walk, highest = walk[keep], highest[keep]
        inside = sorted_start[walk] < highest
        walk, highest = walk[inside], highest[inside]
        opens[walk] = False
        if not len(walk):
            return opens
        np.maximum(highest, reach[walk], out=highest)
    np.greater_equal(sorted_start[1:], np.maximum.accumulate(reach)[:-1], out=opens[1:-1])
    return opens


def _expand(pointer: np.ndarray, structure: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR rows of ``structure``: (position of the owning incident, position in the values)."""
    lengths = pointer[structure + 1] - pointer[structure]
    owner = np.repeat(np.arange(len(structure)), lengths)
    offsets = np.cumsum(lengths) - lengths
    return owner, pointer[structure][owner] + np.arange(len(owner)) - offsets[owner]


def _grouped(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort order, start of each run of equal keys and run lengths."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.concatenate([[True], sorted_keys[1:] != sorted_keys[:-1]])) if len(keys) else \
        np.zeros(0, dtype=np.int64)
    return order, starts, np.diff(np.concatenate([starts, [len(keys)]]))


def _shared_entries(pointer: np.ndarray, keys: np.ndarray, stride: int, cluster: np.ndarray,
                    structure: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Entries (workloads or services) of each incident, grouped by (cluster, entry).

    Returns the values' positions in group order, the group starts and lengths, and the
    cluster of each group; a clash test reduces over each group.
    """
    owner, position = _expand(pointer, structure)
    order, starts, runs = _grouped(cluster[owner] * stride + keys[position])
    return position[order], starts, runs, cluster[owner][order][starts]


def _clusters_with(clash: np.ndarray, group_cluster: np.ndarray, count: int) -> np.ndarray:
    return np.bincount(group_cluster[clash], minlength=count) > 0


def _workload_clash(table: StructureTable, cluster: np.ndarray, structure: np.ndarray, count: int) -> np.ndarray:
    """Clusters where incidents together take more pods of one workload than it can spare."""
    position, starts, runs, group_cluster = _shared_entries(
        table.workload_ptr, table.workload_key, len(table.indexes) * table.workload_stride, cluster, structure)
    if not len(starts):
        return np.zeros(count, dtype=bool)
    lost = np.add.reduceat(table.workload_lost[position], starts)
    clash = (runs >= 2) & (lost > table.workload_slack[position][starts] + 1e-9)
    return _clusters_with(clash, group_cluster, count)


def _service_clash(table: StructureTable, cluster: np.ndarray, structure: np.ndarray, count: int) -> np.ndarray:
    """Clusters where two incidents touch one service and one of them takes it down."""
    position, starts, runs, group_cluster = _shared_entries(
        table.service_ptr, table.service_key, len(table.indexes) * table.service_stride, cluster, structure)
    if not len(starts):
        return np.zeros(count, dtype=bool)
    down = np.add.reduceat(table.service_down[position].astype(np.int64), starts)
    return _clusters_with((runs >= 2) & (down > 0), group_cluster, count)


def _room_shortfall(table: StructureTable, cluster: np.ndarray, structure: np.ndarray, moves: np.ndarray,
                    candidates: np.ndarray) -> np.ndarray:
    """For the single-group candidate clusters: can first-fit fail to place every moved pod?"""
    short = np.zeros(len(candidates), dtype=bool)
    member = np.isin(cluster, candidates)
    where = np.searchsorted(candidates, cluster[member])
    s, m = structure[member], moves[member]
    zones = table.demand_zone.shape[1]
    unbound = np.bincount(where, table.demand_unbound[s] * m, minlength=len(candidates))
    bound = np.zeros((len(candidates), zones))
    np.add.at(bound, where, table.demand_zone[s] * m[:, None])
    cpu_max = np.zeros(len(candidates))
    memory_max = np.zeros(len(candidates))
    np.maximum.at(cpu_max, where, np.where(m, table.max_cpu[s], 0.0))
    np.maximum.at(memory_max, where, np.where(m, table.max_memory[s], 0.0))
    group = np.zeros(len(candidates), dtype=np.int64)
    group[where] = table.group[s]
    for g in np.unique(group):
        room = table.rooms[g]
        mine = group == g
        c = np.clip(np.searchsorted(room.cpu_levels, cpu_max[mine]), 0, len(room.cpu_levels) - 1)
        k = np.clip(np.searchsorted(room.memory_levels, memory_max[mine]), 0, len(room.memory_levels) - 1)
        available = room.room[c, k, :]
        local = np.full(len(candidates), -1)
        local[mine] = np.arange(mine.sum())
        picked = (local[where] >= 0) & (table.single_node[s] >= 0)
        node = table.single_node[s][picked]
        at = local[where][picked]
        units = np.minimum(np.minimum(np.floor(room.free_cpu[node] / room.cpu_levels[c[at]]),
                                      np.floor(room.free_memory[node] / room.memory_levels[k[at]])),
                           room.free_slots[node])
        np.subtract.at(available, (at, room.node_zone[node]), units)
        need = bound[mine] + unbound[mine][:, None]
        short[mine] = (available.sum(axis=1) < unbound[mine] + bound[mine].sum(axis=1)) | \
            ((bound[mine] > 0) & (available < need)).any(axis=1)
    return short


def _capacity_clash(table: StructureTable, cluster: np.ndarray, structure: np.ndarray, moves: np.ndarray,
                    no_scheduling: np.ndarray, count: int) -> np.ndarray:
    demand = table.demand_unbound[structure] + table.demand_zone[structure].sum(axis=1)
    moving = moves & (demand > 0)
    any_moving = np.bincount(cluster, moving, minlength=count) > 0
    fails_nodes = table.node_count[structure] > 0
    node_incidents = np.bincount(cluster, fails_nodes, minlength=count)
    clash = any_moving & (np.bincount(cluster, no_scheduling, minlength=count) > 0)
    many_nodes = np.bincount(cluster, table.node_count[structure] > 1, minlength=count) > 0
    group = table.group[structure]
    lowest = np.full(count, np.iinfo(np.int64).max)
    highest = np.full(count, -1)
    np.minimum.at(lowest, cluster, group)
    np.maximum.at(highest, cluster, group)
    same_group = lowest == highest
    check = any_moving & (node_incidents >= 2)
    clash |= check & (many_nodes | ~same_group)
    candidates = np.flatnonzero(check & ~many_nodes & same_group)
    if len(candidates):
        clash[candidates] |= _room_shortfall(table, cluster, structure, moving, candidates)
    return clash


def interacting(table: StructureTable, cluster: np.ndarray, structure: np.ndarray, moves: np.ndarray,
                no_scheduling: np.ndarray) -> np.ndarray:
    """Per cluster: True when its incidents' impacts can interact (see module docstring).

    ``moves``: the incident reschedules pods before it ends; arrays are per clustered incident.
    """
    count = int(cluster.max()) + 1 if len(cluster) else 0
    if count == 0:
        return np.zeros(0, dtype=bool)
    return (_workload_clash(table, cluster, structure, count) | _service_clash(table, cluster, structure, count)
            | _capacity_clash(table, cluster, structure, moves, no_scheduling, count))
