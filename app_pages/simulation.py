"""Simulated years: Monte Carlo with and without the plan in force, with progress, cancel and convergence."""

import streamlit as st

from app_pages import ui
from riskmodel.report.charts import loss_exceedance_chart
from riskmodel.report.formatting import minutes, money, money_per_year, percent
from riskmodel.simulate.montecarlo import simulate
from riskmodel.simulate.result import compare

YEAR_CHOICES = [1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000]

analysis = ui.require_analysis()
view = ui.plan_view()
plan = view.selected
st.title("Simulated years")
st.caption("Each year draws incidents per failure mode and unit; overlapping incidents combine their failed sets, "
           "so two nodes down at once can break a quorum that either alone does not.")


def _cancel() -> None:
    st.session_state["sim_cancelled"] = st.session_state.get("sim_progress", (0, 0))


columns = st.columns(3)
years = columns[0].select_slider("Years to simulate", YEAR_CHOICES, value=5_000, key="sim_years",
                                 format_func=lambda n: f"{n:,}")
seed = int(columns[1].number_input("Seed", min_value=0, value=analysis.loaded.scenario.settings.seed, step=1,
                                   key="sim_seed"))
with_plan = columns[2].toggle(f"Also with the plan in force ({len(plan)} measures)", value=bool(plan),
                              key="sim_with_plan", disabled=not plan)
st.markdown("**Plan simulated:** " + (", ".join(plan) if plan and with_plan else "none (base only)"))
inputs = (ui.scenario_path(), ui.current_edits(), years, seed, tuple(plan) if with_plan else ())

cancelled = st.session_state.pop("sim_cancelled", None)
if cancelled is not None:
    done, total = cancelled
    st.warning(f"Simulation cancelled after {done:,} of {total:,} simulated years; nothing was kept.")

if st.button("Run simulation", type="primary", key="sim_run"):
    st.button("Cancel", key="sim_cancel", on_click=_cancel)
    bar = st.progress(0.0, text="simulating…")
    runs = [("base", ())] + ([("with plan", tuple(plan))] if with_plan and plan else [])
    results = {}
    for position, (name, measures) in enumerate(runs):
        def report(done: int, total: int, position: int = position, name: str = name) -> None:
            st.session_state["sim_progress"] = (position * total + done, len(runs) * total)
            bar.progress((position + done / total) / len(runs), text=f"{name}: {done:,} of {total:,} years")
        results[name] = simulate(analysis.planner, measures, years=years, seed=seed, progress=report)
    bar.empty()
    st.session_state["simulation"] = (inputs, results)
    st.rerun()

stored = st.session_state.get("simulation")
if stored is None or stored[0] != inputs:
    st.info("Choose years and seed, then run the simulation. A run can be cancelled while it goes.")
    st.stop()
results = stored[1]
base = results["base"]
metrics = st.columns(5)
for column, (label, value) in zip(metrics, [("Mean annual loss", base.mean_loss), ("P50", base.p50),
                                            ("P90", base.p90), ("P99", base.p99),
                                            ("Std. error of the mean", base.std_error)], strict=True):
    column.metric(label, money(value))
st.caption(f"{base.incidents:,} incidents over {base.years:,} years; {percent(base.overlapped_share)} overlapped "
           f"another, {percent(base.combined_share)} were evaluated as combined failures. Analytic EAL "
           f"{money_per_year(base.analytic_eal)}.")
st.plotly_chart(loss_exceedance_chart({name: (r.exceedance_thresholds, r.exceedance_probabilities)
                                       for name, r in results.items()}), width="stretch")
st.subheader("Services: bad minutes and P(error budget exhausted in a year)")
formats = {"Mean bad minutes (min/yr)": minutes, "Mean bad minutes with plan (min/yr)": minutes,
           "Error budget (min/yr)": minutes, "P(budget exhausted in a year)": percent,
           "P(budget exhausted) with plan": percent}
if "with plan" in results:
    difference = compare(base, results["with plan"]).difference
    st.metric("Mean loss avoided by the plan", money_per_year(difference.mean_loss_avoided),
              help=f"± {money(difference.std_error)} (standard error)")
    ui.table([{"Service": s.name, "Mean bad minutes (min/yr)": s.mean_bad_minutes_base,
               "Mean bad minutes with plan (min/yr)": s.mean_bad_minutes_with_plan,
               "P(budget exhausted in a year)": s.p_budget_exhausted_base,
               "P(budget exhausted) with plan": s.p_budget_exhausted_with_plan} for s in difference.services],
             formats, key="sim_services")
else:
    ui.table([{"Service": s.name, "Mean bad minutes (min/yr)": s.mean_bad_minutes,
               "Error budget (min/yr)": s.error_budget_minutes, "P(budget exhausted in a year)": s.p_budget_exhausted}
              for s in base.services], formats, key="sim_services")
st.subheader("Share of simulated loss by failure mode")
ui.table([{"Failure mode": m.id, "Mean loss ($/yr)": m.mean_loss, "Share of loss": m.loss_share}
          for m in sorted(base.modes, key=lambda m: -m.loss_share)],
         {"Mean loss ($/yr)": money, "Share of loss": percent}, key="sim_modes")
st.line_chart({"simulated years": [c.years for c in base.convergence],
               "standard error of the mean ($)": [c.std_error for c in base.convergence]},
              x="simulated years", y="standard error of the mean ($)")
