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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from riskmodel.errors import RiskModelError
from riskmodel.review.edits import Edit, EditKey, EditValue
from riskmodel.review.working_plan import WorkingPlan

RISK_DECISIONS = ("accept", "mitigate", "transfer", "avoid")
MEASURE_DECISIONS = ("approve", "reject", "defer")
DecisionKey = tuple[str, str, str]
"""(item_kind 'risk' | 'measure', failure mode or measure id, unit or '')."""


class InvalidReviewValue(RiskModelError):
    """A decision, date or name a review cannot record as given."""


class ReviewStoreError(RiskModelError):
    """The database file itself cannot be used (not riskmodel's, damaged, full, read-only, newer)."""


def _damaged(table: str, row: sqlite3.Row, key: str, field: str, problem: object) -> ReviewStoreError:
    return ReviewStoreError(
        f"damaged row in table {table} ({key} {row[key]!r}): field {field}: {str(problem)[:160]}; "
        "expected what riskmodel writes (restore the database from a backup, or repair that row)"
    )


@contextmanager
def _row(table: str, row: sqlite3.Row, key: str) -> Iterator[list[str]]:
    """Turn any failure to read one stored row into a ReviewStoreError naming the row and field."""
    field = ["?"]
    try:
        yield field
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise _damaged(table, row, key, field[0], error) from None


def _json_of(text: object, kind: type, field: list[str], name: str) -> Any:
    field[0] = name
    if not isinstance(text, str):
        raise TypeError(f"expected JSON text, got {type(text).__name__}")
    value = json.loads(text)
    if not isinstance(value, kind):
        raise TypeError(f"expected JSON {kind.__name__ if isinstance(kind, type) else 'value'}, got {type(value).__name__}")
    return value


def _time_of(text: object, field: list[str], name: str) -> datetime:
    field[0] = name
    moment = datetime.fromisoformat(str(text))
    if moment.tzinfo is None:
        raise ValueError(f"expected an ISO-8601 UTC time, got {text!r}")
    return moment


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
    """A ``sessions`` row as a :class:`Session` (input hashes stored as JSON, times as ISO text).

    A row that is not what riskmodel writes (bad JSON, a wrong time) is a ReviewStoreError
    naming the session and the field."""
    with _row("sessions", row, "id") as field:
        data = {name: row[name] for name in Session.__dataclass_fields__}
        hashes = _json_of(row["input_hashes"], dict, field, "input_hashes")
        if not all(isinstance(value, str) for value in hashes.values()):
            raise TypeError("expected a JSON object of file → sha256 text")
        data["input_hashes"] = hashes
        data["created_at"] = _time_of(row["created_at"], field, "created_at")
        data["updated_at"] = _time_of(row["updated_at"], field, "updated_at")
        return Session(**data)


def _edit_value(text: object, field: list[str], name: str) -> Any:
    value = _json_of(text, object, field, name)
    if value is None or isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, dict) and set(value) == {"low", "high"} and all(
            isinstance(end, int | float) and not isinstance(end, bool) for end in value.values()):
        return value
    raise TypeError(f"expected a number, an interval {{low, high}} or null, got {str(value)[:60]}")


def edit_from_row(row: sqlite3.Row) -> Edit:
    """An ``edits`` row as an :class:`~riskmodel.review.edits.Edit` (old and new values stored as JSON)."""
    with _row("edits", row, "seq") as field:
        old, new = _edit_value(row["old_value"], field, "old_value"), _edit_value(row["new_value"], field, "new_value")
        return Edit(row["target_kind"], row["target_id"], row["field"], old, new, who=row["who"], why=row["why"],
                    at=_time_of(row["at"], field, "at"))


def decision_from_row(row: sqlite3.Row) -> Decision:
    """A ``decisions`` row as a :class:`Decision`; the stored empty unit means none."""
    with _row("decisions", row, "item_id") as field:
        data = {name: row[name] for name in Decision.__dataclass_fields__}
        field[0] = "due_date"
        due = date.fromisoformat(row["due_date"]) if row["due_date"] else None
        data.update(unit=row["unit"] or None, at=_time_of(row["at"], field, "at"), due_date=due)
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
    "MEASURE_DECISIONS", "RISK_DECISIONS", "Decision", "DecisionKey", "InvalidReviewValue", "ReviewStoreError", "Session",
    "SessionComparison", "SessionSummary", "check_decision", "decision_from_row", "edit_from_row", "inputs_hash",
    "iso_due_date", "iso_utc_text", "session_from_row",
]
