"""Node conditions and Events (``v1`` and ``events.k8s.io/v1``) into evidence records.

NPD publishes permanent problems as node conditions and temporary ones as Events whose
``source.component`` is the monitor (``kernel-monitor``…); the kubelet and node controller
add their own. Both Event API versions describe the same thing with different field names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from riskmodel.model.evidence import KUBELET_CONDITION_TYPES, NPD_CONDITION_TYPES, NodeCondition, NodeEvent
from riskmodel.sources.k8s_event_quick import quick_event
from riskmodel.sources.k8s_fields import (
    ParseContext,
    Place,
    checked_text,
    checked_time,
    integer,
    mapping,
    sequence,
    text,
    timestamp,
)

KNOWN_CONDITION_TYPES = NPD_CONDITION_TYPES | KUBELET_CONDITION_TYPES
CONDITION_STATUSES = frozenset({"True", "False", "Unknown"})


def node_conditions(node: str, status: dict[str, Any], place: Place, ctx: ParseContext) -> list[NodeCondition]:
    """``status.conditions`` of one node; unknown types are kept (custom NPD plugins) and noted.
    The plain shape through :func:`quick_conditions`, the rest (and every error) checked."""
    quick = quick_conditions(node, status.get("conditions"), ctx)
    return quick if quick is not None else checked_conditions(node, status, place, ctx)


def quick_conditions(node: str, raws: Any, ctx: ParseContext) -> list[NodeCondition] | None:
    """The conditions as :func:`checked_conditions` reads them when every one is plain (a known
    type, a valid status, text and RFC 3339 times where expected, nothing after the reading
    time), without building a field path per field; None leaves the node to that reader, which
    then also makes its notes and skips (this reader has none to make)."""
    if type(raws) is not list:
        return None
    conditions = []
    for raw in raws:
        if type(raw) is not dict:
            return None
        kind, state = raw.get("type"), raw.get("status")
        if type(kind) is not str or kind not in KNOWN_CONDITION_TYPES or type(state) is not str \
                or state not in CONDITION_STATUSES:
            return None
        (since_ok, since), (heartbeat_ok, heartbeat) = (checked_time(raw.get("lastTransitionTime")),
                                                        checked_time(raw.get("lastHeartbeatTime")))
        reason, message = checked_text(raw.get("reason")), checked_text(raw.get("message"))
        if not (since_ok and heartbeat_ok) or reason is None or message is None \
                or ctx.in_future(since) or ctx.in_future(heartbeat):
            return None
        conditions.append(NodeCondition(node=node, type=kind, status=state, reason=reason, message=message,
                                        last_transition_time=since, last_heartbeat_time=heartbeat))
    return conditions


def checked_conditions(node: str, status: dict[str, Any], place: Place, ctx: ParseContext) -> list[NodeCondition]:
    """:func:`node_conditions` with every field checked where it is read, so a problem names its path."""
    conditions = []
    for index, raw in enumerate(sequence(status, "conditions", place)):
        at = place.at("conditions", index)
        if not isinstance(raw, dict):
            raise at.error(f"expected a condition object, got {type(raw).__name__}")
        kind = text(raw, "type", at)
        if not kind:
            ctx.skip("node conditions without a type ignored", f"{node} {at.path[-2]}[{index}]")
            continue
        state = text(raw, "status", at, required=True)
        if state not in CONDITION_STATUSES:
            raise at.error(f"expected status 'True', 'False' or 'Unknown', got {state!r}", "status")
        if kind not in KNOWN_CONDITION_TYPES:
            ctx.note(f"unknown condition type {kind!r} kept as evidence (a catalog signal may name it)", node)
        since = timestamp(raw, "lastTransitionTime", at)
        heartbeat = timestamp(raw, "lastHeartbeatTime", at)
        if ctx.in_future(since) or ctx.in_future(heartbeat):
            ctx.skip("condition time after the reading time; times dropped, status kept", f"{node}/{kind}")
            since = heartbeat = None
        conditions.append(
            NodeCondition(
                node=node,
                type=kind,
                status=state,
                reason=text(raw, "reason", at),
                message=text(raw, "message", at),
                last_transition_time=since,
                last_heartbeat_time=heartbeat,
            )
        )
    return conditions


def _v1_fields(raw: dict[str, Any], place: Place) -> tuple[dict[str, Any], str, int, datetime | None, datetime | None]:
    """(involved object, source component, count, first, last) of a core ``v1`` Event."""
    involved = mapping(raw, "involvedObject", place, required=True)
    source = mapping(raw, "source", place)
    series = mapping(raw, "series", place)
    component = text(source, "component", place.at("source")) or text(raw, "reportingComponent", place)
    count = integer(raw, "count", place) or integer(series, "count", place.at("series")) or 1
    event_time = timestamp(raw, "eventTime", place)
    first = timestamp(raw, "firstTimestamp", place) or event_time
    last = timestamp(raw, "lastTimestamp", place) or timestamp(series, "lastObservedTime", place.at("series"))
    return involved, component, count, first, last or event_time or first


def _events_v1_fields(
    raw: dict[str, Any], place: Place
) -> tuple[dict[str, Any], str, int, datetime | None, datetime | None]:
    """The same five of an ``events.k8s.io/v1`` Event (``regarding``, ``series.count``…)."""
    involved = mapping(raw, "regarding", place, required=True)
    series = mapping(raw, "series", place)
    source = mapping(raw, "deprecatedSource", place)
    component = text(raw, "reportingController", place) or text(source, "component", place.at("deprecatedSource"))
    count = integer(series, "count", place.at("series")) or integer(raw, "deprecatedCount", place) or 1
    event_time = timestamp(raw, "eventTime", place)
    first = timestamp(raw, "deprecatedFirstTimestamp", place) or event_time
    last = (
        timestamp(series, "lastObservedTime", place.at("series"))
        or timestamp(raw, "deprecatedLastTimestamp", place)
        or event_time
    )
    return involved, component, count, first, last or first


def _host(raw: dict[str, Any], is_v1: bool) -> str:
    source = raw.get("source" if is_v1 else "deprecatedSource")
    host = source.get("host") if isinstance(source, dict) else None
    return host if isinstance(host, str) else ""


def node_event(raw: dict[str, Any], place: Place, ctx: ParseContext) -> NodeEvent | str:
    """One Event as evidence about a node, or why it is not one (it names no node, or is dated
    after the reading time): the reader reports that reason.

    An Event about a Node names it in ``involvedObject``/``regarding``; an Event about a pod
    counts for the node in ``source.host`` (the kubelet that reported it). A plain ``v1`` Event
    is read by :func:`.k8s_event_quick.quick_event`; the rest, and every error, here.
    """
    quick = quick_event(raw, ctx)
    return quick if quick is not None else checked_event(raw, place, ctx)


def checked_event(raw: dict[str, Any], place: Place, ctx: ParseContext) -> NodeEvent | str:
    """:func:`node_event` with every field checked where it is read, so a problem names its path."""
    is_v1 = str(raw.get("apiVersion", "v1")) == "v1"
    fields = _v1_fields(raw, place) if is_v1 else _events_v1_fields(raw, place)
    involved, component, count, first, last = fields
    where = place.at("involvedObject" if is_v1 else "regarding")
    kind, name = text(involved, "kind", where), text(involved, "name", where)
    reason = text(raw, "reason", place, required=True)
    node = name if kind == "Node" else _host(raw, is_v1)
    if not node:
        return f"events about a {kind or 'unnamed'} object with no node (source.host) to count them for"
    if ctx.in_future(last) or ctx.in_future(first):
        return "events dated after the reading time; not counted"
    if first is not None and last is not None and last < first:
        raise place.error(f"last time {last.isoformat()} is before first time {first.isoformat()}")
    return NodeEvent(
        node=node,
        reason=reason,
        count=count,
        first_timestamp=first,
        last_timestamp=last,
        source_component=component,
        type=text(raw, "type", place) or "Normal",
        message=text(raw, "message", place) or text(raw, "note", place),
    )
