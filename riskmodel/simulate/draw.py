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
them (done piece by piece, so that the arrays stay in the CPU's caches), so the incidents
depend on the generator's state alone. Where every mode has one pair the pair picks are
stepped over rather than drawn (:func:`skip_uniforms`): the starts after them are the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskmodel.model.bounds import MINUTES_PER_YEAR
from riskmodel.simulate.tables import PairTable


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
    return values[:1] if len(values) and (values == values[0]).all() else values[index]


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


def _random_pairs(table: PairTable, rng: np.random.Generator,
                  years: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Year, mode and pair-pick uniform of each random incident of ``years`` years (no uniforms,
    None, when every mode has one pair: the picks are stepped over, see :func:`skip_uniforms`)."""
    modes = len(table.mode_rate)
    ratio = None
    if np.any(table.rate_sigma > 0):
        sigma = np.tile(table.rate_sigma, years)
        ratio = _ratio(sigma, sigma**2 / 2, rng, years * modes)
    if ratio is None and modes == 1:  # the same draws as with an array of equal rates, without the broadcast
        counts = rng.poisson(float(table.mode_rate[0]), size=years).reshape(years, 1)
    else:
        lam = np.tile(table.mode_rate, years) if ratio is None else table.mode_rate[None, :] * ratio.reshape(years, modes)
        counts = rng.poisson(lam).reshape(years, modes)
    year = np.repeat(np.arange(years), counts[:, 0] if modes == 1 else counts.sum(axis=1))
    if modes == 1:  # read-only: per-mode values of one mode are never gathered (see per_incident)
        mode = np.broadcast_to(np.zeros(1, dtype=np.int64), year.shape)
    else:
        mode = np.repeat(np.tile(np.arange(modes), years), counts.ravel())
    if table.single_pair_modes:  # the picks are not needed: step over them, the stream stays the same
        skip_uniforms(rng, len(mode))
        return year, mode, None
    return year, mode, rng.random(len(mode))


def skip_uniforms(rng: np.random.Generator, count: int) -> None:
    """Leave ``rng`` where ``rng.random(count)`` would: each float64 uniform of numpy's PCG64
    consumes exactly one 64-bit output, so the bit generator jumps ahead by ``count`` outputs
    (``PCG64.advance``, O(log count)) instead of producing them; other bit generators draw."""
    bit_generator = rng.bit_generator
    if type(bit_generator) is np.random.PCG64:
        bit_generator.advance(count)
    else:
        rng.random(count)


PIECE = 1 << 16
"""Incidents per piece of the arithmetic on a block's draws: short arrays stay in the CPU's
caches. The draws themselves are whole arrays (the random stream does not depend on it)."""


def _normals(table: PairTable, rng: np.random.Generator, mode: np.ndarray) -> list[np.ndarray | None]:
    """Standard normals for the detect, repair and incident-cost multipliers, in that order;
    None (no draw) where no incident's mode has a positive σ."""
    size = len(mode)
    if len(table.mode_names) == 1:
        present = np.ones(1, dtype=bool)
    else:
        present = np.bincount(mode, minlength=len(table.mode_names)) > 0 if size else np.zeros(0, dtype=bool)
    return [rng.standard_normal(size) if size and np.any(sigma[present] > 0) else None
            for sigma in (table.detect_sigma, table.repair_sigma, table.cost_sigma)]


def _multiplied(normals: np.ndarray | None, sigma: np.ndarray, half: np.ndarray, mode: np.ndarray,
                base: np.ndarray, size: int, out: np.ndarray | None = None) -> np.ndarray:
    """``base`` × exp(σz − σ²/2) in place of the normals ``z`` of one piece, or into ``out``
    (``base`` alone, read-only, when nothing was drawn and no ``out`` is given)."""
    if normals is None:
        if out is None:
            return np.broadcast_to(base, (size,))
        out[...] = base
        return out
    normals *= per_incident(sigma, mode)
    normals -= per_incident(half, mode)
    np.exp(normals, out=normals)
    return np.multiply(base, normals, out=normals if out is None else out)


def _slices(size: int) -> list[slice]:
    return [slice(low, min(low + PIECE, size)) for low in range(0, size, PIECE)] or [slice(0, 0)]


def draw_block(table: PairTable, rng: np.random.Generator, years: int) -> Incidents:
    """All incidents of ``years`` simulated years (random ones, then injected ones)."""
    year, mode, uniform = _random_pairs(table, rng, years)
    start = rng.random(len(mode))
    start *= MINUTES_PER_YEAR
    if uniform is None:  # one pair per mode
        first = per_incident(table.mode_first, mode)
        pair = np.broadcast_to(first, mode.shape) if len(first) == 1 else first
    else:
        pair = np.empty(len(mode), dtype=np.int64)
        for piece in _slices(len(mode)):
            pair[piece] = pick_pairs(table, mode[piece], uniform[piece])
    injected = len(table.injected_pairs)
    if injected:
        year = np.concatenate([year, np.repeat(np.arange(years), injected)])
        pair = np.concatenate([pair, np.tile(table.injected_pairs, years)])
        start = np.concatenate([start, np.tile(table.injected_start, years)])
        mode = table.mode[pair]
    size = len(pair)
    normals = _normals(table, rng, mode)
    end = np.empty(size)
    phase_a = np.empty(size)
    phase_b = np.empty(size) if table.any_reschedules else np.zeros(size)
    reschedule = np.empty(size) if table.any_reschedules else np.broadcast_to(np.inf, (size,))
    for piece in _slices(size):
        _piece(table, piece, pair[piece], mode[piece], normals, start[piece],
               (end[piece], phase_a[piece], phase_b[piece], reschedule[piece]))
    cost = normals[2] if normals[2] is not None else np.broadcast_to(per_incident(table.incident_cost, pair), (size,))
    return Incidents(year=year, pair=pair, start=start, reschedule=reschedule, end=end,
                     phase_a=phase_a, phase_b=phase_b, incident_cost=cost)


def _piece(table: PairTable, piece: slice, pair: np.ndarray, mode: np.ndarray, normals: list[np.ndarray | None],
           start: np.ndarray, out: tuple[np.ndarray, ...]) -> None:
    """Durations and phases of one piece of incidents, written into ``out`` (end, phase A,
    phase B, reschedule time); the incident-cost normals become the costs in place."""
    end, phase_a, phase_b, reschedule = out
    size = len(pair)
    draws = [None if z is None else z[piece] for z in normals]
    if draws[2] is not None:
        _multiplied(draws[2], table.cost_sigma, table.cost_half_variance, mode, per_incident(table.incident_cost, pair),
                    size)
    if draws[0] is None and table.neutral_timing and not table.any_reschedules and not table.detect.any():
        # no detect minutes: the duration is the repair (0 + x is x), written straight into phase A
        _multiplied(draws[1], table.repair_sigma, table.repair_half_variance, mode, per_incident(table.repair, pair),
                    size, phase_a)
        np.add(start, phase_a, out=end)
        return
    detect = _multiplied(draws[0], table.detect_sigma, table.detect_half_variance, mode,
                         per_incident(table.detect, pair), size)
    repair = _multiplied(draws[1], table.repair_sigma, table.repair_half_variance, mode,
                         per_incident(table.repair, pair), size)
    if not table.neutral_timing:
        detect = np.maximum(0.0, detect * table.detect_factor[pair] - table.detect_saved[pair])
        repair = np.maximum(0.0, repair * table.repair_factor[pair] - table.repair_saved[pair])
    duration = np.add(detect, repair, out=None if table.any_reschedules else phase_a)
    if table.any_reschedules:
        evict = per_incident(table.evict_minutes, pair)
        at = np.where(table.reschedules[pair], detect + evict + table.startup_minutes, np.inf)
        np.minimum(at, duration, out=phase_a)
        np.subtract(duration, phase_a, out=phase_b)
        np.add(at, start, out=reschedule)
    np.add(start, duration, out=end)
