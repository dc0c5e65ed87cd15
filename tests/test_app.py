"""The workbench pages, driven through Streamlit's AppTest on the demo scenario.

Expected numbers come from the library on the same inputs (the pages must show what the
engine computed, formatted by ``riskmodel.report.formatting``, not numbers of their own).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from riskmodel.report.analysis import analyse
from riskmodel.report.edit_preview import preview_edit
from riskmodel.report.formatting import money, money_per_year, percent
from riskmodel.report.plan_view import plan_in_force, whatif_with_plan
from riskmodel.review.edits import Edit
from riskmodel.review.store import ReviewStore
from riskmodel.review.working_plan import WorkingPlan
from riskmodel.simulate.whatif import whatif
from riskmodel.sources.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"


@pytest.fixture(scope="module")
def demo_analysis():
    return analyse(load_scenario(DEMO))


@pytest.fixture(scope="module")
def default_view(demo_analysis):
    return plan_in_force(demo_analysis, WorkingPlan())


@pytest.fixture
def review_db(tmp_path, monkeypatch):
    path = tmp_path / "reviews.sqlite3"
    monkeypatch.setenv("RISKMODEL_REVIEW_DB", str(path))
    monkeypatch.setenv("RISKMODEL_SCENARIO", str(DEMO))
    return path


def open_app(page: str | None = None, **state) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in state.items():
        app.session_state[key] = value
    app.run()
    if page:
        app.switch_page(str(ROOT / "app_pages" / f"{page}.py")).run()
    assert not app.exception, app.exception
    return app


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


TABLE_COLUMNS = {
    "budget_table": "Flagged failure modes (share of budget)", "register_table": "EAL with plan ($/yr)",
    "edits_table": "Change", "decisions_table": "Decision", "sim_services": "Mean bad minutes (min/yr)",
    "node_risks": "Loss per incident ($)", "problem_conditions": "Condition", "differences_table": "What",
}
"""A column only that table has: how a test finds a table (AppTest does not keep a dataframe's key)."""


def frame(app: AppTest, key: str):
    column = TABLE_COLUMNS[key]
    (table,) = [d.value for d in app.dataframe if column in d.value.columns]
    return table


def header_measures(app: AppTest) -> list[str]:
    caption = next(c.value for c in app.caption if c.value.startswith("Measures: "))
    listed = caption.removeprefix("Measures: ")
    return [] if listed == "none" else listed.split(", ")


def test_overview_leads_with_the_numbers_and_groups_flags(review_db, demo_analysis, default_view):
    app = open_app()
    register = demo_analysis.register
    assert metric(app, "Expected annual loss") == money_per_year(register.eal_per_year)
    assert metric(app, "With the plan in force") == money_per_year(default_view.eal_with_plan)
    over = sum(s.budget_used > 1 for s in register.services)
    assert metric(app, "Services over budget") == f"{over} of {len(register.services)}"
    assert metric(app, "Best measure to fund next saves") == money_per_year(default_view.next_best.eal_reduction)
    broken = app.dataframe[0].value  # what is broken now comes first
    assert list(broken["Name"]) == [p.name for p in demo_analysis.current_problems]
    assert {"node-b2/KernelDeadlock", "node-a3/ReadonlyFilesystem"} <= set(broken["Name"])
    assert "node-c3" in app.info[0].value  # blind spot: no node problem detector there
    assert not app.error and not app.warning  # no wall of alerts: every budget flag is in the one table
    table = frame(app, "budget_table")
    assert list(table["Service"]) == [s.name for s in sorted(register.services, key=lambda s: -s.budget_used)]
    checkout = table[table["Service"] == "checkout"].iloc[0]
    flags = [f for f in register.flags if f.service == "checkout"]
    assert checkout["Flagged failure modes (share of budget)"] == ", ".join(
        f"{f.failure_mode_id} {percent(f.budget_share)}" for f in flags)
    assert sum(len(s.split(", ")) for s in table["Flagged failure modes (share of budget)"] if s != "—") == \
        len(register.flags)
    assert header_measures(app) == list(default_view.selected)


def test_register_shows_plan_columns_and_edit_preview(review_db, demo_analysis, default_view):
    app = open_app("register", reviewer="alice")
    table = frame(app, "register_table")
    top = demo_analysis.register.failure_modes[0]
    row = table[table["Failure mode"] == top.failure_mode_id].iloc[0]
    assert row["EAL with plan ($/yr)"] == pytest.approx(default_view.mode_eal_with_plan[top.failure_mode_id])
    assert row["Incidents per year (all units)"] == pytest.approx(top.frequency_per_year)
    now = next(m.value for m in app.markdown if m.value.startswith("**Now:**"))
    assert "0.01–0.08 /node/yr" in now and "incidents per node per year" in now and "15 node(s)" in now
    app.radio(key="edit_shape").set_value("90% interval").run()
    app.number_input(key="edit_low").set_value(0.2)
    app.number_input(key="edit_high").set_value(1.0).run()
    key = ("failure_mode", top.failure_mode_id, "frequency_per_year")
    expected = preview_edit(demo_analysis.loaded, (), key, {"low": 0.2, "high": 1.0})
    assert metric(app, "Total EAL with this edit") == money_per_year(expected.eal_after)
    assert expected.needs_reason and "a reason is required" in app.warning[-1].value
    app.button(key="edit_record").click().run()
    assert "say why before recording it" in app.error[0].value
    assert ReviewStore(review_db).list_sessions() == []  # nothing recorded without a reason
    app.text_input(key="edit_why").set_value("three remounts this quarter")
    app.button(key="edit_record").click().run()
    assert not app.exception and not app.error
    (summary,) = ReviewStore(review_db).list_sessions()
    (edit,) = ReviewStore(review_db).edits(summary.session.id)
    assert (edit.new_value, edit.old_value, edit.who) == ({"low": 0.2, "high": 1.0}, {"low": 0.01, "high": 0.08},
                                                          "alice")
    assert metric(app, "Expected annual loss") == money_per_year(expected.eal_after)
    history = frame(app, "edits_table")
    assert list(history["Change"]) == ["0.01–0.08 /node/yr → 0.2–1 /node/yr"]
    assert any("Recorded: node-readonly-filesystem" in t.value for t in app.toast)


def test_small_edit_needs_no_reason_and_invalid_edit_is_rejected(review_db, demo_analysis):
    app = open_app("register", reviewer="dana")
    app.selectbox(key="service_edit_target").set_value("checkout")
    app.selectbox(key="service_edit_field").set_value("slo").run()
    now = next(m.value for m in app.markdown if m.value.startswith("**Now:**") and "availability" in m.value)
    assert "99.95%" in now
    app.number_input(key="service_edit_value").set_value(150.0)  # typed in percent: 1.5 is no SLO
    app.button(key="service_edit_record").click().run()
    assert "Edit rejected" in app.error[-1].value and "slo" in app.error[-1].value
    assert ReviewStore(review_db).list_sessions() == []
    # 99.9% instead of 99.95% changes no loss (only the budget), so no reason is asked for.
    app.number_input(key="service_edit_value").set_value(99.9)
    app.button(key="service_edit_record").click().run()
    assert not app.error
    (edit,) = ReviewStore(review_db).edits(ReviewStore(review_db).list_sessions()[0].session.id)
    assert (edit.field, edit.new_value, edit.why) == ("slo", pytest.approx(0.999), "")


def test_service_cost_edit_changes_the_loss_as_the_engine_says(review_db, demo_analysis):
    app = open_app("register", reviewer="dana")
    app.selectbox(key="service_edit_target").set_value("checkout")
    app.number_input(key="service_edit_value").set_value(72_000.0)
    app.text_input(key="service_edit_why").set_value("checkout revenue doubled")
    app.button(key="service_edit_record").click().run()
    assert not app.error
    (edit,) = ReviewStore(review_db).edits(ReviewStore(review_db).list_sessions()[0].session.id)
    expected = analyse(demo_analysis.loaded, [edit]).register.eal_per_year
    assert metric(app, "Expected annual loss") == money_per_year(expected)
    assert edit.old_value == 36_000.0


def test_budget_moves_the_plan_and_the_plan_follows_to_other_pages(review_db, demo_analysis):
    app = open_app("measures")
    app.select_slider(key="plan_budget").set_value(0).run()
    assert metric(app, "Plan cost") == "$0/yr" and header_measures(app) == []
    app.select_slider(key="plan_budget").set_value(30_000).run()
    expected = plan_in_force(demo_analysis, WorkingPlan(30_000))
    assert metric(app, "Residual EAL with plan") == money_per_year(expected.eal_with_plan)
    assert header_measures(app) == list(expected.selected) == list(demo_analysis.planner.plan(30_000).selected)
    # No session: the plan lives in this tab's state and survives a page change.
    app.switch_page(str(ROOT / "app_pages" / "simulation.py")).run()
    toggle = app.toggle(key="sim_with_plan")
    assert toggle.label == f"Also with the plan in force ({len(expected.selected)} measures)"
    assert any(m.value == "**Plan simulated:** " + ", ".join(expected.selected) for m in app.markdown)
    app.switch_page(str(ROOT / "app_pages" / "measures.py")).run()
    assert app.select_slider(key="plan_budget").value == 30_000


def test_decisions_pin_and_exclude_and_the_session_keeps_the_plan(review_db, demo_analysis):
    app = open_app("measures", reviewer="bob")
    app.select_slider(key="plan_budget").set_value(20_000).run()
    ranked = [m.id for m in demo_analysis.planner.rank()]
    for measure_id, decision in ((ranked[5], "approve"), (ranked[0], "reject")):
        app.selectbox(key="decision_measure").set_value(measure_id)
        app.radio(key="decision_value").set_value(decision)
        app.text_input(key="decision_owner").set_value("platform-team")
        app.button(key="decision_submit").click().run()
        assert any(f"Decision recorded: {measure_id} · {decision}" in t.value for t in app.toast)
    expected = plan_in_force(demo_analysis, WorkingPlan(20_000, (ranked[5],), (ranked[0],)))
    assert ranked[5] in expected.selected and ranked[0] not in expected.selected
    assert header_measures(app) == list(expected.selected)
    (summary,) = ReviewStore(review_db).list_sessions()
    assert ReviewStore(review_db).plan(summary.session.id) == WorkingPlan(20_000, (ranked[5],), (ranked[0],))
    reopened = open_app("review", session_id=summary.session.id)
    assert header_measures(reopened) == list(expected.selected)
    decisions = frame(reopened, "decisions_table")
    row = decisions[decisions["Item"] == ranked[5]].iloc[0]
    assert (row["Decision"], row["Owner"], row["Who"]) == ("approve", "platform-team", "bob")


def test_whatif_shows_the_blast_radius_now_and_with_the_plan(review_db, demo_analysis, default_view):
    app = open_app("whatif")
    assert app.info[0].value.startswith("Pick what fails")
    app.multiselect(key="whatif_zones").set_value(["eu-west-1a"]).run()
    now = whatif(demo_analysis.loaded.scenario, ["zone:eu-west-1a"])
    planned = whatif_with_plan(demo_analysis, default_view.selected, ["zone:eu-west-1a"])
    assert metric(app, "Cost per hour now") == f"{money(now.cost_per_hour)}/h"
    assert metric(app, "Services down") == str(len(now.down_services))
    assert metric(app, "Cost per hour with the plan") == f"{money(planned.cost_per_hour)}/h"
    assert planned.cost_per_hour < now.cost_per_hour  # the default plan has topology measures that help


def test_simulation_runs_the_plan_in_force_and_matches_the_engine(review_db, demo_analysis):
    from riskmodel.simulate.montecarlo import simulate

    app = open_app("simulation")
    assert app.info[0].value.startswith("Choose years and seed")
    app.select_slider(key="sim_years").set_value(1_000)
    app.number_input(key="sim_seed").set_value(11)
    app.toggle(key="sim_with_plan").set_value(False)
    app.button(key="sim_run").click().run()
    assert not app.exception
    expected = simulate(demo_analysis.planner, years=1_000, seed=11)
    assert metric(app, "Mean annual loss") == money(expected.mean_loss)
    assert metric(app, "P99") == money(expected.p99)
    services = frame(app, "sim_services")
    assert list(services.columns) == ["Service", "Mean bad minutes (min/yr)", "Error budget (min/yr)",
                                      "P(budget exhausted in a year)"]


def test_topology_node_selection_shows_its_risks(review_db):
    app = open_app("topology")
    app.selectbox(key="topology_node").set_value("node-b2").run()
    assert any(h.value == "Risks on node-b2" for h in app.subheader)
    risks = frame(app, "node_risks")
    assert "node-kernel-deadlock" in set(risks["Failure mode"])
    assert any("node-kernel-deadlock" in m.value and "active conditions" in m.value for m in app.markdown)


def test_node_problems_filters_by_node(review_db):
    app = open_app("node_problems")
    app.selectbox(key="problems_node").set_value("node-b2").run()
    conditions = frame(app, "problem_conditions")
    assert list(conditions["Condition"]) == ["KernelDeadlock"] and list(conditions["Status"]) == ["True"]


def test_review_page_offers_every_export(review_db):
    app = open_app("review", reviewer="carol")
    app.button(key="start_session").click().run()
    labels = [b.label for b in app.get("download_button")]
    assert labels == ["Download MD", "Download HTML", "Download PDF", "Download CSV", "Download JSON"]


def test_review_compares_two_sessions_as_a_table_of_differences(review_db, demo_analysis):
    from datetime import UTC, datetime

    store = ReviewStore(review_db)
    plain = store.create_session("plain", demo_analysis.loaded, "erin")
    edited = store.duplicate_session(plain.id, "zone outages rarer", "erin")
    old = demo_analysis.loaded.catalog.failure_mode("zone-outage").frequency_per_year.model_dump()
    edit = Edit("failure_mode", "zone-outage", "frequency_per_year", old, 0.01, "erin", "new zones",
                datetime(2026, 11, 26, tzinfo=UTC))
    store.record_edit(edited.id, edit)
    app = open_app("review", session_id=plain.id)
    theirs = analyse(demo_analysis.loaded, [edit]).register
    compared = next(m for m in app.metric if m.label == "EAL in this session vs the other")
    assert compared.value == money_per_year(demo_analysis.register.eal_per_year)
    differences = frame(app, "differences_table")
    row = differences[differences["What"] == "edit"].iloc[0]
    assert (row["Item"], row["This session"], row["Other: zone outages rarer"]) == (
        "zone-outage · frequency_per_year", "not edited", "0.01 /zone/yr")
    mode = differences[(differences["What"] == "EAL by failure mode") & (differences["Item"] == "zone-outage")].iloc[0]
    ours = next(m for m in demo_analysis.register.failure_modes if m.failure_mode_id == "zone-outage")
    other = next(m for m in theirs.failure_modes if m.failure_mode_id == "zone-outage")
    assert mode["Difference ($/yr)"] == pytest.approx(ours.eal_per_year - other.eal_per_year)


def upload_script(name: str, data: bytes) -> None:
    """Runs as a Streamlit script: feeds an upload to the sidebar's upload handler."""
    import streamlit as st

    from app_pages import ui

    before = ui.scenario_path()
    problem = ui.adopt_upload(name, data)
    st.error(problem or "accepted")
    st.text(f"unchanged={ui.scenario_path() == before}")


@pytest.mark.parametrize(("name", "data", "words"), [
    ("broken.yaml", b"name: demo\nzones: [\n", "YAML syntax error"),
    ("catalog.yaml", b"catalog: c\nversion: '1'\n", "unknown field 'catalog'"),
    ("huge.yaml", b"#" * (9 * 1024 * 1024), "over the 8,388,608-byte upload limit"),
], ids=["malformed-yaml", "wrong-kind", "huge-file"])
def test_bad_upload_shows_the_whole_message_and_keeps_the_scenario(review_db, name, data, words):
    app = AppTest.from_function(upload_script, args=(name, data), default_timeout=60)
    app.run()
    message = app.error[0].value
    assert words in message and message.startswith(name) and "riskmodel-upload-" not in message
    assert app.text[0].value == "unchanged=True"
