"""The flat pair table a simulation draws from: every (failure mode, unit) pair of a plan.

A plan is applied the way :meth:`riskmodel.plan.planner.Planner.evaluate` applies it: frequency,
detect, repair and impact factors per failure mode from
:func:`~riskmodel.plan.planner.mode_factors`, and each failure mode evaluated on the topology that
the topology measures applying to it give (one *group* per distinct set of such measures).
Injected what-if failures become extra pairs with their own pseudo failure mode that occur
exactly once per simulated year at a set time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from riskmodel.engine.impact import FailedSet, structural_impact
from riskmodel.engine.risk import RiskModel
from riskmodel.errors import InputError
from riskmodel.model.catalog import FailureMode
from riskmodel.model.estimate import Estimate, Interval
from riskmodel.plan.planner import Planner, mode_factors
from riskmodel.simulate.structures import StructureTable, build_structure_table


@dataclass(frozen=True)
class InjectedFailure:
    """A failure forced into every simulated year: ``failed_set`` from ``start_minutes`` on
    (minutes after the year starts) for ``duration_minutes``; pods reschedule after the
    eviction timeout and start-up when ``reschedule``."""

    label: str
    failed_set: FailedSet
    start_minutes: float = 0.0
    duration_minutes: float = 60.0
    reschedule: bool = True


def _sigma(estimate: Estimate) -> float:
    """Lognormal σ of a 90% interval; 0 for a point (no uncertainty to draw)."""
    return estimate.sigma if isinstance(estimate, Interval) else 0.0


@dataclass(frozen=True, eq=False)
class PairSampler:
    """A guide into ``cumulative`` (the pairs' cumulative rates, +inf appended): the buckets
    split [0, total rate) evenly, ``scale`` buckets per unit of rate, and ``guide[b]`` is the
    first pair whose cumulative rate exceeds the lower edge of bucket b − 1. A target rate t
    computed to lie in bucket b (rounding may put it one bucket high) therefore has its pair
    at or a few steps after ``guide[b]``: the search starts there and walks forward."""

    cumulative: np.ndarray
    guide: np.ndarray
    scale: float


GUIDE_BUCKETS_PER_PAIR = 4


def pair_sampler(rate_cumulative: np.ndarray) -> PairSampler:
    total = float(rate_cumulative[-1]) if len(rate_cumulative) else 0.0
    buckets = max(1, GUIDE_BUCKETS_PER_PAIR * len(rate_cumulative))
    lower_edges = np.maximum(np.arange(buckets) - 1, 0) * (total / buckets)
    guide = np.searchsorted(rate_cumulative, lower_edges, side="right").astype(np.int64)
    return PairSampler(np.concatenate([rate_cumulative, [np.inf]]), guide, buckets / total if total > 0 else 0.0)


@dataclass(frozen=True, eq=False)
class PairTable:
    """Arrays over pairs sorted by failure mode, and per failure mode (catalog + injected).

    Minutes for durations, dollars for costs, incidents per year for rates. ``*_sigma`` are
    the lognormal σ of a mode's interval: a draw is point × exp(σz − σ²/2), mean-preserving.
    """

    structures: StructureTable
    mode_names: tuple[str, ...]
    mode: np.ndarray
    structure: np.ndarray
    rate: np.ndarray
    detect: np.ndarray
    repair: np.ndarray
    detect_factor: np.ndarray
    detect_saved: np.ndarray
    repair_factor: np.ndarray
    repair_saved: np.ndarray
    drain: np.ndarray
    kind: np.ndarray
    scale: np.ndarray
    incident_cost: np.ndarray
    no_scheduling: np.ndarray
    rate_cumulative: np.ndarray
    mode_rate: np.ndarray
    mode_first: np.ndarray
    mode_last: np.ndarray
    rate_sigma: np.ndarray
    detect_sigma: np.ndarray
    repair_sigma: np.ndarray
    cost_sigma: np.ndarray
    injected_pairs: np.ndarray
    injected_start: np.ndarray
    eviction_minutes: float
    startup_minutes: float
    service_names: tuple[str, ...]
    error_budget_minutes: np.ndarray
    analytic_eal: float
    mode_low: np.ndarray
    """Per mode: cumulative rate before its first pair (``mode_span`` is its own total rate)."""
    mode_span: np.ndarray
    sampler: PairSampler
    detect_half_variance: np.ndarray
    """Per mode: σ²/2 of the detect interval (and of repair and incident cost below)."""
    repair_half_variance: np.ndarray
    cost_half_variance: np.ndarray
    neutral_timing: bool
    """No measure changes detect or repair minutes (factors 1, nothing saved)."""
    evict_minutes: np.ndarray
    """Per pair: the eviction timeout before pods move (0 where a remedy controller drains)."""
    reschedules: np.ndarray
    """Per pair: lost pods move at detect + eviction + start-up (Kubernetes evicts, or a drain)."""
    pair_cost_a: np.ndarray
    """Per pair: its failed set's dollars per minute in phase A, and in phase B below."""
    pair_cost_b: np.ndarray
    pair_degraded: np.ndarray
    """Per pair: its failed set only degrades (it never combines with an overlapping incident)."""
    single_pair_modes: bool
    """Every mode that can occur has one pair: an incident's pair is its mode's (no search)."""
    any_degraded: bool
    any_reschedules: bool


def _rows(model: RiskModel, modes: list[int], factors, offset: int, catalog_modes: Sequence[FailureMode]) -> dict:
    """Pair rows of ``model`` for the failure modes in ``modes`` with the plan's factors applied."""
    selected = np.flatnonzero(np.isin(model.pair_mode, modes))
    m = model.pair_mode[selected]
    no_scheduling = np.array([catalog_modes[i].effect.type == "no_scheduling" for i in m], dtype=bool)
    return {
        "mode": m, "structure": model.pair_structure[selected] + offset,
        "rate": model.base_rate[selected] * factors.frequency[m], "detect": model.base_detect[selected],
        "repair": model.base_repair[selected], "detect_factor": factors.detect[m],
        "detect_saved": factors.detect_saved_minutes[m], "repair_factor": factors.repair[m],
        "repair_saved": factors.repair_saved_minutes[m], "drain": factors.drain[m],
        "kind": model.reschedule_kind[selected], "scale": model.impact_fraction[selected] * factors.impact[m],
        "incident_cost": model.incident_cost[selected] * factors.impact[m], "no_scheduling": no_scheduling.reshape(-1),
    }


def _injected_rows(injected: Sequence[InjectedFailure], first_mode: int, offset: int) -> dict:
    count = len(injected)
    ones, zeros = np.ones(count), np.zeros(count)
    return {
        "mode": np.arange(first_mode, first_mode + count), "structure": np.arange(offset, offset + count),
        "rate": zeros, "detect": zeros, "repair": np.array([f.duration_minutes for f in injected], dtype=float),
        "detect_factor": ones, "detect_saved": zeros, "repair_factor": ones, "repair_saved": zeros,
        "drain": np.zeros(count, dtype=bool), "kind": np.array([int(f.reschedule) for f in injected]),
        "scale": ones, "incident_cost": zeros, "no_scheduling": np.zeros(count, dtype=bool),
    }


def _groups(planner: Planner, measure_ids: Iterable[str]) -> tuple[list, dict[tuple[str, ...], list[int]], tuple]:
    ids = list(dict.fromkeys(measure_ids))
    unknown = [i for i in ids if i not in planner.measures]
    if unknown:
        sample = ", ".join(sorted(planner.measures)[:10])
        raise InputError("--plan", f"unknown measure id(s) {', '.join(unknown)}; expected catalog ids such as: {sample}")
    chosen = [m for m in planner.catalog.measures if m.id in ids]
    topology = tuple(m.id for m in chosen if m.changes_topology)
    return chosen, planner.topology_groups(chosen), topology


def build_pair_table(planner: Planner, measure_ids: Iterable[str] = (),
                     injected: Sequence[InjectedFailure] = ()) -> PairTable:
    """Every pair of the plan ``measure_ids`` (plus ``injected`` failures) as flat arrays."""
    measure_ids = tuple(measure_ids)
    chosen, groups, plan_topology = _groups(planner, measure_ids)
    if injected:
        groups.setdefault(plan_topology, [])
    keys = list(groups)
    models = [planner.model_for(key) for key in keys]
    factors = mode_factors(planner.catalog, chosen)
    catalog_modes = planner.catalog.failure_modes
    sources, rows, offset = [], [], 0
    for g, (key, model) in enumerate(zip(keys, models, strict=True)):
        sources.append((g, list(model.structures)))
        rows.append(_rows(model, groups[key], factors, offset, catalog_modes))
        offset += len(model.structures)
    if injected:
        g = keys.index(plan_topology)
        index = models[g].index
        sources.append((g, [structural_impact(index, f.failed_set, reschedule=f.reschedule) for f in injected]))
        rows.append(_injected_rows(injected, len(catalog_modes), offset))
    columns = {name: np.concatenate([r[name] for r in rows]) for name in rows[0]}
    order = np.argsort(columns["mode"], kind="stable")
    columns = {name: values[order] for name, values in columns.items()}
    return _finish(planner, measure_ids, injected, columns, build_structure_table([m.index for m in models], sources))


def _finish(planner: Planner, measure_ids: tuple[str, ...], injected: Sequence[InjectedFailure],
            columns: dict[str, np.ndarray], structures: StructureTable) -> PairTable:
    catalog_modes = planner.catalog.failure_modes
    modes = len(catalog_modes) + len(injected)
    mode = columns["mode"].astype(np.int64)
    extra = np.zeros(len(injected))
    settings = planner.scenario.settings
    index = planner.base.index
    injected_pairs = np.flatnonzero(mode >= len(catalog_modes))
    rate_cumulative = np.cumsum(columns["rate"])
    mode_first = np.searchsorted(mode, np.arange(modes), side="left")
    mode_last = np.searchsorted(mode, np.arange(modes), side="right") - 1
    mode_low = np.where(mode_first > 0, rate_cumulative[np.maximum(mode_first - 1, 0)], 0.0) if len(mode) else \
        np.zeros(modes)
    mode_high = rate_cumulative[np.maximum(mode_last, 0)] if len(mode) else np.zeros(modes)
    sigmas = {name: np.concatenate([[_sigma(getattr(m, name)) for m in catalog_modes], extra])
              for name in ("frequency_per_year", "detect_minutes", "repair_minutes", "incident_cost")}
    kind, drain = columns["kind"].astype(np.int64), columns["drain"].astype(bool)
    drained = (kind > 0) & drain
    structure = columns["structure"].astype(np.int64)
    return PairTable(
        structures=structures,
        mode_names=tuple(m.id for m in catalog_modes) + tuple(f"injected:{f.label}" for f in injected),
        mode=mode, structure=structure, rate=columns["rate"],
        detect=columns["detect"], repair=columns["repair"], detect_factor=columns["detect_factor"],
        detect_saved=columns["detect_saved"], repair_factor=columns["repair_factor"],
        repair_saved=columns["repair_saved"], drain=drain,
        kind=kind, scale=columns["scale"], incident_cost=columns["incident_cost"],
        no_scheduling=columns["no_scheduling"].astype(bool),
        rate_cumulative=rate_cumulative,
        mode_rate=np.bincount(mode, columns["rate"], minlength=modes),
        mode_first=mode_first, mode_last=mode_last,
        rate_sigma=sigmas["frequency_per_year"], detect_sigma=sigmas["detect_minutes"],
        repair_sigma=sigmas["repair_minutes"], cost_sigma=sigmas["incident_cost"],
        injected_pairs=injected_pairs,
        injected_start=np.array([f.start_minutes for f in injected], dtype=float),
        eviction_minutes=settings.eviction_timeout_seconds / 60.0,
        startup_minutes=settings.startup_minutes,
        service_names=tuple(index.service_names),
        error_budget_minutes=index.error_budget_minutes,
        analytic_eal=planner.evaluate(measure_ids).eal_per_year,
        mode_low=mode_low, mode_span=mode_high - mode_low, sampler=pair_sampler(rate_cumulative),
        detect_half_variance=sigmas["detect_minutes"] ** 2 / 2, repair_half_variance=sigmas["repair_minutes"] ** 2 / 2,
        cost_half_variance=sigmas["incident_cost"] ** 2 / 2,
        neutral_timing=bool(np.all(columns["detect_factor"] == 1) and np.all(columns["repair_factor"] == 1)
                            and not np.any(columns["detect_saved"]) and not np.any(columns["repair_saved"])),
        evict_minutes=np.where(drained, 0.0, settings.eviction_timeout_seconds / 60.0),
        reschedules=(kind == 1) | drained,
        pair_cost_a=structures.cost_a[structure], pair_cost_b=structures.cost_b[structure],
        pair_degraded=structures.degraded[structure],
        single_pair_modes=bool(np.all((mode_last - mode_first <= 0) | (np.bincount(mode, columns["rate"], minlength=modes)
                                                                      == 0))),
        any_degraded=bool(structures.degraded[structure].any()),
        any_reschedules=bool(((kind == 1) | drained).any()),
    )
