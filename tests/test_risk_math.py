"""The math contract of the math contract (docs/formats.md) against numbers computed by hand in the comments."""

from __future__ import annotations

import pytest
from builders import catalog, measure, mode, node, scenario, service, workload

from riskmodel.engine.register import build_register
from riskmodel.engine.risk import RiskModel
from riskmodel.plan.planner import Planner, annual_cost
from riskmodel.simulate.whatif import whatif

NODE_LOSS = mode("node-loss", "node", frequency=0.5, detect=3, repair=60)


def api_cluster(filler_cpu: str):
    """api (1 replica, 2 cpu) on n1; a filler on n2 leaves 4 - filler_cpu free for rescheduling."""
    return scenario(
        ["a", "b"],
        [node("n1", "a"), node("n2", "b")],
        [workload("api", ["n1"], cpu="2"), workload("filler", ["n2"], cpu=filler_cpu)],
        [service("shop", ["api"], cost_per_hour=600)],
    )


@pytest.mark.parametrize(("slo", "budget_minutes"), [(0.999, 525.6), (0.9995, 262.8), (0.99, 5256.0)])
def test_error_budget_minutes(slo, budget_minutes):
    # (1 - SLO) * 525,600 minutes per year
    cluster = scenario(["a"], [node("n1", "a")], [workload("w", ["n1"])],
                       [service("s", ["w"], 1, slo=slo)])
    assert cluster.services[0].error_budget_minutes_per_year == pytest.approx(budget_minutes)


def test_rescheduled_when_capacity_allows():
    # n1 fails: api is down until rescheduled at detect 3 + eviction 5 + start-up 2 = 10 minutes.
    # Cost per incident = 600 $/h * 10/60 h = $100; EAL = 0.5/yr * $100 = $50; n2's loss hits no service.
    # Bad minutes of shop = 0.5 * 10 = 5 per year.
    model = RiskModel(api_cluster(filler_cpu="1"), catalog([NODE_LOSS]))
    evaluation = model.evaluate()
    assert evaluation.eal_per_year == pytest.approx(50.0)
    assert evaluation.bad_minutes_per_service[0] == pytest.approx(5.0)
    radius = whatif(model.scenario, ["node:n1"])
    assert radius.rescheduled_pods == (("api-0", "n2"),) and radius.unschedulable_pods == ()
    assert radius.cost_per_hour == pytest.approx(600) and radius.cost_per_hour_after_reschedule == 0


def test_stays_down_when_capacity_does_not_allow():
    # n2 has 4 - 3 = 1 cpu free < 2 requested: api stays down detect 3 + repair 60 = 63 minutes.
    # Cost per incident = 600 * 63/60 = $630; EAL = 0.5 * 630 = $315.
    model = RiskModel(api_cluster(filler_cpu="3"), catalog([NODE_LOSS]))
    assert model.evaluate().eal_per_year == pytest.approx(315.0)
    radius = whatif(model.scenario, ["node:n1"])
    assert radius.unschedulable_pods == ("api-0",) and radius.down_services_after_reschedule == ("shop",)


def quorum_cluster():
    return scenario(
        ["a", "b", "c"],
        [node("n1", "a"), node("n2", "b"), node("n3", "c"), node("n4", "a")],
        [workload("etcd", ["n1", "n2", "n3"], kind="ControlPlane", quorum=True)],
        [service("kubernetes-api", ["etcd"], cost_per_hour=1000)],
    )


def test_quorum_survives_a_zone_but_not_two_overlapping_node_losses():
    # 3 members need floor(3/2)+1 = 2. Zone a takes n1 (and n4): 2 survive -> degraded only.
    zone = whatif(quorum_cluster(), ["zone:a"])
    assert zone.failed_nodes == ("n1", "n4")
    assert zone.unavailable_workloads == () and zone.degraded_workloads == ("etcd",)
    assert zone.down_services == () and zone.cost_per_hour == 0
    # n1 and n2 at once: 1 survives < 2 -> unavailable, the API is down at $1,000/h.
    both = whatif(quorum_cluster(), ["node:n1", "node:n2"])
    assert both.unavailable_workloads == ("etcd",) and both.down_services == ("kubernetes-api",)
    assert both.cost_per_hour == pytest.approx(1000)
    # Control-plane members are static pods: nothing is rescheduled.
    assert both.rescheduled_pods == () and both.down_services_after_reschedule == ("kubernetes-api",)


def zonal_cluster(n2_filler_cpu: str, zonal: bool = True):
    return scenario(
        ["a", "b"],
        [node("n1", "a"), node("n2", "a"), node("n3", "b")],
        [workload("pg", ["n1"], cpu="2", kind="StatefulSet", zonal_volumes=zonal),
         workload("filler", ["n2"], cpu=n2_filler_cpu)],
        [service("db", ["pg"], cost_per_hour=100)],
    )


def test_zonal_volume_cannot_leave_its_zone():
    # n3 in zone b is empty but pg's disk lives in zone a, and n2 has only 0.5 cpu free.
    stuck = whatif(zonal_cluster("3500m"), ["node:n1"])
    assert stuck.unschedulable_pods == ("pg-0",) and stuck.down_services_after_reschedule == ("db",)
    # Same cluster with a regional disk: pg moves to n3.
    assert whatif(zonal_cluster("3500m", zonal=False), ["node:n1"]).rescheduled_pods == (("pg-0", "n3"),)
    # Room in zone a: pg moves to n2, its zone.
    assert whatif(zonal_cluster("1"), ["node:n1"]).rescheduled_pods == (("pg-0", "n2"),)


def test_transitive_service_outage():
    # front -> mid -> back (hard dependencies); back's workload fails: all three are down.
    # Cost per hour = 300 + 200 + 100 = $600.
    cluster = scenario(
        ["a"], [node("n1", "a"), node("n2", "a"), node("n3", "a")],
        [workload("fw", ["n1"]), workload("mw", ["n2"]), workload("bw", ["n3"])],
        [service("front", ["fw"], 300, depends_on=["mid"]), service("mid", ["mw"], 200, depends_on=["back"]),
         service("back", ["bw"], 100)],
    )
    radius = whatif(cluster, ["workload:bw"])
    assert radius.down_services == ("front", "mid", "back")
    assert radius.cost_per_hour == pytest.approx(600)
    assert whatif(cluster, ["workload:fw"]).down_services == ("front",)


PREVENT_HALF = measure("prevent-half", "prevention", {"frequency_factor": 0.5}, per_year=10,
                       applies_to=("node-loss",))
PREVENT_40 = measure("prevent-40", "prevention", {"frequency_factor": 0.4}, per_year=10, applies_to=("node",))


def test_prevention_measure_delta_eal():
    # Base EAL $50 (test above); frequency halved -> $25; ΔEAL = $25.
    planner = Planner(api_cluster("1"), catalog([NODE_LOSS], [PREVENT_HALF, PREVENT_40]))
    ranked = {r.id: r for r in planner.rank()}
    assert ranked["prevent-half"].eal_reduction == pytest.approx(25.0)
    assert ranked["prevent-half"].net_benefit == pytest.approx(15.0)
    assert ranked["prevent-half"].roi == pytest.approx(2.5)


def test_two_factors_on_one_mode_multiply():
    # 0.5 * 0.4 = 0.2 of the base frequency: EAL = 50 * 0.2 = $10.
    planner = Planner(api_cluster("1"), catalog([NODE_LOSS], [PREVENT_HALF, PREVENT_40]))
    assert planner.evaluate(["prevent-half", "prevent-40"]).eal_per_year == pytest.approx(10.0)


def test_recovery_and_drain_shorten_phase_a():
    # detect_factor 0.5: detect 1.5 -> rescheduled at 1.5 + 5 + 2 = 8.5 min -> $85 -> EAL $42.50.
    # auto_drain: evicted on detection, rescheduled at 3 + 2 = 5 min -> $50 -> EAL $25.
    faster = measure("alerting", "recovery", {"detect_factor": 0.5})
    drain = measure("remedy", "recovery", {"auto_drain": True})
    planner = Planner(api_cluster("1"), catalog([NODE_LOSS], [faster, drain]))
    assert planner.evaluate(["alerting"]).eal_per_year == pytest.approx(42.5)
    assert planner.evaluate(["remedy"]).eal_per_year == pytest.approx(25.0)


def test_kernel_deadlock_without_eviction_waits_for_repair_unless_drained():
    # auto_eviction false: the node stays Ready, so pods wait for detect 3 + repair 60 = 63 min ($630/incident,
    # EAL $315) even though they would fit elsewhere; a remedy controller drains at 3 + 2 = 5 min (EAL $25).
    deadlock = mode("deadlock", "node", frequency=0.5, detect=3, repair=60, effect={"auto_eviction": False})
    drain = measure("remedy", "recovery", {"auto_drain": True})
    planner = Planner(api_cluster("1"), catalog([deadlock], [drain]))
    assert planner.evaluate([]).eal_per_year == pytest.approx(315.0)
    assert planner.evaluate(["remedy"]).eal_per_year == pytest.approx(25.0)


def test_annual_cost_amortises_once_over_three_years():
    # per_year 1000 + once 3000 / 3 years = $2,000 per year.
    m = measure("m", "prevention", {"frequency_factor": 0.5}, per_year=1000, once=3000)
    assert annual_cost(m, api_cluster("1")) == pytest.approx(2000.0)


def test_more_replicas_remove_a_single_replica_outage():
    # add_replicas 1 on single-replica workloads: api gets a second pod in zone b, so losing n1 leaves
    # 1 >= 1 required replica: shop is never down and its EAL drops from $50 to $0.
    more = measure("more-replicas", "mitigation", {"add_replicas": 1}, targets={"max_replicas": 1,
                                                                                 "names": ["api"]})
    planner = Planner(api_cluster("1"), catalog([NODE_LOSS], [more]))
    assert planner.evaluate(["more-replicas"]).eal_per_year == pytest.approx(0.0)
    assert planner.model_for(("more-replicas",)).scenario.workloads_by_name["api"].pods == ("n1", "n2")


def services_cluster():
    """Three services hit by three service-scope modes, one per hour-long outage a year."""
    return scenario(
        ["a"], [node("n1", "a")], [workload("x", ["n1"]), workload("y", ["n1"]), workload("z", ["n1"])],
        [service("sx", ["x"], 600), service("sy", ["y"], 480), service("sz", ["z"], 460)],
    )


def knapsack_planner():
    modes = [mode(f"m-{s}", "service", frequency=1, detect=0, repair=60, targets={"names": [s]})
             for s in ("sx", "sy", "sz")]
    # Halving each mode's frequency saves 300, 240 and 230 $/yr; the measures cost 600, 500 and 500 $/yr.
    measures = [measure(f"fix-{s}", "prevention", {"frequency_factor": 0.5}, per_year=cost, applies_to=(f"m-{s}",))
                for s, cost in (("sx", 600), ("sy", 500), ("sz", 500))]
    return Planner(services_cluster(), catalog(modes, measures))


def test_greedy_is_checked_by_exhaustive_search():
    planner = knapsack_planner()
    assert planner.evaluate([]).eal_per_year == pytest.approx(1540.0)  # 600 + 480 + 460
    ids = ["fix-sx", "fix-sy", "fix-sz"]
    # Budget 1,100: greedy takes fix-sx (0.50 $/$) then fix-sy (0.48): saves 540 = exhaustive optimum.
    assert planner.greedy(1100, ids) == ["fix-sx", "fix-sy"]
    assert sorted(planner.exhaustive(1100, ids)) == ["fix-sx", "fix-sy"]
    assert planner.plan(1100).method == "greedy (exhaustive search agrees)"
    # Budget 1,000: greedy takes fix-sx (600) and nothing else fits: saves 300. Exhaustive finds
    # fix-sy + fix-sz (1,000): saves 470, and the plan keeps the better answer.
    assert planner.greedy(1000, ids) == ["fix-sx"]
    plan = planner.plan(1000)
    assert sorted(plan.selected) == ["fix-sy", "fix-sz"] and plan.method == "exhaustive"
    assert plan.residual_eal_per_year == pytest.approx(1540 - 470)


def test_frontier_steps_down_with_budget():
    points = knapsack_planner().frontier()
    assert [p.budget for p in points] == [0, 600, 1100, 1600]
    assert [p.residual_eal_per_year for p in points] == pytest.approx([1540, 1240, 1000, 770])


def test_register_aggregates_and_flags():
    # Only n1's loss costs money ($50/yr of EAL, all in zone a). Shop's budget is 525.6 min;
    # node-loss uses 5 min = 0.95% < 25%: no flag. With the budget share at 0.5%, it is flagged.
    model = RiskModel(api_cluster("1"), catalog([NODE_LOSS]))
    register = build_register(model)
    assert register.nodes == pytest.approx({"n1": 50.0, "n2": 0.0})
    assert register.zones == pytest.approx({"a": 50.0, "b": 0.0})
    assert register.services[0].eal_per_year == pytest.approx(50.0)
    assert register.flags == ()
    strict = api_cluster("1").model_copy(update={"settings": api_cluster("1").settings.model_copy(
        update={"budget_share_flag": 0.005})})
    flagged = build_register(RiskModel(strict, catalog([NODE_LOSS])))
    assert [(f.failure_mode_id, f.service) for f in flagged.flags] == [("node-loss", "shop")]
    assert flagged.flags[0].budget_share == pytest.approx(5 / 525.6)


def test_spare_capacity_lets_a_stuck_pod_reschedule():
    # Without room api stays down 63 min (EAL $315, above). One spare node per zone (a copy of the
    # largest schedulable node) takes it: rescheduled at 10 min, EAL $50 -> ΔEAL $265. Cost per node counts.
    spare = measure("n-plus-one", "mitigation", {"spare_nodes_per_zone": 1}, per_year=0,
                    cost={"per_target_per_year": 3000})
    planner = Planner(api_cluster("3"), catalog([NODE_LOSS], [spare]))
    assert planner.evaluate(["n-plus-one"]).eal_per_year == pytest.approx(50.0)
    assert [n.name for n in planner.model_for(("n-plus-one",)).scenario.nodes][-2:] == ["spare-a-1", "spare-b-1"]
    assert planner.costs["n-plus-one"] == pytest.approx(6000.0)  # 2 zones x 1 node x $3,000


def test_zone_spread_survives_a_zone_outage():
    # cart: 2 replicas, both in zone a, needs 1. Losing zone a takes both: cart is down until they
    # reschedule in zone b at 10 + 5 + 2 = 17 min: $1,200/h * 17/60 = $340 a zone incident.
    # Spread over zones a and b, one replica survives any single zone: EAL 0.
    cluster = scenario(["a", "b"], [node("n1", "a"), node("n2", "a"), node("n3", "b")],
                       [workload("cart", ["n1", "n2"])], [service("cart", ["cart"], 1200)])
    zone_loss = mode("zone-loss", "zone", frequency=0.5, detect=10, repair=240)
    spread = measure("spread", "mitigation", {"spread_zones": True}, targets={"single_zone": True})
    planner = Planner(cluster, catalog([zone_loss], [spread]))
    assert planner.evaluate([]).eal_per_year == pytest.approx(0.5 * 340.0)
    assert planner.evaluate(["spread"]).eal_per_year == pytest.approx(0.0)
    spread_pods = planner.model_for(("spread",)).scenario.workloads_by_name["cart"].pods
    assert {planner.scenario.nodes_by_name[n].zone for n in spread_pods} == {"a", "b"}
