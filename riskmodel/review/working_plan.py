"""The plan a review is working on: its budget and the measures pinned in or kept out by hand.

A review session holds one :class:`WorkingPlan`; every page and every export resolves it with
:func:`resolve_plan` against the session's planner, so Simulated years, What-if, the register
and the exported plan all use the same measures. Pinned measures (approved, or pinned by hand)
are always in the plan; excluded ones (rejected, deferred, or left out by hand) never are; the
planner fills what budget remains, greedy by marginal ΔEAL per dollar on top of the pinned
ones. Without pins or exclusions the plan is exactly :meth:`Planner.plan` under the budget
(greedy, checked by exhaustive search), the same plan ``rank --budget`` prints.

Dollars are per year throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from riskmodel.errors import RiskModelError
from riskmodel.plan.planner import Plan, Planner

GAIN_EPSILON = 1e-9
"""A measure that avoids less than this many dollars a year is no gain (float noise)."""


class InvalidPlan(RiskModelError):
    """A working plan that cannot be stored as given (negative budget, one id both pinned and excluded)."""


@dataclass(frozen=True)
class WorkingPlan:
    """What a review chose: a budget (None: every measure that pays for itself) and hand choices."""

    budget_per_year: float | None = None
    pinned: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.budget_per_year is not None and not self.budget_per_year >= 0:
            raise InvalidPlan(f"a plan's budget must be ≥ 0 dollars per year, got {self.budget_per_year!r}")
        both = set(self.pinned) & set(self.excluded)
        if both:
            raise InvalidPlan(f"measures cannot be both pinned and excluded: {', '.join(sorted(both))}")
        object.__setattr__(self, "pinned", tuple(dict.fromkeys(self.pinned)))
        object.__setattr__(self, "excluded", tuple(dict.fromkeys(self.excluded)))

    def with_budget(self, budget_per_year: float | None) -> WorkingPlan:
        return replace(self, budget_per_year=budget_per_year)

    def pin(self, measure_id: str) -> WorkingPlan:
        """Always in the plan (and no longer excluded)."""
        return WorkingPlan(self.budget_per_year, (*self.pinned, measure_id),
                           tuple(i for i in self.excluded if i != measure_id))

    def exclude(self, measure_id: str) -> WorkingPlan:
        """Never in the plan (and no longer pinned)."""
        return WorkingPlan(self.budget_per_year, tuple(i for i in self.pinned if i != measure_id),
                           (*self.excluded, measure_id))

    def release(self, measure_id: str) -> WorkingPlan:
        """Back to the planner's choice."""
        return WorkingPlan(self.budget_per_year, tuple(i for i in self.pinned if i != measure_id),
                           tuple(i for i in self.excluded if i != measure_id))

    def after_decision(self, measure_id: str, decision: str) -> WorkingPlan:
        """An approved measure is pinned; a rejected or deferred one is excluded."""
        return self.pin(measure_id) if decision == "approve" else self.exclude(measure_id)


@dataclass(frozen=True)
class ResolvedPlan:
    """A working plan on one scenario: the measures in it, what they cost and leave.

    ``plan.selected`` lists the pinned measures first, then the planner's picks in pick order.
    ``unknown`` names pinned or excluded ids the catalog does not have (they are left out and
    said, never silently dropped).
    """

    working: WorkingPlan
    plan: Plan
    pinned: tuple[str, ...]
    picked: tuple[str, ...]
    excluded: tuple[str, ...]
    budget_is_default: bool
    unknown: tuple[str, ...] = field(default=())

    @property
    def selected(self) -> tuple[str, ...]:
        return self.plan.selected

    @property
    def over_budget(self) -> bool:
        """The pinned measures alone cost more than the budget."""
        return self.plan.annual_cost > self.plan.budget + GAIN_EPSILON


def default_budget_per_year(planner: Planner) -> float:
    """Without a budget, fund every measure that pays for itself (net benefit > 0)."""
    return sum(r.annual_cost for r in planner.rank() if r.net_benefit > 0)


def resolve_plan(planner: Planner, working: WorkingPlan) -> ResolvedPlan:
    """The measures of ``working`` on this planner's scenario (see the module docstring)."""
    unknown = tuple(i for i in (*working.pinned, *working.excluded) if i not in planner.measures)
    pinned = [i for i in working.pinned if i in planner.measures]
    excluded = tuple(i for i in working.excluded if i in planner.measures)
    default = working.budget_per_year is None
    budget = default_budget_per_year(planner) if working.budget_per_year is None else working.budget_per_year
    if not pinned and not excluded:
        plan = planner.plan(budget)
        return ResolvedPlan(working, plan, (), plan.selected, (), default, unknown)
    spent = sum(planner.costs[i] for i in pinned)
    candidates = [r.id for r in planner.rank() if r.id not in pinned and r.id not in excluded
                  and r.eal_reduction > GAIN_EPSILON]
    picked = planner.greedy(max(0.0, budget - spent), candidates, start=pinned)
    selected = (*pinned, *picked)
    plan = Plan(budget, selected, spent + sum(planner.costs[i] for i in picked),
                planner.evaluate(selected).eal_per_year, planner.evaluate(()).eal_per_year,
                "greedy around the pinned and excluded measures")
    return ResolvedPlan(working, plan, tuple(pinned), tuple(picked), excluded, default, unknown)


__all__ = ["InvalidPlan", "ResolvedPlan", "WorkingPlan", "default_budget_per_year", "resolve_plan"]
