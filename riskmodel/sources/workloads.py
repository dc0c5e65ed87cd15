"""Pods and controller objects grouped into workloads, in the cluster's current state.

A pod counts for the controller that keeps it running (a ReplicaSet for its Deployment,
through its owner reference or, without ReplicaSet objects, its ``pod-template-hash``);
static control-plane pods for their component (:mod:`.controlplane`). Each pod is *live*
(running and ready on a node that is up now), *unplaced* (live, on a node that is not in
the input), or *not live* with a reason: Pending, on a node that is down now (NotReady or
cordoned), or running but not ready. A controller object whose pods are not in the input
still becomes a workload: desired replicas from its spec, live ones from ``status``
(``readyReplicas``), placement unknown — unless the input holds pods of its namespace, in
which case its pods are missing and none is live. Every pod or controller not used is
reported with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from riskmodel.sources.controlplane import component_name
from riskmodel.sources.dump import ClusterDump, NodeInfo, PodInfo, WorkloadInfo
from riskmodel.sources.k8s_fields import is_name

DONE_PHASES = frozenset({"Succeeded", "Failed"})
CONTROLLER_KINDS = {"Deployment": "Deployment", "StatefulSet": "StatefulSet", "DaemonSet": "DaemonSet",
                    "ReplicaSet": "Deployment"}
"""Controller kind → workload kind (a ReplicaSet without a Deployment behaves like one)."""

Key = tuple[str, str, str]
"""(workload kind, namespace, name in the cluster)."""


@dataclass
class Draft:
    """What the input says about one workload, before it becomes a scenario entry."""

    kind: str
    namespace: str
    name: str
    live: list[PodInfo] = field(default_factory=list)
    unplaced: int = 0
    not_live: list[tuple[PodInfo, str, str]] = field(default_factory=list)
    """(pod, reason ``pending`` | ``node_down`` | ``not_ready``, detail)."""
    controllers: list[WorkloadInfo] = field(default_factory=list)
    missing_pods: bool = False
    """Controller only, in a capture that has pods of its namespace: its pods are missing."""

    @property
    def pods(self) -> list[PodInfo]:
        return self.live + [pod for pod, _, _ in self.not_live]

    @property
    def desired(self) -> int | None:
        """Desired replicas from the controller objects (a Deployment, else the sum of its ReplicaSets)."""
        top = [c for c in self.controllers if c.kind != "ReplicaSet"]
        chosen = top or self.controllers
        counts = [c.replicas for c in chosen if c.replicas is not None]
        return (counts[0] if top else sum(counts)) if counts else None

    @property
    def labels(self) -> dict[str, str]:
        if self.pods:
            return self.pods[0].labels
        return next((c.template_labels for c in self.controllers if c.template_labels), {})


def _owner(pod: PodInfo, replica_sets: dict[tuple[str, str], WorkloadInfo], deployments: set[tuple[str, str]]) -> tuple[str, str] | None:
    """(workload kind, name) that keeps this pod running, or None (Jobs, bare pods)."""
    component = component_name(pod)
    if component is not None:
        return "ControlPlane", component
    kind, name = pod.owner_kind, pod.owner_name
    if kind == "ReplicaSet" and name:
        rs = replica_sets.get((pod.namespace, name))
        if rs is not None and rs.owner_kind == "Deployment" and rs.owner_name:
            return "Deployment", rs.owner_name
        template_hash = pod.labels.get("pod-template-hash", "")
        # the ReplicaSet is <deployment>-<hash>; clusters before 1.11 used a hash label that is not the suffix
        base = name.removesuffix(f"-{template_hash}") if name.endswith(f"-{template_hash}") else name.rsplit("-", 1)[0]
        if rs is None and is_name(base) and ((pod.namespace, base) in deployments or template_hash):
            return "Deployment", base
        return "Deployment", name
    if kind in ("StatefulSet", "DaemonSet") and name:
        return kind, name
    return None


def _state(pod: PodInfo, nodes: dict[str, NodeInfo]) -> tuple[str, str] | None:
    """None when the pod is live on a known node; else (reason, detail); ``unplaced`` for a
    live pod on a node the input does not have."""
    if pod.phase == "Pending" or not pod.node:
        return "pending", pod.not_ready_detail or "Pending: not scheduled or not started"
    if pod.phase != "Running":
        return "not_ready", f"phase {pod.phase}"
    node = nodes.get(pod.node)
    if node is not None and (not node.ready or node.unschedulable):
        why = node.ready_detail if not node.ready else "node cordoned (spec.unschedulable)"
        return "node_down", f"on {pod.node}: {why}"
    if pod.ready is False:
        return "not_ready", pod.not_ready_detail or "Ready condition False"
    return ("unplaced", f"node {pod.node} not in the input") if node is None else None


def _add_pods(dump: ClusterDump, nodes: dict[str, NodeInfo], drafts: dict[Key, Draft]) -> None:
    replica_sets = {(w.namespace, w.name): w for w in dump.workloads if w.kind == "ReplicaSet"}
    deployments = {(w.namespace, w.name) for w in dump.workloads if w.kind == "Deployment"}
    skip = dump.accounting.skip
    for pod in dump.pods:
        label = f"{pod.namespace}/{pod.name}"
        if pod.phase in DONE_PHASES:
            skip(pod.file, "Pod", label, f"finished pod ({pod.phase})")
            continue
        owner = _owner(pod, replica_sets, deployments)
        if owner is None:
            skip(pod.file, "Pod", label, f"no long-running controller (owner: {pod.owner_kind or 'none, a bare pod'})")
            continue
        key = (owner[0], pod.namespace, owner[1])
        draft = drafts.setdefault(key, Draft(*key))
        state = _state(pod, nodes)
        if state is None:
            draft.live.append(pod)
        elif state[0] == "unplaced":
            draft.unplaced += 1
            dump.notes.append(f"pod {label} runs on {pod.node}, which is not in the input: a live replica of "
                              f"{owner[1]} with its placement unknown")
        else:
            draft.not_live.append((pod, *state))


def _add_controllers(dump: ClusterDump, drafts: dict[Key, Draft]) -> None:
    """Attach each controller object to its workload; report the ones that make none."""
    namespaces_with_pods = {pod.namespace for pod in dump.pods}
    skip = dump.accounting.skip
    for info in dump.workloads:
        label = f"{info.namespace}/{info.name}"
        if info.kind == "ReplicaSet" and info.owner_kind == "Deployment" and info.owner_name:
            key: Key = ("Deployment", info.namespace, info.owner_name)
        else:
            key = (CONTROLLER_KINDS[info.kind], info.namespace, info.name)
        if key not in drafts and info.replicas == 0:
            skip(info.file, info.kind, label, "scaled to zero (no replicas wanted)")
            continue
        if key not in drafts and info.kind == "ReplicaSet" and info.owner_kind not in (None, "Deployment"):
            skip(info.file, info.kind, label, f"owned by a {info.owner_kind}, which the model does not use")
            continue
        draft = drafts.get(key)
        if draft is None:
            draft = drafts[key] = Draft(*key)
            draft.missing_pods = info.namespace in namespaces_with_pods
        draft.controllers.append(info)
    for draft in drafts.values():
        if draft.pods or not draft.controllers or draft.unplaced:
            continue
        ready = max((c.ready_replicas or 0 for c in draft.controllers if c.kind != "ReplicaSet"),
                    default=sum(c.ready_replicas or 0 for c in draft.controllers))
        draft.unplaced = 0 if draft.missing_pods else ready


def workload_drafts(dump: ClusterDump, nodes: dict[str, NodeInfo]) -> dict[Key, Draft]:
    """Every workload of the input, with its live, unplaced and not-live replicas."""
    drafts: dict[Key, Draft] = {}
    _add_pods(dump, nodes, drafts)
    _add_controllers(dump, drafts)
    for key, draft in list(drafts.items()):
        desired = draft.desired
        if not draft.live and not draft.unplaced and not draft.not_live and not desired:
            for info in draft.controllers:
                dump.accounting.skip(info.file, info.kind, f"{info.namespace}/{info.name}",
                                     "no replicas wanted and none running")
            del drafts[key]
    return drafts
