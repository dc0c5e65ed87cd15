"""How sure is the ranking: every uncertain input drawn jointly, the register and plan per draw.

N draws of all sampled inputs together (independent lognormals, from one seeded
``numpy.random.Generator``), each evaluated by :class:`~riskmodel.analytics.batch.BatchEvaluator`
in chunks: per failure mode the share of draws in which it is among the :data:`TOP_MODES`
costliest, per measure the share in which the greedy plan under the same budget takes it,
and the distribution of the net benefit (ΔEAL − annual cost, dollars per year) of the plan
as decided. An item is *stable* when its share is at least :data:`STABLE_SHARE` or at most
1 − that; *contested* otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from riskmodel.analytics.batch import BatchEvaluator, InputValues
from riskmodel.analytics.inputs import UncertainInputs, draw_inputs

TOP_MODES = 5
STABLE_SHARE = 0.9
CHUNK_DRAWS = 1000
"""Draws evaluated together: (modes × draws × groups × coefficients) arrays stay near 10 MB."""
DEFAULT_DRAWS = 1000


@dataclass(frozen=True, eq=False)
class Sample:
    """The joint draws and what they give: values, EAL per mode without measures, plans."""

    draws: np.ndarray
    """(inputs × draws) values of the sampled inputs."""
    values: InputValues
    base_eal_per_mode: np.ndarray
    """(modes × draws) dollars per year, no measure in place."""
    chosen: np.ndarray
    """(draws × candidates): the greedy plan of each draw."""
    value_of_own_plan: np.ndarray
    """−(EAL + annual cost) of each draw's own plan in that draw, dollars per year."""
    candidates: tuple[str, ...]
    budget: float

    @property
    def size(self) -> int:
        return int(self.draws.shape[1])


def _chunk(values: InputValues, start: int, stop: int) -> InputValues:
    return InputValues(*(getattr(values, name)[:, start:stop] for name in (
        "frequency", "detect", "repair", "incident_cost", "cost_per_hour", "degraded_cost_per_hour")))


def draw_sample(batch: BatchEvaluator, inputs: UncertainInputs, budget: float, candidates: Sequence[str],
                size: int, rng: np.random.Generator) -> Sample:
    """``size`` joint draws of every sampled input and, per draw, the register and the plan."""
    draws = draw_inputs(inputs, rng, size)
    values = batch.values(draws)
    base, chosen, own = [], [], []
    for start in range(0, size, CHUNK_DRAWS):
        part = _chunk(values, start, min(size, start + CHUNK_DRAWS))
        base.append(batch.eal(part))
        plans = batch.greedy(part, budget, candidates)
        chosen.append(plans.chosen)
        own.append(-(plans.eal_per_year + plans.annual_cost))
    modes = len(batch.modes)
    return Sample(draws, values, np.concatenate(base, axis=1) if base else np.zeros((modes, 0)),
                  np.concatenate(chosen, axis=0) if chosen else np.zeros((0, len(candidates)), dtype=bool),
                  np.concatenate(own) if own else np.zeros(0), tuple(candidates), budget)


def plan_eal(batch: BatchEvaluator, sample: Sample, measure_ids: Sequence[str]) -> np.ndarray:
    """EAL (dollars per year) of each draw with ``measure_ids`` in place."""
    totals = [batch.eal(_chunk(sample.values, start, min(sample.size, start + CHUNK_DRAWS)), measure_ids).sum(axis=0)
              for start in range(0, sample.size, CHUNK_DRAWS)]
    return np.concatenate(totals) if totals else np.zeros(0)


def is_stable(share: float) -> bool:
    """In (or out) in at least :data:`STABLE_SHARE` of the draws."""
    return share >= STABLE_SHARE or share <= 1 - STABLE_SHARE


@dataclass(frozen=True)
class ModeStability:
    failure_mode_id: str
    eal_per_year: float
    """At the point values."""
    eal_p5: float
    eal_p95: float
    p_top: float
    """Share of draws in which the mode is among the :data:`TOP_MODES` costliest."""

    @property
    def stable(self) -> bool:
        return is_stable(self.p_top)


@dataclass(frozen=True)
class MeasureStability:
    measure_id: str
    in_plan: bool
    """In the plan as decided (at the point values)."""
    p_in_plan: float

    @property
    def stable(self) -> bool:
        return is_stable(self.p_in_plan)


@dataclass(frozen=True)
class NetBenefit:
    """The decided plan's ΔEAL − annual cost across draws, dollars per year."""

    at_point: float
    mean: float
    p5: float
    p50: float
    p95: float
    p_negative: float


@dataclass(frozen=True)
class Stability:
    draws: int
    seed: int
    budget: float
    plan: tuple[str, ...]
    eal_p5: float
    eal_p50: float
    eal_p95: float
    modes: tuple[ModeStability, ...]
    measures: tuple[MeasureStability, ...]
    net_benefit: NetBenefit

    @property
    def contested_modes(self) -> tuple[ModeStability, ...]:
        return tuple(m for m in self.modes if not m.stable)

    @property
    def contested_measures(self) -> tuple[MeasureStability, ...]:
        return tuple(m for m in self.measures if not m.stable)


def ranking_stability(batch: BatchEvaluator, sample: Sample, plan: Sequence[str], plan_cost: float,
                      seed: int) -> Stability:
    """Top-:data:`TOP_MODES` shares, plan shares and the plan's net benefit over ``sample``."""
    base = sample.base_eal_per_mode
    size = sample.size
    point = batch.eal(batch.values(None, 1))[:, 0]
    ranks = np.argsort(np.argsort(-base, axis=0, kind="stable"), axis=0, kind="stable")
    p_top = (ranks < TOP_MODES).mean(axis=1) if size else np.zeros(len(batch.modes))
    low, high = (np.percentile(base, [5, 95], axis=1) if size else (point, point))
    modes = sorted((ModeStability(mode.id, float(point[i]), float(low[i]), float(high[i]), float(p_top[i]))
                    for i, mode in enumerate(batch.modes)), key=lambda m: (-m.eal_per_year, m.failure_mode_id))
    shares = sample.chosen.mean(axis=0) if size else np.zeros(len(sample.candidates))
    chosen = set(plan)
    measures = sorted((MeasureStability(m, m in chosen, float(shares[sample.candidates.index(m)])
                                        if m in sample.candidates else 0.0) for m in batch.measures),
                      key=lambda m: (-m.p_in_plan, not m.in_plan, m.measure_id))
    total = base.sum(axis=0)
    benefit = total - plan_eal(batch, sample, plan) - plan_cost
    at_point = float(point.sum() - batch.eal(batch.values(None, 1), plan).sum() - plan_cost)
    if size:
        p5, p50, p95 = (float(x) for x in np.percentile(benefit, [5, 50, 95]))
        eal5, eal50, eal95 = (float(x) for x in np.percentile(total, [5, 50, 95]))
        net = NetBenefit(at_point, float(benefit.mean()), p5, p50, p95, float((benefit < 0).mean()))
    else:
        eal5 = eal50 = eal95 = float(point.sum())
        net = NetBenefit(at_point, at_point, at_point, at_point, at_point, float(at_point < 0))
    return Stability(size, seed, sample.budget, tuple(sorted(plan)), eal5, eal50, eal95, tuple(modes),
                     tuple(measures), net)
