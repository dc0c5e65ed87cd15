"""Configuration findings as quantified risks: what the topology alone shows to be fragile.

Kinds, for Deployments and StatefulSets (a DaemonSet runs where its nodes are):

* ``single_replica`` — one desired replica;
* ``single_node`` — two or more replicas, all live ones on one node;
* ``single_zone`` — two or more replicas, all live ones in one zone of a multi-zone cluster;
* ``no_pdb`` — two or more replicas and no PodDisruptionBudget (no ``min_available``);
* ``no_requests`` — pods that request neither cpu nor memory (BestEffort: evicted first
  under pressure, and nothing stops them from starving their neighbours).

``eal_per_year`` is the expected loss the finding causes: the difference fixing it would
make, computed with the catalog measures named in ``fixed_by`` applied to that workload
alone. A topology fix (a second replica, spreading over nodes or zones) is evaluated on the
changed topology through the planner; a factor fix (a PDB's impact factor, requests' lower
frequency) on the failure-mode pairs the workload takes part in, each pair's change weighted
by the share of its loss that falls on the workload's services. Several measures: the one
that saves most counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskmodel.engine.exposure import workload_matches
from riskmodel.engine.risk import RiskModel
from riskmodel.model.catalog import Catalog, Measure, Targets, measure_applies
from riskmodel.model.scenario import Scenario, Workload
from riskmodel.plan.planner import Planner, mode_factors

SERVING_KINDS = ("Deployment", "StatefulSet")
FACTOR_FIXES = {"no_pdb": "pod-disruption-budgets", "no_requests": "memory-requests-limits"}
TOPOLOGY_FIXES = {"single_replica": "add_replicas", "single_node": "spread_nodes", "single_zone": "spread_zones"}


@dataclass(frozen=True)
class Finding:
    """One fragile configuration of one workload and what it costs per year."""

    id: str
    kind: str
    workload: str
    eal_per_year: float
    fixed_by: tuple[str, ...]
    detail: str


def _zones(workload: Workload, scenario: Scenario) -> set[str]:
    return {scenario.nodes_by_name[node].zone for node in workload.pods}


def _kinds(workload: Workload, scenario: Scenario, real_zones: int) -> list[tuple[str, str]]:
    """(kind, detail) of every finding of one workload."""
    if workload.kind not in SERVING_KINDS:
        return []
    found = []
    many = workload.desired >= 2
    if workload.desired == 1:
        found.append(("single_replica", "one replica: any node loss, drain or crash takes it down"))
    if many and len(workload.pods) >= 2 and len(set(workload.pods)) == 1:
        found.append(("single_node", f"all {len(workload.pods)} live replicas on node {workload.pods[0]}"))
    zones = _zones(workload, scenario)
    if many and real_zones >= 2 and len(workload.pods) >= 2 and len(zones) == 1:
        found.append(("single_zone", f"all {len(workload.pods)} live replicas in zone {next(iter(zones))}"))
    if many and workload.min_available is None and not workload.quorum:
        found.append(("no_pdb", f"{workload.desired} replicas and no PodDisruptionBudget: a drain may evict them all"))
    if workload.replicas and workload.requests.cpu_millicores == 0 and workload.requests.memory_bytes == 0:
        found.append(("no_requests", "pods request no cpu and no memory (BestEffort)"))
    return found


def _narrowed(measure: Measure, workload: str) -> Measure:
    """The measure applied to one workload only (its other targets kept)."""
    targets = measure.targets.model_dump()
    targets["names"] = (workload,)
    return measure.model_copy(update={"targets": Targets.model_validate(targets)})


def _fixes(kind: str, workload: Workload, scenario: Scenario, catalog: Catalog) -> list[Measure]:
    if kind in FACTOR_FIXES:
        return [m for m in catalog.measures if m.id == FACTOR_FIXES[kind]]
    effect = TOPOLOGY_FIXES[kind]
    return [m for m in catalog.measures if getattr(m.effect, effect) and workload_matches(m.targets, workload, scenario)]


def _service_share(model: RiskModel, workload: str) -> np.ndarray:
    """Per pair: the share of its loss that falls on services backed by ``workload`` (1 for its own units)."""
    index = model.index
    own = np.array([workload in s.workloads for s in model.scenario.services], dtype=bool)
    cost_a, cost_b = model.structure_service_cost_per_minute
    total = cost_a.sum(axis=1) + cost_b.sum(axis=1)
    mine = cost_a[:, own].sum(axis=1) + cost_b[:, own].sum(axis=1) if own.any() else np.zeros(len(total))
    share = np.where(total > 0, mine / np.where(total > 0, total, 1.0), 0.0)[model.pair_structure]
    units = np.array([u.scope == "workload" and u.name == workload for u in model.units], dtype=bool)
    hosts = set(model.scenario.workloads_by_name[workload].pods) if index.workload_names else set()
    on_hosts = np.array([u.scope == "node" and u.name in hosts for u in model.units], dtype=bool)
    return np.where(units, 1.0, np.where(on_hosts, share, 0.0))


def findings(model: RiskModel, catalog: Catalog) -> tuple[Finding, ...]:
    """Every finding of the scenario, most expensive first."""
    scenario = model.scenario
    real_zones = sum(not zone.placeholder for zone in scenario.zones)
    base = model.evaluate(service_minutes=False)
    pending: list[tuple[str, Workload, str, list[Measure]]] = []
    narrowed: list[Measure] = []
    for workload in scenario.workloads:
        for kind, detail in _kinds(workload, scenario, real_zones):
            measures = _fixes(kind, workload, scenario, catalog)
            pending.append((kind, workload, detail, measures))
            if kind in TOPOLOGY_FIXES:
                narrowed += [_narrowed(m, workload.name).model_copy(update={"id": f"finding-{len(narrowed) + i}"})
                             for i, m in enumerate(measures)]
    planner = Planner(scenario, catalog.model_copy(update={"measures": tuple(narrowed)}), model.evidence,
                      base=model) if narrowed else None
    fixed_pairs: dict[str, np.ndarray] = {}
    found, next_topology = [], 0
    for kind, workload, detail, measures in pending:
        savings = [0.0]
        for measure in measures:
            if kind in TOPOLOGY_FIXES and planner is not None:
                savings.append(base.eal_per_year - planner.evaluate([f"finding-{next_topology}"]).eal_per_year)
                next_topology += 1
            elif kind in FACTOR_FIXES and any(measure_applies(measure, mode) for mode in catalog.failure_modes):
                if measure.id not in fixed_pairs:
                    fixed_pairs[measure.id] = model.evaluate(mode_factors(catalog, [measure]),
                                                             service_minutes=False).eal_per_pair
                change = base.eal_per_pair - fixed_pairs[measure.id]
                savings.append(float((change * _service_share(model, workload.name)).sum()))
        found.append(Finding(f"{kind}:{workload.name}", kind, workload.name, max(savings),
                             tuple(m.id for m in measures), detail))
    return tuple(sorted(found, key=lambda f: (-f.eal_per_year, f.id)))
