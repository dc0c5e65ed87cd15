"""Evidence-driven failure rates per (failure mode, node), explainable step by step.

For a node-scope failure mode m and node n (the math contract (docs/formats.md), "The math"):

1. prior rate λ₀ = m's point ``frequency_per_year``, worth ``w = m.prior_weight_years`` of
   observation;
2. k = Σ counts of events on n whose reason is in ``m.signals.events``, seen during a window
   of t years (``window_start``…``observed_at``; without ``window_start``, from the earliest
   event to ``observed_at``);
3. Gamma–Poisson posterior rate = (λ₀·w + k) / (w + t)  [per year];
4. each condition in ``m.signals.conditions`` that is a problem on n now multiplies the rate
   by its likelihood ratio.

Pure functions: catalog, node names and evidence in; records out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from riskmodel.model.catalog import Catalog, FailureMode
from riskmodel.model.evidence import Evidence, NodeCondition, NodeEvent

SECONDS_PER_YEAR = 365.0 * 24 * 3600


@dataclass(frozen=True)
class RateAdjustment:
    """Why one failure mode's rate on one node differs from the catalog: prior, evidence, result."""

    failure_mode_id: str
    node: str
    prior_per_year: float
    prior_weight_years: float
    events: tuple[NodeEvent, ...]
    event_count: int
    window_years: float
    posterior_per_year: float
    active_conditions: tuple[NodeCondition, ...]
    likelihood_ratio: float
    rate_per_year: float


def observation_window_years(evidence: Evidence) -> float:
    """Length t of the window the event counts cover, in years (0 when unknown)."""
    end = evidence.observed_at or max(
        (e.last_timestamp for e in evidence.events if e.last_timestamp is not None), default=None
    )
    start: datetime | None = evidence.window_start or min(
        (e.first_timestamp for e in evidence.events if e.first_timestamp is not None), default=None
    )
    if start is None or end is None or end <= start:
        return 0.0
    return (end - start).total_seconds() / SECONDS_PER_YEAR


def posterior_rate(prior_per_year: float, prior_weight_years: float, event_count: int, window_years: float) -> float:
    """Gamma–Poisson posterior mean rate (λ₀·w + k)/(w + t), per year."""
    return (prior_per_year * prior_weight_years + event_count) / (prior_weight_years + window_years)


def _adjust(
    mode: FailureMode, node: str, events: list[NodeEvent], conditions: list[NodeCondition], window_years: float
) -> RateAdjustment | None:
    reasons = set(mode.signals.events)
    matched = tuple(e for e in events if e.reason in reasons)
    ratios = {signal.type: signal.likelihood_ratio for signal in mode.signals.conditions}
    active = tuple(c for c in conditions if c.type in ratios and c.is_problem)
    if not matched and not active:
        return None
    prior = mode.frequency_point
    count = sum(e.count for e in matched)
    posterior = posterior_rate(prior, mode.prior_weight_years, count, window_years) if matched else prior
    ratio = 1.0
    for condition in active:
        ratio *= ratios[condition.type]
    return RateAdjustment(
        failure_mode_id=mode.id,
        node=node,
        prior_per_year=prior,
        prior_weight_years=mode.prior_weight_years,
        events=matched,
        event_count=count,
        window_years=window_years if matched else 0.0,
        posterior_per_year=posterior,
        active_conditions=active,
        likelihood_ratio=ratio,
        rate_per_year=posterior * ratio,
    )


def adjusted_rates(
    catalog: Catalog, node_names: Iterable[str], evidence: Evidence
) -> dict[tuple[str, str], RateAdjustment]:
    """Adjusted rates keyed by (failure mode id, node), only where evidence exists.

    Nodes and modes without matching events or active conditions are absent: they keep the
    catalog prior. Events only count inside the observation window (``window_start`` on).
    """
    nodes = list(node_names)
    window = observation_window_years(evidence)
    start = evidence.window_start
    events_by_node: dict[str, list[NodeEvent]] = {node: [] for node in nodes}
    for event in evidence.events:
        inside = start is None or event.last_timestamp is None or event.last_timestamp >= start
        if event.node in events_by_node and inside:
            events_by_node[event.node].append(event)
    conditions_by_node: dict[str, list[NodeCondition]] = {node: [] for node in nodes}
    for condition in evidence.conditions:
        if condition.node in conditions_by_node:
            conditions_by_node[condition.node].append(condition)
    result: dict[tuple[str, str], RateAdjustment] = {}
    for mode in catalog.failure_modes:
        if mode.scope != "node":
            continue
        for node in nodes:
            adjustment = _adjust(mode, node, events_by_node[node], conditions_by_node[node], window)
            if adjustment is not None:
                result[(mode.id, node)] = adjustment
    return result


def blind_spot_nodes(node_names: Iterable[str], evidence: Evidence) -> list[str]:
    """Nodes that report no node-problem-detector condition at all (NPD not running there).

    Problems on them are found later (by users or the node controller), so their detect
    minutes are longer; the risk engine applies ``settings.blind_spot_detect_factor``.
    """
    covered = evidence.npd_covered_nodes()
    return [node for node in node_names if node not in covered]
