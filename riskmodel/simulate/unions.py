"""Exact cost and bad minutes per minute of united failed sets, evaluated in batches.

A *union key* is (group, structures before their reschedule time, structures past it,
scheduling blocked). Its failed nodes, workloads and services are united; lost pods per
workload are counted; only pods of nodes failed by structures past their reschedule time
move (none while blocked), first-fit decreasing — as :func:`riskmodel.engine.impact.place_lost_pods`.
Many keys are evaluated at once: lost pods from the (nodes × workloads) pod counts, and one
:func:`riskmodel.engine.impact.phase_states` call for all of them.

Rescheduling shortcut (exact, not an approximation): when the room check of
:class:`~riskmodel.simulate.structures.GroupRoom` proves that first fit places *every*
movable pod (room in units of the largest moved pod, minus the failed nodes' room, covers
the demand per zone and in total), the rescheduled pods per workload are simply the movable
pods per workload — which is what first fit returns then. Otherwise first fit runs.

Values depend on the key alone (never on the batch), so caching and the number of worker
processes cannot change a result. The cache is bounded: it is emptied when full, after the
values a call asked for have been collected, so a call never loses its own keys (a call may
need more keys than the bound; it still gets them all).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from riskmodel.engine.impact import phase_states, place_lost_pods
from riskmodel.simulate.structures import StructureTable

UnionKey = tuple[int, frozenset[int], frozenset[int], bool]
CACHE_LIMIT = 50_000
"""Keys kept before the cache is emptied (each holds one bad-minutes row per service)."""


@dataclass(eq=False)
class UnionEvaluator:
    """Cost per minute and bad minutes per minute of united failed sets (cached)."""

    table: StructureTable
    cache_limit: int = field(default_factory=lambda: CACHE_LIMIT)
    cache: dict[UnionKey, tuple[float, np.ndarray]] = field(default_factory=dict)
    _positions: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    _resched: dict[int, np.ndarray] = field(default_factory=dict)
    _position_sets: dict[int, tuple[frozenset[int], frozenset[int], frozenset[int]]] = field(default_factory=dict)

    def positions(self, structure: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Failed node, workload and service positions of one structure."""
        if structure not in self._positions:
            index = self.table.indexes[int(self.table.group[structure])]
            failed = self.table.impacts[structure].failed_set
            self._positions[structure] = (
                np.array(sorted(index.node_position[n] for n in failed.nodes), dtype=np.int64),
                np.array(sorted(index.workload_position[w] for w in failed.workloads), dtype=np.int64),
                np.array(sorted(index.service_position[s] for s in failed.services), dtype=np.int64))
        return self._positions[structure]

    def rate(self, key: UnionKey) -> tuple[float, np.ndarray]:
        """One key (evaluated alone when not cached)."""
        return self.rates([key])[0]

    def rates(self, keys: list[UnionKey]) -> list[tuple[float, np.ndarray]]:
        """(cost per minute, bad minutes per minute per service) of each key, in order.

        Keys not cached are evaluated grouped by topology, in batches; the cache is emptied
        first when they would overflow it, but the values of this call are kept aside.
        """
        found = {k: self.cache[k] for k in keys if k in self.cache}
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        fresh: dict[UnionKey, tuple[float, np.ndarray]] = {}
        for group in sorted({k[0] for k in missing}):
            mine = [k for k in missing if k[0] == group]
            cost, bad = self._evaluate(group, mine)
            fresh.update(zip(mine, zip(cost.tolist(), bad, strict=True), strict=True))
        if len(self.cache) + len(fresh) > self.cache_limit:
            self.cache.clear()
        self.cache.update(fresh)
        found.update(fresh)
        return [found[k] for k in keys]

    def _sets(self, structure: int) -> tuple[frozenset[int], frozenset[int], frozenset[int]]:
        if structure not in self._position_sets:
            nodes, workloads, services = (frozenset(p.tolist()) for p in self.positions(structure))
            self._position_sets[structure] = (nodes, workloads, services)
        return self._position_sets[structure]

    def _union(self, key: UnionKey) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Failed nodes, failed workloads, directly-down services and moving nodes of a key."""
        _, before, after, blocked = key
        parts = [self._sets(s) for s in before | after]
        nodes: set[int] = set()
        workloads: set[int] = set()
        services: set[int] = set()
        moving: set[int] = set()
        for structure_nodes, structure_workloads, structure_services in parts:
            nodes |= structure_nodes
            workloads |= structure_workloads
            services |= structure_services
        if not blocked:
            for structure in after:
                moving |= self._sets(structure)[0]
        return tuple(np.fromiter(values, dtype=np.int64, count=len(values))  # type: ignore[return-value]
                     for values in (nodes, workloads, services, moving))

    def _movable_counts(self, group: int) -> np.ndarray:
        """(nodes × workloads) reschedulable pods, for the shortcut's counts."""
        if group not in self._resched:
            index = self.table.indexes[group]
            counts = np.zeros((len(index.node_names), len(index.workload_names)), dtype=np.int64)
            movable = index.pod_reschedulable
            np.add.at(counts, (index.pod_node[movable], index.pod_workload[movable]), 1)
            self._resched[group] = counts
        return self._resched[group]

    def _evaluate(self, group: int, keys: list[UnionKey]) -> tuple[np.ndarray, np.ndarray]:
        index = self.table.indexes[group]
        count = len(keys)
        lost = np.zeros((count, len(index.workload_names)))
        direct_down = np.zeros((count, len(index.service_names)), dtype=bool)
        for row, key in enumerate(keys):
            nodes, workloads, services, moving = self._union(key)
            lost[row] = index.node_workload_pods[nodes].sum(axis=0)
            lost[row, workloads] = index.replicas[workloads]
            direct_down[row, services] = True
            if moving.size:
                lost[row] -= self._rescheduled(group, nodes, workloads, moving)
        states = phase_states(index, lost, direct_down, np.zeros(count, dtype=bool))
        down = np.stack([s.down_services for s in states])
        fraction = np.stack([s.degraded_service_fraction for s in states])
        degraded = np.stack([s.degraded_services for s in states])
        cost = ((index.cost_per_hour * down + index.degraded_cost_per_hour * fraction) / 60.0).sum(axis=1)
        return cost, down + degraded * fraction

    def _rescheduled(self, group: int, nodes: np.ndarray, workloads: np.ndarray, moving: np.ndarray) -> np.ndarray:
        """Pods per workload that first fit reschedules (the shortcut when room is proven)."""
        index = self.table.indexes[group]
        counts = self._movable_counts(group)[moving].sum(axis=0)
        counts[workloads] = 0
        if counts.sum() == 0:
            return counts
        if self._room_suffices(group, nodes, workloads, moving):
            return counts
        failed = np.zeros(len(index.node_names), dtype=bool)
        failed[nodes] = True
        pods = np.concatenate([index.pods_on_node[n] for n in moving])
        pods = np.sort(pods[~np.isin(index.pod_workload[pods], workloads)])
        return place_lost_pods(index, pods, failed).rescheduled_per_workload

    def _room_suffices(self, group: int, nodes: np.ndarray, workloads: np.ndarray, moving: np.ndarray) -> bool:
        """True when first fit certainly places every movable pod (see module docstring)."""
        index, room = self.table.indexes[group], self.table.rooms[group]
        pods = np.concatenate([index.pods_on_node[n] for n in moving])
        pods = pods[index.pod_reschedulable[pods] & ~np.isin(index.pod_workload[pods], workloads)]
        if index.pod_other[pods].any():
            return False  # the room table counts cpu, memory and slots only: place exactly
        c = min(int(np.searchsorted(room.cpu_levels, index.pod_cpu_millicores[pods].max())), len(room.cpu_levels) - 1)
        k = min(int(np.searchsorted(room.memory_levels, index.pod_memory_bytes[pods].max())),
                len(room.memory_levels) - 1)
        zones = room.room.shape[2]
        cpu, memory = max(room.cpu_levels[c], 1e-9), max(room.memory_levels[k], 1e-9)
        units = np.minimum(np.minimum(np.floor(room.free_cpu[nodes] / cpu), np.floor(room.free_memory[nodes] / memory)),
                           room.free_slots[nodes])
        available = room.room[c, k, :] - np.bincount(room.node_zone[nodes], units, minlength=zones)
        bound = index.pod_zone_bound[pods]
        unbound = float((bound < 0).sum())
        per_zone = np.bincount(bound[bound >= 0], minlength=zones)[:zones].astype(float)
        if available.sum() < unbound + per_zone.sum():
            return False
        return not ((per_zone > 0) & (available < per_zone + unbound)).any()
