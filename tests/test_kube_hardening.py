"""The kube source against a hostile API server on 127.0.0.1, with the official client.

The loopback server of tests/test_sources_kube.py answers with the recorded fixtures; here a
queue of misbehaviours per path is played first (one per request): a drip of one byte at a
time, a reset connection, 429 and 503, an expired continue token, a continue token that never
ends, and bodies of the wrong shape. Each read must end within its deadline with one clear
SourceUnavailable naming the source and the field, or recover and return the whole list.
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import test_sources_kube
import yaml
from kubernetes.client import AppsV1Api, CoreV1Api, PolicyV1Api  # noqa: F401 - imported once, outside the timings
from test_sources_kube import FakeApiServer, Handler, write_kubeconfig

from riskmodel.errors import SourceUnavailable
from riskmodel.sources import kube
from riskmodel.sources.kube_paging import ListLimits

Action = Callable[["HostileHandler"], bool]
"""Plays one misbehaviour; True when it answered the request (else the recorded answer follows)."""
FAST = ListLimits(deadline_seconds=20.0, backoff_seconds=0.01)


class HostileHandler(Handler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        queue = self.server.script.get(urlparse(self.path).path)  # type: ignore[attr-defined]
        action = queue.pop(0) if queue else None
        if action is not None:
            self.server.requests.append(self.path)  # before answering: the client may act on the answer at once
            if action(self):
                return
            self.server.requests.pop()
        super().do_GET()

    def raw(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)


_RECORDED = test_sources_kube.recorded


@functools.cache
def _recorded() -> str:
    return json.dumps(_RECORDED())


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApiServer]:
    monkeypatch.setattr(test_sources_kube, "recorded", lambda: json.loads(_recorded()))  # parse the fixtures once
    api = FakeApiServer()
    api.RequestHandlerClass = HostileHandler
    api.script = {}  # type: ignore[attr-defined]
    import threading

    threading.Thread(target=api.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield api
    api.shutdown()
    api.server_close()


def _fetch(server: FakeApiServer, tmp_path: Path, limits: ListLimits = FAST, page_size: int = 500,
           timeout: float = 2.0) -> dict:
    config = write_kubeconfig(tmp_path / "kubeconfig", server.server_port)
    return kube.fetch_lists("loopback", kubeconfig=str(config), page_size=page_size, timeout=timeout, limits=limits)


def status(code: int, headers: dict[str, str] | None = None) -> Action:
    def act(handler: HostileHandler) -> bool:
        handler.raw(code, json.dumps({"kind": "Status", "code": code, "reason": "later"}).encode(), headers)
        return True

    return act


def body(data: bytes) -> Action:
    def act(handler: HostileHandler) -> bool:
        handler.raw(200, data)
        return True

    return act


def reset(handler: HostileHandler) -> bool:
    """Half an answer, then a TCP reset (SO_LINGER 0)."""
    handler.send_response(200)
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    handler.wfile.write(b'{"items": [')
    handler.wfile.flush()
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True
    return True


def drip(handler: HostileHandler) -> bool:
    """A valid-looking answer, one byte every 0.2 s: never idle long enough for a read timeout."""
    data = b'{"kind": "List", "items": []}' + b" " * 200
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        for byte in data:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.2)
    return True


def endless(handler: HostileHandler) -> bool:
    """Every page hands out a new continue token: a list that never ends."""
    start = int(parse_qs(urlparse(handler.path).query).get("continue", ["0"])[0])
    page = {"kind": "List", "metadata": {"continue": str(start + 1)}, "items": [{"metadata": {"name": f"n{start}"}}]}
    handler.raw(200, json.dumps(page).encode())
    handler.server.script["/api/v1/nodes"].append(endless)  # type: ignore[attr-defined]
    return True


def gone_on_continue(handler: HostileHandler) -> bool:
    """410 Gone for a request with a continue token; a first page passes through."""
    if "continue=" not in handler.path:
        return False
    handler.raw(410, json.dumps({"kind": "Status", "code": 410, "reason": "Expired",
                                 "message": "The provided continue parameter is too old"}).encode())
    return True


def test_drip_feed_is_cut_at_the_deadline(server: FakeApiServer, tmp_path: Path) -> None:
    server.script["/api/v1/nodes"] = [drip]
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match=r"kube: http://127\.0\.0\.1:\d+ nodes page 1: no complete answer "
                                                r"within the 1\.5 s deadline"):
        _fetch(server, tmp_path, ListLimits(deadline_seconds=1.5), timeout=1.0)
    assert time.monotonic() - started < 3.5  # the deadline plus at most one socket timeout


def test_retries_429_and_503_then_succeeds(server: FakeApiServer, tmp_path: Path) -> None:
    server.script["/api/v1/nodes"] = [status(429, {"Retry-After": "0"}), status(503), status(503)]
    lists = _fetch(server, tmp_path)
    assert len(lists["nodes"]["items"]) == 2
    assert len([r for r in server.requests if r.startswith("/api/v1/nodes")]) == 4  # 3 refusals, then the answer


def test_gives_up_after_the_last_attempt(server: FakeApiServer, tmp_path: Path) -> None:
    server.script["/api/v1/pods"] = [status(503)] * 4
    with pytest.raises(SourceUnavailable, match=r"listing pods on http://127\.0\.0\.1:\d+ failed: 503"):
        _fetch(server, tmp_path)
    assert len([r for r in server.requests if r.startswith("/api/v1/pods")]) == 4


def test_retry_after_past_the_deadline_gives_up_at_once(server: FakeApiServer, tmp_path: Path) -> None:
    server.script["/api/v1/nodes"] = [status(429, {"Retry-After": "60"})]
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match=r"nodes page 1: 429 .*would pass the 5 s deadline"):
        _fetch(server, tmp_path, ListLimits(deadline_seconds=5))
    assert time.monotonic() - started < 4


def test_connection_reset_is_retried(server: FakeApiServer, tmp_path: Path) -> None:
    server.script["/api/v1/events"] = [reset]
    lists = _fetch(server, tmp_path)
    assert len(lists["events"]["items"]) == len(server.responses["/api/v1/events"]) == 17
    assert len([r for r in server.requests if r.startswith("/api/v1/events")]) == 2


def test_expired_continue_token_lists_again_from_the_start(server: FakeApiServer, tmp_path: Path) -> None:
    server.script["/api/v1/nodes"] = [lambda handler: False, gone_on_continue]
    lists = _fetch(server, tmp_path, page_size=1)
    names = [item["metadata"]["name"] for item in lists["nodes"]["items"]]
    assert names == ["datagen-1-35", "gke-istio-test-default-pool-866a0405-420r"]  # no duplicate from page 1
    calls = [r for r in server.requests if r.startswith("/api/v1/nodes")]
    assert len(calls) == 4 and "continue" not in calls[2]  # page 1, 410, page 1 again, page 2


def test_a_continue_token_that_repeats_is_refused(server: FakeApiServer, tmp_path: Path) -> None:
    page = {"kind": "List", "metadata": {"continue": "same"}, "items": [{"metadata": {"name": "x"}}]}
    server.script["/api/v1/nodes"] = [body(json.dumps(page).encode())] * 3
    with pytest.raises(SourceUnavailable, match=r"nodes page 2: metadata\.continue repeats an earlier token"):
        _fetch(server, tmp_path)


def test_a_list_that_never_ends_stops_at_the_page_cap(server: FakeApiServer, tmp_path: Path) -> None:
    server.script["/api/v1/nodes"] = [endless]
    with pytest.raises(SourceUnavailable, match=r"nodes: more than 5 pages"):
        _fetch(server, tmp_path, ListLimits(max_pages=5, backoff_seconds=0.01))
    assert len([r for r in server.requests if r.startswith("/api/v1/nodes")]) == 5


@pytest.mark.parametrize(("data", "message"), [
    (b'[{"metadata": {}}]', r"nodes page 1: expected a JSON object \(a List\), got list"),
    (b"[" * 100_000 + b"]" * 100_000, r"nodes page 1: nested deeper than 100 levels"),
    (b'{"items": {"a": 1}}', r"nodes page 1: items: expected a list, got dict"),
    (b'{"items": [{"metadata": {}}, "node-2"]}', r"nodes page 1: items\[1\]: expected an object, got str"),
    (b'{"items": [], "metadata": {"continue": 7}}', r"nodes page 1: metadata\.continue: expected a string, got int"),
    (b'{"items": [{"metadata": {"name": NaN}}]}', r"nodes page 1: NaN is not a JSON number"),
    (b'{"items": [', r"nodes page 1:1: invalid or truncated JSON"),
    (b"\xff\xfe", r"nodes page 1: expected UTF-8"),
], ids=["top-level array", "100,000 deep", "items an object", "item a string", "token a number", "NaN",
        "truncated", "not UTF-8"])
def test_malformed_bodies_are_clear_errors(server: FakeApiServer, tmp_path: Path, data: bytes, message: str) -> None:
    server.script["/api/v1/nodes"] = [body(data)]
    with pytest.raises(SourceUnavailable, match=message):
        _fetch(server, tmp_path)


def test_rbac_manifest_grants_exactly_the_list_calls_the_code_makes() -> None:
    manifest = Path(__file__).resolve().parent.parent / kube.RBAC_MANIFEST
    role = next(doc for doc in yaml.safe_load_all(manifest.read_text()) if doc["kind"] == "ClusterRole")
    granted = {(group, resource, verb) for rule in role["rules"] for group in rule["apiGroups"]
               for resource in rule["resources"] for verb in rule["verbs"]}
    used = {("" if r.api_version == "v1" else r.api_version.split("/")[0], r.plural, r.method.split("_")[0])
            for r in kube.RESOURCES}
    assert granted == used
    assert {verb for _, _, verb in granted} == {"list"}
