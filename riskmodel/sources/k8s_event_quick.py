"""Core ``v1`` Events in their usual shape, read without building field paths.

A capture can hold 100,000 Events. :func:`quick_event` reads the fields the checked reader
(:func:`.k8s_evidence.checked_event`) reads, with the same checks, in plain dict access, and gives
up (None) on anything it does not take exactly as that reader would (a field of the wrong type,
an ``events.k8s.io`` Event, a YAML datetime, times in the wrong order): that reader then reads the
Event, with its clear error if it has one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from riskmodel.model.evidence import NodeEvent
from riskmodel.sources.k8s_fields import ParseContext, checked_text, checked_time


def _count(value: Any) -> tuple[bool, int | None]:
    """``integer()``: (True, the count or None when absent), (False, None) where it would raise."""
    if value is None:
        return True, None
    return (False, None) if isinstance(value, bool) or not isinstance(value, int) or value < 0 else (True, value)


def _times(raw: dict[str, Any], series: dict[str, Any]) -> tuple[datetime | None, datetime | None] | None:
    """(first, last) as the checked reader takes them, or None where any of the four times is bad."""
    found = [checked_time(raw.get(key)) for key in ("eventTime", "firstTimestamp", "lastTimestamp")]
    found.append(checked_time(series.get("lastObservedTime")))
    if not all(ok for ok, _ in found):
        return None
    event_time, first, last, observed = (moment for _, moment in found)
    first = first or event_time
    last = last or observed
    return first, last or event_time or first


def quick_event(raw: dict[str, Any], ctx: ParseContext) -> NodeEvent | str | None:
    """The Event as :func:`.k8s_evidence.checked_event` reads it (a NodeEvent or the reason it is
    skipped), or None to leave it to that reader."""
    if str(raw.get("apiVersion", "v1")) != "v1":
        return None
    involved, source, series = raw.get("involvedObject"), raw.get("source"), raw.get("series")
    if not isinstance(involved, dict) or not isinstance(source, dict | None) or not isinstance(series, dict | None):
        return None
    source, series = source or {}, series or {}
    texts = [checked_text(value) for value in (
        source.get("component"), raw.get("reportingComponent"), involved.get("kind"), involved.get("name"),
        raw.get("reason"), raw.get("type"), raw.get("message"), raw.get("note"))]
    counts = (_count(raw.get("count")), _count(series.get("count")))
    times = _times(raw, series)
    if None in texts or not all(ok for ok, _ in counts) or times is None or not texts[4]:
        return None
    component, reporting, kind, name, reason, kind_of_event, message, note = texts
    first, last = times
    host = source.get("host")
    node = name if kind == "Node" else (host if isinstance(host, str) else "")
    if not node:
        return f"events about a {kind or 'unnamed'} object with no node (source.host) to count them for"
    if ctx.in_future(last) or ctx.in_future(first):
        return "events dated after the reading time; not counted"
    if first is not None and last is not None and last < first:
        return None
    return NodeEvent(node=node or "", reason=reason or "", count=counts[0][1] or counts[1][1] or 1,
                     first_timestamp=first, last_timestamp=last, source_component=component or reporting or "",
                     type=kind_of_event or "Normal", message=message or note or "")
