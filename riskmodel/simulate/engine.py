"""The Monte Carlo loop: blocks of years drawn, chunks of blocks evaluated, figures summed.

Randomness: one :class:`numpy.random.SeedSequence` (from ``seed``, or from one draw of the
caller's Generator) is spawned into one child per block of years, so the numbers depend on
the seed and the scenario and nothing else — not on how many blocks a chunk holds, nor on
the number of workers. A block holds :func:`block_years_for` years: the longest span on the
1-2-5 ladder (…, 50, 100, 200, 500, 1,000, …) whose expected incidents stay within about a
million and whose (years × failed sets) matrices stay bounded — 100 years on the large
scenario (as every block used to be), 2,000 on the demo, 200,000 for a single risk of a few
incidents a year. Large blocks keep the numpy arrays long (one generator draws a million
incidents at once); the bound keeps a chunk's memory flat in the number of years.

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

BLOCK_LADDER = tuple(step * 10**power for power in range(7) for step in (1, 2, 5))
"""Block sizes in years a scenario may get (1 … 5,000,000)."""
TARGET_BLOCK_INCIDENTS = 1_000_000
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


def block_years_for(table: PairTable) -> int:
    """Years per random stream (see module docstring): depends on the pair table alone."""
    per_year = float(table.mode_rate.sum()) + len(table.injected_pairs)
    width = max(len(table.structures.group), len(table.service_names), 1)
    fitting = [years for years in BLOCK_LADDER
               if years * per_year <= TARGET_BLOCK_INCIDENTS and years * width <= TARGET_CHUNK_WEIGHTS]
    return max(fitting, default=1)


def chunk_years_for(table: PairTable, requested: int | None) -> int:
    """Years per chunk: one block, or the requested years rounded up to whole blocks."""
    block = block_years_for(table)
    if requested is None:
        return block
    return max(block, int(np.ceil(requested / block)) * block)


def draw_chunk(table: PairTable, generators: list[np.random.Generator], sizes: list[int]) -> Incidents:
    """Incidents of consecutive blocks, with years numbered from the chunk's first year."""
    if len(generators) == 1:
        return draw_block(table, generators[0], sizes[0])
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
    pair = inc.pair
    scale = table.scale[pair]
    loss = table.pair_cost_a[pair] * inc.phase_a
    loss += table.pair_cost_b[pair] * inc.phase_b
    loss *= scale
    loss += inc.incident_cost
    return table.structure[pair], scale, loss


def _slow_members(table: PairTable, inc: Incidents) -> tuple[np.ndarray, np.ndarray, int]:
    """Members of interacting clusters sorted by cluster, their compact cluster ids, overlapped count.

    Only non-degraded incidents are clustered: a degraded incident never changes another's
    impact (its cost is always added as it is, see :mod:`.overlap`).
    """
    if table.any_degraded:
        hard = np.flatnonzero(~table.pair_degraded[inc.pair])
        members, cluster = clusters(inc.year[hard], inc.start[hard], inc.end[hard])
        members = hard[members]
    else:
        members, cluster = clusters(inc.year, inc.start, inc.end)
    if not len(members):
        return members, cluster, 0
    pair = inc.pair[members]
    moves = inc.reschedule[members] < inc.end[members]
    slow = interacting(table.structures, cluster, table.structure[pair], moves, table.no_scheduling[pair])
    chosen = slow[cluster]
    kept = cluster[chosen]
    renumber = np.cumsum(slow) - 1
    return members[chosen], renumber[kept].astype(np.int64), len(members)


def _members(table: PairTable, inc: Incidents, slow: np.ndarray, cluster: np.ndarray) -> Members:
    pair = inc.pair[slow]
    structure = table.structure[pair]
    return Members(cluster=cluster, start=inc.start[slow], reschedule=inc.reschedule[slow], end=inc.end[slow],
                   structure=structure, group=table.structures.group[structure], scale=table.scale[pair],
                   no_scheduling=table.no_scheduling[pair])


def evaluate_chunk(table: PairTable, inc: Incidents, years: int, evaluator: UnionEvaluator) -> ChunkOutcome:
    """Vectorised sums for additive incidents, the exact union sweep for interacting clusters.

    Every incident cost of a cluster is added as it is, inside the cluster's total; the
    cluster's total loss is attributed to its members in proportion to their stand-alone
    losses (equal shares when none costs anything alone, as with two node losses that only
    together break a quorum).
    """
    st = table.structures
    structure, scale, loss = _single(table, inc)
    slow, cluster, overlapped = _slow_members(table, inc)
    additive = loss.copy()
    additive[slow] = 0.0
    annual = np.bincount(inc.year, additive, minlength=years).astype(float)
    mode_loss = np.bincount(table.mode[inc.pair], additive, minlength=len(table.mode_names)).astype(float)
    bad_weight = scale.copy()
    bad_weight[slow] = 0.0
    phase_a, phase_b = _phase_weights(table, inc, structure, bad_weight, years)
    bad = np.zeros((years, len(table.service_names)))
    if len(slow):
        _add_clusters(table, inc, evaluator, (slow, cluster, loss), (annual, mode_loss, bad, phase_a, phase_b))
    bad += phase_a @ st.bad_a
    if table.any_reschedules:
        bad += phase_b @ st.bad_b
    return ChunkOutcome(annual, bad, mode_loss, len(inc), overlapped, len(slow))


def _add_clusters(table: PairTable, inc: Incidents, evaluator: UnionEvaluator, members: tuple, sums: tuple) -> None:
    """Add the interacting clusters' exact losses and bad minutes to ``sums`` (in place)."""
    slow, cluster, loss = members
    annual, mode_loss, bad, phase_a, phase_b = sums
    st, years, count = table.structures, len(annual), int(cluster[-1]) + 1
    segments = sweep(_members(table, inc, slow, cluster))
    kind, ref, seg_weight = segments.kind, segments.ref, segments.weight
    union = kind == UNION
    union_cost, union_bad = evaluator.evaluate(segments.keys)
    own = np.where(union, 0, ref)
    rate = np.where(kind == STRUCTURE_A, st.cost_a[own], st.cost_b[own])
    rate[union] = union_cost[ref[union]]
    total = np.bincount(cluster, inc.incident_cost[slow], minlength=count)
    total += np.bincount(segments.cluster, seg_weight * rate, minlength=count)
    year = inc.year[slow[np.flatnonzero(np.r_[True, cluster[1:] != cluster[:-1]])]]
    annual += np.bincount(year, total, minlength=years)
    alone = loss[slow]
    alone_sum = np.bincount(cluster, alone, minlength=count)
    share = np.where(alone_sum[cluster] > 0, alone / np.where(alone_sum > 0, alone_sum, 1.0)[cluster],
                     1.0 / np.bincount(cluster, minlength=count)[cluster])
    mode_loss += np.bincount(table.mode[inc.pair[slow]], total[cluster] * share, minlength=len(table.mode_names))
    seg_year = year[segments.cluster]
    structures = len(st.group)
    for target, wanted in ((phase_a, STRUCTURE_A), (phase_b, STRUCTURE_B)):
        chosen = kind == wanted
        target += np.bincount(seg_year[chosen] * structures + ref[chosen], seg_weight[chosen],
                              minlength=years * structures).reshape(years, structures)
    if len(segments.keys):
        keys = len(segments.keys)
        matrix = np.bincount(seg_year[union] * keys + ref[union], seg_weight[union], minlength=years * keys)
        bad += matrix.reshape(years, keys) @ union_bad


def _phase_weights(table: PairTable, inc: Incidents, structure: np.ndarray, weight: np.ndarray,
                   years: int) -> tuple[np.ndarray, np.ndarray]:
    """(years × structures) scale-weighted phase A and phase B minutes of additive incidents."""
    count = len(table.structures.group)
    key = inc.year * count
    key += structure
    phase_a = np.bincount(key, weight * inc.phase_a, minlength=years * count).reshape(years, count)
    if not table.any_reschedules:
        return phase_a, np.zeros_like(phase_a)
    phase_b = np.bincount(key, weight * inc.phase_b, minlength=years * count).reshape(years, count)
    return phase_a, phase_b
