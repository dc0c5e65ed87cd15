"""Prometheus (API and saved scrape) and Heapster sources against recorded/hand-written data."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from riskmodel.errors import InputError, SourceUnavailable
from riskmodel.sources import heapster, prometheus
from riskmodel.sources.promtext import parse_exposition
from riskmodel.sources.registry import read_source

PROM = Path(__file__).parent / "fixtures" / "prometheus"
HEAP = Path(__file__).parent / "fixtures" / "heapster"
NPD = PROM / "npd-sample_metrics.prom.txt"
KSM = PROM / "kube-state-metrics-nri-k8s-1.35-minikube.prom.txt"


def test_npd_scrape_file() -> None:
    dump = read_source(f"prometheus:{NPD}#cos-node")
    conditions = {c.type: c.status for c in dump.evidence.conditions}
    assert conditions == {t: "False" for t in (
        "CorruptDockerOverlay2", "KernelDeadlock", "ReadonlyFilesystem", "FrequentContainerdRestart",
        "FrequentDockerRestart", "FrequentKubeletRestart", "FrequentUnregisterNetDevice")}
    # 14 counters, only ContainerdStart and DockerStart are 1, the rest 0
    assert sorted((e.reason, e.count) for e in dump.evidence.events) == [("ContainerdStart", 1), ("DockerStart", 1)]
    assert dump.evidence.npd_covered_nodes() == {"cos-node"}


def test_exposition_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.prom"
    path.write_text('# HELP x\nproblem_gauge{reason="A",type="B"} one\n')
    with pytest.raises(InputError, match=r"bad\.prom:2: expected a number"):
        read_source(f"prometheus:{path}")


def _recorded_api() -> dict[str, list[dict]]:
    """Query → vector results, from the NPD scrape (as node cos-node) and the KSM scrape."""
    npd = parse_exposition(NPD.read_text(), str(NPD))
    ksm = parse_exposition(KSM.read_text(), str(KSM))

    def vector(samples, extra=None):
        return [{"metric": {"__name__": n, **labels, **(extra or {})}, "value": [1.7e9, repr(v)]} for n, labels, v in samples]

    gauge = vector([s for s in npd if s[0] == "problem_gauge"], {"node": "cos-node"})
    gauge[1]["value"][1] = "1"  # one recorded response where KernelDeadlock is active
    answers = {
        "problem_gauge": gauge,
        "increase(problem_counter[30d])": vector([s for s in npd if s[0] == "problem_counter"], {"node": "cos-node"}),
        'kube_node_status_allocatable{resource="cpu"}': vector(
            [s for s in ksm if s[0] == "kube_node_status_allocatable" and s[1]["resource"] == "cpu"]),
        'kube_node_status_allocatable{resource="memory"}': vector(
            [s for s in ksm if s[0] == "kube_node_status_allocatable" and s[1]["resource"] == "memory"]),
    }
    return answers


class PromServer(ThreadingHTTPServer):
    daemon_threads = True
    answers: dict[str, list[dict]]
    stall = 0.0


class PromHandler(BaseHTTPRequestHandler):
    server: PromServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        time.sleep(self.server.stall)
        query = parse_qs(urlparse(self.path).query)["query"][0]
        result = self.server.answers.get(query, [])
        body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": result}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)


@pytest.fixture
def prom() -> Iterator[PromServer]:
    server = PromServer(("127.0.0.1", 0), PromHandler)
    server.answers = _recorded_api()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_prometheus_api(prom: PromServer) -> None:
    dump = prometheus.read_api(f"http://127.0.0.1:{prom.server_port}", timeout=2.0)
    active = [(c.node, c.type) for c in dump.evidence.conditions if c.is_problem]
    assert active == [("cos-node", "KernelDeadlock")]
    assert sorted(e.reason for e in dump.evidence.events) == ["ContainerdStart", "DockerStart"]
    (metric,) = dump.evidence.metrics
    assert metric.node == "datagen-1-35"
    assert metric.cpu_allocatable_millicores == 14000.0 and metric.memory_allocatable_bytes == 8216887296.0
    window = dump.evidence.observed_at - dump.evidence.window_start
    assert window.days == 30


def test_prometheus_timeout_and_unreachable(prom: PromServer) -> None:
    prom.stall = 1.5
    with pytest.raises(SourceUnavailable, match="within 0.5 s"):
        prometheus.read_api(f"http://127.0.0.1:{prom.server_port}", timeout=0.5)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SourceUnavailable, match="cannot read http://127.0.0.1"):
        prometheus.read_api(f"http://127.0.0.1:{port}", timeout=1.0)


@pytest.mark.parametrize("name", ["influxdb-line-protocol.txt", "influxdb-export.csv"])
def test_heapster_node_utilisation(name: str) -> None:
    dump = read_source(f"heapster:{HEAP / name}")
    metrics = {m.node: m for m in dump.evidence.metrics}
    node1 = metrics["node-1"]
    # the later cpu/usage_rate point (2450 m) wins over the earlier 1800 m
    assert node1.cpu_usage_millicores == 2450.0 and node1.cpu_allocatable_millicores == 3920.0
    assert node1.memory_working_set_bytes == 9126805504 and node1.memory_allocatable_bytes == 12999999488
    assert any("type=pod" in line for line in dump.skipped)


def test_heapster_bad_value(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("cpu/usage_rate,nodename=n,type=node value=abc 1\n")
    with pytest.raises(InputError, match=r"bad\.txt:1: expected a number"):
        heapster.read_uri(str(path))
