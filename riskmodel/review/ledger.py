"""The accepted-risk ledger: a risk is accepted by someone, for a reason, until a date, within a limit.

Accepting a failure mode (optionally one unit of it) in a review session records its owner,
the reason, an expiry date and a **ceiling**: a share of a service's yearly error budget
(``budget_share``: the mode's expected bad minutes on its worst-hit service ÷ that service's
budget) or dollars a year (``eal_per_year``: its expected annual loss). Acceptances belong to
the scenario (the cluster), not to one session: a later session on the same scenario sees
them. The rule (:func:`ledger_status`), on the analysis a session has now (its snapshot, its
evidence, its edits):

* the risk is over its ceiling → **reopened** (``over_ceiling``);
* today is after the expiry date → **reopened** (``expired``);
* the failure mode is no longer in the catalog → ``gone`` (nothing left to accept);
* otherwise it **holds**.

A reopening, once recorded, stays until the risk is accepted again (a new acceptance); the
ledger keeps every acceptance and every reopening. Pure: acceptances, reopenings and a risk
model in, typed results out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

import numpy as np

from riskmodel.engine.register import mode_bad_minutes
from riskmodel.engine.risk import Evaluation, RiskModel
from riskmodel.review.records import InvalidReviewValue

CeilingKind = Literal["budget_share", "eal_per_year"]
CEILING_KINDS: tuple[str, ...] = ("budget_share", "eal_per_year")
Status = Literal["holding", "reopened", "gone"]


@dataclass(frozen=True)
class Ceiling:
    """The limit an acceptance holds within: a budget share (a fraction) or dollars a year."""

    kind: CeilingKind
    value: float


@dataclass(frozen=True)
class Acceptance:
    """One acceptance as recorded (dollars a year or a fraction, in the ceiling's kind)."""

    id: int
    session_id: str
    scenario_name: str
    failure_mode_id: str
    unit: str | None
    owner: str
    reason: str
    expires_on: date
    ceiling: Ceiling
    value_at_acceptance: float
    who: str
    at: datetime


@dataclass(frozen=True)
class Reopening:
    """A recorded reopening: why, the value then, where it was seen."""

    acceptance_id: int
    session_id: str
    reason: str
    value: float | None
    detail: str
    at: datetime


@dataclass(frozen=True)
class Measured:
    """A risk's value in a ceiling's kind now, and the service it was measured on (budget shares)."""

    value: float
    service: str | None = None


@dataclass(frozen=True)
class LedgerEntry:
    """One acceptance with what the analysis says now."""

    acceptance: Acceptance
    now: Measured | None
    """None when the failure mode (or unit) is no longer in the model."""
    reasons: tuple[str, ...]
    """Why it is reopened now: ``over_ceiling``, ``expired`` (empty: it holds)."""
    reopening: Reopening | None
    """The recorded reopening of this acceptance, if one was recorded."""

    @property
    def status(self) -> Status:
        if self.now is None:
            return "gone"
        return "reopened" if self.reopening is not None or self.reasons else "holding"

    @property
    def to_record(self) -> bool:
        """Reopened now and not yet recorded as such."""
        return self.status == "reopened" and self.reopening is None


@dataclass(frozen=True)
class Ledger:
    entries: tuple[LedgerEntry, ...]

    @property
    def reopened(self) -> tuple[LedgerEntry, ...]:
        return tuple(entry for entry in self.entries if entry.status == "reopened")

    @property
    def holding(self) -> tuple[LedgerEntry, ...]:
        return tuple(entry for entry in self.entries if entry.status == "holding")


class RiskMeter:
    """Measures failure modes (or one unit of one) in a ceiling's kind on one evaluation of a model."""

    def __init__(self, model: RiskModel, evaluation: Evaluation | None = None) -> None:
        self.model = model
        self._evaluation = evaluation
        self._per_mode: np.ndarray | None = None

    @property
    def evaluation(self) -> Evaluation:
        """The model as catalogued, evaluated on first use (a ledger with nothing to measure costs nothing)."""
        if self._evaluation is None:
            self._evaluation = self.model.evaluate()
        return self._evaluation

    def _shares(self, bad: np.ndarray) -> Measured:
        budgets = self.model.index.error_budget_minutes
        if not len(budgets):
            return Measured(0.0)
        shares = bad / budgets
        worst = int(np.argmax(shares))
        return Measured(float(shares[worst]), self.model.index.service_names[worst])

    def measure(self, failure_mode_id: str, unit: str | None, kind: CeilingKind) -> Measured | None:
        """The value now, None when the model has no such mode or unit."""
        model = self.model
        position = model.mode_position.get(failure_mode_id)
        if position is None:
            return None
        pairs = np.flatnonzero(model.pair_mode == position)
        if unit is not None:
            pairs = np.array([i for i in pairs if model.units[i].name == unit], dtype=np.int64)
            if not len(pairs):
                return None
        evaluation = self.evaluation
        if kind == "eal_per_year":
            return Measured(float(evaluation.eal_per_pair[pairs].sum()))
        if unit is None:
            if self._per_mode is None:
                self._per_mode = mode_bad_minutes(model, evaluation)
            return self._shares(self._per_mode[position])
        bad_a, bad_b = model.structure_bad_minutes
        s = model.pair_structure[pairs]
        bad = evaluation.impact_minutes_a[pairs] @ bad_a[s] + evaluation.impact_minutes_b[pairs] @ bad_b[s]
        return self._shares(bad)


def check_acceptance(owner: str, reason: str, expires_on: date, ceiling: Ceiling, value_now: float,
                     today: date) -> None:
    """Refuse an acceptance nobody owns, without a reason, already expired, with a ceiling that is
    no limit, or of a risk that is over its ceiling already."""
    if not owner.strip():
        raise InvalidReviewValue("an accepted risk needs an owner; got an empty owner")
    if not reason.strip():
        raise InvalidReviewValue("an accepted risk needs a reason; got an empty reason")
    if expires_on <= today:
        raise InvalidReviewValue(f"expiry date {expires_on.isoformat()} is not after today ({today.isoformat()}); "
                                 "expected a date in the future")
    if ceiling.kind not in CEILING_KINDS:
        raise InvalidReviewValue(f"ceiling kind {ceiling.kind!r}; expected one of: {', '.join(CEILING_KINDS)}")
    if not ceiling.value > 0 or (ceiling.kind == "budget_share" and ceiling.value > 1):
        expected = "a share of the budget in (0, 1]" if ceiling.kind == "budget_share" else "dollars a year > 0"
        raise InvalidReviewValue(f"ceiling {ceiling.value!r}; expected {expected}")
    if value_now > ceiling.value:
        raise InvalidReviewValue(f"the risk is at {value_now:.6g} ({ceiling.kind}) now, over the ceiling "
                                 f"{ceiling.value:.6g}; expected a ceiling at or above its value now")


def ledger_status(acceptances: Sequence[Acceptance], reopenings: Sequence[Reopening], model: RiskModel,
                  today: date) -> Ledger:
    """Each acceptance in force (the latest per failure mode and unit) against ``model`` today."""
    latest: dict[tuple[str, str | None], Acceptance] = {}
    for acceptance in sorted(acceptances, key=lambda a: a.id):
        latest[(acceptance.failure_mode_id, acceptance.unit)] = acceptance
    recorded = {r.acceptance_id: r for r in sorted(reopenings, key=lambda r: r.at, reverse=True)}
    meter = RiskMeter(model)
    entries = []
    for acceptance in sorted(latest.values(), key=lambda a: (a.failure_mode_id, a.unit or "")):
        now = meter.measure(acceptance.failure_mode_id, acceptance.unit, acceptance.ceiling.kind)
        reasons = []
        if now is not None and now.value > acceptance.ceiling.value:
            reasons.append("over_ceiling")
        if today > acceptance.expires_on:
            reasons.append("expired")
        entries.append(LedgerEntry(acceptance, now, tuple(reasons), recorded.get(acceptance.id)))
    return Ledger(tuple(entries))


__all__ = ["CEILING_KINDS", "Acceptance", "Ceiling", "CeilingKind", "Ledger", "LedgerEntry", "Measured",
           "Reopening", "RiskMeter", "Status", "check_acceptance", "ledger_status"]
