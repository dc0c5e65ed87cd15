"""Phase status of many failed sets from sparse lost pods, kept sparse: :class:`PhaseState`.

A failed set loses pods of a handful of workloads, so its lost pods are given as entries
``(set · workloads + workload, lost replicas)``. The rules (docs/formats.md): a workload is
unavailable while replicas − lost < required, degraded while it lost some; a service is down
while a backing workload is unavailable, it failed itself or a hard dependency is down
(transitively); a degraded service's fraction is the largest lost share among its backing
workloads. Every result is exact (comparisons, maxima, whole counts), so it does not depend on
how many sets are evaluated together.

A batch keeps its results as compressed rows (:class:`PhaseBatch`); a :class:`PhaseState` is
one row of a batch and builds its dense per-workload and per-service arrays only when they are
read. A 10,000-node cluster has 60,000 failed sets of 3,000 workloads: dense arrays per set
would take gigabytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

import numpy as np

from riskmodel.engine.csr import expand, matrix_rows, reduced_by_code
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
    owner, workload, unavailable, degraded = _workload_status(index, code, lost, degraded_only)
    return _services(index, owner, workload, lost, unavailable, degraded, direct_down)


def _workload_status(index: TopologyIndex, code: np.ndarray, lost: np.ndarray,
                     degraded_only: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per lost-pod entry: its set, its workload, and whether that workload is unavailable or degraded."""
    owner, workload = np.divmod(code, len(index.workload_names))
    replicas = index.replicas.astype(float)
    unavailable = replicas[workload] - lost < index.required_replicas[workload] - 1e-9
    if degraded_only is not None:
        unavailable &= ~degraded_only[owner]
    return owner, workload, unavailable, (lost > 1e-12) & ~unavailable


@dataclass(frozen=True, eq=False)
class PhaseBatch:
    """Phase status of ``sets`` failed sets as compressed rows (one row per set).

    Lost-pod entries (workload, lost replicas, unavailable?, degraded?), down services, and
    degraded services with their fraction; rows are sorted by workload and by service.
    """

    workloads: int
    services: int
    lost_ptr: np.ndarray
    lost_workload: np.ndarray
    lost: np.ndarray
    unavailable: np.ndarray
    degraded: np.ndarray
    down_ptr: np.ndarray
    down: np.ndarray
    degraded_ptr: np.ndarray
    degraded_service: np.ndarray
    fraction: np.ndarray

    def state(self, row: int) -> PhaseState:
        return PhaseState(self, row)


def _pointer(owner: np.ndarray, sets: int) -> np.ndarray:
    return np.searchsorted(owner, np.arange(sets + 1)).astype(np.int64)


def phase_batch(index: TopologyIndex, sets: int, code: np.ndarray, lost: np.ndarray, direct_down: np.ndarray,
                degraded_only: np.ndarray | None = None) -> PhaseBatch:
    """The phase status of every set (arguments as for :func:`sparse_phase`)."""
    workloads, services = len(index.workload_names), len(index.service_names)
    owner, workload, unavailable, degraded = _workload_status(index, code, lost, degraded_only)
    down, degraded_codes, fraction = _services(index, owner, workload, lost, unavailable, degraded, direct_down)
    return PhaseBatch(workloads, services, _pointer(owner, sets), workload, lost, unavailable, degraded,
                      _pointer(down // services, sets), down % services,
                      _pointer(degraded_codes // services, sets), degraded_codes % services, fraction)


def _services(index: TopologyIndex, owner: np.ndarray, workload: np.ndarray, lost: np.ndarray,
              unavailable: np.ndarray, degraded: np.ndarray,
              direct_down: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    links = service_links(index)
    services = len(index.service_names)
    replicas = index.replicas.astype(float)
    hit, position = expand(links.backs_ptr, workload[unavailable])
    directly = direct_down.copy()
    directly.ravel()[owner[unavailable][hit] * services + links.backs[position]] = True
    rows = np.flatnonzero(directly.any(axis=1))
    down_rows = directly[rows].astype(np.float32) @ links.down_with > 0
    down_set, down_service = np.nonzero(down_rows)
    down = rows[down_set] * services + down_service
    share = lost[degraded] / np.maximum(replicas, 1)[workload[degraded]]
    hit, position = expand(links.backs_ptr, workload[degraded])
    codes, fraction = reduced_by_code(owner[degraded][hit] * services + links.backs[position], share[hit], np.maximum)
    if len(down):
        at = np.minimum(np.searchsorted(down, codes), len(down) - 1)
        fraction[down[at] == codes] = 0.0
    keep = fraction > 0
    return down, codes[keep], fraction[keep]


class PhaseState:
    """Workload and service status during one phase of an incident: one row of a
    :class:`PhaseBatch`, with dense arrays (per workload, per service) built when read."""

    __slots__ = ("batch", "row")

    def __init__(self, batch: PhaseBatch, row: int) -> None:
        self.batch, self.row = batch, row

    def _lost_slice(self) -> slice:
        return slice(int(self.batch.lost_ptr[self.row]), int(self.batch.lost_ptr[self.row + 1]))

    def lost_entries(self) -> tuple[np.ndarray, np.ndarray]:
        """(workload positions, lost replicas) of the workloads this phase takes pods from."""
        part = self._lost_slice()
        return self.batch.lost_workload[part], self.batch.lost[part]

    def _workload_flags(self, flags: np.ndarray) -> np.ndarray:
        part = self._lost_slice()
        return _dense(self.batch.workloads, self.batch.lost_workload[part][flags[part]], True)

    @property
    def lost_pods(self) -> np.ndarray:
        return _dense(self.batch.workloads, *self.lost_entries())

    @property
    def unavailable_workloads(self) -> np.ndarray:
        return self._workload_flags(self.batch.unavailable)

    @property
    def degraded_workloads(self) -> np.ndarray:
        return self._workload_flags(self.batch.degraded)

    def down_entries(self) -> np.ndarray:
        b = self.batch
        return b.down[b.down_ptr[self.row]:b.down_ptr[self.row + 1]]

    def degraded_entries(self) -> tuple[np.ndarray, np.ndarray]:
        """(degraded service positions, their degraded fraction)."""
        b = self.batch
        part = slice(int(b.degraded_ptr[self.row]), int(b.degraded_ptr[self.row + 1]))
        return b.degraded_service[part], b.fraction[part]

    @property
    def down_services(self) -> np.ndarray:
        return _dense(self.batch.services, self.down_entries(), True)

    @property
    def degraded_services(self) -> np.ndarray:
        return _dense(self.batch.services, self.degraded_entries()[0], True)

    @property
    def degraded_service_fraction(self) -> np.ndarray:
        return _dense(self.batch.services, *self.degraded_entries())

    def service_cost_per_minute(self, index: TopologyIndex) -> np.ndarray:
        """Dollars per minute per service: full cost while down, the degraded cost scaled by the
        share of replicas lost while degraded (the same weighting as bad minutes)."""
        down = index.cost_per_hour * self.down_services
        degraded = index.degraded_cost_per_hour * self.degraded_service_fraction
        return (down + degraded) / 60.0

    def cost_per_minute(self, index: TopologyIndex) -> float:
        """Dollars per minute while this phase lasts, all services together."""
        return float(self.service_cost_per_minute(index).sum())

    def bad_minutes_per_minute(self) -> np.ndarray:
        """Per service: 1 while down, the lost replica share while degraded."""
        return self.down_services + self.degraded_services * self.degraded_service_fraction


def _by_batch(states: list[PhaseState]) -> list[tuple[PhaseBatch, np.ndarray, np.ndarray]]:
    """The states grouped by their batch: (batch, positions in ``states``, rows in the batch)."""
    groups: dict[int, tuple[PhaseBatch, list[int], list[int]]] = {}
    for at, state in enumerate(states):
        entry = groups.setdefault(id(state.batch), (state.batch, [], []))
        entry[1].append(at)
        entry[2].append(state.row)
    return [(batch, np.array(positions, dtype=np.int64), np.array(rows, dtype=np.int64))
            for batch, positions, rows in groups.values()]


def _dense(size: int, positions: np.ndarray, values: np.ndarray | bool) -> np.ndarray:
    dense = np.zeros(size, dtype=bool if isinstance(values, bool) else float)
    dense[positions] = values
    return dense


def service_matrices(states: list[PhaseState], services: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(down, degraded, fraction) per state and service, as dense (states × services) matrices."""
    if services is None:
        services = states[0].batch.services if states else 0
    down = np.zeros((len(states), services), dtype=bool)
    degraded = np.zeros((len(states), services), dtype=bool)
    fraction = np.zeros((len(states), services))
    for batch, where, row in _by_batch(states):
        owner, position = expand(batch.down_ptr, row)
        down[where[owner], batch.down[position]] = True
        owner, position = expand(batch.degraded_ptr, row)
        degraded[where[owner], batch.degraded_service[position]] = True
        fraction[where[owner], batch.degraded_service[position]] = batch.fraction[position]
    return down, degraded, fraction


def lost_rows(states: list[PhaseState]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The lost-pod entries of many states: (state position, workload, lost replicas), sorted by
    state position (and by workload within a state)."""
    parts = []
    for batch, where, row in _by_batch(states):
        owner, position = expand(batch.lost_ptr, row)
        parts.append((where[owner], batch.lost_workload[position], batch.lost[position]))
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    owner, workload, lost = (np.concatenate(column) for column in zip(*parts, strict=True))
    order = np.lexsort((workload, owner))
    return owner[order], workload[order], lost[order]
