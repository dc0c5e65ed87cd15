"""Cut sets, top-event probability and importance against hand-computed fault trees.

The cases and their closed forms are in ``faulttree_cases``; the demo checks are of
consistency (the cut-offs of the solver change nothing there; cut-set probabilities are
products; the structural expected outage cost adds up). SCRAM checks the demo itself in
``test_scram``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from builders import catalog, mode, node, scenario, service, workload
from faulttree_cases import Q, quorum_over_three_zones, transitive_dependency

from riskmodel.engine.cutsets import all_cut_sets, cut_sets
from riskmodel.engine.faulttree import fault_forest, in_force_probability
from riskmodel.engine.importance import importance_of
from riskmodel.engine.risk import RiskModel
from riskmodel.engine.topevent import TopEventSolver, loss_tail
from riskmodel.files.loader import SHIPPED_SCENARIOS
from riskmodel.sources.scenario import load_scenario


def test_an_event_is_in_force_with_one_minus_exp_of_its_yearly_minutes() -> None:
    assert in_force_probability(525_600.0) == pytest.approx(1 - math.exp(-1), rel=1e-15)
    assert quorum_over_three_zones().events[0].probability == pytest.approx(Q, rel=1e-12)


def test_two_out_of_three_quorum_over_three_zones() -> None:
    report = importance_of(quorum_over_three_zones())
    kv = report.service("kv")
    assert {cut.events for cut in kv.cut_sets.listed} == {
        ("zone:za", "zone:zb"), ("zone:za", "zone:zc"), ("zone:zb", "zone:zc")}
    assert all(cut.probability == pytest.approx(Q * Q, rel=1e-12) for cut in kv.cut_sets.listed)
    assert kv.cut_sets.beyond_order_3 == 0
    assert kv.probability == pytest.approx(3 * Q**2 * (1 - Q) + Q**3, rel=1e-12) and kv.probability_error_bound == 0
    for zone in kv.events:
        assert zone.birnbaum == pytest.approx(0.18, rel=1e-12)
        assert zone.fussell_vesely == pytest.approx(0.018 / 0.028, rel=1e-12)
        assert zone.risk_achievement_worth == pytest.approx(0.19 / 0.028, rel=1e-12)
        assert zone.risk_reduction_worth == pytest.approx(2.8, rel=1e-12)
    weighted = {e.event: e for e in report.weighted}
    assert weighted["zone:za"].birnbaum == pytest.approx(1000.0 * 0.18, rel=1e-12)
    assert report.outage_cost_per_hour == pytest.approx(1000.0 * 0.028, rel=1e-12)


def test_a_service_with_a_transitive_dependency() -> None:
    report = importance_of(transitive_dependency())
    front = report.service("front")
    cuts = {cut.events: cut.probability for cut in front.cut_sets.listed}
    assert cuts == pytest.approx({("node:n1",): Q, ("node:n4",): Q, ("node:n2", "node:n3"): Q * Q}, rel=1e-12)
    assert front.probability == pytest.approx(1 - (1 - Q) ** 2 * (1 - Q * Q), rel=1e-12)
    birnbaum = {e.event: e.birnbaum for e in front.events}
    assert birnbaum == pytest.approx({"node:n1": (1 - Q) * (1 - Q * Q), "node:n4": (1 - Q) * (1 - Q * Q),
                                      "node:n2": (1 - Q) ** 2 * Q, "node:n3": (1 - Q) ** 2 * Q}, rel=1e-12)
    assert report.service("api").probability == pytest.approx(1 - (1 - Q) ** 2, rel=1e-12)
    assert {cut.events for cut in report.service("db").cut_sets.listed} == {("node:n1",)}
    db_cost_share = {e.event: e for e in report.weighted}["node:n1"]
    assert db_cost_share.birnbaum == pytest.approx(100 * 1 + 200 * (1 - Q) + 700 * (1 - Q) * (1 - Q * Q), rel=1e-12)


def test_cut_sets_beyond_order_three_are_counted() -> None:
    """5 replicas that all must go (no PDB): zone a holds 3 (a1..a3), zone b 2 (b1, b2).
    Minimal sets: {za, zb}; {za, b1, b2}; {zb, a1, a2, a3}; {a1, a2, a3, b1, b2}."""
    cluster = scenario(["za", "zb"], [node(n, n[0].replace("a", "za").replace("b", "zb"))
                                      for n in ("a1", "a2", "a3", "b1", "b2")],
                       [workload("web", ["a1", "a2", "a3", "b1", "b2"])], [service("web", ["web"], 10.0)])
    modes = catalog([mode("node-out", "node", 1.0, 0.0, 60.0), mode("zone-out", "zone", 0.1, 0.0, 60.0)])
    found = cut_sets(*_single_tree(RiskModel(cluster, modes)))
    assert {cut.events for cut in found.listed} == {("zone:za", "zone:zb"), ("node:b1", "node:b2", "zone:za")}
    assert found.beyond_order_3 == 2 and found.beyond_order_3_at_most == 2


def _single_tree(model: RiskModel):
    forest = fault_forest(model)
    return forest, forest.trees[0]


def test_a_node_holding_two_of_three_pods_breaks_a_min_available_two_workload_alone() -> None:
    """cart in the demo: pods on node-a1, node-a3, node-a3 with min_available 2."""
    loaded = load_scenario(SHIPPED_SCENARIOS / "demo.yaml")
    forest = fault_forest(RiskModel(loaded.scenario, loaded.catalog, loaded.evidence))
    cart = cut_sets(forest, forest.tree("cart"))
    assert ("node:node-a3",) in {cut.events for cut in cart.listed}
    assert ("node:node-a1",) not in {cut.events for cut in cart.listed}


def test_the_solver_cut_offs_change_nothing_that_matters_on_the_demo() -> None:
    loaded = load_scenario(SHIPPED_SCENARIOS / "demo.yaml")
    forest = fault_forest(RiskModel(loaded.scenario, loaded.catalog, loaded.evidence))
    exact, fast = TopEventSolver(forest, 0.0, 0.0), TopEventSolver(forest)
    for tree in forest.trees:
        with_cutoff, without = fast.solve(tree), exact.solve(tree)
        assert without.error_bound == 0.0
        assert with_cutoff.error_bound < 1e-20
        assert with_cutoff.probability == pytest.approx(without.probability, rel=1e-12)
        assert with_cutoff.birnbaum.keys() <= without.birnbaum.keys()
    for listing in all_cut_sets(forest):
        for cut in listing.listed:
            expected = math.prod(forest.events[forest.event_position[label]].probability for label in cut.events)
            assert cut.probability == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("nodes", "needed", "expected"), [
    ([(0.1, 1), (0.2, 1), (0.3, 1)], 2, 0.1 * 0.2 + 0.1 * 0.3 + 0.2 * 0.3 - 2 * 0.1 * 0.2 * 0.3),
    ([(0.5, 2), (0.5, 1)], 2, 0.5),
    ([(0.5, 2), (0.5, 1)], 3, 0.25),
    ([(0.1, 1)], 2, 0.0),
])
def test_loss_tail_is_the_poisson_binomial_tail(nodes: list[tuple[float, int]], needed: int, expected: float) -> None:
    assert loss_tail(nodes, needed) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_like_nodes_of_a_zone_are_counted_together_by_binomials() -> None:
    """7 replicas, one per node, 3 may stay (5 must go): za holds a1..a4, zb holds b1..b3.
    Minimal sets: {za, zb}; {za, b_j} (3); {zb, a_i, a_j} (C(4, 2) = 6); any 5 of the 7 nodes
    (C(7, 5) = 21, the only ones beyond order 3)."""
    names = ["a1", "a2", "a3", "a4", "b1", "b2", "b3"]
    cluster = scenario(["za", "zb"], [node(n, "z" + n[0]) for n in names],
                       [workload("web", names, min_available=3)], [service("web", ["web"], 10.0)])
    modes = catalog([mode("node-out", "node", 1.0, 0.0, 60.0), mode("zone-out", "zone", 0.1, 0.0, 60.0)])
    found = cut_sets(*_single_tree(RiskModel(cluster, modes)))
    assert found.count_by_order() == {1: 0, 2: 4, 3: 6}
    assert found.beyond_order_3 == found.beyond_order_3_at_most == math.comb(7, 5)


def _random_cluster(seed: int) -> tuple:
    """Three zones of 2–4 nodes in one region; 4 workloads of 3–8 pods placed at random (several
    may share a node) of which 1 or 2 must stay; 3 services, each on 1–2 workloads, the last
    two depending on the one before."""
    rng = np.random.default_rng(seed)
    zones = ["za", "zb", "zc"]
    nodes = [f"{z}-{k}" for z in zones for k in range(int(rng.integers(2, 5)))]
    workloads = []
    for w in range(4):
        pods = [str(n) for n in rng.choice(nodes, size=int(rng.integers(3, 9)))]
        workloads.append(workload(f"w{w}", pods, cpu="10m", memory="10Mi", min_available=int(rng.integers(1, 3))))
    services = [service(f"s{s}", [f"w{w}" for w in rng.choice(4, size=int(rng.integers(1, 3)), replace=False)],
                        100.0, **({"depends_on": [f"s{s - 1}"]} if s else {})) for s in range(3)]
    cluster = scenario(zones, [node(n, n.split("-")[0], cpu="64", memory="256Gi") for n in nodes], workloads,
                       services)
    modes = catalog([mode("node-out", "node", 2.0, 0.0, 60.0), mode("zone-out", "zone", 0.5, 0.0, 60.0),
                     mode("region-out", "region", 0.1, 0.0, 60.0)])
    return fault_forest(RiskModel(cluster, modes))


def _minimal_node_cuts(forest, tree) -> list[frozenset[int]]:
    """Every minimal cut set made of the tree's node events, by enumerating all their subsets."""
    gates = [g for g in tree.gates if g.nodes_can_break_it]

    def down(events) -> bool:
        out = frozenset().union(*(forest.events[e].nodes for e in events))
        return any(sum(pods for n, pods in g.pods_on_node if n in out) >= g.lost_pods_needed for g in gates)

    events = tree.node_events
    return [frozenset(chosen) for k in range(1, len(events) + 1) for chosen in itertools.combinations(events, k)
            if down(chosen) and not any(down(set(chosen) - {e}) for e in chosen)]


@pytest.mark.parametrize("seed", range(6))
def test_cut_sets_and_the_count_beyond_agree_with_enumerating_every_subset(seed: int) -> None:
    forest = _random_cluster(seed)
    for tree, found in zip(forest.trees, all_cut_sets(forest), strict=True):
        minimal = _minimal_node_cuts(forest, tree)
        expected = {tuple(sorted(forest.events[e].label for e in cut)) for cut in minimal if len(cut) <= 3}
        expected |= {(forest.events[e].label,) for e in tree.direct}
        assert {cut.events for cut in found.listed} == expected
        assert found.beyond_order_3 == sum(len(cut) > 3 for cut in minimal)
