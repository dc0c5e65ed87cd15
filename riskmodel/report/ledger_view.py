"""The accepted-risk ledger as people read it: one row of display text per acceptance.

The Review page, the Overview, ``ledger`` and the exports show the same words: the ceiling as
``25% of a service's error budget`` or ``$40,000/yr``, the value at acceptance and now in the
same unit (now with the service it was measured on), the status and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from riskmodel.report.formatting import DASH, money_per_year, percent
from riskmodel.review.ledger import Ceiling, CeilingKind, Ledger, LedgerEntry

STATUS_WORDS = {"holding": "holds", "reopened": "REOPENED", "gone": "gone (not in the catalog)"}
REASON_WORDS = {"over_ceiling": "over its ceiling", "expired": "expired"}
CEILING_LABELS: dict[str, str] = {"budget_share": "share of a service's error budget", "eal_per_year": "dollars a year"}


def value_text(kind: CeilingKind, value: float) -> str:
    return percent(value) if kind == "budget_share" else money_per_year(value)


def ceiling_text(ceiling: Ceiling) -> str:
    if ceiling.kind == "budget_share":
        return f"{percent(ceiling.value)} of a service's error budget"
    return money_per_year(ceiling.value)


@dataclass(frozen=True)
class AcceptedRisk:
    """One acceptance as the plan document carries it: plain values in the ceiling's unit (a
    fraction of a budget, or dollars a year), ``value_now`` None when the risk is gone."""

    failure_mode_id: str
    unit: str | None
    status: str
    why: str
    owner: str
    reason: str
    expires_on: date
    ceiling_kind: str
    ceiling: float
    value_at_acceptance: float
    value_now: float | None
    service: str | None
    accepted_at: datetime
    accepted_by: str


def _why(entry: LedgerEntry) -> str:
    reasons = entry.reasons or (tuple(entry.reopening.reason.split("+")) if entry.reopening else ())
    words = [REASON_WORDS.get(reason, reason) for reason in reasons]
    if entry.reopening is not None:
        words.append(f"reopened {entry.reopening.at:%Y-%m-%d %H:%M} UTC")
    return "; ".join(words)


def accepted_risks(ledger: Ledger) -> tuple[AcceptedRisk, ...]:
    """Reopened acceptances first, then the ones that hold, then the gone ones."""
    order = {"reopened": 0, "holding": 1, "gone": 2}
    rows = []
    for entry in sorted(ledger.entries, key=lambda e: order[e.status]):
        a = entry.acceptance
        rows.append(AcceptedRisk(
            a.failure_mode_id, a.unit, entry.status, _why(entry), a.owner, a.reason, a.expires_on, a.ceiling.kind,
            a.ceiling.value, a.value_at_acceptance, entry.now.value if entry.now else None,
            entry.now.service if entry.now else None, a.at, a.who))
    return tuple(rows)


def ledger_cells(row: AcceptedRisk) -> tuple[str, ...]:
    """The row as display text, in :data:`LEDGER_HEADER` order."""
    kind: CeilingKind = "budget_share" if row.ceiling_kind == "budget_share" else "eal_per_year"
    now = DASH if row.value_now is None else value_text(kind, row.value_now) + (
        f" ({row.service})" if row.service else "")
    return (row.failure_mode_id + (f" @ {row.unit}" if row.unit else ""), STATUS_WORDS.get(row.status, row.status),
            row.why or DASH, row.owner, row.reason, row.expires_on.isoformat(), ceiling_text(Ceiling(kind, row.ceiling)),
            value_text(kind, row.value_at_acceptance), now, f"{row.accepted_at:%Y-%m-%d} by {row.accepted_by}")


LEDGER_HEADER = ("Risk", "Status", "Why", "Owner", "Reason", "Expires", "Ceiling", "At acceptance", "Now", "Accepted")


def ledger_lines(ledger: Ledger) -> list[str]:
    """The ledger as a plain-text table for the CLI."""
    rows = [LEDGER_HEADER, *(ledger_cells(row) for row in accepted_risks(ledger))]
    widths = [min(48, max(len(row[i]) for row in rows)) for i in range(len(LEDGER_HEADER))]
    return ["  ".join(cell[:width].ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows]


__all__ = ["CEILING_LABELS", "LEDGER_HEADER", "AcceptedRisk", "accepted_risks", "ceiling_text", "ledger_cells",
           "ledger_lines", "value_text"]
