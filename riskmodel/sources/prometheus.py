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

import math
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from riskmodel.errors import InputError, SourceUnavailable
from riskmodel.files.jsonfile import parse_json
from riskmodel.files.reading import checked_path, read_text
from riskmodel.model.bounds import MAX_CPU_CORES, MAX_EVENT_COUNT, MAX_MEMORY_BYTES
from riskmodel.model.evidence import Evidence, NodeCondition, NodeEvent, NodeMetric
from riskmodel.sources.dump import ClusterDump
from riskmodel.sources.fetching import Deadline, Endpoint, endpoint, read_body
from riskmodel.sources.promtext import Sample, parse_exposition_lines

NODE_LABELS = ("node", "nodename", "kubernetes_node", "instance")
DEFAULT_WINDOW_DAYS = 30
TIMEOUT_SECONDS = 10.0
DEADLINE_SECONDS = 60.0
"""All queries of one read together must be answered within this (seconds)."""
QUERIES = {
    "gauge": "problem_gauge",
    "counter": "increase(problem_counter[{window}d])",
    "cpu_allocatable": 'kube_node_status_allocatable{resource="cpu"}',
    "memory_allocatable": 'kube_node_status_allocatable{resource="memory"}',
    "cpu_usage": 'sum by (node) (rate(container_cpu_usage_seconds_total{container!=""}[5m]))',
    "memory_usage": 'sum by (node) (container_memory_working_set_bytes{container!=""})',
}
_LIMITS = {  # name → (largest value, unit) of a sample, in the unit the metric is exposed in
    "problem_counter": (MAX_EVENT_COUNT, "events"),
    "cpu_usage": (MAX_CPU_CORES, "cores"),
    "memory_usage": (MAX_MEMORY_BYTES, "bytes"),
}
_ALLOCATABLE_LIMITS = {"cpu": (MAX_CPU_CORES, "cores"), "memory": (MAX_MEMORY_BYTES, "bytes")}


def _node_of(labels: dict[str, str], default: str | None) -> str | None:
    for key in NODE_LABELS:
        if labels.get(key):
            return labels[key].rsplit(":", 1)[0] if key == "instance" else labels[key]
    return default


def checked_value(name: str, labels: dict[str, str], value: float, place: str) -> float | None:
    """The sample's value if the model can use it; None (skip, said in ``skipped``) for NaN and
    ±Inf, which Prometheus uses for "no value"; an error naming ``place`` when out of range."""
    if not math.isfinite(value):
        return None
    limit = _LIMITS.get(name) or (
        _ALLOCATABLE_LIMITS.get(labels.get("resource", "")) if name == "kube_node_status_allocatable" else None
    )
    if limit is not None and not 0 <= value <= limit[0]:
        raise InputError(place, f"{name} value {value:g}; expected 0 to {limit[0]:,} {limit[1]}")
    return value


def samples_to_evidence(
    samples: list[Sample], source: str, default_node: str | None, observed_at: datetime | None,
    window_start: datetime | None = None, places: list[str] | None = None,
) -> ClusterDump:
    """NPD gauges/counters and utilisation samples into evidence (names as the table above).

    ``places`` names where each sample came from (``file:line``, query and index) for errors.
    """
    dump = ClusterDump()
    conditions, events = [], []
    metrics: dict[str, dict[str, float]] = defaultdict(dict)
    for index, (name, labels, raw) in enumerate(samples):
        node = _node_of(labels, default_node)
        if node is None:
            dump.skipped.append(f"{name}{labels} has no node label ({', '.join(NODE_LABELS)}); not used")
            continue
        value = checked_value(name, labels, raw, places[index] if places else source)
        if value is None:
            dump.skipped.append(f"{name}{labels} on {node} is {raw}; not used")
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


def _shape(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _number(value: Any) -> float | None:
    """A sample value as the API sends it (a string such as "1", "NaN", "+Inf"), or None."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def parse_query_response(body: bytes, where: str) -> list[tuple[str, Sample]]:
    """An instant query's answer as (place, sample) pairs; any other shape is SourceUnavailable
    naming the field (``data.result[3].value``) and what was expected."""
    def fail(field: str, message: str) -> SourceUnavailable:
        return SourceUnavailable(f"{where}: {field}: {message}")

    try:
        answer = parse_json(body, where, expected="a Prometheus API answer")
    except InputError as error:
        raise SourceUnavailable(str(error)) from None
    if not isinstance(answer, dict):
        raise fail("(top level)", f"expected a JSON object, got {_shape(answer)}")
    if answer.get("status") != "success":
        detail = answer.get("error") if isinstance(answer.get("error"), str) else answer.get("status")
        raise SourceUnavailable(f"{where}: the query failed: {str(detail)[:200]}")
    data = answer.get("data")
    if not isinstance(data, dict):
        raise fail("data", f"expected an object, got {_shape(data)}")
    if data.get("resultType") != "vector":
        raise fail("data.resultType", f"expected 'vector', got {str(data.get('resultType'))[:40]!r}")
    result = data.get("result")
    if not isinstance(result, list):
        raise fail("data.result", f"expected a list, got {_shape(result)}")
    samples: list[tuple[str, Sample]] = []
    for index, item in enumerate(result):
        field = f"data.result[{index}]"
        if not isinstance(item, dict):
            raise fail(field, f"expected an object with metric and value, got {_shape(item)}")
        metric = item.get("metric")
        if not isinstance(metric, dict):
            raise fail(f"{field}.metric", f"expected an object of labels, got {_shape(metric)}")
        for key, label in metric.items():
            if not isinstance(label, str):
                raise fail(f"{field}.metric.{key}", f"expected a string label value, got {_shape(label)}")
        pair = item.get("value")
        number = _number(pair[1]) if isinstance(pair, list) and len(pair) == 2 else None
        if number is None:
            raise fail(f"{field}.value", f'expected [timestamp, "number"], got {str(pair)[:60]}')
        samples.append((f"{where}: {field}.value", (metric.get("__name__", ""), metric, number)))
    return samples


def _query(point: Endpoint, query: str, timeout: float, deadline: Deadline) -> list[tuple[str, Sample]]:
    """One instant query; the result vector as (place, sample) pairs."""
    url = point.url_for("/api/v1/query", {"query": query})
    where = f"prometheus: {point.name} query {query!r}"
    request = urllib.request.Request(url, headers=point.headers)
    try:
        with _OPENER.open(request, timeout=deadline.timeout(timeout)) as response:
            body = read_body(response, deadline, where)
    except urllib.error.HTTPError as error:
        raise SourceUnavailable(f"prometheus: {point.name} answered {error.code} to query {query!r}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise SourceUnavailable(f"prometheus: cannot read {point.name} within {timeout:g} s ({reason})") from None
    except ValueError as error:  # http.client refuses a URL it cannot send
        raise SourceUnavailable(f"prometheus: cannot send a request to {point.name} ({error})") from None
    return parse_query_response(body, where)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are refused: urllib would send the Authorization header on to any host."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        raise urllib.error.HTTPError(req.full_url, code, f"redirect to another URL refused ({msg})", headers, fp)


_OPENER = urllib.request.build_opener(_NoRedirect)


def read_api(base: str, *, window_days: int = DEFAULT_WINDOW_DAYS, timeout: float = TIMEOUT_SECONDS,
             now: datetime | None = None, deadline_seconds: float = DEADLINE_SECONDS) -> ClusterDump:
    """Every query in turn; any failure fails the whole read (no partial evidence).

    ``base`` may carry credentials: ``http://user:pass@host`` (basic auth) or
    ``?access_token=T`` (bearer); they go into the Authorization header, never into a message.
    """
    point = endpoint(base, "--source")
    deadline = Deadline(deadline_seconds, f"prometheus: {point.name}")
    samples: list[Sample] = []
    places: list[str] = []
    for key, query in QUERIES.items():
        for place, (_, labels, value) in _query(point, query.replace("{window}", str(window_days)), timeout, deadline):
            name = {"gauge": "problem_gauge", "counter": "problem_counter"}.get(key, key)
            if key in ("cpu_allocatable", "memory_allocatable"):
                name = "kube_node_status_allocatable"
            samples.append((name, labels, value))
            places.append(place)
    observed = now or datetime.now(UTC)
    return samples_to_evidence(samples, f"prometheus:{point.name}", None, observed,
                               observed - timedelta(days=window_days), places)


def read_scrape(path: Path, node: str | None = None) -> ClusterDump:
    """A saved ``/metrics`` scrape of one node's NPD; counters are totals since NPD started."""
    text = read_text(path, expected="a Prometheus text exposition (a saved /metrics scrape)")
    node = node or Path(path).name.split(".")[0]
    numbered = parse_exposition_lines(text, str(path))
    return samples_to_evidence([sample for _, sample in numbered], f"prometheus:{path}", node, None,
                               places=[f"{path}:{line}" for line, _ in numbered])


def read_uri(argument: str) -> ClusterDump:
    """The registry's reader: ``prometheus:http(s)://…`` or ``prometheus:FILE[#NODE]``."""
    if argument.startswith(("http://", "https://")):
        return read_api(argument)
    if not argument:
        raise InputError("--source", "prometheus: needs a URL (http://prometheus:9090) or a scraped metrics file")
    path, _, node = argument.partition("#")
    return read_scrape(checked_path(path, "--source"), node or None)
