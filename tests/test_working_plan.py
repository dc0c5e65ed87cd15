"""The working plan of a review session: how it resolves, how decisions move it, how it is stored."""

from __future__ import annotations

import json
import sqlite3

import pytest

from riskmodel.plan.planner import Planner
from riskmodel.report.analysis import analyse
from riskmodel.review.store import ReviewStore
from riskmodel.review.working_plan import InvalidPlan, WorkingPlan, default_budget_per_year, resolve_plan
from riskmodel.sources.scenario import load_scenario


@pytest.fixture
def planner(scenario_files):
    def more_measures(catalog):
        catalog["measures"].append({"id": "zone-drills", "title": "Zone drills", "kind": "recovery",
                                    "applies_to": ["node-loss"], "cost": {"per_year": 500},
                                    "effect": {"detect_factor": 0.5}, "rationale": "hand-made for tests"})
    loaded = load_scenario(scenario_files(mutate_catalog=more_measures))
    return Planner(loaded.scenario, loaded.catalog, loaded.evidence)


def test_without_hand_choices_the_plan_is_the_planners(planner):
    for budget in (0.0, 1500.0, 5000.0, None):
        resolved = resolve_plan(planner, WorkingPlan(budget))
        expected = planner.plan(default_budget_per_year(planner) if budget is None else budget)
        assert resolved.plan == expected and resolved.pinned == () and resolved.budget_is_default == (budget is None)


def test_pinned_measures_stay_and_the_planner_fills_what_remains(planner):
    # hardware-monitoring costs 1000 + 3000/3 = 2000 a year; the budget leaves 500 for zone-drills (500).
    resolved = resolve_plan(planner, WorkingPlan(2500, pinned=("hardware-monitoring",)))
    assert resolved.selected == ("hardware-monitoring", "zone-drills") and resolved.picked == ("zone-drills",)
    assert resolved.plan.annual_cost == pytest.approx(2500)
    assert resolved.plan.residual_eal_per_year == pytest.approx(
        planner.evaluate(["hardware-monitoring", "zone-drills"]).eal_per_year)


def test_excluded_measures_never_enter_and_over_budget_pins_are_said(planner):
    resolved = resolve_plan(planner, WorkingPlan(10_000, excluded=("runbooks",)))
    assert "runbooks" not in resolved.selected and resolved.excluded == ("runbooks",)
    tight = resolve_plan(planner, WorkingPlan(100, pinned=("hardware-monitoring",)))
    assert tight.selected == ("hardware-monitoring",) and tight.over_budget
    unknown = resolve_plan(planner, WorkingPlan(100, pinned=("no-such-measure",)))
    assert unknown.unknown == ("no-such-measure",) and "no-such-measure" not in unknown.selected


def test_decisions_pin_or_exclude_and_bad_plans_are_refused():
    plan = WorkingPlan(1000).after_decision("a", "approve").after_decision("b", "reject").after_decision("c", "defer")
    assert (plan.pinned, plan.excluded) == (("a",), ("b", "c"))
    assert plan.after_decision("b", "approve").pinned == ("a", "b") and plan.release("a").pinned == ()
    with pytest.raises(InvalidPlan, match="both pinned and excluded: x"):
        WorkingPlan(None, ("x",), ("x",))
    with pytest.raises(InvalidPlan, match="budget must be ≥ 0"):
        WorkingPlan(-1.0)


def test_the_store_keeps_the_plan_with_the_session(tmp_path, scenario_files):
    loaded = load_scenario(scenario_files())
    store = ReviewStore(tmp_path / "reviews.sqlite3")
    session = store.create_session("s", loaded, "alice")
    assert store.plan(session.id) == WorkingPlan()
    store.set_plan(session.id, WorkingPlan(2500.0, ("runbooks",)), "alice")
    store.decide_measure(session.id, "hardware-monitoring", "reject", "", None, "", "bob")
    expected = WorkingPlan(2500.0, ("runbooks",), ("hardware-monitoring",))
    assert ReviewStore(store.path).plan(session.id) == expected  # another connection sees it committed
    copy = store.duplicate_session(session.id, "copy", "carol")
    assert store.plan(copy.id) == expected
    comparison = store.compare_sessions(session.id, copy.id)
    assert comparison.plan_a == comparison.plan_b == expected


def test_a_schema_1_database_gets_plans_from_its_decisions(tmp_path, scenario_files):
    loaded = load_scenario(scenario_files())
    path = tmp_path / "old.sqlite3"
    store = ReviewStore(path)
    session = store.create_session("old", loaded, "alice")
    store.decide_measure(session.id, "runbooks", "approve", "", None, "", "alice")
    store.decide_measure(session.id, "hardware-monitoring", "defer", "", None, "", "alice")
    store.close()
    with sqlite3.connect(path) as conn:  # make it what riskmodel 1 wrote: no plans table, schema 1
        conn.execute("DROP TABLE plans")
        conn.execute("UPDATE schema_version SET version = 1")
    migrated = ReviewStore(path)
    assert migrated.plan(session.id) == WorkingPlan(None, ("runbooks",), ("hardware-monitoring",))
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == 3  # 1 → 3 in one open
        assert json.loads(conn.execute("SELECT pinned_ids FROM plans").fetchone()[0]) == ["runbooks"]


def test_rank_and_the_app_resolve_the_same_plan(scenario_files):
    from riskmodel.report.analysis import default_budget, rank_report

    analysis = analyse(load_scenario(scenario_files()))
    assert default_budget(analysis) == default_budget_per_year(analysis.planner) == pytest.approx(
        sum(r.annual_cost for r in analysis.planner.rank() if r.net_benefit > 0))
    report = rank_report(analysis, working=WorkingPlan(5000, pinned=("runbooks",)))
    assert report.plan == resolve_plan(analysis.planner, WorkingPlan(5000, pinned=("runbooks",))).plan
    assert report.pinned == ("runbooks",) and rank_report(analysis, 5000).plan == analysis.planner.plan(5000)
