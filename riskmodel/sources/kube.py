"""The ``kube`` source: a live cluster through the official client, read-only.

Lists nodes, pods, events, deployments, statefulsets, daemonsets, replicasets, services,
PodDisruptionBudgets, PersistentVolumes and claims — nothing else, no writes
(``deploy/riskmodel-readonly-rbac.yaml`` grants exactly ``list`` on those). Pages with ``limit``
+ ``continue`` so large clusters stream in chunks, within an overall deadline, with retries and
re-lists (:mod:`riskmodel.sources.kube_paging`), and hands the raw JSON to the same parser as the
``file`` source: one translation path. A read is all-or-nothing; any failure raises
:class:`~riskmodel.errors.SourceUnavailable` and the caller keeps its last good snapshot.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

from riskmodel.errors import SourceUnavailable
from riskmodel.sources.dump import ClusterDump
from riskmodel.sources.fetching import Deadline
from riskmodel.sources.file import parse_documents
from riskmodel.sources.kube_paging import ListLimits, list_collection

RBAC_MANIFEST = "deploy/riskmodel-readonly-rbac.yaml"
PAGE_SIZE = 500
"""Objects per list call: the API server's own default chunk size for kubectl is 500."""
DEFAULT_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Resource:
    """One listed collection: its plural, its List kind, apiVersion, and the client method."""

    plural: str
    kind: str
    api_version: str
    api: str
    method: str


RESOURCES: tuple[Resource, ...] = (
    Resource("nodes", "Node", "v1", "CoreV1Api", "list_node"),
    Resource("pods", "Pod", "v1", "CoreV1Api", "list_pod_for_all_namespaces"),
    Resource("events", "Event", "v1", "CoreV1Api", "list_event_for_all_namespaces"),
    Resource("deployments", "Deployment", "apps/v1", "AppsV1Api", "list_deployment_for_all_namespaces"),
    Resource("statefulsets", "StatefulSet", "apps/v1", "AppsV1Api", "list_stateful_set_for_all_namespaces"),
    Resource("daemonsets", "DaemonSet", "apps/v1", "AppsV1Api", "list_daemon_set_for_all_namespaces"),
    Resource("replicasets", "ReplicaSet", "apps/v1", "AppsV1Api", "list_replica_set_for_all_namespaces"),
    Resource("services", "Service", "v1", "CoreV1Api", "list_service_for_all_namespaces"),
    Resource(
        "poddisruptionbudgets", "PodDisruptionBudget", "policy/v1", "PolicyV1Api",
        "list_pod_disruption_budget_for_all_namespaces",
    ),
    Resource("persistentvolumes", "PersistentVolume", "v1", "CoreV1Api", "list_persistent_volume"),
    Resource(
        "persistentvolumeclaims", "PersistentVolumeClaim", "v1", "CoreV1Api",
        "list_persistent_volume_claim_for_all_namespaces",
    ),
)


def api_client(context: str | None, kubeconfig: str | None = None) -> Any:
    """A client from kubeconfig (optionally a named context) or, inside a pod, in-cluster config.

    Retries are off: a slow or dead API server should fail fast and let the last snapshot serve.
    """
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    configuration = client.Configuration()
    path = kubeconfig or os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or os.path.expanduser("~/.kube/config")
    try:
        if os.path.exists(path) or context:
            config.load_kube_config(config_file=path, context=context or None, client_configuration=configuration)
        else:
            config.load_incluster_config(client_configuration=configuration)
    except (ConfigException, OSError, ValueError) as error:
        where = f"context {context!r} in {path}" if context else path
        raise SourceUnavailable(f"kube: cannot load cluster credentials ({where}): {error}") from None
    configuration.retries = 0
    return client.ApiClient(configuration)


def _explain(error: Exception, resource: Resource, host: str, timeout: float) -> SourceUnavailable:
    """One clear sentence per failure: refused, forbidden, timed out, unreachable."""
    import urllib3
    from kubernetes.client.exceptions import ApiException

    if isinstance(error, ApiException):
        if error.status == 403:
            return SourceUnavailable(
                f"kube: {host} refused to list {resource.plural} ({resource.api_version}): 403 Forbidden. "
                f"Grant read-only access with {RBAC_MANIFEST} (list only)."
            )
        if error.status == 401:
            return SourceUnavailable(f"kube: {host} rejected the credentials (401) while listing {resource.plural}")
        return SourceUnavailable(f"kube: listing {resource.plural} on {host} failed: {error.status} {error.reason}")
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, urllib3.exceptions.NewConnectionError):  # a subclass of ConnectTimeoutError
        return SourceUnavailable(f"kube: cannot reach the API server at {host} while listing {resource.plural}: {reason}")
    if isinstance(reason, urllib3.exceptions.ReadTimeoutError | urllib3.exceptions.ConnectTimeoutError) or isinstance(
        error, urllib3.exceptions.TimeoutError
    ):
        return SourceUnavailable(f"kube: {host} did not answer within {timeout:g} s while listing {resource.plural}")
    return SourceUnavailable(f"kube: cannot reach the API server at {host} while listing {resource.plural}: {reason}")


def fetch_lists(
    context: str | None, *, kubeconfig: str | None = None, page_size: int = PAGE_SIZE,
    timeout: float = DEFAULT_TIMEOUT_SECONDS, limits: ListLimits | None = None,
) -> dict[str, dict[str, Any]]:
    """One ``<Kind>List`` per resource, as ``kubectl get -o json`` would print it.

    ``limits`` bounds the read (deadline, pages, retries); ``page_size`` and ``timeout``
    override its page size and per-request timeout.
    """
    import urllib3
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    limits = replace(limits or ListLimits(), page_size=page_size, timeout_seconds=timeout)
    api = api_client(context, kubeconfig)
    host = api.configuration.host
    try:
        calls = [getattr(getattr(client, resource.api)(api), resource.method) for resource in RESOURCES]
        deadline = Deadline(limits.deadline_seconds, f"kube: {host}")  # starts after the (slow) client imports
        lists: dict[str, dict[str, Any]] = {}
        for resource, call in zip(RESOURCES, calls, strict=True):
            try:
                items = list_collection(call, f"kube: {host} {resource.plural}", limits, deadline)
            except (ApiException, urllib3.exceptions.HTTPError) as error:
                if deadline.remaining() <= 0:  # the socket timeout was cut to the deadline, and it passed
                    raise SourceUnavailable(f"kube: {host} {resource.plural}: no complete answer within the "
                                            f"{limits.deadline_seconds:g} s deadline") from None
                raise _explain(error, resource, host, timeout) from None
            for item in items:
                item.setdefault("kind", resource.kind)
                item.setdefault("apiVersion", resource.api_version)
            lists[resource.plural] = {"apiVersion": "v1", "kind": "List", "items": items}
    finally:
        api.close()
    return lists


def parse_lists(lists: dict[str, dict[str, Any]], source: str) -> ClusterDump:
    """The fetched lists through the ``file`` source's parser."""
    return parse_documents(((f"{source}/{plural}", data) for plural, data in lists.items()), source)


def read_uri(argument: str) -> ClusterDump:
    """The registry's reader for ``kube[:CONTEXT]`` (empty context: the current one)."""
    source = f"kube:{argument}" if argument else "kube"
    return parse_lists(fetch_lists(argument or None), source)
