"""The seeded large-scenario generator and the YAML writer (riskmodel.generate.large)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

from riskmodel.files.loader import parse_scenario
from riskmodel.files.scenario_yaml import cpu_quantity, memory_quantity, scenario_to_yaml
from riskmodel.generate.large import generate_large_scenario
from riskmodel.model.quantity import cpu_millicores, memory_bytes
from riskmodel.model.scenario import Scenario, scenario_problems


@pytest.fixture(scope="module")
def large() -> Scenario:
    return generate_large_scenario()


def test_same_seed_gives_identical_scenario(large: Scenario) -> None:
    again = generate_large_scenario(seed=7)
    assert again == large
    assert scenario_to_yaml(again) == scenario_to_yaml(large)


def test_different_seeds_differ(large: Scenario) -> None:
    other = generate_large_scenario(seed=8)
    assert other != large
    assert [w.pods for w in other.workloads] != [w.pods for w in large.workloads]


def test_sizes_in_expected_ranges(large: Scenario) -> None:
    assert len(large.nodes) == 1000
    assert len(large.zones) == 3
    assert len(large.workloads) == 300
    assert len(large.services) == 200
    pods = sum(workload.replicas for workload in large.workloads)
    assert 9_000 <= pods <= 11_000
    kinds = Counter(workload.kind for workload in large.workloads)
    assert kinds["Deployment"] > 100 and kinds["StatefulSet"] > 20 and kinds["DaemonSet"] >= 2
    etcd = large.workloads_by_name["etcd"]
    assert etcd.kind == "ControlPlane" and etcd.quorum and etcd.replicas == 3
    assert any(w.kind == "StatefulSet" and w.zonal_volumes for w in large.workloads)
    assert any(w.replicas == 1 for w in large.workloads)
    assert all(node.zone in large.zones_by_name for node in large.nodes)
    assert {node.zone for node in large.nodes} == set(large.zones_by_name)
    assert sum(not node.schedulable for node in large.nodes) == 3


def test_pods_fit_their_nodes(large: Scenario) -> None:
    cpu: dict[str, float] = {}
    memory: dict[str, int] = {}
    for workload in large.workloads:
        for node_name in workload.pods:
            cpu[node_name] = cpu.get(node_name, 0.0) + workload.requests.cpu_millicores
            memory[node_name] = memory.get(node_name, 0) + workload.requests.memory_bytes
    for node in large.nodes:
        assert cpu[node.name] <= node.allocatable.cpu_millicores
        assert memory[node.name] <= node.allocatable.memory_bytes


def test_service_dependencies_are_acyclic(large: Scenario) -> None:
    graph = nx.DiGraph()
    for service in large.services:
        graph.add_node(service.name)
        graph.add_edges_from((service.name, dependency) for dependency in service.depends_on)
    assert nx.is_directed_acyclic_graph(graph)
    assert graph.number_of_edges() > 100
    assert all(service.cost_per_hour > 0 and 0 < service.slo < 1 for service in large.services)


def test_no_scenario_problems(large: Scenario) -> None:
    assert list(scenario_problems(large)) == []


def test_yaml_round_trip_equals_original(large: Scenario, tmp_path: Path) -> None:
    text = scenario_to_yaml(large)
    # over 500 nodes: one JSON line per node (riskmodel/files/yaml_writer.py); 300 workloads stay block YAML
    assert '\n- {"name": "node-0001", "zone": ' in text and '"allocatable": {"cpu": "' in text
    assert "requests: {cpu: " in text
    assert "cpu_millicores" not in text and "memory_bytes" not in text
    path = tmp_path / "large.yaml"
    path.write_text(text, encoding="utf-8")
    reloaded, _ = parse_scenario(path)
    assert reloaded == large


def test_small_parameters_give_valid_scenarios() -> None:
    small = generate_large_scenario(seed=3, nodes=20, zones=2, workloads=12, services=6)
    assert len(small.nodes) == 20 and len(small.workloads) == 12 and len(small.services) == 6
    assert list(scenario_problems(small)) == []


@pytest.mark.parametrize("millicores", [0.0, 100.0, 250.0, 1000.0, 3920.0, 15890.0, 0.5, 1234567.0, 1e-3])
def test_cpu_quantity_parses_back_exactly(millicores: float) -> None:
    assert cpu_millicores(cpu_quantity(millicores)) == millicores


@pytest.mark.parametrize("size", [0, 1, 1023, 1024, 2**20, 30156 * 2**20, 16 * 2**30, 15281946624 + 7])
def test_memory_quantity_parses_back_exactly(size: int) -> None:
    assert memory_bytes(memory_quantity(size)) == size
