"""Drawing the incidents of a block of simulated years, all at once with numpy.

Per year and failure mode the number of incidents is Poisson(Σ pair rates × rate draw),
where the rate draw (mean 1) comes from the mode's 90% interval once per year; each
incident then picks its pair in proportion to the pair rates (Poisson splitting: the same
law as one Poisson draw per pair, at a cost independent of the number of pairs). Start
times are uniform in the year; detect and repair minutes are drawn per incident from their
intervals (the pair's evidence- and blind-spot-adjusted value scaled by draw / point), and
the plan's factors are applied as in :meth:`riskmodel.engine.risk.RiskModel.phase_minutes`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskmodel.simulate.tables import PairTable

MINUTES_PER_YEAR = 525_600.0


@dataclass(frozen=True, eq=False)
class Incidents:
    """Incidents of a block: times in minutes from the start of their year (``year``)."""

    year: np.ndarray
    pair: np.ndarray
    start: np.ndarray
    reschedule: np.ndarray
    end: np.ndarray
    phase_a: np.ndarray
    phase_b: np.ndarray
    incident_cost: np.ndarray

    def __len__(self) -> int:
        return len(self.pair)


def _ratio(sigma: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    """Mean-one lognormal multipliers exp(σz − σ²/2); exactly 1 where σ = 0 (no draw made
    when no σ is positive, so point-only catalogs use fewer random numbers)."""
    if not np.any(sigma > 0):
        return np.ones(size)
    return np.exp(sigma * rng.standard_normal(size) - sigma**2 / 2)


def _random_pairs(table: PairTable, rng: np.random.Generator, years: int) -> tuple[np.ndarray, np.ndarray]:
    """Year and pair of each random incident of ``years`` years."""
    modes = len(table.mode_rate)
    lam = table.mode_rate[None, :] * _ratio(np.tile(table.rate_sigma, years), rng, years * modes).reshape(years, modes)
    counts = rng.poisson(lam).ravel()
    year = np.repeat(np.repeat(np.arange(years), modes), counts)
    mode = np.repeat(np.tile(np.arange(modes), years), counts)
    first = table.mode_first[mode]
    low = np.where(first > 0, table.rate_cumulative[np.maximum(first - 1, 0)], 0.0)
    high = table.rate_cumulative[table.mode_last[mode]]
    target = low + rng.random(len(mode)) * (high - low)
    pair = np.searchsorted(table.rate_cumulative, target, side="right")
    return year, np.clip(pair, first, table.mode_last[mode])


def draw_block(table: PairTable, rng: np.random.Generator, years: int) -> Incidents:
    """All incidents of ``years`` simulated years (random ones, then injected ones)."""
    year, pair = _random_pairs(table, rng, years)
    start = rng.random(len(pair)) * MINUTES_PER_YEAR
    injected = len(table.injected_pairs)
    if injected:
        year = np.concatenate([year, np.repeat(np.arange(years), injected)])
        pair = np.concatenate([pair, np.tile(table.injected_pairs, years)])
        start = np.concatenate([start, np.tile(table.injected_start, years)])
    mode = table.mode[pair]
    size = len(pair)
    detect = table.detect[pair] * _ratio(table.detect_sigma[mode], rng, size)
    repair = table.repair[pair] * _ratio(table.repair_sigma[mode], rng, size)
    cost = table.incident_cost[pair] * _ratio(table.cost_sigma[mode], rng, size)
    detect = np.maximum(0.0, detect * table.detect_factor[pair] - table.detect_saved[pair])
    repair = np.maximum(0.0, repair * table.repair_factor[pair] - table.repair_saved[pair])
    kind = table.kind[pair]
    drained = (kind > 0) & table.drain[pair]
    evict = np.where(drained, 0.0, table.eviction_minutes)
    reschedule_at = np.where((kind == 1) | drained, detect + evict + table.startup_minutes, np.inf)
    duration = detect + repair
    phase_a = np.minimum(reschedule_at, duration)
    return Incidents(year=year, pair=pair, start=start, reschedule=start + reschedule_at, end=start + duration,
                     phase_a=phase_a, phase_b=duration - phase_a, incident_cost=cost)
