"""Evidence written back in the ``file`` form, so an imported scenario carries what was read.

``import`` writes the conditions and events it read (from any source: kubectl output, a live
cluster, Prometheus, NPD rules over logs) as one kubectl-style ``List`` next to the scenario
and names it in the scenario's ``evidence:``; reading it back with the file source gives the
same conditions and events. Nodes appear with their conditions only (no allocatable: the
topology is in the scenario); metrics are not written, as the risk model does not use them.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from riskmodel.files.collector import collector_paused
from riskmodel.files.jsonfile import json_text
from riskmodel.model.evidence import Evidence, NodeCondition, NodeEvent


def _time(moment: datetime | None) -> str | None:
    return _rfc3339(moment, moment.utcoffset()) if moment else None


@lru_cache(maxsize=65536)
def _rfc3339(moment: datetime, offset: timedelta | None) -> str:
    """RFC 3339 text, remembered per instant and offset (equal instants in other zones are equal
    datetimes, so the offset is part of the key): a capture's times repeat across nodes."""
    return moment.isoformat().replace("+00:00", "Z")


def _condition(condition: NodeCondition) -> dict[str, Any]:
    data = {"type": condition.type, "status": condition.status, "reason": condition.reason,
            "message": condition.message, "lastTransitionTime": _time(condition.last_transition_time),
            "lastHeartbeatTime": _time(condition.last_heartbeat_time)}
    return {key: value for key, value in data.items() if value not in (None, "")}


def _event(position: int, event: NodeEvent) -> dict[str, Any]:
    data: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": f"{event.node}.riskmodel-{position}", "namespace": "default"},
        "involvedObject": {"kind": "Node", "name": event.node}, "reason": event.reason, "type": event.type,
        "message": event.message, "count": event.count, "source": {"component": event.source_component,
                                                                   "host": event.node},
        "firstTimestamp": _time(event.first_timestamp), "lastTimestamp": _time(event.last_timestamp)}
    return {key: value for key, value in data.items() if value is not None}


def evidence_list(evidence: Evidence) -> dict[str, Any]:
    """The evidence as a kubectl ``List`` of Node (conditions only) and Event objects."""
    by_node: dict[str, list[dict[str, Any]]] = {}
    for condition in evidence.conditions:
        by_node.setdefault(condition.node, []).append(_condition(condition))
    items: list[dict[str, Any]] = [{"apiVersion": "v1", "kind": "Node", "metadata": {"name": node},
                                    "status": {"conditions": conditions}} for node, conditions in by_node.items()]
    items += [_event(i, event) for i, event in enumerate(evidence.events)]
    return {"apiVersion": "v1", "kind": "List", "metadata": {"observedAt": _time(evidence.observed_at)}, "items": items}


_ENCODER = json.JSONEncoder(allow_nan=False)
"""What ``json_text(item, indent=None)`` encodes with, built once instead of per item."""


def _item_text(item: dict[str, Any]) -> str:
    try:
        return _ENCODER.encode(item)
    except ValueError:
        return json_text(item, what="evidence", indent=None)  # raises, naming the field that is not finite


@collector_paused()
def evidence_text(evidence: Evidence) -> str:
    """The List as JSON with one item per line: readable and diffable, and written by the C
    encoder (``indent`` makes ``json`` fall back to pure Python, 5 s for a 10,000-node capture)."""
    document = evidence_list(evidence)
    items = document.pop("items")
    head = json_text(document, what="evidence", indent=None)
    lines = ",\n".join(_item_text(item) for item in items)
    return f'{head[:-1]}, "items": [\n{lines}\n]}}\n' if items else f'{head[:-1]}, "items": []}}\n'


def write_evidence(evidence: Evidence, path: Path) -> Path:
    path.write_text(evidence_text(evidence), encoding="utf-8")
    return path
