"""The exact union sweep over time for interacting clusters, as flat segment records.

A cluster's time span is cut at every start, reschedule time and end of its (non-degraded)
incidents. In each segment the active incidents of one topology group are united (see
:mod:`.unions`) and the union's rates are scaled by the largest impact scale among them
(approximation: measures with an ``impact_factor`` on only one of two overlapping modes are
credited at the weaker one). A segment where one incident is active alone, scheduling not
blocked, is that incident's own phase A or B — its rates are the structure's, no union needed.

The sweep itself is plain Python over small lists (clusters hold a handful of incidents);
the union evaluations it asks for are batched afterwards by the caller, and the records
below are summed with numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from riskmodel.simulate.unions import UnionKey

STRUCTURE_A, STRUCTURE_B, UNION = 0, 1, 2
"""Record kinds: a structure's phase A rates, its phase B rates, or a union key's rates."""


@dataclass
class Segments:
    """One record per (segment, group): cluster, kind, structure or union id, scale × minutes."""

    cluster: list[int] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    ref: list[int] = field(default_factory=list)
    weight: list[float] = field(default_factory=list)
    keys: dict[UnionKey, int] = field(default_factory=dict)

    def add(self, cluster: int, kind: int, ref: int, weight: float) -> None:
        self.cluster.append(cluster)
        self.kind.append(kind)
        self.ref.append(ref)
        self.weight.append(weight)


@dataclass(frozen=True)
class Members:
    """Hard (non-degraded) members of interacting clusters, as Python lists sorted by cluster."""

    cluster: list[int]
    start: list[float]
    reschedule: list[float]
    end: list[float]
    structure: list[int]
    group: list[int]
    scale: list[float]
    no_scheduling: list[bool]


def sweep(m: Members) -> Segments:
    """Segment records of every cluster in ``m`` (see module docstring)."""
    out = Segments()
    low, size = 0, len(m.cluster)
    while low < size:
        high = low + 1
        while high < size and m.cluster[high] == m.cluster[low]:
            high += 1
        _sweep_cluster(m, range(low, high), out)
        low = high
    return out


def _sweep_cluster(m: Members, members: range, out: Segments) -> None:
    cluster = m.cluster[members.start]
    times = {m.start[i] for i in members} | {m.end[i] for i in members}
    times |= {m.reschedule[i] for i in members if m.reschedule[i] != float("inf")}
    for t0, t1 in pairwise(sorted(times)):
        active = [i for i in members if m.start[i] <= t0 < m.end[i]]
        if not active:
            continue
        blocked = any(m.no_scheduling[i] for i in active)
        groups: dict[int, list[int]] = {}
        for i in active:
            groups.setdefault(m.group[i], []).append(i)
        for group, mine in groups.items():
            weight = max(m.scale[i] for i in mine) * (t1 - t0)
            if len(mine) == 1 and not blocked:
                i = mine[0]
                out.add(cluster, STRUCTURE_B if m.reschedule[i] <= t0 else STRUCTURE_A, m.structure[i], weight)
                continue
            before = frozenset(m.structure[i] for i in mine if m.reschedule[i] > t0)
            after = frozenset(m.structure[i] for i in mine if m.reschedule[i] <= t0)
            key = (group, before, after, blocked)
            out.add(cluster, UNION, out.keys.setdefault(key, len(out.keys)), weight)
