"""Evidence-driven rates checked against hand-computed numbers (the math contract (docs/formats.md), "The math")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from riskmodel.engine.likelihood import adjusted_rates, blind_spot_nodes, observation_window_years, posterior_rate
from riskmodel.model.catalog import Catalog, FailureMode
from riskmodel.model.evidence import Evidence, NodeCondition, NodeEvent

END = datetime(2024, 6, 1, tzinfo=UTC)
START = END - timedelta(days=30)


def _mode(**overrides: object) -> FailureMode:
    data = {
        "id": "kernel-deadlock", "title": "Kernel deadlock", "scope": "node", "frequency_per_year": 0.2,
        "detect_minutes": 30, "repair_minutes": 60, "rationale": "hand-made for tests",
        "signals": {"conditions": [{"type": "KernelDeadlock", "likelihood_ratio": 5}], "events": ["TaskHung", "DockerHung"]},
    }
    data.update(overrides)
    return FailureMode.model_validate(data)


def _event(node: str, reason: str, count: int, days_ago: float = 10) -> NodeEvent:
    when = END - timedelta(days=days_ago)
    return NodeEvent(node=node, reason=reason, count=count, first_timestamp=when, last_timestamp=when)


def _evidence(events=(), conditions=(), window_start=START) -> Evidence:
    return Evidence(conditions=tuple(conditions), events=tuple(events), observed_at=END, window_start=window_start)


def test_posterior_formula() -> None:
    # (0.2·1 + 3)/(1 + 30/365) = 3.2/1.0821918 = 2.95696…
    assert posterior_rate(0.2, 1.0, 3, 30 / 365) == pytest.approx(2.956962, rel=1e-6)


def test_events_then_active_condition() -> None:
    catalog = Catalog(failure_modes=(_mode(),))
    evidence = _evidence(
        events=[_event("n1", "TaskHung", 2), _event("n1", "DockerHung", 1), _event("n1", "OOMKilling", 9)],
        conditions=[NodeCondition("n1", "KernelDeadlock", "True")],
    )
    rates = adjusted_rates(catalog, ["n1", "n2"], evidence)
    assert list(rates) == [("kernel-deadlock", "n1")]  # n2 has no evidence: keeps the prior
    record = rates[("kernel-deadlock", "n1")]
    assert record.event_count == 3  # OOMKilling is not a signal of this mode
    assert record.window_years == pytest.approx(30 / 365)
    assert record.posterior_per_year == pytest.approx(2.956962, rel=1e-6)
    # × likelihood ratio 5 for KernelDeadlock=True: 14.78481…
    assert record.likelihood_ratio == 5.0
    assert record.rate_per_year == pytest.approx(14.78481, rel=1e-6)


def test_condition_only_multiplies_the_prior() -> None:
    mode = _mode(signals={"conditions": [{"type": "KernelDeadlock", "likelihood_ratio": 5},
                                         {"type": "Ready", "likelihood_ratio": 2}]})
    evidence = _evidence(conditions=[NodeCondition("n1", "KernelDeadlock", "True"),
                                     NodeCondition("n1", "Ready", "Unknown")])
    record = adjusted_rates(Catalog(failure_modes=(mode,)), ["n1"], evidence)[("kernel-deadlock", "n1")]
    # 0.2 × 5 × 2 = 2.0; Ready=Unknown is a problem, both ratios multiply
    assert record.posterior_per_year == 0.2 and record.rate_per_year == pytest.approx(2.0)


def test_false_condition_and_other_scopes_change_nothing() -> None:
    catalog = Catalog(failure_modes=(_mode(), _mode(id="zone-thing", scope="zone")))
    evidence = _evidence(conditions=[NodeCondition("n1", "KernelDeadlock", "False")],
                         events=[_event("n2", "TaskHung", 1)])
    rates = adjusted_rates(catalog, ["n1", "n2"], evidence)
    assert list(rates) == [("kernel-deadlock", "n2")]
    # (0.2 + 1)/(1 + 30/365) = 1.108860…
    assert rates[("kernel-deadlock", "n2")].rate_per_year == pytest.approx(1.108861, rel=1e-5)


def test_prior_weight_and_events_before_window() -> None:
    catalog = Catalog(failure_modes=(_mode(prior_weight_years=2.0),))
    evidence = _evidence(events=[_event("n1", "TaskHung", 4), _event("n1", "TaskHung", 7, days_ago=40)])
    record = adjusted_rates(catalog, ["n1"], evidence)[("kernel-deadlock", "n1")]
    # the 40-day-old event is outside the 30-day window; (0.2·2 + 4)/(2 + 0.0821918) = 2.113158…
    assert record.event_count == 4 and record.rate_per_year == pytest.approx(2.113158, rel=1e-5)


def test_window_defaults_to_earliest_event() -> None:
    evidence = _evidence(events=[_event("n1", "TaskHung", 1, days_ago=73)], window_start=None)
    assert observation_window_years(evidence) == pytest.approx(73 / 365)


def test_blind_spots() -> None:
    evidence = _evidence(conditions=[NodeCondition("n1", "KernelDeadlock", "False"),
                                     NodeCondition("n2", "Ready", "True")])
    assert blind_spot_nodes(["n1", "n2", "n3"], evidence) == ["n2", "n3"]
