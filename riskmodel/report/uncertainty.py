"""Cut sets, importance, the tornado, ranking stability and the value of information as the
outputs show them: JSON for ``rank --format json``, what the plan export carries of them
(:class:`PlanUncertainty`), and the tornado chart.

Infinite risk reduction worth (an event in every cut set) is written as JSON ``null``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from riskmodel.analytics.sensitivity import Sensitivity, TornadoBar
from riskmodel.analytics.stability import Stability
from riskmodel.analytics.uncertainty import Uncertainty
from riskmodel.analytics.voi import InputValue, ValueOfInformation
from riskmodel.engine.importance import EventImportance, ImportanceReport, ServiceImportance
from riskmodel.report.formatting import money

LISTED_CUT_SETS = 50
"""Cut sets per service in the JSON (most probable first); the counts cover all of them."""


def _finite(value: float) -> float | None:
    return None if math.isinf(value) or math.isnan(value) else value


def event_json(event: EventImportance) -> dict[str, Any]:
    return {"event": event.event, "scope": event.scope, "name": event.name, "probability": event.probability,
            "birnbaum": event.birnbaum, "fussell_vesely": event.fussell_vesely,
            "risk_achievement_worth": _finite(event.risk_achievement_worth),
            "risk_reduction_worth": _finite(event.risk_reduction_worth)}


def _service_json(entry: ServiceImportance) -> dict[str, Any]:
    cuts = entry.cut_sets
    return {
        "service": entry.service, "down_now": entry.down_now, "probability": entry.probability,
        "probability_error_bound": entry.probability_error_bound,
        "expected_down_minutes_per_year": entry.expected_down_minutes_per_year,
        "cut_sets": {"by_order": {str(k): v for k, v in cuts.count_by_order().items()},
                     "beyond_order_3": cuts.beyond_order_3, "beyond_order_3_at_most": cuts.beyond_order_3_at_most,
                     "listed": [{"events": list(c.events), "probability": c.probability}
                                for c in cuts.listed[:LISTED_CUT_SETS]]},
        "events": [event_json(e) for e in entry.events],
    }


def importance_json(report: ImportanceReport) -> dict[str, Any]:
    """The ``importance`` of ``rank --format json``: per service, then weighted by outage cost."""
    return {"outage_cost_per_hour": report.outage_cost_per_hour,
            "outage_cost_per_year": report.outage_cost_per_year,
            "services": [_service_json(entry) for entry in report.services],
            "weighted_by_cost": [event_json(e) for e in report.weighted]}


def _bar_json(bar: TornadoBar) -> dict[str, Any]:
    changes = None
    if bar.plan_at_low is not None:
        changes = {"at_low": {"enters": list(bar.enters_at_low), "leaves": list(bar.leaves_at_low)},
                   "at_high": {"enters": list(bar.enters_at_high), "leaves": list(bar.leaves_at_high)}}
    return {"input": bar.input, "label": bar.label, "unit": bar.unit, "low": bar.low, "high": bar.high,
            "eal_at_low": bar.eal_at_low, "eal_at_high": bar.eal_at_high, "swing": bar.swing, "plan_changes": changes}


def sensitivity_json(result: Sensitivity) -> dict[str, Any]:
    """The ``sensitivity`` of ``rank --format json``: the top bars of the tornado."""
    return {"eal_per_year": result.eal_per_year, "budget": result.budget, "plan": list(result.plan),
            "inputs": len(result.bars), "top": [_bar_json(bar) for bar in result.top],
            "skipped": [{"input": s.id, "reason": s.reason} for s in result.skipped]}


def stability_json(result: Stability) -> dict[str, Any]:
    net = result.net_benefit
    return {"draws": result.draws, "seed": result.seed, "budget": result.budget, "plan": list(result.plan),
            "eal_per_year": {"p5": result.eal_p5, "p50": result.eal_p50, "p95": result.eal_p95},
            "failure_modes": [{"id": m.failure_mode_id, "eal_per_year": m.eal_per_year, "p5": m.eal_p5,
                               "p95": m.eal_p95, "p_top_5": m.p_top, "stable": m.stable} for m in result.modes],
            "measures": [{"id": m.measure_id, "in_plan": m.in_plan, "p_in_plan": m.p_in_plan, "stable": m.stable}
                         for m in result.measures],
            "plan_net_benefit": {"at_point": net.at_point, "mean": net.mean, "p5": net.p5, "p50": net.p50,
                                 "p95": net.p95, "p_negative": net.p_negative}}


def voi_json(result: ValueOfInformation) -> dict[str, Any]:
    return {"evpi_per_year": result.evpi_per_year, "draws": result.draws, "plans_weighed": result.alternatives,
            "coverage": result.coverage,
            "inputs": [{"input": v.input, "label": v.label, "evpi_per_year": v.evpi_per_year} for v in result.inputs]}


def tornado_chart(top: Sequence[TornadoBar], eal_per_year: float) -> go.Figure:
    """Horizontal bars from the point EAL (dollars per year) to the EAL at each end, widest at the top."""
    bars = list(reversed(top))
    labels = [bar.label for bar in bars]
    base = eal_per_year
    figure = go.Figure()
    figure.add_bar(y=labels, x=[bar.eal_at_low - base for bar in bars], base=base, orientation="h",
                   name="at the 5th percentile", marker_color="#4c78a8",
                   customdata=[[bar.low, bar.unit, bar.eal_at_low] for bar in bars],
                   hovertemplate="%{y}: %{customdata[0]:g} %{customdata[1]} → EAL $%{customdata[2]:,.0f}<extra></extra>")
    figure.add_bar(y=labels, x=[bar.eal_at_high - base for bar in bars], base=base, orientation="h",
                   name="at the 95th percentile", marker_color="#e45756",
                   customdata=[[bar.high, bar.unit, bar.eal_at_high] for bar in bars],
                   hovertemplate="%{y}: %{customdata[0]:g} %{customdata[1]} → EAL $%{customdata[2]:,.0f}<extra></extra>")
    figure.add_vline(x=base, line_dash="dot", annotation_text=f"EAL {money(base)}")
    figure.update_layout(barmode="overlay", height=120 + 28 * len(bars), xaxis_title="expected annual loss ($/yr)",
                         margin={"l": 10, "r": 10, "t": 30, "b": 40}, legend={"orientation": "h"})
    return figure


@dataclass(frozen=True)
class PlanUncertainty:
    """What the plan export says of uncertainty (dollars per year): the inputs worth measuring
    before the next review (top EVPI) and the tornado's widest bars with the plan at each end."""

    draws: int
    eal_per_year: float
    evpi_per_year: float
    measure_next: tuple[InputValue, ...]
    tornado: tuple[TornadoBar, ...]


def plan_uncertainty(result: Uncertainty) -> PlanUncertainty:
    value, bars = result.value_of_information, result.sensitivity
    return PlanUncertainty(value.draws, bars.eal_per_year, value.evpi_per_year, value.top, bars.top)


def plan_change_text(bar: TornadoBar, end: str) -> str:
    """``+a, −b`` for the measures entering and leaving the budget plan at ``end`` (``low``/``high``)."""
    if getattr(bar, f"plan_at_{end}") is None:
        return "not re-planned"
    enters, leaves = getattr(bar, f"enters_at_{end}"), getattr(bar, f"leaves_at_{end}")
    return ", ".join([*(f"+{m}" for m in enters), *(f"−{m}" for m in leaves)]) or "unchanged"
