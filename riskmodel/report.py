"""The numbers of a review as plain data: one function from a loaded scenario (and a budget)
to the dict that the CLI prints, the exports write and the app shows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from riskmodel.edits import Edit, apply_edits
from riskmodel.loader import LoadedScenario
from riskmodel.planner import Planner
from riskmodel.register import RiskRegister, build_register
from riskmodel.risk import RiskModel
from riskmodel.whatif import BlastRadius


@dataclass(frozen=True, eq=False)
class Analysis:
    """Register, ranked measures, plan and frontier of one scenario, computed once."""

    loaded: LoadedScenario
    model: RiskModel
    planner: Planner
    register: RiskRegister


def money(value: float) -> str:
    """Dollars without cents, with the sign in front: ``-$1,500``."""
    return f"-${-value:,.0f}" if value < 0 else f"${value:,.0f}"


def analyse(loaded: LoadedScenario, edits: Sequence[Edit] = ()) -> Analysis:
    """Register, measures and plan of the inputs, with a review session's ``edits`` applied."""
    if edits:
        catalog, scenario = apply_edits(loaded.catalog, loaded.scenario, edits)
        loaded = dataclasses.replace(loaded, catalog=catalog, scenario=scenario)
    model = RiskModel(loaded.scenario, loaded.catalog, loaded.evidence)
    return Analysis(loaded, model, Planner(loaded.scenario, loaded.catalog, loaded.evidence, base=model),
                    build_register(model))


def default_budget(analysis: Analysis) -> float:
    """Without a budget, fund every measure that pays for itself (net benefit > 0)."""
    return sum(r.annual_cost for r in analysis.planner.rank() if r.net_benefit > 0)


def rank_report(analysis: Analysis, budget: float | None = None) -> dict[str, Any]:
    """Everything ``rank`` prints, as JSON-ready data (dollars per year, minutes per year)."""
    register, planner = analysis.register, analysis.planner
    budget = default_budget(analysis) if budget is None else budget
    plan = planner.plan(budget)
    after = planner.bad_minutes(plan.selected)
    return {
        "scenario": analysis.loaded.scenario.name,
        "eal_per_year": register.eal_per_year,
        "failure_modes": [asdict(mode) for mode in register.failure_modes],
        "nodes": [{"name": name, "eal_per_year": eal} for name, eal in register.nodes.items()],
        "zones": [{"name": name, "eal_per_year": eal} for name, eal in register.zones.items()],
        "services": [
            {**asdict(service), "budget_used": service.budget_used,
             "bad_minutes_per_year_with_plan": float(after[i])}
            for i, service in enumerate(register.services)
        ],
        "flags": [asdict(flag) for flag in register.flags],
        "blind_spot_nodes": list(register.blind_spot_nodes),
        "measures": [
            {"id": r.id, "title": r.title, "kind": r.kind, "annual_cost": r.annual_cost,
             "eal_reduction": r.eal_reduction, "net_benefit": r.net_benefit, "roi": r.roi}
            for r in planner.rank()
        ],
        "plan": {"budget": plan.budget, "selected": list(plan.selected), "annual_cost": plan.annual_cost,
                 "residual_eal_per_year": plan.residual_eal_per_year, "method": plan.method},
        "frontier": [{"budget": p.budget, "residual_eal_per_year": p.residual_eal_per_year, "added": p.added}
                     for p in planner.frontier()],
    }


def blast_radius_report(radius: BlastRadius) -> dict[str, Any]:
    data = asdict(radius)
    data["rescheduled_pods"] = [{"pod": pod, "node": node} for pod, node in radius.rescheduled_pods]
    return data
