"""The exact (slow) path: a cluster of interacting incidents evaluated as one union over time.

The cluster's time span is cut at every start, reschedule time and end. In each segment the
active incidents' failed sets are united — nodes, workloads and directly-down services —
and evaluated like :func:`riskmodel.impact.structural_impact`, except that only the pods of
nodes failed by incidents *past their own reschedule time* are rescheduled (first-fit
decreasing), and none while a ``no_scheduling`` incident is active. The union's cost rate is
scaled by the largest impact scale among the active incidents (approximation: measures with
an ``impact_factor`` on only one of two overlapping modes are credited at the weaker one).
Degraded-effect incidents are added as they are (see :mod:`riskmodel.simulate.structures`).
Union rates are cached by (group, failed-before, failed-after, scheduling blocked).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from riskmodel.impact import phase_state, place_lost_pods
from riskmodel.simulate.structures import StructureTable

UnionKey = tuple[int, frozenset[int], frozenset[int], bool]


@dataclass(eq=False)
class UnionEvaluator:
    """Cost per minute and bad minutes per minute of united failed sets (cached)."""

    table: StructureTable
    cache: dict[UnionKey, tuple[float, np.ndarray]] = field(default_factory=dict)
    _positions: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)

    def positions(self, structure: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Failed node, workload and service positions of one structure."""
        if structure not in self._positions:
            index = self.table.indexes[int(self.table.group[structure])]
            failed = self.table.impacts[structure].failed_set
            self._positions[structure] = (
                np.array([index.node_position[n] for n in failed.nodes], dtype=np.int64),
                np.array([index.workload_position[w] for w in failed.workloads], dtype=np.int64),
                np.array([index.service_position[s] for s in failed.services], dtype=np.int64))
        return self._positions[structure]

    def rate(self, key: UnionKey) -> tuple[float, np.ndarray]:
        if key not in self.cache:
            self.cache[key] = self._evaluate(*key)
        return self.cache[key]

    def _evaluate(self, group: int, before: frozenset[int], after: frozenset[int],
                  blocked: bool) -> tuple[float, np.ndarray]:
        index = self.table.indexes[group]
        nodes = np.zeros(len(index.node_names), dtype=bool)
        moving_nodes = np.zeros(len(index.node_names), dtype=bool)
        workloads = np.zeros(len(index.workload_names), dtype=bool)
        direct_down = np.zeros(len(index.service_names), dtype=bool)
        for structure in before | after:
            node_positions, workload_positions, service_positions = self.positions(structure)
            nodes[node_positions] = True
            workloads[workload_positions] = True
            direct_down[service_positions] = True
            if structure in after and not blocked:
                moving_nodes[node_positions] = True
        hit = nodes[index.pod_node] | workloads[index.pod_workload]
        lost = np.bincount(index.pod_workload[hit], minlength=len(index.workload_names)).astype(float)
        movable = np.flatnonzero(moving_nodes[index.pod_node] & ~workloads[index.pod_workload])
        if movable.size:
            lost = lost - place_lost_pods(index, movable, nodes).rescheduled_per_workload
        state = phase_state(index, lost, direct_down, degraded_only=False)
        return state.cost_per_minute(index), state.bad_minutes_per_minute()


@dataclass(frozen=True, eq=False)
class ClusterInput:
    """Per member of one cluster: structure, group, times (minutes), scale, flags, costs."""

    structure: np.ndarray
    group: np.ndarray
    start: np.ndarray
    reschedule: np.ndarray
    end: np.ndarray
    scale: np.ndarray
    no_scheduling: np.ndarray
    degraded: np.ndarray
    incident_cost: np.ndarray
    single_loss: np.ndarray
    single_bad: np.ndarray


def evaluate_cluster(evaluator: UnionEvaluator, c: ClusterInput) -> tuple[float, np.ndarray, np.ndarray]:
    """Loss (dollars), bad minutes per service and the loss attributed to each member.

    Attribution is in proportion to the members' stand-alone losses (equal shares when
    none costs anything alone, as with two node losses that only together break a quorum).
    """
    hard = ~c.degraded
    loss = float(c.incident_cost.sum() + c.single_loss[c.degraded].sum())
    bad = c.single_bad[c.degraded].sum(axis=0) if c.degraded.any() else np.zeros(c.single_bad.shape[1])
    times = np.unique(np.concatenate([c.start[hard], c.end[hard], c.reschedule[hard & np.isfinite(c.reschedule)]]))
    for t0, t1 in zip(times[:-1], times[1:], strict=True):
        active = hard & (c.start <= t0) & (c.end > t0)
        if not active.any():
            continue
        moved = active & (c.reschedule <= t0)
        blocked = bool((active & c.no_scheduling).any())
        for group in np.unique(c.group[active]):
            mine = active & (c.group == group)
            key = (int(group), frozenset(c.structure[mine & ~moved].tolist()),
                   frozenset(c.structure[mine & moved].tolist()), blocked)
            cost_rate, bad_rate = evaluator.rate(key)
            scale = float(c.scale[mine].max())
            loss += scale * cost_rate * (t1 - t0)
            bad = bad + scale * bad_rate * (t1 - t0)
    alone = c.single_loss
    share = alone / alone.sum() if alone.sum() > 0 else np.full(len(alone), 1.0 / len(alone))
    return loss, bad, loss * share
