"""Chaos experiment export: real apiVersions, kinds and spec fields of Chaos Mesh and Litmus."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from builders import node, scenario, service, workload

from riskmodel.cli.main import main
from riskmodel.errors import InputError
from riskmodel.simulate.chaos import chaos_manifests, dump_manifests

CLUSTER = scenario(["a", "b", "c"], [node("n1", "a"), node("n2", "b"), node("n3", "b"), node("n4", "c")],
                   [workload("api", ["n1", "n2"], namespace="shop", labels={"app.kubernetes.io/name": "api"})],
                   [service("shop", ["api"], cost_per_hour=100)])


def loaded(specs, tool):
    return list(yaml.safe_load_all(dump_manifests(chaos_manifests(CLUSTER, specs, tool=tool, duration_minutes=5))))


def test_chaos_mesh_zone_is_a_partition_from_every_other_zone():
    docs = loaded(["zone:b"], "chaos-mesh")
    assert [d["kind"] for d in docs] == ["NetworkChaos", "NetworkChaos"]
    for doc, other in zip(docs, ["a", "c"], strict=True):
        assert doc["apiVersion"] == "chaos-mesh.org/v1alpha1"
        spec = doc["spec"]
        assert spec["action"] == "partition" and spec["direction"] == "both" and spec["duration"] == "300s"
        assert spec["selector"] == {"nodeSelectors": {"topology.kubernetes.io/zone": "b"}}
        assert spec["target"]["selector"]["nodeSelectors"] == {"topology.kubernetes.io/zone": other}


def test_chaos_mesh_node_and_workload():
    node_doc, kill = loaded(["node:n1", "workload:api"], "chaos-mesh")
    assert node_doc["spec"]["selector"] == {"nodes": ["n1"]} and node_doc["spec"]["target"]["mode"] == "all"
    assert kill["kind"] == "PodChaos" and kill["spec"]["action"] == "pod-kill" and kill["spec"]["mode"] == "all"
    assert kill["spec"]["selector"] == {"namespaces": ["shop"], "labelSelectors": {"app.kubernetes.io/name": "api"}}


def test_litmus_zone_drains_each_of_its_nodes():
    docs = loaded(["zone:b"], "litmus")
    assert [d["kind"] for d in docs] == ["ChaosEngine", "ChaosEngine"]
    for doc, target in zip(docs, ["n2", "n3"], strict=True):
        assert doc["apiVersion"] == "litmuschaos.io/v1alpha1" and doc["spec"]["engineState"] == "active"
        experiment = doc["spec"]["experiments"][0]
        assert experiment["name"] == "node-drain"
        env = {e["name"]: e["value"] for e in experiment["spec"]["components"]["env"]}
        assert env == {"TARGET_NODE": target, "TOTAL_CHAOS_DURATION": "300"}


def test_litmus_workload_is_pod_delete_on_its_appinfo():
    (doc,) = loaded(["workload:api"], "litmus")
    assert doc["spec"]["appinfo"] == {"appns": "shop", "applabel": "app.kubernetes.io/name=api", "appkind": "deployment"}
    assert doc["spec"]["experiments"][0]["name"] == "pod-delete"


@pytest.mark.parametrize("spec", ["node:nope", "pod:x", "zone"])
def test_bad_failure_specs(spec):
    with pytest.raises(InputError, match="--fail"):
        chaos_manifests(CLUSTER, [spec])


def test_chaos_command_writes_manifests(tmp_path: Path, capsys):
    scenario_file = tmp_path / "s.yaml"
    scenario_file.write_text(yaml.safe_dump({**CLUSTER.model_dump(mode="json", exclude_defaults=True),
                                             "catalogs": ["cat.yaml"]}), encoding="utf-8")
    (tmp_path / "cat.yaml").write_text("catalog: c\nversion: '1'\n", encoding="utf-8")
    out = tmp_path / "chaos.yaml"
    assert main(["chaos", str(scenario_file), "--fail", "node:n4", "--tool", "litmus", "--output", str(out)]) == 0
    assert next(yaml.safe_load_all(out.read_text()))["kind"] == "ChaosEngine"
    assert main(["chaos", str(scenario_file), "--fail", "zone:zz", "--output", str(out)]) == 2
    assert "unknown zone 'zz'" in capsys.readouterr().err
