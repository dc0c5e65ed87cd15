"""Which node, zone or workload matters most: importance measures per service and by cost.

For a service with ``P = P(down)`` at a random moment and an event e in force with
probability q (both from :mod:`riskmodel.engine.topevent`):

* **Birnbaum** ``B = P(down | e) − P(down | not e)`` (= ∂P/∂q: how much the service's
  unavailability moves per unit of the event's);
* **Fussell–Vesely** ``FV = (P − P(down | not e)) / P = q·B / P``: the share of the risk
  that goes away with the event (the "risk decrease fraction"; SCRAM calls it CIF);
* **risk achievement worth** ``RAW = P(down | e) / P``;
* **risk reduction worth** ``RRW = P / P(down | not e)`` (infinite when the event is in
  every cut set).

Weighted by cost, the same four for the expected outage cost rate ``R = Σ_s cost_per_hour_s
· P_s`` (dollars per hour; a service down now adds nothing): ``B$ = Σ_s cost_s · B_s`` is
what the event's being out adds to the expected outage cost per hour, FV, RAW and RRW are
taken on R instead of P.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from riskmodel.engine.cutcount import COUNT_STATE_BUDGET, CountCache
from riskmodel.engine.cutsets import CutSets, cut_sets
from riskmodel.engine.faulttree import BasicEvent, FaultForest, fault_forest
from riskmodel.engine.risk import Evaluation, RiskModel
from riskmodel.engine.topevent import TopEvent, TopEventSolver
from riskmodel.model.bounds import HOURS_PER_YEAR, MINUTES_PER_YEAR


@dataclass(frozen=True)
class EventImportance:
    """The four importance measures of one event for one service (or for the cost rate)."""

    event: str
    scope: str
    name: str
    probability: float
    birnbaum: float
    fussell_vesely: float
    risk_achievement_worth: float
    risk_reduction_worth: float


@dataclass(frozen=True)
class ServiceImportance:
    """One service: its tree's top-event probability, cut sets and the events that matter."""

    service: str
    down_now: bool
    probability: float
    """P(down) at a random moment (exact up to ``probability_error_bound``)."""
    probability_error_bound: float
    cut_sets: CutSets
    events: tuple[EventImportance, ...]
    """Events with non-zero Birnbaum importance, the most important first."""

    @property
    def expected_down_minutes_per_year(self) -> float:
        return self.probability * MINUTES_PER_YEAR


@dataclass(frozen=True)
class ImportanceReport:
    """Importance of every event per service and weighted by the services' outage cost."""

    services: tuple[ServiceImportance, ...]
    weighted: tuple[EventImportance, ...]
    """Importance for the cost rate; ``birnbaum`` in dollars per hour."""
    outage_cost_per_hour: float
    """R = Σ cost_per_hour × P(down): the structural expected outage cost per hour."""

    @property
    def outage_cost_per_year(self) -> float:
        return self.outage_cost_per_hour * HOURS_PER_YEAR

    def service(self, name: str) -> ServiceImportance:
        for entry in self.services:
            if entry.service == name:
                return entry
        raise KeyError(name)


def measures(event: BasicEvent, probability: float, birnbaum: float) -> EventImportance:
    """Birnbaum, FV, RAW and RRW of ``event`` from P, q and B (P multilinear in q)."""
    q = event.probability
    given = probability + (1.0 - q) * birnbaum
    without = max(0.0, probability - q * birnbaum)
    fv = q * birnbaum / probability if probability > 0 else 0.0
    raw = given / probability if probability > 0 else math.inf
    rrw = probability / without if without > 0 else math.inf
    return EventImportance(event.label, event.scope, event.name, q, birnbaum, fv, raw, rrw)


def _ranked(items: list[EventImportance]) -> tuple[EventImportance, ...]:
    return tuple(sorted(items, key=lambda i: (-i.birnbaum, i.event)))


def service_importance(forest: FaultForest, solver: TopEventSolver, position: int,
                       budget: int = COUNT_STATE_BUDGET,
                       cache: CountCache | None = None) -> tuple[ServiceImportance, TopEvent]:
    """One service's top event, cut sets and importance (``cache``: see :func:`cut_sets`)."""
    tree = forest.trees[position]
    top = solver.solve(tree)
    events = [measures(forest.events[e], top.probability, b) for e, b in top.birnbaum.items() if b > 0]
    return ServiceImportance(tree.service, tree.down_now, top.probability, top.error_bound,
                             cut_sets(forest, tree, budget, cache), _ranked(events)), top


def _weighted(forest: FaultForest, tops: list[TopEvent]) -> tuple[tuple[EventImportance, ...], float]:
    cost = forest.cost_per_hour
    rate = sum(float(cost[i]) * top.probability for i, top in enumerate(tops))
    birnbaum: dict[int, float] = {}
    for i, top in enumerate(tops):
        for e, b in top.birnbaum.items():
            birnbaum[e] = birnbaum.get(e, 0.0) + float(cost[i]) * b
    items = [measures(forest.events[e], rate, b) for e, b in birnbaum.items() if b > 0]
    return _ranked(items), rate


def importance(model: RiskModel, evaluation: Evaluation | None = None,
               budget: int = COUNT_STATE_BUDGET) -> ImportanceReport:
    """Cut sets and importance of every service, and importance weighted by outage cost."""
    forest = fault_forest(model, evaluation)
    return importance_of(forest, budget)


def importance_of(forest: FaultForest, budget: int = COUNT_STATE_BUDGET) -> ImportanceReport:
    solver = TopEventSolver(forest)
    cache = CountCache(forest)
    results = [service_importance(forest, solver, i, budget, cache) for i in range(len(forest.trees))]
    weighted, rate = _weighted(forest, [top for _, top in results])
    return ImportanceReport(tuple(entry for entry, _ in results), weighted, rate)
