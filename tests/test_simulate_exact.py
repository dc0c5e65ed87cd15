"""The fast engine against a straightforward reference of the same rules, chunk by chunk.

The reference below is the engine's first implementation: one cluster at a time, numpy
masks per segment, and every union evaluated alone with :func:`riskmodel.engine.impact.phase_state`
and a full first fit (no room shortcut, no single-incident shortcut, no batching). The fast
engine must give the same per-year losses, per-mode losses and bad minutes (float rounding
aside) — the speed-ups are exact. One deliberate difference: the reference once added a
degraded member's incident cost twice; both now count it once (checked by hand below).

Only non-degraded incidents form clusters (a degraded incident never changes another's
impact; its whole loss is added as it is, to its own mode): the reference clusters them the
same way, then evaluates each interacting cluster on its own.
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import catalog, mode, node, scenario, service, workload

from riskmodel.engine.impact import phase_state, place_lost_pods
from riskmodel.files.loader import SHIPPED_CATALOGS, SHIPPED_SCENARIOS, load_catalog
from riskmodel.generate.large import generate_large_scenario
from riskmodel.plan.planner import Planner
from riskmodel.simulate.draw import Incidents
from riskmodel.simulate.engine import _single, draw_chunk, evaluate_chunk
from riskmodel.simulate.montecarlo import simulate_table
from riskmodel.simulate.overlap import clusters, interacting
from riskmodel.simulate.tables import build_pair_table
from riskmodel.simulate.unions import UnionEvaluator
from riskmodel.sources.scenario import load_scenario


def reference_rate(ev: UnionEvaluator, key) -> tuple[float, np.ndarray]:
    group, before, after, blocked = key
    index = ev.table.indexes[group]
    nodes = np.zeros(len(index.node_names), dtype=bool)
    moving = np.zeros(len(index.node_names), dtype=bool)
    workloads = np.zeros(len(index.workload_names), dtype=bool)
    direct_down = np.zeros(len(index.service_names), dtype=bool)
    for structure in before | after:
        node_positions, workload_positions, service_positions = ev.positions(structure)
        nodes[node_positions] = True
        workloads[workload_positions] = True
        direct_down[service_positions] = True
        if structure in after and not blocked:
            moving[node_positions] = True
    hit = nodes[index.pod_node] | workloads[index.pod_workload]
    lost = np.bincount(index.pod_workload[hit], minlength=len(index.workload_names)).astype(float)
    movable = np.flatnonzero(moving[index.pod_node] & ~workloads[index.pod_workload])
    if movable.size:
        lost = lost - place_lost_pods(index, movable, nodes).rescheduled_per_workload
    state = phase_state(index, lost, direct_down, degraded_only=False)
    return state.cost_per_minute(index), state.bad_minutes_per_minute()


def reference_cluster(ev, table, inc, members, loss) -> tuple[float, np.ndarray, np.ndarray]:
    st = table.structures
    pair, s = inc.pair[members], table.structure[inc.pair[members]]
    scale, group, degraded = table.scale[pair], st.group[s], st.degraded[s]
    start, end, resched = inc.start[members], inc.end[members], inc.reschedule[members]
    hard = ~degraded
    single_bad = scale[:, None] * (inc.phase_a[members, None] * st.bad_a[s] + inc.phase_b[members, None] * st.bad_b[s])
    total = float(inc.incident_cost[members][hard].sum() + loss[members][degraded].sum())
    bad = single_bad[degraded].sum(axis=0)
    times = np.unique(np.concatenate([start[hard], end[hard], resched[hard & np.isfinite(resched)]]))
    for t0, t1 in zip(times[:-1], times[1:], strict=True):
        active = hard & (start <= t0) & (end > t0)
        moved = active & (resched <= t0)
        blocked = bool((active & table.no_scheduling[pair]).any())
        for g in np.unique(group[active]):
            mine = active & (group == g)
            key = (int(g), frozenset(s[mine & ~moved].tolist()), frozenset(s[mine & moved].tolist()), blocked)
            cost_rate, bad_rate = reference_rate(ev, key)
            total += float(scale[mine].max()) * cost_rate * (t1 - t0)
            bad = bad + float(scale[mine].max()) * bad_rate * (t1 - t0)
    alone = loss[members]
    share = alone / alone.sum() if alone.sum() > 0 else np.full(len(alone), 1.0 / len(alone))
    return total, bad, total * share


def reference_chunk(table, inc: Incidents, years: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ev = UnionEvaluator(table.structures)
    structure, scale, loss = _single(table, inc)
    hard = np.flatnonzero(~table.structures.degraded[structure])
    members, cluster = clusters(inc.year[hard], inc.start[hard], inc.end[hard])
    members = hard[members]
    moves = inc.reschedule[members] < inc.end[members]
    slow = interacting(table.structures, cluster, structure[members], moves, table.no_scheduling[inc.pair[members]])
    weight = np.ones(len(inc))
    weight[members[slow[cluster]]] = 0.0
    annual = np.bincount(inc.year, loss * weight, minlength=years)
    mode_loss = np.bincount(table.mode[inc.pair], loss * weight, minlength=len(table.mode_names))
    st = table.structures
    key = inc.year * len(st.group) + structure
    phase_a = np.bincount(key, scale * weight * inc.phase_a, minlength=years * len(st.group))
    phase_b = np.bincount(key, scale * weight * inc.phase_b, minlength=years * len(st.group))
    bad = phase_a.reshape(years, -1) @ st.bad_a + phase_b.reshape(years, -1) @ st.bad_b
    for c in np.flatnonzero(slow):
        group = members[cluster == c]
        total, bad_minutes, attributed = reference_cluster(ev, table, inc, group, loss)
        annual[inc.year[group[0]]] += total
        bad[inc.year[group[0]]] += bad_minutes
        np.add.at(mode_loss, table.mode[inc.pair[group]], attributed)
    return annual, mode_loss, bad


def assert_same_as_reference(table, years: int = 100, seed: int = 3) -> None:
    inc = draw_chunk(table, [np.random.default_rng(seed)], [years])
    annual, mode_loss, bad = reference_chunk(table, inc, years)
    outcome = evaluate_chunk(table, inc, years, UnionEvaluator(table.structures))
    assert outcome.combined > 0
    np.testing.assert_allclose(outcome.annual_loss, annual, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(outcome.mode_loss, mode_loss, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(outcome.bad_minutes, bad, rtol=1e-9, atol=1e-6)


@pytest.fixture(scope="module")
def demo_planner() -> Planner:
    loaded = load_scenario(SHIPPED_SCENARIOS / "demo.yaml")
    return Planner(loaded.scenario, loaded.catalog, loaded.evidence)


@pytest.mark.parametrize("plan", [(), ("spare-node-capacity", "topology-spread-zones", "second-replica")])
def test_demo_chunks_match_the_reference(demo_planner, plan):
    # With topology measures the plan has several topology groups (one union per group).
    assert_same_as_reference(build_pair_table(demo_planner, plan), years=400)


def test_large_scenario_chunk_matches_the_reference():
    # 1,000 nodes: unions of many failed nodes, the room shortcut and first fit both taken.
    catalog_, _ = load_catalog([SHIPPED_CATALOGS])
    assert_same_as_reference(build_pair_table(Planner(generate_large_scenario(), catalog_)), years=50)


def tight_pair(spare_cpu: str):
    labels = {"labels": {"pool": "app"}}
    return scenario(["a"], [node("n1", "a", **labels), node("n2", "a", **labels), node("n3", "a", cpu=spare_cpu)],
                    [workload("api1", ["n1"], cpu="2"), workload("api2", ["n2"], cpu="2")],
                    [service("s1", ["api1"], cost_per_hour=600), service("s2", ["api2"], cost_per_hour=600)])


@pytest.mark.parametrize("spare", ["2", "8"])
def test_capacity_and_blocked_scheduling_match_the_reference(spare):
    modes = [mode("node-loss", "node", frequency=50, detect=3, repair=60, targets={"node_labels": {"pool": "app"}}),
             mode("registry-down", "cluster", frequency=30, detect=0, repair=600, effect={"type": "no_scheduling"}),
             mode("pressure", "node", frequency=40, detect=5, repair=120, incident_cost=100,
                  effect={"type": "degraded", "impact_fraction": 0.5})]
    assert_same_as_reference(build_pair_table(Planner(tight_pair(spare), catalog(modes))), years=300)


def test_degraded_member_incident_cost_is_counted_once():
    # Two overlapping node losses break a 3-node quorum; a degraded incident with a fixed $100
    # incident cost overlaps them. Every year costs: the quorum outage while both nodes are down
    # (30 min · $1000/h = $500), plus the degraded incident's own cost, once. The two node losses
    # form the interacting cluster; the degraded incident stays outside it, additive.
    quorum = scenario(["a", "b", "c"], [node("n1", "a"), node("n2", "b"), node("n3", "c")],
                      [workload("etcd", ["n1", "n2", "n3"], kind="ControlPlane", quorum=True)],
                      [service("api", ["etcd"], cost_per_hour=1000)])
    modes = [mode("node-loss", "node", frequency=0, detect=0, repair=60),
             mode("pressure", "node", frequency=0, detect=5, repair=60, incident_cost=100,
                  effect={"type": "degraded", "impact_fraction": 0.1})]
    table = build_pair_table(Planner(quorum, catalog(modes)))
    pressure = int(np.flatnonzero(table.mode == 1)[0])
    loss = table.scale[pressure] * table.structures.cost_a[table.structure[pressure]] * 60
    inc = Incidents(year=np.zeros(3, dtype=np.int64), pair=np.array([0, 1, pressure]),
                    start=np.array([0.0, 30.0, 10.0]), reschedule=np.full(3, np.inf), end=np.array([60.0, 90.0, 70.0]),
                    phase_a=np.full(3, 60.0), phase_b=np.zeros(3), incident_cost=np.array([0.0, 0.0, 100.0]))
    outcome = evaluate_chunk(table, inc, 1, UnionEvaluator(table.structures))
    assert outcome.combined == 2 and outcome.overlapped == 2
    assert outcome.annual_loss[0] == pytest.approx(500.0 + 100.0 + loss)
    assert outcome.mode_loss[1] == pytest.approx(100.0 + loss)


def test_union_rates_equal_first_fit_everywhere():
    # The shortcuts (pods that fit nowhere stay lost, the class-by-class room proof) only ever
    # replace a first fit whose result they equal: random unions of 2-3 structures, and unions
    # of a zone outage past its reschedule time with other failures (thousands of pods moving,
    # some bound to the failed zone).
    catalog_, _ = load_catalog([SHIPPED_CATALOGS])
    table = build_pair_table(Planner(generate_large_scenario(), catalog_))
    ev = UnionEvaluator(table.structures)
    rng = np.random.default_rng(0)
    st = table.structures
    hard = np.flatnonzero(~st.degraded & (st.group == 0))
    wide = hard[st.node_count[hard] > 100]
    assert len(wide) >= 3
    keys = []
    for _ in range(300):
        chosen = rng.choice(hard, size=int(rng.integers(2, 4)), replace=False).tolist()
        split = int(rng.integers(0, len(chosen) + 1))
        keys.append((0, frozenset(chosen[:split]), frozenset(chosen[split:]), False))
    for _ in range(40):
        others = rng.choice(hard, size=int(rng.integers(1, 3)), replace=False).tolist()
        keys.append((0, frozenset(others), frozenset([int(rng.choice(wide))]), False))
    for key, (rate_cost, rate_bad) in zip(keys, ev.rates(keys), strict=True):
        cost, bad = reference_rate(ev, key)
        assert rate_cost == pytest.approx(cost, rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(rate_bad, bad, rtol=1e-12, atol=1e-12)


def test_results_do_not_depend_on_workers():
    # 3 nodes · 350 incidents a year: blocks of 500 years, so 1,000 years are two chunks.
    planner = Planner(tight_pair("2"), catalog([mode("node-loss", "node", frequency=350, detect=3, repair=60)]))
    table = build_pair_table(planner)
    one = simulate_table(table, years=1_000, seed=9, chunk_years=200, workers=1)
    two = simulate_table(table, years=1_000, seed=9, chunk_years=200, workers=2)
    assert len(one.convergence) == 2
    assert np.array_equal(one.annual_loss, two.annual_loss)
    assert [m.mean_loss for m in one.modes] == [m.mean_loss for m in two.modes]
    assert [s.mean_bad_minutes for s in one.services] == [s.mean_bad_minutes for s in two.services]
    assert one.combined_share == two.combined_share
