"""Configuration findings as quantified risks: what the topology alone shows to be fragile.

Kinds, for Deployments and StatefulSets (a DaemonSet runs where its nodes are):

* ``single_replica`` — one desired replica;
* ``single_node`` — two or more replicas, all live ones on one node;
* ``single_zone`` — two or more replicas, all live ones in one zone of a multi-zone cluster;
* ``no_pdb`` — two or more replicas and no PodDisruptionBudget (no ``min_available``);
* ``no_requests`` — pods that request neither cpu nor memory (BestEffort: evicted first
  under pressure, and nothing stops them from starving their neighbours).

``eal_per_year`` is the expected loss the finding causes: the difference fixing it would
make, with the catalog measures named in ``fixed_by``. A topology fix (a second replica,
spreading over nodes or zones) is evaluated on the changed topology through the planner —
once per measure, applied to every workload with such a finding together (one variant per
measure keeps a 300-workload cluster's findings near a second) — and each workload is
credited with the change on its own units plus that of every service it backs or that
hard-depends on one it backs (a service several of them back is split evenly). A factor fix
(a PDB's impact factor, requests' lower frequency) counts on the failure-mode pairs the
workload takes part in, each pair's change weighted by the share of its loss that falls on
those services. Several measures: the one that saves most counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskmodel.engine.exposure import workload_matches
from riskmodel.engine.risk import Evaluation, ModeFactors, RiskModel
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


def _narrowed(measure: Measure, workloads: list[str]) -> Measure:
    """The measure applied to these workloads only (its other targets kept)."""
    targets = measure.targets.model_dump()
    targets["names"] = tuple(workloads)
    return measure.model_copy(update={"targets": Targets.model_validate(targets)})


def _fixes(kind: str, workload: Workload, scenario: Scenario, catalog: Catalog) -> list[Measure]:
    if kind in FACTOR_FIXES:
        return [m for m in catalog.measures if m.id == FACTOR_FIXES[kind]]
    effect = TOPOLOGY_FIXES[kind]
    return [m for m in catalog.measures if getattr(m.effect, effect) and workload_matches(m.targets, workload, scenario)]


class _Attribution:
    """Per-pair and per-service pieces of a model's expected annual loss, to credit to workloads.

    A pair on one of a workload's own units (workload scope) counts for it whole; any other
    pair counts through the services it costs, each service for the workloads that back it or
    a service it hard-depends on.
    """

    def __init__(self, model: RiskModel) -> None:
        self.model = model
        index = model.index
        self.unit_pairs: dict[tuple[str, str], list[int]] = {}
        for position, unit in enumerate(model.units):
            self.unit_pairs.setdefault((unit.scope, unit.name), []).append(position)
        closure = index.service_closure.astype(float)
        own = index.service_own_workloads.astype(float)
        self.reaches = (closure @ own > 0) if own.size else np.zeros((len(index.service_names), 0), dtype=bool)
        """(services × workloads): the service is down when the workload is (it or a dependency)."""

    def own_pairs(self, workload: str) -> list[int]:
        return self.unit_pairs.get(("workload", workload), [])

    def service_loss(self, evaluation: Evaluation, skip: list[int]) -> np.ndarray:
        """Outage cost per service and year, without the pairs ``skip`` (incident costs excluded)."""
        model = self.model
        if not model.structures or not model.index.service_names:
            return np.zeros(len(model.index.service_names))
        impact_a, impact_b = evaluation.impact_minutes_a.copy(), evaluation.impact_minutes_b.copy()
        impact_a[skip] = 0.0
        impact_b[skip] = 0.0
        cost_a, cost_b = model.structure_service_cost_per_minute
        return model.per_structure(impact_a) @ cost_a + model.per_structure(impact_b) @ cost_b


def _restricted(model: RiskModel, catalog: Catalog, measures: list[Measure]) -> Evaluation:
    """The model's evaluation with only the failure modes one of ``measures`` applies to."""
    factors = ModeFactors.neutral(len(model.modes))
    factors.frequency[:] = [1.0 if any(measure_applies(m, mode) for m in measures) else 0.0 for mode in catalog.failure_modes]
    return model.evaluate(factors, service_minutes=False)


def _topology_savings(model: RiskModel, catalog: Catalog, batch: dict[str, list[Workload]]) -> dict[tuple[str, str], float]:
    """(measure id, workload) → the EAL the measure removes for that workload.

    Each measure is applied once, to every workload of the batch at the same time (one
    topology variant per measure, not one per finding); the change is then credited per
    workload as :class:`_Attribution` says, a service shared by several of them split evenly.
    """
    measures = {m.id: m for m in catalog.measures if m.id in batch}
    narrowed = [_narrowed(measures[i], [w.name for w in batch[i]]) for i in batch]
    planner = Planner(model.scenario, catalog.model_copy(update={"measures": tuple(narrowed)}), model.evidence,
                      base=model)
    base = _Attribution(model)
    savings: dict[tuple[str, str], float] = {}
    for measure in narrowed:
        variant = planner.model_for((measure.id,))
        fixed = _Attribution(variant)
        before, after = _restricted(model, catalog, [measure]), _restricted(variant, catalog, [measure])
        names = [w.name for w in batch[measure.id]]
        own_before = [p for n in names for p in base.own_pairs(n)]
        own_after = [p for n in names for p in fixed.own_pairs(n)]
        change = base.service_loss(before, own_before) - fixed.service_loss(after, own_after)
        columns = [model.index.workload_position[n] for n in names]
        reach = base.reaches[:, columns] if columns else np.zeros((len(change), 0), dtype=bool)
        sharing = np.maximum(reach.sum(axis=1), 1)
        for column, name in enumerate(names):
            direct = (before.eal_per_pair[base.own_pairs(name)].sum()
                      - after.eal_per_pair[fixed.own_pairs(name)].sum())
            savings[(measure.id, name)] = float(direct + (change * reach[:, column] / sharing).sum())
    return savings


class _Shares:
    """Per pair, the share of its loss that falls on one workload's services (1 for the
    workload's own units; node units by its pods' nodes); arrays built once per model."""

    def __init__(self, model: RiskModel) -> None:
        self.model = model
        self.attribution = _Attribution(model)
        cost_a, cost_b = model.structure_service_cost_per_minute
        self.cost = cost_a + cost_b
        self.total = self.cost.sum(axis=1) if self.cost.size else np.zeros(len(model.structures))

        self._last: tuple[bytes, np.ndarray] | None = None

    def reach_key(self, workload: Workload) -> bytes:
        """The services a workload reaches, as bytes: workloads with equal keys have equal shares."""
        return self.attribution.reaches[:, self.model.index.workload_position[workload.name]].tobytes()

    def _share(self, column: int) -> np.ndarray:
        """Per failed set, the share of its cost on the services one workload reaches (a column
        at a time: the whole (failed sets × workloads) matrix of a 10,000-node cluster is
        gigabytes; the last one is kept, for the next workload that reaches the same services)."""
        reach = self.attribution.reaches[:, column]
        key = reach.tobytes()
        if self._last is None or self._last[0] != key:
            mine = self.cost @ reach.astype(float) if self.cost.size and reach.size else np.zeros(len(self.total))
            self._last = key, np.divide(mine, self.total, out=np.zeros_like(mine), where=self.total > 0)
        return self._last[1]

    def of(self, workload: Workload) -> np.ndarray:
        model, attribution = self.model, self.attribution
        shares = np.zeros(len(model.units))
        share = self._share(model.index.workload_position[workload.name])
        for node in set(workload.pods):
            pairs = attribution.unit_pairs.get(("node", node), [])
            shares[pairs] = share[model.pair_structure[pairs]]
        shares[attribution.own_pairs(workload.name)] = 1.0
        return shares


def _factor_savings(model: RiskModel, catalog: Catalog,
                    work: list[tuple[Workload, list[Measure]]]) -> dict[tuple[str, str], float]:
    """(measure id, workload) → the EAL a factor measure removes for that workload (measures that
    apply to no failure mode are left out). Workloads are taken in order of the services they
    reach, so each distinct share is computed once and only one is held at a time."""
    if not work:
        return {}
    shares = _Shares(model)
    base = model.evaluate(service_minutes=False).eal_per_pair
    fixed_pairs: dict[str, np.ndarray] = {}
    savings: dict[tuple[str, str], float] = {}
    for workload, measures in sorted(work, key=lambda item: shares.reach_key(item[0])):
        useful = [m for m in measures if any(measure_applies(m, mode) for mode in catalog.failure_modes)]
        share = shares.of(workload) if useful else None
        for measure in useful:
            if measure.id not in fixed_pairs:
                fixed_pairs[measure.id] = model.evaluate(mode_factors(catalog, [measure]),
                                                         service_minutes=False).eal_per_pair
            savings[(measure.id, workload.name)] = float(((base - fixed_pairs[measure.id]) * share).sum())
    return savings


def findings(model: RiskModel, catalog: Catalog) -> tuple[Finding, ...]:
    """Every finding of the scenario, most expensive first."""
    scenario = model.scenario
    real_zones = sum(not zone.placeholder for zone in scenario.zones)
    pending: list[tuple[str, Workload, str, list[Measure]]] = []
    batch: dict[str, list[Workload]] = {}
    for workload in scenario.workloads:
        for kind, detail in _kinds(workload, scenario, real_zones):
            measures = _fixes(kind, workload, scenario, catalog)
            pending.append((kind, workload, detail, measures))
            if kind in TOPOLOGY_FIXES:
                for measure in measures:
                    batch.setdefault(measure.id, []).append(workload)
    topology = _topology_savings(model, catalog, batch) if batch else {}
    factor = _factor_savings(model, catalog, [(w, m) for kind, w, _, m in pending if kind in FACTOR_FIXES])
    found = []
    for kind, workload, detail, measures in pending:
        savings = [0.0]
        for measure in measures:
            if kind in TOPOLOGY_FIXES:
                savings.append(topology[(measure.id, workload.name)])
            elif (measure.id, workload.name) in factor:  # a factor measure that applies to some mode
                savings.append(factor[(measure.id, workload.name)])
        found.append(Finding(f"{kind}:{workload.name}", kind, workload.name, max(savings),
                             tuple(m.id for m in measures), detail))
    return tuple(sorted(found, key=lambda f: (-f.eal_per_year, f.id)))
