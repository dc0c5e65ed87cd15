"""Kubectl dumps against hostile input: wrong types, bombs, oversized files, odd names and times.

Each case starts from a recorded object of tests/fixtures/k8s and breaks one field; the read
ends in one InputError naming the file and the field path (or line), never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from riskmodel.errors import InputError, InputErrors
from riskmodel.sources import file as file_source
from riskmodel.sources.file import read_dump

K8S = Path(__file__).parent / "fixtures" / "k8s"


def _fixture(name: str) -> dict[str, Any]:
    return json.loads((K8S / name).read_text())


def _read_error(tmp_path: Path, document: Any, name: str = "dump.json") -> InputError:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    with pytest.raises((InputError, InputErrors)) as caught:
        read_dump(path)
    errors = caught.value.errors if isinstance(caught.value, InputErrors) else [caught.value]
    assert len(errors) == 1 and str(errors[0]).startswith(str(path))
    return errors[0]


def _pv_with(values: Any) -> dict[str, Any]:
    pv = _fixture("k9s-pv-zonal.json")
    pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] = values
    return pv


def test_the_recorded_zonal_pv_still_reads_its_zone(tmp_path: Path) -> None:
    path = tmp_path / "pv.json"
    path.write_text(json.dumps(_pv_with(["us-central1-a"])))
    assert [pv.zone for pv in read_dump(path).pvs] == ["us-central1-a"]


@pytest.mark.parametrize(("values", "field", "expected"), [
    ("us-central1-a", "matchExpressions[0].values", "expected a list, got str"),
    (7, "matchExpressions[0].values", "expected a list, got int"),
    ([{"zone": "a"}], "matchExpressions[0].values[0]", "expected a string, got {'zone': 'a'}"),
])
def test_pv_node_affinity_values_of_the_wrong_type(tmp_path: Path, values: Any, field: str, expected: str) -> None:
    error = _read_error(tmp_path, _pv_with(values))
    assert error.field == f"spec.nodeAffinity.required.nodeSelectorTerms[0].{field}"
    assert expected in error.message


def test_pv_node_selector_term_that_is_not_an_object(tmp_path: Path) -> None:
    pv = _fixture("k9s-pv-zonal.json")
    pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"] = ["zone-a"]
    error = _read_error(tmp_path, pv)
    assert (error.field, error.message) == ("spec.nodeAffinity.required.nodeSelectorTerms[0]",
                                            "expected an object, got str")


@pytest.mark.parametrize("entry", ["app=web", 3, ["app"]])
def test_pdb_match_expression_that_is_not_an_object(tmp_path: Path, entry: Any) -> None:
    pdb = _fixture("k9s-pdb.json")
    pdb["spec"]["selector"]["matchExpressions"] = [entry]
    error = _read_error(tmp_path, pdb)
    assert error.field == "spec.selector.matchExpressions[0]"
    assert error.message == f"expected an object, got {type(entry).__name__}"


def test_pdb_match_expression_values_must_be_strings(tmp_path: Path) -> None:
    pdb = _fixture("k9s-pdb.json")
    pdb["spec"]["selector"]["matchExpressions"] = [{"key": "app", "operator": "In", "values": [None]}]
    error = _read_error(tmp_path, pdb)
    assert error.field == "spec.selector.matchExpressions[0].values[0]"


def _pod() -> dict[str, Any]:
    return _fixture("k9s-pod-sidecar.json")


@pytest.mark.parametrize(("change", "field", "expected"), [
    (lambda pod: pod["status"].update(containerStatuses=5), "status.containerStatuses", "expected a list"),
    (lambda pod: pod["status"].update(containerStatuses=["x"]), "status.containerStatuses[0]", "expected an object"),
    (lambda pod: pod["status"]["containerStatuses"][0].update(state="running"),
     "status.containerStatuses[0].state", "expected an object"),
    (lambda pod: pod["spec"]["containers"][0]["resources"]["requests"].update({"7": "1"}) or
     pod["spec"]["containers"][0]["resources"]["requests"].pop("cpu", None), None, None),
    (lambda pod: pod["metadata"].update(name="+Inf"), "metadata.name", "expected a name of letters"),
    (lambda pod: pod["spec"].update(nodeName="node one"), "spec.nodeName", "expected a name of letters"),
    (lambda pod: pod["metadata"].update(labels={"tier": 3}), "metadata.labels.tier", "expected a string label value"),
])
def test_pod_fields_of_the_wrong_type(tmp_path: Path, change: Any, field: str | None, expected: str | None) -> None:
    pod = _pod()
    change(pod)
    path = tmp_path / "pod.json"
    path.write_text(json.dumps(pod))
    if field is None:  # still a valid pod (an extended resource named "7"; a time not read for pods)
        assert len(read_dump(path).pods) == 1
        return
    error = _read_error(tmp_path, pod)
    assert error.field == field
    assert expected is not None and expected in error.message


def test_condition_time_before_year_one_in_utc(tmp_path: Path) -> None:
    node = _fixture("k9s-minikube-node.json")
    node["status"]["conditions"][0]["lastHeartbeatTime"] = "0001-01-01T00:00:00+01:00"
    error = _read_error(tmp_path, node)
    assert error.field == "status.conditions[0].lastHeartbeatTime"
    assert "between the years 1 and 9999" in error.message


@pytest.mark.parametrize("pods", ["1e400", 10**30, -1, True])
def test_node_pod_capacity_out_of_range(tmp_path: Path, pods: Any) -> None:
    node = _fixture("k9s-minikube-node.json")
    node["status"]["allocatable"]["pods"] = pods
    text = json.dumps(node).replace('"1e400"', "1e400") if pods == "1e400" else json.dumps(node)
    error = _read_error(tmp_path, text)
    assert (error.field, error.message.split(",")[0]) in {
        ("status.allocatable.pods", "expected a whole number of pods"),
        ("status.allocatable.pods", "expected a whole number of pods from 0 to 10")}


def test_yaml_dump_with_a_billion_laughs_is_refused(tmp_path: Path) -> None:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: lol}", "data:", "  a0: &a0 [lol, lol, lol]"]
    lines += [f"  a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
              f"*a{i - 1}]" for i in range(1, 10)]
    error = _read_error(tmp_path, "\n".join(lines) + "\n", "bomb.yaml")
    assert "billion laughs" in error.message and error.line is not None


def test_yaml_dump_nested_30000_deep_is_refused(tmp_path: Path) -> None:
    error = _read_error(tmp_path, "kind: List\nitems: " + "[" * 30_000 + "]" * 30_000 + "\n", "deep.yaml")
    assert "nested deeper than 100 levels" in error.message and error.line == 2


def test_json_dump_nested_100000_deep_is_refused(tmp_path: Path) -> None:
    error = _read_error(tmp_path, '{"kind": "List", "items": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert "nested deeper than 100 levels" in error.message


def test_json_dump_with_nan_is_refused(tmp_path: Path) -> None:
    node = json.dumps(_fixture("k9s-minikube-node.json")).replace('"pods": "110"', '"pods": NaN')
    assert "NaN" in node
    error = _read_error(tmp_path, node)
    assert "NaN is not a JSON number" in error.message and error.line == 1


def test_dump_file_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_source, "MAX_DUMP_FILE_BYTES", 1000)
    node = _fixture("k9s-minikube-node.json")
    error = _read_error(tmp_path, node)
    assert "over the 1,000-byte limit" in error.message


def test_bundle_folder_reports_the_bad_file_and_reads_the_rest(tmp_path: Path) -> None:
    """A folder (support bundle, dump tree) read leniently: the wrong-typed PDB is named with its
    field, the good PV is still read."""
    (tmp_path / "pv.json").write_text(json.dumps(_pv_with(["us-central1-a"])))
    pdb = _fixture("k9s-pdb.json")
    pdb["spec"]["selector"]["matchExpressions"] = ["app=web"]
    (tmp_path / "pdb.json").write_text(json.dumps(pdb))
    dump = read_dump(tmp_path, strict=False)
    assert [pv.zone for pv in dump.pvs] == ["us-central1-a"] and dump.pdbs == []
    assert any("spec.selector.matchExpressions[0]" in line and "expected an object" in line for line in dump.skipped)
    with pytest.raises(InputErrors, match=r"pdb\.json: spec\.selector\.matchExpressions\[0\]: expected an object"):
        read_dump(tmp_path, strict=True)


def test_a_node_named_node_1_imports_and_loads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from riskmodel.cli.main import main
    from riskmodel.sources.scenario import load_scenario

    node = _fixture("k9s-minikube-node.json")
    node["metadata"]["name"] = "node_1"
    (tmp_path / "node.json").write_text(json.dumps(node))
    out = tmp_path / "imported.yaml"
    assert main(["import", "--source", f"file:{tmp_path / 'node.json'}", "--output", str(out)]) == 0, \
        capsys.readouterr().err
    assert [n.name for n in load_scenario(out).scenario.nodes] == ["node_1"]


def test_a_replica_set_whose_deployment_part_is_no_name_keeps_its_own(tmp_path: Path) -> None:
    """Found by make fuzz: owner ``kube-:dns:-548976df6c`` less its hash is ``kube-:dns:``, which no
    scenario can name; the workload keeps the ReplicaSet's whole name instead of crashing import."""
    from riskmodel.sources.topology import dump_to_scenario

    text = (K8S / "istio-gke-pod-kube-dns.yaml").read_text()
    assert "    name: kube-dns-548976df6c\n" in text
    path = tmp_path / "pod.yaml"
    path.write_text(text.replace("    name: kube-dns-548976df6c\n", "    name: kube-:dns:-548976df6c\n"))
    scenario = dump_to_scenario(read_dump(path), "fuzzed")
    assert [w.name for w in scenario.workloads] == ["kube-:dns:-548976df6c"]


@pytest.mark.parametrize(("label", "value"), [
    ("failure-domain.beta.kubernetes.io/zone", "us-central>1-a"),
    ("failure-domain.beta.kubernetes.io/region", "<script>"),
])
def test_zone_and_region_labels_must_be_names(tmp_path: Path, label: str, value: str) -> None:
    """Found by make fuzz: a zone or region label no scenario can name crashed import with a
    pydantic error; it is an error naming the node's label (the recorded GKE node, one label changed)."""
    text = (K8S / "istio-gke-node-with-npd-conditions.yaml").read_text()
    assert text.count(f"    {label}: ") == 1
    changed = "\n".join(f"    {label}: '{value}'" if line.startswith(f"    {label}: ") else line
                        for line in text.splitlines()) + "\n"
    error = _read_error(tmp_path, changed, "node.yaml")
    assert f"metadata.labels.{label}" in str(error) and "expected a zone or region name" in str(error)
    assert repr(value) in str(error)
