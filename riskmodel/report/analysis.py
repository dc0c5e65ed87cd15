"""The numbers of a review as typed results: one function from a loaded scenario (and a budget)
to the frozen report that the CLI prints, the exports write and the app shows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from riskmodel.engine.current import CurrentProblem, current_problems
from riskmodel.engine.register import BudgetFlag, ModeRisk, RiskRegister, ServiceBudget, build_register
from riskmodel.engine.risk import RiskModel
from riskmodel.engine.threads import blas_single_threaded
from riskmodel.files.collector import collector_paused
from riskmodel.model.placeholders import Placeholder, edited_paths, placeholders
from riskmodel.plan.findings import Finding, findings
from riskmodel.plan.planner import FrontierPoint, MeasureResult, Plan, Planner
from riskmodel.report.added_nodes import added_nodes_notes
from riskmodel.review.edits import Edit, apply_edits
from riskmodel.review.working_plan import WorkingPlan, default_budget_per_year, resolve_plan
from riskmodel.sources.scenario import LoadedScenario


@dataclass(frozen=True, eq=False)
class Analysis:
    """Register, ranked measures, plan and frontier of one scenario, computed once."""

    loaded: LoadedScenario
    model: RiskModel
    planner: Planner
    register: RiskRegister
    edits: tuple[Edit, ...] = ()

    @cached_property
    def current_problems(self) -> tuple[CurrentProblem, ...]:
        """What is broken now, most expensive first (dollars per hour)."""
        return current_problems(self.model)

    @cached_property
    def findings(self) -> tuple[Finding, ...]:
        """Fragile configurations, ranked by the expected annual loss a fix removes."""
        return findings(self.model, self.loaded.catalog)

    @cached_property
    def placeholders(self) -> tuple[Placeholder, ...]:
        """Values still to review: the scenario's placeholders no edit of this session has settled."""
        return placeholders(self.loaded.scenario, edited_paths(self.edits))


def analyse(loaded: LoadedScenario, edits: Sequence[Edit] = ()) -> Analysis:
    """Register, measures and plan of the inputs, with a review session's ``edits`` applied."""
    if edits:
        catalog, scenario = apply_edits(loaded.catalog, loaded.scenario, edits)
        loaded = dataclasses.replace(loaded, catalog=catalog, scenario=scenario)
    model = RiskModel(loaded.scenario, loaded.catalog, loaded.evidence)
    return Analysis(loaded, model, Planner(loaded.scenario, loaded.catalog, loaded.evidence, base=model),
                    build_register(model), tuple(edits))


def default_budget(analysis: Analysis) -> float:
    """Without a budget, fund every measure that pays for itself (net benefit > 0)."""
    return default_budget_per_year(analysis.planner)


@dataclass(frozen=True)
class PlaceLoss:
    """Expected annual loss (dollars per year) of incidents on one node or zone."""

    name: str
    eal_per_year: float


@dataclass(frozen=True)
class ServiceWithPlan:
    """A service's error budget now, and its expected bad minutes per year with the plan in place."""

    budget: ServiceBudget
    bad_minutes_per_year_with_plan: float


@dataclass(frozen=True)
class RankReport:
    """Everything ``rank`` prints and the Measures page shows (dollars per year, minutes per year)."""

    scenario: str
    eal_per_year: float
    failure_modes: tuple[ModeRisk, ...]
    nodes: tuple[PlaceLoss, ...]
    zones: tuple[PlaceLoss, ...]
    services: tuple[ServiceWithPlan, ...]
    flags: tuple[BudgetFlag, ...]
    blind_spot_nodes: tuple[str, ...]
    measures: tuple[MeasureResult, ...]
    plan: Plan
    frontier: tuple[FrontierPoint, ...]
    current_problems: tuple[CurrentProblem, ...] = ()
    findings: tuple[Finding, ...] = ()
    placeholders: tuple[Placeholder, ...] = ()
    pinned: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    measure_notes: tuple[str, ...] = ()
    """Why a measure's ΔEAL is what it is where that surprises (a spare node's own incidents)."""


@collector_paused()
@blas_single_threaded()
def rank_report(analysis: Analysis, budget: float | None = None, working: WorkingPlan | None = None) -> RankReport:
    """The register, every measure alone, the plan and the frontier. The plan is ``working`` (a
    review's working plan) resolved, else the budget plan under ``budget`` (default:
    :func:`default_budget`)."""
    register, planner = analysis.register, analysis.planner
    resolved = resolve_plan(planner, working or WorkingPlan(budget))
    plan = resolved.plan
    after = planner.bad_minutes(plan.selected)
    return RankReport(
        scenario=analysis.loaded.scenario.name,
        eal_per_year=register.eal_per_year,
        failure_modes=register.failure_modes,
        nodes=tuple(PlaceLoss(name, eal) for name, eal in register.nodes.items()),
        zones=tuple(PlaceLoss(name, eal) for name, eal in register.zones.items()),
        services=tuple(ServiceWithPlan(service, float(after[i])) for i, service in enumerate(register.services)),
        flags=register.flags,
        blind_spot_nodes=register.blind_spot_nodes,
        measures=tuple(planner.rank()),
        plan=plan,
        frontier=tuple(planner.frontier()),
        current_problems=analysis.current_problems,
        findings=analysis.findings,
        placeholders=analysis.placeholders,
        pinned=resolved.pinned,
        excluded=resolved.excluded,
        measure_notes=tuple(note.text() for note in added_nodes_notes(planner)),
    )
