"""The ``file:PATH`` sink: JSON lines, one object per figure, appended one batch at a time.

``{"time": "2026-11-26T10:05:00Z", "timestamp_ns": 1795…, "cluster": "demo", "metric":
"risk/eal_per_year", "tags": {"cluster": "demo", "type": "cluster"}, "value": 1420231.74}``.
A batch is written in one ``write`` of the whole text; if that fails (disk full), the file is
cut back to its length before, so it never ends in half a batch, and the retry writes it whole.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from riskmodel.errors import InputError
from riskmodel.report.sinks.base import SinkError
from riskmodel.report.sinks.figures import Batch
from riskmodel.report.sinks.log import batch_time


def batch_lines(batch: Batch) -> str:
    when = batch_time(batch)
    return "".join(json.dumps({"time": when, "timestamp_ns": batch.timestamp_ns, "cluster": batch.cluster,
                               "metric": figure.metric, "tags": dict(figure.tags), "value": figure.value},
                              separators=(",", ":")) + "\n"
                   for figure in batch.figures)


def _cut_back(descriptor: int, size: int) -> str:
    try:
        os.ftruncate(descriptor, size)
    except OSError as error:
        return f"could not cut the file back to {size} bytes ({error.strerror or error}): it may end in half a batch"
    return f"cut back to {size} bytes"


class FileSink:
    keeps_history = True

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"file:{path}"

    def write(self, batch: Batch) -> int:
        data = batch_lines(batch).encode("utf-8")
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as error:
            raise SinkError(f"{self.name}: cannot open ({error.strerror or error})") from None
        try:
            before = os.fstat(descriptor).st_size
            try:
                written = os.write(descriptor, data)
                if written != len(data):
                    raise OSError(f"short write: {written} of {len(data)} bytes")
                os.fsync(descriptor)
            except OSError as error:
                raise SinkError(f"{self.name}: write failed ({getattr(error, 'strerror', None) or error}); "
                                f"{_cut_back(descriptor, before)}") from None
        finally:
            os.close(descriptor)
        return len(batch.figures)

    def close(self) -> None:
        return None


def open_sink(argument: str) -> FileSink:
    if not argument:
        raise InputError("--sink", "expected file:PATH (a JSON-lines file to append to), got file: with no path")
    path = Path(argument)
    if path.is_dir():
        raise InputError("--sink", f"file:{argument} is a directory; expected a file path to append JSON lines to")
    if not path.parent.exists():
        raise InputError("--sink", f"file:{argument}: folder {path.parent} does not exist")
    return FileSink(path)
