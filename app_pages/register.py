"""Risk register: sortable table, risk matrix, and in-place edits recorded in the session."""

import pandas as pd
import streamlit as st

from app_pages import current_state, ui
from riskmodel.report.charts import risk_matrix
from riskmodel.review.edits import edited_marker

EDITABLE = ["frequency_per_year", "detect_minutes", "repair_minutes", "incident_cost"]
SERVICE_FIELDS = ["cost_per_hour", "degraded_cost_per_hour", "slo"]

analysis = ui.require_analysis()
register, catalog = analysis.register, analysis.loaded.catalog
edits = ui.current_edits()

st.title("Risk register")
st.metric("Expected annual loss", ui.money(register.eal_per_year))
table = pd.DataFrame([{
    "failure mode": m.failure_mode_id, "title": m.title, "scope": m.scope, "units": m.units,
    "incidents/yr": m.frequency_per_year, "EAL ($/yr)": m.eal_per_year,
    "edited": edited_marker(edits, "failure_mode", m.failure_mode_id)} for m in register.failure_modes])
st.dataframe(table, hide_index=True, width="stretch", key="register_table",
             column_config=ui.number_columns(**{"EAL ($/yr)": "money", "incidents/yr": "%.3f"}))
st.plotly_chart(risk_matrix(register), width="stretch")
current_state.findings_table(analysis)

st.subheader("Edit a number")
st.caption("Every edit is recorded in the review session with who, when, the old and new value and why.")
ui.edit_form("edit", "failure_mode", [m.id for m in catalog.failure_modes], EDITABLE, "Failure mode")
services = analysis.loaded.scenario.services
st.dataframe(pd.DataFrame([{"service": s.name, "cost $/h down": s.cost_per_hour,
                            "cost $/h degraded": s.degraded_cost_per_hour, "SLO": s.slo,
                            "edited": edited_marker(edits, "service", s.name)} for s in services]),
             hide_index=True, width="stretch")
ui.edit_form("service_edit", "service", [s.name for s in services], SERVICE_FIELDS, "Service")

if edits:
    st.subheader("Edits in this session")
    st.dataframe(pd.DataFrame([{"when": e.at, "who": e.who, "what": f"{e.target_id}.{e.field}", "old": str(e.old_value),
                                "new": str(e.new_value), "why": e.why} for e in edits]),
                 hide_index=True, width="stretch")
