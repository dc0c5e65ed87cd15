"""``check``, the CI gate, on a two-node cluster whose numbers are worked out by hand.

One failure mode, node-loss: 1 per node per year, detected in 10 min, repaired in 110 min.
Service ``shop`` (SLO 0.9995: a 262.8-minute budget, $1,000/h down, $200/h degraded) runs on
workload ``web``:

* broken: one replica on n1 with a zonal volume, n1 alone in zone a — a loss of n1 cannot be
  rescheduled: 120 bad minutes per year = 45.66% of the budget (> 25%: exit 1); EAL
  1 × 2 h × $1,000 = $2,000 per year;
* fixed: two replicas (n1, n2), no zonal volume — each node loss degrades shop for
  10 + 5 (eviction) + 2 (start-up) = 17 min at half its replicas: 2 × 17 × ½ = 17 bad minutes
  = 6.47% (exit 0); EAL 2 × 17/60 h × $200 × ½ = $56.67 per year.
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from riskmodel.cli.main import main
from tests.conftest import FIXTURES, small_catalog, write_yaml

SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
BUDGET_MINUTES = (1 - 0.9995) * 525_600


def _scenario(fixed: bool) -> dict:
    return {
        "name": "shop-fixed" if fixed else "shop-broken",
        "catalogs": ["catalog.yaml"],
        "zones": [{"name": "a", "region": "r"}, {"name": "b", "region": "r"}],
        "nodes": [{"name": "n1", "zone": "a", "allocatable": {"cpu": "4", "memory": "16Gi"}},
                  {"name": "n2", "zone": "b", "allocatable": {"cpu": "4", "memory": "16Gi"}}],
        "workloads": [{"name": "web", "namespace": "shop", "requests": {"cpu": "1", "memory": "1Gi"},
                       "pods": ["n1", "n2"] if fixed else ["n1"], "zonal_volumes": not fixed}],
        "services": [{"name": "shop", "workloads": ["web"], "cost_per_hour": 1000, "degraded_cost_per_hour": 200,
                      "slo": 0.9995}],
    }


def _catalog() -> dict:
    catalog = copy.deepcopy(small_catalog())
    catalog["failure_modes"] = [{**catalog["failure_modes"][0], "frequency_per_year": 1.0, "detect_minutes": 10,
                                 "repair_minutes": 110}]
    return catalog


@pytest.fixture
def shop(tmp_path: Path) -> dict[str, Path]:
    write_yaml(tmp_path / "catalog.yaml", _catalog())
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "shop.yaml").write_text(
        "# the shop's manifests\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n"
        "spec:\n  replicas: 1\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: shop\n  namespace: shop\n"
        "spec:\n  selector: {app: web}\n", encoding="utf-8")
    return {"broken": write_yaml(tmp_path / "broken.yaml", _scenario(False)),
            "fixed": write_yaml(tmp_path / "fixed.yaml", _scenario(True)), "manifests": manifests}


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_broken_rule_exits_1_and_names_the_service_and_its_line(shop, capsys):
    assert main(["check", str(shop["broken"])]) == 1
    out = capsys.readouterr().out
    assert "FAIL shop: expected 120.0 bad minutes per year use 46% of its 262.8-minute error budget (SLO 99.95%" in out
    assert f"{shop['broken']}:{_line_of(shop['broken'], '- name: shop')}" in out
    assert "single_replica:web" in out and "result: FAILED (1 of 1 rule cases failed)" in out


def test_after_the_fix_it_exits_0(shop, capsys):
    assert main(["check", str(shop["fixed"])]) == 0
    out = capsys.readouterr().out
    assert "ok   shop: expected 17.0 bad minutes per year use 6.5%" in out and "result: passed" in out


def test_a_looser_limit_lets_the_broken_scenario_pass(shop, capsys):
    assert main(["check", str(shop["broken"]), "--max-budget-share", "0.5"]) == 0


@pytest.mark.parametrize(("content", "expected"), [
    ("name: x\nnodes: [\n", "YAML syntax error"),
    ("name: x\nworkloads:\n  - {name: w, pods: [nowhere]}\n", "no nodes are listed"),
])
def test_a_broken_file_exits_2(tmp_path, capsys, content, expected):
    broken = tmp_path / "broken.yaml"
    broken.write_text(content, encoding="utf-8")
    assert main(["check", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "broken.yaml" in err and expected in err


@pytest.mark.parametrize("argv", [["--max-eal-increase", "10"], ["--max-budget-share", "0"],
                                  ["--baseline", "missing.yaml"], ["--manifests", "no/such/dir"]])
def test_bad_options_exit_2(shop, argv, capsys):
    assert main(["check", str(shop["fixed"]), *argv]) == 2
    assert capsys.readouterr().err


def test_against_a_baseline_the_eal_increase_and_the_findings_are_reported(shop, capsys):
    code = main(["check", str(shop["broken"]), "--baseline", str(shop["fixed"]), "--max-eal-increase", "10"])
    out = capsys.readouterr().out
    assert code == 1
    increase = (2000 - 2 * 17 / 60 * 200 * 0.5) / (2 * 17 / 60 * 200 * 0.5) * 100  # +3429.4%
    assert f"the cluster's expected annual loss $56.67 → $2,000 per year (+{increase:.1f}%; limit +10%)" in out
    assert "node-loss" in out and "$56.67 →       $2,000 (+$1,943)" in out
    assert "findings: 1 new, 1 resolved, 0 unchanged" in out
    assert "new       single_replica:web" in out and "resolved  no_pdb:web" in out
    assert main(["check", str(shop["fixed"]), "--baseline", str(shop["broken"]), "--max-eal-increase", "10"]) == 0


def test_sarif_validates_and_points_at_the_manifest_and_the_scenario_entry(shop, capsys, monkeypatch):
    monkeypatch.chdir(shop["broken"].parent)
    code = main(["check", "broken.yaml", "--baseline", "fixed.yaml", "--max-eal-increase", "10",
                 "--manifests", "manifests", "--format", "sarif"])
    sarif = json.loads(capsys.readouterr().out)
    assert code == 1
    jsonschema.validate(sarif, SCHEMA, cls=jsonschema.Draft4Validator)
    run = sarif["runs"][0]
    results = {(r["ruleId"], r["partialFingerprints"]["riskmodelSubject/v1"]): r for r in run["results"]}
    budget = results[("budget-share", "budget-share:shop")]
    place = budget["locations"][0]["physicalLocation"]
    assert place["artifactLocation"] == {"uri": "manifests/shop.yaml", "uriBaseId": "SRCROOT"}
    assert place["region"]["startLine"] == _line_of(shop["manifests"] / "shop.yaml", "kind: Service") - 1
    related = budget["relatedLocations"][0]["physicalLocation"]
    assert related["artifactLocation"]["uri"] == "broken.yaml"
    assert related["region"]["startLine"] == _line_of(shop["broken"], "- name: shop")
    assert results[("eal-increase", "eal-increase:cluster")]["level"] == "error"
    new = results[("finding/single_replica", "single_replica:web")]
    assert new["baselineState"] == "new" and new["level"] == "warning"
    assert new["locations"][0]["physicalLocation"]["region"]["startLine"] == 2  # the Deployment's first line
    resolved = results[("finding/no_pdb", "no_pdb:web")]
    assert resolved["baselineState"] == "absent"
    assert resolved["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "manifests/shop.yaml"
    assert run["invocations"][0]["exitCode"] == 1
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"])


def test_the_schema_rejects_what_is_not_sarif(shop, capsys):
    """The vendored schema does check: a result without its message is refused."""
    main(["check", str(shop["broken"]), "--format", "sarif"])
    sarif = json.loads(capsys.readouterr().out)
    del sarif["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(sarif, SCHEMA, cls=jsonschema.Draft4Validator)


def test_junit_has_one_case_per_rule_and_service(shop, tmp_path, capsys):
    out = tmp_path / "check.xml"
    assert main(["check", str(shop["broken"]), "--baseline", str(shop["fixed"]), "--max-eal-increase", "10",
                 "--format", "junit", "--output", str(out)]) == 1
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "3" and root.get("failures") == "3"
    cases = {(case.get("classname"), case.get("name")): case for case in root.iter("testcase")}
    assert set(cases) == {("riskmodel.budget-share", "shop"), ("riskmodel.eal-increase", "cluster"),
                          ("riskmodel.eal-increase", "shop")}
    failure = cases[("riskmodel.budget-share", "shop")].find("failure")
    assert failure is not None and "46%" in failure.get("message")
    assert cases[("riskmodel.budget-share", "shop")].get("line") == str(_line_of(shop["broken"], "- name: shop"))
    assert main(["check", str(shop["fixed"]), "--format", "junit", "--output", str(out)]) == 0
    assert ET.parse(out).getroot().get("failures") == "0"


def test_the_numbers_are_the_hand_computed_ones(shop):
    from riskmodel.report.analysis import analyse
    from riskmodel.sources.scenario import load_scenario

    broken, fixed = (analyse(load_scenario(shop[k])).register for k in ("broken", "fixed"))
    assert broken.services[0].bad_minutes_per_year == pytest.approx(120.0)
    assert broken.services[0].budget_used == pytest.approx(120.0 / BUDGET_MINUTES)
    assert broken.eal_per_year == pytest.approx(2000.0)
    assert fixed.services[0].bad_minutes_per_year == pytest.approx(17.0)
    assert fixed.eal_per_year == pytest.approx(2 * 17 / 60 * 200 * 0.5)
