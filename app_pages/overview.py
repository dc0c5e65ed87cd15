"""Overview: what is wrong now, the few numbers that matter, then error budgets by service in one table.

Sections, top to bottom: current problems, key numbers, error budgets (with the budget flags
of each service in its row), top risks, what to measure before the next review. Each is one
function so a section can be added or replaced without touching the others.
"""

import streamlit as st

from app_pages import current_state, ledger_block, ui
from riskmodel.report.analysis import Analysis
from riskmodel.report.charts import budget_chart
from riskmodel.report.formatting import minutes, money, money_per_year, number, percent, slo
from riskmodel.report.plan_view import PlanInForce


def current_problems(analysis: Analysis) -> None:
    """What is wrong in the cluster right now: values nobody has reviewed, what is broken (and
    what it costs per hour), active node conditions, nodes nobody watches."""
    current_state.placeholder_banner(analysis)
    current_state.current_problems_table(analysis)
    loaded, register = analysis.loaded, analysis.register
    problems = [c for c in loaded.evidence.conditions if c.is_problem]
    if problems and not analysis.current_problems:  # else they are rows of the "Broken now" table
        st.warning("Active node problems: " + "; ".join(f"**{ui.markdown_text(c.node)}** {ui.markdown_text(c.type)} "
                                                     f"({ui.markdown_text(c.reason)})" for c in problems))
    if register.blind_spot_nodes:
        st.info("No node-problem-detector on " + ", ".join(register.blind_spot_nodes)
                + ": problems there are detected later (detect minutes × "
                f"{loaded.scenario.settings.blind_spot_detect_factor:g}).")


def key_numbers(view: PlanInForce) -> None:
    columns = st.columns(4)
    columns[0].metric("Expected annual loss", money_per_year(view.eal_per_year))
    columns[1].metric("With the plan in force", money_per_year(view.eal_with_plan),
                      help=f"{len(view.selected)} measures for {money_per_year(view.annual_cost)}")
    columns[2].metric("Services over budget", f"{view.services_over_budget} of {len(view.services)}",
                      help=f"{view.services_over_budget_with_plan} with the plan in force")
    best = view.next_best
    if best is None:
        columns[3].metric("Best measure to fund next", "none left",
                          help="every measure that avoids loss is in the plan or excluded")
    else:
        columns[3].metric("Best measure to fund next saves", money_per_year(best.eal_reduction),
                          help=f"{best.id}: {best.title}, for {money_per_year(best.annual_cost)} on top of the plan")
        st.caption(f"Next to fund: **{best.id}** saves {money_per_year(best.eal_reduction)} for "
                   f"{money_per_year(best.annual_cost)} on top of the plan in force.")


def error_budgets(view: PlanInForce, share_flag: float) -> None:
    st.subheader("Error budget per service")
    st.caption(f"Budget flags: failure modes that alone use more than {percent(share_flag)} of a service's "
               "error budget, listed in that service's row.")
    ui.table([{
        "Service": s.name, "SLO": s.slo, "Error budget (min/yr)": s.error_budget_minutes,
        "Expected bad minutes (min/yr)": s.bad_minutes_per_year, "Budget used": s.budget_used,
        "Budget used with plan": s.budget_used_with_plan, "EAL ($/yr)": s.eal_per_year,
        "Flagged failure modes (share of budget)": ", ".join(f"{f.failure_mode_id} {percent(f.budget_share)}"
                                                             for f in s.flags) or "—"}
        for s in sorted(view.services, key=lambda s: -s.budget_used)],
        {"SLO": slo, "Error budget (min/yr)": minutes, "Expected bad minutes (min/yr)": minutes,
         "Budget used": percent, "Budget used with plan": percent, "EAL ($/yr)": money}, key="budget_table")
    st.plotly_chart(budget_chart([s.name for s in view.services], [s.error_budget_minutes for s in view.services],
                                 [s.bad_minutes_per_year for s in view.services],
                                 [s.bad_minutes_with_plan for s in view.services]), width="stretch")


def top_risks(analysis: Analysis, view: PlanInForce) -> None:
    st.subheader("Top risks")
    ui.table([{"Failure mode": m.failure_mode_id, "Title": m.title, "Scope": m.scope, "Units": m.units,
               "Incidents per year (all units)": m.frequency_per_year, "EAL ($/yr)": m.eal_per_year,
               "EAL with plan ($/yr)": view.mode_eal_with_plan[m.failure_mode_id]}
              for m in analysis.register.failure_modes[:10]],
             {"Incidents per year (all units)": number, "EAL ($/yr)": money, "EAL with plan ($/yr)": money},
             key="top_risks_table")


def measure_next() -> None:
    """The five inputs whose exact value is worth most for the budget decision (EVPI). Sampling
    takes seconds, so it runs on request or once the Importance & uncertainty page has run it."""
    st.subheader("What to measure before the next review")
    if not st.session_state.get(ui.UNCERTAINTY_STATE):
        st.caption(f"From {ui.APP_DRAWS:,} joint draws of every uncertain input (a few seconds).")
        if not st.button("Work out what to measure next", key="measure_next_button"):
            return
        st.session_state[ui.UNCERTAINTY_STATE] = True
    value = ui.uncertainty_report().value_of_information
    if value.evpi_per_year <= 0:
        st.caption(f"No uncertain input changes the budget decision in {value.draws:,} joint draws.")
        return
    st.caption(f"Knowing every uncertain input exactly would be worth up to {money_per_year(value.evpi_per_year)} "
               f"for this decision ({value.draws:,} joint draws). Details on the Importance & uncertainty page.")
    for entry in value.top:
        st.markdown(f"- Knowing **{ui.markdown_text(entry.label)}** exactly is worth up to "
                    f"**{money(entry.evpi_per_year)} a year** for this decision.")


analysis = ui.require_analysis()
view = ui.plan_view()
st.title(f"Risk overview · {analysis.loaded.scenario.name}")
ledger_block.reopened_banner(analysis)
current_problems(analysis)
key_numbers(view)
error_budgets(view, analysis.loaded.scenario.settings.budget_share_flag)
top_risks(analysis, view)
measure_next()
