"""Reading what kubectl really writes, on recorded files (tests/fixtures/*/SOURCES.md).

Each reading rule of the file source against a real capture (or a copy with the one change
the test needs, marked EDITED), checking the numbers read, used and skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskmodel.cli.main import main
from riskmodel.errors import InputErrors
from riskmodel.sources.accounting import FILE_KIND
from riskmodel.sources.file import read_dump

FIXTURES = Path(__file__).parent / "fixtures"
K8S = FIXTURES / "k8s"
BUNDLE = FIXTURES / "k8s-bundle"
TREE = FIXTURES / "k8s-dump-tree"


def _files(skips, reason: str) -> list[str]:
    return sorted(Path(s.file).name for s in skips if s.kind == FILE_KIND and reason in s.reason)


def test_items_null_is_an_empty_list() -> None:
    dump = read_dump(K8S / "troubleshoot-pvcs-items-null-EDITED.json")
    assert dump.pvcs == [] and dump.accounting.summary().kinds == ()


def test_cluster_info_dump_stdout_reads_the_objects_and_counts_the_logs() -> None:
    dump = read_dump(K8S / "sonobuoy-kind-cluster-info-dump-EDITED.txt")
    separate = read_dump(K8S / "sonobuoy-kind-nodes.json").merge(read_dump(K8S / "sonobuoy-kind-kube-system-pods.json"))
    assert [n.name for n in dump.nodes] == ["kind-control-plane", "kind-worker", "kind-worker2"]
    assert {(p.namespace, p.name) for p in dump.pods} == {(p.namespace, p.name) for p in separate.pods}
    assert len(dump.pods) == 14
    summary = dump.accounting.summary()
    assert summary.read == {"Node": 3, "Pod": 14} and summary.used == {"Node": 3, "Pod": 14}
    (logs,) = summary.files_skipped
    assert logs.name == "logs of 1 container(s) in sonobuoy-kind-cluster-info-dump-EDITED.txt"


def test_typed_list_items_take_their_kind_from_the_list() -> None:
    raw = json.loads((K8S / "troubleshoot-nodes.json").read_text())
    assert sum("kind" not in item for item in raw["items"]) == 5  # as the bundle recorded them
    dump = read_dump(K8S / "troubleshoot-nodes.json")
    nodes = {n.name: n for n in dump.nodes}
    assert len(nodes) == 7 and dump.accounting.summary().used == {"Node": 7}
    assert nodes["ip-172-31-21-92"].extended == {"nvidia.com/gpu": 1.0}
    assert nodes["biggernode-3i745"].ephemeral_storage_bytes == 95087093603
    assert (nodes["pool-yd23sqk7u-3i7i7"].zone, nodes["pool-yd23sqk7u-3i7i7"].region) == (None, "sfo2")


def test_a_bundle_holding_objects_twice_keeps_each_once(tmp_path: Path, capsys) -> None:
    dump = read_dump(BUNDLE, strict=False)
    summary = dump.accounting.summary()
    assert summary.read == {"Deployment": 4, "Node": 13} and summary.used == {"Deployment": 2, "Node": 7}
    duplicates = [s for s in summary.skipped if s.reason.startswith("duplicate")]
    assert len(duplicates) == 8
    assert all(Path(s.file).parent.name in ("cluster-resources", "deployments") and "support-bundle" in s.file
               for s in duplicates)
    assert sorted(n.name for n in dump.nodes) == sorted(set(n.name for n in dump.nodes))
    out = tmp_path / "bundle.yaml"
    assert main(["import", "--source", f"file:{BUNDLE}", "--output", str(out)]) == 0
    capsys.readouterr()
    assert main(["rank", str(out), "--format", "json"]) == 0  # the loader accepts what import wrote
    ranked = json.loads(capsys.readouterr().out)
    assert len(ranked["nodes"]) == 7 and ranked["eal_per_year"] > 0


def test_one_bad_file_is_reported_and_the_rest_imported() -> None:
    dump = read_dump(TREE, strict=False)
    assert len(dump.nodes) == 3 and len(dump.pods) == 14
    skips = dump.accounting.summary().files_skipped
    assert _files(skips, "missing 'kind'") == ["serverversion.json", "summary_test.golden"]
    assert _files(skips, "pod log") == ["etcd.txt"]
    assert _files(skips, "neither JSON nor YAML") == ["SOURCES.md"]


def test_strict_fails_on_the_first_bad_file(tmp_path: Path, capsys) -> None:
    with pytest.raises(InputErrors, match="serverversion.json: missing 'kind'") as caught:
        read_dump(TREE, strict=True)
    assert len(caught.value.errors) == 1  # summary_test.golden, after it in path order, is not reached
    out = tmp_path / "tree.yaml"
    assert main(["import", "--source", f"file:{TREE}", "--output", str(out), "--strict"]) == 2
    assert "serverversion.json" in capsys.readouterr().err and not out.exists()
    assert main(["import", "--source", f"file:{TREE}", "--output", str(out), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    # SOURCES.md (the provenance note) is named as neither JSON nor YAML, as any such file is
    assert {s["name"] for s in report["skipped"] if s["kind"] == "File"} == {
        "etcd.txt", "serverversion.json", "summary_test.golden", "SOURCES.md"}


def test_a_single_file_that_is_not_kubectl_output_is_an_error() -> None:
    with pytest.raises(InputErrors, match="missing 'kind'"):
        read_dump(FIXTURES / "not-kubectl" / "openshift-insights-events-trimmed.json")


def test_a_bad_object_is_skipped_with_its_field(tmp_path: Path) -> None:
    """The real popeye node list with one condition status changed to 'Maybe' (written here)."""
    text = (K8S / "popeye-nodelist-HANDEDITED.yaml").read_text().replace("status: \"True\"", "status: \"Maybe\"", 1)
    (tmp_path / "nodes.yaml").write_text(text)
    (tmp_path / "pods.json").write_text((K8S / "k9s-pod-sidecar.json").read_text())
    dump = read_dump(tmp_path, strict=False)
    (bad,) = [s for s in dump.accounting.summary().skipped if s.reason.startswith("unreadable")]
    assert bad.kind == "Node" and "status.conditions" in bad.reason and "'Maybe'" in bad.reason
    assert len(dump.pods) == 1
