"""Topology: zones → nodes → workloads → services, coloured by risk and active problems."""

import pandas as pd
import streamlit as st

from app_pages import ui
from riskmodel.engine.likelihood import adjusted_rates
from riskmodel.report.charts import topology_chart

analysis = ui.require_analysis()
scenario, evidence = analysis.loaded.scenario, analysis.loaded.evidence

st.title("Topology")
event = st.plotly_chart(topology_chart(scenario, analysis.register, evidence), width="stretch",
                        on_select="rerun", selection_mode="points", key="topology_select")
picked = [p.get("customdata") for p in (event.selection.points if event and event.selection else [])]
clicked = next((key.split(":", 1)[1] for key in picked if isinstance(key, str) and key.startswith("node:")), None)
names = [n.name for n in scenario.nodes]
node = st.selectbox("Node", names, index=names.index(clicked) if clicked in names else 0, key="topology_node")

st.subheader(f"Risks on {node}")
rows = [r for r in analysis.register.rows if r.scope == "node" and r.unit == node]
st.dataframe(pd.DataFrame([{"failure mode": r.failure_mode_id, "incidents/yr": r.frequency_per_year,
                            "detect min": r.detect_minutes, "repair min": r.repair_minutes,
                            "loss/incident ($)": r.loss_per_incident, "EAL ($/yr)": r.eal_per_year}
                           for r in sorted(rows, key=lambda r: -r.eal_per_year)]),
             hide_index=True, width="stretch",
             column_config=ui.number_columns(**{"incidents/yr": "%.3f", "detect min": "%.1f", "repair min": "%.1f",
                                                "loss/incident ($)": "money", "EAL ($/yr)": "money"}))

st.subheader("Evidence behind the rates")
explanations = [a for (mode_id, name), a in adjusted_rates(analysis.loaded.catalog, [node], evidence).items()
                if name == node]
if not explanations:
    st.caption("No node-problem evidence for this node: the catalog's prior rates apply.")
for a in explanations:
    st.markdown(f"**{a.failure_mode_id}**: prior {a.prior_per_year:.3f}/yr (weight {a.prior_weight_years:g} yr), "
                f"{a.event_count} events in {a.window_years * 365:.0f} days → {a.posterior_per_year:.3f}/yr; "
                f"active conditions × {a.likelihood_ratio:g} → **{a.rate_per_year:.3f}/yr**")
conditions = [c for c in evidence.conditions if c.node == node]
if conditions:
    st.dataframe(pd.DataFrame([{"condition": c.type, "status": c.status, "reason": c.reason,
                                "since": c.last_transition_time, "problem now": c.is_problem} for c in conditions]),
                 hide_index=True, width="stretch")
