"""Compressed rows (CSR): ``pointer[r]:pointer[r + 1]`` are row r's values.

One helper expands chosen rows into flat (owner, value position) pairs, which is how a
batch of failed sets, incidents or union keys reaches every node, workload or service of
its rows without a Python loop.
"""

from __future__ import annotations

import numpy as np


def expand(pointer: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each entry of ``rows`` (row ids, repeats allowed), every value of that row:
    (position of the entry in ``rows``, position of the value)."""
    lengths = pointer[rows + 1] - pointer[rows]
    owner = np.repeat(np.arange(len(rows)), lengths)
    offsets = np.cumsum(lengths) - lengths
    return owner, pointer[rows][owner] + np.arange(len(owner)) - offsets[owner]


def matrix_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR of a boolean matrix's rows: (pointer, column of every True)."""
    row, column = np.nonzero(matrix)
    return np.searchsorted(row, np.arange(matrix.shape[0] + 1)).astype(np.int64), column.astype(np.int64)


def reduced_by_code(code: np.ndarray, values: np.ndarray, ufunc: np.ufunc) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct codes and ``ufunc`` reduced over the values (rows of ``values``) of each:
    ``ufunc.at`` into a dense array per code, by one sort instead of one update per entry."""
    if not len(code):
        return code, values
    order = np.argsort(code, kind="stable")
    code = code[order]
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    return code[starts], ufunc.reduceat(values[order], starts, axis=0)
