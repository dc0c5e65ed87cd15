"""The ``prometheus`` source: node-problem-detector and utilisation metrics.

``prometheus:http://host:9090`` asks the Prometheus HTTP API (``/api/v1/query``) with the
standard library; ``prometheus:PATH[#NODE]`` reads a scrape of NPD's ``/metrics`` saved as
text (one node's NPD: the node is ``#NODE`` or the file's stem).

- ``problem_gauge{reason,type}``: 1 → condition ``type`` True (NPD's permanent problem), 0 → False;
- ``problem_counter{reason}``: over the API the increase over the window; in a scrape the
  total since NPD started, with no timestamps → events with that count;
- ``kube_node_status_allocatable`` (cpu cores, memory bytes), CPU usage rate and
  ``container_memory_working_set_bytes`` per node → NodeMetric.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from riskmodel.errors import InputError, SourceUnavailable
from riskmodel.model.evidence import Evidence, NodeCondition, NodeEvent, NodeMetric
from riskmodel.sources.dump import ClusterDump
from riskmodel.sources.promtext import Sample, parse_exposition

NODE_LABELS = ("node", "nodename", "kubernetes_node", "instance")
DEFAULT_WINDOW_DAYS = 30
TIMEOUT_SECONDS = 10.0
QUERIES = {
    "gauge": "problem_gauge",
    "counter": "increase(problem_counter[{window}d])",
    "cpu_allocatable": 'kube_node_status_allocatable{resource="cpu"}',
    "memory_allocatable": 'kube_node_status_allocatable{resource="memory"}',
    "cpu_usage": 'sum by (node) (rate(container_cpu_usage_seconds_total{container!=""}[5m]))',
    "memory_usage": 'sum by (node) (container_memory_working_set_bytes{container!=""})',
}


def _node_of(labels: dict[str, str], default: str | None) -> str | None:
    for key in NODE_LABELS:
        if labels.get(key):
            return labels[key].rsplit(":", 1)[0] if key == "instance" else labels[key]
    return default


def samples_to_evidence(
    samples: list[Sample], source: str, default_node: str | None, observed_at: datetime | None,
    window_start: datetime | None = None,
) -> ClusterDump:
    """NPD gauges/counters and utilisation samples into evidence (names as the table above)."""
    dump = ClusterDump()
    conditions, events = [], []
    metrics: dict[str, dict[str, float]] = defaultdict(dict)
    for name, labels, value in samples:
        node = _node_of(labels, default_node)
        if node is None:
            dump.skipped.append(f"{name}{labels} has no node label ({', '.join(NODE_LABELS)}); not used")
            continue
        if name == "problem_gauge":
            conditions.append(NodeCondition(node, labels.get("type", ""), "True" if value >= 1 else "False",
                                            reason=labels.get("reason", "")))
        elif name == "problem_counter" and value >= 0.5:
            events.append(NodeEvent(node, labels.get("reason", ""), count=round(value), source_component="node-problem-detector"))
        elif name == "kube_node_status_allocatable" and labels.get("resource") in ("cpu", "memory"):
            metrics[node]["cpu_allocatable_millicores" if labels["resource"] == "cpu" else "memory_allocatable_bytes"] = (
                value * 1000 if labels["resource"] == "cpu" else value
            )
        elif name in ("cpu_usage", "memory_usage"):
            metrics[node]["cpu_usage_millicores" if name == "cpu_usage" else "memory_working_set_bytes"] = (
                value * 1000 if name == "cpu_usage" else value
            )
    dump.evidence = Evidence(
        conditions=tuple(conditions), events=tuple(events),
        metrics=tuple(NodeMetric(node=n, timestamp=observed_at, **values) for n, values in sorted(metrics.items())),
        observed_at=observed_at, window_start=window_start, sources=(source,), skipped=tuple(dump.skipped),
    )
    return dump


def _query(base: str, query: str, timeout: float) -> list[Sample]:
    """One instant query; the result vector as samples."""
    url = f"{base.rstrip('/')}/api/v1/query?" + urllib.parse.urlencode({"query": query})
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http(s) only, checked
            body: dict[str, Any] = json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise SourceUnavailable(f"prometheus: {base} answered {error.code} to query {query!r}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise SourceUnavailable(f"prometheus: cannot read {base} within {timeout:g} s ({reason})") from None
    except ValueError as error:
        raise SourceUnavailable(f"prometheus: {base} sent unreadable JSON: {error}") from None
    if body.get("status") != "success" or body.get("data", {}).get("resultType") != "vector":
        raise SourceUnavailable(f"prometheus: query {query!r} failed: {body.get('error', body.get('status'))}")
    return [(str(item["metric"].get("__name__", "")), item["metric"], float(item["value"][1]))
            for item in body["data"]["result"]]


def read_api(base: str, *, window_days: int = DEFAULT_WINDOW_DAYS, timeout: float = TIMEOUT_SECONDS,
             now: datetime | None = None) -> ClusterDump:
    """Every query in turn; any failure fails the whole read (no partial evidence)."""
    samples: list[Sample] = []
    for key, query in QUERIES.items():
        for _, labels, value in _query(base, query.replace("{window}", str(window_days)), timeout):
            name = {"gauge": "problem_gauge", "counter": "problem_counter"}.get(key, key)
            if key in ("cpu_allocatable", "memory_allocatable"):
                name = "kube_node_status_allocatable"
            samples.append((name, labels, value))
    observed = now or datetime.now(UTC)
    return samples_to_evidence(samples, f"prometheus:{base}", None, observed, observed - timedelta(days=window_days))


def read_scrape(path: Path, node: str | None = None) -> ClusterDump:
    """A saved ``/metrics`` scrape of one node's NPD; counters are totals since NPD started."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(str(path), f"cannot read: {error.strerror or error}") from None
    node = node or path.name.split(".")[0]
    return samples_to_evidence(parse_exposition(text, str(path)), f"prometheus:{path}", node, None)


def read_uri(argument: str) -> ClusterDump:
    """The registry's reader: ``prometheus:http(s)://…`` or ``prometheus:FILE[#NODE]``."""
    if argument.startswith(("http://", "https://")):
        return read_api(argument)
    if not argument:
        raise InputError("--source", "prometheus: needs a URL (http://prometheus:9090) or a scraped metrics file")
    path, _, node = argument.partition("#")
    return read_scrape(Path(path), node or None)
