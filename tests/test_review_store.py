"""Review sessions in SQLite: round trips, latest-wins decisions, copies, comparisons, crashes, races."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from riskmodel.errors import InputError, RiskModelError
from riskmodel.review.edits import Edit
from riskmodel.review.store import (
    SCHEMA_VERSION,
    InvalidReviewValue,
    ReviewStore,
    ReviewStoreError,
    UnknownSession,
    inputs_hash,
)
from riskmodel.sources.scenario import load_scenario

PROJECT_ROOT = Path(__file__).resolve().parent.parent
AT = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)


def inputs(hashes: dict[str, str] | None = None) -> SimpleNamespace:
    """A LoadedScenario look-alike: just what a session records."""
    hashes = hashes if hashes is not None else {"s.yaml": "aa", "c.yaml": "bb", "ev/nodes.json": "cc"}
    return SimpleNamespace(path="s.yaml", scenario=SimpleNamespace(name="demo"), input_hashes=hashes)


def slo_edit(value: object, who: str = "alice", old: object = 0.999, why: str = "") -> Edit:
    return Edit("service", "shop", "slo", old, value, who=who, why=why)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> ReviewStore:
    with ReviewStore(tmp_path / "reviews.sqlite3") as opened:
        yield opened


def test_session_round_trip_and_listing(store: ReviewStore, tmp_path: Path) -> None:
    session = store.create_session("Q3 review", inputs(), created_by="alice", notes="first pass")
    assert len(session.id) == 32 and session.parent_id is None
    assert session.input_hashes == {"s.yaml": "aa", "c.yaml": "bb", "ev/nodes.json": "cc"}
    assert session.inputs_hash == inputs_hash(session.input_hashes) != inputs_hash({"s.yaml": "aa"})
    assert session.created_at.tzinfo == UTC and session.updated_at == session.created_at
    store.record_edit(session.id, slo_edit(0.99))
    store.decide_measure(session.id, "hw", "approve", "bob", "2026-09-30", "", "alice")
    store.set_notes(session.id, "second pass")
    with ReviewStore(tmp_path / "reviews.sqlite3") as reopened:
        again = reopened.get_session(session.id)
        (summary,) = reopened.list_sessions()
    assert again.notes == "second pass" and again.name == "Q3 review" and again.created_by == "alice"
    assert again.updated_at > session.updated_at
    assert (summary.session, summary.edit_count, summary.decision_count) == (again, 1, 1)


def test_session_from_a_loaded_scenario(store: ReviewStore, scenario_files) -> None:
    loaded = load_scenario(scenario_files())
    session = store.create_session("real", loaded, created_by="alice")
    assert session.scenario_name == "small" and session.scenario_path == loaded.path
    assert session.input_hashes == loaded.input_hashes and len(session.input_hashes) == 2


def test_edits_round_trip_in_order(store: ReviewStore) -> None:
    session = store.create_session("r", inputs(), "alice")
    interval = Edit("failure_mode", "zone-loss", "frequency_per_year", {"low": 0.01, "high": 0.1},
                    {"low": 0.02, "high": 0.5}, who="bob", why="vendor data", at=AT)
    unset = Edit("measure", "hw", "effect.impact_factor", None, 0.5, who="carol", at=AT)
    assert [store.record_edit(session.id, e) for e in (slo_edit(0.99), interval, unset)] == [1, 2, 3]
    stored = store.edits(session.id)
    assert stored[1:] == [interval, unset] and stored[0].new_value == 0.99
    assert [seq for seq, _ in store.edit_records(session.id)] == [1, 2, 3]
    store.record_edit(session.id, slo_edit(0.995))
    assert store.overrides(session.id) == {
        ("service", "shop", "slo"): 0.995,
        ("failure_mode", "zone-loss", "frequency_per_year"): {"low": 0.02, "high": 0.5},
        ("measure", "hw", "effect.impact_factor"): 0.5,
    }


def test_unknown_session_and_bad_edit_are_clear_errors(store: ReviewStore) -> None:
    session = store.create_session("r", inputs(), "alice")
    with pytest.raises(UnknownSession, match="no review session with id 'nope'"):
        store.get_session("nope")
    with pytest.raises(UnknownSession):
        store.record_edit("nope", slo_edit(0.99))
    with pytest.raises(InputError, match="cannot be edited on a service"):
        store.record_edit(session.id, Edit("service", "shop", "name", None, 1.0, who="a"))
    assert store.edits(session.id) == []
    assert issubclass(UnknownSession, RiskModelError) and issubclass(InvalidReviewValue, RiskModelError)


def test_decisions_latest_wins_per_item_and_history_is_kept(store: ReviewStore) -> None:
    sid = store.create_session("r", inputs(), "alice").id
    store.decide_risk(sid, "node-loss", "accept", "bob", None, "cheap enough", "alice", unit="n1")
    store.decide_risk(sid, "node-loss", "mitigate", "bob", date(2026, 6, 1), "after outage", "carol", unit="n1")
    store.decide_risk(sid, "node-loss", "transfer", "dan", "2026-07-01", "", "alice", unit="n2")
    store.decide_risk(sid, "node-loss", "avoid", "erin", None, "", "alice")
    store.decide_measure(sid, "hw", "defer", "bob", None, "", "alice")
    store.decide_measure(sid, "hw", "approve", "bob", "2026-08-01", "budget ok", "alice")
    risks = {(d.item_id, d.unit): d for d in store.risk_decisions(sid)}
    assert {key: d.decision for key, d in risks.items()} == {
        ("node-loss", "n1"): "mitigate", ("node-loss", "n2"): "transfer", ("node-loss", None): "avoid"}
    assert risks[("node-loss", "n1")].due_date == date(2026, 6, 1) and risks[("node-loss", "n1")].who == "carol"
    (hw,) = store.measure_decisions(sid)
    assert (hw.decision, hw.due_date, hw.note) == ("approve", date(2026, 8, 1), "budget ok")
    history = store.decision_history(sid)
    assert [d.decision for d in history] == ["accept", "mitigate", "transfer", "avoid", "defer", "approve"]
    assert all(d.at.tzinfo == UTC for d in history)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s, sid: s.decide_risk(sid, "node-loss", "ignore", "bob", None, "", "a"),
         "'ignore' is not a risk decision for failure mode 'node-loss'; expected one of: accept, mitigate, "
         "transfer, avoid"),
        (lambda s, sid: s.decide_measure(sid, "hw", "accept", "bob", None, "", "a"),
         "'accept' is not a measure decision for measure 'hw'; expected one of: approve, reject, defer"),
        (lambda s, sid: s.decide_measure(sid, "hw", "approve", "bob", "next friday", "", "a"),
         "due date 'next friday' is not a date; expected an ISO date YYYY-MM-DD"),
        (lambda s, sid: s.decide_risk(sid, "node-loss", "accept", "bob", "2026-02-30", "", "a"), "is not a date"),
        (lambda s, sid: s.decide_risk(sid, "", "accept", "bob", None, "", "a"), "needs a failure mode id"),
        (lambda s, sid: s.create_session("  ", inputs(), "a"), "needs a name"),
    ],
)
def test_invalid_decisions_are_rejected_with_a_clear_message(store: ReviewStore, call, message: str) -> None:
    sid = store.create_session("r", inputs(), "alice").id
    with pytest.raises(InvalidReviewValue) as raised:
        call(store, sid)
    assert message in str(raised.value)
    assert store.decision_history(sid) == []


def test_duplicate_copies_edits_and_current_decisions(store: ReviewStore) -> None:
    source = store.create_session("base", inputs(), "alice", notes="keep")
    store.record_edit(source.id, slo_edit(0.99))
    store.record_edit(source.id, slo_edit(0.995))
    store.decide_measure(source.id, "hw", "defer", "bob", None, "", "alice")
    store.decide_measure(source.id, "hw", "approve", "bob", "2026-08-01", "", "alice")
    copy = store.duplicate_session(source.id, "variant", created_by="bob")
    assert (copy.parent_id, copy.created_by, copy.notes) == (source.id, "bob", "keep")
    assert copy.input_hashes == source.input_hashes and copy.inputs_hash == source.inputs_hash
    assert store.edit_records(copy.id) == store.edit_records(source.id)
    assert [d.decision for d in store.decision_history(copy.id)] == ["approve"]
    assert store.record_edit(copy.id, slo_edit(0.9)) == 3
    assert len(store.edits(source.id)) == 2
    with pytest.raises(UnknownSession):
        store.duplicate_session("missing", "x", "bob")


def test_compare_sessions(store: ReviewStore) -> None:
    a = store.create_session("a", inputs(), "alice").id
    b = store.create_session("b", inputs({"s.yaml": "aa", "c.yaml": "b2", "new.json": "dd"}), "bob").id
    store.record_edit(a, slo_edit(0.99))
    store.record_edit(b, slo_edit(0.95))
    store.record_edit(a, Edit("measure", "hw", "cost.per_year", 1000.0, 2000.0, who="alice"))
    store.record_edit(b, Edit("failure_mode", "node-loss", "repair_minutes", 120.0, 60.0, who="bob"))
    for sid, same_owner in ((a, "bob"), (b, "bob")):
        store.decide_measure(sid, "runbooks", "approve", same_owner, "2026-01-31", "", "x")
    store.decide_measure(a, "hw", "approve", "bob", None, "", "x")
    store.decide_measure(b, "hw", "reject", "bob", None, "", "x")
    store.decide_risk(b, "zone-loss", "accept", "carol", None, "", "x", unit="zone-a")
    diff = store.compare_sessions(a, b)
    assert not diff.same_inputs
    assert diff.inputs_changed == {"c.yaml": ("bb", "b2"), "ev/nodes.json": ("cc", None), "new.json": (None, "dd")}
    assert diff.edits_only_a == {("measure", "hw", "cost.per_year"): 2000.0}
    assert diff.edits_only_b == {("failure_mode", "node-loss", "repair_minutes"): 60.0}
    assert diff.edits_differ == {("service", "shop", "slo"): (0.99, 0.95)}
    assert set(diff.decisions_differ) == {("measure", "hw", ""), ("risk", "zone-loss", "zone-a")}
    first, second = diff.decisions_differ[("measure", "hw", "")]
    assert (first.decision, second.decision) == ("approve", "reject")
    assert diff.decisions_differ[("risk", "zone-loss", "zone-a")][0] is None
    assert diff.overrides_a == store.overrides(a) and diff.overrides_b == store.overrides(b)
    assert store.compare_sessions(a, store.duplicate_session(a, "copy", "x").id).decisions_differ == {}


def test_database_settings_and_default_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("platformdirs.user_data_dir", lambda app: str(tmp_path / "data" / app))
    with ReviewStore() as default:
        assert default.path == tmp_path / "data" / "riskmodel" / "reviews.sqlite3" and default.path.exists()
    raw = sqlite3.connect(tmp_path / "data" / "riskmodel" / "reviews.sqlite3")
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    raw.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    raw.commit()
    raw.close()
    with pytest.raises(ReviewStoreError, match="newer riskmodel"):
        ReviewStore(tmp_path / "data" / "riskmodel" / "reviews.sqlite3")
    (tmp_path / "junk.sqlite3").write_bytes(b"this is not a database, just some text " * 50)
    with pytest.raises(ReviewStoreError, match="junk.sqlite3: cannot open the review database"):
        ReviewStore(tmp_path / "junk.sqlite3")


CHILD = """
import sqlite3, sys, time
from riskmodel.review.edits import Edit
from riskmodel.review.store import ReviewStore
store = ReviewStore(sys.argv[1])
for index in range(int(sys.argv[3])):
    seq = store.record_edit(sys.argv[2], Edit("service", "shop", "slo", None, 0.9, who="child", why=str(index)))
    print(seq, flush=True)
raw = sqlite3.connect(sys.argv[1], isolation_level=None)
raw.execute("BEGIN IMMEDIATE")
raw.execute("INSERT INTO edits VALUES (?, 9999, 'child', 'x', 'service', 'shop', 'slo', 'null', '0.5', '')",
            (sys.argv[2],))
print("open", flush=True)
time.sleep(60)
"""


def _run_and_kill(db: Path, session_id: str, edits: int, kill_after: str) -> list[str]:
    """Run CHILD, SIGKILL it as soon as it prints ``kill_after``; return what it printed."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db), session_id, str(edits)],
                             cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    printed: list[str] = []
    assert child.stdout is not None
    for line in child.stdout:
        printed.append(line.strip())
        if printed[-1] == kill_after:
            break
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    return printed


def _check_intact(db: Path, session_id: str) -> list[int]:
    with ReviewStore(db) as reopened:
        seqs = [seq for seq, _ in reopened.edit_records(session_id)]
        raw = sqlite3.connect(db)
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        raw.close()
        assert reopened.record_edit(session_id, slo_edit(0.5)) == len(seqs) + 1  # write lock was released
    return seqs


def test_kill_mid_way_keeps_every_committed_edit(tmp_path: Path) -> None:
    db = tmp_path / "reviews.sqlite3"
    with ReviewStore(db) as store:
        sid = store.create_session("crash", inputs(), "alice").id
    printed = _run_and_kill(db, sid, edits=100_000, kill_after="40")  # killed while still writing
    seqs = _check_intact(db, sid)
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 40
    assert {int(seq) for seq in printed} <= set(seqs)


def test_kill_inside_an_open_transaction_loses_only_that_transaction(tmp_path: Path) -> None:
    db = tmp_path / "reviews.sqlite3"
    with ReviewStore(db) as store:
        sid = store.create_session("crash", inputs(), "alice").id
    printed = _run_and_kill(db, sid, edits=25, kill_after="open")
    assert printed[-2:] == ["25", "open"]
    assert _check_intact(db, sid) == list(range(1, 26))


@pytest.mark.parametrize("shared", [False, True], ids=["two-stores", "one-shared-store"])
def test_two_writers_get_unique_gap_free_sequence_numbers(tmp_path: Path, shared: bool) -> None:
    db = tmp_path / "reviews.sqlite3"
    stores = [ReviewStore(db)] * 2 if shared else [ReviewStore(db), ReviewStore(db)]
    sid = stores[0].create_session("race", inputs(), "alice").id
    returned: dict[str, list[int]] = {"tab-1": [], "tab-2": []}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def write(store: ReviewStore, who: str) -> None:
        start.wait()
        try:
            for index in range(200):
                returned[who].append(store.record_edit(sid, slo_edit(0.9, who=who, why=str(index))))
        except BaseException as error:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(store, who)) for store, who in zip(stores, returned, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    records = stores[1].edit_records(sid)
    assert [seq for seq, _ in records] == list(range(1, 401))
    assert sorted(returned["tab-1"] + returned["tab-2"]) == list(range(1, 401))
    for who, seqs in returned.items():  # each writer's own edits stay in its order
        assert [int(e.why) for seq, e in records if e.who == who] == list(range(200)) and seqs == sorted(seqs)
    for store in set(stores):
        store.close()
