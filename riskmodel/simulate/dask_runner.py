"""Chunks of simulated years as Dask tasks: one machine's cores, or a cluster's workers.

The pair table is sent to every worker once (``Client.scatter``, broadcast); each task draws
and evaluates one chunk with that chunk's own seeded block streams, exactly as a local worker
process does (:func:`riskmodel.simulate.montecarlo.simulate_table`). Outcomes come back in
chunk order and are summed in that order, so the numbers are the same as the local path's for
the same seed, whatever the number of Dask workers or where they run. Each worker keeps its own
union cache (values depend on the key alone) and holds BLAS to one thread per task.

``address`` is ``"local"`` (a :class:`distributed.LocalCluster` on 127.0.0.1 with one
single-threaded worker process per usable core, started and stopped here), a scheduler
address such as ``tcp://10.0.0.5:8786``, or an existing :class:`distributed.Client` (kept
open: a fleet shares one). See docs/dask.md for running the scheduler and workers on
Kubernetes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np

from riskmodel.engine.threads import blas_single_threaded
from riskmodel.simulate.engine import ChunkOutcome, draw_chunk, evaluate_chunk
from riskmodel.simulate.parallel import default_workers
from riskmodel.simulate.structures import StructureTable
from riskmodel.simulate.tables import PairTable
from riskmodel.simulate.unions import UnionEvaluator

Chunk = tuple[Sequence[np.random.SeedSequence], Sequence[int]]
"""The block seeds and block sizes (years) of one chunk."""

_WORKER_EVALUATORS: WeakKeyDictionary[StructureTable, UnionEvaluator] = WeakKeyDictionary()
"""On a worker: the union cache of each pair table it holds (kept while the table lives)."""


def run_chunk(table: PairTable, seeds: Sequence[np.random.SeedSequence], sizes: Sequence[int]) -> ChunkOutcome:
    """One chunk on a Dask worker: the same draw and evaluation as a local worker process."""
    evaluator = _WORKER_EVALUATORS.get(table.structures)
    if evaluator is None:
        evaluator = _WORKER_EVALUATORS[table.structures] = UnionEvaluator(table.structures)
    with blas_single_threaded():
        generators = [np.random.default_rng(seed) for seed in seeds]
        return evaluate_chunk(table, draw_chunk(table, generators, list(sizes)), sum(sizes), evaluator)


@contextmanager
def dask_client(address: Any) -> Iterator[Any]:
    """A client for ``address`` (see module docstring); clusters and clients opened here are closed."""
    from distributed import Client, LocalCluster

    if isinstance(address, Client):
        yield address
        return
    if address == "local":
        with LocalCluster(n_workers=default_workers(), threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster, Client(cluster) as client:
            yield client
        return
    with Client(address) as client:
        yield client


def dask_ordered(table: PairTable, chunks: Sequence[Chunk], address: Any) -> Iterator[ChunkOutcome]:
    """The chunks' outcomes, in chunk order, computed as Dask tasks."""
    with dask_client(address) as client:
        shared = client.scatter(table, broadcast=True, hash=False)
        futures = [client.submit(run_chunk, shared, list(seeds), list(sizes), pure=False) for seeds, sizes in chunks]
        try:
            for future in futures:
                yield future.result()
        finally:
            client.cancel(futures)
