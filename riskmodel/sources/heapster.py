"""The ``heapster`` source: Heapster's InfluxDB sink schema as an import format.

Heapster (retired) wrote one measurement per metric (``cpu/usage_rate`` in millicores,
``memory/working_set`` in bytes, ``cpu/node_allocatable`` millicores,
``memory/node_allocatable`` bytes …), field ``value``, tags ``nodename``, ``type``
(``node``, ``pod``, ``pod_container``, ``sys_container``, ``ns``, ``cluster``), ``pod_name``,
``namespace_name``. Read from InfluxDB line protocol or an ``influx -format csv`` export
(columns ``name,time,<tags…>,value``). Only ``type=node`` series give node utilisation; the
latest point of each (node, metric) counts; other series are reported as skipped.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

from riskmodel.errors import InputError
from riskmodel.model.evidence import Evidence, NodeMetric
from riskmodel.sources.dump import ClusterDump

FIELDS = {
    "cpu/usage_rate": "cpu_usage_millicores",
    "memory/working_set": "memory_working_set_bytes",
    "cpu/node_allocatable": "cpu_allocatable_millicores",
    "memory/node_allocatable": "memory_allocatable_bytes",
}
Point = tuple[str, dict[str, str], float, datetime | None]
_ESCAPED_SPLIT = re.compile(r"(?<!\\)[ ]")


def _time(raw: str, file: str, line: int, nanoseconds: bool) -> datetime | None:
    if not raw:
        return None
    try:
        number = int(raw)
    except ValueError:
        try:
            return datetime.fromisoformat(raw).astimezone(UTC)
        except ValueError:
            raise InputError(file, f"expected a timestamp, got {raw!r}", line=line) from None
    return datetime.fromtimestamp(number / 1e9 if nanoseconds else number, UTC)


def parse_line_protocol(text: str, file: str) -> list[Point]:
    """``cpu/usage_rate,nodename=n1,type=node value=250 1526400000000000000`` lines."""
    points = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = _ESCAPED_SPLIT.split(line.strip())
        if len(parts) not in (2, 3):
            raise InputError(file, f"expected 'measurement,tags value=N [time]', got {line[:80]!r}", line=number)
        series, fields = parts[0], dict(f.split("=", 1) for f in parts[1].split(",") if "=" in f)
        name, *tags = series.replace("\\ ", " ").split(",")
        if "value" not in fields:
            raise InputError(file, f"expected a 'value' field, got {parts[1]!r}", line=number)
        try:
            value = float(fields["value"].rstrip("i"))
        except ValueError:
            raise InputError(file, f"expected a number in value=, got {fields['value']!r}", line=number) from None
        labels = dict(tag.split("=", 1) for tag in tags if "=" in tag)
        points.append((name, labels, value, _time(parts[2] if len(parts) == 3 else "", file, number, True)))
    return points


def parse_csv(text: str, file: str) -> list[Point]:
    """An ``influx -format csv`` export: header ``name,time,…tags…,value``."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"name", "value"} <= set(reader.fieldnames):
        raise InputError(file, f"expected CSV columns name,time,…,value, got {reader.fieldnames}", line=1)
    points = []
    for number, row in enumerate(reader, start=2):
        try:
            value = float(row["value"])
        except (TypeError, ValueError):
            raise InputError(file, f"expected a number in column value, got {row['value']!r}", line=number) from None
        labels = {k: v for k, v in row.items() if k not in ("name", "time", "value") and v}
        points.append((row["name"], labels, value, _time(row.get("time") or "", file, number, True)))
    return points


def points_to_dump(points: list[Point], source: str) -> ClusterDump:
    """Latest node-level point per (node, metric) → one NodeMetric per node."""
    latest: dict[tuple[str, str], tuple[datetime | None, float]] = {}
    skipped: dict[str, int] = {}
    for name, labels, value, when in points:
        node = labels.get("nodename")
        if name not in FIELDS or labels.get("type") != "node" or not node:
            key = f"{name} type={labels.get('type', '?')}"
            skipped[key] = skipped.get(key, 0) + 1
            continue
        previous = latest.get((node, name))
        if previous is None or (when and (previous[0] is None or when >= previous[0])):
            latest[(node, name)] = (when, value)
    by_node: dict[str, dict[str, float]] = {}
    times: dict[str, datetime] = {}
    for (node, name), (when, value) in latest.items():
        by_node.setdefault(node, {})[FIELDS[name]] = value
        if when and (node not in times or when > times[node]):
            times[node] = when
    metrics = tuple(NodeMetric(node=n, timestamp=times.get(n), **v) for n, v in sorted(by_node.items()))
    lines = [f"{count} × {key} points not used (only node-level utilisation and allocatable are)" for key, count in skipped.items()]
    observed = max(times.values()) if times else None
    dump = ClusterDump(skipped=lines)
    dump.evidence = Evidence(metrics=metrics, observed_at=observed, sources=(source,), skipped=tuple(lines))
    return dump


def read_uri(argument: str) -> ClusterDump:
    """The registry's reader for ``heapster:FILE`` (``.csv`` or line protocol)."""
    path = Path(argument)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(argument or "heapster:", f"cannot read: {error.strerror or error}") from None
    points = parse_csv(text, argument) if path.suffix == ".csv" else parse_line_protocol(text, argument)
    return points_to_dump(points, f"heapster:{argument}")
