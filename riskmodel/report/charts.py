"""Plotly figures of a review, shared by the app and the HTML export (no Streamlit here).

Figures only draw numbers the engine computed; they compute nothing of their own beyond
layout positions.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from riskmodel.engine.register import RiskRegister
from riskmodel.model.evidence import Evidence
from riskmodel.model.scenario import Scenario
from riskmodel.plan.planner import FrontierPoint
from riskmodel.simulate.whatif import BlastRadius

PROBLEM_COLOUR = "#d62728"
OK_COLOUR = "#2ca02c"
NEUTRAL_COLOUR = "#7f7f7f"


def frontier_chart(points: Sequence[FrontierPoint], budget: float | None = None) -> go.Figure:
    """Residual expected annual loss against annual budget (a step per greedy pick)."""
    figure = go.Figure(go.Scatter(
        x=[p.budget for p in points], y=[p.residual_eal_per_year for p in points], mode="lines+markers",
        line_shape="hv", text=[p.added or "no measures" for p in points],
        hovertemplate="budget $%{x:,.0f}/yr<br>residual EAL $%{y:,.0f}/yr<br>+ %{text}<extra></extra>"))
    if budget is not None:
        figure.add_vline(x=budget, line_dash="dash", annotation_text="budget")
    figure.update_layout(title="Efficient frontier", xaxis_title="annual budget ($/year)",
                         yaxis_title="residual expected annual loss ($/year)", height=380)
    return figure


def risk_matrix(register: RiskRegister) -> go.Figure:
    """Failure modes by frequency (per year) and loss per incident; bubble area = EAL."""
    modes = [m for m in register.failure_modes if m.frequency_per_year > 0 and m.eal_per_year > 0]
    largest = max((m.eal_per_year for m in modes), default=1.0)
    figure = go.Figure(go.Scatter(
        x=[m.frequency_per_year for m in modes],
        y=[m.eal_per_year / m.frequency_per_year for m in modes],
        mode="markers+text", text=[m.failure_mode_id for m in modes], textposition="top center",
        marker={"size": [10 + 40 * (m.eal_per_year / largest) ** 0.5 for m in modes], "color": PROBLEM_COLOUR,
                "opacity": 0.6},
        customdata=[m.eal_per_year for m in modes],
        hovertemplate="%{text}<br>%{x:.3f}/yr × $%{y:,.0f}<br>EAL $%{customdata:,.0f}/yr<extra></extra>"))
    figure.update_layout(title="Risk matrix", xaxis_type="log", yaxis_type="log",
                         xaxis_title="incidents per year (all units)", yaxis_title="loss per incident ($)",
                         height=460)
    return figure


def budget_chart(names: Sequence[str], budget_minutes: Sequence[float], before: Sequence[float],
                 after: Sequence[float] | None = None) -> go.Figure:
    """Expected bad minutes per year against each service's error budget (before/after a plan)."""
    figure = go.Figure()
    figure.add_bar(name="error budget", x=list(names), y=list(budget_minutes), marker_color="#c7c7c7")
    figure.add_bar(name="expected bad minutes", x=list(names), y=list(before), marker_color=PROBLEM_COLOUR)
    if after is not None:
        figure.add_bar(name="with plan", x=list(names), y=list(after), marker_color=OK_COLOUR)
    figure.update_layout(barmode="group", title="Error budget per service (minutes per year)", height=380)
    return figure


def _layers(scenario: Scenario) -> list[list[tuple[str, str]]]:
    zones = [(f"zone:{z.name}", z.name) for z in scenario.zones]
    nodes = [(f"node:{n.name}", n.name) for z in scenario.zones for n in scenario.nodes if n.zone == z.name]
    workloads = [(f"workload:{w.name}", w.name) for w in scenario.workloads if w.kind != "DaemonSet"]
    services = [(f"service:{s.name}", s.name) for s in scenario.services]
    return [zones, nodes, workloads, services]


def _edges(scenario: Scenario) -> list[tuple[str, str]]:
    edges = [(f"zone:{n.zone}", f"node:{n.name}") for n in scenario.nodes]
    for w in scenario.workloads:
        if w.kind != "DaemonSet":
            edges += [(f"node:{n}", f"workload:{w.name}") for n in dict.fromkeys(w.pods)]
    for s in scenario.services:
        edges += [(f"workload:{w}", f"service:{s.name}") for w in s.workloads]
    return edges


def topology_chart(scenario: Scenario, register: RiskRegister, evidence: Evidence,
                   radius: BlastRadius | None = None, max_nodes: int = 400) -> go.Figure:
    """Zones → nodes → workloads → services in columns; colour shows risk, problems, blast radius.

    Large clusters show their riskiest ``max_nodes`` nodes so the picture stays readable.
    """
    layers = _layers(scenario)
    if len(layers[1]) > max_nodes:
        keep = set(list(register.nodes)[:max_nodes])
        layers[1] = [item for item in layers[1] if item[1] in keep]
    position = {}
    for column, layer in enumerate(layers):
        for row, (key, _) in enumerate(layer):
            position[key] = (column, -row * (max(len(x) for x in layers) / max(len(layer), 1)))
    problems = {c.node for c in evidence.conditions if c.is_problem}
    failed = set(radius.failed_nodes) | set(radius.down_services) | set(radius.unavailable_workloads) if radius else set()
    edge_x, edge_y = [], []
    for a, b in _edges(scenario):
        if a in position and b in position:
            edge_x += [position[a][0], position[b][0], None]
            edge_y += [position[a][1], position[b][1], None]
    figure = go.Figure(go.Scatter(x=edge_x, y=edge_y, mode="lines", line={"width": 0.5, "color": "#bbbbbb"},
                                  hoverinfo="skip", showlegend=False))
    largest = max(register.nodes.values(), default=0.0) or 1.0
    for column, layer in enumerate(layers):
        colours, texts = [], []
        for key, name in layer:
            if name in failed:
                colours.append("#000000")
            elif column == 1 and name in problems:
                colours.append(PROBLEM_COLOUR)
            elif column == 1:
                colours.append(f"rgba(214,39,40,{0.15 + 0.85 * register.nodes.get(name, 0.0) / largest:.2f})")
            else:
                colours.append(NEUTRAL_COLOUR)
            texts.append(f"{key}<br>EAL ${register.nodes.get(name, 0.0):,.0f}/yr" if column == 1 else key)
        figure.add_trace(go.Scatter(
            x=[position[k][0] for k, _ in layer], y=[position[k][1] for k, _ in layer], mode="markers+text",
            text=[name for _, name in layer], textposition="middle right", hovertext=texts, hoverinfo="text",
            customdata=[k for k, _ in layer], marker={"size": 12, "color": colours}, showlegend=False))
    figure.update_layout(title="Topology: zones → nodes → workloads → services (red: risk / active problem; "
                               "black: failed in what-if)", height=max(500, 18 * max(len(x) for x in layers)),
                         xaxis={"visible": False, "range": [-0.3, 3.8]}, yaxis={"visible": False})
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
    figure.update_layout(title="Loss exceedance", xaxis_title="annual loss ($)", yaxis_title="P(loss > x)",
                         yaxis_type="log", height=380)
    return figure
