"""Chunks of simulated years spread over worker processes, results back in chunk order.

Workers are forked (they inherit the pair table and the union cache without pickling) and
each runs whole chunks: draw with the chunk's own seeded block streams, then evaluate. Every
chunk is evaluated with its BLAS library held to one thread
(:func:`riskmodel.engine.threads.blas_single_threaded`), in a worker or in-process: a matrix
product split over threads sums in another order, and the numbers must not depend on where a
chunk ran (two workers with two BLAS threads each would also only fight over two cores). The
parent receives the chunks' outcomes in chunk order and sums them in that order, so the
numbers are the same for any number of workers. Forking is used only where it is safe and
available: a ``fork`` start method and a single Python thread in the calling process (a web
app's script thread, for instance, runs its chunks in-process instead).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

_JOB: Callable[[int], Any] | None = None
"""The job of the current pool: set before forking, so workers inherit it."""


def default_workers() -> int:
    """Usable CPU cores when forking is safe here, else 1."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if threading.active_count() > 1 or threading.current_thread() is not threading.main_thread():
        return 1
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _call(position: int) -> Any:
    assert _JOB is not None
    return _JOB(position)


def run_ordered(job: Callable[[int], Any], count: int, workers: int) -> Iterator[Any]:
    """``job(0) … job(count − 1)`` in order; on ``workers`` forked processes when > 1."""
    global _JOB
    workers = min(workers, count)
    if workers <= 1:
        for position in range(count):
            yield job(position)
        return
    _JOB = job
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_call, range(count))
    finally:
        _JOB = None
