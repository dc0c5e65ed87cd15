"""Two review sessions side by side, as one table of what differs.

Inputs that changed, edited numbers (with units), decisions, the working plans, and the
expected annual loss by failure mode with its difference: everything a team asks when two
versions of a review disagree, and nothing that is the same in both.
"""

from __future__ import annotations

from dataclasses import dataclass

from riskmodel.report.analysis import Analysis
from riskmodel.report.formatting import DASH, money, money_per_year, value_text
from riskmodel.report.plan_view import PlanInForce
from riskmodel.review.edits import EditValue
from riskmodel.review.fields import field_meaning
from riskmodel.review.records import Decision, SessionComparison

EAL_TOLERANCE = 0.5
"""Dollars per year below which two EALs count as the same (rounding)."""


@dataclass(frozen=True)
class DifferenceRow:
    """One difference: what kind, which item, its value here and there; ``delta`` (dollars per
    year, here − there) where the values are money."""

    kind: str
    item: str
    here: str
    there: str
    delta: float | None = None


def _decision_text(decision: Decision | None) -> str:
    if decision is None:
        return DASH
    owner = f", owner {decision.owner}" if decision.owner else ""
    due = f", due {decision.due_date.isoformat()}" if decision.due_date else ""
    return f"{decision.decision}{owner}{due}" + (f" ({decision.note})" if decision.note else "")


def _override_text(overrides: dict, key: tuple[str, str, str], scope: str | None) -> str:
    if key not in overrides:
        return "not edited"
    value: EditValue = overrides[key]
    return value_text(value, field_meaning(key[0], key[2], scope))


def _edit_rows(comparison: SessionComparison, scopes: dict[str, str]) -> list[DifferenceRow]:
    rows = []
    for key in sorted(comparison.overrides_a.keys() | comparison.overrides_b.keys()):
        if comparison.overrides_a.get(key, DASH) == comparison.overrides_b.get(key, DASH):
            continue
        scope = scopes.get(key[1])
        rows.append(DifferenceRow("edit", f"{key[1]} · {key[2]}", _override_text(comparison.overrides_a, key, scope),
                                  _override_text(comparison.overrides_b, key, scope)))
    return rows


def _plan_rows(here: PlanInForce, there: PlanInForce) -> list[DifferenceRow]:
    rows = []
    if round(here.resolved.plan.budget) != round(there.resolved.plan.budget):
        rows.append(DifferenceRow("plan", "budget", money_per_year(here.resolved.plan.budget),
                                  money_per_year(there.resolved.plan.budget),
                                  here.resolved.plan.budget - there.resolved.plan.budget))
    mine, theirs = set(here.selected), set(there.selected)
    for measure_id in sorted(mine ^ theirs):
        rows.append(DifferenceRow("plan", measure_id, "in the plan" if measure_id in mine else DASH,
                                  "in the plan" if measure_id in theirs else DASH))
    return rows


def session_differences(comparison: SessionComparison, here: Analysis, there: Analysis,
                        plan_here: PlanInForce, plan_there: PlanInForce) -> tuple[DifferenceRow, ...]:
    """Every difference between session ``a`` (here) and ``b`` (there) of ``comparison``; ``here``
    and ``there`` are their analyses (edits applied), ``plan_*`` their plans in force."""
    rows = [DifferenceRow("input", name, (a or DASH)[:12], (b or DASH)[:12])
            for name, (a, b) in comparison.inputs_changed.items()]
    rows += _edit_rows(comparison, {m.id: m.scope for m in here.loaded.catalog.failure_modes})
    rows += [DifferenceRow("decision", f"{key[0]} {key[1]}" + (f" @ {key[2]}" if key[2] else ""),
                           _decision_text(a), _decision_text(b)) for key, (a, b) in comparison.decisions_differ.items()]
    rows += _plan_rows(plan_here, plan_there)
    theirs = {m.failure_mode_id: m.eal_per_year for m in there.register.failure_modes}
    for mode in here.register.failure_modes:
        other = theirs.get(mode.failure_mode_id, 0.0)
        if abs(mode.eal_per_year - other) > EAL_TOLERANCE:
            rows.append(DifferenceRow("EAL by failure mode", mode.failure_mode_id, money(mode.eal_per_year),
                                      money(other), mode.eal_per_year - other))
    total_here, total_there = here.register.eal_per_year, there.register.eal_per_year
    if abs(total_here - total_there) > EAL_TOLERANCE:
        rows.append(DifferenceRow("EAL", "total", money(total_here), money(total_there), total_here - total_there))
    if abs(plan_here.eal_with_plan - plan_there.eal_with_plan) > EAL_TOLERANCE:
        rows.append(DifferenceRow("EAL", "total with the plan", money(plan_here.eal_with_plan),
                                  money(plan_there.eal_with_plan), plan_here.eal_with_plan - plan_there.eal_with_plan))
    return tuple(rows)


__all__ = ["DifferenceRow", "session_differences"]
