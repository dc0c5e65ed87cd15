"""Per-failed-set rows of a risk model, in phase A and phase B: dollars per minute per service,
dollars per minute in all, bad minutes per minute of incident per service.

Each row depends on its failed set's phase states alone (summed the same way whatever other
sets are evaluated with it), so a topology variant copies the rows of the structures it carried
over from its parent and computes only the others (:func:`carried_rows`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from riskmodel.engine.impact import StructuralImpact
from riskmodel.engine.phases import PhaseState, service_matrices
from riskmodel.engine.topology import TopologyIndex

PhaseRows = tuple[np.ndarray, np.ndarray]
"""(phase A rows, phase B rows), one row per failed set."""


def rows_dot(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``matrix @ vector`` with every row summed the same way whatever the number of rows.

    BLAS takes rows four at a time and the last one to three with another kernel, whose
    rounding can differ in the last bit: padding to whole blocks of four makes a failed set's
    cost independent of which other failed sets were evaluated with it.
    """
    rows = len(matrix)
    extra = (-rows) % 4
    if extra:
        matrix = np.concatenate([matrix, np.zeros((extra, *matrix.shape[1:]), dtype=matrix.dtype)])
    return (matrix @ vector)[:rows]


def both_phases(per_state: Callable[[list[PhaseState]], np.ndarray]) -> Callable[[list[StructuralImpact]], PhaseRows]:
    """Rows of phase A (before rescheduling) and phase B (after it; phase A's state when nothing reschedules)."""
    return lambda impacts: (per_state([s.before for s in impacts]), per_state([s.after or s.before for s in impacts]))


def service_cost_per_minute(index: TopologyIndex) -> Callable[[list[PhaseState]], np.ndarray]:
    """Dollars per minute per (failed set, service): full cost while down, degraded cost scaled by
    the share of replicas lost while degraded."""
    def cost(states: list[PhaseState]) -> np.ndarray:
        down, _, fraction = service_matrices(states)
        return (down * index.cost_per_hour + fraction * index.degraded_cost_per_hour) / 60.0
    return cost


def cost_per_minute(index: TopologyIndex) -> Callable[[list[PhaseState]], np.ndarray]:
    """Dollars per minute of each failed set, over all services."""
    def total(states: list[PhaseState]) -> np.ndarray:
        down, _, fraction = service_matrices(states)
        return (rows_dot(down, index.cost_per_hour) + rows_dot(fraction, index.degraded_cost_per_hour)) / 60.0
    return total


def bad_minutes(states: list[PhaseState]) -> np.ndarray:
    """Bad minutes per minute of incident per (failed set, service)."""
    down, degraded, fraction = service_matrices(states)
    return down + degraded * fraction


def _read_only(rows: PhaseRows) -> PhaseRows:
    for array in rows:
        array.flags.writeable = False
    return rows


def carried_rows(structures: list[StructuralImpact], shape: tuple[int, ...],
                 compute: Callable[[list[StructuralImpact]], PhaseRows],
                 parent: tuple[np.ndarray, np.ndarray, np.ndarray, PhaseRows] | None) -> PhaseRows:
    """The rows of ``structures`` (read-only). ``parent``: (positions carried over, the parent's
    rows they copy, positions computed here, the parent's rows); without one, or with nothing
    carried, every row is computed. A variant whose structures are its parent's, in the same
    order, shares the parent's arrays."""
    if parent is None or not len(parent[0]):
        return _read_only(compute(structures) if structures else (np.zeros(shape), np.zeros(shape)))
    reused, rows, todo, theirs = parent
    if not len(todo) and len(rows) == len(structures) and np.array_equal(rows, np.arange(len(rows))):
        return theirs
    fresh = compute([structures[i] for i in todo.tolist()]) if len(todo) else None
    results = []
    for phase, parent_matrix in enumerate(theirs):
        matrix = np.empty(shape)
        matrix[reused] = parent_matrix[rows]
        if fresh is not None:
            matrix[todo] = fresh[phase]
        results.append(matrix)
    return _read_only((results[0], results[1]))
