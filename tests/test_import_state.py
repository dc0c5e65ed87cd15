"""An imported cluster in its current state, on recorded clusters (tests/fixtures/k8s/SOURCES.md).

The kind capture has a NotReady worker ("cni config uninitialized"), all four coredns pods
Pending and a single control-plane node; the troubleshoot bundle has Deployments whose pods
it does not hold; the OpenShift-style copy keeps etcd, the API server and the scheduler in
openshift-* namespaces.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from builders import copied_folder

from riskmodel.cli.main import main
from riskmodel.engine.impact import FailedSet, structural_impact, structural_impacts
from riskmodel.engine.topology import TopologyIndex
from riskmodel.model.scenario import Workload
from riskmodel.sources.file import read_dump
from riskmodel.sources.scenario import load_scenario
from riskmodel.sources.topology import dump_to_scenario

K8S = Path(__file__).parent / "fixtures" / "k8s"
KIND = ("sonobuoy-kind-nodes.json", "sonobuoy-kind-kube-system-pods.json", "sonobuoy-kind-local-path-pods.json",
        "sonobuoy-kind-sonobuoy-ns-pods.json")


def _folder(tmp_path: Path, names: tuple[str, ...], label: str = "input") -> Path:
    return copied_folder(tmp_path, (K8S / name for name in names), label)


@pytest.fixture(scope="module")
def kind(tmp_path_factory) -> tuple[Path, dict]:
    """The kind capture imported through the CLI: (scenario path, import report)."""
    tmp = tmp_path_factory.mktemp("kind")
    folder = _folder(tmp, KIND)
    out = tmp / "kind.yaml"
    import contextlib
    import io
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["import", "--source", f"file:{folder}", "--output", str(out), "--name", "kind",
                     "--format", "json"]) == 0
    return out, json.loads(buffer.getvalue())


def _rank(path: Path, capsys, *args: str) -> dict:
    capsys.readouterr()
    assert main(["rank", str(path), "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_import_accounts_for_every_pod(kind) -> None:
    _, report = kind
    assert report["read"] == {"Node": 3, "Pod": 20} and report["used"] == {"Node": 3, "Pod": 18}
    reasons = sorted((s["name"], s["reason"]) for s in report["skipped"] if s["kind"] == "Pod")
    assert reasons == [("sonobuoy/sonobuoy", "no long-running controller (owner: none, a bare pod)"),
                       ("sonobuoy/sonobuoy-e2e-job-1d0e9c62fc114e08", "finished pod (Succeeded)")]
    assert report["nodes_down_now"] == 1


def test_not_ready_node_is_down_now_and_its_pods_do_not_count(kind, capsys) -> None:
    path, _ = kind
    scenario = load_scenario(path).scenario
    worker = scenario.nodes_by_name["kind-worker"]
    assert (worker.ready, worker.down_now, worker.schedulable) == (False, True, False)
    kindnet = scenario.workloads_by_name["kindnet"]
    assert kindnet.pods == ("kind-worker2", "kind-control-plane") and kindnet.desired == 3
    assert [(p.name, p.reason, p.node) for p in kindnet.not_live_pods] == [("kindnet-x9fsq", "node_down", "kind-worker")]
    index = TopologyIndex(scenario)
    assert index.replicas[index.workload_position["kindnet"]] == 2
    # no room on it: the control-plane node is tainted NoSchedule, the worker is NotReady
    assert dict(zip(index.node_names, index.node_schedulable.tolist(), strict=True)) == {
        "kind-control-plane": False, "kind-worker": False, "kind-worker2": True}
    problems = {(p["kind"], p["name"]): p for p in _rank(path, capsys)["current_problems"]}
    down = problems[("node_not_ready", "kind-worker")]
    assert "cni config uninitialized" in down["detail"] and "3 pod(s) not live" in down["detail"]
    assert down["cost_per_hour"] == 0.0  # only DaemonSet pods, which back no service, were there


def test_all_pending_deployment_is_unavailable_now_at_its_service_cost(kind, capsys) -> None:
    path, _ = kind
    ranked = _rank(path, capsys)
    problems = {(p["kind"], p["name"]): p for p in ranked["current_problems"]}
    coredns = problems[("workload_below_desired", "coredns")]
    # no Deployment object: the 4 pods found are the desired count, none live; its service
    # (placeholder $100/h) is down now, and restoring any one pod brings it back
    assert coredns["detail"] == "0 of 4 replicas live (unavailable; 4 pending)"
    assert coredns["cost_per_hour"] == pytest.approx(100.0)
    pending = [p for p in ranked["current_problems"] if p["kind"] == "pod_pending"]
    assert len(pending) == 4 and all(p["cost_per_hour"] == pytest.approx(100.0) for p in pending)
    assert all("node(s) had taint {node.kubernetes.io/not-ready: }" in p["detail"] for p in pending)
    assert ranked["current_problems"][0]["cost_per_hour"] == pytest.approx(100.0)


def test_whatif_starts_from_the_current_state_and_the_scheduler_rule(kind, capsys) -> None:
    path, _ = kind
    capsys.readouterr()
    assert main(["whatif", str(path), "--fail", "node:kind-control-plane", "--format", "json"]) == 0
    radius = json.loads(capsys.readouterr().out)
    # coredns is down already: it is not counted again. The scheduler dies with the node, so
    # the local-path-provisioner pod is not rescheduled onto kind-worker2 although it would fit.
    assert radius["down_services"] == ["local-path-provisioner", "kubernetes"]
    assert radius["down_now_services"] == ["coredns"]
    assert radius["rescheduled_pods"] == [] and radius["unschedulable_pods"] == []
    assert radius["cost_per_hour"] == pytest.approx(200.0)
    assert radius["cost_per_hour_after_reschedule"] == pytest.approx(200.0)


def test_simulate_runs_on_the_current_state(kind, capsys) -> None:
    path, _ = kind
    assert main(["simulate", str(path), "--years", "300", "--seed", "3"]) == 0
    assert "coredns" not in capsys.readouterr().err


def test_deployment_without_pods_keeps_its_desired_and_ready_counts(tmp_path: Path) -> None:
    dump = read_dump(K8S / "troubleshoot-deployments-kube-system.json")
    scenario = dump_to_scenario(dump, "bundle")
    coredns, metrics = scenario.workloads_by_name["coredns"], scenario.workloads_by_name["metrics-server"]
    # spec.replicas 2 / status.readyReplicas 2, and spec.replicas 1 / readyReplicas 1
    assert (coredns.pods, coredns.unplaced_replicas, coredns.desired, coredns.replicas) == ((), 2, 2, 2)
    assert (metrics.pods, metrics.unplaced_replicas, metrics.desired) == ((), 1, 1)
    assert {"workloads.coredns.pods", "workloads.metrics-server.pods"} <= {p.field for p in scenario.placeholders}
    assert any("coredns: pods not in the input" in note for note in dump.notes)


def test_missing_pods_in_a_capture_of_their_namespace_are_below_desired(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ("troubleshoot-deployments-kube-system.json", "istio-gke-pod-kube-dns.yaml"))
    dump = read_dump(folder)
    scenario = dump_to_scenario(dump, "mixed")
    coredns = scenario.workloads_by_name["coredns"]
    assert (coredns.replicas, coredns.desired, coredns.unavailable_now) == (0, 2, True)
    kube_dns = scenario.workloads_by_name["kube-dns"]  # its node is not in the input: live, unplaced
    assert (kube_dns.pods, kube_dns.unplaced_replicas) == ((), 1)


def test_control_plane_pods_are_recognised_in_openshift_namespaces(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ("sonobuoy-kind-nodes.json", "sonobuoy-kind-static-pods-openshift-namespaces-EDITED.json"))
    scenario = dump_to_scenario(read_dump(folder), "ocp")
    planes = {w.name: (w.kind, w.namespace, w.quorum, w.pods) for w in scenario.workloads}
    assert planes == {
        "etcd": ("ControlPlane", "openshift-etcd", True, ("kind-control-plane",)),
        "kube-apiserver": ("ControlPlane", "openshift-kube-apiserver", False, ("kind-control-plane",)),
        "kube-scheduler": ("ControlPlane", "openshift-kube-scheduler", False, ("kind-control-plane",)),
    }
    assert scenario.services_by_name["kubernetes"].workloads == ("etcd", "kube-apiserver")


def _gpu_cluster(tmp_path: Path):
    """The troubleshoot bundle's real nodes with three workloads placed on them by the test."""
    scenario = dump_to_scenario(read_dump(K8S / "troubleshoot-nodes.json"), "bundle")
    workloads = (
        Workload.model_validate({"name": "trainer", "requests": {"cpu": "100m", "extended": {"nvidia.com/gpu": 1}},
                                 "pods": ["ip-172-31-21-92"]}),
        Workload.model_validate({"name": "web", "requests": {"cpu": "100m"}, "pods": ["ip-172-31-21-92"]}),
        Workload.model_validate({"name": "scratch", "requests": {"cpu": "100m", "ephemeral-storage": 94_000_000_000},
                                 "pods": ["biggernode-3i745"]}),
    )
    return scenario.model_copy(update={"workloads": workloads})


def test_extended_resources_and_ephemeral_storage_limit_the_rescheduling_fit(tmp_path: Path) -> None:
    index = TopologyIndex(_gpu_cluster(tmp_path))
    lost = structural_impact(index, FailedSet(nodes=frozenset({"ip-172-31-21-92"})))
    moved = {index.workload_names[index.pod_workload[pod]]: index.node_names[node] for pod, node in lost.placement.moves}
    # the only node offering nvidia.com/gpu failed: the trainer cannot move; web goes to the first node with room
    assert moved == {"web": "biggernode-3i745"}
    assert [index.workload_names[index.pod_workload[p]] for p in lost.placement.unschedulable] == ["trainer"]
    big = structural_impact(index, FailedSet(nodes=frozenset({"biggernode-3i745"})))
    # 94 GB of scratch space: ip-172-31-21-92 (93,478,772,582 bytes) is first in order but too small
    assert [index.node_names[node] for _, node in big.placement.moves] == ["repldev-marc"]


def test_the_room_check_proves_nothing_when_pods_request_other_resources(tmp_path: Path) -> None:
    # The room check counts cpu, memory and pod slots only: it would "prove" the trainer moves
    # (plenty of cpu elsewhere), but no surviving node offers nvidia.com/gpu. The risk model's
    # path (list_moves=False) must give first fit's counts: web moves, the trainer stays lost.
    index = TopologyIndex(_gpu_cluster(tmp_path))
    requests = [(FailedSet(nodes=frozenset({node})), True) for node in index.node_names]
    proven = structural_impacts(index, requests, list_moves=False)
    listed = structural_impacts(index, requests)
    for mine, theirs in zip(proven, listed, strict=True):
        np.testing.assert_array_equal(mine.placement.rescheduled_per_workload, theirs.placement.rescheduled_per_workload)
        assert mine.placement.listed  # nothing proven: first fit ran
    gpu_node = index.node_names.index("ip-172-31-21-92")
    moved = dict(zip(index.workload_names, proven[gpu_node].placement.rescheduled_per_workload.tolist(), strict=True))
    assert moved == {"trainer": 0, "web": 1, "scratch": 0}
