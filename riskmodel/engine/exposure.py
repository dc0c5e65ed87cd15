"""Where a failure mode can strike: its units in a scenario and the failed set of each.

A node-scope mode has one unit per node, a zone-scope mode one per zone, and so on; the
frequency in the catalog is per unit and year. ``targets`` narrow the units.
"""

from __future__ import annotations

from dataclasses import dataclass

from riskmodel.engine.impact import FailedSet
from riskmodel.model.catalog import FailureMode, Targets
from riskmodel.model.scenario import Node, Scenario, Workload


@dataclass(frozen=True)
class RiskUnit:
    """One place a failure mode can hit: ``scope`` and ``name`` (node, zone, workload, …).

    ``zone`` is set when the unit lies in a single zone, for attributing loss to zones.
    """

    scope: str
    name: str
    zone: str | None = None

    @property
    def label(self) -> str:
        return f"{self.scope}:{self.name}"


def _short_name(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def workload_zones(workload: Workload, scenario: Scenario) -> frozenset[str]:
    """The zones of the workload's placed pods (the scenario's own workloads read its cached table)."""
    if scenario.workloads_by_name.get(workload.name) is workload:
        return scenario.zones_by_workload[workload.name]
    return frozenset(scenario.nodes_by_name[node].zone for node in workload.pods)


def workload_matches(targets: Targets, workload: Workload, scenario: Scenario) -> bool:
    """True when the workload passes every filter that ``targets`` sets."""
    if targets.names and workload.name not in targets.names and _short_name(workload.name) not in targets.names:
        return False
    if targets.namespaces and workload.namespace not in targets.namespaces:
        return False
    if targets.kinds and workload.kind not in targets.kinds:
        return False
    if targets.max_replicas is not None and workload.replicas > targets.max_replicas:
        return False
    if targets.single_zone is not None and (len(workload_zones(workload, scenario)) == 1) != targets.single_zone:
        return False
    if targets.single_node is not None and (len(set(workload.pods)) == 1 and workload.replicas > 1) != targets.single_node:
        return False
    return targets.zonal_volumes is None or workload.zonal_volumes == targets.zonal_volumes


def node_matches(targets: Targets, node: Node) -> bool:
    return all(node.labels.get(key) == value for key, value in targets.node_labels.items())


def has_workload_filter(targets: Targets) -> bool:
    return bool(targets.names or targets.namespaces or targets.kinds or targets.max_replicas is not None
                or targets.single_zone is not None or targets.single_node is not None
                or targets.zonal_volumes is not None)


def units_for(mode: FailureMode, scenario: Scenario) -> list[RiskUnit]:
    """Every unit of the scenario that ``mode`` can hit."""
    if mode.scope == "node":
        labelled = bool(mode.targets.node_labels)
        return [RiskUnit("node", n.name, n.zone) for n in scenario.nodes
                if not labelled or node_matches(mode.targets, n)]
    if mode.scope == "zone":
        return [RiskUnit("zone", z.name, z.name) for z in scenario.zones]
    if mode.scope == "region":
        return [RiskUnit("region", region) for region in dict.fromkeys(z.region for z in scenario.zones)]
    if mode.scope == "workload":
        units = []
        for workload in scenario.workloads:
            if workload_matches(mode.targets, workload, scenario):
                zones = workload_zones(workload, scenario)
                units.append(RiskUnit("workload", workload.name, next(iter(zones)) if len(zones) == 1 else None))
        return units
    if mode.scope == "control_plane":
        members = control_plane_workloads(mode, scenario)
        return [RiskUnit("control_plane", "control-plane")] if members else []
    if mode.scope == "service":
        return [RiskUnit("service", s.name) for s in scenario.services
                if not mode.targets.names or s.name in mode.targets.names]
    return [RiskUnit("cluster", "cluster")]


def control_plane_workloads(mode: FailureMode, scenario: Scenario) -> frozenset[str]:
    """The ControlPlane-kind workloads a control_plane-scope mode hits (narrowed by names)."""
    names = mode.targets.names
    return frozenset(
        w.name for w in scenario.workloads
        if w.kind == "ControlPlane" and (not names or w.name in names or _short_name(w.name) in names)
    )


def failed_set_for(mode: FailureMode, unit: RiskUnit, scenario: Scenario) -> FailedSet:
    """What fails when ``mode`` hits ``unit``; ``no_scheduling`` modes fail nothing by themselves,
    ``loss_only`` modes nothing at all."""
    degraded = mode.effect.type == "degraded"
    fraction = mode.effect.impact_fraction if degraded else 1.0
    if mode.effect.type in ("no_scheduling", "loss_only"):
        return FailedSet()
    if unit.scope == "node":
        return FailedSet(nodes=frozenset({unit.name}), degraded=degraded, impact_fraction=fraction)
    if unit.scope == "zone":
        return FailedSet(nodes=scenario.nodes_by_zone[unit.name], degraded=degraded, impact_fraction=fraction)
    if unit.scope == "region":
        nodes = frozenset().union(*(scenario.nodes_by_zone[z.name] for z in scenario.zones if z.region == unit.name))
        return FailedSet(nodes=nodes, degraded=degraded, impact_fraction=fraction)
    if unit.scope == "workload":
        return FailedSet(workloads=frozenset({unit.name}), degraded=degraded, impact_fraction=fraction)
    if unit.scope == "control_plane":
        return FailedSet(workloads=control_plane_workloads(mode, scenario), degraded=degraded, impact_fraction=fraction)
    if unit.scope == "service":
        return FailedSet(services=frozenset({unit.name}), degraded=degraded, impact_fraction=fraction)
    if has_workload_filter(mode.targets):
        workloads = frozenset(w.name for w in scenario.workloads if workload_matches(mode.targets, w, scenario))
        return FailedSet(workloads=workloads, degraded=degraded, impact_fraction=fraction)
    return FailedSet(nodes=frozenset(scenario.nodes_by_name), degraded=degraded, impact_fraction=fraction)


def reschedule_kind(mode: FailureMode, unit: RiskUnit) -> int:
    """0: nothing reschedules; 1: Kubernetes evicts after the timeout; 2: only a drain moves pods."""
    if mode.effect.type != "unavailable" or unit.scope not in ("node", "zone", "region", "cluster"):
        return 0
    return 1 if mode.effect.auto_eviction else 2
