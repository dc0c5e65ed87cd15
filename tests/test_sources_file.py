"""The file source against real kubectl output copied into tests/fixtures/k8s (see SOURCES.md)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from riskmodel.errors import InputError, InputErrors
from riskmodel.sources.file import load_evidence, read_dump

K8S = Path(__file__).parent / "fixtures" / "k8s"
PROJECT = Path(__file__).resolve().parent.parent


def test_gke_node_with_npd_conditions() -> None:
    dump = read_dump(K8S / "istio-gke-node-with-npd-conditions.yaml")
    name = "gke-istio-test-default-pool-866a0405-420r"
    assert [node.name for node in dump.nodes] == [name]
    node = dump.nodes[0]
    assert (node.zone, node.region) == ("us-central1-a", "us-central1")
    assert node.cpu_millicores == 3920.0 and node.memory_bytes == 12699980 * 1024
    statuses = {c.type: c.status for c in dump.evidence.conditions}
    assert statuses == {
        "FrequentUnregisterNetDevice": "False", "KernelDeadlock": "False", "NetworkUnavailable": "False",
        "OutOfDisk": "False", "MemoryPressure": "False", "DiskPressure": "False", "PIDPressure": "False",
        "Ready": "True",
    }
    assert not any(c.is_problem for c in dump.evidence.conditions)
    deadlock = next(c for c in dump.evidence.conditions if c.type == "KernelDeadlock")
    assert deadlock.reason == "KernelHasNoDeadlock"
    assert deadlock.last_transition_time == datetime(2018, 12, 3, 16, 55, 56, tzinfo=UTC)
    assert dump.evidence.npd_covered_nodes() == {name}
    # the zone came from the deprecated beta label, and that is reported
    assert any("failure-domain.beta.kubernetes.io/zone" in note for note in dump.notes)


def test_hand_edited_nodelist_pressure_and_skips() -> None:
    dump = read_dump(K8S / "popeye-nodelist-HANDEDITED.yaml")
    problems = sorted((c.node, c.type) for c in dump.evidence.conditions if c.is_problem)
    assert problems == [
        ("n2", "NetworkUnavailable"), ("n3", "DiskPressure"), ("n3", "MemoryPressure"),
        ("n3", "NetworkUnavailable"), ("n3", "PIDPressure"), ("n4", "Ready"),
    ]
    assert [n.name for n in dump.nodes] == ["n1", "n2", "n5"]  # n3, n4 have no allocatable
    assert any("without status.allocatable" in s and "n3" in s and "n4" in s for s in dump.skipped)
    assert any("without a type" in s and "n4" in s for s in dump.skipped)  # n4's condition type ""
    assert next(n for n in dump.nodes if n.name == "n5").cpu_millicores == 100.0


def test_minikube_pods_requests_owners_and_volumes() -> None:
    dump = read_dump(K8S / "nri-k8s-1.35-minikube-pods.yaml")
    assert len(dump.pods) == 25
    pods = {p.name: p for p in dump.pods}
    coredns = pods["coredns-7d764666f9-qdcxt"]
    assert (coredns.owner_kind, coredns.owner_name) == ("ReplicaSet", "coredns-7d764666f9")
    assert (coredns.cpu_millicores, coredns.memory_bytes) == (100.0, 70 * 2**20)
    assert pods["etcd-datagen-1-35"].owner_kind == "Node"  # static pod
    assert pods["e2e-statefulset-0"].claims == ("e2e-pv-claim",)
    assert pods["e2e-container-pending"].node is None
    assert sorted({p.phase for p in dump.pods}) == ["Failed", "Pending", "Running", "Succeeded"]


def test_v1_eventlist_counts_and_node_attribution() -> None:
    dump = read_dump(K8S / "troubleshoot-eventlist-init-crashloop.json")
    events = dump.evidence.events
    assert len(events) == 15 and {e.node for e in events} == {"minikube"}
    by_reason: dict[str, int] = {}
    for event in events:
        by_reason[event.reason] = by_reason.get(event.reason, 0) + event.count
    assert by_reason["FailedMount"] == 490 + 324
    assert by_reason["BackOff"] == 111 + 1
    assert all(e.source_component == "kubelet" for e in events)
    # the two scheduler events name a pod but no node: reported, not counted
    assert any("2 × Event: events about a Pod" in s for s in dump.skipped)
    assert dump.accounting.summary().read["Event"] == 17 and dump.accounting.summary().used["Event"] == 15


def test_events_k8s_io_v1_form(tmp_path: Path) -> None:
    event = {
        "apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": "n1.1", "namespace": "default"},
        "regarding": {"kind": "Node", "name": "n1"}, "reason": "KernelOops", "type": "Warning",
        "reportingController": "kernel-monitor", "reportingInstance": "n1",
        "eventTime": "2024-05-01T10:00:00.000000Z", "deprecatedFirstTimestamp": "2024-04-30T10:00:00Z",
        "series": {"count": 4, "lastObservedTime": "2024-05-01T11:00:00.500000Z"}, "note": "BUG: unable to handle",
    }
    path = tmp_path / "events.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [event]}))
    (only,) = load_evidence(path).events
    assert (only.node, only.reason, only.count, only.source_component) == ("n1", "KernelOops", 4, "kernel-monitor")
    assert only.first_timestamp == datetime(2024, 4, 30, 10, tzinfo=UTC)
    assert only.last_timestamp == datetime(2024, 5, 1, 11, 0, 0, 500000, tzinfo=UTC)


def test_pdbs_min_available_and_max_unavailable() -> None:
    pdbs = read_dump(K8S / "popeye-pdbs-HANDWRITTEN.yaml").pdbs + read_dump(K8S / "k9s-pdb.json").pdbs
    pdbs += read_dump(K8S / "openshift-insights-pdb-etcd-quorum-guard.json").pdbs
    got = {p.name: (p.min_available, p.max_unavailable, p.match_labels) for p in pdbs}
    assert got["pdb1"] == (2, None, {"app": "p1"})
    assert got["fred"] == (2, None, {"app": "nginx"})
    assert got["etcd-quorum-guard"][:2] == (None, 1)


def test_folder_with_mixed_files_and_workloads(tmp_path: Path) -> None:
    for name in ("nri-k8s-1.35-minikube-nodes.yaml", "nri-k8s-1.35-minikube-pods.yaml",
                 "troubleshoot-deployments-default.json", "k9s-statefulset.json"):
        shutil.copy(K8S / name, tmp_path / name)
    dump = read_dump(tmp_path)
    assert [n.name for n in dump.nodes] == ["datagen-1-35"] and len(dump.pods) == 25
    kinds = sorted((w.kind, w.name) for w in dump.workloads)
    assert ("StatefulSet", "nginx-sts") in kinds and sum(k == "Deployment" for k, _ in kinds) == 4


def test_demo_evidence_loads() -> None:
    evidence = load_evidence(PROJECT / "scenarios" / "demo-evidence")
    problems = {(c.node, c.type) for c in evidence.conditions if c.is_problem}
    assert {("node-b2", "KernelDeadlock"), ("node-a3", "ReadonlyFilesystem"), ("node-c1", "MemoryPressure")} <= problems
    assert len(evidence.events) == 31
    nodes = {c.node for c in evidence.conditions}
    assert {"node-c3", "node-c4"} <= nodes and not {"node-c3", "node-c4"} & evidence.npd_covered_nodes()


# --- malformed input: a clear error naming file and field, or a reported skip --------------


def _write(tmp_path: Path, data: object, name: str = "dump.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def _node(name: str = "n1", **status: object) -> dict:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "status": {"allocatable": {"cpu": "4", "memory": "16Gi"}, **status}}


def test_truncated_json_names_file_and_line(tmp_path: Path) -> None:
    text = (K8S / "k9s-minikube-node.json").read_text()
    path = _write(tmp_path, text[: len(text) // 2])
    with pytest.raises(InputError, match="truncated JSON") as caught:
        read_dump(path)
    assert caught.value.file == str(path) and caught.value.line is not None


def test_real_file_without_kind_is_rejected() -> None:
    # insights-operator's reduced format is not kubectl output: no kind at the top
    with pytest.raises(InputErrors, match="missing 'kind'"):
        read_dump(K8S.parent / "not-kubectl" / "openshift-insights-events-trimmed.json")


def test_wrong_kind_inside_a_typed_list(tmp_path: Path) -> None:
    path = _write(tmp_path, {"kind": "NodeList", "items": [_node(), {"kind": "Pod", "metadata": {"name": "p"}}]})
    with pytest.raises(InputErrors, match=r"items\[1\]\.kind: a NodeList should hold Node items"):
        read_dump(path)


def test_unused_kind_is_a_reported_skip(tmp_path: Path) -> None:
    path = _write(tmp_path, {"kind": "List", "items": [_node(), {"kind": "ConfigMap", "metadata": {"name": "c"}}]})
    dump = read_dump(path)
    assert len(dump.nodes) == 1 and any("kind ConfigMap not used" in s for s in dump.skipped)


def test_bad_timestamp_names_the_field_path(tmp_path: Path) -> None:
    conditions = [{"type": "Ready", "status": "True"},
                  {"type": "KernelDeadlock", "status": "False", "lastTransitionTime": "yesterday"}]
    nodes = [_node(f"n{i}") for i in range(3)] + [_node("n3", conditions=conditions)]
    with pytest.raises(InputErrors) as caught:
        read_dump(_write(tmp_path, {"kind": "List", "items": nodes}))
    assert "items[3].status.conditions[1].lastTransitionTime" in str(caught.value)
    assert "RFC 3339" in str(caught.value)


def test_missing_node_name(tmp_path: Path) -> None:
    node = _node()
    del node["metadata"]["name"]
    with pytest.raises(InputErrors, match=r"items\[0\]\.metadata\.name: missing required field 'name'"):
        read_dump(_write(tmp_path, {"kind": "List", "items": [node]}))


def test_unknown_condition_type_is_kept_and_reported(tmp_path: Path) -> None:
    node = _node(conditions=[{"type": "InodesPressure", "status": "True"}])
    dump = read_dump(_write(tmp_path, {"kind": "List", "items": [node]}))
    assert [(c.type, c.is_problem) for c in dump.evidence.conditions] == [("InodesPressure", True)]
    assert any("unknown condition type 'InodesPressure'" in note for note in dump.notes)


def test_future_event_is_skipped_not_counted(tmp_path: Path) -> None:
    def event(last: str) -> dict:
        return {"apiVersion": "v1", "kind": "Event", "reason": "OOMKilling", "count": 3,
                "involvedObject": {"kind": "Node", "name": "n1"},
                "firstTimestamp": "2024-05-01T00:00:00Z", "lastTimestamp": last}

    path = _write(tmp_path, {"kind": "EventList", "items": [event("2024-05-02T00:00:00Z"), event("2031-01-01T00:00:00Z")]})
    dump = read_dump(path, now=datetime(2024, 6, 1, tzinfo=UTC))
    assert [e.count for e in dump.evidence.events] == [3]
    assert any("dated after the reading time" in s for s in dump.skipped)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda n: n["status"].update(conditions=[{"type": "Ready", "status": "Maybe"}]),
         "items[0].status.conditions[0].status"),
        (lambda n: n["status"]["allocatable"].update(memory="lots"), "items[0].status.allocatable.memory"),
        (lambda n: n.update(spec={"taints": [{"key": "k", "effect": "Sometimes"}]}), "items[0].spec.taints[0].effect"),
    ],
)
def test_bad_values_name_their_field(tmp_path: Path, change, field: str) -> None:
    node = _node()
    change(node)
    with pytest.raises(InputErrors) as caught:
        read_dump(_write(tmp_path, {"kind": "List", "items": [node]}))
    assert f"{field}: expected" in str(caught.value)


def test_missing_path() -> None:
    with pytest.raises(InputError, match="not found"):
        read_dump(Path("/nonexistent/dump"))
