"""Shipped data is tested: every catalog and scenario loads, and says what the issue asks."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from riskmodel.cli.main import main
from riskmodel.engine.exposure import workload_zones
from riskmodel.files.loader import SHIPPED_CATALOGS, load_catalog
from riskmodel.model.evidence import KUBELET_CONDITION_TYPES
from riskmodel.sources.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
NPD_CONFIGS = Path(__file__).resolve().parent / "fixtures" / "npd"
KUBELET_EVENT_REASONS = {"NodeHasDiskPressure", "NodeHasInsufficientMemory", "NodeHasInsufficientPID", "Rebooted",
                         "SystemOOM", "NodeNotReady"}
"""Event reasons the kubelet and node controller record (kubernetes pkg/kubelet/events, node lifecycle)."""


def npd_names() -> set[str]:
    """Condition types and reasons in the detector's shipped configs (conditions and rules)."""
    names: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for key in ("conditions", "rules"):
                for item in node.get(key) or []:
                    names.update(item.get(f) for f in ("type", "reason", "condition") if isinstance(item.get(f), str))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in NPD_CONFIGS.glob("*.json"):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return names - {"permanent", "temporary"}


def test_validate_accepts_everything_shipped(capsys):
    assert main(["validate", str(ROOT / "failure_catalogs"), str(ROOT / "scenarios")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) >= 9 and all(line.startswith("ok  ") for line in lines)


def test_catalog_size_kinds_and_rationale():
    catalog, _ = load_catalog([SHIPPED_CATALOGS])
    assert len(catalog.failure_modes) >= 25 and len(catalog.measures) >= 30
    assert {m.kind for m in catalog.measures} == {"prevention", "mitigation", "recovery"}
    assert {m.scope for m in catalog.failure_modes} >= {"node", "zone", "region", "workload", "control_plane",
                                                         "cluster"}
    assert all(len(m.rationale) > 40 for m in (*catalog.failure_modes, *catalog.measures))


def test_signals_are_names_the_real_detector_or_kubelet_emits():
    known = npd_names()
    assert {"KernelDeadlock", "ReadonlyFilesystem", "OOMKilling", "TaskHung"} <= known  # the fixture is real
    catalog, _ = load_catalog([SHIPPED_CATALOGS])
    for mode in catalog.failure_modes:
        for signal in mode.signals.conditions:
            assert signal.type in known | KUBELET_CONDITION_TYPES, (mode.id, signal.type)
        for reason in mode.signals.events:
            assert reason in known | KUBELET_EVENT_REASONS, (mode.id, reason)


def test_demo_scenario_has_the_shapes_a_review_needs():
    loaded = load_scenario(ROOT / "scenarios" / "demo.yaml")
    scenario = loaded.scenario
    assert len(scenario.zones) == 3 and 12 <= len(scenario.nodes) <= 20
    assert 15 <= len(scenario.workloads) <= 30 and 8 <= len(scenario.services) <= 12
    assert any(w.quorum and w.replicas == 3 for w in scenario.workloads)
    assert any(w.kind == "StatefulSet" and w.zonal_volumes for w in scenario.workloads)
    assert any(w.replicas == 1 and w.kind == "Deployment" for w in scenario.workloads)
    assert any(w.replicas > 1 and len(workload_zones(w, scenario)) == 1 for w in scenario.workloads)
    assert any(s.depends_on for s in scenario.services)
    assert any(c.is_problem and c.type == "KernelDeadlock" for c in loaded.evidence.conditions)
    assert loaded.evidence.events


def test_riskmodel_never_imports_streamlit():
    for path in (ROOT / "riskmodel").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module}
        assert "streamlit" not in imported, path


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "app_pages").glob("*.py") if p.name != "ui.py"))
def test_pages_compute_nothing_themselves(page):
    """Pages wire widgets to library calls: no numpy, no arithmetic over arrays in a page."""
    source = (ROOT / "app_pages" / page).read_text(encoding="utf-8")
    assert "import numpy" not in source and "np." not in source and ".groupby(" not in source
