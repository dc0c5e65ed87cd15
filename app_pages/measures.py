"""Measures & plan: the working plan (budget, pinned, excluded), the frontier, every measure alone, decisions."""

import streamlit as st

from app_pages import ui
from riskmodel.report.added_nodes import added_nodes_notes
from riskmodel.report.charts import budget_chart, frontier_chart
from riskmodel.report.formatting import minutes, money, money_per_year, percent, roi, signed_money
from riskmodel.report.plan_view import budget_options
from riskmodel.review.store import MEASURE_DECISIONS
from riskmodel.review.working_plan import WorkingPlan

analysis = ui.require_analysis()
planner = analysis.planner
working = ui.working_plan()
view = ui.plan_view()
resolved = view.resolved
measure_ids = [m.id for m in view.measures]


def _save_budget() -> None:
    ui.set_working_plan(ui.working_plan().with_budget(float(st.session_state["plan_budget"])))


def _save_hand_choices() -> None:
    pinned = tuple(st.session_state["plan_pinned"])
    excluded = tuple(i for i in st.session_state["plan_excluded"] if i not in pinned)
    ui.set_working_plan(WorkingPlan(ui.working_plan().budget_per_year, pinned, excluded))


def _default_budget() -> None:
    ui.set_working_plan(ui.working_plan().with_budget(None))


st.title("Measures & plan")
options = budget_options(analysis, resolved.plan.budget)
ui.sync_widget("plan_budget", round(resolved.plan.budget))
st.select_slider("Annual budget ($/yr)", options, key="plan_budget", format_func=money, on_change=_save_budget)
controls = st.columns([2, 2, 1])
ui.sync_widget("plan_pinned", list(resolved.pinned))
ui.sync_widget("plan_excluded", list(resolved.excluded))
controls[0].multiselect("Pinned: always in the plan (approved measures are pinned)", measure_ids, key="plan_pinned",
                        on_change=_save_hand_choices)
controls[1].multiselect("Excluded: never in the plan (rejected and deferred ones are)", measure_ids,
                        key="plan_excluded", on_change=_save_hand_choices)
controls[2].button("Default budget", key="plan_default_budget", on_click=_default_budget,
                   help="Every measure that pays for itself", disabled=working.budget_per_year is None)
if resolved.over_budget:
    st.warning(f"The pinned measures alone cost {money_per_year(resolved.plan.annual_cost)}, more than the budget.")

metrics = st.columns(4)
metrics[0].metric("EAL now", money_per_year(view.eal_per_year))
metrics[1].metric("Residual EAL with plan", money_per_year(view.eal_with_plan),
                  delta=f"{signed_money(view.eal_with_plan - view.eal_per_year)}/yr", delta_color="inverse")
metrics[2].metric("Plan cost", money_per_year(view.annual_cost))
metrics[3].metric("Services over budget", f"{view.services_over_budget} → {view.services_over_budget_with_plan}",
                  help="expected bad minutes above the error budget, now → with the plan")

st.subheader(f"The plan in force: {len(view.selected)} measures")
costs = planner.costs
alone = {m.id: m for m in view.measures}
pinned = set(resolved.pinned)
ui.table([{"Measure": i, "Title": planner.measures[i].title, "Why in the plan": "pinned" if i in pinned else "planner",
           "Cost ($/yr)": costs[i], "Loss avoided alone ($/yr)": alone[i].eal_reduction} for i in view.selected],
         {"Cost ($/yr)": money, "Loss avoided alone ($/yr)": money}, key="plan_table")
st.plotly_chart(frontier_chart(planner.frontier(), resolved.plan.budget), width="stretch")

st.subheader("Every measure on its own")
decisions = {d.item_id: d for d in ui.store().measure_decisions(ui.session_id())} if ui.session_id() else {}
selected, excluded = set(view.selected), set(resolved.excluded)
ui.table([{
    "Measure": m.id, "Kind": m.kind,
    "In plan": "pinned" if m.id in pinned else "yes" if m.id in selected else "excluded" if m.id in excluded else "",
    "Cost ($/yr)": m.annual_cost, "Loss avoided alone ($/yr)": m.eal_reduction, "Net benefit ($/yr)": m.net_benefit,
    "ROI": m.roi, "Decision": decisions[m.id].decision if m.id in decisions else ""} for m in view.measures],
    {"Cost ($/yr)": money, "Loss avoided alone ($/yr)": money, "Net benefit ($/yr)": money, "ROI": roi},
    key="measures_table")
for note in added_nodes_notes(planner):
    st.info("Why its loss avoided is what it is: " + ui.markdown_text(note.text()) + ".")
st.plotly_chart(budget_chart([s.name for s in view.services], [s.error_budget_minutes for s in view.services],
                             [s.bad_minutes_per_year for s in view.services],
                             [s.bad_minutes_with_plan for s in view.services]), width="stretch")
ui.table([{"Service": s.name, "Error budget (min/yr)": s.error_budget_minutes,
           "Bad minutes now (min/yr)": s.bad_minutes_per_year, "Bad minutes with plan (min/yr)": s.bad_minutes_with_plan,
           "Budget used with plan": s.budget_used_with_plan} for s in view.services],
         {"Error budget (min/yr)": minutes, "Bad minutes now (min/yr)": minutes,
          "Bad minutes with plan (min/yr)": minutes, "Budget used with plan": percent}, key="services_table")


def _decide() -> None:
    measure_id, decision = st.session_state["decision_measure"], st.session_state["decision_value"]
    due = st.session_state.get("decision_due")
    if not ui.stored(lambda: ui.store().decide_measure(
            ui.ensure_session(), measure_id, decision, st.session_state.get("decision_owner", ""),
            due.isoformat() if due else None, st.session_state.get("decision_note", ""), ui.reviewer())):
        return
    effect = "pinned in the plan" if decision == "approve" else "kept out of the plan"
    ui.toast_later(f"Decision recorded: {measure_id} · {decision} ({effect})")


st.subheader("Decide on a measure")
st.caption("Approving pins a measure in the plan; rejecting or deferring keeps it out. Decisions are recorded in "
           "the review session (one is started if none is open).")
with st.form("measure_decision"):
    st.selectbox("Measure", measure_ids, key="decision_measure")
    st.radio("Decision", MEASURE_DECISIONS, horizontal=True, key="decision_value")
    st.text_input("Owner", key="decision_owner")
    st.date_input("Due", value=None, key="decision_due")
    st.text_input("Note", key="decision_note")
    st.form_submit_button("Record decision", on_click=_decide, key="decision_submit")
