"""The kube source with the real ``kubernetes`` client against a loopback API server.

The server answers list calls with responses recorded from the copied fixtures (items
without ``kind``, as the API server sends them), pages nodes in two pages, and can be told
to refuse (403) or to stall (longer than the client's timeout).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from riskmodel.errors import SourceUnavailable
from riskmodel.sources import kube
from riskmodel.sources.file import read_dump
from riskmodel.sources.snapshot import write_snapshot

K8S = Path(__file__).parent / "fixtures" / "k8s"


def _items(name: str) -> list[dict[str, Any]]:
    text = (K8S / name).read_text()
    data = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    items = data.get("items", [data])
    return [{k: v for k, v in json.loads(json.dumps(item, default=str)).items() if k not in ("kind", "apiVersion")}
            for item in items]


def recorded() -> dict[str, list[dict[str, Any]]]:
    nodes = _items("nri-k8s-1.35-minikube-nodes.yaml") + _items("istio-gke-node-with-npd-conditions.yaml")
    return {
        "/api/v1/nodes": nodes,
        "/api/v1/pods": _items("nri-k8s-1.35-minikube-pods.yaml"),
        "/api/v1/events": _items("troubleshoot-eventlist-init-crashloop.json"),
        "/apis/apps/v1/deployments": _items("troubleshoot-deployments-default.json"),
        "/apis/apps/v1/statefulsets": _items("k9s-statefulset.json"),
        "/apis/apps/v1/daemonsets": [],
        "/apis/apps/v1/replicasets": [],
        "/api/v1/services": _items("nri-k8s-1.35-minikube-services.yaml"),
        "/apis/policy/v1/poddisruptionbudgets": _items("k9s-pdb.json"),
        "/api/v1/persistentvolumes": [],
        "/api/v1/persistentvolumeclaims": [],
    }


class FakeApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.responses = recorded()
        self.forbidden: set[str] = set()
        self.stall_seconds = 0.0
        self.requests: list[str] = []


class Handler(BaseHTTPRequestHandler):
    server: FakeApiServer

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client gave up (timeout test)
            self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        url = urlparse(self.path)
        query = parse_qs(url.query)
        self.server.requests.append(self.path)
        if self.server.stall_seconds:
            time.sleep(self.server.stall_seconds)
        if url.path in self.server.forbidden:
            resource = url.path.rsplit("/", 1)[-1]
            self._send(403, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden",
                             "message": f'{resource} is forbidden: User "system:serviceaccount:default:x" cannot list',
                             "code": 403})
            return
        if url.path not in self.server.responses:
            self._send(404, {"kind": "Status", "code": 404, "reason": "NotFound"})
            return
        items = self.server.responses[url.path]
        limit = int(query.get("limit", ["500"])[0])
        start = int(query.get("continue", ["0"])[0])
        page = items[start : start + limit]
        metadata = {"resourceVersion": "123"}
        if start + limit < len(items):
            metadata["continue"] = str(start + limit)
        self._send(200, {"kind": "List", "apiVersion": "v1", "metadata": metadata, "items": page})


@pytest.fixture
def api_server() -> Iterator[FakeApiServer]:
    server = FakeApiServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def write_kubeconfig(path: Path, port: int, context: str = "loopback") -> Path:
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": context,
        "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
        "users": [{"name": "u", "user": {"token": "not-a-real-token"}}],
        "contexts": [{"name": context, "context": {"cluster": "c", "user": "u"}}],
    }
    path.write_text(yaml.safe_dump(config))
    return path


def test_reads_everything_with_paging(api_server: FakeApiServer, tmp_path: Path) -> None:
    config = write_kubeconfig(tmp_path / "kubeconfig", api_server.server_port)
    lists = kube.fetch_lists("loopback", kubeconfig=str(config), page_size=1, timeout=2.0)
    node_calls = [r for r in api_server.requests if r.startswith("/api/v1/nodes")]
    assert len(node_calls) == 2 and "continue=1" in node_calls[1]  # two pages
    dump = kube.parse_lists(lists, "kube:loopback")
    assert sorted(n.name for n in dump.nodes) == ["datagen-1-35", "gke-istio-test-default-pool-866a0405-420r"]
    assert len(dump.pods) == 25 and len(dump.evidence.events) == 15
    assert {w.kind for w in dump.workloads} == {"Deployment", "StatefulSet"} and len(dump.pdbs) == 1
    assert sorted(s.name for s in dump.services)[:3] == ["e2e-hpa", "e2e-kube-state-metrics", "e2e-lb"]
    assert all(not r.startswith("/api/v1/secrets") for r in api_server.requests)


def test_forbidden_names_resource_and_manifest(api_server: FakeApiServer, tmp_path: Path) -> None:
    api_server.forbidden.add("/api/v1/events")
    config = write_kubeconfig(tmp_path / "kubeconfig", api_server.server_port)
    with pytest.raises(SourceUnavailable, match=r"refused to list events .*403.*riskmodel-readonly-rbac\.yaml"):
        kube.fetch_lists("loopback", kubeconfig=str(config), timeout=2.0)


def test_slow_server_times_out(api_server: FakeApiServer, tmp_path: Path) -> None:
    api_server.stall_seconds = 1.5
    config = write_kubeconfig(tmp_path / "kubeconfig", api_server.server_port)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match=r"did not answer within 0\.5 s while listing nodes"):
        kube.fetch_lists("loopback", kubeconfig=str(config), timeout=0.5)
    assert time.monotonic() - started < 1.4  # no retries piling up


def test_unreachable_server(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_kubeconfig(tmp_path / "kubeconfig", port)
    with pytest.raises(SourceUnavailable, match=r"cannot reach the API server at http://127\.0\.0\.1:\d+"):
        kube.fetch_lists("loopback", kubeconfig=str(config), timeout=1.0)


def test_unknown_context(api_server: FakeApiServer, tmp_path: Path) -> None:
    config = write_kubeconfig(tmp_path / "kubeconfig", api_server.server_port)
    with pytest.raises(SourceUnavailable, match="context 'prod'"):
        kube.fetch_lists("prod", kubeconfig=str(config))


def test_snapshot_round_trip_and_last_good_kept(api_server: FakeApiServer, tmp_path: Path) -> None:
    config = write_kubeconfig(tmp_path / "kubeconfig", api_server.server_port)
    lists = kube.fetch_lists("loopback", kubeconfig=str(config), timeout=2.0)
    out = tmp_path / "snap"
    write_snapshot(lists, "kube:loopback", out, kube.parse_lists(lists, "kube:loopback"))
    meta = json.loads((out / "snapshot.json").read_text())
    assert meta["source"] == "kube:loopback" and meta["counts"]["nodes"] == 2
    assert "not-a-real-token" not in "".join(p.read_text() for p in out.iterdir())
    offline = read_dump(out)
    assert len(offline.nodes) == 2 and len(offline.pods) == 25
    assert offline.evidence.observed_at is not None and offline.evidence.observed_at.isoformat().startswith(meta["time"][:19])
    before = {p.name: p.read_text() for p in out.iterdir()}
    api_server.forbidden.add("/api/v1/pods")
    with pytest.raises(SourceUnavailable):
        kube.fetch_lists("loopback", kubeconfig=str(config), timeout=2.0)
    assert {p.name: p.read_text() for p in out.iterdir()} == before


def test_snapshot_command(api_server: FakeApiServer, tmp_path: Path, monkeypatch, capsys) -> None:
    from riskmodel.cli.main import main

    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig", api_server.server_port)))
    out = tmp_path / "snap"
    assert main(["snapshot", "--source", "kube:loopback", "--output", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir())[:3] == ["daemonsets.json", "deployments.json", "events.json"]
    api_server.forbidden.add("/api/v1/nodes")
    assert main(["snapshot", "--source", "kube:loopback", "--output", str(out)]) == 2
    assert "refused to list nodes" in capsys.readouterr().err
    assert len(read_dump(out).nodes) == 2  # the last good snapshot still serves
