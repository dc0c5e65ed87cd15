"""Review sessions stored in SQLite: who changed which number, and what the team decided.

A risk review is an argument that lasts days; its record must survive a crashed laptop and
two browser tabs writing at once. So: one SQLite file (stdlib ``sqlite3``), WAL journal with
``synchronous=FULL`` (a committed write survives a process crash and a power loss), every
write in one ``BEGIN IMMEDIATE`` transaction (the write lock is taken up front, so two writers
queue on ``busy_timeout`` instead of failing), and per-session edit sequence numbers assigned
inside that transaction. Each :class:`ReviewStore` owns one connection, shared by threads
under a lock; several stores (tabs, processes) may open the same file.

Decisions are append-only: the latest per item wins (view ``latest_decisions``) and the
history stays. Timestamps are ISO-8601 UTC text; due dates ISO dates (``YYYY-MM-DD``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Protocol

import platformdirs

from riskmodel.errors import RiskModelError
from riskmodel.review.edits import Edit, EditKey, EditValue, check_edit, final_values, utc_now
from riskmodel.review.history_rows import (
    HISTORY_SCHEMA,
    append_decision,
    append_edit,
    copy_history,
    read_decisions,
    read_edits,
)
from riskmodel.review.ledger import Acceptance, LedgerEntry, Reopening
from riskmodel.review.ledger_rows import (
    LEDGER_SCHEMA,
    insert_acceptance,
    insert_reopenings,
    read_acceptances,
    read_reopenings,
)
from riskmodel.review.plan_rows import PLANS_TABLE, plans_from_decisions, read_plan, store_plan
from riskmodel.review.records import (
    MEASURE_DECISIONS,
    RISK_DECISIONS,
    Decision,
    DecisionKey,
    InvalidReviewValue,
    ReviewStoreError,
    Session,
    SessionComparison,
    SessionSummary,
    check_decision,
    inputs_hash,
    iso_due_date,
    iso_utc_text,
    session_from_row,
)
from riskmodel.review.storage import APPLICATION_ID, check_owner, schema_names, translated
from riskmodel.review.working_plan import WorkingPlan

SCHEMA_VERSION = 3
"""1: sessions, edits, decisions. 2: adds ``plans``, the working plan of each session. 3: adds
``acceptances`` and ``acceptance_events``, the accepted-risk ledger."""
BUSY_TIMEOUT_MS = 15_000
"""How long a writer waits for another writer's transaction before giving up (milliseconds)."""


class UnknownSession(RiskModelError):
    """A session id that is not in the store (deleted, mistyped, or another database file)."""


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, name TEXT NOT NULL, scenario_path TEXT NOT NULL,"
    " scenario_name TEXT NOT NULL, input_hashes TEXT NOT NULL, inputs_hash TEXT NOT NULL,"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL, created_by TEXT NOT NULL,"
    " parent_id TEXT REFERENCES sessions(id) ON DELETE SET NULL, notes TEXT NOT NULL DEFAULT '')",
    *HISTORY_SCHEMA,
    PLANS_TABLE,
    *LEDGER_SCHEMA,
)
_KNOWN_NAMES = schema_names(_SCHEMA) | {"schema_version"}


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class ScenarioInputs(Protocol):
    """What a session needs from a loaded scenario (:class:`riskmodel.sources.scenario.LoadedScenario`)."""

    @property
    def path(self) -> str: ...
    @property
    def scenario(self) -> _Named: ...
    @property
    def input_hashes(self) -> Mapping[str, str]: ...


REVIEW_DB_VARIABLE = "RISKMODEL_REVIEW_DB"


def default_path() -> Path:
    """``$RISKMODEL_REVIEW_DB`` if set, else ``<user data dir>/riskmodel/reviews.sqlite3`` (reviews
    outlive the checkout they ran in). The app and the CLI both open this one."""
    configured = os.environ.get(REVIEW_DB_VARIABLE)
    return Path(configured) if configured else Path(platformdirs.user_data_dir("riskmodel")) / "reviews.sqlite3"


class ReviewStore:
    """Review sessions in one SQLite file; safe for several threads and several store objects."""

    def __init__(self, path: Path | str | None = None) -> None:
        """Open (creating if needed) the database at ``path``; default: :func:`default_path`."""
        self.path = Path(path) if path is not None else default_path()
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
        except (sqlite3.Error, OSError) as error:
            raise ReviewStoreError(f"{self.path}: cannot create the review database ({error})") from None
        self._conn.row_factory = sqlite3.Row
        try:
            for pragma in (f"busy_timeout = {BUSY_TIMEOUT_MS}", "foreign_keys = ON"):
                self._conn.execute(f"PRAGMA {pragma}")
            if check_owner(self._conn, self.path, _KNOWN_NAMES):  # before anything is written into the file
                self._conn.execute("PRAGMA journal_mode = WAL")
                self._migrate()
            else:  # up to date: open without a write, so a read-only database still reads
                self._conn.execute("PRAGMA synchronous = FULL")
                self._check_version(self._conn)
        except (sqlite3.DatabaseError, ReviewStoreError) as error:
            self._conn.close()
            if isinstance(error, ReviewStoreError):
                raise
            raise ReviewStoreError(
                f"{self.path}: cannot open the review database ({error}); "
                "expected a SQLite file written by riskmodel, or a new path"
            ) from None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def _write(self, action: str = "record the change") -> Iterator[sqlite3.Connection]:
        """One write transaction: write lock taken at BEGIN, committed or rolled back as a whole.

        A storage fault (full disk, read-only file system, damaged file) is a ReviewStoreError
        saying that nothing of this transaction was written."""
        with self._lock, translated(self.path, action, writing=True):
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                with self._conn:
                    yield self._conn
            finally:
                if self._conn.in_transaction:  # a COMMIT that failed (disk full) leaves it open
                    self._conn.rollback()

    @contextmanager
    def _read(self, action: str = "read the review sessions") -> Iterator[sqlite3.Connection]:
        """One read transaction, so several queries see the same snapshot."""
        with self._lock, translated(self.path, action, writing=False):
            self._conn.execute("BEGIN")
            with self._conn:
                yield self._conn

    def _check_version(self, conn: sqlite3.Connection) -> int | None:
        version: int | None = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
        if version is not None and version > SCHEMA_VERSION:
            raise ReviewStoreError(
                f"{self.path}: written by a newer riskmodel (schema {version}); "
                f"expected schema {SCHEMA_VERSION} or older"
            )
        return version

    def _migrate(self) -> None:
        with self._write("set up the review database") as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            version = self._check_version(conn)
            for statement in _SCHEMA:
                conn.execute(statement)
            if version is None:
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
            elif version < SCHEMA_VERSION:  # 2 → 3 adds only new (empty) tables, created above
                if version < 2:
                    plans_from_decisions(conn)
                conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    def plan(self, session_id: str) -> WorkingPlan:
        """The session's working plan (a new session's: the default budget, nothing pinned)."""
        with self._read() as conn:
            self._session_row(conn, session_id)
            return read_plan(conn, session_id)

    def set_plan(self, session_id: str, plan: WorkingPlan, who: str) -> None:
        """Replace the session's working plan (budget, pinned and excluded measures)."""
        with self._write() as conn:
            self._session_row(conn, session_id)
            store_plan(conn, session_id, plan, who)
            self._touch(conn, session_id)

    def _session_row(self, conn: sqlite3.Connection, session_id: str) -> sqlite3.Row:
        row: sqlite3.Row | None = conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise UnknownSession(
                f"no review session with id {session_id!r} in {self.path}; expected an id from the session list"
            )
        return row

    def _touch(self, conn: sqlite3.Connection, session_id: str) -> None:
        conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (iso_utc_text(utc_now()), session_id))

    def create_session(self, name: str, loaded: ScenarioInputs, created_by: str, notes: str = "") -> Session:
        """Open a new session on loaded inputs, recording the hash of every input file."""
        if not name.strip():
            raise InvalidReviewValue("a review session needs a name; got an empty name")
        session_id, now = uuid.uuid4().hex, iso_utc_text(utc_now())
        hashes = dict(loaded.input_hashes)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO sessions (id, name, scenario_path, scenario_name, input_hashes, inputs_hash,"
                " created_at, updated_at, created_by, parent_id, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                (session_id, name, str(loaded.path), loaded.scenario.name, json.dumps(hashes, sort_keys=True),
                 inputs_hash(hashes), now, now, created_by, notes),
            )
        return self.get_session(session_id)

    def get_session(self, session_id: str) -> Session:
        with self._read() as conn:
            return session_from_row(self._session_row(conn, session_id))

    def list_sessions(self) -> list[SessionSummary]:
        """Every session, most recently changed first, with its edit and current-decision counts."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT s.*, (SELECT COUNT(*) FROM edits e WHERE e.session_id = s.id) AS edit_count,"
                " (SELECT COUNT(*) FROM latest_decisions d WHERE d.session_id = s.id) AS decision_count"
                " FROM sessions s ORDER BY s.updated_at DESC, s.id"
            ).fetchall()
        return [SessionSummary(session_from_row(row), row["edit_count"], row["decision_count"]) for row in rows]

    def set_notes(self, session_id: str, notes: str) -> None:
        with self._write() as conn:
            self._session_row(conn, session_id)
            conn.execute("UPDATE sessions SET notes = ? WHERE id = ?", (notes, session_id))
            self._touch(conn, session_id)

    def record_edit(self, session_id: str, edit: Edit) -> int:
        """Append an edit; returns its sequence number (1, 2, … per session, gap-free)."""
        check_edit(edit)
        with self._write() as conn:
            self._session_row(conn, session_id)
            seq = append_edit(conn, session_id, edit)
            self._touch(conn, session_id)
        return seq

    def edit_records(self, session_id: str) -> list[tuple[int, Edit]]:
        """Every edit of a session with its sequence number, in order."""
        with self._read() as conn:
            self._session_row(conn, session_id)
            return read_edits(conn, session_id)

    def edits(self, session_id: str) -> list[Edit]:
        """Every edit of a session in order; feed to :func:`riskmodel.review.edits.apply_edits`."""
        return [edit for _, edit in self.edit_records(session_id)]

    def overrides(self, session_id: str) -> dict[EditKey, EditValue]:
        """The final value of each edited field: what this session changes in the inputs."""
        return final_values(self.edits(session_id))

    def _decide(self, session_id: str, kind: str, item_id: str, decision: str, owner: str,
                due_date: date | str | None, note: str, who: str, unit: str | None) -> Decision:
        check_decision(kind, item_id, decision)
        with self._write() as conn:
            self._session_row(conn, session_id)
            recorded = append_decision(conn, session_id, kind, item_id, unit, decision, owner,
                                       iso_due_date(due_date), note, who, utc_now())
            if kind == "measure":
                store_plan(conn, session_id, read_plan(conn, session_id).after_decision(item_id, decision), who)
            self._touch(conn, session_id)
        return recorded

    def decide_risk(self, session_id: str, failure_mode_id: str, decision: str, owner: str,
                    due_date: date | str | None, note: str, who: str, unit: str | None = None) -> Decision:
        """Record accept / mitigate / transfer / avoid for a failure mode (optionally one node or zone)."""
        return self._decide(session_id, "risk", failure_mode_id, decision, owner, due_date, note, who, unit)

    def decide_measure(self, session_id: str, measure_id: str, decision: str, owner: str,
                       due_date: date | str | None, note: str, who: str) -> Decision:
        """Record approve / reject / defer for a measure; the session's plan pins an approved
        measure and excludes a rejected or deferred one (in the same transaction)."""
        return self._decide(session_id, "measure", measure_id, decision, owner, due_date, note, who, None)

    def _decisions(self, session_id: str, latest: bool, kind: str | None) -> list[Decision]:
        with self._read() as conn:
            self._session_row(conn, session_id)
            return read_decisions(conn, session_id, latest, kind)

    def risk_decisions(self, session_id: str) -> list[Decision]:
        """The current (latest) decision per failure mode and unit."""
        return self._decisions(session_id, True, "risk")

    def measure_decisions(self, session_id: str) -> list[Decision]:
        """The current (latest) decision per measure."""
        return self._decisions(session_id, True, "measure")

    def decision_history(self, session_id: str) -> list[Decision]:
        """Every decision ever recorded in the session, oldest first."""
        return self._decisions(session_id, False, None)

    def accept_risk(self, acceptance: Acceptance) -> Acceptance:
        """Record an acceptance and the matching ``accept`` decision, in one transaction; returns it
        with its id. The caller measured and checked it (:func:`riskmodel.review.ledger_check.accept_with_ceiling`)."""
        with self._write() as conn:
            self._session_row(conn, acceptance.session_id)
            stored = dataclasses.replace(acceptance, id=insert_acceptance(conn, acceptance))
            append_decision(conn, acceptance.session_id, "risk", acceptance.failure_mode_id, acceptance.unit, "accept",
                            acceptance.owner, acceptance.expires_on.isoformat(), acceptance.reason, acceptance.who,
                            acceptance.at)
            self._touch(conn, acceptance.session_id)
        return stored

    def ledger_records(self, scenario_name: str) -> tuple[list[Acceptance], list[Reopening]]:
        """Every acceptance and reopening on a scenario (all sessions), oldest first."""
        with self._read() as conn:
            return read_acceptances(conn, scenario_name), read_reopenings(conn, scenario_name)

    def record_reopenings(self, session_id: str, entries: list[LedgerEntry]) -> list[Reopening]:
        """Record the reopenings the ledger found that are not recorded yet; returns the new ones."""
        if not any(entry.to_record for entry in entries):
            return []
        with self._write() as conn:
            self._session_row(conn, session_id)
            return insert_reopenings(conn, session_id, entries, utc_now())

    def duplicate_session(self, session_id: str, name: str, created_by: str) -> Session:
        """A copy to try another plan: same inputs, all edits, current decisions, the plan; parent set."""
        if not name.strip():
            raise InvalidReviewValue("a review session needs a name; got an empty name")
        new_id, now = uuid.uuid4().hex, iso_utc_text(utc_now())
        with self._write() as conn:
            self._session_row(conn, session_id)
            conn.execute(
                "INSERT INTO sessions SELECT ?, ?, scenario_path, scenario_name, input_hashes, inputs_hash,"
                " ?, ?, ?, id, notes FROM sessions WHERE id = ?", (new_id, name, now, now, created_by, session_id),
            )
            copy_history(conn, session_id, new_id)
            conn.execute("INSERT INTO plans SELECT ?, budget_per_year, pinned_ids, excluded_ids, ?, ? FROM plans"
                         " WHERE session_id = ?", (new_id, created_by, now, session_id))
        return self.get_session(new_id)

    def compare_sessions(self, a: str, b: str) -> SessionComparison:
        """What differs between two sessions: inputs, final edited values, current decisions."""
        session_a, session_b = self.get_session(a), self.get_session(b)
        hashes_a, hashes_b = session_a.input_hashes, session_b.input_hashes
        inputs = {file: (hashes_a.get(file), hashes_b.get(file))
                  for file in sorted(hashes_a.keys() | hashes_b.keys()) if hashes_a.get(file) != hashes_b.get(file)}
        values_a, values_b = self.overrides(a), self.overrides(b)
        decided_a = {d.key: d for d in self.risk_decisions(a) + self.measure_decisions(a)}
        decided_b = {d.key: d for d in self.risk_decisions(b) + self.measure_decisions(b)}
        decisions: dict[DecisionKey, tuple[Decision | None, Decision | None]] = {}
        for key in sorted(decided_a.keys() | decided_b.keys()):
            first, second = decided_a.get(key), decided_b.get(key)
            if (first.terms if first else None) != (second.terms if second else None):
                decisions[key] = (first, second)
        return SessionComparison(
            a=session_a, b=session_b, inputs_changed=inputs,
            edits_only_a={key: value for key, value in values_a.items() if key not in values_b},
            edits_only_b={key: value for key, value in values_b.items() if key not in values_a},
            edits_differ={key: (values_a[key], values_b[key]) for key in sorted(values_a.keys() & values_b.keys())
                          if values_a[key] != values_b[key]},
            decisions_differ=decisions, overrides_a=values_a, overrides_b=values_b,
            plan_a=self.plan(a), plan_b=self.plan(b),
        )


__all__ = [
    "MEASURE_DECISIONS", "RISK_DECISIONS", "Decision", "InvalidReviewValue", "ReviewStore", "ReviewStoreError",
    "ScenarioInputs", "Session", "SessionComparison", "SessionSummary", "UnknownSession", "default_path", "inputs_hash",
]
