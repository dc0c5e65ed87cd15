"""node-problem-detector's system-log-monitor rule files, read and matched as NPD matches them.

A rule file (``kernel-monitor.json`` …) names the log it watches (``plugin``: ``kmsg`` for
kernel messages, ``journald`` with ``pluginConfig.source`` the ``SYSLOG_IDENTIFIER``,
``filelog``), the ``source`` that reports (``kernel-monitor``), the default ``conditions``
(False) and ``rules``: a *temporary* rule emits an event with its ``reason``; a
*permanent* one sets its ``condition`` True with its ``reason`` (and, when that changes the
condition, emits an event too). NPD keeps the last ``bufferSize`` lines (default 10),
joined by newlines, and a rule matches when its ``pattern`` matches at the end of them
(``pattern + \\z``); the matched lines are the ones from where the match starts, and the
first of them gives the time.
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from riskmodel.errors import InputError

SHIPPED_RULES = Path(__file__).resolve().parent / "npd_rules"
"""The rule files shipped with the ``logs:`` source (see their SOURCES.md)."""
KERNEL = "kernel"
DEFAULT_BUFFER = 10


@dataclass(frozen=True)
class Rule:
    type: str
    reason: str
    pattern: re.Pattern[str]
    condition: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class Monitor:
    """One rule file: which lines it reads (``identifier``), who reports, conditions and rules."""

    file: str
    source: str
    identifier: str
    buffer_size: int
    conditions: tuple[tuple[str, str, str], ...]
    """(type, default reason, default message) of each condition, False until a rule sets it."""
    rules: tuple[Rule, ...]


def _text(data: dict[str, Any], key: str, file: str, path: str, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise InputError(file, f"expected a non-empty string, got {value!r}", field=f"{path}{key}")
    return value


def _identifier(data: dict[str, Any], file: str) -> str:
    """The SYSLOG_IDENTIFIER a monitor reads: kernel for kmsg and kern.log, else the journald source."""
    plugin = _text(data, "plugin", file, "")
    config = data.get("pluginConfig") or {}
    if plugin == "journald":
        return _text(config, "source", file, "pluginConfig.")
    if plugin == "kmsg" or (plugin == "filelog" and "kern" in str(data.get("logPath", ""))):
        return KERNEL
    raise InputError(file, f"plugin {plugin!r} with logPath {data.get('logPath')!r} is not a log this source reads; "
                           "expected kmsg, journald, or filelog of the kernel log", field="plugin")


def _rule(raw: Any, file: str, index: int, conditions: set[str]) -> Rule:
    path = f"rules[{index}]."
    if not isinstance(raw, dict):
        raise InputError(file, "expected a rule object", field=f"rules[{index}]")
    kind = _text(raw, "type", file, path)
    if kind not in ("temporary", "permanent"):
        raise InputError(file, f"expected type temporary or permanent, got {kind!r}", field=f"{path}type")
    condition = _text(raw, "condition", file, path, required=kind == "permanent")
    if kind == "permanent" and condition not in conditions:
        raise InputError(file, f"condition {condition!r} is not among the file's conditions", field=f"{path}condition")
    source = _text(raw, "pattern", file, path)
    try:
        pattern = re.compile(source + r"\Z")  # NPD compiles pattern + `\z`: it must match to the end
    except re.error as error:
        raise InputError(file, f"invalid regular expression ({error})", field=f"{path}pattern") from None
    return Rule(kind, _text(raw, "reason", file, path), pattern, condition,
                _text(raw, "patternGeneratedMessageSuffix", file, path, required=False))


def load_monitor(path: Path) -> Monitor:
    """One system-log-monitor rule file, checked; errors name the file and the field."""
    file = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(file, f"unreadable rule file: {error}") from None
    if not isinstance(data, dict):
        raise InputError(file, "expected a JSON object (a node-problem-detector system log monitor config)")
    identifier = _identifier(data, file)
    conditions = []
    for index, raw in enumerate(data.get("conditions") or []):
        if not isinstance(raw, dict):
            raise InputError(file, "expected a condition object", field=f"conditions[{index}]")
        where = f"conditions[{index}]."
        conditions.append((_text(raw, "type", file, where), _text(raw, "reason", file, where),
                           _text(raw, "message", file, where, required=False)))
    types = {c[0] for c in conditions}
    rules = tuple(_rule(raw, file, i, types) for i, raw in enumerate(data.get("rules") or []))
    size = data.get("bufferSize") or DEFAULT_BUFFER
    if not isinstance(size, int) or size < 1:
        raise InputError(file, f"expected a whole number of lines >= 1, got {size!r}", field="bufferSize")
    return Monitor(file, _text(data, "source", file, ""), identifier, size, tuple(conditions), rules)


def load_monitors(folder: Path = SHIPPED_RULES) -> tuple[Monitor, ...]:
    """Every ``*.json`` rule file of a folder (default: the rule files shipped with this source)."""
    files = sorted(folder.glob("*.json")) if folder.is_dir() else [folder]
    if not files:
        raise InputError(str(folder), "no *.json rule files; expected node-problem-detector system log monitor configs")
    return tuple(load_monitor(path) for path in files)


@dataclass(frozen=True)
class Status:
    """What one match reports: an event (always for temporary rules) and/or a condition change."""

    reason: str
    message: str
    timestamp: datetime | None
    condition: str = ""
    event: bool = True


@dataclass
class MonitorState:
    """One monitor on one node: its log buffer and its conditions, as NPD's log monitor keeps them."""

    monitor: Monitor
    lines: deque[tuple[str, datetime | None]] = field(default_factory=deque)
    conditions: dict[str, tuple[bool, str, str, datetime | None]] = field(default_factory=dict)
    """type → (status True, reason, message, transition time)."""

    def __post_init__(self) -> None:
        self.lines = deque(maxlen=self.monitor.buffer_size)
        self.conditions = {t: (False, reason, message, None) for t, reason, message in self.monitor.conditions}

    def _match(self, rule: Rule) -> list[tuple[str, datetime | None]]:
        slots = [""] * (self.monitor.buffer_size - len(self.lines)) + [message for message, _ in self.lines]
        joined = "\n".join(slots)
        found = rule.pattern.search(joined)
        if found is None:
            return []
        remaining = len(joined) - found.start() - 1
        matched, total = [], 0
        for line in reversed(self.lines):
            matched.append(line)
            total += len(line[0]) + 1
            if total > remaining:
                break
        return matched[::-1]

    def push(self, message: str, timestamp: datetime | None) -> list[Status]:
        """Add one log line; return what the rules report for it."""
        self.lines.append((message, timestamp))
        found = []
        for rule in self.monitor.rules:
            matched = self._match(rule)
            if not matched:
                continue
            text = "\n".join(m for m, _ in matched) + (f"; {rule.suffix}" if rule.suffix else "")
            when = matched[0][1]
            if rule.type == "temporary":
                found.append(Status(rule.reason, text, when))
                continue
            status, reason, _, since = self.conditions[rule.condition]
            changed = not status or reason != rule.reason
            self.conditions[rule.condition] = (True, rule.reason, text if changed else self.conditions[rule.condition][2],
                                               when if changed else since)
            found.append(Status(rule.reason, f"Node condition {rule.condition} is now: True, reason: {rule.reason}, "
                                             f"message: {json.dumps(text)}" if changed else text,
                                when, rule.condition, event=changed))
        return found
