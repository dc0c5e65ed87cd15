"""The ``prometheus:`` sink: an HTTP ``/metrics`` endpoint in the Prometheus exposition format
(``prometheus-client``), for a Prometheus server to scrape.

URI: ``prometheus:PORT`` (every interface, as exporters do; what a pod needs) or
``prometheus:ADDRESS:PORT`` (e.g. ``127.0.0.1:9464``). The figures are ``riskmodel_*`` gauges
(``risk/eal_per_year`` → ``riskmodel_eal_per_year``) with the figures' tags as labels, plus
``riskmodel_last_publish_timestamp_seconds`` (when the shown batch was computed; alert on it
growing old). A publish swaps the whole set at once, so a scrape sees one batch or the next,
never a mix; a series that is gone from the latest batch (a problem fixed) is gone from the page.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from riskmodel.errors import InputError
from riskmodel.report.sinks.base import SinkError
from riskmodel.report.sinks.figures import METRICS, UNITS, Batch

PREFIX = "riskmodel_"
HELP = {
    "risk/eal_per_year": "Expected annual loss, dollars per year (type: cluster, failure_mode, service, node, zone)",
    "risk/bad_minutes_per_year": "Expected bad minutes of a service per year",
    "risk/error_budget_minutes": "Error budget of a service, minutes per year",
    "risk/budget_share": "Expected bad minutes over the error budget (0.25 = 25%)",
    "risk/current_problems": "Problems of the cluster now, per kind",
    "risk/current_problem_cost_per_hour": "What fixing one current problem alone saves, dollars per hour",
    "risk/finding_eal_per_year": "Expected annual loss a configuration finding causes, dollars per year",
}


def metric_name(measurement: str) -> str:
    """``risk/eal_per_year`` → ``riskmodel_eal_per_year``."""
    return PREFIX + measurement.removeprefix("risk/").replace("/", "_")


def _metrics_of(batch: Batch) -> list[Metric]:
    families = {measurement: Metric(metric_name(measurement), f"{HELP[measurement]} [{UNITS[measurement]}]", "gauge")
                for measurement in METRICS}
    for figure in batch.figures:
        family = families[figure.metric]
        family.add_sample(family.name, dict(figure.tags), figure.value)
    stamp = Metric(PREFIX + "last_publish_timestamp_seconds", "When the figures shown were computed (Unix time)",
                   "gauge")
    stamp.add_sample(stamp.name, {"cluster": batch.cluster}, batch.timestamp_seconds)
    return [*families.values(), stamp]


class _Latest(Collector):
    """Yields the metrics of the latest batch; replaced whole under a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._metrics: list[Metric] = []

    def set(self, metrics: list[Metric]) -> None:
        with self._lock:
            self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            metrics = self._metrics
        yield from metrics


class PrometheusSink:
    """Serves the latest batch; writing is swapping it in, so it only fails before the server runs."""

    keeps_history = False

    def __init__(self, address: str, port: int) -> None:
        self._latest = _Latest()
        registry = CollectorRegistry(auto_describe=False)
        registry.register(self._latest)
        try:
            self._server: WSGIServer
            self._server, self._thread = start_http_server(port, addr=address, registry=registry)
        except OSError as error:
            raise SinkError(f"prometheus:{address}:{port}: cannot listen ({error.strerror or error})") from None
        self.address = address
        self.port = int(self._server.server_port)
        self.name = f"prometheus:{address}:{self.port}"

    def write(self, batch: Batch) -> int:
        self._latest.set(_metrics_of(batch))
        return len(batch.figures)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def open_sink(argument: str) -> PrometheusSink:
    address, _, port_text = argument.rpartition(":")
    address = address.strip("[]") or "0.0.0.0"
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise InputError("--sink", f"expected prometheus:PORT or prometheus:ADDRESS:PORT, got prometheus:{argument}")
    try:
        return PrometheusSink(address, int(port_text))
    except SinkError as error:
        raise InputError("--sink", str(error)) from None
