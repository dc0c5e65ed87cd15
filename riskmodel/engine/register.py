"""The risk register: expected annual loss by failure mode, node, zone and service, and
expected bad minutes per service against its error budget, with flags for risks that alone
use more than a set share of a budget.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from riskmodel.engine.risk import Evaluation, ModeFactors, RiskModel
from riskmodel.engine.threads import blas_single_threaded
from riskmodel.files.collector import collector_paused


@dataclass(frozen=True)
class RiskRow:
    """One (failure mode, unit) pair: how often, how long, how much."""

    failure_mode_id: str
    title: str
    scope: str
    unit: str
    zone: str | None
    frequency_per_year: float
    detect_minutes: float
    repair_minutes: float
    loss_per_incident: float
    eal_per_year: float


@dataclass(frozen=True)
class ModeRisk:
    failure_mode_id: str
    title: str
    scope: str
    units: int
    frequency_per_year: float
    eal_per_year: float


@dataclass(frozen=True)
class ServiceBudget:
    """A service's expected bad minutes per year against its error budget (minutes per year)."""

    name: str
    slo: float
    error_budget_minutes: float
    bad_minutes_per_year: float
    eal_per_year: float

    @property
    def budget_used(self) -> float:
        return self.bad_minutes_per_year / self.error_budget_minutes


@dataclass(frozen=True)
class BudgetFlag:
    """A single failure mode that alone uses more than the flag share of a service's budget."""

    failure_mode_id: str
    service: str
    bad_minutes_per_year: float
    budget_share: float


@dataclass(frozen=True)
class RiskRegister:
    eal_per_year: float
    rows: tuple[RiskRow, ...]
    failure_modes: tuple[ModeRisk, ...]
    nodes: dict[str, float]
    zones: dict[str, float]
    services: tuple[ServiceBudget, ...]
    flags: tuple[BudgetFlag, ...]
    blind_spot_nodes: tuple[str, ...]


def _service_loss(model: RiskModel, evaluation: Evaluation) -> np.ndarray:
    """Expected annual loss attributed to each service (fixed incident costs not included)."""
    per_minute_a, per_minute_b = model.structure_service_cost_per_minute
    return (model.per_structure(evaluation.impact_minutes_a) @ per_minute_a
            + model.per_structure(evaluation.impact_minutes_b) @ per_minute_b)


def mode_bad_minutes(model: RiskModel, evaluation: Evaluation) -> np.ndarray:
    """Bad minutes per (failure mode, service) per year: rows in catalog order, columns in
    ``model.index.service_names`` order."""
    bad_a, bad_b = model.structure_bad_minutes
    result = np.zeros((len(model.modes), len(model.index.service_names)))
    count = len(model.structures)
    for mode in np.unique(model.pair_mode):
        pairs = slice(int(model.mode_pairs[mode]), int(model.mode_pairs[mode + 1]))
        structures = model.pair_structure[pairs]
        result[mode] = (np.bincount(structures, evaluation.impact_minutes_a[pairs], minlength=count) @ bad_a
                        + np.bincount(structures, evaluation.impact_minutes_b[pairs], minlength=count) @ bad_b)
    return result


def build_register(model: RiskModel, factors: ModeFactors | None = None) -> RiskRegister:
    """The register as a review shows it, under ``factors`` (None: the catalog as it is)."""
    with collector_paused(), blas_single_threaded():
        return _register(model, factors)


def _register(model: RiskModel, factors: ModeFactors | None) -> RiskRegister:
    factors = factors or ModeFactors.neutral(len(model.modes))
    evaluation = model.evaluate(factors)
    rows = tuple(
        RiskRow(model.modes[m].id, model.modes[m].title, unit.scope, unit.name, unit.zone,
                float(evaluation.rate_per_year[i]), float(evaluation.detect_minutes[i]),
                float(evaluation.repair_minutes[i]), float(evaluation.loss_per_incident[i]),
                float(evaluation.eal_per_pair[i]))
        for i, (m, unit) in enumerate(zip(model.pair_mode, model.units, strict=True))
    )
    units_per_mode = np.bincount(model.pair_mode, minlength=len(model.modes))
    rate_per_mode = np.bincount(model.pair_mode, evaluation.rate_per_year, minlength=len(model.modes))
    modes = tuple(sorted(
        (ModeRisk(mode.id, mode.title, mode.scope, int(units_per_mode[i]), float(rate_per_mode[i]),
                  float(evaluation.eal_per_mode[i])) for i, mode in enumerate(model.modes)),
        key=lambda risk: -risk.eal_per_year))
    nodes: dict[str, float] = defaultdict(float)
    zones: dict[str, float] = defaultdict(float)
    for row in rows:
        if row.scope == "node":
            nodes[row.unit] += row.eal_per_year
        if row.zone is not None:
            zones[row.zone] += row.eal_per_year
    service_loss = _service_loss(model, evaluation)
    index = model.index
    services = tuple(
        ServiceBudget(name, model.scenario.services[i].slo, float(index.error_budget_minutes[i]),
                      float(evaluation.bad_minutes_per_service[i]), float(service_loss[i]))
        for i, name in enumerate(index.service_names))
    return RiskRegister(
        eal_per_year=evaluation.eal_per_year,
        rows=rows,
        failure_modes=modes,
        nodes=dict(sorted(nodes.items(), key=lambda item: -item[1])),
        zones=dict(sorted(zones.items(), key=lambda item: -item[1])),
        services=services,
        flags=_flags(model, evaluation),
        blind_spot_nodes=tuple(sorted(model.blind_spot_nodes)),
    )


def _flags(model: RiskModel, evaluation: Evaluation) -> tuple[BudgetFlag, ...]:
    share = model.scenario.settings.budget_share_flag
    per_mode = mode_bad_minutes(model, evaluation)
    budgets = model.index.error_budget_minutes
    flags = []
    for m, s in zip(*np.nonzero(per_mode > share * budgets[None, :]), strict=True):
        flags.append(BudgetFlag(model.modes[m].id, model.index.service_names[s], float(per_mode[m, s]),
                                float(per_mode[m, s] / budgets[s])))
    return tuple(sorted(flags, key=lambda flag: -flag.budget_share))
