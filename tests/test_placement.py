"""Rescheduling places runs of identical pods in bulk; it must equal one-by-one first fit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from riskmodel.engine.impact import FailedSet, place_lost_pods, structural_impacts
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
