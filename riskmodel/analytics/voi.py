"""What to measure before the next review: the expected value of perfect information (EVPI).

The decision is which plan to fund under the budget. A plan a is worth
``V(a, θ) = −(EAL(a, θ) + annual cost(a))`` dollars per year in a world θ of input values.
Without more information the review funds the plan best on average; knowing everything
exactly, it would fund the best plan of each world (its own greedy plan, or a plan weighed
below if that is better there):

``EVPI = E_θ[max_a V(a, θ)] − max_a E_θ[V(a, θ)]``.

Knowing one input X exactly (the rest still uncertain) is worth the partial EVPI
``E_X[max_a E[V(a, θ) | X]] − max_a E[V(a, θ)]``, estimated from the same joint draws as the
ranking stability by sorting the draws on X into equal-count bins and averaging V within
each bin (Strong & Oakley's one-level estimator; it needs no nested sampling). The plans
weighed are the greedy plans of the draws (the :data:`ALTERNATIVES` most frequent) and the
plan as decided.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from riskmodel.analytics.batch import BatchEvaluator
from riskmodel.analytics.inputs import UncertainInputs
from riskmodel.analytics.stability import Sample, plan_eal

ALTERNATIVES = 20
TOP_INPUTS = 5


@dataclass(frozen=True)
class InputValue:
    """Knowing ``input`` exactly is worth up to ``evpi_per_year`` dollars a year for this decision."""

    input: str
    label: str
    evpi_per_year: float


@dataclass(frozen=True)
class ValueOfInformation:
    evpi_per_year: float
    """Of knowing every input exactly."""
    inputs: tuple[InputValue, ...]
    """Per input, the most valuable first."""
    alternatives: int
    coverage: float
    """Share of draws whose own greedy plan is among the plans weighed."""
    draws: int
    bins: int

    @property
    def top(self) -> tuple[InputValue, ...]:
        return self.inputs[:TOP_INPUTS]


def _plans(sample: Sample, decided: tuple[str, ...]) -> tuple[list[tuple[str, ...]], float]:
    """The plans to weigh (the decided one first) and the share of draws they cover."""
    per_draw = [tuple(sorted(sample.candidates[j] for j in np.flatnonzero(row))) for row in sample.chosen]
    common = [plan for plan, _ in Counter(per_draw).most_common(ALTERNATIVES)]
    plans = [decided, *[plan for plan in common if plan != decided]]
    covered = set(plans)
    return plans, (sum(plan in covered for plan in per_draw) / len(per_draw)) if per_draw else 1.0


def partial_evpi(values: np.ndarray, driver: np.ndarray, bins: int) -> float:
    """Partial EVPI of ``driver`` (draws) for plan values (plans × draws), by equal-count bins."""
    order = np.argsort(driver, kind="stable")
    best_on_average = values.mean(axis=1).max()
    informed = 0.0
    for chunk in np.array_split(order, bins):
        if chunk.size:
            informed += chunk.size * values[:, chunk].mean(axis=1).max()
    return max(0.0, float(informed / driver.size - best_on_average))


def value_of_information(batch: BatchEvaluator, inputs: UncertainInputs, sample: Sample,
                         decided: Sequence[str]) -> ValueOfInformation:
    """EVPI of the budget decision, overall and per sampled input, from ``sample``."""
    plans, coverage = _plans(sample, tuple(sorted(decided)))
    costs = batch.planner.costs
    values = np.stack([-(plan_eal(batch, sample, plan) + sum(costs[m] for m in plan)) for plan in plans]) \
        if sample.size else np.zeros((len(plans), 0))
    if not sample.size:
        return ValueOfInformation(0.0, (), len(plans), coverage, 0, 0)
    informed = np.maximum(values.max(axis=0), sample.value_of_own_plan)
    total = max(0.0, float(informed.mean() - values.mean(axis=1).max()))
    bins = int(min(50, max(10, round(math.sqrt(sample.size)))))
    ranked = sorted((InputValue(entry.id, entry.label, partial_evpi(values, sample.draws[i], bins))
                     for i, entry in enumerate(inputs.sampled)), key=lambda v: (-v.evpi_per_year, v.input))
    return ValueOfInformation(total, tuple(ranked), len(plans), coverage, sample.size, bins)
