"""Risk register: sortable table with the plan in force, risk matrix, and in-place edits recorded in the session."""

import streamlit as st

from app_pages import current_state, ui
from app_pages.edit_form import edit_form
from riskmodel.report.charts import risk_matrix
from riskmodel.report.formatting import edit_text, edited_marker, money, money_per_year, number, slo
from riskmodel.review.fields import scope_word

EDITABLE = ["frequency_per_year", "detect_minutes", "repair_minutes", "incident_cost"]
SERVICE_FIELDS = ["cost_per_hour", "degraded_cost_per_hour", "slo"]

analysis = ui.require_analysis()
register, catalog = analysis.register, analysis.loaded.catalog
view = ui.plan_view()
edits = ui.current_edits()
scopes = {m.id: m.scope for m in catalog.failure_modes}

st.title("Risk register")
columns = st.columns(2)
columns[0].metric("Expected annual loss", money_per_year(register.eal_per_year))
columns[1].metric("With the plan in force", money_per_year(view.eal_with_plan))
ui.table([{
    "Failure mode": m.failure_mode_id, "Title": m.title, "Scope": m.scope, "Units": m.units,
    "Incidents per unit per year": m.frequency_per_year / m.units if m.units else 0.0,
    "Incidents per year (all units)": m.frequency_per_year, "EAL ($/yr)": m.eal_per_year,
    "EAL with plan ($/yr)": view.mode_eal_with_plan[m.failure_mode_id],
    "Edited": edited_marker(edits, "failure_mode", m.failure_mode_id, m.scope)} for m in register.failure_modes],
    {"Incidents per unit per year": number, "Incidents per year (all units)": number, "EAL ($/yr)": money,
     "EAL with plan ($/yr)": money}, key="register_table")
st.caption("Incidents per unit per year are after node evidence (the average over the units); the edit form "
           "below changes the catalog's rate per unit, before evidence.")
st.plotly_chart(risk_matrix(register), width="stretch")
current_state.findings_table(analysis)


def frequency_context(target_id: str, field: str) -> str:
    mode = next(m for m in register.failure_modes if m.failure_mode_id == target_id)
    if field != "frequency_per_year":
        return ""
    return (f"It counts per {scope_word(mode.scope)}: {mode.units} {scope_word(mode.scope)}(s) give "
            f"{number(mode.frequency_per_year)} incidents per year in all (after evidence).")


st.subheader("Edit a number")
st.caption("Every edit is recorded in the review session with who, when, the old and new value and why.")
edit_form("edit", "failure_mode", [m.failure_mode_id for m in register.failure_modes], EDITABLE, "Failure mode",
          context=frequency_context, scopes=scopes)

st.subheader("Services")
services = analysis.loaded.scenario.services
ui.table([{"Service": s.name, "Cost when down ($/h)": s.cost_per_hour,
           "Cost when degraded ($/h)": s.degraded_cost_per_hour, "SLO": s.slo,
           "Edited": edited_marker(edits, "service", s.name)} for s in services],
         {"Cost when down ($/h)": money, "Cost when degraded ($/h)": money,
          "SLO": slo})
edit_form("service_edit", "service", [s.name for s in services], SERVICE_FIELDS, "Service")

if edits:
    st.subheader("Edits in this session")
    ui.table([{"When (UTC)": f"{e.at:%Y-%m-%d %H:%M}", "Who": e.who, "What": f"{e.target_id} · {e.field}",
               "Change": edit_text(e, scopes.get(e.target_id) if e.target_kind == "failure_mode" else None),
               "Why": e.why} for e in edits], key="edits_table")
