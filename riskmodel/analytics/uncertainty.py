"""The uncertainty answers of one review, from its planner, placeholders and budget.

:func:`uncertainty` runs the tornado, the joint sampling (ranking stability) and the value of
information on one :class:`~riskmodel.analytics.batch.BatchEvaluator`, so the topology
variants the planner built are shared; the sampling is seeded (the scenario's
``settings.seed`` unless one is given) and reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from riskmodel.analytics.batch import BatchEvaluator
from riskmodel.analytics.inputs import UncertainInputs, uncertain_inputs
from riskmodel.analytics.sensitivity import Sensitivity, sensitivity
from riskmodel.analytics.stability import DEFAULT_DRAWS, Stability, draw_sample, ranking_stability
from riskmodel.analytics.voi import ValueOfInformation, value_of_information
from riskmodel.model.placeholders import Placeholder
from riskmodel.plan.planner import Planner


def plan_candidates(planner: Planner, budget: float) -> list[str]:
    """The measures the budget plan chooses among, in the planner's ranking order."""
    return [r.id for r in planner.rank() if r.eal_reduction > 1e-9 and r.annual_cost <= budget + 1e-9]


@dataclass(frozen=True, eq=False)
class Uncertainty:
    inputs: UncertainInputs
    sensitivity: Sensitivity
    stability: Stability
    value_of_information: ValueOfInformation


def evaluator(planner: Planner, placeholders: Sequence[Placeholder]) -> BatchEvaluator:
    return BatchEvaluator(planner, uncertain_inputs(planner.catalog, planner.scenario, tuple(placeholders)))


def tornado(planner: Planner, placeholders: Sequence[Placeholder], budget: float) -> Sensitivity:
    """The tornado alone (``rank --format json`` ``sensitivity``)."""
    batch = evaluator(planner, placeholders)
    return sensitivity(batch, batch.inputs, budget, plan_candidates(planner, budget), planner.base)


def uncertainty(planner: Planner, placeholders: Sequence[Placeholder], budget: float, plan: Sequence[str],
                draws: int = DEFAULT_DRAWS, seed: int | None = None) -> Uncertainty:
    """Tornado, ranking stability over ``draws`` joint draws and EVPI, for the plan as decided."""
    batch = evaluator(planner, placeholders)
    inputs = batch.inputs
    candidates = plan_candidates(planner, budget)
    seed = planner.scenario.settings.seed if seed is None else seed
    sample = draw_sample(batch, inputs, budget, candidates, draws, np.random.default_rng(seed))
    cost = sum(planner.costs[m] for m in plan)
    return Uncertainty(inputs, sensitivity(batch, inputs, budget, candidates, planner.base),
                       ranking_stability(batch, sample, plan, cost, seed),
                       value_of_information(batch, inputs, sample, plan))
