"""The workbench pages, driven through Streamlit's AppTest on the demo scenario.

Expected numbers come from the library on the same inputs (the pages must show what the
engine computed, not numbers of their own).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from riskmodel.report.analysis import analyse
from riskmodel.report.formatting import money
from riskmodel.review.edits import apply_edits
from riskmodel.review.store import ReviewStore
from riskmodel.simulate.whatif import whatif
from riskmodel.sources.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"


@pytest.fixture(scope="module")
def demo_analysis():
    return analyse(load_scenario(DEMO))


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


def test_overview_shows_engine_numbers_and_active_problems(review_db, demo_analysis):
    app = open_app()
    assert metric(app, "Expected annual loss") == money(demo_analysis.register.eal_per_year)
    banner = app.warning[0].value
    assert "node-b2** KernelDeadlock" in banner and "node-a3** ReadonlyFilesystem" in banner
    assert "node-c3" in app.info[0].value  # blind spot: no node problem detector there


def test_edit_changes_register_and_is_recorded(review_db, demo_analysis):
    app = open_app("register", reviewer="alice")
    # The costliest risk whose rate no node evidence adjusts: EAL is linear in its frequency, so
    # setting it to 0.0001 per unit leaves eal * 0.0001 * units / frequency of it.
    top = next(m for m in demo_analysis.register.failure_modes if m.scope != "node")
    app.selectbox(key="edit_target").set_value(top.failure_mode_id)
    app.selectbox(key="edit_field").set_value("frequency_per_year")
    app.number_input(key="edit_value").set_value(0.0001)
    app.text_input(key="edit_why").set_value("fleet moved to a newer kernel")
    app.button[0].click().run()
    assert not app.exception and not app.error
    after = float(metric(app, "Expected annual loss").strip("$").replace(",", ""))
    remaining = top.eal_per_year * 0.0001 * top.units / top.frequency_per_year
    assert after == pytest.approx(demo_analysis.register.eal_per_year - top.eal_per_year + remaining, abs=1.0)
    (summary,) = ReviewStore(review_db).list_sessions()
    (edit,) = ReviewStore(review_db).edits(summary.session.id)
    assert (edit.target_id, edit.field, edit.new_value, edit.who) == (top.failure_mode_id, "frequency_per_year",
                                                                      0.0001, "alice")
    table = app.dataframe[0].value
    marker = table.loc[table["failure mode"] == top.failure_mode_id, "edited"].iloc[0]
    assert marker.startswith("✎ frequency_per_year 0.0001 (was")


def test_invalid_edit_is_rejected_and_not_recorded(review_db):
    app = open_app("register")
    app.selectbox(key="edit_field").set_value("detect_minutes")
    app.number_input(key="edit_value").set_value(5.0)
    app.text_input(key="edit_why").set_value("")
    app.button[0].click().run()
    assert "needs a new value and a reason" in app.error[0].value
    assert ReviewStore(review_db).list_sessions() == []


def test_service_edits_are_range_checked_and_change_the_loss(review_db, demo_analysis):
    app = open_app("register", reviewer="dana")
    app.selectbox(key="service_edit_target").set_value("checkout")
    app.selectbox(key="service_edit_field").set_value("slo")
    app.number_input(key="service_edit_value").set_value(1.5)
    app.text_input(key="service_edit_why").set_value("typo test")
    app.button[1].click().run()
    assert "Edit rejected" in app.error[0].value and "slo" in app.error[0].value
    assert ReviewStore(review_db).list_sessions() == []
    # Doubling checkout's outage cost: the page shows what the engine computes with that edit,
    # which is more than before by less than checkout's whole share of the loss.
    checkout = next(s for s in demo_analysis.register.services if s.name == "checkout")
    app.selectbox(key="service_edit_field").set_value("cost_per_hour")
    app.number_input(key="service_edit_value").set_value(72_000.0)
    app.button[1].click().run()
    assert not app.error
    after = float(metric(app, "Expected annual loss").strip("$").replace(",", ""))
    (edit,) = ReviewStore(review_db).edits(ReviewStore(review_db).list_sessions()[0].session.id)
    catalog, scenario = apply_edits(demo_analysis.loaded.catalog, demo_analysis.loaded.scenario, [edit])
    expected = analyse(dataclasses.replace(demo_analysis.loaded, catalog=catalog, scenario=scenario))
    assert after == pytest.approx(expected.register.eal_per_year, abs=1.0)
    assert 0 < after - demo_analysis.register.eal_per_year < checkout.eal_per_year


def test_budget_changes_the_plan(review_db, demo_analysis):
    app = open_app("measures")
    app.slider(key="budget").set_value(0).run()
    assert metric(app, "Plan cost") == "$0/yr"
    best = demo_analysis.planner.rank()[0]
    app.slider(key="budget").set_value(int(best.annual_cost) + 500).run()
    assert metric(app, "Plan cost") != "$0/yr"
    residual = float(metric(app, "Residual EAL with plan").strip("$").replace(",", ""))
    assert residual < demo_analysis.register.eal_per_year


def test_whatif_selection_changes_blast_radius(review_db, demo_analysis):
    app = open_app("whatif")
    assert app.info[0].value.startswith("Pick what fails")
    app.multiselect(key="whatif_zones").set_value(["eu-west-1a"]).run()
    expected = whatif(demo_analysis.loaded.scenario, ["zone:eu-west-1a"])
    assert metric(app, "Cost per hour now") == money(expected.cost_per_hour)
    assert metric(app, "Services down") == str(len(expected.down_services))
    assert expected.cost_per_hour > 0


def test_decision_survives_reopening_the_session(review_db, demo_analysis):
    app = open_app("measures", reviewer="bob")
    measure_id = demo_analysis.planner.rank()[0].id
    app.selectbox(key="decision_measure").set_value(measure_id)
    app.radio(key="decision_value").set_value("approve")
    app.text_input(key="decision_owner").set_value("platform-team")
    app.button[0].click().run()
    session_id = ReviewStore(review_db).list_sessions()[0].session.id
    reopened = open_app("review", session_id=session_id)
    decisions = reopened.dataframe[0].value
    row = decisions[decisions["item"] == measure_id].iloc[0]
    assert (row["decision"], row["owner"], row["who"]) == ("approve", "platform-team", "bob")


def test_simulation_runs_with_progress_and_matches_the_engine(review_db, demo_analysis):
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


def test_topology_node_selection_shows_its_risks(review_db):
    app = open_app("topology")
    app.selectbox(key="topology_node").set_value("node-b2").run()
    assert any(h.value == "Risks on node-b2" for h in app.subheader)
    risks = app.dataframe[0].value
    assert "node-kernel-deadlock" in set(risks["failure mode"])
    assert any("node-kernel-deadlock" in m.value and "active conditions" in m.value for m in app.markdown)


def test_node_problems_filters_by_node(review_db):
    app = open_app("node_problems")
    app.selectbox(key="problems_node").set_value("node-b2").run()
    conditions = app.dataframe[0].value
    assert list(conditions["condition"]) == ["KernelDeadlock"] and list(conditions["status"]) == ["True"]


def test_review_page_offers_all_exports(review_db):
    app = open_app("review", reviewer="carol")
    app.button(key="start_session").click().run()
    labels = [b.label for b in app.get("download_button")]
    assert labels == ["Download MD", "Download HTML", "Download CSV", "Download JSON"]


def test_review_compares_two_sessions(review_db, demo_analysis):
    from datetime import UTC, datetime

    from riskmodel.review.edits import Edit

    store = ReviewStore(review_db)
    plain = store.create_session("plain", demo_analysis.loaded, "erin")
    edited = store.duplicate_session(plain.id, "zone outages rarer", "erin")
    old = demo_analysis.loaded.catalog.failure_mode("zone-outage").frequency_per_year.model_dump()
    edit = Edit("failure_mode", "zone-outage", "frequency_per_year", old, 0.01, "erin", "new zones",
                datetime(2026, 11, 26, tzinfo=UTC))
    store.record_edit(edited.id, edit)
    app = open_app("review", session_id=plain.id)
    theirs = analyse(demo_analysis.loaded, [edit]).register.eal_per_year
    compared = next(m for m in app.metric if m.label == "EAL in this session vs the other")
    assert compared.value == money(demo_analysis.register.eal_per_year)
    assert compared.delta == money(demo_analysis.register.eal_per_year - theirs)
    assert any("zone-outage" in str(j.value) for j in app.json)


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
def test_bad_upload_shows_a_clear_message_and_keeps_the_scenario(review_db, name, data, words):
    app = AppTest.from_function(upload_script, args=(name, data), default_timeout=60)
    app.run()
    assert words in app.error[0].value and name in app.error[0].value
    assert app.text[0].value == "unchanged=True"
