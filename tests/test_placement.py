"""Rescheduling places runs of identical pods in bulk; it must equal one-by-one first fit."""

from __future__ import annotations

from pathlib import Path

import builders
import numpy as np
import pytest

from riskmodel.engine.impact import FailedSet, place_lost_pods, structural_impacts
from riskmodel.engine.placement import rescheduled_counts
from riskmodel.engine.topology import TopologyIndex
from riskmodel.generate.large import generate_large_scenario
from riskmodel.sources.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def one_by_one(index: TopologyIndex, lost: np.ndarray, failed: np.ndarray):
    """Reference: first-fit decreasing, one pod at a time, straight from the definition."""
    pods = [int(p) for p in lost if index.pod_reschedulable[p]]
    pods.sort(key=lambda p: (-index.pod_cpu_millicores[p], -index.pod_memory_bytes[p]))
    usable = index.node_schedulable & ~failed
    cpu = np.where(usable, index.free_cpu_millicores, -1.0)
    memory = np.where(usable, index.free_memory_bytes, -1.0)
    slots = np.where(usable, index.free_pod_slots, 0)
    moves, stuck = [], []
    for pod in pods:
        for node in range(len(cpu)):
            zone_ok = index.pod_zone_bound[pod] < 0 or index.node_zone[node] == index.pod_zone_bound[pod]
            if zone_ok and cpu[node] >= index.pod_cpu_millicores[pod] and memory[node] >= index.pod_memory_bytes[
                    pod] and slots[node] > 0:
                cpu[node] -= index.pod_cpu_millicores[pod]
                memory[node] -= index.pod_memory_bytes[pod]
                slots[node] -= 1
                moves.append((pod, node))
                break
        else:
            stuck.append(pod)
    return moves, stuck


def _failed_sets(index: TopologyIndex):
    for node in range(len(index.node_names)):
        mask = np.zeros(len(index.node_names), dtype=bool)
        mask[node] = True
        yield mask
    for zone in range(len(index.zone_names)):
        yield index.node_zone == zone


@pytest.mark.parametrize("source", ["demo", "generated"])
def test_bulk_first_fit_equals_one_by_one(source):
    scenario = (load_scenario(ROOT / "scenarios" / "demo.yaml").scenario if source == "demo"
                else generate_large_scenario(seed=5, nodes=90, workloads=30, services=20))
    index = TopologyIndex(scenario)
    checked = stuck_seen = 0
    for failed in _failed_sets(index):
        lost = np.flatnonzero(failed[index.pod_node])
        placement = place_lost_pods(index, lost, failed)
        moves, stuck = one_by_one(index, lost, failed)
        assert sorted(placement.moves) == sorted(moves)
        assert sorted(placement.unschedulable) == sorted(stuck)
        checked += 1
        stuck_seen += bool(stuck)
    assert checked > len(index.zone_names) and stuck_seen > 0  # zone losses leave pods pending


@pytest.mark.parametrize("source", ["demo", "generated"])
def test_proven_counts_equal_first_fit(source):
    # A risk model skips first fit where the room check proves its result: the rescheduled pods
    # per workload must be first fit's, for every failed set (single nodes, whole zones, failed
    # workloads alongside), and the check must prove most of them.
    scenario = (load_scenario(ROOT / "scenarios" / "demo.yaml").scenario if source == "demo"
                else generate_large_scenario(seed=5, nodes=90, workloads=30, services=20))
    index = TopologyIndex(scenario)
    requests = [(FailedSet(nodes=frozenset(np.array(index.node_names)[failed].tolist())), True)
                for failed in _failed_sets(index)]
    requests += [(FailedSet(nodes=frozenset(index.node_names[:3]), workloads=frozenset(index.workload_names[:2])), True)]
    proven = structural_impacts(index, requests, list_moves=False)
    listed = structural_impacts(index, requests)
    for mine, theirs in zip(proven, listed, strict=True):
        np.testing.assert_array_equal(mine.placement.rescheduled_per_workload,
                                      theirs.placement.rescheduled_per_workload)
    assert sum(not p.placement.listed for p in proven) > len(requests) / 2


def _counts(index: TopologyIndex, moves) -> np.ndarray:
    return np.bincount([index.pod_workload[pod] for pod, _ in moves], minlength=len(index.workload_names))


def test_full_nodes_ahead_of_a_run_are_skipped():
    # By hand: x fails with 30 two-core pods and 3 one-core pods. The two-core pods fill z1 … z30
    # (two cores each), one per node; the one-core pods then find z1 … z30 full — more nodes than
    # the first window of a 3-pod run reads — and all go to y1 (4 cores). y2 takes nothing.
    node, workload = builders.node, builders.workload
    nodes = [node("x", "a", cpu="64"), *(node(f"z{i}", "a", cpu="2") for i in range(1, 31)), node("y1", "a"),
             node("y2", "a")]
    built = builders.scenario(["a"], nodes, [workload("big", ["x"] * 30, cpu="2"), workload("small", ["x"] * 3, cpu="1")],
                              [builders.service("s", ["big", "small"], 1.0)])
    index = TopologyIndex(built)
    failed = np.array([name == "x" for name in index.node_names])
    lost = np.flatnonzero(failed[index.pod_node])
    placement = place_lost_pods(index, lost, failed)
    target = {pod: index.node_names[n] for pod, n in placement.moves}
    assert sorted(target[p] for p in lost if index.workload_names[index.pod_workload[p]] == "big") == \
        sorted(f"z{i}" for i in range(1, 31))
    assert [target[p] for p in lost if index.workload_names[index.pod_workload[p]] == "small"] == ["y1"] * 3
    assert placement.unschedulable == ()
    np.testing.assert_array_equal(rescheduled_counts(index, lost, failed), [30, 3])


def test_pods_left_over_and_zone_bound_pods_by_hand():
    # By hand: n1 fails with one 2-core pod (big), two 1-core pods (small) and the 1-core pod of
    # "vol", bound to zone a by its volume. n2 has 2 free cores, n3 one, m1 (zone b) eight.
    # big → n2, the first small → n3, the second → m1; vol may only go to n2 or n3, now full.
    # With m1 down too the second small finds no room either.
    node, workload = builders.node, builders.workload
    built = builders.scenario(
        ["a", "b"], [node("n1", "a", cpu="5"), node("n2", "a", cpu="2"), node("n3", "a", cpu="1"), node("m1", "b", cpu="8")],
        [workload("big", ["n1"], cpu="2"), workload("small", ["n1", "n1"], cpu="1"),
         workload("vol", ["n1"], cpu="1", kind="StatefulSet", zonal_volumes=True)],
        [builders.service("s", ["big", "small", "vol"], 1.0)])
    index = TopologyIndex(built)
    failed = np.array([name == "n1" for name in index.node_names])
    lost = np.flatnonzero(failed[index.pod_node])
    placement = place_lost_pods(index, lost, failed)
    assert sorted((index.workload_names[index.pod_workload[p]], index.node_names[n]) for p, n in placement.moves) == \
        [("big", "n2"), ("small", "m1"), ("small", "n3")]
    assert [index.workload_names[index.pod_workload[p]] for p in placement.unschedulable] == ["vol"]
    np.testing.assert_array_equal(rescheduled_counts(index, lost, failed), [1, 2, 0])
    alone_in_a = failed | (np.array(index.node_names) == "m1")
    np.testing.assert_array_equal(rescheduled_counts(index, lost, alone_in_a), [1, 1, 0])


def test_counts_equal_one_by_one_on_random_failed_sets():
    # Unions of a simulation fail a zone and a few nodes, or a few scattered nodes, with some
    # workloads failed outright (their pods do not move): every count must be one-by-one first fit's.
    index = TopologyIndex(generate_large_scenario(seed=11, nodes=120, workloads=40, services=20))
    rng = np.random.default_rng(4)
    nodes = len(index.node_names)
    stuck_seen = 0
    for trial in range(40):
        failed = index.node_zone == trial % len(index.zone_names) if trial % 2 else np.zeros(nodes, dtype=bool)
        failed[rng.choice(nodes, size=int(rng.integers(1, 6)), replace=False)] = True
        moving = failed & (rng.random(nodes) < 0.8)
        lost = np.flatnonzero(moving[index.pod_node])
        excluded = rng.choice(len(index.workload_names), size=int(rng.integers(0, 4)), replace=False)
        lost = lost[~np.isin(index.pod_workload[lost], excluded)]
        moves, stuck = one_by_one(index, lost, failed)
        np.testing.assert_array_equal(rescheduled_counts(index, lost, failed), _counts(index, moves))
        placement = place_lost_pods(index, lost, failed)
        assert placement.moves == tuple(moves)
        stuck_seen += bool(stuck)
    assert stuck_seen > 5


def test_a_run_resumes_on_the_node_an_earlier_run_of_its_size_left_partly_free():
    # By hand: db's pods (1 core each, bound to their zone's volume) sit on xa, xb, xa, xb in that
    # order, so they form four runs of one pod, alternating between zone a and zone b. xa and xb
    # fail: pods 0 and 2 both go to ya (4 cores), the only node of zone a — the second run of
    # zone a resumes on the node the first left partly free — and pods 1 and 3 to yb.
    node = builders.node
    built = builders.scenario(
        ["a", "b"], [node("xa", "a", cpu="1"), node("xb", "b", cpu="1"), node("ya", "a"), node("yb", "b")],
        [builders.workload("db", ["xa", "xb", "xa", "xb"], kind="StatefulSet", zonal_volumes=True)],
        [builders.service("s", ["db"], 1.0)])
    index = TopologyIndex(built)
    failed = np.isin(np.array(index.node_names), ["xa", "xb"])
    lost = np.flatnonzero(failed[index.pod_node])
    placement = place_lost_pods(index, lost, failed)
    assert [index.node_names[n] for _, n in placement.moves] == ["ya", "yb", "ya", "yb"]
    np.testing.assert_array_equal(rescheduled_counts(index, lost, failed), [4])
