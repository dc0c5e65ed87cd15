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
import math
import re
from datetime import UTC, datetime

from riskmodel.errors import InputError
from riskmodel.files.reading import checked_path, read_text
from riskmodel.model.bounds import MAX_CPU_MILLICORES, MAX_MEMORY_BYTES
from riskmodel.model.evidence import Evidence, NodeMetric
from riskmodel.sources.dump import ClusterDump

FIELDS = {
    "cpu/usage_rate": "cpu_usage_millicores",
    "memory/working_set": "memory_working_set_bytes",
    "cpu/node_allocatable": "cpu_allocatable_millicores",
    "memory/node_allocatable": "memory_allocatable_bytes",
}
LIMITS = {
    "cpu/usage_rate": (MAX_CPU_MILLICORES, "millicores"),
    "memory/working_set": (MAX_MEMORY_BYTES, "bytes"),
    "cpu/node_allocatable": (MAX_CPU_MILLICORES, "millicores"),
    "memory/node_allocatable": (MAX_MEMORY_BYTES, "bytes"),
}
"""The largest value of each used measurement, in its unit."""
Point = tuple[str, dict[str, str], float, datetime | None]
_ESCAPED_SPLIT = re.compile(r"(?<!\\)[ ]")
_EARLIEST, _LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)


def _time(raw: str, file: str, line: int, nanoseconds: bool) -> datetime | None:
    """A point's time: integer nanoseconds since the epoch, or RFC 3339 (UTC when no offset)."""
    if not raw:
        return None
    expected = "expected nanoseconds since 1970 or an RFC 3339 time between 1970 and 9999"
    try:
        if raw.lstrip("-").isdigit():
            if len(raw) > 25:  # past any datetime; int() of a huge string is slow
                raise ValueError(raw)
            number = int(raw)
            moment = datetime.fromtimestamp(number / 1e9 if nanoseconds else number, UTC)
        else:
            moment = datetime.fromisoformat(raw)
            moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        raise InputError(file, f"timestamp {raw[:40]!r} out of range; {expected}", line=line) from None
    if not _EARLIEST <= moment <= _LATEST:
        raise InputError(file, f"timestamp {raw[:40]!r} out of range; {expected}", line=line)
    return moment


def _value(raw: str | None, file: str, line: int, column: str) -> float:
    try:
        value = float(raw.rstrip("i") if raw is not None else "")
    except ValueError:
        raise InputError(file, f"expected a number in {column}, got {raw!r}", line=line) from None
    if not math.isfinite(value):
        raise InputError(file, f"expected a finite number in {column}, got {raw!r}", line=line)
    return value


def _checked(point: Point, file: str, line: int) -> Point:
    name, _, value, _ = point
    if name in LIMITS and not 0 <= value <= LIMITS[name][0]:
        most, unit = LIMITS[name]
        raise InputError(file, f"{name} value {value:g}; expected 0 to {most:,.0f} {unit}", line=line)
    return point


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
        value = _value(fields["value"], file, number, "value=")
        labels = dict(tag.split("=", 1) for tag in tags if "=" in tag)
        points.append(_checked((name, labels, value, _time(parts[2] if len(parts) == 3 else "", file, number, True)),
                               file, number))
    return points


def parse_csv(text: str, file: str) -> list[Point]:
    """An ``influx -format csv`` export: header ``name,time,…tags…,value``."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        if not reader.fieldnames or not {"name", "value"} <= set(reader.fieldnames):
            raise InputError(file, f"expected CSV columns name,time,…,value, got {str(reader.fieldnames)[:200]}", line=1)
        points = []
        for row in reader:
            number = reader.line_num
            if None in row or None in row.values():
                raise InputError(file, f"expected {len(reader.fieldnames)} columns as in the header", line=number)
            value = _value(row["value"], file, number, "column value")
            labels = {k: v for k, v in row.items() if k not in ("name", "time", "value") and v}
            points.append(_checked((row["name"], labels, value, _time(row.get("time") or "", file, number, True)),
                                   file, number))
    except csv.Error as error:
        raise InputError(file, f"expected CSV as influx -format csv writes it ({error})", line=reader.line_num) from None
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
    if not argument:
        raise InputError("--source", "heapster: needs a file (InfluxDB line protocol, or influx -format csv)")
    path = checked_path(argument, "--source")
    text = read_text(path, expected="InfluxDB line protocol or an influx -format csv export")
    points = parse_csv(text, argument) if path.suffix == ".csv" else parse_line_protocol(text, argument)
    return points_to_dump(points, f"heapster:{argument}")
