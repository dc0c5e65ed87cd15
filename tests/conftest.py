"""Shared test helpers: small valid inputs written to tmp_path and mutated per test."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def small_catalog() -> dict[str, Any]:
    """Two failure modes and two measures, valid as they are."""
    return {
        "catalog": "test",
        "version": "1",
        "failure_modes": [
            {
                "id": "node-loss",
                "title": "Node loss",
                "scope": "node",
                "frequency_per_year": 0.1,
                "detect_minutes": 5,
                "repair_minutes": 120,
                "rationale": "hand-made for tests",
            },
            {
                "id": "zone-loss",
                "title": "Zone loss",
                "scope": "zone",
                "frequency_per_year": {"low": 0.05, "high": 0.5},
                "detect_minutes": 10,
                "repair_minutes": 240,
                "rationale": "hand-made for tests",
            },
        ],
        "measures": [
            {
                "id": "hardware-monitoring",
                "title": "Hardware monitoring",
                "kind": "prevention",
                "applies_to": ["node-loss"],
                "cost": {"once": 3000, "per_year": 1000},
                "effect": {"frequency_factor": 0.5},
                "rationale": "hand-made for tests",
            },
            {
                "id": "runbooks",
                "title": "Runbooks",
                "kind": "recovery",
                "applies_to": ["node"],
                "cost": {"once": 1500},
                "effect": {"repair_factor": 0.5},
                "rationale": "hand-made for tests",
            },
        ],
    }


def small_scenario() -> dict[str, Any]:
    """Two zones, three nodes, two workloads, two services; valid as it is."""
    return {
        "name": "small",
        "catalogs": ["catalog.yaml"],
        "zones": [{"name": "a", "region": "r"}, {"name": "b", "region": "r"}],
        "nodes": [
            {"name": "n1", "zone": "a", "allocatable": {"cpu": "4", "memory": "16Gi", "pods": 110}},
            {"name": "n2", "zone": "a", "allocatable": {"cpu": "4", "memory": "16Gi"}},
            {"name": "n3", "zone": "b", "allocatable": {"cpu": "4000m", "memory": "16384Mi"}},
        ],
        "workloads": [
            {"name": "web", "requests": {"cpu": "500m", "memory": "1Gi"}, "pods": ["n1", "n3"]},
            {"name": "db", "kind": "StatefulSet", "requests": {"cpu": "1", "memory": "4Gi"}, "pods": ["n2"]},
        ],
        "services": [
            {"name": "db", "workloads": ["db"], "cost_per_hour": 100, "slo": 0.999},
            {"name": "shop", "workloads": ["web"], "depends_on": ["db"], "cost_per_hour": 1000, "slo": 0.999},
        ],
    }


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def scenario_files(tmp_path: Path):
    """Factory writing (scenario, catalog) after an optional mutation of each dict."""

    def make(mutate_scenario=None, mutate_catalog=None) -> Path:
        scenario, catalog = copy.deepcopy(small_scenario()), copy.deepcopy(small_catalog())
        if mutate_scenario:
            mutate_scenario(scenario)
        if mutate_catalog:
            mutate_catalog(catalog)
        write_yaml(tmp_path / "catalog.yaml", catalog)
        return write_yaml(tmp_path / "scenario.yaml", scenario)

    return make
