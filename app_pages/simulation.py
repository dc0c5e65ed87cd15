"""Simulation: Monte Carlo years with and without the plan, with progress and convergence."""

from dataclasses import asdict

import pandas as pd
import streamlit as st

from app_pages import ui
from riskmodel.report.charts import loss_exceedance_chart
from riskmodel.simulate.montecarlo import simulate
from riskmodel.simulate.result import compare

analysis = ui.require_analysis()
st.title("Simulated years")
st.caption("Each year draws incidents per failure mode and unit; overlapping incidents combine their failed sets, "
           "so two nodes down at once can break a quorum that either alone does not.")
columns = st.columns(3)
years = columns[0].select_slider("Years to simulate", [1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000],
                                 value=5_000, key="sim_years")
seed = int(columns[1].number_input("Seed", min_value=0, value=analysis.loaded.scenario.settings.seed, step=1,
                                   key="sim_seed"))
plan = ui.report(st.session_state.get("budget")).plan.selected
with_plan = columns[2].toggle(f"Also with the plan ({len(plan)} measures)", value=bool(plan), key="sim_with_plan")
inputs = (ui.scenario_path(), ui.current_edits(), years, seed, tuple(plan) if with_plan else ())

if st.button("Run simulation", type="primary", key="sim_run"):
    bar = st.progress(0.0, text="simulating…")
    runs = [("base", ())] + ([("with plan", tuple(plan))] if with_plan and plan else [])
    results = {}
    for position, (name, measures) in enumerate(runs):
        def report(done: int, total: int, position: int = position, name: str = name) -> None:
            bar.progress((position + done / total) / len(runs), text=f"{name}: {done:,} of {total:,} years")
        results[name] = simulate(analysis.planner, measures, years=years, seed=seed, progress=report)
    bar.empty()
    st.session_state["simulation"] = (inputs, results)

stored = st.session_state.get("simulation")
if stored is None or stored[0] != inputs:
    st.info("Choose years and seed, then run the simulation.")
    st.stop()
results = stored[1]
base = results["base"]
metrics = st.columns(5)
for column, (label, value) in zip(metrics, [("Mean annual loss", base.mean_loss), ("P50", base.p50),
                                            ("P90", base.p90), ("P99", base.p99),
                                            ("Std. error of the mean", base.std_error)], strict=True):
    column.metric(label, ui.money(value))
st.caption(f"{base.incidents:,} incidents over {base.years:,} years; {base.overlapped_share:.1%} overlapped another, "
           f"{base.combined_share:.2%} were evaluated as combined failures. Analytic EAL {ui.money(base.analytic_eal)}.")
st.plotly_chart(loss_exceedance_chart({name: (r.exceedance_thresholds, r.exceedance_probabilities)
                                       for name, r in results.items()}), width="stretch")
if "with plan" in results:
    difference = compare(base, results["with plan"]).difference
    st.metric("Mean loss avoided by the plan", ui.money(difference.mean_loss_avoided),
              help=f"± {ui.money(difference.std_error)} (standard error)")
    table = pd.DataFrame([asdict(service) for service in difference.services])
else:
    table = pd.DataFrame([{"name": s.name, "mean_bad_minutes_base": s.mean_bad_minutes,
                           "p_budget_exhausted_base": s.p_budget_exhausted} for s in base.services])
st.subheader("Services: bad minutes and P(error budget exhausted in a year)")
st.dataframe(table, hide_index=True, width="stretch")
st.subheader("Share of simulated loss by failure mode")
st.dataframe(pd.DataFrame([{"failure mode": m.id, "share": m.loss_share} for m in base.modes]).sort_values(
    "share", ascending=False), hide_index=True, width="stretch")
st.line_chart(pd.DataFrame([{"years": c.years, "std. error": c.std_error} for c in base.convergence]),
              x="years", y="std. error")
