"""The ``plans`` table of a review store: one working plan per session (schema 2).

Functions on an open connection inside the caller's transaction, so
:class:`riskmodel.review.store.ReviewStore` can write a decision and the plan it changes
atomically.
"""

from __future__ import annotations

import json
import sqlite3

from riskmodel.review.edits import utc_now
from riskmodel.review.records import iso_utc_text
from riskmodel.review.working_plan import WorkingPlan

PLANS_TABLE = (
    "CREATE TABLE IF NOT EXISTS plans (session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,"
    " budget_per_year REAL, pinned_ids TEXT NOT NULL, excluded_ids TEXT NOT NULL, who TEXT NOT NULL,"
    " at TEXT NOT NULL)"
)
"""Budget in dollars per year (NULL: every measure that pays for itself); ids as JSON lists."""


def store_plan(conn: sqlite3.Connection, session_id: str, plan: WorkingPlan, who: str) -> None:
    """Replace the session's plan (who set it and when are kept with it)."""
    conn.execute(
        "INSERT OR REPLACE INTO plans (session_id, budget_per_year, pinned_ids, excluded_ids, who, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (session_id, plan.budget_per_year, json.dumps(list(plan.pinned)), json.dumps(list(plan.excluded)),
         who, iso_utc_text(utc_now())))


def read_plan(conn: sqlite3.Connection, session_id: str) -> WorkingPlan:
    """The session's plan; a session that never set one has the default plan."""
    row = conn.execute("SELECT budget_per_year, pinned_ids, excluded_ids FROM plans WHERE session_id = ?",
                       (session_id,)).fetchone()
    if row is None:
        return WorkingPlan()
    return WorkingPlan(row["budget_per_year"], tuple(json.loads(row["pinned_ids"])),
                       tuple(json.loads(row["excluded_ids"])))


def plans_from_decisions(conn: sqlite3.Connection) -> None:
    """Schema 1 → 2: each session's plan pins what it approved and excludes what it rejected or deferred."""
    for (session_id,) in conn.execute("SELECT id FROM sessions").fetchall():
        plan = WorkingPlan()
        for row in conn.execute("SELECT item_id, decision FROM latest_decisions WHERE session_id = ?"
                                " AND item_kind = 'measure' ORDER BY id", (session_id,)).fetchall():
            plan = plan.after_decision(row["item_id"], row["decision"])
        store_plan(conn, session_id, plan, "schema migration")


__all__ = ["PLANS_TABLE", "plans_from_decisions", "read_plan", "store_plan"]
