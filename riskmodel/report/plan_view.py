"""The plan in force, as every page and export sees it.

One :class:`PlanInForce` per (analysis, working plan): the resolved measures, the expected
annual loss with them per failure mode, every service's bad minutes before and after with
the budget flags of that service, and the best measure to fund next. The Overview, the
register's "with plan" columns, Measures, What-if, Simulated years and the plan document
all read this one object, so they cannot disagree about which plan is in force.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from riskmodel.engine.register import BudgetFlag
from riskmodel.engine.threads import blas_single_threaded
from riskmodel.files.collector import collector_paused
from riskmodel.plan.planner import MeasureResult
from riskmodel.report.analysis import Analysis
from riskmodel.report.formatting import money, money_per_year
from riskmodel.review.working_plan import GAIN_EPSILON, ResolvedPlan, WorkingPlan, resolve_plan
from riskmodel.simulate.whatif import BlastRadius, whatif


@dataclass(frozen=True)
class ServiceLine:
    """One service's error budget now and with the plan (minutes per year), and the failure modes
    that alone use more than the flag share of its budget."""

    name: str
    slo: float
    error_budget_minutes: float
    bad_minutes_per_year: float
    bad_minutes_with_plan: float
    eal_per_year: float
    flags: tuple[BudgetFlag, ...]

    @property
    def budget_used(self) -> float:
        return self.bad_minutes_per_year / self.error_budget_minutes

    @property
    def budget_used_with_plan(self) -> float:
        return self.bad_minutes_with_plan / self.error_budget_minutes

    @property
    def over_budget(self) -> bool:
        return self.budget_used > 1


@dataclass(frozen=True)
class NextMeasure:
    """The measure outside the plan that avoids the most loss per dollar on top of it."""

    id: str
    title: str
    annual_cost: float
    eal_reduction: float


@dataclass(frozen=True)
class PlanInForce:
    """The working plan resolved on one analysis, with what it changes (dollars and minutes per year)."""

    resolved: ResolvedPlan
    eal_per_year: float
    eal_with_plan: float
    mode_eal_with_plan: dict[str, float]
    services: tuple[ServiceLine, ...]
    measures: tuple[MeasureResult, ...]
    next_best: NextMeasure | None

    @property
    def selected(self) -> tuple[str, ...]:
        return self.resolved.selected

    @property
    def annual_cost(self) -> float:
        return self.resolved.plan.annual_cost

    @property
    def services_over_budget(self) -> int:
        return sum(s.over_budget for s in self.services)

    @property
    def services_over_budget_with_plan(self) -> int:
        return sum(s.budget_used_with_plan > 1 for s in self.services)


def next_best_measure(analysis: Analysis, resolved: ResolvedPlan) -> NextMeasure | None:
    """Of the measures neither in the plan nor excluded, the best marginal ΔEAL per dollar."""
    planner, selected = analysis.planner, list(resolved.selected)
    current = planner.evaluate(selected).eal_per_year
    best: tuple[float, float, str] | None = None
    for measure_id in planner.measures:
        if measure_id in selected or measure_id in resolved.excluded:
            continue
        gain = current - planner.evaluate([*selected, measure_id]).eal_per_year
        if gain <= GAIN_EPSILON:
            continue
        cost = planner.costs[measure_id]
        ratio = gain / cost if cost > 0 else float("inf")
        if best is None or ratio > best[0]:
            best = (ratio, gain, measure_id)
    if best is None:
        return None
    measure = planner.measures[best[2]]
    return NextMeasure(measure.id, measure.title, planner.costs[measure.id], best[1])


@collector_paused()
@blas_single_threaded()
def plan_in_force(analysis: Analysis, working: WorkingPlan) -> PlanInForce:
    """Resolve ``working`` on ``analysis`` and compute what the pages show of it."""
    planner, register = analysis.planner, analysis.register
    resolved = resolve_plan(planner, working)
    outcome = planner.evaluate(resolved.selected)
    after = planner.bad_minutes(resolved.selected)
    modes = analysis.model.modes
    services = tuple(
        ServiceLine(s.name, s.slo, s.error_budget_minutes, s.bad_minutes_per_year, float(after[i]), s.eal_per_year,
                    tuple(f for f in register.flags if f.service == s.name))
        for i, s in enumerate(register.services))
    return PlanInForce(
        resolved=resolved, eal_per_year=register.eal_per_year, eal_with_plan=outcome.eal_per_year,
        mode_eal_with_plan={mode.id: float(outcome.eal_per_mode[i]) for i, mode in enumerate(modes)},
        services=services, measures=tuple(planner.rank()), next_best=next_best_measure(analysis, resolved))


def plan_summary(resolved: ResolvedPlan) -> str:
    """How the plan was chosen, in one line: budget, pinned, picked by the planner, excluded."""
    plan = resolved.plan
    budget = money_per_year(plan.budget) + (" (every measure that pays for itself)" if resolved.budget_is_default
                                            else "")
    parts = [f"{len(plan.selected)} measures for {money_per_year(plan.annual_cost)} within a budget of {budget}"]
    if resolved.pinned:
        parts.append(f"{len(resolved.pinned)} pinned ({', '.join(resolved.pinned)})")
    parts.append(f"{len(resolved.picked)} picked by the planner ({plan.method})")
    if resolved.excluded:
        parts.append(f"{len(resolved.excluded)} excluded ({', '.join(resolved.excluded)})")
    if resolved.over_budget:
        parts.append(f"the pinned measures alone exceed the budget by {money(plan.annual_cost - plan.budget)}")
    if resolved.unknown:
        parts.append(f"not in the catalog, left out: {', '.join(resolved.unknown)}")
    return " · ".join(parts)


BUDGET_STEPS = 400
"""At most about this many positions on the budget slider."""


def budget_options(analysis: Analysis, *keep: float) -> tuple[float, ...]:
    """Budgets a slider offers: round steps from $0 to the cost of every measure, each point of the
    frontier (where the plan changes) and the budgets in ``keep`` (the one in force)."""
    total = sum(analysis.planner.costs.values())
    step = 100.0
    while total / step > BUDGET_STEPS:
        step *= 5 if str(int(step)).startswith("1") else 2
    rounded = {i * step for i in range(int(total // step) + 2)}
    frontier = {round(p.budget) for p in analysis.planner.frontier()}
    return tuple(sorted(rounded | frontier | {round(k) for k in keep}))


def topology_measures(analysis: Analysis, selected: Sequence[str]) -> tuple[str, ...]:
    """The measures of a plan that change the topology (replicas, spread, spare nodes, …), in
    catalog order (the order the planner's topology models are keyed by)."""
    chosen = set(selected)
    return tuple(m.id for m in analysis.loaded.catalog.measures if m.id in chosen and m.changes_topology)


def whatif_with_plan(analysis: Analysis, selected: Sequence[str], specs: Sequence[str]) -> BlastRadius:
    """The blast radius of failing ``specs`` now, on the topology the plan's topology measures give.

    Measures that change how often or how long incidents last do not change a blast radius."""
    model = analysis.planner.model_for(topology_measures(analysis, selected))
    return whatif(model.scenario, specs, model.index)


__all__ = ["NextMeasure", "budget_options", "PlanInForce", "ServiceLine", "next_best_measure", "plan_in_force", "plan_summary",
           "topology_measures", "whatif_with_plan"]
