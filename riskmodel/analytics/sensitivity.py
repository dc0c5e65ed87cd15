"""Which guess moves the answer: EAL with one input at its 5th and 95th percentile (tornado).

Every sampled input (see :mod:`riskmodel.analytics.inputs`) is set to its 5th percentile
and then to its 95th, everything else at its point value; the bar is the EAL at both ends,
and the inputs are ranked by the swing between them. For the top bars the budget plan is
planned again at each end (the planner's greedy rule, same budget): the measures that enter
or leave say whether the decision depends on that guess. A guessed dependency gets a bar
from the EAL without it to the EAL with it (its plan is not re-planned: that needs the
variant's own planner).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from riskmodel.analytics.batch import BatchEvaluator, InputValues
from riskmodel.analytics.inputs import SkippedInput, StructuralInput, UncertainInputs
from riskmodel.engine.risk import RiskModel
from riskmodel.model.scenario import Scenario

TOP_BARS = 15


@dataclass(frozen=True)
class TornadoBar:
    """EAL (dollars per year) with one input at its low and its high end, and what the plan does."""

    input: str
    label: str
    unit: str
    low: float
    high: float
    eal_at_low: float
    eal_at_high: float
    plan_at_low: tuple[str, ...] | None = None
    plan_at_high: tuple[str, ...] | None = None
    enters_at_low: tuple[str, ...] = ()
    leaves_at_low: tuple[str, ...] = ()
    enters_at_high: tuple[str, ...] = ()
    leaves_at_high: tuple[str, ...] = ()

    @property
    def swing(self) -> float:
        return abs(self.eal_at_high - self.eal_at_low)

    @property
    def plan_changes(self) -> bool:
        return bool(self.enters_at_low or self.leaves_at_low or self.enters_at_high or self.leaves_at_high)


@dataclass(frozen=True)
class Sensitivity:
    """The tornado: every input's bar, widest first, and the plan they are measured against."""

    eal_per_year: float
    budget: float
    plan: tuple[str, ...]
    bars: tuple[TornadoBar, ...]
    skipped: tuple[SkippedInput, ...]

    @property
    def top(self) -> tuple[TornadoBar, ...]:
        return self.bars[:TOP_BARS]


def _end_values(batch: BatchEvaluator, inputs: UncertainInputs) -> InputValues:
    """Two draws per input: column 2i has input i at its low end, column 2i+1 at its high end."""
    point = batch.values(None, 1)
    columns = [batch.with_value(point, entry.id, end) for entry in inputs.sampled for end in (entry.low, entry.high)]
    if not columns:
        return batch.values(None, 0)
    return InputValues(*(np.concatenate([getattr(c, name) for c in columns], axis=1)
                         for name in ("frequency", "detect", "repair", "incident_cost", "cost_per_hour",
                                      "degraded_cost_per_hour")))


def _changes(plan: set[str], other: set[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(sorted(other - plan)), tuple(sorted(plan - other))


def _without_dependency(scenario: Scenario, entry: StructuralInput) -> Scenario:
    services = []
    for service in scenario.services:
        if service.name == entry.service:
            service = service.model_copy(update={
                "depends_on": tuple(d for d in service.depends_on if d != entry.dependency),
                "inferred_dependencies": tuple(d for d in service.inferred_dependencies if d.service != entry.dependency)})
        services.append(service)
    return scenario.model_copy(update={"services": tuple(services)})


def sensitivity(batch: BatchEvaluator, inputs: UncertainInputs, budget: float, candidates: Sequence[str],
                base: RiskModel) -> Sensitivity:
    """The tornado of every input, with plan changes for the :data:`TOP_BARS` widest."""
    point = batch.values(None, 1)
    eal = float(batch.eal(point).sum())
    plan_mask = batch.greedy(point, budget, candidates).chosen[0]
    plan = {candidates[j] for j in np.flatnonzero(plan_mask).tolist()}
    ends = _end_values(batch, inputs)
    totals = batch.eal(ends).sum(axis=0) if ends.draws else np.zeros(0)
    bars = [TornadoBar(entry.id, entry.label, entry.unit, entry.low, entry.high, float(totals[2 * i]),
                       float(totals[2 * i + 1])) for i, entry in enumerate(inputs.sampled)]
    for entry in inputs.structural:
        without = RiskModel(_without_dependency(base.scenario, entry), base.catalog, base.evidence)
        bars.append(TornadoBar(entry.id, entry.label, "with / without", 0.0, 1.0,
                               without.evaluate(service_minutes=False).eal_per_year, eal))
    bars.sort(key=lambda bar: (-bar.swing, bar.input))
    top = [i for i, bar in enumerate(bars[:TOP_BARS]) if bar.unit != "with / without"]
    if top:
        order = {entry.id: i for i, entry in enumerate(inputs.sampled)}
        columns = np.array([2 * order[bars[i].input] + end for i in top for end in (0, 1)])
        subset = InputValues(*(getattr(ends, name)[:, columns] for name in (
            "frequency", "detect", "repair", "incident_cost", "cost_per_hour", "degraded_cost_per_hour")))
        chosen = batch.greedy(subset, budget, candidates).chosen
        for k, i in enumerate(top):
            low = {candidates[j] for j in np.flatnonzero(chosen[2 * k]).tolist()}
            high = {candidates[j] for j in np.flatnonzero(chosen[2 * k + 1]).tolist()}
            enters_low, leaves_low = _changes(plan, low)
            enters_high, leaves_high = _changes(plan, high)
            bar = bars[i]
            bars[i] = TornadoBar(bar.input, bar.label, bar.unit, bar.low, bar.high, bar.eal_at_low, bar.eal_at_high,
                                 tuple(sorted(low)), tuple(sorted(high)), enters_low, leaves_low, enters_high,
                                 leaves_high)
    return Sensitivity(eal, budget, tuple(sorted(plan)), tuple(bars), inputs.skipped)
