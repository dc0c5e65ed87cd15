"""The mitigation plan a review takes out of the room, as one data structure.

:func:`build_plan_document` gathers the approved (or, without decisions, the proposed
budget-plan) measures in the order they pay off, the error budgets before and after, every
edited number with its original, and the provenance of the inputs. ``riskmodel.report.export``
renders it as Markdown, HTML, CSV or JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from riskmodel.engine.register import ModeRisk
from riskmodel.errors import redact
from riskmodel.report.analysis import Analysis, analyse, default_budget
from riskmodel.review.edits import Edit
from riskmodel.review.store import Decision, ReviewStore, Session
from riskmodel.sources.scenario import LoadedScenario

TOOL_VERSION = "riskmodel 0.1.0"


@dataclass(frozen=True)
class PlanMeasure:
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
    name: str
    slo: float
    error_budget_minutes: float
    bad_minutes_before: float
    bad_minutes_after: float


@dataclass(frozen=True)
class PlanDocument:
    """Everything an exported plan says; numbers in dollars per year and minutes per year."""

    title: str
    scenario: str
    generated_at: datetime
    session: Session | None
    eal_before: float
    eal_after: float
    annual_cost: float
    measures: tuple[PlanMeasure, ...]
    declined: tuple[PlanMeasure, ...]
    services: tuple[ServiceBudgetRow, ...]
    top_risks: tuple[ModeRisk, ...]
    risk_decisions: tuple[Decision, ...]
    assumptions: tuple[Edit, ...]
    settings: dict[str, float | int]
    provenance: dict[str, object] = field(default_factory=dict)

    @property
    def proposed(self) -> bool:
        """True when no measure was approved and the budget plan stands in for decisions."""
        return all(m.status == "proposed" for m in self.measures)


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


def _plan_measures(analysis: Analysis, chosen: Sequence[str], status: dict[str, Decision]) -> list[PlanMeasure]:
    planner = analysis.planner
    alone = {r.id: r.eal_reduction for r in planner.rank()}
    rows, taken = [], []
    previous = planner.evaluate([]).eal_per_year
    for rank, measure_id in enumerate(_ordered(analysis, chosen), start=1):
        taken.append(measure_id)
        now = planner.evaluate(taken).eal_per_year
        measure, decision = planner.measures[measure_id], status.get(measure_id)
        rows.append(PlanMeasure(
            rank, measure_id, measure.title, measure.kind, decision.decision if decision else "proposed",
            planner.costs[measure_id], alone[measure_id], previous - now,
            decision.owner if decision else "", decision.due_date if decision else None,
            decision.note if decision else ""))
        previous = now
    return rows


def build_plan_document(analysis: Analysis, session: Session | None = None, edits: Sequence[Edit] = (),
                        measure_decisions: Sequence[Decision] = (), risk_decisions: Sequence[Decision] = (),
                        budget: float | None = None, generated_at: datetime | None = None) -> PlanDocument:
    """The plan: approved measures if any were approved, else the budget plan as a proposal."""
    generated_at = generated_at or datetime.now(UTC)
    latest = {d.item_id: d for d in measure_decisions}
    approved = [i for i, d in latest.items() if d.decision == "approve" and i in analysis.planner.measures]
    if not approved:
        budget = default_budget(analysis) if budget is None else budget
        approved = list(analysis.planner.plan(budget).selected)
        latest = {i: d for i, d in latest.items() if d.decision != "approve"}
    measures = _plan_measures(analysis, approved, latest)
    declined = [PlanMeasure(0, i, analysis.planner.measures[i].title, analysis.planner.measures[i].kind, d.decision,
                            analysis.planner.costs[i], 0.0, 0.0, d.owner, d.due_date, d.note)
                for i, d in latest.items() if d.decision != "approve" and i in analysis.planner.measures]
    after = analysis.planner.evaluate(approved)
    after_minutes = analysis.planner.bad_minutes(approved)
    register = analysis.register
    services = tuple(ServiceBudgetRow(s.name, s.slo, s.error_budget_minutes, s.bad_minutes_per_year,
                                      float(after_minutes[i]))
                     for i, s in enumerate(register.services))
    settings = analysis.loaded.scenario.settings
    return PlanDocument(
        title=f"Mitigation plan · {analysis.loaded.scenario.name}",
        scenario=analysis.loaded.scenario.name, generated_at=generated_at, session=session,
        eal_before=register.eal_per_year, eal_after=after.eal_per_year,
        annual_cost=sum(m.annual_cost for m in measures), measures=tuple(measures), declined=tuple(declined),
        services=services, top_risks=register.failure_modes[:10], risk_decisions=tuple(risk_decisions),
        assumptions=tuple(edits),
        settings={"amortisation_years": settings.amortisation_years,
                  "eviction_timeout_seconds": settings.eviction_timeout_seconds,
                  "startup_minutes": settings.startup_minutes, "budget_share_flag": settings.budget_share_flag},
        provenance=_provenance(analysis, session, generated_at),
    )


def document_for_session(loaded: LoadedScenario, store: ReviewStore | None, session_id: str | None,
                         budget: float | None = None, analysis: Analysis | None = None
                         ) -> tuple[PlanDocument, Analysis]:
    """The plan of a stored review session (its edits applied), or of the inputs as they are.

    ``analysis``, when given, must already have the session's edits applied (the app passes
    its cached one); otherwise it is computed here.
    """
    if store is None or session_id is None:
        analysis = analysis or analyse(loaded)
        return build_plan_document(analysis, budget=budget), analysis
    session = store.get_session(session_id)
    edits = store.edits(session_id)
    analysis = analysis or analyse(loaded, edits)
    document = build_plan_document(analysis, session, edits, store.measure_decisions(session_id),
                                   store.risk_decisions(session_id), budget)
    return document, analysis
