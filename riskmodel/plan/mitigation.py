"""Topology-changing mitigations: the scenario as it would be with a measure in place.

Each change returns a new, validated :class:`~riskmodel.model.scenario.Scenario`; the risk model
is then rebuilt on it, so the same blast-radius code judges the mitigated cluster.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

from riskmodel.engine.exposure import workload_matches
from riskmodel.engine.topology import RESCHEDULABLE_KINDS, TopologyIndex
from riskmodel.model.catalog import Measure
from riskmodel.model.scenario import Node, Scenario, Workload

CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"


def target_workloads(measure: Measure, scenario: Scenario) -> list[Workload]:
    """Workloads a topology measure changes (DaemonSets never: they already run everywhere;
    nor a workload unavailable now: bringing it back is fixing a current problem, not a
    change to future risk, and would make its outage's risk reappear as a loss)."""
    return [w for w in scenario.workloads
            if w.kind != "DaemonSet" and not w.unavailable_now and workload_matches(measure.targets, w, scenario)]


class _Capacity:
    """Free cpu, memory and pod slots per node, updated as pods are placed."""

    def __init__(self, scenario: Scenario, avoid_nodes: frozenset[str] = frozenset(),
                 index: TopologyIndex | None = None) -> None:
        index = index if index is not None and index.scenario is scenario else TopologyIndex(scenario)
        self.scenario = scenario
        self.names = index.node_names
        self.position = index.node_position
        self.every_node = np.arange(len(self.names))
        self.by_zone = {name: np.flatnonzero(index.node_zone == zone) for zone, name in enumerate(index.zone_names)}
        self.cpu = index.free_cpu_millicores.copy()
        self.memory = index.free_memory_bytes.copy()
        self.slots = index.free_pod_slots.copy()
        healthy = np.ones(len(self.names), dtype=bool)
        healthy[[self.position[name] for name in avoid_nodes if name in self.position]] = False
        self.schedulable = index.node_schedulable & healthy
        self.control_plane = np.array([CONTROL_PLANE_LABEL in n.labels for n in scenario.nodes], dtype=bool) & healthy

    def place(self, workload: Workload, zone: str | None, avoid: Counter[str]) -> str | None:
        """The node in ``zone`` (any zone if None) with most free cpu that fits one more pod,
        preferring nodes holding fewer of ``avoid``; the first such node on ties."""
        cpu, memory = workload.requests.cpu_millicores, workload.requests.memory_bytes
        allowed = self.control_plane if workload.kind == "ControlPlane" else self.schedulable
        nodes = self.by_zone.get(zone, self.every_node[:0]) if zone is not None else self.every_node
        fits = nodes[allowed[nodes] & (self.cpu[nodes] >= cpu) & (self.memory[nodes] >= memory) & (self.slots[nodes] >= 1)]
        if not len(fits):
            return None
        crowding = np.zeros(len(fits))
        if avoid:  # fits is sorted (node positions in order)
            held = np.array([self.position[name] for name in avoid], dtype=np.int64)
            at = np.minimum(np.searchsorted(fits, held), len(fits) - 1)
            found = fits[at] == held
            crowding[at[found]] = np.array(list(avoid.values()), dtype=float)[found]
        fits = fits[crowding == crowding.min()]
        best = int(fits[np.flatnonzero(self.cpu[fits] == self.cpu[fits].max())[0]])
        self.cpu[best] -= cpu
        self.memory[best] -= memory
        self.slots[best] -= 1
        return self.names[best]

    def release(self, workload: Workload) -> None:
        for name in workload.pods:
            i = self.position[name]
            self.cpu[i] += workload.requests.cpu_millicores
            self.memory[i] += workload.requests.memory_bytes
            self.slots[i] += 1


def _zones_by_use(scenario: Scenario, pods: Iterable[str]) -> list[str]:
    """Zones ordered by how few of ``pods`` they hold (fewest first), then by name."""
    used = Counter(scenario.nodes_by_name[node].zone for node in pods)
    return sorted((zone.name for zone in scenario.zones), key=lambda zone: (used[zone], zone))


def _add_replicas(scenario: Scenario, capacity: _Capacity, workload: Workload, count: int) -> dict:
    pods = list(workload.pods)
    for _ in range(count):
        for zone in _zones_by_use(scenario, pods):
            node = capacity.place(workload, zone, Counter(pods))
            if node is not None:
                pods.append(node)
                break
    return {"pods": tuple(pods)}


def _spread(scenario: Scenario, capacity: _Capacity, workload: Workload) -> dict:
    capacity.release(workload)
    pods: list[str] = []
    zones = [zone.name for zone in scenario.zones]
    for position in range(len(workload.pods) if zones else 0):  # placed pods only: unplaced ones have no node
        preferred = zones[position % len(zones)]
        node = capacity.place(workload, preferred, Counter(pods)) or capacity.place(workload, None, Counter(pods))
        pods.append(node if node is not None else workload.pods[position])
    return {"pods": tuple(pods)}


def _spread_nodes(capacity: _Capacity, workload: Workload) -> dict:
    """Each replica on a node of its own where its zone has room (anti-affinity on the hostname),
    each staying in the zone it was in so that zone-level risk is unchanged."""
    capacity.release(workload)
    pods: list[str] = []
    for node_name in workload.pods:
        zone = capacity.scenario.nodes_by_name[node_name].zone
        pods.append(capacity.place(workload, zone, Counter(pods)) or node_name)
    return {"pods": tuple(pods)}


def _spare_nodes(scenario: Scenario, per_zone: int) -> list[dict]:
    spares = []
    for zone in scenario.zones:
        workers = [n for n in scenario.nodes if n.zone == zone.name and n.schedulable]
        if not workers:
            continue
        template = max(workers, key=lambda n: (n.allocatable.cpu_millicores, n.allocatable.memory_bytes))
        for i in range(per_zone):
            spare = template.model_dump(by_alias=False)
            spare.update(name=f"spare-{zone.name}-{i + 1}", labels={**template.labels, "riskmodel/spare": "true"})
            spares.append(spare)
    return spares


def _replaced(scenario: Scenario, **fields: object) -> Scenario:
    """A copy with some fields replaced. New entries are validated one by one; the
    scenario-level checks hold by construction (nodes are only added, pods only placed on
    existing nodes that fit them), so the 10,000-pod whole is not re-validated."""
    values = {name: getattr(scenario, name) for name in Scenario.model_fields}
    values.update(fields)
    return Scenario.model_construct(**values)


def apply_topology_measures(scenario: Scenario, measures: Iterable[Measure],
                            avoid_nodes: frozenset[str] = frozenset(), index: TopologyIndex | None = None) -> Scenario:
    """The scenario with every topology change of ``measures`` applied, in the order given.

    New or moved pods never land on ``avoid_nodes`` (nodes with an active problem now).
    ``index``: the topology index of ``scenario``, when one is already built (its free room
    is where placement starts).
    """
    for measure in measures:
        effect = measure.effect
        if effect.spare_nodes_per_zone:
            spares = tuple(Node.model_validate(spare) for spare in _spare_nodes(scenario, effect.spare_nodes_per_zone))
            scenario = _replaced(scenario, nodes=scenario.nodes + spares)
        if not (effect.add_replicas or effect.spread_zones or effect.spread_nodes or effect.regional_volumes):
            continue
        capacity = _Capacity(scenario, avoid_nodes, index)
        changed: dict[str, Workload] = {}
        for workload in target_workloads(measure, scenario):
            change: dict = {}
            if effect.regional_volumes:
                change["zonal_volumes"] = False
            if effect.spread_zones and workload.kind in RESCHEDULABLE_KINDS | {"ControlPlane"}:
                change.update(_spread(scenario, capacity, workload))
            if effect.spread_nodes and workload.kind in RESCHEDULABLE_KINDS:
                change.update(_spread_nodes(capacity, workload.model_copy(update=change) if change else workload))
            if effect.add_replicas:
                grown = workload.model_copy(update=change) if change else workload
                change.update(_add_replicas(scenario, capacity, grown, effect.add_replicas))
            changed[workload.name] = Workload.model_validate({**workload.model_dump(), **change})
        scenario = _replaced(scenario, workloads=tuple(changed.get(w.name, w) for w in scenario.workloads))
    return scenario


def target_count(measure: Measure, scenario: Scenario) -> int:
    """Units a per-target cost multiplies: workloads changed, nodes added, or cluster nodes."""
    if measure.effect.spare_nodes_per_zone:
        zones_with_workers = {n.zone for n in scenario.nodes if n.schedulable}
        return measure.effect.spare_nodes_per_zone * len(zones_with_workers)
    if measure.changes_topology:
        return len(target_workloads(measure, scenario))
    return len(scenario.nodes)
