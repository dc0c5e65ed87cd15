"""The snapshot / import / evidence commands and the dump → scenario translation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from riskmodel.cli.main import main
from riskmodel.sources.dump import ClusterDump, PdbInfo, PodInfo, WorkloadInfo
from riskmodel.sources.file import read_dump
from riskmodel.sources.scenario import load_scenario
from riskmodel.sources.topology import dump_to_scenario, min_available

K8S = Path(__file__).parent / "fixtures" / "k8s"


@pytest.fixture
def minikube(tmp_path: Path) -> Path:
    folder = tmp_path / "dump"
    folder.mkdir()
    for name in ("nri-k8s-1.35-minikube-nodes.yaml", "nri-k8s-1.35-minikube-pods.yaml"):
        shutil.copy(K8S / name, folder / name)
    return folder


def test_minikube_dump_to_scenario(minikube: Path) -> None:
    scenario = dump_to_scenario(read_dump(minikube), "mk")
    (node,) = scenario.nodes
    assert node.allocatable.cpu_millicores == 14000.0  # allocatable cpu "14"
    workloads = scenario.workloads_by_name
    assert workloads["e2e-deployment"].kind == "Deployment" and workloads["e2e-deployment"].replicas == 2
    assert workloads["coredns"].requests.memory_bytes == 70 * 2**20
    assert workloads["etcd"].kind == "ControlPlane" and workloads["etcd"].quorum
    assert "e2e-failjob" not in workloads
    # storage-provisioner is a bare pod (no controller): reported, not a workload
    assert "storage-provisioner" not in workloads
    assert {p.field for p in scenario.placeholders} >= {f"services.{s.name}.cost_per_hour" for s in scenario.services}


def test_pdb_rules() -> None:
    def pdb(min_a=None, max_u=None) -> PdbInfo:
        return PdbInfo("ns", "p", {"app": "a"}, (), min_a, max_u)

    assert min_available(pdb(min_a="50%"), 3) == 2  # ceil(1.5)
    assert min_available(pdb(max_u=1), 3) == 2
    assert min_available(pdb(max_u="34%"), 3) == 1  # 3 − ceil(1.02) = 1
    assert min_available(pdb(min_a=2), 5) == 2


def test_name_collision_prefixed_with_namespace() -> None:
    from riskmodel.sources.dump import NodeInfo

    node = NodeInfo("n1", "z", "r", 4000, 2**34, 110, {})
    pods = [PodInfo(ns, f"web-abc-{ns}", "n1", "Running", "ReplicaSet", "web-abc", 100, 2**20, (), {"pod-template-hash": "abc"})
            for ns in ("shop", "blog")]
    dump = ClusterDump(nodes=[node], pods=pods, workloads=[WorkloadInfo("Deployment", "shop", "web", 1)])
    names = sorted(w.name for w in dump_to_scenario(dump, "x").workloads)
    assert names == ["blog/web", "shop/web"]


def test_import_command_writes_a_reviewable_scenario(minikube: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "imported.yaml"
    assert main(["import", "--source", f"file:{minikube}", "--output", str(out), "--name", "mk"]) == 0
    text = out.read_text()
    assert "# TO REVIEW" in text
    data = yaml.safe_load(text)
    assert data["name"] == "mk" and data["evidence"] == ["imported.evidence.json"]
    fields = {p["field"] for p in data["placeholders"]}
    assert all(f"services.{s['name']}.slo" in fields for s in data["services"])
    assert "zones.unknown-zone" in fields
    assert "unknown-zone" in capsys.readouterr().out  # the missing zone label is reported


def test_evidence_command_json(capsys) -> None:
    assert main(["evidence", "--source", f"file:{K8S / 'popeye-nodelist-HANDEDITED.yaml'}", "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["nodes"]["n3"]["problems"] == ["MemoryPressure=True", "DiskPressure=True", "PIDPressure=True",
                                                  "NetworkUnavailable=True"]
    assert summary["npd_blind_spots"] == ["n1", "n2", "n3", "n4"]


def test_bad_source_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["evidence", "--source", "nope:x"]) == 2
    assert "unknown source 'nope'" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text('{"kind": "NodeList", "items": [')
    assert main(["evidence", "--source", f"file:{broken}"]) == 2
    assert "truncated JSON" in capsys.readouterr().err


def test_snapshot_needs_a_kube_source(tmp_path: Path, capsys) -> None:
    assert main(["snapshot", "--source", "file:x", "--output", str(tmp_path / "s")]) == 2
    assert "kube[:CONTEXT]" in capsys.readouterr().err



def test_imported_services_list_their_placeholder_fields(minikube: Path, tmp_path: Path) -> None:
    from riskmodel.model.placeholders import placeholders

    out = tmp_path / "mk.yaml"
    assert main(["import", "--source", f"file:{minikube}", "--output", str(out)]) == 0
    scenario = load_scenario(out).scenario
    paths = [p.field_path for p in placeholders(scenario)]
    # one placeholder zone (the minikube node has no zone label) and three values per service
    assert len(paths) == 1 + 3 * len(scenario.services) and len(scenario.services) > 0
    first = scenario.services[0].name
    assert paths[:4] == ["zones.unknown-zone", f"services.{first}.cost_per_hour",
                         f"services.{first}.degraded_cost_per_hour", f"services.{first}.slo"]
