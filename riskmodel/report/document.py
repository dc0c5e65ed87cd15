"""The mitigation plan a review takes out of the room, as one data structure.

:func:`build_plan_document` gathers the measures of the plan in force (the session's working
plan: approved and pinned measures plus the planner's picks within the budget) in the order
they pay off, how the plan was chosen, the top risks before and with it, the risk decisions,
the error budgets before and after, every edited number with its unit and original, the
placeholder values still to review, and the provenance of the inputs.
``riskmodel.report.export`` renders it as Markdown, HTML, PDF, CSV or JSON.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from riskmodel.engine.register import BudgetFlag
from riskmodel.errors import redact
from riskmodel.model.placeholders import Placeholder
from riskmodel.report.analysis import Analysis, analyse
from riskmodel.report.formatting import percent, value_text
from riskmodel.report.ledger_view import AcceptedRisk, accepted_risks
from riskmodel.report.plan_view import PlanInForce, plan_in_force, plan_summary
from riskmodel.review.edits import Edit, EditValue
from riskmodel.review.fields import field_meaning
from riskmodel.review.ledger_check import check_ledger
from riskmodel.review.store import Decision, ReviewStore, Session
from riskmodel.review.working_plan import WorkingPlan
from riskmodel.sources.scenario import LoadedScenario

TOOL_VERSION = "riskmodel 0.1.0"
TOP_RISKS = 10
"""How many failure modes the plan lists as top risks (by EAL)."""


@dataclass(frozen=True)
class PlanMeasure:
    """A measure in (or declined from) the plan. ``status``: ``approve`` (approved in the session),
    ``pinned`` (pinned by hand), ``proposed`` (picked by the planner), or for a declined one the
    decision (``reject``, ``defer``) or ``excluded`` (left out by hand)."""

    rank: int
    id: str
    title: str
    kind: str
    status: str
    annual_cost: float
    eal_reduction_alone: float
    marginal_eal_reduction: float
    owner: str = ""
    due_date: date | None = None
    note: str = ""


@dataclass(frozen=True)
class ServiceBudgetRow:
    """Error budget and expected bad minutes per year, before and with the plan; the failure
    modes that alone use more than the flag share of the budget, as ``id share`` text."""

    name: str
    slo: float
    error_budget_minutes: float
    bad_minutes_before: float
    bad_minutes_after: float
    flagged_modes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TopRisk:
    """A failure mode's incidents per year over all its units and its EAL before and with the plan."""

    failure_mode_id: str
    title: str
    scope: str
    units: int
    frequency_per_year: float
    eal_per_year: float
    eal_with_plan: float


@dataclass(frozen=True)
class Assumption:
    """One number the review changed: what it means, its original and its value now."""

    target_kind: str
    target_id: str
    field: str
    unit: str
    meaning: str
    old_value: EditValue
    new_value: EditValue
    original: str
    now: str
    who: str
    at: datetime
    why: str

    @property
    def change(self) -> str:
        """As people write it: ``0.01–0.08 /node/yr → 2 /node/yr``."""
        return f"{self.original} → {self.now}"


@dataclass(frozen=True)
class PlanDocument:
    """Everything an exported plan says; numbers in dollars per year and minutes per year.

    Every format (Markdown, HTML, PDF, CSV, JSON) carries the same sections: the plan and how
    it was chosen, top risks, risk decisions, error budgets before and after, assumptions,
    placeholders still to review, provenance.
    """

    title: str
    scenario: str
    generated_at: datetime
    session: Session | None
    budget_per_year: float
    plan_summary: str
    eal_before: float
    eal_after: float
    annual_cost: float
    measures: tuple[PlanMeasure, ...]
    declined: tuple[PlanMeasure, ...]
    services: tuple[ServiceBudgetRow, ...]
    top_risks: tuple[TopRisk, ...]
    risk_decisions: tuple[Decision, ...]
    assumptions: tuple[Assumption, ...]
    placeholders: tuple[Placeholder, ...]
    settings: dict[str, float | int]
    provenance: dict[str, object] = field(default_factory=dict)
    accepted_risks: tuple[AcceptedRisk, ...] = ()
    """The accepted-risk ledger of the scenario as this session's analysis sees it (reopened first)."""

    @property
    def proposed(self) -> bool:
        """True when no measure in the plan was approved: the plan is the planner's proposal."""
        return all(m.status != "approve" for m in self.measures)

    @property
    def measure_ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.measures)


def sanitise(text: str) -> str:
    """Remove credentials embedded in URIs (``https://user:token@host`` → ``https://host``,
    ``?access_token=…`` → ``?access_token=***``): :func:`riskmodel.errors.redact`, the one helper."""
    return redact(text)


def _source(uri: str, root: Path) -> str:
    """A source URI without credentials; local paths relative to the project (no home dirs)."""
    scheme, _, rest = uri.partition(":")
    if scheme == "file" and rest:
        return f"file:{_relative(rest, root)}"
    return sanitise(uri)


def _relative(path: str, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return Path(path).name


def _provenance(analysis: Analysis, session: Session | None, generated_at: datetime) -> dict[str, object]:
    loaded = analysis.loaded
    root = Path(loaded.path).resolve().parent.parent
    return {
        "generated_at": generated_at.isoformat(),
        "tool": TOOL_VERSION,
        "scenario_file": _relative(loaded.path, root),
        "input_sha256": {_relative(path, root): digest for path, digest in sorted(loaded.input_hashes.items())},
        "catalog_versions": dict(loaded.catalog.versions),
        "evidence_sources": [_source(source, root) for source in loaded.evidence.sources],
        "evidence_observed_at": loaded.evidence.observed_at.isoformat() if loaded.evidence.observed_at else None,
        "session_id": session.id if session else None,
        "session_inputs_hash": session.inputs_hash if session else None,
    }


def _ordered(analysis: Analysis, chosen: Sequence[str]) -> list[str]:
    """Chosen measures in the order they pay off (greedy over the chosen set), then the rest."""
    order = analysis.planner.greedy(float("inf"), list(chosen))
    return order + [measure_id for measure_id in chosen if measure_id not in order]


def _plan_measures(analysis: Analysis, view: PlanInForce, status: dict[str, Decision]) -> list[PlanMeasure]:
    planner = analysis.planner
    alone = {r.id: r.eal_reduction for r in view.measures}
    pinned = set(view.resolved.pinned)
    rows, taken = [], []
    previous = planner.evaluate([]).eal_per_year
    for rank, measure_id in enumerate(_ordered(analysis, view.selected), start=1):
        taken.append(measure_id)
        now = planner.evaluate(taken).eal_per_year
        measure, decision = planner.measures[measure_id], status.get(measure_id)
        state = "approve" if decision and decision.decision == "approve" else "pinned" if measure_id in pinned \
            else "proposed"
        rows.append(PlanMeasure(
            rank, measure_id, measure.title, measure.kind, state, planner.costs[measure_id], alone[measure_id],
            previous - now, decision.owner if decision else "", decision.due_date if decision else None,
            decision.note if decision else ""))
        previous = now
    return rows


def _declined(analysis: Analysis, view: PlanInForce, status: dict[str, Decision]) -> list[PlanMeasure]:
    planner, alone = analysis.planner, {r.id: r.eal_reduction for r in view.measures}
    rows = []
    for measure_id in view.resolved.excluded:
        measure, decision = planner.measures[measure_id], status.get(measure_id)
        rows.append(PlanMeasure(0, measure_id, measure.title, measure.kind,
                                decision.decision if decision and decision.decision != "approve" else "excluded",
                                planner.costs[measure_id], alone[measure_id], 0.0, decision.owner if decision else "",
                                decision.due_date if decision else None, decision.note if decision else ""))
    return rows


def _assumptions(analysis: Analysis, edits: Sequence[Edit]) -> tuple[Assumption, ...]:
    catalog = analysis.loaded.catalog
    scopes = {mode.id: mode.scope for mode in catalog.failure_modes}
    rows = []
    for edit in edits:
        meaning = field_meaning(edit.target_kind, edit.field, scopes.get(edit.target_id))
        rows.append(Assumption(edit.target_kind, edit.target_id, edit.field, meaning.unit, meaning.meaning,
                               edit.old_value, edit.new_value, value_text(edit.old_value, meaning),
                               value_text(edit.new_value, meaning), edit.who, edit.at, edit.why))
    return tuple(rows)


def _flag_text(flag: BudgetFlag) -> str:
    return f"{flag.failure_mode_id} {percent(flag.budget_share)}"


def build_plan_document(analysis: Analysis, view: PlanInForce, session: Session | None = None,
                        edits: Sequence[Edit] = (), measure_decisions: Sequence[Decision] = (),
                        risk_decisions: Sequence[Decision] = (), generated_at: datetime | None = None
                        ) -> PlanDocument:
    """The plan document of the plan in force ``view`` (see :func:`plan_in_force`)."""
    generated_at = generated_at or datetime.now(UTC)
    latest = {d.item_id: d for d in measure_decisions}
    measures = _plan_measures(analysis, view, latest)
    services = tuple(ServiceBudgetRow(s.name, s.slo, s.error_budget_minutes, s.bad_minutes_per_year,
                                      s.bad_minutes_with_plan, tuple(_flag_text(f) for f in s.flags))
                     for s in view.services)
    top_risks = tuple(TopRisk(m.failure_mode_id, m.title, m.scope, m.units, m.frequency_per_year, m.eal_per_year,
                              view.mode_eal_with_plan[m.failure_mode_id])
                      for m in analysis.register.failure_modes[:TOP_RISKS])
    settings = analysis.loaded.scenario.settings
    return PlanDocument(
        title=f"Mitigation plan · {analysis.loaded.scenario.name}",
        scenario=analysis.loaded.scenario.name, generated_at=generated_at, session=session,
        budget_per_year=view.resolved.plan.budget, plan_summary=plan_summary(view.resolved),
        eal_before=view.eal_per_year, eal_after=view.eal_with_plan, annual_cost=view.annual_cost,
        measures=tuple(measures), declined=tuple(_declined(analysis, view, latest)), services=services,
        top_risks=top_risks, risk_decisions=tuple(risk_decisions), assumptions=_assumptions(analysis, edits),
        placeholders=analysis.placeholders,
        settings={"amortisation_years": settings.amortisation_years,
                  "eviction_timeout_seconds": settings.eviction_timeout_seconds,
                  "startup_minutes": settings.startup_minutes, "budget_share_flag": settings.budget_share_flag},
        provenance=_provenance(analysis, session, generated_at),
    )


def document_for_session(loaded: LoadedScenario, store: ReviewStore | None, session_id: str | None,
                         budget: float | None = None, analysis: Analysis | None = None,
                         working: WorkingPlan | None = None) -> tuple[PlanDocument, Analysis, PlanInForce]:
    """The plan of a stored review session (its edits applied, its working plan in force), or of
    the inputs as they are under ``working`` (default: the budget plan under ``budget``).

    ``budget``, when given, replaces the session's budget (its pinned and excluded measures stay).
    ``analysis``, when given, must already have the session's edits applied (the app passes its
    cached one); otherwise it is computed here.
    """
    if store is None or session_id is None:
        analysis = analysis or analyse(loaded)
        view = plan_in_force(analysis, working or WorkingPlan(budget))
        return build_plan_document(analysis, view), analysis, view
    session = store.get_session(session_id)
    edits = store.edits(session_id)
    analysis = analysis or analyse(loaded, edits)
    working = working or store.plan(session_id)
    if budget is not None:
        working = working.with_budget(budget)
    view = plan_in_force(analysis, working)
    document = build_plan_document(analysis, view, session, edits, store.measure_decisions(session_id),
                                   store.risk_decisions(session_id))
    ledger = check_ledger(store, session_id, analysis.model, record=False)
    return dataclasses.replace(document, accepted_risks=accepted_risks(ledger)), analysis, view
