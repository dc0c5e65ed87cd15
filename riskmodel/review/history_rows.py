"""The append-only history of a review store: the ``edits`` and ``decisions`` tables (schema 1).

Functions on an open connection inside the caller's transaction, like
:mod:`riskmodel.review.plan_rows` and :mod:`riskmodel.review.ledger_rows`: the store decides
what a transaction holds (a measure's decision and the plan it changes, an acceptance and its
``accept`` decision), these say how a row is written and read.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime

from riskmodel.review.edits import Edit
from riskmodel.review.records import Decision, decision_from_row, edit_from_row, iso_utc_text

HISTORY_SCHEMA = (
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
"""The tables, the index and the ``latest_decisions`` view (the latest decision per item wins)."""
_DECISION_COLUMNS = "item_kind, item_id, unit, decision, owner, due_date, note, who, at"
_EDIT_COLUMNS = "seq, who, at, target_kind, target_id, field, old_value, new_value, why"


def append_edit(conn: sqlite3.Connection, session_id: str, edit: Edit) -> int:
    """Append an edit with the session's next sequence number (1, 2, …, gap-free); returns it."""
    seq = int(conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM edits WHERE session_id = ?",
                           (session_id,)).fetchone()[0])
    conn.execute(
        f"INSERT INTO edits (session_id, {_EDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (session_id, seq, edit.who, iso_utc_text(edit.at), edit.target_kind, edit.target_id, edit.field,
         json.dumps(edit.old_value), json.dumps(edit.new_value), edit.why),
    )
    return seq


def read_edits(conn: sqlite3.Connection, session_id: str) -> list[tuple[int, Edit]]:
    """Every edit of a session with its sequence number, in order."""
    rows = conn.execute(f"SELECT {_EDIT_COLUMNS} FROM edits WHERE session_id = ? ORDER BY seq",
                        (session_id,)).fetchall()
    return [(row["seq"], edit_from_row(row)) for row in rows]


def append_decision(conn: sqlite3.Connection, session_id: str, kind: str, item_id: str, unit: str | None,
                    decision: str, owner: str, due_date: str | None, note: str, who: str, at: datetime) -> Decision:
    """Append a decision (``due_date`` already ``YYYY-MM-DD``; no unit is stored as ``''``); returns it."""
    conn.execute(
        f"INSERT INTO decisions (session_id, {_DECISION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (session_id, kind, item_id, unit or "", decision, owner, due_date, note, who, iso_utc_text(at)),
    )
    return Decision(kind, item_id, unit or None, decision, owner, date.fromisoformat(due_date) if due_date else None,
                    note, who, at)


def read_decisions(conn: sqlite3.Connection, session_id: str, latest: bool, kind: str | None) -> list[Decision]:
    """The latest decision per item (``latest``, by kind, item and unit) or every one oldest first;
    of one kind (``'risk'``, ``'measure'``) or all."""
    source, order = ("latest_decisions", "item_kind, item_id, unit") if latest else ("decisions", "id")
    where = "session_id = ?" + (" AND item_kind = ?" if kind else "")
    rows = conn.execute(f"SELECT {_DECISION_COLUMNS} FROM {source} WHERE {where} ORDER BY {order}",
                        (session_id, kind) if kind else (session_id,)).fetchall()
    return [decision_from_row(row) for row in rows]


def copy_history(conn: sqlite3.Connection, from_session: str, to_session: str) -> None:
    """Copy every edit and the current decisions of one session into another (a duplicate)."""
    conn.execute(f"INSERT INTO edits (session_id, {_EDIT_COLUMNS}) SELECT ?, {_EDIT_COLUMNS}"
                 " FROM edits WHERE session_id = ? ORDER BY seq", (to_session, from_session))
    conn.execute(f"INSERT INTO decisions (session_id, {_DECISION_COLUMNS}) SELECT ?, {_DECISION_COLUMNS}"
                 " FROM latest_decisions WHERE session_id = ? ORDER BY id", (to_session, from_session))
