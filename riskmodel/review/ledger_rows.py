"""The ``acceptances`` and ``acceptance_events`` tables of a review store (schema 3).

Both are append-only: an acceptance is never changed (accepting the risk again adds a newer
one, which is then the one in force), and a reopening is an event row pointing at the
acceptance it reopened. Functions on an open connection inside the caller's transaction, as
:mod:`riskmodel.review.plan_rows`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime

from riskmodel.review.ledger import Acceptance, Ceiling, LedgerEntry, Reopening
from riskmodel.review.records import iso_utc_text

ACCEPTANCES_TABLE = (
    "CREATE TABLE IF NOT EXISTS acceptances (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, scenario_name TEXT NOT NULL,"
    " failure_mode_id TEXT NOT NULL, unit TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL, reason TEXT NOT NULL,"
    " expires_on TEXT NOT NULL, ceiling_kind TEXT NOT NULL CHECK (ceiling_kind IN ('budget_share', 'eal_per_year')),"
    " ceiling REAL NOT NULL CHECK (ceiling > 0), value_at_acceptance REAL NOT NULL, who TEXT NOT NULL,"
    " at TEXT NOT NULL)"
)
"""Ceiling and value in the ceiling's kind (a fraction of a budget, or dollars a year); dates ISO."""
ACCEPTANCE_EVENTS_TABLE = (
    "CREATE TABLE IF NOT EXISTS acceptance_events (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " acceptance_id INTEGER NOT NULL REFERENCES acceptances(id) ON DELETE CASCADE,"
    " session_id TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('reopened')), reason TEXT NOT NULL,"
    " value REAL, detail TEXT NOT NULL DEFAULT '', at TEXT NOT NULL)"
)
"""``session_id``: the session whose analysis saw it (it may be a later one than the acceptance's)."""
LEDGER_INDEX = "CREATE INDEX IF NOT EXISTS acceptances_scenario ON acceptances (scenario_name, failure_mode_id, unit, id)"
LEDGER_SCHEMA = (ACCEPTANCES_TABLE, ACCEPTANCE_EVENTS_TABLE, LEDGER_INDEX)
_COLUMNS = ("id, session_id, scenario_name, failure_mode_id, unit, owner, reason, expires_on, ceiling_kind, ceiling,"
            " value_at_acceptance, who, at")


def insert_acceptance(conn: sqlite3.Connection, acceptance: Acceptance) -> int:
    """Store a new acceptance; returns its id."""
    cursor = conn.execute(
        f"INSERT INTO acceptances ({_COLUMNS.removeprefix('id, ')}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (acceptance.session_id, acceptance.scenario_name, acceptance.failure_mode_id, acceptance.unit or "",
         acceptance.owner, acceptance.reason, acceptance.expires_on.isoformat(), acceptance.ceiling.kind,
         acceptance.ceiling.value, acceptance.value_at_acceptance, acceptance.who, iso_utc_text(acceptance.at)))
    return int(cursor.lastrowid or 0)


def _acceptance(row: sqlite3.Row) -> Acceptance:
    return Acceptance(row["id"], row["session_id"], row["scenario_name"], row["failure_mode_id"], row["unit"] or None,
                      row["owner"], row["reason"], date.fromisoformat(row["expires_on"]),
                      Ceiling(row["ceiling_kind"], row["ceiling"]), row["value_at_acceptance"], row["who"],
                      datetime.fromisoformat(row["at"]))


def read_acceptances(conn: sqlite3.Connection, scenario_name: str) -> list[Acceptance]:
    """Every acceptance ever recorded on the scenario, oldest first."""
    return [_acceptance(row) for row in conn.execute(
        f"SELECT {_COLUMNS} FROM acceptances WHERE scenario_name = ? ORDER BY id", (scenario_name,)).fetchall()]


def read_reopenings(conn: sqlite3.Connection, scenario_name: str) -> list[Reopening]:
    """Every reopening of the scenario's acceptances, oldest first."""
    rows = conn.execute(
        "SELECT e.acceptance_id, e.session_id, e.reason, e.value, e.detail, e.at FROM acceptance_events e"
        " JOIN acceptances a ON a.id = e.acceptance_id WHERE a.scenario_name = ? AND e.kind = 'reopened'"
        " ORDER BY e.id", (scenario_name,)).fetchall()
    return [Reopening(row["acceptance_id"], row["session_id"], row["reason"], row["value"], row["detail"],
                      datetime.fromisoformat(row["at"])) for row in rows]


def insert_reopenings(conn: sqlite3.Connection, session_id: str, entries: Sequence[LedgerEntry],
                      at: datetime) -> list[Reopening]:
    """Record each entry that is reopened now and not yet recorded (checked again inside the
    transaction, so two tabs never record one reopening twice)."""
    written = []
    for entry in entries:
        if not entry.to_record:
            continue
        known = conn.execute("SELECT 1 FROM acceptance_events WHERE acceptance_id = ? AND kind = 'reopened'",
                             (entry.acceptance.id,)).fetchone()
        if known:
            continue
        value = entry.now.value if entry.now else None
        detail = (f"{entry.acceptance.ceiling.kind} {value:.6g} over the ceiling {entry.acceptance.ceiling.value:.6g}"
                  if value is not None and "over_ceiling" in entry.reasons else "")
        reopening = Reopening(entry.acceptance.id, session_id, "+".join(entry.reasons), value, detail, at)
        conn.execute("INSERT INTO acceptance_events (acceptance_id, session_id, kind, reason, value, detail, at)"
                     " VALUES (?, ?, 'reopened', ?, ?, ?, ?)",
                     (reopening.acceptance_id, session_id, reopening.reason, value, detail, iso_utc_text(at)))
        written.append(reopening)
    return written


__all__ = ["LEDGER_SCHEMA", "insert_acceptance", "insert_reopenings", "read_acceptances", "read_reopenings"]
