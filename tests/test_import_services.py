"""Services, costs, dependencies, placeholders, evidence and findings of imported clusters.

On the minikube 1.35 capture (its own Service objects; tests/fixtures/k8s-annotated adds
riskmodel.io annotations, EDITED), the troubleshoot bundle's Deployments (a real env value
naming another Deployment), and the popeye node list (a node with NetworkUnavailable=True).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from builders import copied_folder

from riskmodel.cli.main import main
from riskmodel.engine.risk import RiskModel
from riskmodel.errors import InputError
from riskmodel.model.catalog import measure_applies
from riskmodel.model.defaults import ServiceDefaults
from riskmodel.report.analysis import analyse
from riskmodel.sources.file import read_dump
from riskmodel.sources.scenario import load_scenario
from riskmodel.sources.topology import dump_to_scenario

FIXTURES = Path(__file__).parent / "fixtures"
K8S = FIXTURES / "k8s"
ANNOTATED = FIXTURES / "k8s-annotated"
MINIKUBE = ("nri-k8s-1.35-minikube-nodes.yaml", "nri-k8s-1.35-minikube-pods.yaml", "nri-k8s-1.35-minikube-services.yaml")


def _folder(tmp_path: Path, names: tuple[str, ...], label: str = "input") -> Path:
    return copied_folder(tmp_path, (K8S / name for name in names), label)


def _import(tmp_path: Path, capsys, *sources: str, extra: tuple[str, ...] = ()) -> tuple[Path, dict]:
    out = tmp_path / "imported.yaml"
    args = ["import", *[a for s in sources for a in ("--source", s)], "--output", str(out), "--format", "json", *extra]
    capsys.readouterr()
    assert main(args) == 0
    return out, json.loads(capsys.readouterr().out)


def test_services_come_from_service_objects(tmp_path: Path) -> None:
    scenario = dump_to_scenario(read_dump(_folder(tmp_path, MINIKUBE)), "mk")
    backing = {s.name: s.workloads for s in scenario.services}
    assert backing["kube-dns"] == ("coredns",)  # selector k8s-app: kube-dns picks the coredns pods
    assert backing["kubernetes"] == ("etcd", "kube-apiserver")  # default/kubernetes has no selector
    assert backing["metrics-server"] == ("metrics-server",)
    assert "coredns" not in backing  # a workload a Service selects gets no service of its own


def test_annotations_give_cost_slo_and_dependencies(tmp_path: Path) -> None:
    dump = read_dump(ANNOTATED, strict=False)
    scenario = dump_to_scenario(dump, "mk")
    dns = scenario.services_by_name["kube-dns"]
    assert (dns.cost_per_hour, dns.slo, dns.depends_on) == (5000.0, pytest.approx(0.9995), ("kubernetes",))
    placeholders = {p.field for p in scenario.placeholders}
    assert "services.kube-dns.cost_per_hour" not in placeholders and "services.kube-dns.slo" not in placeholders
    assert "services.kube-dns.degraded_cost_per_hour" in placeholders
    # the malformed SLO on metrics-server is reported and the placeholder stays
    assert any("riskmodel.io/slo: Service kube-system/metrics-server: expected a fraction" in n for n in dump.notes)
    assert scenario.services_by_name["metrics-server"].slo == 0.999 and "services.metrics-server.slo" in placeholders
    with pytest.raises(InputError, match=r"metadata\.annotations\.riskmodel\.io/slo.*got '1\.5'"):
        dump_to_scenario(read_dump(ANNOTATED), "mk", strict=True)


def test_defaults_file_fills_what_annotations_leave(tmp_path: Path, capsys) -> None:
    defaults = tmp_path / "defaults.yaml"
    defaults.write_text("defaults:\n"
                        "  - {namespace: kube-system, cost_per_hour: 2000, degraded_cost_per_hour: 200}\n"
                        "  - {name: 'e2e-*', cost_per_hour: 50}\n"
                        "  - {slo: 0.99}\n")
    out, report = _import(tmp_path, capsys, f"file:{ANNOTATED}", extra=("--defaults", str(defaults)))
    services = load_scenario(out).scenario.services_by_name
    assert services["kube-dns"].cost_per_hour == 5000.0  # the annotation wins
    assert services["kube-dns"].degraded_cost_per_hour == 200.0 and services["metrics-server"].cost_per_hour == 2000.0
    assert services["e2e-hpa"].cost_per_hour == 50.0 and services["e2e-hpa"].slo == 0.99
    assert services["kubernetes"].cost_per_hour == 100.0  # namespace default: no rule sets its cost
    assert "services.kubernetes.cost_per_hour" in report["placeholders"]
    assert "services.metrics-server.slo" not in report["placeholders"]  # the last rule sets every SLO
    ServiceDefaults.model_validate({"defaults": [{"slo": 0.9}]})
    defaults.write_text("defaults:\n  - {namespace: shop, slo: 1.5}\n")
    capsys.readouterr()
    assert main(["import", "--source", f"file:{ANNOTATED}", "--output", str(out), "--defaults", str(defaults)]) == 2
    assert "defaults[0].slo" in capsys.readouterr().err


def test_dependency_inferred_from_an_env_value(tmp_path: Path) -> None:
    scenario = dump_to_scenario(read_dump(K8S / "troubleshoot-deployments-default.json"), "kots")
    operator = scenario.services_by_name["kotsadm-operator"]
    assert operator.depends_on == ("kotsadm-api",)
    (inferred,) = operator.inferred_dependencies
    assert inferred.evidence == ("container kotsadm-operator env KOTSADM_API_ENDPOINT=http://kotsadm-api:3000 "
                                 "(Deployment default/kotsadm-operator)")
    assert "services.kotsadm-operator.depends_on.kotsadm-api" in {p.field for p in scenario.placeholders}


def test_placeholder_zones_do_not_depend_on_the_order_of_the_sources(tmp_path: Path, capsys) -> None:
    one, two = f"file:{K8S / 'troubleshoot-nodes.json'}", f"file:{K8S / 'k9s-minikube-node.json'}"
    first = load_scenario(_import(tmp_path, capsys, one, two)[0]).scenario
    second = load_scenario(_import(tmp_path, capsys, two, one)[0]).scenario
    assert first.zones == second.zones and {n.name: n.zone for n in first.nodes} == {n.name: n.zone for n in second.nodes}
    zones = {z.name: (z.region, z.placeholder) for z in first.zones}
    assert zones["unknown-zone-sfo2"] == ("sfo2", True) and zones["unknown-zone"] == ("unknown-region", True)
    assert first.nodes_by_name["pool-yd23sqk7u-3i7i7"].zone == "unknown-zone-sfo2"
    assert first.nodes_by_name["repldev-marc"].zone == "unknown-zone"


def test_captures_of_different_dates_are_reported_and_window_from_events(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ("troubleshoot-eventlist-image-pull-fail.json", "k9s-gke-event-single.json"))
    dump = read_dump(folder)
    assert any("files captured at different times" in note for note in dump.notes)
    starts = [e.first_timestamp for e in dump.evidence.events if e.first_timestamp]
    assert dump.evidence.window_start == min(starts)
    kind = read_dump(K8S / "sonobuoy-kind-nodes.json")
    assert any("node heartbeats span 7 days" in note and "kind-control-plane" in note for note in kind.notes)


def test_imported_evidence_comes_along_and_active_conditions_rank(tmp_path: Path, capsys) -> None:
    out, report = _import(tmp_path, capsys, f"file:{K8S / 'popeye-nodelist-HANDEDITED.yaml'}")
    assert Path(report["evidence"]).is_file() and report["evidence"].endswith("imported.evidence.json")
    loaded = load_scenario(out)
    assert loaded.scenario.evidence == ("imported.evidence.json",)
    assert {(c.node, c.type) for c in loaded.evidence.conditions if c.is_problem} >= {("n2", "NetworkUnavailable")}
    analysis = analyse(loaded)
    (problem,) = [p for p in analysis.current_problems if p.name == "n2/NetworkUnavailable"]
    # the EAL the condition's likelihood ratio (10) adds on n2, per hour
    row = next(r for r in analysis.register.rows if r.failure_mode_id == "node-network-unavailable" and r.unit == "n2")
    assert problem.cost_per_hour == pytest.approx(row.eal_per_year * (1 - 1 / 10) / 8760)
    assert "node-network-unavailable ×10" in problem.detail


def test_single_replica_finding_is_the_eal_a_second_replica_removes(tmp_path: Path) -> None:
    analysis = analyse(load_scenario(_import_minikube(tmp_path)))
    assert [f.eal_per_year for f in analysis.findings] == sorted((f.eal_per_year for f in analysis.findings), reverse=True)
    finding = next(f for f in analysis.findings if f.id == "single_replica:metrics-server")
    assert finding.fixed_by == ("second-replica", "third-replica") and finding.eal_per_year > 0
    # independently: the same cluster with metrics-server run twice on its only node, for the
    # failure modes second-replica applies to, the rest as they are
    scenario, catalog = analysis.loaded.scenario, analysis.loaded.catalog
    doubled = scenario.model_copy(update={"workloads": tuple(
        w.model_copy(update={"pods": w.pods * 2}) if w.name == "metrics-server" else w for w in scenario.workloads)})
    base = analysis.model.evaluate().eal_per_mode
    variant = RiskModel(doubled, catalog, analysis.loaded.evidence).evaluate().eal_per_mode
    measure = catalog.measure("second-replica")
    applies = np.array([measure_applies(measure, mode) for mode in catalog.failure_modes])
    assert finding.eal_per_year == pytest.approx(base.sum() - np.where(applies, variant, base).sum())


def test_no_pdb_finding_is_what_the_pdb_factor_removes_from_its_pairs(tmp_path: Path) -> None:
    analysis = analyse(load_scenario(_import_minikube(tmp_path)))
    finding = next(f for f in analysis.findings if f.id == "no_pdb:e2e-deployment")
    rows = [r for r in analysis.register.rows if r.failure_mode_id == "voluntary-disruption-without-pdb"
            and r.unit == "e2e-deployment"]
    factor = analysis.loaded.catalog.measure("pod-disruption-budgets").effect.impact_factor
    assert finding.eal_per_year == pytest.approx(sum(r.eal_per_year for r in rows) * (1 - factor))


def _import_minikube(tmp_path: Path) -> Path:
    out = tmp_path / "mk.yaml"
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["import", "--source", f"file:{_folder(tmp_path, MINIKUBE, 'mk')}", "--output", str(out)]) == 0
    return out


def test_the_documented_defaults_example_parses(tmp_path: Path) -> None:
    from riskmodel.files.loader import parse_model

    doc = (Path(__file__).resolve().parent.parent / "docs" / "formats.md").read_text(encoding="utf-8")
    block = doc.split("# defaults example\n", 1)[1].split("```", 1)[0]
    (tmp_path / "defaults.yaml").write_text(block)
    defaults, _ = parse_model(ServiceDefaults, tmp_path / "defaults.yaml")
    assert defaults.value("cost_per_hour", "shop", "checkout-api") == (20000.0, 0)
    assert defaults.value("cost_per_hour", "shop", "cart") == (2000.0, 1)
    assert defaults.value("slo", "batch", "nightly") == (0.99, 3)


def test_values_are_checked_only_against_the_names_they_hold() -> None:
    from riskmodel.sources.services import _named_in

    names = _named_in("http://orders.shop.svc.cluster.local:80/x --db=pg-main:5432")
    assert {"orders", "orders.shop", "orders.shop.svc", "orders.shop.svc.cluster", "pg-main"} <= names
    assert "shop" not in names and "main" not in names  # not after a boundary: no DNS form starts there
