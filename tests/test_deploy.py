"""deploy/: the Kubernetes manifests validate offline against the Kubernetes schema
(``kubernetes-validate``, strict: unknown fields are errors), fit together (the Deployment's
ServiceAccount is the read-only one, the Service selects the pods and names their metrics
port, the arguments are a valid ``publish`` command line, the defaults file parses), and the
Grafana dashboards are well-formed and query exactly the figures ``publish`` writes. That
their queries return series on real servers: tests/test_sinks_servers.py.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from riskmodel.cli.main import build_parser
from riskmodel.model.defaults import ServiceDefaults
from riskmodel.report.sinks.figures import METRICS
from riskmodel.report.sinks.prometheus import metric_name

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
MANIFESTS = sorted(DEPLOY.glob("*.yaml"))
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())


def _documents() -> list[tuple[str, dict]]:
    return [(path.name, document) for path in MANIFESTS
            for document in yaml.safe_load_all(path.read_text(encoding="utf-8")) if document]


def _one(kind: str, name: str) -> dict:
    return next(d for _, d in _documents() if d["kind"] == kind and d["metadata"]["name"] == name)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize(("file", "document"), _documents(), ids=lambda v: v if isinstance(v, str) else v["kind"])
def test_every_manifest_validates_against_the_kubernetes_schema(file, document, version):
    kubernetes_validate.validate(document, version, strict=True)


def test_the_validator_does_reject_a_broken_manifest():
    broken = copy.deepcopy(_one("Deployment", "riskmodel-publish"))
    broken["spec"]["replicas"] = "one"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)
    broken = copy.deepcopy(_one("Service", "riskmodel-metrics"))
    broken["spec"]["portz"] = []
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)


def test_the_deployment_publishes_with_the_read_only_account_and_a_valid_command_line():
    deployment = _one("Deployment", "riskmodel-publish")
    pod = deployment["spec"]["template"]
    assert pod["spec"]["serviceAccountName"] == _one("ServiceAccount", "riskmodel-reader")["metadata"]["name"]
    container = pod["spec"]["containers"][0]
    env = {item["name"]: item["value"] for item in container["env"]}
    args = [re.sub(r"\$\((\w+)\)", lambda m: env[m.group(1)], arg) for arg in container["args"]]
    parsed = build_parser().parse_args(args)
    assert parsed.command == "publish" and parsed.source == ["kube"] and parsed.every == "5m"
    assert parsed.cluster == "production"
    port = next(p for p in container["ports"] if p["name"] == "metrics")
    assert f"prometheus:{port['containerPort']}" in parsed.sink
    mount = next(m for m in container["volumeMounts"] if m["name"] == "defaults")["mountPath"]
    config_map = _one("ConfigMap", "riskmodel-defaults")
    assert parsed.defaults == f"{mount}/defaults.yaml"
    ServiceDefaults.model_validate(yaml.safe_load(config_map["data"]["defaults.yaml"]))
    verbs = {verb for rule in _one("ClusterRole", "riskmodel-reader")["rules"] for verb in rule["verbs"]}
    assert verbs == {"list"}  # the kube source only lists (sources/kube_paging.py)


def test_the_service_selects_the_publisher_and_its_metrics_port():
    service, deployment = _one("Service", "riskmodel-metrics"), _one("Deployment", "riskmodel-publish")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    names = {p["name"] for p in deployment["spec"]["template"]["spec"]["containers"][0]["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= names


def _dashboard(kind: str) -> dict:
    return json.loads((DEPLOY / "grafana" / f"riskmodel-{kind}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind", ["influxdb", "prometheus"])
def test_the_dashboards_are_grafana_dashboards_over_the_published_figures(kind):
    dashboard = _dashboard(kind)
    assert dashboard["uid"] == f"riskmodel-{kind}" and dashboard["schemaVersion"] >= 36
    assert {v["name"] for v in dashboard["templating"]["list"]} >= {"datasource", "cluster"}
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24 and grid["h"] > 0, panel["title"]
        assert panel["datasource"] == {"type": kind, "uid": "${datasource}"}
        assert panel["targets"] and all(t["datasource"] == panel["datasource"] for t in panel["targets"])
    queries = " ".join(t.get("query") or t.get("expr") for p in panels for t in p["targets"])
    if kind == "influxdb":
        used = set(re.findall(r'FROM "([^"]+)"', queries))
        assert used <= set(METRICS) and {"risk/eal_per_year", "risk/budget_share", "risk/current_problems"} <= used
    else:
        used = set(re.findall(r"(riskmodel_\w+)\{", queries))
        assert used <= {metric_name(m) for m in METRICS} and "riskmodel_budget_share" in used
    titles = [p["title"] for p in panels]
    for wanted in ("Total expected annual loss over time", "Expected annual loss by service",
                   "Expected annual loss by failure mode", "Error-budget share per service (25% line)",
                   "Current problems"):
        assert wanted in titles
    share = next(p for p in panels if p["title"].startswith("Error-budget share"))
    defaults = share["fieldConfig"]["defaults"]
    assert defaults["unit"] == "percentunit" and defaults["custom"]["thresholdsStyle"]["mode"] != "off"
    assert [step["value"] for step in defaults["thresholds"]["steps"]] == [None, 0.25]
