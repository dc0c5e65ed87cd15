"""Exact cost and bad minutes per minute of united failed sets, evaluated in batches.

A union is named by a *key row* (:func:`riskmodel.simulate.sweep.key_rows`): its topology
group, whether scheduling is blocked, and its structures, each marked as before or past its
reschedule time. Its failed nodes, workloads and services are united; lost pods per workload
are counted; only pods of nodes failed by structures past their reschedule time move (none
while blocked), first-fit decreasing — as :func:`riskmodel.engine.placement.place_lost_pods`.

A whole batch of keys is evaluated at once, from the structures' summed rows
(:mod:`.union_parts`) and one :func:`riskmodel.engine.phases.sparse_phase` call per group.

Rescheduling shortcuts (exact, not approximations): pods that no surviving schedulable node
may take (their zone is down, or every node is) stay lost, as first fit leaves them; for the
rest, when the class-by-class room check of :mod:`.room` proves that first fit places every
pod, the rescheduled pods per workload are simply the movable pods per workload — which is
what first fit returns then. First fit runs only for the keys the check cannot prove.

Values depend on the key alone (never on the batch), so caching and the number of worker
processes cannot change a result. The cache is bounded: it is emptied when full, after the
values a call asked for have been collected, so a call never loses its own keys (a call may
need more keys than the bound; it still gets them all).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from riskmodel.engine.csr import expand, reduced_by_code
from riskmodel.engine.phases import sparse_phase
from riskmodel.engine.placement import rescheduled_counts
from riskmodel.engine.room import classes_fit
from riskmodel.engine.topology import TopologyIndex
from riskmodel.simulate.structures import StructureTable
from riskmodel.simulate.sweep import key_rows
from riskmodel.simulate.union_parts import GroupParts, group_parts

UnionKey = tuple[int, frozenset[int], frozenset[int], bool]
"""(group, structures before their reschedule time, structures past it, scheduling blocked)."""
CACHE_LIMIT = 20_000
"""Keys kept before the cache is emptied (each holds one bad-minutes row per service)."""
BATCH_CELLS = 1 << 21
"""Keys per batch × services: bounds a batch's dense (keys × services) results (16 MiB each)."""


def rows_of(keys: list[UnionKey]) -> np.ndarray:
    """Key rows of union keys given as tuples (as tests and callers outside the sweep name them)."""
    codes = [sorted({2 * s for s in before} | {2 * s + 1 for s in after}) for _, before, after, _ in keys]
    run = np.repeat(np.arange(len(keys)), [len(c) for c in codes])
    flat = np.array([c for row in codes for c in row], dtype=np.int64)
    return key_rows(np.array([k[0] for k in keys], dtype=np.int64), np.array([k[3] for k in keys], dtype=np.int64),
                    run, flat, len(keys))


NAME_WIDTH = 3 + 13
"""Key rows of up to 13 structures are named by their bytes padded to this many columns, all
rows in one conversion; longer ones (longer names) by their own columns."""


def _names(rows: np.ndarray) -> list[bytes]:
    """A cache name per key row, the same for equal keys whatever the rows' padding width
    (trailing zero bytes dropped by the ``S`` view do not matter: the width is fixed)."""
    width = min(rows.shape[1], NAME_WIDTH)
    padded = np.full((len(rows), NAME_WIDTH), -1, dtype=np.int64)
    padded[:, :width] = rows[:, :width]
    names = padded.view(f"S{8 * NAME_WIDTH}").ravel().tolist()
    for i in np.flatnonzero(rows[:, 2] > NAME_WIDTH - 3).tolist():
        names[i] = rows[i, :3 + rows[i, 2]].tobytes()
    return names


def _distinct(code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct codes, and the extra occurrences of repeated ones (one per repeat)."""
    code = np.sort(code)
    first = np.r_[True, code[1:] != code[:-1]] if len(code) else np.zeros(0, dtype=bool)
    return code[first], code[~first]


def _summed(code: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    distinct, inverse = np.unique(code, return_inverse=True)
    return distinct, np.bincount(inverse, value, minlength=len(distinct))


def _rows_summed(slot: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """``np.add.at(np.zeros((count, k)), slot, values)`` for whole numbers (room units: summed
    in any order they are exact)."""
    total = np.zeros((count, values.shape[1]))
    distinct, sums = reduced_by_code(slot, values, np.add)
    total[distinct] = sums
    return total


def _member(sorted_values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``np.isin(queries, sorted_values)`` for sorted distinct values, by binary search."""
    if not len(sorted_values):
        return np.zeros(len(queries), dtype=bool)
    where = np.minimum(np.searchsorted(sorted_values, queries), len(sorted_values) - 1)
    return sorted_values[where] == queries


@dataclass(frozen=True, eq=False)
class _Batch:
    """The keys of one batch in flat form (codes are ``key · size + position``, sorted)."""

    keys: int
    structure: np.ndarray
    structure_key: np.ndarray
    moved: np.ndarray
    """Per (key, structure) entry: it is past its reschedule time and scheduling is not blocked."""
    failed: np.ndarray
    """Distinct key · nodes + node of every failed node, and below the repeats of such codes."""
    failed_repeats: np.ndarray
    moving: np.ndarray
    moving_repeats: np.ndarray
    workload_codes: np.ndarray
    """key · workloads + workload of every failed workload, sorted."""
    direct_down: np.ndarray


class _Cache:
    """Values of evaluated keys by their row bytes, held in arrays (cheap to fill and read)."""

    def __init__(self, services: int) -> None:
        self.position: dict[bytes, int] = {}
        self.cost = np.zeros(0)
        self.bad = np.zeros((0, services))

    def __len__(self) -> int:
        return len(self.position)

    def clear(self) -> None:
        self.position.clear()

    def store(self, names: list[bytes], cost: np.ndarray, bad: np.ndarray) -> None:
        start = len(self.position)
        needed = start + len(names)
        if needed > len(self.cost):
            size = max(needed, 2 * len(self.cost))
            self.cost = np.concatenate([self.cost[:start], np.zeros(size - start)])
            self.bad = np.concatenate([self.bad[:start], np.zeros((size - start, self.bad.shape[1]))])
        self.cost[start:needed], self.bad[start:needed] = cost, bad
        self.position.update(zip(names, range(start, needed), strict=True))


@dataclass(eq=False)
class UnionEvaluator:
    """Cost per minute and bad minutes per minute of united failed sets (cached)."""

    table: StructureTable
    cache_limit: int = field(default_factory=lambda: CACHE_LIMIT)
    cache: _Cache = field(init=False)
    _parts: dict[int, GroupParts] = field(default_factory=dict)
    _placements: dict[int, tuple[set[int], set[int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cache = _Cache(len(self.table.indexes[0].service_names))

    def positions(self, structure: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Failed node, workload and service positions of one structure (in its group's topology)."""
        st = self.table
        return tuple(values[pointer[structure]:pointer[structure + 1]]  # type: ignore[return-value]
                     for pointer, values in ((st.failed_node_ptr, st.failed_node),
                                             (st.failed_workload_ptr, st.failed_workload),
                                             (st.failed_service_ptr, st.failed_service)))

    def rate(self, key: UnionKey) -> tuple[float, np.ndarray]:
        """One key (evaluated alone when not cached)."""
        return self.rates([key])[0]

    def rates(self, keys: list[UnionKey]) -> list[tuple[float, np.ndarray]]:
        """Several keys given as tuples; see :meth:`evaluate`."""
        cost, bad = self.evaluate(rows_of(keys))
        return list(zip(cost.tolist(), bad, strict=True))

    def evaluate(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Dollars per minute (one per key row) and bad minutes per minute (keys × services)."""
        names = _names(rows)
        position = self.cache.position
        found = np.array([position.get(name, -1) for name in names], dtype=np.int64)
        hit = found >= 0
        missing = np.flatnonzero(~hit)
        groups = np.unique(rows[missing, 0]).tolist()
        services = self.cache.bad.shape[1]
        all_cost = np.empty(len(rows))
        if len(missing) == len(rows) and len(groups) == 1:  # the usual case: nothing cached, one topology
            all_bad = np.zeros((len(rows), services))
            self._evaluate(groups[0], rows, all_cost, all_bad)
        else:
            all_bad = np.empty((len(rows), services))
            all_cost[hit], all_bad[hit] = self.cache.cost[found[hit]], self.cache.bad[found[hit]]
            chosen = rows[missing]
            for group in groups:
                mine = missing[chosen[:, 0] == group]
                cost, bad = np.empty(len(mine)), np.zeros((len(mine), services))
                self._evaluate(group, rows[mine], cost, bad)
                all_cost[mine], all_bad[mine] = cost, bad
        if len(missing):
            if len(self.cache) + len(missing) > self.cache_limit:
                self.cache.clear()
            if len(missing) <= self.cache_limit:
                self.cache.store([names[i] for i in missing.tolist()], all_cost[missing], all_bad[missing])
        return all_cost, all_bad

    def _group(self, group: int) -> GroupParts:
        if group not in self._parts:
            self._parts[group] = group_parts(self.table, group)
        return self._parts[group]

    def _evaluate(self, group: int, rows: np.ndarray, cost: np.ndarray, bad: np.ndarray) -> None:
        """Fill ``cost`` (one per row) and the zeroed ``bad`` (rows × services), batch by batch."""
        index = self.table.indexes[group]
        step = max(1, BATCH_CELLS // max(len(index.service_names), 1))
        for low in range(0, len(rows), step):
            self._evaluate_batch(index, group, rows[low:low + step], cost[low:low + step], bad[low:low + step])

    def _batch(self, index: TopologyIndex, rows: np.ndarray) -> _Batch:
        st, keys = self.table, len(rows)
        valid = np.arange(rows.shape[1] - 3)[None, :] < rows[:, 2:3]
        key, code = np.nonzero(valid)[0], rows[:, 3:][valid]
        structure, moved = code >> 1, (code & 1).astype(bool) & (rows[key, 1] == 0)
        nodes = len(index.node_names)
        owner, position = expand(st.failed_node_ptr, structure)
        occurrence = key[owner] * nodes + st.failed_node[position]
        failed, failed_repeats = _distinct(occurrence)
        moving, moving_repeats = _distinct(occurrence[moved[owner]])
        owner, position = expand(st.failed_workload_ptr, structure)
        workload_codes = np.unique(key[owner] * len(index.workload_names) + st.failed_workload[position])
        owner, position = expand(st.failed_service_ptr, structure)
        direct_down = np.zeros((keys, len(index.service_names)), dtype=bool)
        direct_down[key[owner], st.failed_service[position]] = True
        return _Batch(keys, structure, key, moved, failed, failed_repeats, moving, moving_repeats, workload_codes,
                      direct_down)

    def _evaluate_batch(self, index: TopologyIndex, group: int, rows: np.ndarray, out_cost: np.ndarray,
                        out_bad: np.ndarray) -> None:
        parts, batch = self._group(group), self._batch(index, rows)
        workloads, nodes = len(index.workload_names), len(index.node_names)
        owner, position = expand(parts.lost.ptr, batch.structure)
        codes = [batch.structure_key[owner] * workloads + parts.lost.columns[0][position]]
        values = [parts.lost.columns[1][position]]
        owner, position = expand(parts.nodes.ptr, batch.failed_repeats % nodes)
        codes.append((batch.failed_repeats // nodes)[owner] * workloads + parts.nodes.workload[position])
        values.append(-parts.nodes.pods[position])
        codes.append(batch.workload_codes)
        values.append(np.zeros(len(batch.workload_codes)))
        code, lost = _summed(np.concatenate(codes), np.concatenate(values))
        lost[np.searchsorted(code, batch.workload_codes)] = index.replicas[batch.workload_codes % workloads]
        if len(batch.moving):
            moved, count = self._rescheduled(index, parts, batch)
            lost[np.searchsorted(code, moved)] -= count
        down, degraded, fraction = sparse_phase(index, batch.keys, code, lost, batch.direct_down)
        services = len(index.service_names)
        down_key, down_service = np.divmod(down, services)
        degraded_key, degraded_service = np.divmod(degraded, services)
        cost = np.bincount(down_key, index.cost_per_hour[down_service], minlength=batch.keys).astype(float)
        cost += np.bincount(degraded_key, index.degraded_cost_per_hour[degraded_service] * fraction,
                            minlength=batch.keys)
        flat = out_bad.reshape(-1)
        flat[down], flat[degraded] = 1.0, fraction
        np.divide(cost, 60.0, out=out_cost)

    def _movable(self, index: TopologyIndex, parts: GroupParts, batch: _Batch) -> tuple[np.ndarray, np.ndarray]:
        """Movable pods of the moving nodes as distinct key · (workloads · (zones + 1)) +
        workload · (zones + 1) + zone + 1 codes and counts, failed workloads left out."""
        zones, nodes = len(index.zone_names), len(index.node_names)
        radix = len(index.workload_names) * (zones + 1)
        owner, position = expand(parts.movable.ptr, batch.structure[batch.moved])
        codes = [batch.structure_key[batch.moved][owner] * radix + parts.movable.columns[0][position]]
        values = [parts.movable.columns[1][position]]
        owner, position = expand(parts.nodes.ptr, batch.moving_repeats % nodes)
        mine = parts.nodes.movable[position]
        codes.append((batch.moving_repeats // nodes)[owner][mine] * radix
                     + parts.nodes.workload[position][mine] * (zones + 1) + parts.nodes.zone[position][mine] + 1)
        values.append(-parts.nodes.pods[position][mine])
        code, count = _summed(np.concatenate(codes), np.concatenate(values))
        workload_code = code // radix * len(index.workload_names) + code % radix // (zones + 1)
        keep = (count > 0) & ~_member(batch.workload_codes, workload_code)
        return code[keep], count[keep]

    def _room(self, index: TopologyIndex, parts: GroupParts, batch: _Batch,
              local: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Schedulable nodes and room per class lost to the failed nodes, per zone, for the
        keys ``local`` numbers 0 … count − 1 (the others are left out)."""
        zones, nodes = len(index.zone_names), len(index.node_names)
        owner, position = expand(parts.room.ptr, batch.structure)
        key = local[batch.structure_key[owner]]
        mine = key >= 0
        slot = key[mine] * zones + parts.room.columns[0][position[mine]]
        failed = np.bincount(slot, parts.room.columns[1][position[mine]], minlength=count * zones)
        taken = _rows_summed(slot, parts.room.columns[2][position[mine]], count * zones)
        repeat_key, repeat_node = local[batch.failed_repeats // nodes], batch.failed_repeats % nodes
        mine = repeat_key >= 0
        slot = repeat_key[mine] * zones + parts.nodes.node_zone[repeat_node[mine]]
        failed -= np.bincount(slot, parts.nodes.schedulable[repeat_node[mine]], minlength=count * zones)
        taken -= _rows_summed(slot, parts.classes.units[repeat_node[mine]], count * zones)
        return failed.reshape(count, zones), taken.reshape(count, zones, -1)

    def _rescheduled(self, index: TopologyIndex, parts: GroupParts, batch: _Batch) -> tuple[np.ndarray, np.ndarray]:
        """Pods that first fit reschedules, as distinct (key · workloads + workload) and counts
        (the shortcuts of the module docstring, first fit for the keys they cannot prove)."""
        workloads, zones = len(index.workload_names), len(index.zone_names)
        radix = workloads * (zones + 1)
        code, count = self._movable(index, parts, batch)
        if not len(code):
            return code, count
        key, workload, zone = code // radix, code % radix // (zones + 1), code % (zones + 1) - 1
        moving_keys = np.unique(key)
        local = np.full(batch.keys, -1)
        local[moving_keys] = np.arange(len(moving_keys))
        failed_nodes, taken = self._room(index, parts, batch, local, len(moving_keys))
        survivors = np.bincount(index.node_zone[index.node_schedulable], minlength=zones)[None, :] - failed_nodes
        mine = local[key]
        placeable = np.where(zone >= 0, survivors[mine, np.maximum(zone, 0)] > 0, survivors.sum(axis=1)[mine] > 0)
        sizes = parts.classes.penalty.shape[0]
        slot = (mine * sizes + parts.classes.workload_class[workload]) * (zones + 1) + zone + 1
        pods = np.bincount(slot[placeable], count[placeable], minlength=len(moving_keys) * sizes * (zones + 1))
        proven = classes_fit(parts.classes, pods.reshape(len(moving_keys), sizes, zones + 1), taken)[mine]
        sure = placeable & proven
        moved, moved_count = _summed(key[sure] * workloads + workload[sure], count[sure])
        codes, counts = [moved], [moved_count]
        for unproven in np.unique(key[~proven]).tolist():
            placed = self._replayed(index, batch, unproven)
            if placed is None:
                placed = self._first_fit(index, batch, unproven)
            chosen = np.flatnonzero(placed)
            codes.append(unproven * workloads + chosen)
            counts.append(placed[chosen].astype(float))
        return np.concatenate(codes), np.concatenate(counts)

    def _replayed(self, index: TopologyIndex, batch: _Batch, key: int) -> np.ndarray | None:
        """First fit's result for a key with one moving structure whose own placement is listed,
        when the key's other failures leave it as it was: none of their failed nodes took a pod
        of it, and none of their failed workloads has a pod among its moving ones (removing room
        no pod went to, from nodes, changes no choice of first fit)."""
        mine = batch.structure_key == key
        movers = batch.structure[mine & batch.moved]
        if len(movers) != 1:
            return None
        mover = int(movers[0])
        placement = self.table.impacts[mover].placement
        if not placement.listed:
            return None
        targets, workloads = self._placement_sets(index, mover)
        nodes, count = len(index.node_names), len(index.workload_names)
        failed = set((batch.failed[batch.failed // nodes == key] % nodes).tolist())
        own = set(self.positions(mover)[0].tolist())
        failed_workloads = set((batch.workload_codes[batch.workload_codes // count == key] % count).tolist())
        if (failed - own) & targets or failed_workloads & workloads:
            return None
        return placement.rescheduled_per_workload

    def _placement_sets(self, index: TopologyIndex, structure: int) -> tuple[set[int], set[int]]:
        """Target nodes of a structure's listed placement, and the workloads of the pods it moved
        or left (cached: a zone outage's placement serves every union it is part of)."""
        found = self._placements.get(structure)
        if found is None:
            placement = self.table.impacts[structure].placement
            pods = [pod for pod, _ in placement.moves] + list(placement.unschedulable)
            found = self._placements[structure] = ({node for _, node in placement.moves},
                                                   set(index.pod_workload[pods].tolist()) if pods else set())
        return found

    def _first_fit(self, index: TopologyIndex, batch: _Batch, key: int) -> np.ndarray:
        nodes, workloads = len(index.node_names), len(index.workload_names)
        failed_nodes = batch.failed[batch.failed // nodes == key] % nodes
        moving = batch.moving[batch.moving // nodes == key] % nodes
        failed_workloads = batch.workload_codes[batch.workload_codes // workloads == key] % workloads
        failed = np.zeros(nodes, dtype=bool)
        failed[failed_nodes] = True
        moves = np.zeros(nodes, dtype=bool)
        moves[moving] = True
        candidates = np.flatnonzero(moves[index.pod_node])
        return rescheduled_counts(index, candidates[~np.isin(index.pod_workload[candidates], failed_workloads)], failed)
