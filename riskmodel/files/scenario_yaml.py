"""Writing a scenario back out as a scenario file (YAML) that the loader reads as an equal scenario.

Used by ``generate`` (synthetic clusters), by ``import`` (scenarios built from a cluster dump),
by the tests and by the benchmarks. The model stores exact numbers (millicores, bytes); a file
uses Kubernetes quantities and the user-facing field names (``allocatable: {cpu, memory, pods}``,
``requests: {cpu, memory}``), so the quantities are chosen to parse back to exactly the same
value: :func:`riskmodel.files.loader.parse_scenario` of the text equals the scenario written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from riskmodel.files.collector import collector_paused
from riskmodel.files.yaml_writer import plain_yaml
from riskmodel.model.scenario import Scenario


def cpu_quantity(millicores: float) -> str:
    """Millicores as a Kubernetes quantity that parses back to exactly the same value."""
    if float(millicores).is_integer():
        whole = int(millicores)
        return str(whole // 1000) if whole % 1000 == 0 else f"{whole}m"
    return f"{Decimal(repr(float(millicores)))}m"


def memory_quantity(size: int) -> str:
    """Bytes as the largest exact binary quantity (``16Gi``, ``1000Mi``, ``512Ki``, ``1234``)."""
    for suffix, factor in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if size and size % factor == 0:
            return f"{size // factor}{suffix}"
    return str(size)


def _cpu_memory(cpu: float, memory: int) -> dict[str, Any]:
    return {"cpu": cpu_quantity(cpu), "memory": memory_quantity(memory)}


def scenario_document(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data with the field names and quantities a scenario file uses."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    for node_data, node in zip(data.get("nodes", []), scenario.nodes, strict=True):
        allocatable = node.allocatable
        node_data["allocatable"] = {
            **_cpu_memory(allocatable.cpu_millicores, allocatable.memory_bytes),
            "pods": allocatable.max_pods,
        }
    for workload_data, workload in zip(data.get("workloads", []), scenario.workloads, strict=True):
        if "requests" in workload_data:
            workload_data["requests"] = _cpu_memory(workload.requests.cpu_millicores, workload.requests.memory_bytes)
    return data


@collector_paused()
def scenario_to_yaml(scenario: Scenario) -> str:
    """YAML text that :func:`riskmodel.files.loader.parse_scenario` reads back as an equal scenario."""
    header = f"# Scenario {scenario.name!r}, written by riskmodel.files.scenario_yaml.scenario_to_yaml\n"
    return header + plain_yaml(scenario_document(scenario), allow_unicode=True, width=120)
