"""Drawing the incidents of a block of simulated years, all at once with numpy.

Per year and failure mode the number of incidents is Poisson(Σ pair rates × rate draw),
where the rate draw (mean 1) comes from the mode's 90% interval once per year; each
incident then picks its pair in proportion to the pair rates (Poisson splitting: the same
law as one Poisson draw per pair, at a cost independent of the number of pairs). Start
times are uniform in the year; detect and repair minutes are drawn per incident from their
intervals (the pair's evidence- and blind-spot-adjusted value scaled by draw / point), and
the plan's factors are applied as in :meth:`riskmodel.engine.risk.RiskModel.phase_minutes`.

The random numbers are drawn in a fixed order (rate draws, counts, pair picks, starts,
detect, repair and incident-cost draws), one array each; everything else is arithmetic on
them, so the incidents depend on the generator's state alone.
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


def _ratio(sigma: np.ndarray, half_variance: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray | None:
    """Mean-one lognormal multipliers exp(σz − σ²/2), or None (meaning exactly 1) when no σ is
    positive: point-only catalogs then draw no normals at all. ``sigma`` and ``half_variance``
    are per draw, or one value for all."""
    if not np.any(sigma > 0):
        return None
    ratio = rng.standard_normal(size)
    ratio *= sigma
    ratio -= half_variance
    return np.exp(ratio, out=ratio)


def per_incident(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index]`` (a per-mode or per-pair value for each incident), or one value that
    broadcasts when all values are the same: a single risk gathers nothing."""
    return values[:1] if len(values) and np.all(values == values[0]) else values[index]


def pick_pairs(table: PairTable, mode: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """The pair of each incident: the pair whose cumulative-rate interval holds the target
    ``low + u · (high − low)`` of its mode, found through the table's guide. This is exactly
    what ``np.searchsorted(rate_cumulative, target, side="right")`` returns, capped at the
    mode's last pair, at a fraction of its cost: a few steps forward from a guided start."""
    if table.single_pair_modes:
        first = per_incident(table.mode_first, mode)
        return np.broadcast_to(first, mode.shape) if len(first) == 1 else first
    target = table.mode_low[mode]
    target += uniform * table.mode_span[mode]
    sampler = table.sampler
    bucket = (target * sampler.scale).astype(np.int64)
    pair = sampler.guide[np.minimum(bucket, len(sampler.guide) - 1, out=bucket)]
    cumulative = sampler.cumulative
    step = np.flatnonzero(cumulative[pair] <= target)
    while step.size:
        pair[step] += 1
        step = step[cumulative[pair[step]] <= target[step]]
    return np.minimum(pair, table.mode_last[mode], out=pair)


def _random_pairs(table: PairTable, rng: np.random.Generator, years: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, mode and pair of each random incident of ``years`` years."""
    modes = len(table.mode_rate)
    sigma = np.tile(table.rate_sigma, years)
    ratio = _ratio(sigma, sigma**2 / 2, rng, years * modes)
    if ratio is None and modes == 1:  # the same draws as with an array of equal rates, without the broadcast
        counts = rng.poisson(float(table.mode_rate[0]), size=years).reshape(years, 1)
    else:
        lam = np.tile(table.mode_rate, years) if ratio is None else table.mode_rate[None, :] * ratio.reshape(years, modes)
        counts = rng.poisson(lam).reshape(years, modes)
    year = np.repeat(np.arange(years), counts[:, 0] if modes == 1 else counts.sum(axis=1))
    mode = np.zeros(len(year), dtype=np.int64) if modes == 1 else np.repeat(np.tile(np.arange(modes), years), counts.ravel())
    return year, mode, pick_pairs(table, mode, rng.random(len(mode)))


def _scaled(base: np.ndarray, ratio: np.ndarray | None, size: int) -> np.ndarray:
    """``base`` (per incident, or one value for all) times the mean-one multipliers, ``size``
    values (a read-only view of ``base`` when there are no multipliers)."""
    return np.broadcast_to(base, (size,)) if ratio is None else np.multiply(base, ratio, out=ratio)


def draw_block(table: PairTable, rng: np.random.Generator, years: int) -> Incidents:
    """All incidents of ``years`` simulated years (random ones, then injected ones)."""
    year, mode, pair = _random_pairs(table, rng, years)
    start = rng.random(len(pair))
    start *= MINUTES_PER_YEAR
    injected = len(table.injected_pairs)
    if injected:
        year = np.concatenate([year, np.repeat(np.arange(years), injected)])
        pair = np.concatenate([pair, np.tile(table.injected_pairs, years)])
        start = np.concatenate([start, np.tile(table.injected_start, years)])
        mode = table.mode[pair]
    size = len(pair)
    ratios = [_ratio(per_incident(sigma, mode), per_incident(half, mode), rng, size)
              for sigma, half in ((table.detect_sigma, table.detect_half_variance),
                                  (table.repair_sigma, table.repair_half_variance),
                                  (table.cost_sigma, table.cost_half_variance))]
    detect = _scaled(per_incident(table.detect, pair), ratios[0], size)
    repair = _scaled(per_incident(table.repair, pair), ratios[1], size)
    cost = _scaled(per_incident(table.incident_cost, pair), ratios[2], size)
    if not table.neutral_timing:
        detect = np.maximum(0.0, detect * table.detect_factor[pair] - table.detect_saved[pair])
        repair = np.maximum(0.0, repair * table.repair_factor[pair] - table.repair_saved[pair])
    duration = detect + repair
    if table.any_reschedules:
        evict = per_incident(table.evict_minutes, pair)
        reschedule_at = np.where(table.reschedules[pair], detect + evict + table.startup_minutes, np.inf)
        phase_a = np.minimum(reschedule_at, duration)
        phase_b = duration - phase_a
        reschedule_at += start
    else:  # nothing ever moves: no reschedule time, no phase B
        reschedule_at, phase_a, phase_b = np.broadcast_to(np.inf, (size,)), duration, np.zeros(size)
    return Incidents(year=year, pair=pair, start=start, reschedule=reschedule_at, end=start + duration,
                     phase_a=phase_a, phase_b=phase_b, incident_cost=cost)
