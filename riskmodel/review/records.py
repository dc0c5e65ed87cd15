"""The rows of a review store as plain objects, and the checks a value passes before it is written.

Sessions, decisions and comparisons are what the pages, the plan document and the exports read;
none of them needs a database. So they, the decision vocabulary, the inputs hash and the
validation of decisions and due dates live here, apart from :class:`riskmodel.review.store.ReviewStore`
and its SQL, which import them. Timestamps are ISO-8601 UTC text; due dates ISO dates (``YYYY-MM-DD``).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from riskmodel.errors import RiskModelError
from riskmodel.review.edits import Edit, EditKey, EditValue
from riskmodel.review.working_plan import WorkingPlan

RISK_DECISIONS = ("accept", "mitigate", "transfer", "avoid")
MEASURE_DECISIONS = ("approve", "reject", "defer")
DecisionKey = tuple[str, str, str]
"""(item_kind 'risk' | 'measure', failure mode or measure id, unit or '')."""


class InvalidReviewValue(RiskModelError):
    """A decision, date or name a review cannot record as given."""


def inputs_hash(input_hashes: Mapping[str, str]) -> str:
    """One sha256 over the contents of every input (scenario, catalogs, evidence).

    Built from the sorted file hashes only, not the paths, so the same inputs loaded from
    another checkout give the same hash; any changed byte of any input changes it.
    """
    return hashlib.sha256("\n".join(sorted(input_hashes.values())).encode()).hexdigest()


def iso_utc_text(moment: datetime) -> str:
    """How every timestamp is stored: UTC ISO-8601 with microseconds, so text order is time order."""
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
    plan_a: WorkingPlan = WorkingPlan()
    plan_b: WorkingPlan = WorkingPlan()

    @property
    def same_inputs(self) -> bool:
        return self.a.inputs_hash == self.b.inputs_hash


def session_from_row(row: sqlite3.Row) -> Session:
    """A ``sessions`` row as a :class:`Session` (input hashes stored as JSON, times as ISO text)."""
    data = {name: row[name] for name in Session.__dataclass_fields__}
    data["input_hashes"] = json.loads(data["input_hashes"])
    data["created_at"], data["updated_at"] = map(datetime.fromisoformat, (row["created_at"], row["updated_at"]))
    return Session(**data)


def edit_from_row(row: sqlite3.Row) -> Edit:
    """An ``edits`` row as an :class:`~riskmodel.review.edits.Edit` (old and new values stored as JSON)."""
    return Edit(row["target_kind"], row["target_id"], row["field"], json.loads(row["old_value"]),
                json.loads(row["new_value"]), who=row["who"], why=row["why"], at=datetime.fromisoformat(row["at"]))


def decision_from_row(row: sqlite3.Row) -> Decision:
    """A ``decisions`` row as a :class:`Decision`; the stored empty unit means none."""
    data = {name: row[name] for name in Decision.__dataclass_fields__}
    data.update(unit=row["unit"] or None, at=datetime.fromisoformat(row["at"]),
                due_date=date.fromisoformat(row["due_date"]) if row["due_date"] else None)
    return Decision(**data)


def iso_due_date(value: date | str | None) -> str | None:
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


def check_decision(kind: str, item_id: str, decision: str) -> None:
    """Refuse an empty item id or a decision outside the vocabulary of its kind, before any write."""
    allowed = RISK_DECISIONS if kind == "risk" else MEASURE_DECISIONS
    what = "failure mode" if kind == "risk" else "measure"
    if not item_id:
        raise InvalidReviewValue(f"a {kind} decision needs a {what} id; got an empty id")
    if decision not in allowed:
        raise InvalidReviewValue(
            f"{decision!r} is not a {kind} decision for {what} {item_id!r}; expected one of: {', '.join(allowed)}"
        )


__all__ = [
    "MEASURE_DECISIONS", "RISK_DECISIONS", "Decision", "DecisionKey", "InvalidReviewValue", "Session",
    "SessionComparison", "SessionSummary", "check_decision", "decision_from_row", "edit_from_row", "inputs_hash",
    "iso_due_date", "iso_utc_text", "session_from_row",
]
