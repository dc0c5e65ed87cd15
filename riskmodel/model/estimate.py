"""Estimates: a number that is either a point or a 90% interval read as a lognormal.

the math contract (docs/formats.md) contract: a 90% interval {low, high} is a lognormal with
μ = (ln low + ln high) / 2 and σ = (ln high − ln low) / (2 · z₀.₉₅); its point value is
the mean exp(μ + σ²/2).
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

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
