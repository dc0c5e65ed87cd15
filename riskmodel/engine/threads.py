"""numpy's BLAS held to one thread while the engine builds and compares risk models.

The engine's matrix products are many and small (failed sets × services, a few thousand
rows): OpenBLAS's second thread costs more in waking and spinning than it saves. On the
large scenario (2 cores) ``rank`` took 3.5–7.1 s of wall time with two BLAS threads and
2.6–2.9 s with one. One thread also keeps the numbers independent of the machine: a product
split over threads may sum in another order. Parallel work is the simulation's, by processes
(see :mod:`riskmodel.simulate.parallel`), each chunk also under this limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from threadpoolctl import ThreadpoolController


@cache
def _controller() -> ThreadpoolController:
    """One inspection of the loaded BLAS libraries (≈0.5 ms); each limit after it costs ≈20 µs."""
    return ThreadpoolController()


@contextmanager
def blas_single_threaded() -> Iterator[None]:
    """Hold BLAS to one thread for the block (a decorator too), then restore what it was."""
    with _controller().limit(limits=1, user_api="blas"):
        yield
