"""Each failure mode against one service's error budget, in the terms of Google's CRE sheet.

The sheet describes a risk by ETTD, ETTR, the share of users hit and ETTF, and costs it
``(ETTD + ETTR) × impact × 365 / ETTF`` bad minutes a year. The engine's bad minutes come
from blast radii, rescheduling and dependencies instead; this module states them back in the
sheet's terms so that the sheet's formula gives the engine's number exactly:

* incidents per year: the rate of the mode's incidents that cost the service any bad minute;
* ETTD and ETTR: the rate-weighted means of their detect and repair minutes;
* impact: bad minutes ÷ (incidents × (ETTD + ETTR)), the effective share of the service lost
  over a whole incident (rescheduling and partial replica loss make it less than the blast
  radius suggests);
* ETTF: 365 days ÷ incidents per year.

A mode imported from the sheet gets its own numbers back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskmodel.engine.risk import ModeFactors, RiskModel
from riskmodel.errors import RiskModelError

DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class ModeOnService:
    """One failure mode's expected cost to one service's error budget (minutes per year)."""

    failure_mode_id: str
    title: str
    service: str
    incidents_per_year: float
    detect_minutes: float
    repair_minutes: float
    bad_minutes_per_year: float
    error_budget_minutes: float
    budget_share_flag: float

    @property
    def impact_fraction(self) -> float:
        duration = self.incidents_per_year * (self.detect_minutes + self.repair_minutes)
        return self.bad_minutes_per_year / duration if duration > 0 else 0.0

    @property
    def ettf_days(self) -> float:
        return DAYS_PER_YEAR / self.incidents_per_year if self.incidents_per_year > 0 else float("inf")

    @property
    def budget_share(self) -> float:
        return self.bad_minutes_per_year / self.error_budget_minutes

    @property
    def too_big(self) -> bool:
        """More than ``settings.budget_share_flag`` (the sheet's 25%) of the budget for one risk."""
        return self.budget_share > self.budget_share_flag


def service_position(model: RiskModel, service: str) -> int:
    """The service's column in the model, or an error listing the services there are."""
    names = list(model.index.service_names)
    if service not in names:
        raise RiskModelError(f"--service: unknown service {service!r}; expected one of: {', '.join(names) or 'none'}")
    return names.index(service)


def modes_on_service(model: RiskModel, service: str, factors: ModeFactors | None = None) -> tuple[ModeOnService, ...]:
    """Every failure mode that costs ``service`` bad minutes, most expensive first."""
    column = service_position(model, service)
    evaluation = model.evaluate(factors, service_minutes=False)
    if not model.structures:
        return ()
    bad_a, bad_b = model.structure_bad_minutes
    s = model.pair_structure
    per_pair = evaluation.impact_minutes_a * bad_a[s, column] + evaluation.impact_minutes_b * bad_b[s, column]
    touching = per_pair > 0
    rate = np.where(touching, evaluation.rate_per_year, 0.0)
    count = len(model.modes)

    def per_mode(values: np.ndarray) -> np.ndarray:
        return np.bincount(model.pair_mode, values, minlength=count)

    incidents, bad = per_mode(rate), per_mode(per_pair)
    detect, repair = per_mode(rate * evaluation.detect_minutes), per_mode(rate * evaluation.repair_minutes)
    budget = float(model.index.error_budget_minutes[column])
    flag = model.scenario.settings.budget_share_flag
    rows = [ModeOnService(mode.id, mode.title, service, float(incidents[m]), float(detect[m] / incidents[m]),
                          float(repair[m] / incidents[m]), float(bad[m]), budget, flag)
            for m, mode in enumerate(model.modes) if bad[m] > 0 and incidents[m] > 0]
    return tuple(sorted(rows, key=lambda row: -row.bad_minutes_per_year))


__all__ = ["DAYS_PER_YEAR", "ModeOnService", "modes_on_service", "service_position"]
