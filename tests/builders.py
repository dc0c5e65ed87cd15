"""Tiny scenario and catalog builders for hand-computed engine tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from riskmodel.model.catalog import Catalog, FailureMode, Measure
from riskmodel.model.scenario import Scenario


def node(name: str, zone: str, cpu: str = "4", memory: str = "8Gi", **extra: Any) -> dict[str, Any]:
    return {"name": name, "zone": zone, "allocatable": {"cpu": cpu, "memory": memory}, **extra}


def workload(name: str, pods: list[str], cpu: str = "1", memory: str = "1Gi", **extra: Any) -> dict[str, Any]:
    return {"name": name, "pods": pods, "requests": {"cpu": cpu, "memory": memory}, **extra}


def service(name: str, workloads: list[str], cost_per_hour: float, **extra: Any) -> dict[str, Any]:
    return {"name": name, "workloads": workloads, "cost_per_hour": cost_per_hour, "slo": 0.999, **extra}


def scenario(zones: list[str], nodes: list[dict], workloads: list[dict], services: list[dict],
             **extra: Any) -> Scenario:
    return Scenario.model_validate({
        "name": "test", "zones": [{"name": z, "region": "r1"} for z in zones],
        "nodes": nodes, "workloads": workloads, "services": services, **extra,
    })


def mode(id: str, scope: str, frequency: float, detect: float, repair: float, **extra: Any) -> FailureMode:
    return FailureMode.model_validate({
        "id": id, "title": id, "scope": scope, "frequency_per_year": frequency,
        "detect_minutes": detect, "repair_minutes": repair, "rationale": "hand-made for a test", **extra,
    })


def measure(id: str, kind: str, effect: dict, per_year: float = 0.0, once: float = 0.0,
            applies_to: tuple[str, ...] = (), **extra: Any) -> Measure:
    return Measure.model_validate({
        "id": id, "title": id, "kind": kind, "applies_to": list(applies_to),
        "cost": {"per_year": per_year, "once": once}, "effect": effect,
        "rationale": "hand-made for a test", **extra,
    })


def catalog(modes: list[FailureMode], measures: list[Measure] = ()) -> Catalog:
    return Catalog(failure_modes=tuple(modes), measures=tuple(measures))


def copied_folder(tmp_path: Path, sources: Iterable[Path], label: str = "input") -> Path:
    """A fresh folder under ``tmp_path`` holding copies of recorded files (an import source)."""
    folder = tmp_path / label
    folder.mkdir()
    for source in sources:
        shutil.copy(source, folder / source.name)
    return folder
