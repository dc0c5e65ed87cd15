"""Overview: total expected loss, error budgets, top risks, active node problems."""

import pandas as pd
import streamlit as st

from app_pages import current_state, ui
from riskmodel.report.charts import budget_chart

analysis = ui.require_analysis()
register = analysis.register
loaded = analysis.loaded

st.title(f"Risk overview · {loaded.scenario.name}")
current_state.placeholder_banner(analysis)
current_state.current_problems_table(analysis)
problems = [c for c in loaded.evidence.conditions if c.is_problem]
if problems:
    st.warning("Active node problems: " + "; ".join(f"**{c.node}** {c.type} ({c.reason})" for c in problems))
if register.blind_spot_nodes:
    st.info("No node-problem-detector on " + ", ".join(register.blind_spot_nodes)
            + ": problems there are detected later (detect minutes × "
            f"{loaded.scenario.settings.blind_spot_detect_factor:g}).")

columns = st.columns(4)
columns[0].metric("Expected annual loss", ui.money(register.eal_per_year))
columns[1].metric("Failure modes", len(register.failure_modes))
columns[2].metric("Services over budget", sum(s.budget_used > 1 for s in register.services))
columns[3].metric("Active node problems", len(problems))

st.subheader("Error budget per service")
budget_table = pd.DataFrame([{
    "service": s.name, "SLO": s.slo, "error budget (min/yr)": s.error_budget_minutes,
    "expected bad minutes/yr": s.bad_minutes_per_year, "budget used": s.budget_used,
    "EAL ($/yr)": s.eal_per_year} for s in register.services])
st.dataframe(budget_table, hide_index=True, width="stretch",
             column_config={"budget used": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
                            **ui.number_columns(**{"EAL ($/yr)": "money", "expected bad minutes/yr": "%.1f",
                                                   "error budget (min/yr)": "%.1f"})})
st.plotly_chart(budget_chart([s.name for s in register.services], [s.error_budget_minutes for s in register.services],
                             [s.bad_minutes_per_year for s in register.services]), width="stretch")
for flag in register.flags:
    st.error(f"**{flag.failure_mode_id}** alone uses {flag.budget_share:.0%} of **{flag.service}**'s error budget "
             f"({flag.bad_minutes_per_year:,.1f} of {flag.bad_minutes_per_year / flag.budget_share:,.1f} min/yr)")

st.subheader("Top risks")
st.dataframe(pd.DataFrame([{"failure mode": m.failure_mode_id, "title": m.title, "scope": m.scope, "units": m.units,
                            "incidents/yr": m.frequency_per_year, "EAL ($/yr)": m.eal_per_year}
                           for m in register.failure_modes[:10]]),
             hide_index=True, width="stretch",
             column_config=ui.number_columns(**{"EAL ($/yr)": "money", "incidents/yr": "%.3f"}))
