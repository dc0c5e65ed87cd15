"""The Monte Carlo loop: blocks of years drawn, chunks of blocks evaluated, figures summed.

Randomness: one :class:`numpy.random.SeedSequence` (from ``seed``, or from one draw of the
caller's Generator) is spawned into one child per block of :data:`BLOCK_YEARS` years, so
the numbers depend on the seed and nothing else — not on how many blocks a chunk holds.
Memory: a chunk holds its incidents and (years × structures) phase-minute matrices; only
the annual losses (8 bytes per simulated year) outlive it. Chunks may run in forked worker
processes (:mod:`.parallel`); their outcomes are summed in chunk order either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from riskmodel.simulate.draw import Incidents, draw_block
from riskmodel.simulate.overlap import clusters, interacting
from riskmodel.simulate.sweep import STRUCTURE_A, STRUCTURE_B, UNION, Members, sweep
from riskmodel.simulate.tables import PairTable
from riskmodel.simulate.unions import UnionEvaluator

BLOCK_YEARS = 100
"""Years per independent random stream; fixed so results do not depend on the chunk size."""
TARGET_CHUNK_INCIDENTS = 1_000_000
TARGET_CHUNK_WEIGHTS = 8_000_000
Progress = Callable[[int, int], None]


@dataclass(frozen=True, eq=False)
class ChunkOutcome:
    """Figures of one chunk: loss and bad minutes per year, loss per mode, counts."""

    annual_loss: np.ndarray
    bad_minutes: np.ndarray
    mode_loss: np.ndarray
    incidents: int
    overlapped: int
    combined: int


def chunk_years_for(table: PairTable, requested: int | None) -> int:
    """Years per chunk: about a million incidents and a bounded weight matrix, in whole blocks."""
    if requested is not None:
        return max(BLOCK_YEARS, int(np.ceil(requested / BLOCK_YEARS)) * BLOCK_YEARS)
    per_year = float(table.mode_rate.sum()) + len(table.injected_pairs) + 1.0
    years = min(TARGET_CHUNK_INCIDENTS / per_year, TARGET_CHUNK_WEIGHTS / max(len(table.structures.group), 1))
    return max(BLOCK_YEARS, int(years // BLOCK_YEARS) * BLOCK_YEARS)


def draw_chunk(table: PairTable, generators: list[np.random.Generator], sizes: list[int]) -> Incidents:
    """Incidents of consecutive blocks, with years numbered from the chunk's first year."""
    parts, offset = [], 0
    for rng, size in zip(generators, sizes, strict=True):
        block = draw_block(table, rng, size)
        parts.append((block, offset))
        offset += size
    fields = Incidents.__dataclass_fields__
    joined = {name: np.concatenate([getattr(b, name) + (o if name == "year" else 0) for b, o in parts])
              for name in fields}
    return Incidents(**joined)


def _single(table: PairTable, inc: Incidents) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Structure, scale and stand-alone loss (dollars) of every incident."""
    structure = table.structure[inc.pair]
    scale = table.scale[inc.pair]
    st = table.structures
    loss = scale * (st.cost_a[structure] * inc.phase_a + st.cost_b[structure] * inc.phase_b) + inc.incident_cost
    return structure, scale, loss


def _slow_members(table: PairTable, inc: Incidents) -> tuple[np.ndarray, np.ndarray, int]:
    """Members of interacting clusters sorted by cluster, their compact cluster ids, overlapped count."""
    members, cluster = clusters(inc.year, inc.start, inc.end)
    if not len(members):
        return members, cluster, 0
    structure = table.structure[inc.pair[members]]
    moves = inc.reschedule[members] < inc.end[members]
    slow = interacting(table.structures, cluster, structure, moves, table.no_scheduling[inc.pair[members]])
    chosen, ids = members[slow[cluster]], cluster[slow[cluster]]
    order = np.argsort(ids, kind="stable")
    _, compact = np.unique(ids[order], return_inverse=True)
    return chosen[order], compact.astype(np.int64), len(members)


def _hard_members(table: PairTable, inc: Incidents, slow: np.ndarray, cluster: np.ndarray,
                  hard: np.ndarray) -> Members:
    pair = inc.pair[slow[hard]]
    return Members(cluster=cluster[hard].tolist(), start=inc.start[slow[hard]].tolist(),
                   reschedule=inc.reschedule[slow[hard]].tolist(), end=inc.end[slow[hard]].tolist(),
                   structure=table.structure[pair].tolist(), group=table.structures.group[table.structure[pair]].tolist(),
                   scale=table.scale[pair].tolist(), no_scheduling=table.no_scheduling[pair].tolist())


def evaluate_chunk(table: PairTable, inc: Incidents, years: int, evaluator: UnionEvaluator) -> ChunkOutcome:
    """Vectorised sums for additive incidents, the exact union sweep for interacting clusters.

    Members of interacting clusters that only degrade (and every incident cost) are added as
    they are, inside the cluster's total; the cluster's total loss is attributed to its members
    in proportion to their stand-alone losses (equal shares when none costs anything alone,
    as with two node losses that only together break a quorum).
    """
    st = table.structures
    structure, scale, loss = _single(table, inc)
    slow, cluster, overlapped = _slow_members(table, inc)
    hard = ~st.degraded[structure[slow]]
    bad_weight = scale.copy()
    bad_weight[slow[hard]] = 0.0
    weight = np.ones(len(inc))
    weight[slow] = 0.0
    annual = np.bincount(inc.year, loss * weight, minlength=years)
    mode_loss = np.bincount(table.mode[inc.pair], loss * weight, minlength=len(table.mode_names))
    phase_a, phase_b = _phase_weights(table, inc, structure, bad_weight, years)
    bad = np.zeros((years, len(table.service_names)))
    if len(slow):
        _add_clusters(table, inc, evaluator, (slow, cluster, hard, loss), (annual, mode_loss, bad, phase_a, phase_b))
    bad += phase_a @ st.bad_a + phase_b @ st.bad_b
    return ChunkOutcome(annual, bad, mode_loss, len(inc), overlapped, len(slow))


def _add_clusters(table: PairTable, inc: Incidents, evaluator: UnionEvaluator, members: tuple, sums: tuple) -> None:
    """Add the interacting clusters' exact losses and bad minutes to ``sums`` (in place)."""
    slow, cluster, hard, loss = members
    annual, mode_loss, bad, phase_a, phase_b = sums
    st, years, count = table.structures, len(annual), int(cluster[-1]) + 1
    segments = sweep(_hard_members(table, inc, slow, cluster, hard))
    keys = list(segments.keys)
    rates = evaluator.rates(keys)
    kind, ref = np.array(segments.kind, dtype=np.int64), np.array(segments.ref, dtype=np.int64)
    seg_cluster, seg_weight = np.array(segments.cluster, dtype=np.int64), np.array(segments.weight)
    own = np.where(kind < UNION, ref, 0)
    union_cost = np.array([r[0] for r in rates])[np.where(kind == UNION, ref, 0)] if keys else 0.0
    rate = np.select([kind == STRUCTURE_A, kind == STRUCTURE_B], [st.cost_a[own], st.cost_b[own]], union_cost)
    base = np.where(hard, inc.incident_cost[slow], loss[slow])
    total = np.bincount(cluster, base, minlength=count) + np.bincount(seg_cluster, seg_weight * rate, minlength=count)
    year = inc.year[slow[np.flatnonzero(np.r_[True, cluster[1:] != cluster[:-1]])]]
    annual += np.bincount(year, total, minlength=years)
    alone_sum = np.bincount(cluster, loss[slow], minlength=count)
    share = np.where(alone_sum[cluster] > 0, loss[slow] / np.where(alone_sum > 0, alone_sum, 1.0)[cluster],
                     1.0 / np.bincount(cluster, minlength=count)[cluster])
    mode_loss += np.bincount(table.mode[inc.pair[slow]], total[cluster] * share, minlength=len(table.mode_names))
    _add_structure_segments(phase_a, phase_b, kind, ref, year[seg_cluster], seg_weight)
    if keys:
        union = kind == UNION
        matrix = np.zeros((years, len(keys)))
        np.add.at(matrix, (year[seg_cluster][union], ref[union]), seg_weight[union])
        bad += matrix @ np.stack([r[1] for r in rates])


def _add_structure_segments(phase_a: np.ndarray, phase_b: np.ndarray, kind: np.ndarray, ref: np.ndarray,
                            year: np.ndarray, weight: np.ndarray) -> None:
    for target, wanted in ((phase_a, STRUCTURE_A), (phase_b, STRUCTURE_B)):
        chosen = kind == wanted
        np.add.at(target, (year[chosen], ref[chosen]), weight[chosen])


def _phase_weights(table: PairTable, inc: Incidents, structure: np.ndarray, weight: np.ndarray,
                   years: int) -> tuple[np.ndarray, np.ndarray]:
    """(years × structures) scale-weighted phase A and phase B minutes of additive incidents."""
    st = table.structures
    count = len(st.group)
    key = inc.year * count + structure
    phase_a = np.bincount(key, weight * inc.phase_a, minlength=years * count).reshape(years, count)
    phase_b = np.bincount(key, weight * inc.phase_b, minlength=years * count).reshape(years, count)
    return phase_a, phase_b
