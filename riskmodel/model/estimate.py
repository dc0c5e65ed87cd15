"""Estimates: a number that is either a point or a 90% interval read as a lognormal.

the math contract (docs/formats.md) contract: a 90% interval {low, high} is a lognormal with
μ = (ln low + ln high) / 2 and σ = (ln high − ln low) / (2 · z₀.₉₅); its point value is
the mean exp(μ + σ²/2).
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from riskmodel.model.bounds import MAX_FREQUENCY_PER_YEAR, MAX_INTERVAL_RATIO, MAX_MINUTES, MAX_MONEY

Z_90 = 1.6448536269514722
"""Standard normal quantile at 0.95: a 90% central interval spans ±Z_90 σ."""


class StrictModel(BaseModel):
    """Frozen, typo-proof base for every model parsed from a file."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Interval(StrictModel):
    """A 90% interval of a positive quantity; both ends in the unit of the field."""

    low: float = Field(gt=0, allow_inf_nan=False)
    high: float = Field(gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if self.high < self.low:
            raise ValueError(f"expected high >= low, got low={self.low} high={self.high}")
        if self.high > self.low * MAX_INTERVAL_RATIO * (1 + 1e-12):
            raise ValueError(
                f"expected high at most {MAX_INTERVAL_RATIO:.0e} times low, got low={self.low:g} high={self.high:g}; "
                "a 90% interval wider than six orders of magnitude says nothing"
            )
        return self

    @property
    def mu(self) -> float:
        return (math.log(self.low) + math.log(self.high)) / 2

    @property
    def sigma(self) -> float:
        return (math.log(self.high) - math.log(self.low)) / (2 * Z_90)

    @property
    def mean(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2)


NonNegativeFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Estimate = NonNegativeFloat | Interval
"""A point value or a 90% interval, in the unit its field name says."""


def _at_most(bound: float, unit: str) -> AfterValidator:
    """A check that a point, or both ends of an interval, are at most ``bound`` (in ``unit``)."""
    def check(estimate: Estimate) -> Estimate:
        largest = estimate.high if isinstance(estimate, Interval) else float(estimate)
        if largest > bound:
            which = "high" if isinstance(estimate, Interval) else "value"
            raise ValueError(f"expected at most {bound:,.0f} {unit}, got {which} {largest:g}")
        return estimate

    return AfterValidator(check)


FrequencyEstimate = Annotated[Estimate, _at_most(MAX_FREQUENCY_PER_YEAR, "incidents per unit and year (once a minute)")]
"""Incidents per unit and year, at most ``MAX_FREQUENCY_PER_YEAR``."""
MinutesEstimate = Annotated[Estimate, _at_most(MAX_MINUTES, "minutes (a year)")]
"""Minutes, at most ``MAX_MINUTES``."""
MoneyEstimate = Annotated[Estimate, _at_most(MAX_MONEY, "dollars")]
"""Dollars, at most ``MAX_MONEY``."""


def point(estimate: Estimate) -> float:
    """The value used by the analytic model: the point itself or the lognormal mean."""
    return estimate.mean if isinstance(estimate, Interval) else float(estimate)


def draw(estimate: Estimate, rng: np.random.Generator, size: int) -> np.ndarray:
    """Draw ``size`` values: constant for a point, lognormal for an interval."""
    if isinstance(estimate, Interval):
        return rng.lognormal(estimate.mu, estimate.sigma, size)
    return np.full(size, float(estimate))


def scale(estimate: Estimate, factor: float) -> Estimate:
    """Multiply an estimate by a factor (both ends of an interval; the mean scales too)."""
    if isinstance(estimate, Interval):
        return Interval(low=estimate.low * factor, high=estimate.high * factor)
    return float(estimate) * factor
