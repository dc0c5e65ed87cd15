"""Uncertain inputs, the vectorised evaluator, the tornado, ranking stability and EVPI.

Closed forms use one workload-scope failure mode (nothing reschedules), so one incident
costs cost_per_hour / 60 × (detect + repair) and EAL = λ × that. Its frequency is the 90%
interval {0.5, 2}: a lognormal with μ = 0 and σ = ln 4 / (2 · 1.6449).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from builders import catalog, measure, mode, node, scenario, service, workload

from riskmodel.analytics.batch import BatchEvaluator, rate_coefficients
from riskmodel.analytics.inputs import PLACEHOLDER_SPREAD, uncertain_inputs
from riskmodel.analytics.sensitivity import sensitivity
from riskmodel.analytics.stability import draw_sample, ranking_stability
from riskmodel.analytics.uncertainty import plan_candidates, uncertainty
from riskmodel.analytics.voi import value_of_information
from riskmodel.engine.risk import RiskModel
from riskmodel.files.loader import SHIPPED_SCENARIOS
from riskmodel.model.estimate import Z_90
from riskmodel.model.placeholders import placeholders
from riskmodel.plan.planner import Planner
from riskmodel.report.analysis import analyse, rank_report
from riskmodel.sources.scenario import load_scenario

SIGMA = math.log(4.0) / (2 * Z_90)
MEAN = math.exp(SIGMA**2 / 2)
PER_MINUTE = 600.0 / 60.0


def phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def two_measure_planner(cost: float = 270.0) -> Planner:
    """crash (λ ∈ {0.5, 2}, 10 + 50 min) and hang (0.8/yr, 10 + 50 min) on one $600/h service;
    measure A halves crash, B halves hang, each costs ``cost`` and the budget fits one."""
    cluster = scenario(["z"], [node("n1", "z"), node("n2", "z")],
                       [workload("app", ["n1"]), workload("worker", ["n2"])],
                       [service("shop", ["app", "worker"], 600.0)])
    modes = [mode("crash", "workload", {"low": 0.5, "high": 2.0}, 10.0, 50.0, targets={"names": ["app"]}),
             mode("hang", "workload", 0.8, 10.0, 50.0, targets={"names": ["worker"]})]
    measures = [measure("fix-crash", "prevention", {"frequency_factor": 0.5}, per_year=cost, applies_to=("crash",)),
                measure("fix-hang", "prevention", {"frequency_factor": 0.5}, per_year=cost, applies_to=("hang",))]
    return Planner(cluster, catalog(modes, measures))


def batch_of(planner: Planner) -> BatchEvaluator:
    return BatchEvaluator(planner, uncertain_inputs(planner.catalog, planner.scenario, placeholders(planner.scenario)))


def test_the_batch_evaluator_reproduces_the_planner_on_the_demo() -> None:
    analysis = analyse(load_scenario(SHIPPED_SCENARIOS / "demo.yaml"))
    planner = analysis.planner
    alpha, beta = rate_coefficients(analysis.model)
    prior = np.array([m.frequency_point for m in analysis.model.modes])[analysis.model.pair_mode]
    assert alpha + beta * prior == pytest.approx(analysis.model.base_rate, rel=1e-12)
    batch = batch_of(planner)
    point = batch.values()
    ranked = [r.id for r in planner.rank()]
    for ids in [(), ranked[:1], ranked[:6], ("topology-spread-zones", "spare-node-capacity", "runbooks"),
                ("regional-storage", "dns-autoscaling", "npd-remedy-controller")]:
        assert batch.eal(point, ids).sum() == pytest.approx(planner.evaluate(ids).eal_per_year, rel=1e-9), ids
    budget = rank_report(analysis).plan.budget
    candidates = plan_candidates(planner, budget)
    chosen = batch.greedy(point, budget, candidates).chosen[0]
    assert sorted(c for c, taken in zip(candidates, chosen, strict=True) if taken) == sorted(
        planner.greedy(budget, candidates))


def test_a_tornado_bar_of_a_single_mode_scenario_is_the_closed_form() -> None:
    cluster = scenario(["z"], [node("n1", "z")], [workload("app", ["n1"])], [service("shop", ["app"], 600.0)])
    crash = mode("crash", "workload", {"low": 0.5, "high": 2.0}, 10.0, {"low": 20.0, "high": 80.0})
    planner = Planner(cluster, catalog([crash]))
    batch = batch_of(planner)
    repair_mean = math.exp((math.log(20) + math.log(80)) / 2 + (math.log(4) / (2 * Z_90)) ** 2 / 2)
    result = sensitivity(batch, batch.inputs, 0.0, [], planner.base)
    bars = {bar.input: bar for bar in result.bars}
    frequency = bars["failure_modes.crash.frequency_per_year"]
    assert (frequency.eal_at_low, frequency.eal_at_high) == pytest.approx(
        (0.5 * PER_MINUTE * (10 + repair_mean), 2.0 * PER_MINUTE * (10 + repair_mean)), rel=1e-12)
    repair = bars["failure_modes.crash.repair_minutes"]
    assert (repair.eal_at_low, repair.eal_at_high) == pytest.approx(
        (MEAN * PER_MINUTE * 30, MEAN * PER_MINUTE * 90), rel=1e-12)
    assert result.eal_per_year == pytest.approx(MEAN * PER_MINUTE * (10 + repair_mean), rel=1e-12)
    assert [bar.input for bar in result.bars] == ["failure_modes.crash.frequency_per_year",
                                                 "failure_modes.crash.repair_minutes"]


def test_the_tornado_says_which_measures_enter_and_leave_the_plan() -> None:
    """Budget for one measure: A halves crash (gain 300λ), B halves hang (gain 240). At the mean
    λ (1.093) A wins; at λ = 0.5 B enters and A leaves; at λ = 2 nothing changes."""
    planner = two_measure_planner(cost=100.0)
    batch = batch_of(planner)
    result = sensitivity(batch, batch.inputs, 100.0, plan_candidates(planner, 100.0), planner.base)
    bar = result.bars[0]
    assert result.plan == ("fix-crash",)
    assert (bar.enters_at_low, bar.leaves_at_low) == (("fix-hang",), ("fix-crash",))
    assert (bar.enters_at_high, bar.leaves_at_high) == ((), ())


def test_evpi_of_a_two_action_decision_with_one_uncertain_input_is_the_closed_form() -> None:
    """Fund A or B (equal cost): V_B − V_A = 240 − 300λ. A is better on average, so
    EVPI = E[max(0, 240 − 300λ)] = 240·Φ(ln 0.8/σ) − 300·e^{σ²/2}·Φ(ln 0.8/σ − σ).
    20,000 draws: the standard error of the sample EVPI is ≈ 0.3 $/yr; the tolerance is 1.5."""
    planner = two_measure_planner()
    batch = batch_of(planner)
    k = math.log(0.8)
    closed = 240 * phi(k / SIGMA) - 300 * MEAN * phi(k / SIGMA - SIGMA)
    sample = draw_sample(batch, batch.inputs, 270.0, plan_candidates(planner, 270.0), 20_000,
                         np.random.default_rng(11))
    voi = value_of_information(batch, batch.inputs, sample, ("fix-crash",))
    assert voi.alternatives == 2 and voi.coverage == 1.0
    assert voi.evpi_per_year == pytest.approx(closed, abs=1.5)
    only = voi.inputs[0]
    assert only.input == "failure_modes.crash.frequency_per_year"
    assert only.evpi_per_year == pytest.approx(closed, abs=1.5)


def test_ranking_stability_shares_are_the_lognormal_probabilities() -> None:
    """A is in the plan iff 300λ > 240, i.e. P = 1 − Φ(ln 0.8/σ) ≈ 0.702; the decided plan {A}
    loses money iff 300λ < 270: P = Φ(ln 0.9/σ) ≈ 0.401. 4,000 draws: 4 standard errors ≈ 0.03."""
    planner = two_measure_planner()
    batch = batch_of(planner)
    sample = draw_sample(batch, batch.inputs, 270.0, plan_candidates(planner, 270.0), 4000, np.random.default_rng(5))
    stability = ranking_stability(batch, sample, ("fix-crash",), 270.0, seed=5)
    shares = {m.measure_id: m.p_in_plan for m in stability.measures}
    assert shares["fix-crash"] == pytest.approx(1 - phi(math.log(0.8) / SIGMA), abs=0.03)
    assert shares["fix-hang"] == pytest.approx(phi(math.log(0.8) / SIGMA), abs=0.03)
    assert stability.net_benefit.p_negative == pytest.approx(phi(math.log(0.9) / SIGMA), abs=0.03)
    assert stability.net_benefit.at_point == pytest.approx(300 * MEAN - 270, rel=1e-12)
    assert not any(m.stable for m in stability.measures)


def test_without_uncertain_inputs_every_share_is_the_point_answer() -> None:
    cluster = scenario(["z"], [node("n1", "z"), node("n2", "z")],
                       [workload("app", ["n1"]), workload("worker", ["n2"])], [service("shop", ["app", "worker"], 600.0)])
    modes = [mode(f"m{i}", "workload", 0.1 * (i + 1), 5.0, 30.0) for i in range(7)]
    planner = Planner(cluster, catalog(modes, [measure("a", "prevention", {"frequency_factor": 0.5}, per_year=10,
                                                       applies_to=("m6",))]))
    result = uncertainty(planner, (), 10.0, ("a",), draws=50, seed=1)
    assert result.inputs.sampled == ()
    assert {m.failure_mode_id: m.p_top for m in result.stability.modes} == {
        "m6": 1.0, "m5": 1.0, "m4": 1.0, "m3": 1.0, "m2": 1.0, "m1": 0.0, "m0": 0.0}
    assert [(m.measure_id, m.p_in_plan) for m in result.stability.measures] == [("a", 1.0)]
    net = result.stability.net_benefit
    assert net.p5 == net.p95 == pytest.approx(net.at_point) and result.value_of_information.evpi_per_year == 0.0


def test_the_same_seed_gives_the_same_answers() -> None:
    planner = two_measure_planner()
    first = uncertainty(planner, (), 270.0, ("fix-crash",), draws=200, seed=3)
    again = uncertainty(planner, (), 270.0, ("fix-crash",), draws=200, seed=3)
    other = uncertainty(planner, (), 270.0, ("fix-crash",), draws=200, seed=4)
    assert first.stability == again.stability and first.value_of_information == again.value_of_information
    assert first.stability.net_benefit != other.stability.net_benefit


def test_placeholders_are_sampled_varied_with_and_without_or_skipped_with_a_reason() -> None:
    entries = [{"field": "services.shop.cost_per_hour", "reason": "no annotation"},
               {"field": "services.shop.slo", "reason": "no annotation"},
               {"field": "services.shop.depends_on.db", "reason": "env DB_HOST"},
               {"field": "zones.z", "reason": "no zone label"}]
    cluster = scenario(["z"], [node("n1", "z"), node("n2", "z")],
                       [workload("app", ["n1"]), workload("db", ["n2"])],
                       [service("db", ["db"], 0.0), service("shop", ["app"], 600.0, depends_on=["db"])],
                       placeholders=entries)
    modes = [mode("crash", "workload", 1.0, 10.0, 50.0, targets={"names": ["app"]}),
             mode("db-crash", "workload", 0.5, 10.0, 50.0, targets={"names": ["db"]})]
    planner = Planner(cluster, catalog(modes))
    inputs = uncertain_inputs(planner.catalog, cluster, placeholders(cluster))
    assert [i.id for i in inputs.sampled] == ["services.shop.cost_per_hour"]
    assert [s.id for s in inputs.structural] == ["services.shop.depends_on.db"]
    assert {s.id: s.reason for s in inputs.skipped}.keys() == {"services.shop.slo", "zones.z"}
    batch = BatchEvaluator(planner, inputs)
    result = sensitivity(batch, inputs, 0.0, [], planner.base)
    bars = {bar.input: bar for bar in result.bars}
    both = (1.0 + 0.5) * 60 / 60.0
    cost = bars["services.shop.cost_per_hour"]
    assert (cost.eal_at_low, cost.eal_at_high) == pytest.approx(
        (both * 600 / PLACEHOLDER_SPREAD, both * 600 * PLACEHOLDER_SPREAD), rel=1e-12)
    dependency = bars["services.shop.depends_on.db"]
    assert (dependency.eal_at_low, dependency.eal_at_high) == pytest.approx((600.0, both * 600), rel=1e-12)
    drawn = batch.values(np.array([[60.0, 6000.0]]))
    assert batch.eal(drawn).sum(axis=0) == pytest.approx([both * 60, both * 6000], rel=1e-12)


def test_a_placeholder_cost_of_a_service_down_now_changes_nothing() -> None:
    cluster = scenario(["z"], [node("n1", "z"), node("n2", "z", ready=False)],
                       [workload("app", ["n1"]), workload("db", [], desired_replicas=1)],
                       [service("shop", ["app", "db"], 600.0)],
                       placeholders=[{"field": "services.shop.cost_per_hour", "reason": "no annotation"}])
    planner = Planner(cluster, catalog([mode("crash", "workload", 1.0, 10.0, 50.0)]))
    batch = batch_of(planner)
    assert batch.eal(batch.values(np.array([[60.0, 6000.0]]))).sum(axis=0) == pytest.approx([0.0, 0.0], abs=1e-9)
    assert RiskModel(cluster, planner.catalog).evaluate().eal_per_year == pytest.approx(0.0, abs=1e-9)
