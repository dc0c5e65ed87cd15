"""Measures & plan: ranked measures, budget slider, efficient frontier, plan and decisions."""

import pandas as pd
import streamlit as st

from app_pages import ui
from riskmodel.report.analysis import default_budget
from riskmodel.report.charts import budget_chart, frontier_chart
from riskmodel.review.store import MEASURE_DECISIONS

analysis = ui.require_analysis()
st.title("Measures & plan")
full_cost = sum(analysis.planner.costs.values())
budget = st.slider("Annual budget ($/year)", min_value=0, max_value=int(full_cost) + 1, step=500,
                   value=int(default_budget(analysis)), key="budget")
report = ui.report(float(budget))
plan = report.plan

columns = st.columns(3)
columns[0].metric("EAL now", ui.money(report.eal_per_year))
columns[1].metric("Residual EAL with plan", ui.money(plan.residual_eal_per_year),
                  delta=ui.money(plan.residual_eal_per_year - report.eal_per_year), delta_color="inverse")
columns[2].metric("Plan cost", f"{ui.money(plan.annual_cost)}/yr")
st.markdown(f"**Selected ({plan.method}):** " + (", ".join(plan.selected) or "nothing fits this budget"))
st.plotly_chart(frontier_chart(analysis.planner.frontier(), float(budget)), width="stretch")

st.subheader("Every measure on its own")
decisions = {d.item_id: d for d in ui.store().measure_decisions(ui.session_id())} if ui.session_id() else {}
st.dataframe(pd.DataFrame([{
    "measure": m.id, "kind": m.kind, "in plan": m.id in plan.selected, "cost ($/yr)": m.annual_cost,
    "ΔEAL ($/yr)": m.eal_reduction, "net ($/yr)": m.net_benefit, "ROI": m.roi,
    "decision": decisions[m.id].decision if m.id in decisions else ""} for m in report.measures]),
    hide_index=True, width="stretch", key="measures_table",
    column_config=ui.number_columns(**{"cost ($/yr)": "money", "ΔEAL ($/yr)": "money", "net ($/yr)": "money",
                                       "ROI": "%.1f"}))
services = report.services
st.plotly_chart(budget_chart([s.budget.name for s in services], [s.budget.error_budget_minutes for s in services],
                             [s.budget.bad_minutes_per_year for s in services],
                             [s.bad_minutes_per_year_with_plan for s in services]), width="stretch")

st.subheader("Decide on a measure")
with st.form("measure_decision"):
    measure_id = st.selectbox("Measure", [m.id for m in report.measures], key="decision_measure")
    decision = st.radio("Decision", MEASURE_DECISIONS, horizontal=True, key="decision_value")
    owner = st.text_input("Owner", key="decision_owner")
    due = st.date_input("Due", value=None, key="decision_due")
    note = st.text_input("Note", key="decision_note")
    if st.form_submit_button("Record decision"):
        ui.store().decide_measure(ui.ensure_session(), measure_id, decision, owner, due.isoformat() if due else None,
                                  note, ui.reviewer())
        st.success(f"{measure_id}: {decision}")
        st.rerun()
