"""The ``log`` sink: one readable line per figure, as Heapster's log sink printed its batches.

``2026-11-26T10:05:00Z risk/eal_per_year cluster=demo type=service service=checkout 412345.67 $/year``
— the value with two decimals (a ratio with four), then its unit.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TextIO

from riskmodel.report.sinks.base import SinkError
from riskmodel.report.sinks.figures import BUDGET_SHARE, UNITS, Batch, Figure


def figure_line(figure: Figure, when: str) -> str:
    tags = " ".join(f"{key}={value}" for key, value in figure.tags)
    value = f"{figure.value:.4f}" if figure.metric == BUDGET_SHARE else f"{figure.value:.2f}"
    return f"{when} {figure.metric} {tags} {value} {UNITS[figure.metric]}"


def utc_time(timestamp_ns: int) -> str:
    """``2026-11-26T10:05:00Z``: a batch's time as the file and log sinks write it."""
    return datetime.fromtimestamp(timestamp_ns // 1_000_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def batch_time(batch: Batch) -> str:
    return utc_time(batch.timestamp_ns)


class LogSink:
    """Writes every batch to a text stream (standard output by default) in one write."""

    keeps_history = True

    def __init__(self, stream: TextIO | None = None) -> None:
        self.name = "log"
        self._stream = stream

    def write(self, batch: Batch) -> int:
        when = batch_time(batch)
        text = "".join(figure_line(figure, when) + "\n" for figure in batch.figures)
        stream = self._stream or sys.stdout
        try:
            stream.write(text)
            stream.flush()
        except OSError as error:
            raise SinkError(f"log: cannot write to standard output ({error.strerror or error})") from None
        return len(batch.figures)

    def close(self) -> None:
        return None


def open_sink(argument: str) -> LogSink:
    """``log`` takes no argument."""
    if argument:
        from riskmodel.errors import InputError

        raise InputError("--sink", f"the log sink takes no argument, got log:{argument}")
    return LogSink()
