"""Risk register: sortable table, risk matrix, and in-place edits recorded in the session."""

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from app_pages import ui
from riskmodel.charts import risk_matrix
from riskmodel.edits import Edit, current_value, edited_marker
from riskmodel.errors import RiskModelError

EDITABLE = ["frequency_per_year", "detect_minutes", "repair_minutes", "incident_cost"]

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
             column_config={"EAL ($/yr)": st.column_config.NumberColumn(format="dollar")})
st.plotly_chart(risk_matrix(register), width="stretch")

st.subheader("Edit a number")
st.caption("Every edit is recorded in the review session with who, when, the old and new value and why.")
with st.form("edit_form"):
    mode_ids = [m.id for m in catalog.failure_modes]
    mode_id = st.selectbox("Failure mode", mode_ids, key="edit_mode")
    field = st.selectbox("Field", EDITABLE, key="edit_field")
    new_value = st.number_input("New value (a point value; per year, minutes or dollars as the field says)",
                                min_value=0.0, value=None, step=0.01, format="%.4f", key="edit_value")
    why = st.text_input("Why", key="edit_why", placeholder="e.g. we lost 3 nodes to this last year")
    submitted = st.form_submit_button("Record edit")
if submitted:
    if new_value is None or not why.strip():
        st.error("An edit needs a new value and a reason.")
    else:
        old = current_value(analysis.loaded.catalog, analysis.loaded.scenario, "failure_mode", mode_id, field)
        edit = Edit("failure_mode", mode_id, field, old, float(new_value), ui.reviewer(), why.strip(),
                    datetime.now(UTC))
        try:
            ui.validate_edit(edit)
        except RiskModelError as error:
            st.error(f"Edit rejected, nothing recorded:\n\n```\n{error}\n```")
        else:
            ui.store().record_edit(ui.ensure_session(), edit)
            st.success(f"Recorded: {mode_id}.{field} {old} → {new_value:g}")
            st.rerun()

if edits:
    st.subheader("Edits in this session")
    st.dataframe(pd.DataFrame([{"when": e.at, "who": e.who, "what": f"{e.target_id}.{e.field}", "old": str(e.old_value),
                                "new": str(e.new_value), "why": e.why} for e in edits]),
                 hide_index=True, width="stretch")
