"""The accepted-risk ledger as people read it: one row of display text per acceptance.

The Review page, the Overview, ``ledger`` and the exports show the same words: the ceiling as
``25% of a service's error budget`` or ``$40,000/yr``, the value at acceptance and now in the
same unit (now with the service it was measured on), the status and why.
"""

from __future__ import annotations

from dataclasses import dataclass

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
class LedgerRow:
    """One acceptance in words (all strings: for tables, Markdown, HTML and the CLI)."""

    risk: str
    status: str
    why: str
    owner: str
    reason: str
    expires_on: str
    ceiling: str
    at_acceptance: str
    now: str
    accepted: str


def _why(entry: LedgerEntry) -> str:
    reasons = entry.reasons or (tuple(entry.reopening.reason.split("+")) if entry.reopening else ())
    words = [REASON_WORDS.get(reason, reason) for reason in reasons]
    if entry.reopening is not None:
        words.append(f"reopened {entry.reopening.at:%Y-%m-%d %H:%M} UTC")
    return "; ".join(words) or DASH


def ledger_rows(ledger: Ledger) -> list[LedgerRow]:
    """Reopened acceptances first, then the ones that hold, then the gone ones."""
    order = {"reopened": 0, "holding": 1, "gone": 2}
    rows = []
    for entry in sorted(ledger.entries, key=lambda e: order[e.status]):
        acceptance, kind = entry.acceptance, entry.acceptance.ceiling.kind
        now = DASH if entry.now is None else value_text(kind, entry.now.value) + (
            f" ({entry.now.service})" if entry.now.service else "")
        rows.append(LedgerRow(
            risk=acceptance.failure_mode_id + (f" @ {acceptance.unit}" if acceptance.unit else ""),
            status=STATUS_WORDS[entry.status], why=_why(entry), owner=acceptance.owner, reason=acceptance.reason,
            expires_on=acceptance.expires_on.isoformat(), ceiling=ceiling_text(acceptance.ceiling),
            at_acceptance=value_text(kind, acceptance.value_at_acceptance), now=now,
            accepted=f"{acceptance.at:%Y-%m-%d} by {acceptance.who}"))
    return rows


LEDGER_HEADER = ("Risk", "Status", "Why", "Owner", "Reason", "Expires", "Ceiling", "At acceptance", "Now", "Accepted")


def ledger_lines(ledger: Ledger) -> list[str]:
    """The ledger as a plain-text table for the CLI."""
    rows = [LEDGER_HEADER] + [(r.risk, r.status, r.why, r.owner, r.reason, r.expires_on, r.ceiling, r.at_acceptance,
                               r.now, r.accepted) for r in ledger_rows(ledger)]
    widths = [min(48, max(len(row[i]) for row in rows)) for i in range(len(LEDGER_HEADER))]
    return ["  ".join(cell[:width].ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows]


__all__ = ["CEILING_LABELS", "LEDGER_HEADER", "LedgerRow", "ceiling_text", "ledger_lines", "ledger_rows",
           "value_text"]
