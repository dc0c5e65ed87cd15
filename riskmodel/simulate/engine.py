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

from riskmodel.simulate.draw import Incidents, draw_block, per_incident
from riskmodel.simulate.overlap import clusters, interacting
from riskmodel.simulate.sweep import STRUCTURE_A, STRUCTURE_B, UNION, Members, sweep
from riskmodel.simulate.tables import PairTable
from riskmodel.simulate.unions import UnionEvaluator

BLOCK_LADDER = tuple(step * 10**power for power in range(7) for step in (1, 2, 5))
"""Block sizes in years a scenario may get (1 … 5,000,000)."""
TARGET_BLOCK_INCIDENTS = 1_000_000
TARGET_CHUNK_WEIGHTS = 8_000_000
PIECE_INCIDENTS = 1 << 16
"""Incidents per piece of a block's per-incident passes (whole years each): a pass over a
piece's arrays runs from the CPU's caches, over a whole block's (a million incidents) from
main memory, up to 3x slower per element. The numbers do not depend on it."""
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
    """Structure, scale and stand-alone loss (dollars) of every incident (structure and scale
    read-only: views of one value when all incidents share it)."""
    pair = inc.pair
    scale = per_incident(table.scale, pair)
    loss = per_incident(table.pair_cost_a, pair) * inc.phase_a
    if table.any_reschedules:  # else every phase B is 0 minutes
        loss += per_incident(table.pair_cost_b, pair) * inc.phase_b
    if len(scale) != 1 or scale[0] != 1.0:  # x · 1 is x
        loss *= scale
    if table.incident_cost.any() or table.cost_sigma.any():  # else every incident cost is 0 (x + 0 is x for x >= 0)
        loss += inc.incident_cost
    return np.broadcast_to(per_incident(table.structure, pair), loss.shape), np.broadcast_to(scale, loss.shape), loss


def _pieces(year: np.ndarray, years: int) -> list[tuple[int, int]]:
    """Index ranges of whole years, about :data:`PIECE_INCIDENTS` incidents each; one range
    when the years are not in order (a block's injected incidents follow its random ones)."""
    size = len(year)
    if size <= PIECE_INCIDENTS or np.any(year[1:] < year[:-1]):
        return [(0, size)]
    edges = np.searchsorted(year, np.arange(0, years, max(1, years * PIECE_INCIDENTS // size)))
    edges = np.unique(np.append(edges, size))
    return list(zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True))


def _view(inc: Incidents, low: int, high: int) -> Incidents:
    return Incidents(**{name: getattr(inc, name)[low:high] for name in Incidents.__dataclass_fields__})


def _clustered(table: PairTable, inc: Incidents, pieces: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Incidents overlapping another (non-degraded only), sorted by cluster, and their cluster
    ids: piece by piece (a cluster never spans two years), as :func:`.overlap.clusters` of all."""
    hard = np.flatnonzero(~table.pair_degraded[inc.pair]) if table.any_degraded else None
    found, ids, count = [], [], 0
    for low, high in pieces:
        years = None if len(pieces) == 1 or high == low else int(inc.year[high - 1] - inc.year[low]) + 1
        if hard is None:
            members, cluster = clusters(inc.year[low:high], inc.start[low:high], inc.end[low:high], years)
            members += low
        else:
            first, last = np.searchsorted(hard, (low, high))
            mine = hard[first:last]
            members, cluster = clusters(inc.year[mine], inc.start[mine], inc.end[mine], years)
            members = mine[members]
        found.append(members)
        ids.append(cluster + count)
        count += int(cluster[-1]) + 1 if len(cluster) else 0
    return (found[0], ids[0]) if len(found) == 1 else (np.concatenate(found), np.concatenate(ids))


def _slow_members(table: PairTable, inc: Incidents,
                  pieces: list[tuple[int, int]] | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Members of interacting clusters sorted by cluster, their compact cluster ids, overlapped count.

    Only non-degraded incidents are clustered: a degraded incident never changes another's
    impact (its cost is always added as it is, see :mod:`.overlap`).
    """
    members, cluster = _clustered(table, inc, [(0, len(inc))] if pieces is None else pieces)
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
    pieces = _pieces(inc.year, years)
    slow, cluster, overlapped = _slow_members(table, inc, pieces)
    alone, annual, mode_loss, phase_a, phase_b = _additive(table, inc, years, pieces, slow)
    bad = np.zeros((years, len(table.service_names)))
    if len(slow):
        _add_clusters(table, inc, evaluator, (slow, cluster, alone), (annual, mode_loss, bad, phase_a, phase_b))
    bad += phase_a @ st.bad_a
    if table.any_reschedules:
        bad += phase_b @ st.bad_b
    return ChunkOutcome(annual, bad, mode_loss, len(inc), overlapped, len(slow))


def _additive(table: PairTable, inc: Incidents, years: int, pieces: list[tuple[int, int]],
              slow: np.ndarray) -> tuple[np.ndarray, ...]:
    """Piece by piece: the ``slow`` incidents' stand-alone losses (in their order), and the
    other incidents' losses per year and per failure mode and their (years × structures)
    scale-weighted phase A and B minutes. Every sum is taken in incident order, as one
    ``np.bincount`` over the whole chunk would (years never span two pieces; the per-mode sums
    run on from piece to piece)."""
    count = len(table.structures.group)
    annual, mode_loss = np.zeros(years), np.zeros(len(table.mode_names))
    one_mode = per_incident(table.mode, inc.pair)
    phase_a, phase_b = np.zeros((years, count)), np.zeros((years, count))
    order = np.argsort(slow, kind="stable")
    positions, alone = slow[order], np.empty(len(slow))
    for low, high in pieces:
        part = inc if len(pieces) == 1 else _view(inc, low, high)
        structure, scale, own = _single(table, part)
        first, last = np.searchsorted(positions, (low, high))
        mine = positions[first:last] - low
        alone[order[first:last]] = own[mine]
        own[mine] = 0.0
        if len(pieces) == 1:
            y0, span, local = 0, years, part.year
        else:  # whole years in order
            y0, span = int(part.year[0]), int(part.year[-1]) + 1 - int(part.year[0])
            local = part.year - y0
        annual[y0:y0 + span] = np.bincount(local, own, minlength=span)
        if len(one_mode) != 1:
            np.add.at(mode_loss, table.mode[part.pair], own)
        elif len(own):  # a running sum in place (own is not needed any more): np.add.at into one cell is slow
            own[0] += mode_loss[one_mode[0]]
            mode_loss[one_mode[0]] = np.add.accumulate(own, out=own)[-1]
        key = local if count == 1 else local * count + structure
        for target, minutes in ((phase_a, part.phase_a), (phase_b, part.phase_b))[:1 + table.any_reschedules]:
            weight = scale * minutes
            weight[mine] = 0.0
            target[y0:y0 + span] = np.bincount(key, weight, minlength=span * count).reshape(span, count)
    return alone, annual, mode_loss, phase_a, phase_b


def _add_clusters(table: PairTable, inc: Incidents, evaluator: UnionEvaluator, members: tuple, sums: tuple) -> None:
    """Add the interacting clusters' exact losses and bad minutes to ``sums`` (in place)."""
    slow, cluster, alone = members
    annual, mode_loss, bad, phase_a, phase_b = sums
    st, count = table.structures, int(cluster[-1]) + 1
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
    _add_sums(annual, year, total)
    alone_sum = np.bincount(cluster, alone, minlength=count)
    share = np.where(alone_sum[cluster] > 0, alone / np.where(alone_sum > 0, alone_sum, 1.0)[cluster],
                     1.0 / np.bincount(cluster, minlength=count)[cluster])
    mode_loss += np.bincount(table.mode[inc.pair[slow]], total[cluster] * share, minlength=len(table.mode_names))
    seg_year = year[segments.cluster]
    structures = len(st.group)
    for target, wanted in ((phase_a, STRUCTURE_A), (phase_b, STRUCTURE_B)):
        chosen = kind == wanted
        _add_sums(target, seg_year[chosen] * structures + ref[chosen], seg_weight[chosen])
    if len(segments.keys):
        keys = len(segments.keys)
        rows, row = np.unique(seg_year[union], return_inverse=True)
        matrix = np.bincount(row * keys + ref[union], seg_weight[union], minlength=len(rows) * keys)
        bad[rows] += matrix.reshape(len(rows), keys) @ union_bad


def _add_sums(target: np.ndarray, index: np.ndarray, weights: np.ndarray) -> None:
    """``target += np.bincount(index, weights, minlength=target.size)`` (flat), touching only
    the cells named: the same sums in the same order, at the cost of the few clustered
    incidents rather than of every (year, structure) cell of the chunk."""
    cells, inverse = np.unique(index, return_inverse=True)
    target.ravel()[cells] += np.bincount(inverse, weights, minlength=len(cells))
