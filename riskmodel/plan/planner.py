"""Ranking measures against what they cost, and choosing a plan under a budget.

A measure's annual cost is ``per_year + once / amortisation_years`` (plus per-target parts).
Alone it is worth ΔEAL = EAL(base) − EAL(with it); several measures on one failure mode
multiply their factors. The budget plan is greedy by marginal ΔEAL per dollar, recomputed
after every pick; for up to :data:`EXHAUSTIVE_LIMIT` candidates an exhaustive search checks
it and the better plan is kept.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from riskmodel.engine.risk import Evaluation, ModeFactors, RiskModel
from riskmodel.engine.threads import blas_single_threaded
from riskmodel.files.collector import collector_paused
from riskmodel.model.catalog import Catalog, Measure, measure_applies
from riskmodel.model.evidence import Evidence
from riskmodel.model.scenario import Scenario
from riskmodel.plan.mitigation import apply_topology_measures, target_count

EXHAUSTIVE_LIMIT = 12


def annual_cost(measure: Measure, scenario: Scenario) -> float:
    """Dollars per year: recurring cost plus one-off cost spread over the amortisation years."""
    years = measure.amortisation_years or scenario.settings.amortisation_years
    targets = target_count(measure, scenario)
    cost = measure.cost
    once = cost.once + cost.per_target_once * targets
    return cost.per_year + cost.per_target_per_year * targets + once / years


def combine_factors(parts: Sequence[ModeFactors], modes: int) -> ModeFactors:
    """Several measures' factors together: factors multiply, minutes saved add, drains or."""
    if not parts:
        return ModeFactors.neutral(modes)
    return ModeFactors(
        np.prod([p.frequency for p in parts], axis=0), np.prod([p.detect for p in parts], axis=0),
        np.prod([p.repair for p in parts], axis=0), np.sum([p.detect_saved_minutes for p in parts], axis=0),
        np.sum([p.repair_saved_minutes for p in parts], axis=0), np.prod([p.impact for p in parts], axis=0),
        np.any([p.drain for p in parts], axis=0))


def mode_factors(catalog: Catalog, measures: Iterable[Measure]) -> ModeFactors:
    """Per-failure-mode factors of the non-topology effects of ``measures`` (they multiply)."""
    factors = ModeFactors.neutral(len(catalog.failure_modes))
    for measure in measures:
        effect = measure.effect
        for i, mode in enumerate(catalog.failure_modes):
            if not measure_applies(measure, mode):
                continue
            factors.frequency[i] *= effect.frequency_factor or 1.0
            factors.detect[i] *= effect.detect_factor or 1.0
            factors.repair[i] *= effect.repair_factor or 1.0
            factors.detect_saved_minutes[i] += effect.detect_minutes_saved or 0.0
            factors.repair_saved_minutes[i] += effect.repair_minutes_saved or 0.0
            factors.impact[i] *= effect.impact_factor or 1.0
            factors.drain[i] |= effect.auto_drain
    return factors


def _product(values: list[float]) -> float:
    """Factors multiplied in order, as ``np.prod`` over a stack of factor arrays multiplies them."""
    result = 1.0
    for value in values:
        result *= float(value)
    return result


def _total(values: list[float]) -> float:
    result = 0.0
    for value in values:
        result += float(value)
    return result


@dataclass(frozen=True)
class Outcome:
    """Expected annual loss and per-service bad minutes with a set of measures in place."""

    measure_ids: tuple[str, ...]
    eal_per_year: float
    eal_per_mode: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class MeasureResult:
    id: str
    title: str
    kind: str
    annual_cost: float
    eal_reduction: float

    @property
    def net_benefit(self) -> float:
        return self.eal_reduction - self.annual_cost

    @property
    def roi(self) -> float | None:
        """ΔEAL per dollar of annual cost; None for a free measure."""
        return self.eal_reduction / self.annual_cost if self.annual_cost > 0 else None


@dataclass(frozen=True)
class Plan:
    budget: float
    selected: tuple[str, ...]
    annual_cost: float
    residual_eal_per_year: float
    base_eal_per_year: float
    method: str


@dataclass(frozen=True)
class FrontierPoint:
    budget: float
    residual_eal_per_year: float
    added: str | None


class Planner:
    """Evaluates any set of measures on one scenario, reusing every risk model it built."""

    def __init__(self, scenario: Scenario, catalog: Catalog, evidence: Evidence | None = None,
                 base: RiskModel | None = None) -> None:
        self.scenario = scenario
        self.catalog = catalog
        self.evidence = evidence or Evidence()
        self._models: dict[tuple[str, ...], RiskModel] = {
            (): base or RiskModel(scenario, catalog, self.evidence)}
        self._scenarios: dict[tuple[str, ...], Scenario] = {(): scenario}
        self._partial: dict[tuple[str, ...], RiskModel] = {}
        """Topology variants listing only the failure modes every one of their measures applies to."""
        self._outcomes: dict[frozenset[str], Outcome] = {}
        self.measures = {m.id: m for m in catalog.measures}
        self.costs = {m.id: annual_cost(m, scenario) for m in catalog.measures}
        self._single_factors = {m.id: mode_factors(catalog, [m]) for m in catalog.measures}
        self.problem_nodes = frozenset(c.node for c in self.evidence.conditions if c.is_problem)
        self._position = {m.id: i for i, m in enumerate(catalog.measures)}
        self._applying = [[i for i, m in enumerate(catalog.measures) if measure_applies(m, mode)]
                          for mode in catalog.failure_modes]
        self._masks = [sum(1 << i for i in applying) for applying in self._applying]
        """Per failure mode, the bits (catalog positions) of the measures that apply to it."""
        self._topology = [m.changes_topology for m in catalog.measures]
        self._mode_eals: dict[tuple[int, int], float] = {}

    @property
    def base(self) -> RiskModel:
        return self._models[()]

    def model_for(self, topology_ids: tuple[str, ...]) -> RiskModel:
        """The risk model on the scenario changed by these topology measures (cached).

        Built from the closest model already built (the partial model of the same scenario, the
        same measures but one, else the base): only blast radii that the one remaining change can
        alter are evaluated afresh, and the result is the same model a build from the base gives
        (see :mod:`riskmodel.engine.variants`).
        """
        if topology_ids not in self._models:
            parent = self._partial.get(topology_ids) or self._nearer(topology_ids, self._models)
            self._models[topology_ids] = RiskModel(self.scenario_for(topology_ids), self.catalog, self.evidence,
                                                   parent=parent)
        return self._models[topology_ids]

    def _nearer(self, topology_ids: tuple[str, ...], *caches: dict[tuple[str, ...], RiskModel]) -> RiskModel:
        """The first model built (looked up in ``caches`` in order) of the same measures but one; else the base."""
        for shorter in (tuple(j for j in topology_ids if j != i) for i in topology_ids):
            for cache in caches:
                if shorter in cache:
                    return cache[shorter]
        return self.base

    def _mode_model(self, topology_ids: tuple[str, ...]) -> RiskModel:
        """The model :meth:`_mode_eal` reads a variant's modes from: the whole model when built,
        else one listing only the failure modes every measure of ``topology_ids`` applies to
        (the only modes asked of it: a mode's topology is the topology measures that apply to
        it). Its per-mode EAL is the whole model's, to the bit; a variant whose measures share
        only the zone-level modes is then a handful of pairs instead of every node's."""
        found = self._models.get(topology_ids) or self._partial.get(topology_ids)
        if found is None:
            bits = [1 << self._position[i] for i in topology_ids]
            listed = frozenset(mode.id for mode, mask in zip(self.catalog.failure_modes, self._masks, strict=True)
                               if all(mask & bit for bit in bits))
            found = self._partial[topology_ids] = RiskModel(
                self.scenario_for(topology_ids), self.catalog, self.evidence,
                parent=self._nearer(topology_ids, self._partial, self._models), modes_listed=listed)
        return found

    def scenario_for(self, topology_ids: tuple[str, ...]) -> Scenario:
        """The scenario changed by these topology measures, applied in the order given (cached).

        Applying measures one after another depends only on the scenario so far, so the last
        measure is applied to the (cached) scenario of the others: each variant costs one change.
        """
        if topology_ids not in self._scenarios:
            before = self.scenario_for(topology_ids[:-1])
            model = self._models.get(topology_ids[:-1]) or self._partial.get(topology_ids[:-1])
            self._scenarios[topology_ids] = apply_topology_measures(
                before, [self.measures[topology_ids[-1]]], self.problem_nodes,
                index=model.index if model is not None else None)
        return self._scenarios[topology_ids]

    def topology_groups(self, chosen: Sequence[Measure]) -> dict[tuple[str, ...], list[int]]:
        """Failure-mode positions grouped by the topology measures of ``chosen`` that apply to them;
        each group is evaluated on the scenario those measures give (see :meth:`model_for`)."""
        topology = [m for m in chosen if m.changes_topology]
        groups: dict[tuple[str, ...], list[int]] = {}
        for i, mode in enumerate(self.catalog.failure_modes):
            applied = tuple(m.id for m in topology if measure_applies(m, mode))
            groups.setdefault(applied, []).append(i)
        return groups or {(): []}  # no failure modes: still one (empty) evaluation, so results have their shapes

    def _evaluations(self, measure_ids: Iterable[str], service_minutes: bool) -> list[Evaluation]:
        """One evaluation per topology group; frequencies of the other groups' modes are zeroed."""
        key = frozenset(measure_ids)
        chosen = [m for m in self.catalog.measures if m.id in key]
        factors = combine_factors([self._single_factors[m.id] for m in chosen], len(self.catalog.failure_modes))
        evaluations = []
        for topology_ids, modes in self.topology_groups(chosen).items():
            selected = np.zeros(len(self.catalog.failure_modes), dtype=bool)
            selected[modes] = True
            group_factors = dataclasses.replace(factors, frequency=np.where(selected, factors.frequency, 0.0))
            evaluations.append(self.model_for(topology_ids).evaluate(group_factors, service_minutes))
        return evaluations

    def evaluate(self, measure_ids: Iterable[str]) -> Outcome:
        """EAL with the measures in place; modes use the topology their measures give them.

        Evaluated mode by mode: a failure mode's expected loss depends only on the measures
        that apply to it (their factors, and the topology those changing it give), so it is
        computed once per such combination and reused by every measure set sharing it — what
        makes the greedy plan, the frontier and the exhaustive check incremental.
        """
        key = frozenset(measure_ids)
        if key not in self._outcomes:
            chosen = sum(1 << self._position[i] for i in key if i in self._position)
            eal_per_mode = np.array([self._mode_eal(mode, mask & chosen) for mode, mask in enumerate(self._masks)],
                                    dtype=float)
            self._outcomes[key] = Outcome(tuple(sorted(key)), float(np.sum(eal_per_mode)), eal_per_mode)
        return self._outcomes[key]

    def _mode_eal(self, mode: int, mask: int) -> float:
        """One failure mode's EAL with the measures of ``mask`` (bit i: catalog measure i) applied."""
        name = (mode, mask)
        if name not in self._mode_eals:
            measures = self.catalog.measures
            applied = [i for i in self._applying[mode] if mask >> i & 1]
            topology = tuple(measures[i].id for i in applied if self._topology[i])
            parts = [self._single_factors[measures[i].id] for i in applied]
            factors = (_product([p.frequency[mode] for p in parts]), _product([p.detect[mode] for p in parts]),
                       _product([p.repair[mode] for p in parts]),
                       _total([p.detect_saved_minutes[mode] for p in parts]),
                       _total([p.repair_saved_minutes[mode] for p in parts]), _product([p.impact[mode] for p in parts]),
                       any(bool(p.drain[mode]) for p in parts))
            self._mode_eals[name] = self._mode_model(topology).mode_eal(mode, factors)
        return self._mode_eals[name]

    def bad_minutes(self, measure_ids: Iterable[str]) -> np.ndarray:
        """Expected bad minutes per year of each service with the measures in place."""
        evaluations = self._evaluations(measure_ids, service_minutes=True)
        return np.sum([e.bad_minutes_per_service for e in evaluations], axis=0)

    @collector_paused()
    @blas_single_threaded()
    def rank(self) -> list[MeasureResult]:
        """Every measure alone, best net benefit first."""
        base = self.evaluate(()).eal_per_year
        results = [MeasureResult(m.id, m.title, m.kind, self.costs[m.id], base - self.evaluate([m.id]).eal_per_year)
                   for m in self.catalog.measures]
        return sorted(results, key=lambda r: (-r.net_benefit, r.id))

    @collector_paused()
    @blas_single_threaded()
    def greedy(self, budget: float, candidates: Sequence[str] | None = None, start: Sequence[str] = ()) -> list[str]:
        """Pick by marginal ΔEAL per dollar, recomputing after each pick, within ``budget``.

        ``start``: measures already in place (a review's pinned ones); picks are made on top of
        them, ``budget`` is what remains beside them, and only the picks are returned."""
        remaining = list(candidates if candidates is not None else self.measures)
        chosen: list[str] = []
        spent = 0.0
        current = self.evaluate(start).eal_per_year
        while True:
            best, best_ratio, best_eal = None, 0.0, current
            for measure_id in remaining:
                cost = self.costs[measure_id]
                if spent + cost > budget + 1e-9:
                    continue
                eal = self.evaluate([*start, *chosen, measure_id]).eal_per_year
                gain = current - eal
                if gain <= 1e-9:
                    continue
                ratio = gain / cost if cost > 0 else np.inf
                if best is None or ratio > best_ratio:
                    best, best_ratio, best_eal = measure_id, ratio, eal
            if best is None:
                return chosen
            chosen.append(best)
            remaining.remove(best)
            spent += self.costs[best]
            current = best_eal

    @collector_paused()
    @blas_single_threaded()
    def exhaustive(self, budget: float, candidates: Sequence[str]) -> list[str]:
        """The subset of ``candidates`` within ``budget`` with the least residual EAL."""
        best: tuple[float, float, tuple[str, ...]] = (self.evaluate(()).eal_per_year, 0.0, ())
        for size in range(1, len(candidates) + 1):
            for subset in itertools.combinations(candidates, size):
                cost = sum(self.costs[i] for i in subset)
                if cost > budget + 1e-9:
                    continue
                score = (self.evaluate(subset).eal_per_year, cost, subset)
                if score[:2] < best[:2]:
                    best = score
        return list(best[2])

    @collector_paused()
    @blas_single_threaded()
    def plan(self, budget: float) -> Plan:
        """The budget plan; exhaustive search checks greedy when there are few candidates."""
        base = self.evaluate(()).eal_per_year
        useful = [r.id for r in self.rank() if r.eal_reduction > 1e-9 and r.annual_cost <= budget + 1e-9]
        selected, method = self.greedy(budget, useful), "greedy"
        if len(useful) <= EXHAUSTIVE_LIMIT:
            best = self.exhaustive(budget, useful)
            if self.evaluate(best).eal_per_year < self.evaluate(selected).eal_per_year - 1e-6:
                selected, method = best, "exhaustive"
            else:
                method = "greedy (exhaustive search agrees)"
        return Plan(budget, tuple(selected), sum(self.costs[i] for i in selected),
                    self.evaluate(selected).eal_per_year, base, method)

    @collector_paused()
    @blas_single_threaded()
    def frontier(self) -> list[FrontierPoint]:
        """Residual EAL against annual budget along the unconstrained greedy order."""
        order = self.greedy(np.inf)
        points = [FrontierPoint(0.0, self.evaluate(()).eal_per_year, None)]
        spent = 0.0
        for position, measure_id in enumerate(order):
            spent += self.costs[measure_id]
            points.append(FrontierPoint(spent, self.evaluate(order[: position + 1]).eal_per_year, measure_id))
        return points
