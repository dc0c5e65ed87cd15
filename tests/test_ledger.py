"""The accepted-risk ledger: accept with owner, reason, expiry and a ceiling; reopen when the
analysis goes over the ceiling or the date passes; schema 3 of the review store.

Numbers come from the engine on the small scenario of conftest (node-loss 0.1 per node-year on
3 nodes); the ceilings are set relative to them, so each case is over or under by construction.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime

import pytest

from riskmodel.cli.main import main
from riskmodel.report.analysis import analyse
from riskmodel.review.edits import Edit
from riskmodel.review.ledger import Ceiling, RiskMeter
from riskmodel.review.ledger_check import accept_with_ceiling, check_ledger
from riskmodel.review.records import InvalidReviewValue
from riskmodel.review.store import SCHEMA_VERSION, ReviewStore
from riskmodel.sources.scenario import load_scenario

TODAY = date(2026, 12, 1)
LATER = date(2027, 3, 1)


@pytest.fixture
def setup(scenario_files, tmp_path):
    path = scenario_files()
    loaded = load_scenario(path)
    store = ReviewStore(tmp_path / "reviews.sqlite3")
    session = store.create_session("ledger review", loaded, "alice")
    return path, loaded, store, session


def edit_frequency(new: float) -> Edit:
    return Edit("failure_mode", "node-loss", "frequency_per_year", 0.1, new, "bob", "three node losses this year",
                datetime(2026, 12, 1, tzinfo=UTC))


def accept_node_loss_within_twice_its_loss(setup, reason: str = "spares are cheaper") -> None:
    """platform-team accepts node-loss with a ceiling of twice its EAL now (an edit to 2.5× reopens it)."""
    _, loaded, store, session = setup
    model = analyse(loaded).model
    eal = RiskMeter(model).measure("node-loss", None, "eal_per_year").value
    accept_with_ceiling(store, session.id, model, "node-loss", "platform-team", reason, LATER,
                        Ceiling("eal_per_year", 2 * eal), "alice", today=TODAY)


def test_an_edit_past_the_ceiling_reopens_the_acceptance_once_and_for_the_next_session(setup):
    path, loaded, store, session = setup
    model = analyse(loaded).model
    eal = RiskMeter(model).measure("node-loss", None, "eal_per_year").value
    assert eal > 0
    accepted = accept_with_ceiling(store, session.id, model, "node-loss", "platform-team", "spares are cheaper",
                                   LATER, Ceiling("eal_per_year", 2 * eal), "alice", today=TODAY)
    assert accepted.value_at_acceptance == pytest.approx(eal)
    (decision,) = store.risk_decisions(session.id)  # the accept decision is recorded with it
    assert (decision.decision, decision.owner, decision.due_date, decision.note) == (
        "accept", "platform-team", LATER, "spares are cheaper")
    ledger = check_ledger(store, session.id, model, TODAY)
    assert [e.status for e in ledger.entries] == ["holding"] and not ledger.reopened
    store.record_edit(session.id, edit_frequency(0.25))  # 2.5× the rate: EAL 2.5× its value, over 2×
    edited = analyse(loaded, store.edits(session.id)).model
    ledger = check_ledger(store, session.id, edited, TODAY)
    (entry,) = ledger.reopened
    assert entry.reasons == ("over_ceiling",) and entry.now.value == pytest.approx(2.5 * eal)
    assert entry.reopening is not None and entry.reopening.session_id == session.id
    check_ledger(store, session.id, edited, TODAY)
    _, reopenings = store.ledger_records(loaded.scenario.name)
    assert len(reopenings) == 1  # recorded once, however often it is checked
    # the next session, on the scenario without that edit: the reopening is still shown
    later = store.create_session("next review", loaded, "carol")
    (entry,) = check_ledger(store, later.id, analyse(loaded).model, TODAY).entries
    assert entry.status == "reopened" and entry.reasons == () and entry.reopening.reason == "over_ceiling"
    # accepted again, it holds again; history keeps both acceptances and the reopening
    accept_with_ceiling(store, later.id, analyse(loaded).model, "node-loss", "platform-team", "reviewed again",
                        LATER, Ceiling("eal_per_year", 3 * eal), "carol", today=TODAY)
    (entry,) = check_ledger(store, later.id, analyse(loaded).model, TODAY).entries
    assert entry.status == "holding" and entry.acceptance.reason == "reviewed again"
    acceptances, reopenings = store.ledger_records(loaded.scenario.name)
    assert [a.reason for a in acceptances] == ["spares are cheaper", "reviewed again"] and len(reopenings) == 1


def test_the_date_passing_reopens_it(setup):
    _, loaded, store, session = setup
    model = analyse(loaded).model
    accept_with_ceiling(store, session.id, model, "zone-loss", "infra", "two zones are enough for now",
                        date(2027, 1, 15), Ceiling("budget_share", 0.9), "alice", today=TODAY)
    assert check_ledger(store, session.id, model, date(2027, 1, 15)).entries[0].status == "holding"
    (entry,) = check_ledger(store, session.id, model, date(2027, 1, 16)).reopened
    assert entry.reasons == ("expired",)


def test_budget_share_is_measured_on_the_worst_hit_service(setup):
    _, loaded, store, session = setup
    analysis = analyse(loaded)
    measured = RiskMeter(analysis.model).measure("zone-loss", None, "budget_share")
    budgets = {s.name: s for s in analysis.register.services}
    from riskmodel.engine.register import mode_bad_minutes

    per_mode = mode_bad_minutes(analysis.model, analysis.model.evaluate())[analysis.model.mode_position["zone-loss"]]
    shares = {name: per_mode[i] / budgets[name].error_budget_minutes
              for i, name in enumerate(analysis.model.index.service_names)}
    assert measured.service == max(shares, key=shares.get) and measured.value == pytest.approx(max(shares.values()))
    with pytest.raises(InvalidReviewValue, match="over the ceiling"):
        accept_with_ceiling(store, session.id, analysis.model, "zone-loss", "infra", "fine", LATER,
                            Ceiling("budget_share", measured.value / 2), "alice", today=TODAY)


@pytest.mark.parametrize(("owner", "reason", "expires", "ceiling", "words"), [
    ("", "r", LATER, Ceiling("eal_per_year", 1e9), "needs an owner"),
    ("o", " ", LATER, Ceiling("eal_per_year", 1e9), "needs a reason"),
    ("o", "r", TODAY, Ceiling("eal_per_year", 1e9), "is not after today"),
    ("o", "r", LATER, Ceiling("budget_share", 1.5), "expected a share of the budget in (0, 1]"),
    ("o", "r", LATER, Ceiling("eal_per_year", 0), "expected dollars a year > 0"),
])
def test_an_acceptance_needs_owner_reason_future_date_and_a_real_ceiling(setup, owner, reason, expires, ceiling,
                                                                          words):
    _, loaded, store, session = setup
    with pytest.raises(InvalidReviewValue, match=words.replace("(", r"\(").replace(")", r"\)")):
        accept_with_ceiling(store, session.id, analyse(loaded).model, "node-loss", owner, reason, expires, ceiling,
                            "alice", today=TODAY)
    assert store.ledger_records(loaded.scenario.name) == ([], [])


def test_a_schema_2_database_is_migrated_in_place(setup, tmp_path):
    _, loaded, store, session = setup
    store.close()
    path = tmp_path / "reviews.sqlite3"
    with sqlite3.connect(path) as conn:  # what a schema-2 file holds: no ledger tables
        conn.execute("DROP TABLE acceptance_events")
        conn.execute("DROP TABLE acceptances")
        conn.execute("UPDATE schema_version SET version = 2")
    reopened = ReviewStore(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)] == [(3,)]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"acceptances", "acceptance_events", "plans", "sessions"} <= tables
    assert reopened.get_session(session.id).name == "ledger review"
    accept_with_ceiling(reopened, session.id, analyse(loaded).model, "node-loss", "o", "r", LATER,
                        Ceiling("eal_per_year", 1e9), "alice", today=TODAY)
    assert len(reopened.ledger_records(loaded.scenario.name)[0]) == 1


def test_the_ledger_command_exits_1_when_an_acceptance_is_reopened(setup, tmp_path, capsys):
    path, loaded, store, session = setup
    accept_node_loss_within_twice_its_loss(setup)
    db = str(tmp_path / "reviews.sqlite3")
    argv = ["ledger", str(path), "--session", session.id, "--db", db, "--today", "2026-12-02"]
    assert main(argv) == 0
    assert "1, 0 reopened, 1 holding" in capsys.readouterr().out
    store.record_edit(session.id, edit_frequency(0.25))
    assert main([*argv, "--format", "json"]) == 1
    (entry,) = json.loads(capsys.readouterr().out)["entries"]
    assert entry["status"] == "reopened" and entry["reasons"] == ["over_ceiling"]
    assert main(argv) == 1
    table = capsys.readouterr().out
    assert "REOPENED" in table and "over its ceiling" in table and "platform-team" in table
    assert main(["ledger", str(path), "--session", "nope", "--db", db]) == 2
    assert "no review session with id 'nope'" in capsys.readouterr().err


def test_the_exports_carry_the_ledger(setup):
    from riskmodel.report.document import document_for_session
    from riskmodel.report.export import to_csv, to_json, to_markdown

    _, loaded, store, session = setup
    accept_node_loss_within_twice_its_loss(setup, "spares | cheaper")
    eal = RiskMeter(analyse(loaded).model).measure("node-loss", None, "eal_per_year").value
    store.record_edit(session.id, edit_frequency(0.25))
    document, _, _ = document_for_session(loaded, store, session.id)
    (row,) = document.accepted_risks
    assert (row.status, row.owner, row.value_now) == ("reopened", "platform-team", pytest.approx(2.5 * eal))
    markdown = to_markdown(document)
    assert "## Accepted risks (ledger)" in markdown and "| node-loss | REOPENED | over its ceiling |" in markdown
    assert "spares \\| cheaper" in markdown  # user text escaped in the table
    (csv_row,) = [line for line in to_csv(document).splitlines() if line.startswith("accepted_risks,")]
    assert "node-loss" in csv_row and "reopened" in csv_row
    assert json.loads(to_json(document))["accepted_risks"][0]["ceiling_kind"] == "eal_per_year"
    assert store.ledger_records(loaded.scenario.name)[1] == []  # an export reads the ledger, it records nothing


def test_check_fails_the_gate_on_a_reopened_acceptance(setup, tmp_path, capsys):
    path, loaded, store, session = setup
    accept_node_loss_within_twice_its_loss(setup)
    db = str(tmp_path / "reviews.sqlite3")
    # A budget-share limit of 100 (the whole budget, times 100) keeps that rule out of the way.
    argv = ["check", str(path), "--max-budget-share", "100", "--session", session.id, "--db", db,
            "--today", "2026-12-02"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "rule accepted-risk" in out and "0 of 1 failed" in out and "accepted by platform-team" in out
    store.record_edit(session.id, edit_frequency(0.25))  # node-loss EAL × 2.5, over the ceiling of × 2
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "FAIL node-loss: accepted by platform-team until 2027-03-01" in out and "over its ceiling" in out
    assert main([*argv, "--format", "sarif"]) == 1
    (result,) = [r for r in json.loads(capsys.readouterr().out)["runs"][0]["results"] if r["ruleId"] == "accepted-risk"]
    assert result["level"] == "error" and "reopened" in result["message"]["text"]
    assert main(["check", str(path), "--db", db]) == 2
    assert "give --session ID too" in capsys.readouterr().err
