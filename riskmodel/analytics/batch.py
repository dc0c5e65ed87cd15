"""Expected annual loss and the budget plan for many values of the uncertain inputs at once.

The risk model keeps, per (failure mode, unit) pair, a rate, detect and repair minutes, a
reschedule kind and the per-minute cost of the failed set in each phase
(:class:`~riskmodel.engine.risk.RiskModel`). An uncertain input moves one of these per
failure mode (its prior frequency, detect, repair minutes or incident cost) or one
service's cost per hour. Per mode, pairs with the same reschedule kind and blind-spot detect
factor share their phase minutes, and a pair's rate is ``α + β·λ`` in the mode's prior
frequency λ (``α = 0, β = 1`` without evidence; Gamma–Poisson ``β = LR·w/(w+t)``,
``α = LR·k/(w+t)`` with it). So a mode's EAL is a handful of sums per group, and every draw
is evaluated with numpy over (modes × draws × groups): no risk model is rebuilt per draw.
Topology measures use the planner's variant models, one per set of them, built once.

The plan per draw follows the planner's greedy rule (marginal ΔEAL per dollar, recomputed
after each pick, candidates in the planner's ranking order); the exhaustive check the
planner adds for few candidates is not repeated per draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from riskmodel.analytics.inputs import UncertainInputs
from riskmodel.engine.likelihood import adjusted_rates
from riskmodel.engine.risk import RiskModel
from riskmodel.model.catalog import measure_applies
from riskmodel.model.estimate import point
from riskmodel.plan.planner import Planner, combine_factors, mode_factors

GROUPS = 6
"""Pair groups per mode: reschedule kind (0, 1, 2) × blind spot (no, yes)."""
_BASE = 6
"""Coefficients per group before the per-service ones: Σα, Σβ, Σα·cost_a, Σβ·cost_a, Σα·cost_b, Σβ·cost_b."""


@dataclass(frozen=True, eq=False)
class InputValues:
    """What the inputs set, per draw: per mode (modes × draws) and per uncertain service (services × draws)."""

    frequency: np.ndarray
    detect: np.ndarray
    repair: np.ndarray
    incident_cost: np.ndarray
    cost_per_hour: np.ndarray
    degraded_cost_per_hour: np.ndarray

    @property
    def draws(self) -> int:
        return int(self.frequency.shape[1])


@dataclass(eq=False)
class _Factors:
    """Per-mode factors of the measures taken so far, per draw (modes × draws)."""

    frequency: np.ndarray
    detect: np.ndarray
    repair: np.ndarray
    detect_saved: np.ndarray
    repair_saved: np.ndarray
    impact: np.ndarray
    drain: np.ndarray

    @classmethod
    def neutral(cls, modes: int, draws: int) -> _Factors:
        ones, zeros = np.ones((modes, draws)), np.zeros((modes, draws))
        return cls(ones, ones.copy(), ones.copy(), zeros, zeros.copy(), ones.copy(), np.zeros((modes, draws), dtype=bool))

    def rows(self, modes: np.ndarray, draws: np.ndarray) -> _Factors:
        pick = np.ix_(modes, draws)
        return _Factors(self.frequency[pick], self.detect[pick], self.repair[pick], self.detect_saved[pick],
                        self.repair_saved[pick], self.impact[pick], self.drain[pick])

    def combined(self, single, modes: np.ndarray) -> _Factors:
        """These factors with one more measure's (``single``: a ModeFactors) on ``modes``."""
        column = (slice(None), None)
        return _Factors(self.frequency * single.frequency[modes][column], self.detect * single.detect[modes][column],
                        self.repair * single.repair[modes][column],
                        self.detect_saved + single.detect_saved_minutes[modes][column],
                        self.repair_saved + single.repair_saved_minutes[modes][column],
                        self.impact * single.impact[modes][column], self.drain | single.drain[modes][column])

    def assign(self, other: _Factors, modes: np.ndarray, draws: np.ndarray) -> None:
        pick = np.ix_(modes, draws)
        for name in ("frequency", "detect", "repair", "detect_saved", "repair_saved", "impact", "drain"):
            getattr(self, name)[pick] = getattr(other, name)


def rate_coefficients(model: RiskModel) -> tuple[np.ndarray, np.ndarray]:
    """Per pair (α, β) with rate = α + β·(the mode's prior frequency per year)."""
    alpha = np.zeros(len(model.units))
    beta = np.ones(len(model.units))
    evidence = model.evidence
    if not (evidence.conditions or evidence.events):
        return alpha, beta
    adjusted = adjusted_rates(model.catalog, model.index.node_names, evidence)
    for pair, unit in enumerate(model.units):
        if unit.scope != "node":
            continue
        found = adjusted.get((model.modes[model.pair_mode[pair]].id, unit.name))
        if found is None:
            continue
        if found.events:
            share = 1.0 / (found.prior_weight_years + found.window_years)
            beta[pair] = found.likelihood_ratio * found.prior_weight_years * share
            alpha[pair] = found.likelihood_ratio * found.event_count * share
        else:
            beta[pair] = found.likelihood_ratio
    return alpha, beta


@dataclass(frozen=True, eq=False)
class Plans:
    """The greedy plan of every draw: ``chosen`` (draws × candidates), its EAL and annual cost
    there (dollars per year)."""

    chosen: np.ndarray
    eal_per_year: np.ndarray
    annual_cost: np.ndarray


class BatchEvaluator:
    """EAL per failure mode for arrays of input values, with any measures, and the greedy plan."""

    def __init__(self, planner: Planner, inputs: UncertainInputs) -> None:
        self.planner = planner
        self.inputs = inputs
        catalog, scenario = planner.catalog, planner.scenario
        self.modes = catalog.failure_modes
        self.mode_position = {mode.id: i for i, mode in enumerate(self.modes)}
        self.services = sorted({entry.target for entry in inputs.sampled if entry.source == "placeholder"})
        self.service_position = {name: i for i, name in enumerate(self.services)}
        self.coefficients = _BASE + 4 * 2 * len(self.services)
        self.fraction = np.array([m.effect.impact_fraction if m.effect.type == "unavailable" else 1.0
                                  for m in self.modes])
        settings = scenario.settings
        self.startup = settings.startup_minutes
        self.evict = settings.eviction_timeout_seconds / 60.0 + settings.startup_minutes
        self.blind = settings.blind_spot_detect_factor
        self.measures = [m.id for m in catalog.measures]
        self.single = {m.id: mode_factors(catalog, [m]) for m in catalog.measures}
        self.applies = {m.id: np.array([i for i, mode in enumerate(self.modes) if measure_applies(m, mode)],
                                       dtype=np.int64) for m in catalog.measures}
        topology = [m for m in catalog.measures if m.changes_topology]
        self.topology_bit = {m.id: 1 << k for k, m in enumerate(topology)}
        self.topology_ids = [m.id for m in topology]
        self.topology_mask = np.array([sum(1 << k for k, m in enumerate(topology) if measure_applies(m, mode))
                                       for mode in self.modes], dtype=np.int64)
        self._tables: list[np.ndarray] = []
        self._table_of: dict[int, int] = {}
        self._stack: np.ndarray | None = None
        self._used = np.zeros((len(self.modes), GROUPS), dtype=bool)
        self.table(0)

    def values(self, draws: np.ndarray | None = None, size: int = 1) -> InputValues:
        """Input values per draw from (inputs × draws) ``draws``; None: every input at its point."""
        count = size if draws is None else draws.shape[1]
        fields = ("frequency_per_year", "detect_minutes", "repair_minutes", "incident_cost")
        per_mode = {field: np.tile(np.array([point(getattr(m, field)) for m in self.modes], dtype=float)[:, None],
                                   (1, count)) for field in fields}
        scenario = self.planner.scenario
        costs = {field: np.tile(np.array([float(getattr(scenario.services_by_name[s], field)) for s in self.services],
                                         dtype=float)[:, None], (1, count))
                 for field in ("cost_per_hour", "degraded_cost_per_hour")}
        if draws is not None:
            for row, entry in enumerate(self.inputs.sampled):
                if entry.source == "catalog":
                    per_mode[entry.field][self.mode_position[entry.target]] = draws[row]
                else:
                    costs[entry.field][self.service_position[entry.target]] = draws[row]
        return InputValues(per_mode["frequency_per_year"], per_mode["detect_minutes"], per_mode["repair_minutes"],
                           per_mode["incident_cost"], costs["cost_per_hour"], costs["degraded_cost_per_hour"])

    def with_value(self, base: InputValues, input_id: str, value: float) -> InputValues:
        """``base`` (one draw or many) with one input set to ``value`` in every draw."""
        entry = self.inputs.sampled[self.inputs.position(input_id)]
        arrays = {name: getattr(base, name).copy() for name in ("frequency", "detect", "repair", "incident_cost",
                                                                "cost_per_hour", "degraded_cost_per_hour")}
        if entry.source == "catalog":
            name = {"frequency_per_year": "frequency", "detect_minutes": "detect", "repair_minutes": "repair",
                    "incident_cost": "incident_cost"}[entry.field]
            arrays[name][self.mode_position[entry.target]] = value
        else:
            arrays[entry.field][self.service_position[entry.target]] = value
        return InputValues(**arrays)

    def table(self, mask: int) -> int:
        """The coefficient table of the topology measures in ``mask`` (built once, by the planner's variant model)."""
        if mask not in self._table_of:
            ids = tuple(m for m in self.topology_ids if mask & self.topology_bit[m])
            table = self._coefficients(self.planner.model_for(ids))
            self._tables.append(table)
            self._table_of[mask] = len(self._tables) - 1
            self._used |= (table != 0).any(axis=2)
            self._stack = None
        return self._table_of[mask]

    def _coefficients(self, model: RiskModel) -> np.ndarray:
        """(modes × groups × coefficients) sums over each mode's pairs."""
        table = np.zeros((len(self.modes), GROUPS, self.coefficients))
        if not len(model.units):
            return table
        alpha, beta = rate_coefficients(model)
        detect_point = np.array([point(m.detect_minutes) for m in self.modes])[model.pair_mode]
        blind = (detect_point > 0) & (model.base_detect > detect_point * (1 + 1e-12))
        group = model.reschedule_kind * 2 + blind
        cost_a, cost_b = model.structure_cost_per_minute
        a, b = cost_a[model.pair_structure], cost_b[model.pair_structure]
        columns = [alpha, beta, alpha * a, beta * a, alpha * b, beta * b]
        if self.services:
            columns += self._service_columns(model, alpha, beta)
        where = (model.pair_mode, group)
        for k, column in enumerate(columns):
            np.add.at(table[:, :, k], where, column)
        return table

    def _service_columns(self, model: RiskModel, alpha: np.ndarray, beta: np.ndarray) -> list[np.ndarray]:
        """Per uncertain service: its outage and degraded dollars per minute per dollar of its hourly cost."""
        index = model.index
        columns: dict[str, list[np.ndarray]] = {"down": [], "degraded": []}
        for name in self.services:
            s = index.service_position[name]
            live = 0.0 if index.service_down_now[s] else 1.0 / 60.0
            for kind, attribute in (("down", "down_services"), ("degraded", "degraded_service_fraction")):
                before = np.array([getattr(x.before, attribute)[s] for x in model.structures], dtype=float) * live
                after = np.array([getattr(x.after or x.before, attribute)[s] for x in model.structures], dtype=float) * live
                pa, pb = before[model.pair_structure], after[model.pair_structure]
                columns[kind] += [alpha * pa, beta * pa, alpha * pb, beta * pb]
        return columns["down"] + columns["degraded"]

    def _gathered(self, modes: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """Coefficients per (mode, draw): (modes × draws × groups × coefficients), or with a draws
        axis of 1 when each of these modes has the same topology in every draw (a fixed set of
        measures, as for a plan's EAL: one table row per mode, broadcast over the draws)."""
        keys = np.atleast_2d(masks) & self.topology_mask[modes][:, None]
        if not keys.any():
            return self._tables[0][modes][:, None]
        unique, inverse = np.unique(keys, return_inverse=True)
        tables = [self.table(int(key)) for key in unique]
        if self._stack is None:
            self._stack = np.stack(self._tables)
        if len(tables) == 1:
            return self._stack[tables[0], modes][:, None]
        positions = np.array(tables, dtype=np.int64)[inverse.reshape(keys.shape)]
        if (positions == positions[:, :1]).all():  # each mode's topology is the same in every draw
            return self._stack[positions[:, 0], modes][:, None]
        return self._stack[positions, modes[:, None]]

    def mode_eal(self, values: InputValues, modes: np.ndarray, draws: np.ndarray, factors: _Factors,
                 masks: np.ndarray) -> np.ndarray:
        """EAL (dollars per year) of ``modes`` in ``draws`` (modes × draws) under ``factors`` (rows
        for those modes and draws) and topology ``masks`` (one per draw, or per mode and draw).
        ``modes`` may repeat: each row is evaluated with its own factors."""
        pick = np.ix_(modes, draws)
        coef = self._gathered(modes, masks)
        groups = np.flatnonzero(self._used[modes].any(axis=0))
        coef = coef[:, :, groups]
        lam = values.frequency[pick][..., None]
        kind = groups // 2
        ratio = np.where(groups % 2 == 1, self.blind, 1.0)
        detect = np.maximum(0.0, values.detect[pick][..., None] * ratio * factors.detect[..., None]
                            - factors.detect_saved[..., None])
        repair = np.maximum(0.0, values.repair[pick] * factors.repair - factors.repair_saved)[..., None]
        drained = (kind > 0) & factors.drain[..., None]
        reschedule = np.where(drained, detect + self.startup, np.where(kind == 1, detect + self.evict, np.inf))
        end = detect + repair
        phase_a = np.minimum(reschedule, end)
        phase_b = end - phase_a
        rate = coef[..., 0] + coef[..., 1] * lam
        cost = phase_a * (coef[..., 2] + coef[..., 3] * lam) + phase_b * (coef[..., 4] + coef[..., 5] * lam)
        if self.services:
            cost = cost + self._service_cost(values, pick, coef, lam, phase_a, phase_b)
        scale = self.fraction[modes][:, None] * factors.impact
        incident = values.incident_cost[pick] * factors.impact
        return factors.frequency * (scale * cost.sum(axis=-1) + incident * rate.sum(axis=-1))

    def _service_cost(self, values: InputValues, pick: tuple, coef: np.ndarray, lam: np.ndarray,
                      phase_a: np.ndarray, phase_b: np.ndarray) -> np.ndarray:
        """What the uncertain services' costs, as drawn, add to the per-group cost (vs their point)."""
        scenario = self.planner.scenario
        extra = np.zeros(phase_a.shape)
        offset = _BASE
        for field in ("cost_per_hour", "degraded_cost_per_hour"):
            drawn = getattr(values, field)
            for u, name in enumerate(self.services):
                delta = drawn[u][pick[1].ravel()] - float(getattr(scenario.services_by_name[name], field))
                k = offset + 4 * u
                per = phase_a * (coef[..., k] + coef[..., k + 1] * lam) + phase_b * (coef[..., k + 2] + coef[..., k + 3] * lam)
                extra += per * delta[None, :, None]
            offset += 4 * len(self.services)
        return extra

    def eal(self, values: InputValues, measure_ids: Sequence[str] = ()) -> np.ndarray:
        """(modes × draws) EAL with a fixed set of measures in place."""
        draws = np.arange(values.draws)
        modes = np.arange(len(self.modes))
        combined = combine_factors([self.single[m] for m in measure_ids], len(self.modes))
        factors = _Factors.neutral(1, 1).combined(combined, modes)
        factors = _Factors(*(np.repeat(getattr(factors, name), values.draws, axis=1) for name in (
            "frequency", "detect", "repair", "detect_saved", "repair_saved", "impact", "drain")))
        mask = 0
        for measure_id in measure_ids:
            mask |= self.topology_bit.get(measure_id, 0)
        return self.mode_eal(values, modes, draws, factors, np.full(values.draws, mask, dtype=np.int64))

    def greedy(self, values: InputValues, budget: float, candidates: Sequence[str]) -> Plans:
        """The measures the greedy budget plan takes in each draw, and its EAL and cost there.

        A candidate's gain in a draw changes only when a measure acting on one of its failure
        modes is taken there, so gains are kept and recomputed only for those draws."""
        count, modes = values.draws, len(self.modes)
        chosen = np.zeros((count, len(candidates)), dtype=bool)
        spent = np.zeros(count)
        masks = np.zeros(count, dtype=np.int64)
        factors = _Factors.neutral(modes, count)
        current = self.mode_eal(values, np.arange(modes), np.arange(count), factors, masks)
        costs = np.array([self.planner.costs[c] for c in candidates])
        touched = [self.applies[c] for c in candidates]
        acting = np.zeros((len(candidates), modes), dtype=bool)
        for j, modes_of in enumerate(touched):
            acting[j, modes_of] = True
        overlap = (acting.astype(int) @ acting.T.astype(int)) > 0
        gains = np.zeros((count, len(candidates)))
        stale = np.ones((count, len(candidates)), dtype=bool)
        while True:
            best = np.full(count, -1)
            best_ratio = np.zeros(count)
            for j, measure_id in enumerate(candidates):
                if not touched[j].size:
                    continue
                open_ = ~chosen[:, j] & (spent + costs[j] <= budget + 1e-9)
                draws = np.flatnonzero(open_ & stale[:, j])
                if draws.size:
                    trial = factors.rows(touched[j], draws).combined(self.single[measure_id], touched[j])
                    after = self.mode_eal(values, touched[j], draws, trial,
                                          masks[draws] | self.topology_bit.get(measure_id, 0))
                    gains[draws, j] = current[np.ix_(touched[j], draws)].sum(axis=0) - after.sum(axis=0)
                    stale[draws, j] = False
                draws = np.flatnonzero(open_)
                gain = gains[draws, j]
                ratio = gain / costs[j] if costs[j] > 0 else np.where(gain > 0, np.inf, 0.0)
                better = (gain > 1e-9) & ((best[draws] < 0) | (ratio > best_ratio[draws]))
                best[draws[better]] = j
                best_ratio[draws[better]] = ratio[better]
            if (best < 0).all():
                return Plans(chosen, current.sum(axis=0), spent)
            for j in np.unique(best[best >= 0]):
                draws = np.flatnonzero(best == j)
                measure_id = candidates[j]
                chosen[draws, j] = True
                spent[draws] += costs[j]
                masks[draws] |= self.topology_bit.get(measure_id, 0)
                updated = factors.rows(touched[j], draws).combined(self.single[measure_id], touched[j])
                factors.assign(updated, touched[j], draws)
                current[np.ix_(touched[j], draws)] = self.mode_eal(values, touched[j], draws, updated, masks[draws])
                stale[np.ix_(draws, np.flatnonzero(overlap[j]))] = True
