"""The exact union sweep over time for interacting clusters, as flat segment records.

A cluster's time span is cut at every start, reschedule time and end of its (non-degraded)
incidents. In each segment the active incidents of one topology group are united (see
:mod:`.unions`) and the union's rates are scaled by the largest impact scale among them
(approximation: measures with an ``impact_factor`` on only one of two overlapping modes are
credited at the weaker one). A segment where one incident is active alone, scheduling not
blocked, is that incident's own phase A or B — its rates are the structure's, no union needed.

All clusters are swept at once with numpy: the cut times of every cluster sorted together,
every (segment, member of its cluster) pair tested for activity, and the active members of
each (segment, group) reduced to one record. A union is named by a *key row* (see
:func:`key_rows`) that the evaluator caches and evaluates in batches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STRUCTURE_A, STRUCTURE_B, UNION = 0, 1, 2
"""Record kinds: a structure's phase A rates, its phase B rates, or a union key's rates."""


@dataclass(frozen=True, eq=False)
class Members:
    """Hard (non-degraded) members of interacting clusters, sorted by cluster (ids 0, 1, …)."""

    cluster: np.ndarray
    start: np.ndarray
    reschedule: np.ndarray
    end: np.ndarray
    structure: np.ndarray
    group: np.ndarray
    scale: np.ndarray
    no_scheduling: np.ndarray


@dataclass(frozen=True, eq=False)
class Segments:
    """One record per (segment, group): cluster, kind, structure or key id, scale × minutes.

    ``keys`` holds one key row per distinct union (``ref`` of UNION records indexes it).
    """

    cluster: np.ndarray
    kind: np.ndarray
    ref: np.ndarray
    weight: np.ndarray
    keys: np.ndarray


def key_rows(group: np.ndarray, blocked: np.ndarray, run: np.ndarray, code: np.ndarray, runs: int) -> np.ndarray:
    """Key rows ``[group, blocked, count, code, code, …, -1 padding]``, one per run.

    ``code`` (sorted and distinct within each run, ``run`` non-decreasing) is ``2 · structure + 1``
    for a structure past its reschedule time and ``2 · structure`` for one before it, so a row
    names a union exactly and equal unions have equal rows.
    """
    count = np.bincount(run, minlength=runs)
    width = int(count.max()) if runs else 0
    rows = np.full((runs, 3 + width), -1, dtype=np.int64)
    rows[:, 0], rows[:, 1], rows[:, 2] = group, blocked, count
    first = np.cumsum(count) - count
    rows[run, 3 + np.arange(len(run)) - first[run]] = code
    return rows


def _cuts(m: Members) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segments of every cluster: (cluster, t0, t1) between consecutive distinct cut times."""
    finite = np.isfinite(m.reschedule)
    cluster = np.concatenate([m.cluster, m.cluster, m.cluster[finite]])
    times = np.concatenate([m.start, m.end, m.reschedule[finite]])
    order = np.lexsort((times, cluster))
    cluster, times = cluster[order], times[order]
    keep = np.r_[True, (cluster[1:] != cluster[:-1]) | (times[1:] != times[:-1])]
    cluster, times = cluster[keep], times[keep]
    inner = np.flatnonzero(cluster[1:] == cluster[:-1])
    return cluster[inner], times[inner], times[inner + 1]


def _active(m: Members, seg_cluster: np.ndarray, t0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(segment, member) pairs where the member is active at the segment's start."""
    first = np.searchsorted(m.cluster, np.arange(int(m.cluster[-1]) + 2))
    sizes = (first[1:] - first[:-1])[seg_cluster]
    segment = np.repeat(np.arange(len(seg_cluster)), sizes)
    offsets = np.cumsum(sizes) - sizes
    member = first[:-1][seg_cluster][segment] + np.arange(len(segment)) - offsets[segment]
    active = (m.start[member] <= t0[segment]) & (t0[segment] < m.end[member])
    return segment[active], member[active]


def sweep(m: Members) -> Segments:
    """Segment records of every cluster in ``m`` (see module docstring)."""
    empty = np.zeros(0, dtype=np.int64)
    if not len(m.cluster):
        return Segments(empty, empty, empty, np.zeros(0), np.zeros((0, 3), dtype=np.int64))
    seg_cluster, t0, t1 = _cuts(m)
    segment, member = _active(m, seg_cluster, t0)
    blocked = np.bincount(segment, m.no_scheduling[member], minlength=len(seg_cluster)) > 0
    moved = m.reschedule[member] <= t0[segment]
    code = 2 * m.structure[member] + moved
    group = m.group[member]
    order = np.lexsort((code, group, segment))
    segment, member, code, group = segment[order], member[order], code[order], group[order]
    new_run = np.r_[True, (segment[1:] != segment[:-1]) | (group[1:] != group[:-1])]
    starts = np.flatnonzero(new_run)
    size = np.diff(np.r_[starts, len(segment)])
    run_segment = segment[starts]
    weight = np.maximum.reduceat(m.scale[member], starts) * (t1[run_segment] - t0[run_segment])
    alone = (size == 1) & ~blocked[run_segment]
    kind = np.where(alone, np.where(code[starts] % 2 == 1, STRUCTURE_B, STRUCTURE_A), UNION)
    ref = np.where(alone, m.structure[member[starts]], 0)
    unions = np.flatnonzero(~alone)
    keys = np.zeros((0, 3), dtype=np.int64)
    if len(unions):
        run = np.cumsum(new_run) - 1
        union_of_run = np.full(len(starts), -1)
        union_of_run[unions] = np.arange(len(unions))
        distinct = new_run | np.r_[True, code[1:] != code[:-1]]
        keep = distinct & ~alone[run]
        keys, ref[unions] = distinct_keys(group[starts[unions]], blocked[run_segment[unions]].astype(np.int64),
                                          union_of_run[run[keep]], code[keep], len(unions))
    return Segments(seg_cluster[run_segment], kind, ref, weight, keys)


_MIX = np.array([0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB], dtype=np.uint64)


def _hashes(group: np.ndarray, blocked: np.ndarray, run: np.ndarray, code: np.ndarray, runs: int) -> np.ndarray:
    """A 64-bit hash of every run's (group, blocked, codes in order) — wrapping integer arithmetic."""
    count = np.bincount(run, minlength=runs)
    position = np.arange(len(run)) - (np.cumsum(count) - count)[run]
    with np.errstate(over="ignore"):
        mixed = code.astype(np.uint64) * _MIX[0] + position.astype(np.uint64) * _MIX[1]
        mixed ^= mixed >> np.uint64(29)
        mixed *= _MIX[2]
        mixed ^= mixed >> np.uint64(32)
        total = np.zeros(runs, dtype=np.uint64)
        np.add.at(total, run, mixed)
        total += group.astype(np.uint64) * _MIX[2] + blocked.astype(np.uint64) * _MIX[1] + count.astype(np.uint64)
    return total


def distinct_keys(group: np.ndarray, blocked: np.ndarray, run: np.ndarray, code: np.ndarray,
                  runs: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct key rows of ``runs`` unions given as flat codes, and each union's row index.

    Unions are grouped by a hash of their codes, and every union is then compared, code by
    code, with the first union of its hash: equal keys are recognised exactly. (Should two
    different keys ever share a hash, the rows are compared whole instead.)
    """
    names, first, inverse = np.unique(_hashes(group, blocked, run, code, runs), return_index=True,
                                      return_inverse=True)
    representative = first[inverse]
    count = np.bincount(run, minlength=runs)
    start = np.cumsum(count) - count
    position = np.arange(len(run)) - start[run]
    same = (group == group[representative]) & (blocked == blocked[representative]) & (count == count[representative])
    if same.all() and np.array_equal(code, code[start[representative[run]] + np.minimum(position, count[
            representative[run]] - 1)]):
        renumber = np.full(runs, -1)
        renumber[first] = np.arange(len(first))
        chosen = renumber[run]
        mine = np.flatnonzero(chosen >= 0)
        mine = mine[np.argsort(chosen[mine], kind="stable")]
        return key_rows(group[first], blocked[first], chosen[mine], code[mine], len(first)), inverse
    rows = key_rows(group, blocked, run, code, runs)
    keys, inverse = np.unique(rows, axis=0, return_inverse=True)
    return keys, inverse.reshape(-1)
