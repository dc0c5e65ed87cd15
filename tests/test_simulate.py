"""Monte Carlo engine against independent references: analytic EAL, a compound Poisson–
lognormal computed here with plain numpy, a quorum formula, and reproducibility.

Statistical checks use fixed seeds and tolerances of 3–4 standard errors (a correct engine
fails such a check with probability below 0.3% per assertion, and never with these seeds).
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import catalog, measure, mode, node, scenario, service, workload

from riskmodel.engine.impact import FailedSet
from riskmodel.plan.planner import Planner
from riskmodel.simulate.montecarlo import simulate
from riskmodel.simulate.result import compare
from riskmodel.simulate.tables import InjectedFailure

MINUTES_PER_YEAR = 525_600.0
REPAIR = {"low": 30, "high": 300}


def one_node_shop():
    """api on the only node: nothing can reschedule, nothing else can overlap."""
    return scenario(["a"], [node("n1", "a")], [workload("api", ["n1"])], [service("shop", ["api"], cost_per_hour=600)])


def test_no_overlap_mean_matches_analytic_eal():
    # One node, 2 incidents/year of ~2 h: the chance two overlap is ~2·2·120/525,600 per year, so
    # the simulated mean must equal the analytic EAL up to Monte Carlo noise (3 standard errors).
    modes = [mode("node-loss", "node", frequency={"low": 1, "high": 4}, detect=5, repair=REPAIR)]
    planner = Planner(one_node_shop(), catalog(modes))
    result = simulate(planner, years=20_000, seed=11)
    assert result.analytic_eal > 0
    assert abs(result.mean_loss - result.analytic_eal) < 3 * result.std_error
    assert result.overlapped_share < 0.01


def test_plan_matches_analytic_eal_with_measures():
    # A prevention measure halves the frequency: the simulated mean follows the planner's EAL.
    modes = [mode("node-loss", "node", frequency=3, detect=5, repair=REPAIR)]
    halve = measure("hardening", "prevention", {"frequency_factor": 0.5}, per_year=10)
    planner = Planner(one_node_shop(), catalog(modes, [halve]))
    base = simulate(planner, years=20_000, seed=5)
    planned = simulate(planner, ["hardening"], years=20_000, seed=5)
    assert planned.analytic_eal == pytest.approx(base.analytic_eal / 2)
    assert abs(planned.mean_loss - planned.analytic_eal) < 3 * planned.std_error
    side_by_side = compare(base, planned)
    assert side_by_side.base.mean_loss > side_by_side.with_plan.mean_loss
    assert side_by_side.with_plan.measures == ("hardening",)
    assert side_by_side.difference.mean_loss_avoided == pytest.approx(base.mean_loss - planned.mean_loss)
    assert side_by_side.to_dict()["with_plan"]["measures"] == ["hardening"]


def test_single_risk_matches_compound_poisson_lognormal():
    # Workload outage: loss = $600/h · repair minutes/60 = $10 · repair, repair lognormal on its
    # 90% interval, 3 incidents/year. Reference: the same compound law drawn here with numpy.
    modes = [mode("crash", "workload", frequency=3, detect=0, repair=REPAIR)]
    result = simulate(Planner(one_node_shop(), catalog(modes)), years=40_000, seed=3)
    rng = np.random.default_rng(99)
    mu = (np.log(30) + np.log(300)) / 2
    sigma = (np.log(300) - np.log(30)) / (2 * 1.6448536269514722)
    counts = rng.poisson(3.0, 200_000)
    repairs = rng.lognormal(mu, sigma, counts.sum())
    reference = np.bincount(np.repeat(np.arange(len(counts)), counts), 10.0 * repairs, minlength=len(counts))
    exact_mean = 3 * 10.0 * np.exp(mu + sigma**2 / 2)
    assert reference.mean() == pytest.approx(exact_mean, rel=0.01)
    assert abs(result.mean_loss - exact_mean) < 3 * result.std_error
    # P90 compared on the probability scale: the share of simulated years above the reference
    # P90 is 0.10 ± 4·sqrt(0.1·0.9/40,000) = ±0.006 (plus the reference's own ±0.003).
    above = float((result.annual_loss > np.quantile(reference, 0.9)).mean())
    assert abs(above - 0.10) < 0.009
    assert result.p90 == pytest.approx(np.quantile(reference, 0.9), rel=0.05)


def quorum():
    return scenario(["a", "b", "c"], [node("n1", "a"), node("n2", "b"), node("n3", "c")],
                    [workload("etcd", ["n1", "n2", "n3"], kind="ControlPlane", quorum=True)],
                    [service("kubernetes-api", ["etcd"], cost_per_hour=1000)])


def test_quorum_loss_comes_only_from_overlaps():
    # Fixed 250-minute node incidents at 50/year/node: a node is down at a random minute with
    # p = 1 - exp(-50·250/525,600) (Poisson coverage); the API is down while >= 2 of 3 are down:
    # P = 3p²(1-p) + p³. Expected loss = 525,600 · P minutes · $1,000/60 per minute.
    modes = [mode("node-loss", "node", frequency=50, detect=10, repair=240)]
    result = simulate(Planner(quorum(), catalog(modes)), years=3_000, seed=7)
    p = 1 - np.exp(-50 * 250 / MINUTES_PER_YEAR)
    expected = MINUTES_PER_YEAR * (3 * p**2 * (1 - p) + p**3) * 1000 / 60
    assert result.analytic_eal == 0.0
    assert result.mean_loss > 20 * result.std_error
    assert abs(result.mean_loss - expected) < 3 * result.std_error
    assert result.combined_share > 0 and result.services[0].mean_bad_minutes > 0


def two_apis(spare_cpu: str):
    """api1 on n1, api2 on n2 (2 cpu each), n3 has ``spare_cpu`` free: room for one or both."""
    labels = {"labels": {"pool": "app"}}
    return scenario(["a"], [node("n1", "a", **labels), node("n2", "a", **labels), node("n3", "a", cpu=spare_cpu)],
                    [workload("api1", ["n1"], cpu="2"), workload("api2", ["n2"], cpu="2")],
                    [service("s1", ["api1"], cost_per_hour=600), service("s2", ["api2"], cost_per_hour=600)])


NODE_LOSS = mode("node-loss", "node", frequency=50, detect=3, repair=60, targets={"node_labels": {"pool": "app"}})


def test_overlapping_node_losses_exhaust_reschedule_room():
    # n3 holds one 2-cpu pod: either node alone reschedules after 10 minutes, both at once leave
    # one api down until repair. About 0.6 overlaps a year (50 · 50 · 126 min / 525,600 min)
    # cost ≈ $80 a year more than the sum of their stand-alone losses (80 ± 5 over 40,000 years,
    # under both the old and the current random stream); 16,000 years put it ≈ 10 σ above.
    result = simulate(Planner(two_apis("2"), catalog([NODE_LOSS])), years=16_000, seed=2)
    assert result.mean_loss - result.analytic_eal > 5 * result.std_error
    assert result.combined_share == pytest.approx(result.overlapped_share)


def test_roomy_overlaps_stay_additive():
    # With room for both pods, overlaps of n1 with n2 are proven additive by the room check and
    # skip the exact evaluation; only overlaps of a node with itself (about half) need it. Those
    # can only lower the loss (the union of two outages of one node is shorter than their sum).
    result = simulate(Planner(two_apis("8"), catalog([NODE_LOSS])), years=4_000, seed=2)
    assert 0 < result.combined_share < 0.75 * result.overlapped_share
    assert result.mean_loss < result.analytic_eal + 3 * result.std_error


def test_no_scheduling_overlap_blocks_rescheduling():
    # A registry outage (no_scheduling, down ~32% of the time) during a node loss keeps the api
    # down until repair (63 min) instead of 10 min: more loss than the analytic EAL, but less
    # than if nothing ever rescheduled (50 · $630).
    modes = [mode("node-loss", "node", frequency=50, detect=3, repair=60, targets={"node_labels": {"pool": "app"}}),
             mode("registry-down", "cluster", frequency=100, detect=0, repair=2000, effect={"type": "no_scheduling"})]
    result = simulate(Planner(two_apis("8"), catalog(modes)), years=600, seed=4)
    assert result.mean_loss - result.analytic_eal > 5 * result.std_error
    assert result.mean_loss < 2 * 50 * 630


def test_injected_failure_costs_the_same_every_year():
    # n1 down at t=0 for 60 min and no random failures. An injected failure is known at once (no
    # detect time): api1 is down for eviction 5 + start-up 2 = 7 minutes at $10/min = $70 a year.
    modes = [mode("node-loss", "node", frequency=0, detect=3, repair=60)]
    failure = InjectedFailure("n1", FailedSet(nodes=frozenset({"n1"})), start_minutes=0, duration_minutes=60)
    result = simulate(Planner(two_apis("8"), catalog(modes)), years=200, seed=1, injected=[failure])
    assert result.p50 == pytest.approx(70.0) and result.p99 == pytest.approx(70.0)
    assert result.modes[-1].id == "injected:n1" and result.modes[-1].loss_share == pytest.approx(1.0)


def test_same_seed_same_numbers_and_chunking_does_not_matter():
    planner = Planner(quorum(), catalog([mode("node-loss", "node", frequency=50, detect=10, repair=REPAIR)]))
    first = simulate(planner, years=1_000, seed=42, chunk_years=100)
    again = simulate(planner, years=1_000, seed=42, chunk_years=1_000)
    other = simulate(planner, years=1_000, seed=43)
    # Per-year losses are bit-identical; sums over chunks differ only by float rounding order.
    assert np.array_equal(first.annual_loss, again.annual_loss)
    assert first.mean_loss == again.mean_loss and first.p99 == again.p99
    assert first.modes[0].mean_loss == pytest.approx(again.modes[0].mean_loss, rel=1e-12)
    assert [s.mean_bad_minutes for s in first.services] == pytest.approx([s.mean_bad_minutes for s in again.services])
    assert not np.array_equal(first.annual_loss, other.annual_loss)


def test_generator_seeds_are_reproducible_and_required():
    planner = Planner(one_node_shop(), catalog([mode("node-loss", "node", frequency=3, detect=5, repair=REPAIR)]))
    one = simulate(planner, years=300, rng=np.random.default_rng(8))
    two = simulate(planner, years=300, rng=np.random.default_rng(8))
    assert np.array_equal(one.annual_loss, two.annual_loss)
    with pytest.raises(ValueError, match="seed"):
        simulate(planner, years=300)


def test_result_shape_and_progress():
    # 5,000 incidents a year: blocks of 200 years (a million incidents at most), chunks of
    # whole blocks (300 years asked → 400), the last chunk what is left.
    planner = Planner(one_node_shop(), catalog([mode("node-loss", "node", frequency=5_000, detect=5, repair=REPAIR)]))
    calls: list[tuple[int, int]] = []
    result = simulate(planner, years=600, seed=1, chunk_years=300, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(400, 600), (600, 600)]
    data = result.to_dict()
    for key in ("mean_loss", "p50", "p90", "p99", "std_error", "services", "modes", "exceedance", "convergence"):
        assert key in data
    assert data["services"][0]["name"] == "shop" and 0 <= data["services"][0]["p_budget_exhausted"] <= 1
    probabilities = [point["probability"] for point in data["exceedance"]]
    assert probabilities == sorted(probabilities, reverse=True)
    assert result.p50 <= result.p90 <= result.p99
