"""The Monte Carlo loop: blocks of years drawn, chunks of blocks evaluated, figures summed.

Randomness: one :class:`numpy.random.SeedSequence` (from ``seed``, or from one draw of the
caller's Generator) is spawned into one child per block of :data:`BLOCK_YEARS` years, so
the numbers depend on the seed and nothing else — not on how many blocks a chunk holds.
Memory: a chunk holds its incidents and a (years × structures) weight matrix; only the
annual losses (8 bytes per simulated year) outlive it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from riskmodel.simulate.combine import ClusterInput, UnionEvaluator, evaluate_cluster
from riskmodel.simulate.draw import Incidents, draw_block
from riskmodel.simulate.overlap import clusters, interacting
from riskmodel.simulate.tables import PairTable

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


def _cluster_input(table: PairTable, inc: Incidents, members: np.ndarray, loss: np.ndarray) -> ClusterInput:
    st = table.structures
    pair, structure = inc.pair[members], table.structure[inc.pair[members]]
    scale = table.scale[pair]
    bad = scale[:, None] * (inc.phase_a[members, None] * st.bad_a[structure]
                            + inc.phase_b[members, None] * st.bad_b[structure])
    return ClusterInput(structure=structure, group=st.group[structure], start=inc.start[members],
                        reschedule=inc.reschedule[members], end=inc.end[members], scale=scale,
                        no_scheduling=table.no_scheduling[pair], degraded=st.degraded[structure],
                        incident_cost=inc.incident_cost[members], single_loss=loss[members], single_bad=bad)


def evaluate_chunk(table: PairTable, inc: Incidents, years: int, evaluator: UnionEvaluator) -> ChunkOutcome:
    """Vectorised sums for additive incidents, the exact union sweep for interacting clusters."""
    structure, scale, loss = _single(table, inc)
    members, cluster = clusters(inc.year, inc.start, inc.end)
    moves = inc.reschedule[members] < inc.end[members]
    slow = interacting(table.structures, cluster, structure[members], moves, table.no_scheduling[inc.pair[members]])
    slow_members = members[slow[cluster]] if len(members) else members
    weight = np.ones(len(inc))
    weight[slow_members] = 0.0
    modes = len(table.mode_names)
    annual = np.bincount(inc.year, loss * weight, minlength=years)
    mode_loss = np.bincount(table.mode[inc.pair], loss * weight, minlength=modes)
    bad = _bad_minutes(table, inc, structure, scale * weight, years)
    if len(slow_members):
        slow_cluster = cluster[slow[cluster]]
        order = np.argsort(slow_cluster, kind="stable")
        slow_members, slow_cluster = slow_members[order], slow_cluster[order]
        bounds = np.flatnonzero(np.diff(np.concatenate([[-1], slow_cluster, [-1]])))
        for low, high in zip(bounds[:-1], bounds[1:], strict=True):
            group = slow_members[low:high]
            total, bad_minutes, attributed = evaluate_cluster(evaluator, _cluster_input(table, inc, group, loss))
            year = int(inc.year[group[0]])
            annual[year] += total
            bad[year] += bad_minutes
            np.add.at(mode_loss, table.mode[inc.pair[group]], attributed)
    return ChunkOutcome(annual, bad, mode_loss, len(inc), len(members), len(slow_members))


def _bad_minutes(table: PairTable, inc: Incidents, structure: np.ndarray, weight: np.ndarray,
                 years: int) -> np.ndarray:
    """(years × services) bad minutes via per-(year, structure) phase-minute weights."""
    st = table.structures
    count = len(st.group)
    key = inc.year * count + structure
    phase_a = np.bincount(key, weight * inc.phase_a, minlength=years * count).reshape(years, count)
    phase_b = np.bincount(key, weight * inc.phase_b, minlength=years * count).reshape(years, count)
    return phase_a @ st.bad_a + phase_b @ st.bad_b
