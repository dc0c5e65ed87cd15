"""The ``logs`` source: node logs, judged by node-problem-detector's own rule files.

Central logging (Fluentd and the like) already holds the kernel and system logs of every
node. ``logs:PATH`` (a file or a folder) reads them and applies NPD's system-log-monitor
rules (:mod:`.npd_monitor`; the shipped ``kernel-monitor``, ``readonly-monitor``,
``docker-monitor`` and ``systemd-monitor``, or ``#rules=DIR``) per node, in the order the
lines come, and emits the events and conditions NPD would have reported, with their times.

Lines it reads, one per line:

* Fluentd JSON records: the message from ``log``/``message``/``MESSAGE``/``msg``, the node
  from ``kubernetes.host``/``host``/``hostname``/``_HOSTNAME``, the time from
  ``time``/``@timestamp``/``timestamp``/``__REALTIME_TIMESTAMP`` (microseconds), the
  program from ``SYSLOG_IDENTIFIER``/``ident``/``programname`` (default: the kernel);
* syslog lines (``/var/log/kern.log``, ``messages``): ``Jan  2 15:04:05 host kernel: [12.3] …``
  (the year from ``#year=YYYY``, else the current one, as NPD's filelog watcher does);
* ``journalctl -o short-iso`` lines: ``2024-05-01T12:00:00+0000 host dockerd[812]: …``;
* plain kernel messages (``dmesg``, ``/dev/kmsg`` records, NPD's own test logs): no time.

Messages are trimmed of surrounding whitespace, as NPD's kmsg and journald watchers do.

The node of a file without node names in its lines is ``#node=NAME``, else the file name up
to its first dot. A line whose program no rule file reads is counted and skipped.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from riskmodel.errors import InputError
from riskmodel.model.evidence import Evidence, NodeCondition, NodeEvent
from riskmodel.sources.dump import ClusterDump
from riskmodel.sources.npd_monitor import KERNEL, SHIPPED_RULES, Monitor, MonitorState, load_monitors

_SYSLOG = re.compile(r"^(?P<time>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (?P<host>\S+) (?P<ident>[^\s:\[]+)(\[\d+\])?: ?"
                     r"(?P<message>.*)$")
_ISO = re.compile(r"^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?) (?P<host>\S+) "
                  r"(?P<ident>[^\s:\[]+)(\[\d+\])?: ?(?P<message>.*)$")
_KMSG = re.compile(r"^\d+,\d+,\d+,[^;]*;(?P<message>.*)$")
_DMESG_PREFIX = re.compile(r"^\[\s*\d+\.\d+\] ")
_MESSAGE_KEYS = ("log", "message", "MESSAGE", "msg")
_HOST_KEYS = ("host", "hostname", "_HOSTNAME")
_TIME_KEYS = ("time", "@timestamp", "timestamp")
_IDENT_KEYS = ("SYSLOG_IDENTIFIER", "ident", "programname")


@dataclass(frozen=True)
class LogLine:
    node: str
    identifier: str
    message: str
    timestamp: datetime | None


def _iso(value: str) -> datetime | None:
    text = value.strip().replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _plain(text: str, node: str, year: int) -> LogLine:
    """A text line: syslog, journalctl short-iso, a kmsg record, dmesg or a bare kernel message."""
    for pattern in (_SYSLOG, _ISO):
        found = pattern.match(text)
        if found:
            if pattern is _SYSLOG:
                moment: datetime | None = datetime.strptime(f"{year} {found['time']}", "%Y %b %d %H:%M:%S").replace(tzinfo=UTC)
            else:
                moment = _iso(found["time"])
            message = _DMESG_PREFIX.sub("", found["message"]).strip()
            return LogLine(found["host"] or node, found["ident"], message, moment)
    kmsg = _KMSG.match(text)
    if kmsg:
        text = kmsg["message"]
    return LogLine(node, KERNEL, _DMESG_PREFIX.sub("", text.strip()).strip(), None)


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((record[key] for key in keys if record.get(key) not in (None, "")), None)


def _json(record: dict[str, Any], node: str, year: int, file: str, number: int) -> LogLine:
    """A Fluentd record; its message may itself be a syslog line."""
    message = _first(record, _MESSAGE_KEYS)
    if not isinstance(message, str):
        raise InputError(file, f"a JSON log record needs a message in one of {', '.join(_MESSAGE_KEYS)}", line=number)
    kubernetes = record.get("kubernetes")
    host = kubernetes.get("host") if isinstance(kubernetes, dict) else record.get("kubernetes.host")
    host = host or _first(record, _HOST_KEYS) or node
    inner = _plain(message.rstrip("\n"), str(host), year)
    moment = inner.timestamp
    raw_time = _first(record, _TIME_KEYS)
    if isinstance(raw_time, str):
        moment = _iso(raw_time) or moment
    elif isinstance(raw_time, (int, float)):
        moment = datetime.fromtimestamp(raw_time, UTC)
    usec = record.get("__REALTIME_TIMESTAMP")
    if isinstance(usec, (str, int)) and str(usec).isdigit():
        moment = datetime.fromtimestamp(int(usec) / 1e6, UTC)
    ident = _first(record, _IDENT_KEYS) or (inner.identifier if inner.timestamp else KERNEL)
    return LogLine(str(host), str(ident), inner.message, moment)


def read_lines(path: Path, node: str, year: int) -> list[LogLine]:
    """The log lines of one file, parsed (JSON records and text lines may mix)."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise InputError(file, f"cannot read: {error.strerror or error}") from None
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        if raw.lstrip().startswith("{"):
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as error:
                raise InputError(file, f"invalid JSON log record ({error.msg}); expected one Fluentd record per line",
                                 line=number) from None
            if not isinstance(record, dict):
                raise InputError(file, "expected a JSON object per line", line=number)
            lines.append(_json(record, node, year, file, number))
        else:
            lines.append(_plain(raw, node, year))
    return lines


def _emit(lines: list[LogLine], monitors: tuple[Monitor, ...], source: str) -> tuple[list[NodeEvent], list[NodeCondition], Counter[str]]:
    """Run every monitor over the lines of each node, in order; what NPD would have reported."""
    states: dict[tuple[str, str], MonitorState] = {}
    by_identifier: dict[str, list[Monitor]] = {}
    for monitor in monitors:
        by_identifier.setdefault(monitor.identifier, []).append(monitor)
    events: dict[tuple[str, str, str], NodeEvent] = {}
    last_seen: dict[str, datetime] = {}
    skipped: Counter[str] = Counter()
    for line in lines:
        watching = by_identifier.get(line.identifier)
        if not watching:
            skipped[line.identifier] += 1
            continue
        if line.timestamp and (line.node not in last_seen or line.timestamp > last_seen[line.node]):
            last_seen[line.node] = line.timestamp
        for monitor in watching:
            state = states.setdefault((line.node, monitor.file), MonitorState(monitor))
            for status in state.push(line.message, line.timestamp):
                if not status.event:
                    continue
                key = (line.node, monitor.source, status.reason)
                old = events.get(key)
                events[key] = NodeEvent(
                    node=line.node, reason=status.reason, count=(old.count + 1) if old else 1,
                    first_timestamp=old.first_timestamp if old else status.timestamp, last_timestamp=status.timestamp,
                    source_component=monitor.source, type="Warning", message=status.message)
    conditions = [NodeCondition(node=node, type=kind, status="True" if on else "False", reason=reason, message=message,
                                last_transition_time=since, last_heartbeat_time=last_seen.get(node))
                  for (node, _), state in sorted(states.items())
                  for kind, (on, reason, message, since) in state.conditions.items()]
    return list(events.values()), conditions, skipped


def _options(argument: str) -> tuple[Path, dict[str, str]]:
    path, _, fragment = argument.partition("#")
    options = {}
    for part in filter(None, fragment.split(",")):
        key, sep, value = part.partition("=")
        if not sep or key not in ("node", "year", "rules"):
            raise InputError("--source", f"logs: option {part!r} unknown; expected node=NAME, year=YYYY or rules=DIR")
        options[key] = value
    if not path:
        raise InputError("--source", "logs: needs a path, e.g. logs:/var/log/kern.log#node=node-1 or logs:fluentd/")
    return Path(path), options


def read_logs(path: Path, *, node: str | None = None, year: int | None = None, rules: Path = SHIPPED_RULES) -> ClusterDump:
    """Events and conditions NPD's rules find in the log file or folder ``path``."""
    if not path.exists():
        raise InputError(str(path), "file or folder not found; expected node logs (kernel, journal or Fluentd JSON)")
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    monitors = load_monitors(rules)
    lines: list[LogLine] = []
    for file in files:
        lines += read_lines(file, node or file.name.split(".", 1)[0], year or datetime.now(UTC).year)
    events, conditions, skipped = _emit(lines, monitors, f"logs:{path}")
    dump = ClusterDump()
    times = [t for t in [e.last_timestamp for e in events] + [c.last_heartbeat_time for c in conditions] if t]
    starts = [e.first_timestamp for e in events if e.first_timestamp]
    dump.evidence = Evidence(conditions=tuple(conditions), events=tuple(events), sources=(f"logs:{path}",),
                             observed_at=max(times) if times else None, window_start=min(starts) if starts else None)
    dump.notes.append(f"logs:{path}: {len(lines)} lines of {len(files)} file(s) for {len({ln.node for ln in lines})} "
                      f"node(s); {sum(e.count for e in events)} events and "
                      f"{sum(c.status == 'True' for c in conditions)} conditions True by the rules of "
                      f"{', '.join(Path(m.file).name for m in monitors)}")
    if skipped:
        dump.notes.append(f"logs:{path}: lines of programs no rule file reads, skipped: "
                          + ", ".join(f"{ident} ×{count}" for ident, count in skipped.most_common(8)))
    untimed = sum(1 for ln in lines if ln.timestamp is None)
    if untimed:
        dump.notes.append(f"logs:{path}: {untimed} line(s) without a time (plain kernel messages): their events have "
                          "no timestamps, so they do not widen the observation window")
    return dump


def read_uri(argument: str) -> ClusterDump:
    """The registry's reader for ``logs:PATH[#node=NAME,year=YYYY,rules=DIR]``."""
    path, options = _options(argument)
    year = options.get("year")
    if year is not None and not (year.isdigit() and len(year) == 4):
        raise InputError("--source", f"logs: year must be four digits, got {year!r}")
    return read_logs(path, node=options.get("node"), year=int(year) if year else None,
                     rules=Path(options["rules"]) if "rules" in options else SHIPPED_RULES)
