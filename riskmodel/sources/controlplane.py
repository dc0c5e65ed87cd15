"""Recognising control-plane pods, in any namespace, and naming their component.

kubeadm, kind and minikube run etcd, the API server, the scheduler and the controller
manager as static pods in ``kube-system`` (labels ``component: <name>``, ``tier:
control-plane``); OpenShift runs the same components as static pods in ``openshift-*``
namespaces (``openshift-etcd/etcd-<node>``, ``openshift-kube-apiserver/kube-apiserver-<node>``,
``openshift-kube-scheduler/openshift-kube-scheduler-<node>``) with other labels. What marks
every static pod is the kubelet's mirror annotation (``kubernetes.io/config.mirror``) and
its owner, the Node; the component name comes from the ``component`` label, or from the pod
name without its node suffix and an ``openshift-`` prefix.
"""

from __future__ import annotations

from riskmodel.sources.dump import PodInfo

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
COMPONENTS = ("etcd", "kube-apiserver", "kube-scheduler", "kube-controller-manager", "cloud-controller-manager")
"""The control-plane components the catalog names (``targets.names``)."""
QUORUM_COMPONENTS = frozenset({"etcd"})


def is_static(pod: PodInfo) -> bool:
    """A static pod, run by the kubelet from a manifest and mirrored to the API."""
    return MIRROR_ANNOTATION in pod.annotations or pod.owner_kind == "Node"


def _base_name(pod: PodInfo) -> str:
    """The pod name without the ``-<node>`` suffix the kubelet gives a static pod."""
    if pod.node and pod.name.endswith(f"-{pod.node}"):
        return pod.name[: -len(pod.node) - 1]
    return pod.name


def component_name(pod: PodInfo) -> str | None:
    """The control-plane component this pod runs (``etcd``, ``kube-apiserver`` …), or None.

    A static pod is always a control-plane workload (it never reschedules); one that is not
    static counts only with a ``tier: control-plane`` label (self-hosted control planes).
    """
    if not is_static(pod) and pod.labels.get("tier") != "control-plane":
        return None
    label = pod.labels.get("component")
    if label in COMPONENTS:
        return label
    base = _base_name(pod)
    for name in (base, base.removeprefix("openshift-")):
        if name in COMPONENTS:
            return name
    return label or base
