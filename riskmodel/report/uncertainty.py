"""Cut sets, importance, the tornado, ranking stability and the value of information as the
outputs show them: JSON for ``rank --format json`` and the plan export, Markdown sections,
and the tornado chart.

Infinite risk reduction worth (an event in every cut set) is written as JSON ``null``.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from riskmodel.analytics.sensitivity import Sensitivity, TornadoBar
from riskmodel.analytics.stability import Stability
from riskmodel.analytics.voi import ValueOfInformation
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


def measure_next_lines(result: ValueOfInformation) -> list[str]:
    """Markdown: "What to measure before the next review", the top inputs by EVPI."""
    lines = ["## What to measure before the next review", ""]
    if not result.inputs or result.evpi_per_year <= 0:
        return [*lines, "No uncertain input changes the budget decision in the sampled draws: nothing is worth "
                        "measuring for this decision.", ""]
    lines.append(f"Knowing every uncertain input exactly would be worth up to {money(result.evpi_per_year)} a year "
                 f"for this decision ({result.draws:,} joint draws). The inputs worth most:")
    lines.append("")
    for value in result.top:
        lines.append(f"- **{value.label}** (`{value.input}`): knowing it exactly is worth up to "
                     f"{money(value.evpi_per_year)} a year")
    return [*lines, ""]


def tornado_lines(result: Sensitivity) -> list[str]:
    """Markdown table of the tornado's top bars, with the plan changes at each end."""
    lines = ["## Which estimates move the answer", "",
             f"Expected annual loss {money(result.eal_per_year)} with every input at its point value; each row "
             "moves one input to its 5th and 95th percentile.", "",
             "| input | low → high | EAL at low | EAL at high | plan at low | plan at high |", "|---|---|---|---|---|---|"]
    for bar in result.top:
        lines.append(f"| {bar.label} | {bar.low:g} → {bar.high:g} {bar.unit} | {money(bar.eal_at_low)} | "
                     f"{money(bar.eal_at_high)} | {_change(bar.enters_at_low, bar.leaves_at_low, bar.plan_at_low)} | "
                     f"{_change(bar.enters_at_high, bar.leaves_at_high, bar.plan_at_high)} |")
    return [*lines, ""]


def _change(enters: tuple[str, ...], leaves: tuple[str, ...], plan: tuple[str, ...] | None) -> str:
    if plan is None:
        return "not re-planned"
    parts = [f"+{m}" for m in enters] + [f"−{m}" for m in leaves]
    return ", ".join(parts) or "unchanged"


def tornado_chart(result: Sensitivity) -> go.Figure:
    """Horizontal bars from the point EAL to the EAL at each end, widest at the top."""
    bars = list(reversed(result.top))
    labels = [bar.label for bar in bars]
    base = result.eal_per_year
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
