"""A generated scenario written out as ``kubectl get … -A -o json`` would print its cluster.

One ``List`` per kind (nodes, pods, deployments, replicasets, statefulsets, daemonsets,
poddisruptionbudgets, events) in a folder that ``python -m riskmodel import --source file:DIR``
reads. Pods carry their controller's owner reference (Deployment pods through a ReplicaSet
with a ``pod-template-hash``), static control-plane pods belong to their node, and every node
reports NPD conditions (a few True) and a handful of events, so the import does its whole job.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from riskmodel.files.scenario_yaml import cpu_quantity, memory_quantity
from riskmodel.model.scenario import Scenario, Workload

TEMPLATE_HASH = "5d8f7c9b4"
CONDITIONS = ("KernelDeadlock", "ReadonlyFilesystem", "FrequentKubeletRestart", "MemoryPressure", "DiskPressure",
              "PIDPressure")


def _list(items: list[dict[str, Any]]) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": items})


def _node(scenario: Scenario, index: int) -> dict[str, Any]:
    node = scenario.nodes[index]
    region = scenario.zones_by_name[node.zone].region
    problem = index % 97 == 0
    conditions = [{"type": kind, "status": "True" if problem and kind == "KernelDeadlock" else "False",
                   "reason": "KernelHasNoDeadlock", "message": "", "lastHeartbeatTime": "2026-11-20T11:59:00Z",
                   "lastTransitionTime": "2026-11-01T00:00:00Z"} for kind in CONDITIONS]
    conditions.append({"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "",
                       "lastHeartbeatTime": "2026-11-20T11:59:00Z", "lastTransitionTime": "2026-11-01T00:00:00Z"})
    allocatable = {"cpu": cpu_quantity(node.allocatable.cpu_millicores),
                   "memory": memory_quantity(node.allocatable.memory_bytes), "pods": str(node.allocatable.max_pods)}
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": node.name, "labels": {**node.labels, "topology.kubernetes.io/zone": node.zone,
                                                        "topology.kubernetes.io/region": region}},
            "spec": {"taints": [{"key": t.key, "effect": t.effect} for t in node.taints]},
            "status": {"allocatable": allocatable, "capacity": allocatable, "conditions": conditions}}


def _owner(workload: Workload) -> dict[str, Any]:
    kind = {"Deployment": "ReplicaSet"}.get(workload.kind, workload.kind)
    name = f"{_short(workload)}-{TEMPLATE_HASH}" if workload.kind == "Deployment" else _short(workload)
    return {"apiVersion": "apps/v1", "kind": kind, "name": name, "controller": True, "uid": f"uid-{name}"}


def _short(workload: Workload) -> str:
    return workload.name.rsplit("/", 1)[-1]


def _pods(workload: Workload) -> list[dict[str, Any]]:
    requests = {"cpu": cpu_quantity(workload.requests.cpu_millicores),
                "memory": memory_quantity(workload.requests.memory_bytes)}
    pods = []
    for position, node in enumerate(workload.pods):
        labels = {"app": _short(workload)}
        if workload.kind == "ControlPlane":
            metadata = {"name": f"{_short(workload)}-{node}", "namespace": "kube-system", "labels": labels,
                        "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": node, "controller": True,
                                             "uid": f"uid-{node}"}]}
        else:
            if workload.kind == "Deployment":
                labels["pod-template-hash"] = TEMPLATE_HASH
            metadata = {"name": f"{_short(workload)}-{position}", "namespace": workload.namespace, "labels": labels,
                        "ownerReferences": [_owner(workload)]}
        pods.append({"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
                     "spec": {"nodeName": node, "containers": [{"name": "main", "image": "registry/app:1",
                                                                "resources": {"requests": requests}}]},
                     "status": {"phase": "Running"}})
    return pods


def _controllers(scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"deployments": [], "replicasets": [], "statefulsets": [], "daemonsets": [],
                                            "poddisruptionbudgets": []}
    for workload in scenario.workloads:
        if workload.kind == "ControlPlane":
            continue
        metadata = {"name": _short(workload), "namespace": workload.namespace}
        selector = {"matchLabels": {"app": _short(workload)}}
        spec: dict[str, Any] = {"selector": selector}
        if workload.kind != "DaemonSet":
            spec["replicas"] = workload.replicas
        out[f"{workload.kind.lower()}s"].append({"apiVersion": "apps/v1", "kind": workload.kind, "metadata": metadata,
                                                 "spec": spec})
        if workload.kind == "Deployment":
            out["replicasets"].append({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                       "metadata": {"name": f"{_short(workload)}-{TEMPLATE_HASH}",
                                                    "namespace": workload.namespace,
                                                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                                                                         "name": _short(workload), "controller": True,
                                                                         "uid": f"uid-{_short(workload)}"}]},
                                       "spec": {"replicas": workload.replicas, "selector": selector}})
        if workload.min_available is not None and workload.kind != "DaemonSet":
            out["poddisruptionbudgets"].append({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                                                "metadata": {"name": _short(workload), "namespace": workload.namespace},
                                                "spec": {"minAvailable": workload.min_available, "selector": selector}})
    return out


def _events(scenario: Scenario) -> list[dict[str, Any]]:
    events = []
    for index, node in enumerate(scenario.nodes):
        for reason in ("OOMKilling", "TaskHung")[: 1 + index % 2]:
            events.append({"apiVersion": "v1", "kind": "Event", "count": 1 + index % 5, "type": "Warning",
                           "metadata": {"name": f"{node.name}.{reason.lower()}", "namespace": "default"},
                           "involvedObject": {"kind": "Node", "name": node.name},
                           "reason": reason, "message": "generated", "source": {"component": "kernel-monitor"},
                           "firstTimestamp": "2026-11-10T03:00:00Z", "lastTimestamp": "2026-11-19T04:00:00Z"})
    return events


def write_dump(scenario: Scenario, folder: Path) -> dict[str, int]:
    """Write the dump into ``folder``; the number of objects of each kind."""
    folder.mkdir(parents=True, exist_ok=True)
    lists = {"nodes": [_node(scenario, i) for i in range(len(scenario.nodes))],
             "pods": [pod for workload in scenario.workloads for pod in _pods(workload)],
             **_controllers(scenario), "events": _events(scenario)}
    for name, items in lists.items():
        (folder / f"{name}.json").write_text(_list(items), encoding="utf-8")
    return {name: len(items) for name, items in lists.items()}
