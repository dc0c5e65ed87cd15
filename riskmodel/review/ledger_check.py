"""The ledger on a stored session: accept a risk with a ceiling, and check every acceptance.

What the Review page, the Overview, ``ledger`` (and a CI ``check``) call. The model passed in
is the session's analysis (its edits applied, on today's scenario and evidence), so a new
snapshot, new evidence or an edit that pushes a risk over its ceiling reopens it here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from riskmodel.engine.risk import RiskModel
from riskmodel.review.ledger import (
    Acceptance,
    Ceiling,
    Ledger,
    RiskMeter,
    check_acceptance,
    ledger_status,
)
from riskmodel.review.records import InvalidReviewValue
from riskmodel.review.store import ReviewStore


def today_utc() -> date:
    return datetime.now(UTC).date()


def accept_with_ceiling(store: ReviewStore, session_id: str, model: RiskModel, failure_mode_id: str, owner: str,
                        reason: str, expires_on: date, ceiling: Ceiling, who: str, unit: str | None = None,
                        today: date | None = None) -> Acceptance:
    """Accept a risk in a session: its value now is measured in the ceiling's kind and must be
    within the ceiling; stored with an ``accept`` decision (owner, expiry as due date, reason)."""
    now = RiskMeter(model).measure(failure_mode_id, unit, ceiling.kind)
    if now is None:
        where = f" on {unit}" if unit else ""
        raise InvalidReviewValue(f"failure mode {failure_mode_id!r}{where} is not in the analysis; nothing to accept")
    check_acceptance(owner, reason, expires_on, ceiling, now.value, today or today_utc())
    session = store.get_session(session_id)
    acceptance = Acceptance(0, session_id, session.scenario_name, failure_mode_id, unit, owner.strip(), reason.strip(),
                            expires_on, ceiling, now.value, who, datetime.now(UTC))
    return store.accept_risk(acceptance)


def check_ledger(store: ReviewStore, session_id: str, model: RiskModel, today: date | None = None,
                 record: bool = True) -> Ledger:
    """Every acceptance on the session's scenario against ``model`` today; with ``record`` the
    new reopenings are written (history), so the next session shows them even if the risk
    falls back under its ceiling."""
    session = store.get_session(session_id)
    acceptances, reopenings = store.ledger_records(session.scenario_name)
    day = today or today_utc()
    ledger = ledger_status(acceptances, reopenings, model, day)
    if record:
        written = store.record_reopenings(session_id, list(ledger.entries))
        if written:
            ledger = ledger_status(acceptances, reopenings + written, model, day)
    return ledger


__all__ = ["accept_with_ceiling", "check_ledger", "today_utc"]
