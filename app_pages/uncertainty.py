"""Importance & uncertainty: cut sets and importance per service, which estimates move the
answer (tornado), how sure the ranking is, and what is worth measuring next."""

import pandas as pd
import streamlit as st

from app_pages import ui
from riskmodel.report.formatting import money
from riskmodel.report.uncertainty import plan_change_text, tornado_chart

analysis = ui.require_analysis()
st.title("Importance & uncertainty")
cuts_tab, tornado_tab, stability_tab, value_tab = st.tabs(
    ["Cut sets & importance", "Sensitivity", "Ranking stability", "Value of information"])

with cuts_tab:
    report = ui.importance_report()
    names = [s.service for s in report.services]
    service = st.selectbox("Service", names, key="importance_service")
    entry = report.service(service)
    counts = entry.cut_sets.count_by_order()
    beyond = entry.cut_sets.beyond_order_3
    columns = st.columns(4)
    columns[0].metric("Down at a random moment", f"{entry.probability:.3g}")
    columns[1].metric("Expected minutes down / yr", f"{entry.expected_down_minutes_per_year:,.1f}")
    columns[2].metric("Cut sets of order 1 · 2 · 3", f"{counts[1]} · {counts[2]} · {counts[3]}")
    columns[3].metric("Beyond order 3", f"{beyond:,}" if beyond is not None
                      else f"≤ {entry.cut_sets.beyond_order_3_at_most:,}")
    if entry.down_now:
        st.error(f"**{service}** is down now: its tree is already true; nothing more takes it down.")
    st.caption("Structural fault tree: a node that is out holds its pods lost until repaired (rescheduling, which "
               "the register credits, is not); units fail independently. Probabilities are exact"
               + (f" within ±{entry.probability_error_bound:.1g}." if entry.probability_error_bound else "."))
    st.subheader("Minimal cut sets up to order 3")
    st.dataframe(pd.DataFrame([{"units out together": " + ".join(c.events), "order": c.order,
                                "P(in force)": c.probability, "minutes / yr": c.minutes_per_year}
                               for c in entry.cut_sets.listed]), hide_index=True, width="stretch",
                 key="cut_sets_table", column_config=ui.number_columns(**{"P(in force)": "%.3g", "minutes / yr": "%.2f"}))
    st.subheader(f"What matters most for {service}")
    st.dataframe(pd.DataFrame([{"unit": e.event, "P(out)": e.probability, "Birnbaum": e.birnbaum,
                                "Fussell–Vesely": e.fussell_vesely, "RAW": e.risk_achievement_worth,
                                "RRW": e.risk_reduction_worth} for e in entry.events]),
                 hide_index=True, width="stretch", key="importance_table",
                 column_config=ui.number_columns(**{"P(out)": "%.3g", "Birnbaum": "%.3g", "Fussell–Vesely": "%.3f",
                                                    "RAW": "%.1f", "RRW": "%.3f"}))
    st.subheader("Across services, weighted by outage cost")
    st.caption(f"Expected outage cost rate {money(report.outage_cost_per_hour)}/h "
               f"({money(report.outage_cost_per_year)}/yr, structural). Birnbaum here is what the unit's being "
               "out adds to it, in dollars per hour.")
    st.dataframe(pd.DataFrame([{"unit": e.event, "P(out)": e.probability, "Birnbaum ($/h)": e.birnbaum,
                                "Fussell–Vesely": e.fussell_vesely, "RAW": e.risk_achievement_worth,
                                "RRW": e.risk_reduction_worth} for e in report.weighted[:40]]),
                 hide_index=True, width="stretch", key="weighted_importance_table",
                 column_config=ui.number_columns(**{"P(out)": "%.3g", "Birnbaum ($/h)": "money",
                                                    "Fussell–Vesely": "%.3f", "RAW": "%.1f", "RRW": "%.3f"}))

with tornado_tab:
    draws = st.select_slider("Joint draws", options=[200, 500, 1000, 2000], value=ui.APP_DRAWS, key="uncertainty_draws")
    result = ui.uncertainty_report(int(draws))
    st.session_state[ui.UNCERTAINTY_STATE] = True
    bars = result.sensitivity
    st.caption(f"Each bar moves one input to its 5th and then its 95th percentile, everything else at its point "
               f"value. {len(bars.bars)} inputs; the widest {len(bars.top)} shown. Plan under "
               f"{money(bars.budget)}/yr: {', '.join(bars.plan) or 'nothing'}.")
    st.plotly_chart(tornado_chart(bars.top, bars.eal_per_year), width="stretch", key="tornado_chart")
    st.dataframe(pd.DataFrame([{
        "input": b.label, "low": b.low, "high": b.high, "unit": b.unit, "EAL at low ($/yr)": b.eal_at_low,
        "EAL at high ($/yr)": b.eal_at_high,
        "plan at low": plan_change_text(b, "low"), "plan at high": plan_change_text(b, "high")}
        for b in bars.top]), hide_index=True, width="stretch", key="tornado_table",
        column_config=ui.number_columns(**{"EAL at low ($/yr)": "money", "EAL at high ($/yr)": "money",
                                           "low": "%g", "high": "%g"}))
    if bars.skipped:
        st.caption("Not varied: " + "; ".join(f"{ui.markdown_text(s.id)} ({ui.markdown_text(s.reason)})" for s in bars.skipped))

with stability_tab:
    result = ui.uncertainty_report(int(st.session_state.get("uncertainty_draws", ui.APP_DRAWS)))
    stability = result.stability
    net = stability.net_benefit
    st.caption(f"{stability.draws:,} joint draws of every uncertain input (seed {stability.seed}); per draw the "
               "budget plan is planned again with the same budget. Stable: in (or out) in at least 90% of draws.")
    columns = st.columns(4)
    columns[0].metric("Plan's net benefit (point)", money(net.at_point))
    columns[1].metric("P5 · P50 · P95", f"{money(net.p5)} · {money(net.p50)} · {money(net.p95)}")
    columns[2].metric("P(plan loses money)", f"{net.p_negative:.0%}")
    columns[3].metric("Contested measures", len(stability.contested_measures))
    st.subheader("Measures: how often the budget plan takes them")
    st.dataframe(pd.DataFrame([{"measure": m.measure_id, "in the plan": m.in_plan, "P(in plan)": m.p_in_plan,
                                "verdict": "stable" if m.stable else "contested"} for m in stability.measures]),
                 hide_index=True, width="stretch", key="measure_stability_table",
                 column_config={"P(in plan)": st.column_config.ProgressColumn(format="percent", min_value=0,
                                                                             max_value=1)})
    st.subheader("Failure modes: how often among the five costliest")
    st.dataframe(pd.DataFrame([{"failure mode": m.failure_mode_id, "EAL ($/yr)": m.eal_per_year,
                                "P5 ($/yr)": m.eal_p5, "P95 ($/yr)": m.eal_p95, "P(top 5)": m.p_top,
                                "verdict": "stable" if m.stable else "contested"} for m in stability.modes]),
                 hide_index=True, width="stretch", key="mode_stability_table",
                 column_config={**ui.number_columns(**{"EAL ($/yr)": "money", "P5 ($/yr)": "money",
                                                       "P95 ($/yr)": "money"}),
                                "P(top 5)": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)})

with value_tab:
    result = ui.uncertainty_report(int(st.session_state.get("uncertainty_draws", ui.APP_DRAWS)))
    value = result.value_of_information
    st.metric("Knowing every input exactly is worth up to", f"{money(value.evpi_per_year)}/yr")
    st.caption(f"For the budget decision, from the same {value.draws:,} draws ({value.alternatives} plans weighed, "
               f"covering {value.coverage:.0%} of the draws' own plans). Per input: the expected value of perfect "
               "information about it alone.")
    for entry in value.top:
        st.markdown(f"- Knowing **{ui.markdown_text(entry.label)}** exactly is worth up to **{money(entry.evpi_per_year)} a year** "
                    "for this decision.")
    st.dataframe(pd.DataFrame([{"input": v.label, "field": v.input, "EVPI ($/yr)": v.evpi_per_year}
                               for v in value.inputs[:25]]), hide_index=True, width="stretch", key="voi_table",
                 column_config=ui.number_columns(**{"EVPI ($/yr)": "money"}))
