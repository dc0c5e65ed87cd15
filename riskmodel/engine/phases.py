"""Phase status of many failed sets from sparse lost pods: the rules of
:func:`riskmodel.engine.impact.phase_arrays` without a (sets × workloads) matrix.

A failed set loses pods of a handful of workloads, so its lost pods are given as entries
``(set · workloads + workload, lost replicas)``. The rules are those of ``phase_arrays``:
a workload is unavailable while replicas − lost < required, degraded while it lost some;
a service is down while a backing workload is unavailable, it failed itself or a hard
dependency is down (transitively); a degraded service's fraction is the largest lost share
among its backing workloads. Only the (sets × services) results are dense, so the costs and
bad minutes computed from them are summed exactly as the dense path sums them.
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

import numpy as np

from riskmodel.engine.csr import expand, matrix_rows
from riskmodel.engine.topology import TopologyIndex


@dataclass(frozen=True, eq=False)
class ServiceLinks:
    """Per workload the services it backs; per service the services down when it is down."""

    backs_ptr: np.ndarray
    backs: np.ndarray
    down_with: np.ndarray
    """(services × services) float32: row d marks every service down while d is down (a
    product of 0/1 values summed in float32 is exact far beyond any service count)."""


_LINKS: WeakKeyDictionary[TopologyIndex, ServiceLinks] = WeakKeyDictionary()


def service_links(index: TopologyIndex) -> ServiceLinks:
    """The links of ``index`` (built once per topology)."""
    links = _LINKS.get(index)
    if links is None:
        backs_ptr, backs = matrix_rows(index.service_own_workloads.T)
        links = _LINKS[index] = ServiceLinks(backs_ptr, backs, index.service_closure.T.astype(np.float32))
    return links


def sparse_phase(index: TopologyIndex, sets: int, code: np.ndarray, lost: np.ndarray, direct_down: np.ndarray,
                 degraded_only: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Down services, degraded services and their degraded fraction, as sorted distinct
    ``set · services + service`` codes (and one fraction per degraded code).

    ``code``: distinct ``set · workloads + workload`` of the lost-pod entries, ``lost`` their
    lost replicas (entries may be 0); ``direct_down`` (sets × services) the services that
    failed themselves; ``degraded_only`` marks sets that degrade but never make unavailable.
    """
    links = service_links(index)
    workloads, services = len(index.workload_names), len(index.service_names)
    owner, workload = np.divmod(code, workloads)
    replicas = index.replicas.astype(float)
    unavailable = replicas[workload] - lost < index.required_replicas[workload] - 1e-9
    if degraded_only is not None:
        unavailable &= ~degraded_only[owner]
    degraded = (lost > 1e-12) & ~unavailable
    hit, position = expand(links.backs_ptr, workload[unavailable])
    directly = direct_down.copy()
    directly.ravel()[owner[unavailable][hit] * services + links.backs[position]] = True
    rows = np.flatnonzero(directly.any(axis=1))
    down_rows = directly[rows].astype(np.float32) @ links.down_with > 0
    down_set, down_service = np.nonzero(down_rows)
    down = rows[down_set] * services + down_service
    share = lost[degraded] / np.maximum(replicas, 1)[workload[degraded]]
    hit, position = expand(links.backs_ptr, workload[degraded])
    fraction = np.zeros(sets * services)
    np.maximum.at(fraction, owner[degraded][hit] * services + links.backs[position], share[hit])
    fraction[down] = 0.0
    degraded_codes = np.flatnonzero(fraction > 0)
    return down, degraded_codes, fraction[degraded_codes]
