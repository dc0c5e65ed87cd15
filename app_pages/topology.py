"""Topology: nodes laid out by zone and coloured by EAL, problems and blind spots marked; a node's risks and evidence."""

import streamlit as st

from app_pages import ui
from riskmodel.engine.likelihood import adjusted_rates
from riskmodel.report.charts import topology_chart
from riskmodel.report.formatting import minutes, money, number

analysis = ui.require_analysis()
scenario, evidence = analysis.loaded.scenario, analysis.loaded.evidence

st.title("Topology")
names = [n.name for n in scenario.nodes]
chart = st.empty()
previous = st.session_state.get("topology_select") or {}
points = (previous.get("selection") or {}).get("points") or []
picked = [p.get("customdata") for p in points]
clicked = next((key.split(":", 1)[1] for key in picked if isinstance(key, str) and key.startswith("node:")), None)
if clicked in names and st.session_state.get("topology_clicked") != clicked:
    st.session_state["topology_clicked"] = st.session_state["topology_node"] = clicked
node = st.selectbox("Node", names, key="topology_node")
chart.plotly_chart(topology_chart(scenario, analysis.register, evidence, selected_node=node), width="stretch",
                   on_select="rerun", selection_mode="points", key="topology_select")

st.subheader(f"Risks on {node}")
rows = [r for r in analysis.register.rows if r.scope == "node" and r.unit == node]
ui.table([{"Failure mode": r.failure_mode_id, "Incidents per year": r.frequency_per_year,
           "Detect (min)": r.detect_minutes, "Repair (min)": r.repair_minutes,
           "Loss per incident ($)": r.loss_per_incident, "EAL ($/yr)": r.eal_per_year}
          for r in sorted(rows, key=lambda r: -r.eal_per_year)],
         {"Incidents per year": number, "Detect (min)": minutes, "Repair (min)": minutes,
          "Loss per incident ($)": money, "EAL ($/yr)": money}, key="node_risks")

st.subheader("Evidence behind the rates")
explanations = [a for (mode_id, name), a in adjusted_rates(analysis.loaded.catalog, [node], evidence).items()
                if name == node]
if not explanations:
    st.caption("No node-problem evidence for this node: the catalog's prior rates apply.")
for a in explanations:
    st.markdown(f"**{a.failure_mode_id}**: prior {number(a.prior_per_year)}/yr (weight {a.prior_weight_years:g} yr), "
                f"{a.event_count} events in {a.window_years * 365:.0f} days → {number(a.posterior_per_year)}/yr; "
                f"active conditions × {a.likelihood_ratio:g} → **{number(a.rate_per_year)}/yr**")
conditions = [c for c in evidence.conditions if c.node == node]
if conditions:
    ui.table([{"Condition": c.type, "Status": c.status, "Reason": c.reason, "Since": c.last_transition_time,
               "Problem now": c.is_problem} for c in conditions], key="node_conditions")
