"""Plotly figures of a review, shared by the app and the HTML export (no Streamlit here).

Figures only draw numbers the engine computed; they compute nothing of their own beyond
layout positions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

from riskmodel.engine.register import RiskRegister
from riskmodel.model.evidence import Evidence
from riskmodel.model.scenario import Scenario
from riskmodel.plan.planner import FrontierPoint
from riskmodel.report.formatting import money, number
from riskmodel.simulate.whatif import BlastRadius

PROBLEM_COLOUR = "#d62728"
OK_COLOUR = "#2ca02c"
NEUTRAL_COLOUR = "#7f7f7f"


def frontier_chart(points: Sequence[FrontierPoint], budget: float | None = None) -> go.Figure:
    """Residual expected annual loss against annual budget (a step per greedy pick)."""
    figure = go.Figure(go.Scatter(
        x=[p.budget for p in points], y=[p.residual_eal_per_year for p in points], mode="lines+markers",
        line_shape="hv", customdata=[[p.added or "no measures", money(p.budget), money(p.residual_eal_per_year)]
                                     for p in points],
        hovertemplate="budget %{customdata[1]}/yr<br>residual EAL %{customdata[2]}/yr<br>+ %{customdata[0]}"
                      "<extra></extra>"))
    if budget is not None:
        figure.add_vline(x=budget, line_dash="dash", annotation_text="budget")
    figure.update_layout(title="Efficient frontier", xaxis_title="annual budget ($/yr)",
                         yaxis_title="residual expected annual loss ($/yr)", height=380,
                         xaxis_tickprefix="$", xaxis_tickformat=",.0f", yaxis_tickprefix="$", yaxis_tickformat=",.0f")
    return figure


def risk_matrix(register: RiskRegister) -> go.Figure:
    """Failure modes by incidents per year (all units) and loss per incident; bubble area = EAL.

    Labels are hover labels (id, title, the three numbers): printed labels overlap where
    failure modes cluster."""
    modes = [m for m in register.failure_modes if m.frequency_per_year > 0 and m.eal_per_year > 0]
    largest = max((m.eal_per_year for m in modes), default=1.0)
    figure = go.Figure(go.Scatter(
        x=[m.frequency_per_year for m in modes],
        y=[m.eal_per_year / m.frequency_per_year for m in modes],
        mode="markers",
        marker={"size": [10 + 40 * (m.eal_per_year / largest) ** 0.5 for m in modes], "color": PROBLEM_COLOUR,
                "opacity": 0.6, "line": {"width": 1, "color": "#7f0000"}},
        customdata=[[m.failure_mode_id, m.title, money(m.eal_per_year), money(m.eal_per_year / m.frequency_per_year),
                     number(m.frequency_per_year)] for m in modes],
        hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[4]} incidents/yr × "
                      "%{customdata[3]} per incident<br>EAL %{customdata[2]}/yr<extra></extra>"))
    figure.update_layout(title="Risk matrix (hover a bubble for its failure mode; area = expected annual loss)",
                         xaxis_type="log", yaxis_type="log", xaxis_title="incidents per year (all units)",
                         yaxis_title="loss per incident ($)", height=460)
    return figure


def budget_chart(names: Sequence[str], budget_minutes: Sequence[float], before: Sequence[float],
                 after: Sequence[float] | None = None) -> go.Figure:
    """Expected bad minutes per year against each service's error budget (before/after a plan)."""
    figure = go.Figure()
    figure.add_bar(name="error budget", x=list(names), y=list(budget_minutes), marker_color="#c7c7c7")
    figure.add_bar(name="expected bad minutes", x=list(names), y=list(before), marker_color=PROBLEM_COLOUR)
    if after is not None:
        figure.add_bar(name="with plan", x=list(names), y=list(after), marker_color=OK_COLOUR)
    figure.update_layout(barmode="group", title="Error budget per service (minutes per year)", height=380,
                         yaxis_title="minutes per year", yaxis_tickformat=",.0f")
    return figure


ZONE_GAP = 1.5
SELECTED_COLOUR = "#1f77b4"
BLIND_SPOT_COLOUR = "#9467bd"
DEGRADED_COLOUR = "#ff7f0e"


def _node_positions(scenario: Scenario, keep: set[str]) -> tuple[dict[str, tuple[float, float]], list[dict]]:
    """Nodes in a square-ish grid per zone, zones side by side; returns positions and zone boxes."""
    positions: dict[str, tuple[float, float]] = {}
    boxes = []
    left = 0.0
    for zone in scenario.zones:
        names = [n.name for n in scenario.nodes if n.zone == zone.name and n.name in keep]
        per_row = max(1, math.ceil(math.sqrt(len(names))))
        for i, name in enumerate(names):
            positions[name] = (left + i % per_row, -(i // per_row))
        rows = max(1, math.ceil(len(names) / per_row))
        boxes.append({"zone": zone.name, "x0": left - 0.5, "x1": left + per_row - 0.5, "y0": -rows + 0.5,
                      "y1": 0.9, "count": len(names)})
        left += per_row + ZONE_GAP
    return positions, boxes


def _overlay(positions: dict[str, tuple[float, float]], names: Sequence[str], label: str, symbol: str, colour: str,
             size: int) -> go.Scatter:
    shown = [n for n in names if n in positions]
    return go.Scatter(x=[positions[n][0] for n in shown], y=[positions[n][1] for n in shown], mode="markers",
                      name=label, marker={"symbol": symbol, "size": size, "color": colour, "line": {"width": 2.5,
                                                                                                       "color": colour}},
                      customdata=[f"node:{n}" for n in shown], hoverinfo="skip", showlegend=bool(shown))


def _service_trace(scenario: Scenario, radius: BlastRadius | None, width: float, bottom: float) -> list[go.Scatter]:
    down = set(radius.down_services) if radius else set()
    degraded = set(radius.degraded_services) if radius else set()
    names = [s.name for s in scenario.services]
    step = width / max(1, len(names))
    traces = []
    for label, colour, members in (("service", NEUTRAL_COLOUR, [n for n in names if n not in down | degraded]),
                                   ("service down", "#000000", [n for n in names if n in down]),
                                   ("service degraded", DEGRADED_COLOUR, [n for n in names if n in degraded - down])):
        xs = [names.index(n) * step - 0.5 + step / 2 for n in members]
        ys = [bottom - 0.6 * (names.index(n) % 2) for n in members]
        traces.append(go.Scatter(x=xs, y=ys, mode="markers+text", text=members, textfont={"size": 10},
                                 textposition="middle right", name=label, showlegend=bool(members) and label != "service",
                                 marker={"symbol": "square", "size": 14, "color": colour},
                                 customdata=[f"service:{n}" for n in members], hoverinfo="text",
                                 hovertext=[f"service {n}" for n in members]))
    return traces


def topology_chart(scenario: Scenario, register: RiskRegister, evidence: Evidence,
                   radius: BlastRadius | None = None, selected_node: str | None = None,
                   max_nodes: int = 400) -> go.Figure:
    """Nodes laid out by zone and coloured by their expected annual loss; active problems, blind
    spots (no node-problem-detector), the what-if failed set and the selected node are marked;
    services below, black when a what-if takes them down and orange when degraded.

    Large clusters show their riskiest ``max_nodes`` nodes so the picture stays readable.
    """
    keep = {n.name for n in scenario.nodes}
    if len(keep) > max_nodes:
        keep = set(list(register.nodes)[:max_nodes])
    positions, boxes = _node_positions(scenario, keep)
    names = [n for n in positions]
    pods: dict[str, list[str]] = {}
    for workload in scenario.workloads:
        for node in dict.fromkeys(workload.pods):
            pods.setdefault(node, []).append(workload.name)
    problems: dict[str, list[str]] = {}
    for condition in evidence.conditions:
        if condition.is_problem:
            problems.setdefault(condition.node, []).append(condition.type)
    blind = set(register.blind_spot_nodes)
    eal = [register.nodes.get(n, 0.0) for n in names]
    top = max(eal, default=0.0) or 1.0
    ticks = [top * f for f in (0.0, 0.05, 0.25, 0.5, 1.0)]
    hover = [f"<b>{n}</b><br>EAL {money(register.nodes.get(n, 0.0))}/yr"
             + (f"<br>active: {', '.join(problems[n])}" if n in problems else "")
             + ("<br>no node-problem-detector (blind spot)" if n in blind else "")
             + f"<br>workloads: {', '.join(pods.get(n, [])) or '—'}" for n in names]
    figure = go.Figure(go.Scatter(
        x=[positions[n][0] for n in names], y=[positions[n][1] for n in names], mode="markers+text", name="node",
        text=names, textposition="bottom center", textfont={"size": 9},
        marker={"size": 16, "color": [math.sqrt(v) for v in eal], "colorscale": "Reds", "cmin": 0,
                "cmax": math.sqrt(top), "line": {"width": 1, "color": "#555555"},
                "colorbar": {"title": {"text": "EAL ($/yr)"}, "thickness": 12,
                             "tickvals": [math.sqrt(t) for t in ticks], "ticktext": [money(t) for t in ticks]}},
        customdata=[f"node:{n}" for n in names], hovertext=hover, hoverinfo="text", showlegend=False))
    figure.add_trace(_overlay(positions, sorted(problems), "active node problem", "circle-open", PROBLEM_COLOUR, 26))
    figure.add_trace(_overlay(positions, sorted(blind), "blind spot (no NPD)", "square-open", BLIND_SPOT_COLOUR, 24))
    if radius is not None:
        figure.add_trace(_overlay(positions, radius.failed_nodes, "failed in what-if", "x-thin", "#000000", 18))
    if selected_node is not None:
        figure.add_trace(_overlay(positions, [selected_node], "selected node", "circle-open", SELECTED_COLOUR, 34))
    width = max((box["x1"] for box in boxes), default=1.0)
    bottom = min((box["y0"] for box in boxes), default=0.0) - 1.2
    for trace in _service_trace(scenario, radius, width, bottom):
        figure.add_trace(trace)
    for box in boxes:
        figure.add_shape(type="rect", x0=box["x0"], x1=box["x1"], y0=box["y0"], y1=box["y1"],
                         line={"color": "#999999", "dash": "dot"}, layer="below")
        figure.add_annotation(x=(box["x0"] + box["x1"]) / 2, y=box["y1"], text=f"<b>{box['zone']}</b><br>"
                              f"{box['count']} nodes · {money(register.zones.get(box['zone'], 0.0))}/yr",
                              showarrow=False, yanchor="bottom", font={"size": 11})
    rows = max(1.0, 1.5 - bottom)
    figure.update_layout(title="Topology by zone (node colour: EAL; hover a node for its workloads)",
                         height=int(min(900, max(360, 60 * rows + 180))), xaxis={"visible": False},
                         yaxis={"visible": False},
                         legend={"orientation": "h", "y": -0.05}, plot_bgcolor="white")
    return figure


def node_timeline(evidence: Evidence, node: str | None = None) -> go.Figure:
    """Node events over time (one row per reason; marker size grows with the event count)."""
    events = [e for e in evidence.events if (node is None or e.node == node) and e.last_timestamp is not None]
    figure = go.Figure(go.Scatter(
        x=[e.last_timestamp for e in events], y=[f"{e.node} · {e.reason}" for e in events], mode="markers",
        marker={"size": [8 + 2 * min(e.count, 20) for e in events],
                "color": [PROBLEM_COLOUR if e.type == "Warning" else NEUTRAL_COLOUR for e in events]},
        text=[f"{e.reason} ×{e.count} ({e.source_component})<br>{e.message}" for e in events],
        hoverinfo="text+x"))
    figure.update_layout(title="Node events", height=max(300, 24 * len({(e.node, e.reason) for e in events})))
    return figure


def loss_exceedance_chart(curves: dict[str, tuple[Sequence[float], Sequence[float]]]) -> go.Figure:
    """P(annual loss > x) for one or more simulations (e.g. base and with plan)."""
    figure = go.Figure()
    for name, (losses, probabilities) in curves.items():
        figure.add_trace(go.Scatter(x=list(losses), y=list(probabilities), mode="lines", name=name))
    figure.update_layout(title="Loss exceedance", xaxis_title="annual loss ($)", yaxis_title="P(loss > x) (%)",
                         yaxis_type="log", yaxis_tickformat=".1%", xaxis_tickprefix="$", xaxis_tickformat=",.0f",
                         height=380)
    return figure
