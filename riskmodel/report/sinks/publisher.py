"""Publishing batches to several sinks at once, each on its own thread, as Heapster's sink
manager did: a slow or failing sink never holds up the others.

A failed write is reported and the same batch retried after a backoff (1 s, 2 s, 4 s … at most
60 s); batches published meanwhile wait behind it, in order, for a sink that keeps history (a
file, InfluxDB: a backfill after recovery), while a sink that shows only the present (the
``/metrics`` page) waits for the newest one alone. At most ``max_waiting`` batches wait per
sink; past that the oldest is dropped, and that is reported too. Every outcome goes to the
``report`` callback as a :class:`SinkEvent`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from riskmodel.report.sinks.base import Sink, SinkError
from riskmodel.report.sinks.figures import Batch, Tags

Outcome = Literal["written", "failed", "dropped"]


@dataclass(frozen=True)
class SinkEvent:
    """What happened to one batch at one sink. ``attempt`` counts tries of this batch (1: first),
    ``retry_in_seconds`` is set after a failure, ``waiting`` is how many batches still wait."""

    sink: str
    outcome: Outcome
    timestamp_ns: int
    series: int
    attempt: int
    waiting: int
    retry_in_seconds: float | None = None
    message: str = ""


Report = Callable[[SinkEvent], None]


@dataclass(frozen=True)
class Backoff:
    """Seconds to wait before retry number ``failures`` (1, 2, 4, … capped)."""

    initial_seconds: float = 1.0
    factor: float = 2.0
    max_seconds: float = 60.0

    def delay(self, failures: int) -> float:
        return float(min(self.max_seconds, self.initial_seconds * self.factor ** max(failures - 1, 0)))


@dataclass
class SinkStats:
    """What one sink wrote: batches, points (figures) and distinct series, and failed attempts."""

    batches: int = 0
    points: int = 0
    failures: int = 0
    dropped: int = 0
    series: set[tuple[str, Tags]] = field(default_factory=set)


class _Worker:
    def __init__(self, sink: Sink, report: Report, backoff: Backoff, max_waiting: int) -> None:
        self.sink = sink
        self.stats = SinkStats()
        self._report = report
        self._backoff = backoff
        self._max_waiting = max_waiting
        self._queue: deque[Batch] = deque()
        self._busy = False
        self._stopping = False
        self._condition = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=f"sink {sink.name}", daemon=True)
        self._thread.start()

    def offer(self, batch: Batch) -> None:
        with self._condition:
            if not self.sink.keeps_history:
                self._queue.clear()
            elif len(self._queue) - self._busy >= self._max_waiting:
                oldest = 1 if self._busy else 0  # never the batch being written
                dropped = self._queue[oldest]
                del self._queue[oldest]
                self.stats.dropped += 1
                self._report(SinkEvent(self.sink.name, "dropped", dropped.timestamp_ns, 0, 0, len(self._queue),
                                       message=f"more than {self._max_waiting} batches waiting; the oldest dropped"))
            self._queue.append(batch)
            self._condition.notify_all()

    def _next(self) -> Batch | None:
        with self._condition:
            self._condition.wait_for(lambda: self._queue or self._stopping)
            if self._stopping:
                return None
            self._busy = True
            return self._queue[0]

    def _attempt(self, batch: Batch) -> tuple[int | None, str]:
        try:
            return self.sink.write(batch), ""
        except SinkError as error:
            return None, str(error)
        except Exception as error:  # a sink's own bug must not kill its thread or leak a URL
            return None, f"{self.sink.name}: unexpected {type(error).__name__} in the sink"

    def _run(self) -> None:
        failures = 0
        while (batch := self._next()) is not None:
            series, message = self._attempt(batch)
            with self._condition:
                self._busy = False
                if series is None:
                    failures += 1
                    self.stats.failures += 1
                    delay = self._backoff.delay(failures)
                    self._report(SinkEvent(self.sink.name, "failed", batch.timestamp_ns, 0, failures,
                                           len(self._queue), delay, message))
                    self._condition.notify_all()
                    self._condition.wait_for(lambda: self._stopping, timeout=delay)
                    continue
                if self._queue and self._queue[0] is batch:
                    self._queue.popleft()
                self.stats.batches += 1
                self.stats.points += series
                self.stats.series.update(figure.key for figure in batch.figures)
                self._report(SinkEvent(self.sink.name, "written", batch.timestamp_ns, series, failures + 1,
                                       len(self._queue)))
                failures = 0
                self._condition.notify_all()

    def waiting(self) -> int:
        with self._condition:
            return len(self._queue)

    def wait_idle(self, timeout_seconds: float) -> bool:
        with self._condition:
            return self._condition.wait_for(lambda: not self._queue and not self._busy, timeout=timeout_seconds)

    def stop(self, join_seconds: float) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        self._thread.join(join_seconds)


class Publisher:
    """Hands every batch to every sink; see the module docstring for retries and order."""

    def __init__(self, sinks: Sequence[Sink], report: Report, backoff: Backoff = Backoff(),
                 max_waiting: int = 288) -> None:
        self._workers = [_Worker(sink, report, backoff, max_waiting) for sink in sinks]

    @property
    def stats(self) -> dict[str, SinkStats]:
        return {worker.sink.name: worker.stats for worker in self._workers}

    def publish(self, batch: Batch) -> None:
        for worker in self._workers:
            worker.offer(batch)

    def flush(self, timeout_seconds: float) -> dict[str, int]:
        """Wait up to ``timeout_seconds`` in all for every sink to catch up; the batches still
        waiting per sink that did not."""
        deadline = time.monotonic() + timeout_seconds
        for worker in self._workers:
            worker.wait_idle(max(0.0, deadline - time.monotonic()))
        return {worker.sink.name: worker.waiting() for worker in self._workers if worker.waiting()}

    def close(self, join_seconds: float = 2.0) -> None:
        """Stop the threads (a write under way may finish on its own) and close every sink."""
        for worker in self._workers:
            worker.stop(join_seconds)
        for worker in self._workers:
            worker.sink.close()
