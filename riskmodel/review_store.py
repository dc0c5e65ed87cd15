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

import hashlib
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Protocol

import platformdirs

from riskmodel.edits import Edit, EditKey, EditValue, check_edit, final_values, utc_now
from riskmodel.errors import RiskModelError

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 15_000
"""How long a writer waits for another writer's transaction before giving up (milliseconds)."""
RISK_DECISIONS = ("accept", "mitigate", "transfer", "avoid")
MEASURE_DECISIONS = ("approve", "reject", "defer")
DecisionKey = tuple[str, str, str]
"""(item_kind 'risk' | 'measure', failure mode or measure id, unit or '')."""


class UnknownSession(RiskModelError):
    """A session id that is not in the store (deleted, mistyped, or another database file)."""


class InvalidReviewValue(RiskModelError):
    """A decision, date or name a review cannot record as given."""


class ReviewStoreError(RiskModelError):
    """The database file itself cannot be used (not SQLite, or written by a newer version)."""


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, name TEXT NOT NULL, scenario_path TEXT NOT NULL,"
    " scenario_name TEXT NOT NULL, input_hashes TEXT NOT NULL, inputs_hash TEXT NOT NULL,"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL, created_by TEXT NOT NULL,"
    " parent_id TEXT REFERENCES sessions(id) ON DELETE SET NULL, notes TEXT NOT NULL DEFAULT '')",
    "CREATE TABLE IF NOT EXISTS edits (session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, who TEXT NOT NULL, at TEXT NOT NULL, target_kind TEXT NOT NULL,"
    " target_id TEXT NOT NULL, field TEXT NOT NULL, old_value TEXT NOT NULL, new_value TEXT NOT NULL,"
    " why TEXT NOT NULL DEFAULT '', PRIMARY KEY (session_id, seq))",
    "CREATE TABLE IF NOT EXISTS decisions (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    " item_kind TEXT NOT NULL CHECK (item_kind IN ('risk', 'measure')), item_id TEXT NOT NULL,"
    " unit TEXT NOT NULL DEFAULT '', decision TEXT NOT NULL, owner TEXT NOT NULL, due_date TEXT,"
    " note TEXT NOT NULL DEFAULT '', who TEXT NOT NULL, at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS decisions_item ON decisions (session_id, item_kind, item_id, unit, id)",
    "CREATE VIEW IF NOT EXISTS latest_decisions AS SELECT d.* FROM decisions d WHERE d.id = (SELECT MAX(x.id)"
    " FROM decisions x WHERE x.session_id = d.session_id AND x.item_kind = d.item_kind"
    " AND x.item_id = d.item_id AND x.unit = d.unit)",
)
_DECISION_COLUMNS = "item_kind, item_id, unit, decision, owner, due_date, note, who, at"
_EDIT_COLUMNS = "seq, who, at, target_kind, target_id, field, old_value, new_value, why"


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class ScenarioInputs(Protocol):
    """What a session needs from a loaded scenario (:class:`riskmodel.loader.LoadedScenario`)."""

    @property
    def path(self) -> str: ...
    @property
    def scenario(self) -> _Named: ...
    @property
    def input_hashes(self) -> Mapping[str, str]: ...


def default_path() -> Path:
    """``<user data dir>/riskmodel/reviews.sqlite3``: reviews outlive the checkout they ran in."""
    return Path(platformdirs.user_data_dir("riskmodel")) / "reviews.sqlite3"


def inputs_hash(input_hashes: Mapping[str, str]) -> str:
    """One sha256 over the contents of every input (scenario, catalogs, evidence).

    Built from the sorted file hashes only, not the paths, so the same inputs loaded from
    another checkout give the same hash; any changed byte of any input changes it.
    """
    return hashlib.sha256("\n".join(sorted(input_hashes.values())).encode()).hexdigest()


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Session:
    """One review session: which inputs it was opened on, by whom, and where it came from."""

    id: str
    name: str
    scenario_path: str
    scenario_name: str
    input_hashes: dict[str, str]
    inputs_hash: str
    created_at: datetime
    updated_at: datetime
    created_by: str
    parent_id: str | None
    notes: str


@dataclass(frozen=True)
class SessionSummary:
    """A row of the session list: the session plus how many edits and current decisions it has."""

    session: Session
    edit_count: int
    decision_count: int


@dataclass(frozen=True)
class Decision:
    """One decision on a risk (failure mode, optionally one unit) or on a measure."""

    item_kind: str
    item_id: str
    unit: str | None
    decision: str
    owner: str
    due_date: date | None
    note: str
    who: str
    at: datetime

    @property
    def key(self) -> DecisionKey:
        return (self.item_kind, self.item_id, self.unit or "")

    @property
    def terms(self) -> tuple[str, str, date | None, str]:
        """What was decided, without who typed it in or when: what comparisons look at."""
        return (self.decision, self.owner, self.due_date, self.note)


@dataclass(frozen=True)
class SessionComparison:
    """How two sessions differ. EAL differences come from the risk engine, fed ``overrides_*``."""

    a: Session
    b: Session
    inputs_changed: dict[str, tuple[str | None, str | None]]
    edits_only_a: dict[EditKey, EditValue]
    edits_only_b: dict[EditKey, EditValue]
    edits_differ: dict[EditKey, tuple[EditValue, EditValue]]
    decisions_differ: dict[DecisionKey, tuple[Decision | None, Decision | None]]
    overrides_a: dict[EditKey, EditValue]
    overrides_b: dict[EditKey, EditValue]

    @property
    def same_inputs(self) -> bool:
        return self.a.inputs_hash == self.b.inputs_hash


def _session(row: sqlite3.Row) -> Session:
    data = {name: row[name] for name in Session.__dataclass_fields__}
    data["input_hashes"] = json.loads(data["input_hashes"])
    data["created_at"], data["updated_at"] = map(datetime.fromisoformat, (row["created_at"], row["updated_at"]))
    return Session(**data)


def _edit(row: sqlite3.Row) -> Edit:
    return Edit(row["target_kind"], row["target_id"], row["field"], json.loads(row["old_value"]),
                json.loads(row["new_value"]), who=row["who"], why=row["why"], at=datetime.fromisoformat(row["at"]))


def _decision(row: sqlite3.Row) -> Decision:
    data = {name: row[name] for name in Decision.__dataclass_fields__}
    data.update(unit=row["unit"] or None, at=datetime.fromisoformat(row["at"]),
                due_date=date.fromisoformat(row["due_date"]) if row["due_date"] else None)
    return Decision(**data)


def _due_date(value: date | str | None) -> str | None:
    """Normalise a due date to ``YYYY-MM-DD``; a wrong one is an error, never silently dropped."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InvalidReviewValue(f"due date {value!r} is not a date; expected an ISO date YYYY-MM-DD") from None


def _check_decision(kind: str, item_id: str, decision: str) -> None:
    allowed = RISK_DECISIONS if kind == "risk" else MEASURE_DECISIONS
    what = "failure mode" if kind == "risk" else "measure"
    if not item_id:
        raise InvalidReviewValue(f"a {kind} decision needs a {what} id; got an empty id")
    if decision not in allowed:
        raise InvalidReviewValue(
            f"{decision!r} is not a {kind} decision for {what} {item_id!r}; expected one of: {', '.join(allowed)}"
        )


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
            for pragma in (f"busy_timeout = {BUSY_TIMEOUT_MS}", "foreign_keys = ON", "journal_mode = WAL",
                           "synchronous = FULL"):
                self._conn.execute(f"PRAGMA {pragma}")
            self._migrate()
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
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: write lock taken at BEGIN, committed or rolled back as a whole."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            with self._conn:
                yield self._conn

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction, so several queries see the same snapshot."""
        with self._lock:
            self._conn.execute("BEGIN")
            with self._conn:
                yield self._conn

    def _migrate(self) -> None:
        with self._write() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            version = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
            if version is not None and version > SCHEMA_VERSION:
                raise ReviewStoreError(
                    f"{self.path}: written by a newer riskmodel (schema {version}); "
                    f"expected schema {SCHEMA_VERSION} or older"
                )
            for statement in _SCHEMA:
                conn.execute(statement)
            if version is None:
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))

    def _session_row(self, conn: sqlite3.Connection, session_id: str) -> sqlite3.Row:
        row: sqlite3.Row | None = conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise UnknownSession(
                f"no review session with id {session_id!r} in {self.path}; expected an id from the session list"
            )
        return row

    def _touch(self, conn: sqlite3.Connection, session_id: str) -> None:
        conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (_timestamp(utc_now()), session_id))

    def create_session(self, name: str, loaded: ScenarioInputs, created_by: str, notes: str = "") -> Session:
        """Open a new session on loaded inputs, recording the hash of every input file."""
        if not name.strip():
            raise InvalidReviewValue("a review session needs a name; got an empty name")
        session_id, now = uuid.uuid4().hex, _timestamp(utc_now())
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
            return _session(self._session_row(conn, session_id))

    def list_sessions(self) -> list[SessionSummary]:
        """Every session, most recently changed first, with its edit and current-decision counts."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT s.*, (SELECT COUNT(*) FROM edits e WHERE e.session_id = s.id) AS edit_count,"
                " (SELECT COUNT(*) FROM latest_decisions d WHERE d.session_id = s.id) AS decision_count"
                " FROM sessions s ORDER BY s.updated_at DESC, s.id"
            ).fetchall()
        return [SessionSummary(_session(row), row["edit_count"], row["decision_count"]) for row in rows]

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
            seq = int(conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM edits WHERE session_id = ?",
                                   (session_id,)).fetchone()[0])
            conn.execute(
                f"INSERT INTO edits (session_id, {_EDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, seq, edit.who, _timestamp(edit.at), edit.target_kind, edit.target_id, edit.field,
                 json.dumps(edit.old_value), json.dumps(edit.new_value), edit.why),
            )
            self._touch(conn, session_id)
        return seq

    def edit_records(self, session_id: str) -> list[tuple[int, Edit]]:
        """Every edit of a session with its sequence number, in order."""
        with self._read() as conn:
            self._session_row(conn, session_id)
            rows = conn.execute(f"SELECT {_EDIT_COLUMNS} FROM edits WHERE session_id = ? ORDER BY seq",
                                (session_id,)).fetchall()
        return [(row["seq"], _edit(row)) for row in rows]

    def edits(self, session_id: str) -> list[Edit]:
        """Every edit of a session in order; feed to :func:`riskmodel.edits.apply_edits`."""
        return [edit for _, edit in self.edit_records(session_id)]

    def overrides(self, session_id: str) -> dict[EditKey, EditValue]:
        """The final value of each edited field: what this session changes in the inputs."""
        return final_values(self.edits(session_id))

    def _decide(self, session_id: str, kind: str, item_id: str, decision: str, owner: str,
                due_date: date | str | None, note: str, who: str, unit: str | None) -> Decision:
        _check_decision(kind, item_id, decision)
        due, at = _due_date(due_date), utc_now()
        with self._write() as conn:
            self._session_row(conn, session_id)
            conn.execute(
                f"INSERT INTO decisions (session_id, {_DECISION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, kind, item_id, unit or "", decision, owner, due, note, who, _timestamp(at)),
            )
            self._touch(conn, session_id)
        return Decision(kind, item_id, unit or None, decision, owner, date.fromisoformat(due) if due else None,
                        note, who, at)

    def decide_risk(self, session_id: str, failure_mode_id: str, decision: str, owner: str,
                    due_date: date | str | None, note: str, who: str, unit: str | None = None) -> Decision:
        """Record accept / mitigate / transfer / avoid for a failure mode (optionally one node or zone)."""
        return self._decide(session_id, "risk", failure_mode_id, decision, owner, due_date, note, who, unit)

    def decide_measure(self, session_id: str, measure_id: str, decision: str, owner: str,
                       due_date: date | str | None, note: str, who: str) -> Decision:
        """Record approve / reject / defer for a measure."""
        return self._decide(session_id, "measure", measure_id, decision, owner, due_date, note, who, None)

    def _decisions(self, session_id: str, source: str, kind: str | None) -> list[Decision]:
        where = "session_id = ?" + (" AND item_kind = ?" if kind else "")
        order = "item_kind, item_id, unit" if source == "latest_decisions" else "id"
        with self._read() as conn:
            self._session_row(conn, session_id)
            rows = conn.execute(f"SELECT {_DECISION_COLUMNS} FROM {source} WHERE {where} ORDER BY {order}",
                                (session_id, kind) if kind else (session_id,)).fetchall()
        return [_decision(row) for row in rows]

    def risk_decisions(self, session_id: str) -> list[Decision]:
        """The current (latest) decision per failure mode and unit."""
        return self._decisions(session_id, "latest_decisions", "risk")

    def measure_decisions(self, session_id: str) -> list[Decision]:
        """The current (latest) decision per measure."""
        return self._decisions(session_id, "latest_decisions", "measure")

    def decision_history(self, session_id: str) -> list[Decision]:
        """Every decision ever recorded in the session, oldest first."""
        return self._decisions(session_id, "decisions", None)

    def duplicate_session(self, session_id: str, name: str, created_by: str) -> Session:
        """A copy to try another plan: same inputs, all edits, current decisions; parent set."""
        if not name.strip():
            raise InvalidReviewValue("a review session needs a name; got an empty name")
        new_id, now = uuid.uuid4().hex, _timestamp(utc_now())
        with self._write() as conn:
            self._session_row(conn, session_id)
            conn.execute(
                "INSERT INTO sessions SELECT ?, ?, scenario_path, scenario_name, input_hashes, inputs_hash,"
                " ?, ?, ?, id, notes FROM sessions WHERE id = ?", (new_id, name, now, now, created_by, session_id),
            )
            conn.execute(f"INSERT INTO edits (session_id, {_EDIT_COLUMNS}) SELECT ?, {_EDIT_COLUMNS}"
                         " FROM edits WHERE session_id = ? ORDER BY seq", (new_id, session_id))
            conn.execute(f"INSERT INTO decisions (session_id, {_DECISION_COLUMNS}) SELECT ?, {_DECISION_COLUMNS}"
                         " FROM latest_decisions WHERE session_id = ? ORDER BY id", (new_id, session_id))
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
        )


__all__ = [
    "MEASURE_DECISIONS", "RISK_DECISIONS", "Decision", "InvalidReviewValue", "ReviewStore", "ReviewStoreError",
    "ScenarioInputs", "Session", "SessionComparison", "SessionSummary", "UnknownSession", "default_path", "inputs_hash",
]
