"""Cut sets, top-event probability and importance against hand-computed fault trees.

The cases and their closed forms are in ``faulttree_cases``; the demo checks are of
consistency (the cut-offs of the solver change nothing there; cut-set probabilities are
products; the structural expected outage cost adds up). SCRAM checks the demo itself in
``test_scram``.
"""

from __future__ import annotations

import math

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
