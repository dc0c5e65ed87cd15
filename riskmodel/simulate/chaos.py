"""A what-if failure set as a chaos experiment: Chaos Mesh or LitmusChaos manifests.

The simulator says what a failure *should* do; a chaos experiment checks it on the real
cluster. Mapping (the closest each tool offers to "this fails"):

* Chaos Mesh (``chaos-mesh.org/v1alpha1``): a zone becomes a ``NetworkChaos`` partition
  between pods on nodes labelled ``topology.kubernetes.io/zone=<zone>`` and pods in each
  other zone; a node a ``NetworkChaos`` partition of the pods on that node (``selector.nodes``)
  from all other pods; a workload a ``PodChaos`` ``pod-kill`` selected by namespace and labels.
* LitmusChaos (``litmuschaos.io/v1alpha1``): one ``ChaosEngine`` per node with the
  ``node-drain`` experiment (``TARGET_NODE``), a zone expands to its nodes; a workload a
  ``ChaosEngine`` with ``pod-delete`` on its ``appinfo`` (namespace, label, kind).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import yaml

from riskmodel.errors import InputError
from riskmodel.model.scenario import Scenario, Workload
from riskmodel.simulate.whatif import parse_specs

ZONE_LABEL = "topology.kubernetes.io/zone"
CHAOS_MESH_API = "chaos-mesh.org/v1alpha1"
LITMUS_API = "litmuschaos.io/v1alpha1"
KINDS = ("node", "zone", "workload")


def _name(*parts: str) -> str:
    """A DNS-1123 object name from parts (lower case, dashes, ≤ 63 characters)."""
    text = re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")
    return text[:63].rstrip("-")


def _duration(minutes: float) -> str:
    return f"{int(round(minutes * 60))}s"


def _workload_labels(workload: Workload) -> dict[str, str]:
    """The workload's pod labels, or the conventional ``app: <name>`` when none are recorded."""
    return dict(workload.labels) or {"app": workload.name.rsplit("/", 1)[-1]}


def _meta(name: str, namespace: str) -> dict[str, Any]:
    return {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/managed-by": "riskmodel"}}


def _all_namespaces(scenario: Scenario) -> list[str]:
    return sorted({w.namespace for w in scenario.workloads}) or ["default"]


def _mesh_zone(scenario: Scenario, zone: str, namespace: str, duration: str) -> list[dict[str, Any]]:
    return [{
        "apiVersion": CHAOS_MESH_API, "kind": "NetworkChaos", "metadata": _meta(_name("zone", zone, "from", other.name),
                                                                                 namespace),
        "spec": {"action": "partition", "mode": "all", "selector": {"nodeSelectors": {ZONE_LABEL: zone}},
                 "direction": "both",
                 "target": {"mode": "all", "selector": {"nodeSelectors": {ZONE_LABEL: other.name}}},
                 "duration": duration},
    } for other in scenario.zones if other.name != zone]


def _mesh_node(scenario: Scenario, node: str, namespace: str, duration: str) -> dict[str, Any]:
    return {
        "apiVersion": CHAOS_MESH_API, "kind": "NetworkChaos", "metadata": _meta(_name("node", node), namespace),
        "spec": {"action": "partition", "mode": "all", "selector": {"nodes": [node]}, "direction": "both",
                 "target": {"mode": "all", "selector": {"namespaces": _all_namespaces(scenario)}},
                 "duration": duration},
    }


def _mesh_workload(workload: Workload, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": CHAOS_MESH_API, "kind": "PodChaos", "metadata": _meta(_name("kill", workload.name), namespace),
        "spec": {"action": "pod-kill", "mode": "all",
                 "selector": {"namespaces": [workload.namespace], "labelSelectors": _workload_labels(workload)}},
    }


def _litmus_engine(name: str, namespace: str, experiment: str, env: dict[str, str],
                   appinfo: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "engineState": "active", "chaosServiceAccount": f"{experiment}-sa", "jobCleanUpPolicy": "retain",
        "experiments": [{"name": experiment, "spec": {"components": {
            "env": [{"name": key, "value": value} for key, value in env.items()]}}}],
    }
    if appinfo:
        spec = {"appinfo": appinfo, "annotationCheck": "false", **spec}
    return {"apiVersion": LITMUS_API, "kind": "ChaosEngine", "metadata": _meta(name, namespace), "spec": spec}


def _litmus(scenario: Scenario, kind: str, name: str, namespace: str, seconds: str) -> list[dict[str, Any]]:
    if kind == "workload":
        workload = scenario.workloads_by_name[name]
        label = ",".join(f"{k}={v}" for k, v in _workload_labels(workload).items())
        appinfo = {"appns": workload.namespace, "applabel": label, "appkind": workload.kind.lower()}
        return [_litmus_engine(_name("pod-delete", name), namespace, "pod-delete",
                               {"TOTAL_CHAOS_DURATION": seconds, "FORCE": "true", "PODS_AFFECTED_PERC": "100"}, appinfo)]
    nodes = [name] if kind == "node" else [n.name for n in scenario.nodes if n.zone == name]
    return [_litmus_engine(_name("drain", node), namespace, "node-drain",
                           {"TARGET_NODE": node, "TOTAL_CHAOS_DURATION": seconds}) for node in nodes]


def chaos_manifests(scenario: Scenario, specs: Iterable[str], *, tool: str = "chaos-mesh",
                    namespace: str = "chaos-testing", duration_minutes: float = 10.0) -> list[dict[str, Any]]:
    """Manifests that make ``specs`` (``node:``, ``zone:``, ``workload:``) fail for ``duration_minutes``."""
    if tool not in ("chaos-mesh", "litmus"):
        raise InputError("--tool", f"expected chaos-mesh or litmus, got {tool!r}")
    duration = _duration(duration_minutes)
    manifests: list[dict[str, Any]] = []
    for kind, name in parse_specs(specs, scenario, KINDS):
        if tool == "litmus":
            manifests += _litmus(scenario, kind, name, namespace, duration.removesuffix("s"))
        elif kind == "zone":
            manifests += _mesh_zone(scenario, name, namespace, duration)
        elif kind == "node":
            manifests.append(_mesh_node(scenario, name, namespace, duration))
        else:
            manifests.append(_mesh_workload(scenario.workloads_by_name[name], namespace))
    return manifests


def dump_manifests(manifests: list[dict[str, Any]]) -> str:
    """A multi-document YAML stream (``kubectl apply -f`` reads it as it is)."""
    return yaml.safe_dump_all(manifests, sort_keys=False)
