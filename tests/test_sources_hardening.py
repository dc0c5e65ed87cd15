"""Prometheus and Heapster sources against hostile input, and credentials in source URIs.

A loopback Prometheus (http.server on 127.0.0.1) that checks the Authorization header; API
bodies of every wrong shape; scrapes and Heapster exports with +Inf, NaN, huge values and
out-of-range timestamps. Each ends in evidence or in one clear error naming the source and the
field or line; no secret appears in any message or output.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from riskmodel.cli.main import main
from riskmodel.errors import InputError, SourceUnavailable, redact
from riskmodel.sources import heapster, prometheus
from riskmodel.sources.prometheus import parse_query_response
from riskmodel.sources.registry import read_source

SECRET = "s3cr3t-Pa55"


class AuthServer(ThreadingHTTPServer):
    daemon_threads = True
    expected_authorization = ""
    seen: list[tuple[str, str]]


class AuthHandler(BaseHTTPRequestHandler):
    server: AuthServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.server.seen.append((self.path, self.headers.get("Authorization", "")))
        if self.headers.get("Authorization", "") != self.server.expected_authorization:
            self.send_response(401)
            self.end_headers()
            return
        query = parse_qs(urlparse(self.path).query)["query"][0]
        result = [{"metric": {"node": "n1", "type": "KernelDeadlock", "reason": "r"}, "value": [1.7e9, "1"]}] \
            if query == "problem_gauge" else []
        body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": result}}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)


@pytest.fixture
def auth_server() -> Iterator[AuthServer]:
    server = AuthServer(("127.0.0.1", 0), AuthHandler)
    server.seen = []
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_basic_auth_from_the_uri_works_and_is_never_shown(auth_server: AuthServer, capsys) -> None:
    auth_server.expected_authorization = "Basic " + base64.b64encode(f"reader:{SECRET}".encode()).decode()
    uri = f"prometheus:http://reader:{SECRET}@127.0.0.1:{auth_server.server_port}"
    dump = read_source(uri)
    assert [(c.node, c.type, c.status) for c in dump.evidence.conditions] == [("n1", "KernelDeadlock", "True")]
    assert dump.evidence.sources == (f"prometheus:http://127.0.0.1:{auth_server.server_port}",)
    assert main(["evidence", "--source", uri, "--format", "json"]) == 0
    out = capsys.readouterr()
    assert SECRET not in out.out + out.err and "reader" not in out.out + out.err
    auth_server.expected_authorization = "Basic wrong"
    with pytest.raises(SourceUnavailable, match=r"prometheus: http://127\.0\.0\.1:\d+ answered 401") as caught:
        read_source(uri)
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value)


def test_access_token_becomes_a_bearer_header_and_leaves_the_url(auth_server: AuthServer, capsys) -> None:
    auth_server.expected_authorization = f"Bearer {SECRET}"
    uri = f"prometheus:http://127.0.0.1:{auth_server.server_port}/?access_token={SECRET}&tenant=a"
    dump = read_source(uri)
    assert len(dump.evidence.conditions) == 1
    assert all(SECRET not in path and "tenant=a" in path for path, _ in auth_server.seen)
    assert dump.evidence.sources == (f"prometheus:http://127.0.0.1:{auth_server.server_port}/?access_token=***&tenant=a",)
    with socket.socket() as probe:  # a closed port: the connection error must not echo the token
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["evidence", "--source", f"prometheus:http://user:{SECRET}@127.0.0.1:{port}/?token={SECRET}"]) == 2
    err = capsys.readouterr().err
    assert "cannot read http://127.0.0.1" in err and SECRET not in err


@pytest.mark.parametrize(("text", "shown"), [
    (f"https://user:{SECRET}@host:9090/x", "https://host:9090/x"),
    (f"https://{SECRET}@host", "https://host"),
    (f"https://user:p@ss{SECRET}@host/a@b", "https://host/a@b"),
    (f"http://h/?query=up&access_token={SECRET}&x=1", "http://h/?query=up&access_token=***&x=1"),
    (f"http://h/?api_key={SECRET}#f", "http://h/?api_key=***#f"),
    (f"Authorization: Bearer {SECRET}", "Authorization: Bearer ***"),
    ("mail me at a@b.org or see http://h/x?page=2", "mail me at a@b.org or see http://h/x?page=2"),
])
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown
    assert SECRET not in str(SourceUnavailable(f"failed: {text}")) and SECRET not in str(InputError(text, text))


@pytest.mark.parametrize(("body", "field"), [
    (b"[]", r"\(top level\): expected a JSON object, got list"),
    (b'{"status": "error", "error": "bad_data: parse error"}', r"the query failed: bad_data: parse error"),
    (b'{"status": "success", "data": []}', r"data: expected an object, got list"),
    (b'{"status": "success", "data": {"resultType": "matrix", "result": []}}', r"data\.resultType: expected 'vector'"),
    (b'{"status": "success", "data": {"resultType": "vector", "result": {}}}', r"data\.result: expected a list"),
    (b'{"status": "success", "data": {"resultType": "vector", "result": [5]}}',
     r"data\.result\[0\]: expected an object with metric and value, got int"),
    (b'{"status": "success", "data": {"resultType": "vector", "result": [{"metric": {"node": 5}, "value": [1, "1"]}]}}',
     r"data\.result\[0\]\.metric\.node: expected a string label value, got int"),
    (b'{"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}, "value": "1"}]}}',
     r"data\.result\[0\]\.value: expected \[timestamp, \"number\"\]"),
    (b'{"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, true]}]}}',
     r"data\.result\[0\]\.value: expected"),
    (b"{" * 5000, r"nested deeper than 100 levels"),
    (b'{"status": NaN}', r"NaN is not a JSON number"),
])
def test_odd_api_bodies_name_the_field(body: bytes, field: str) -> None:
    with pytest.raises(SourceUnavailable, match=r"^prometheus: http://p query 'q'.*" + field):
        parse_query_response(body, "prometheus: http://p query 'q'")


def _vector(*items: dict) -> bytes:
    return json.dumps({"status": "success", "data": {"resultType": "vector", "result": list(items)}}).encode()


def test_non_finite_api_values_are_skipped_and_huge_ones_refused() -> None:
    body = _vector({"metric": {"node": "n1", "reason": "OOMKilling"}, "value": [1, "+Inf"]},
                   {"metric": {"node": "n2", "reason": "OOMKilling"}, "value": [1, "NaN"]},
                   {"metric": {"node": "n3", "reason": "OOMKilling"}, "value": [1, "3"]})
    samples = parse_query_response(body, "prometheus: p query 'increase'")
    dump = prometheus.samples_to_evidence([("problem_counter", s[1], s[2]) for _, s in samples], "prometheus:p", None,
                                          None, places=[place for place, _ in samples])
    assert [(e.node, e.count) for e in dump.evidence.events] == [("n3", 3)]
    assert sum("is inf; not used" in line or "is nan; not used" in line for line in dump.skipped) == 2
    huge = parse_query_response(_vector({"metric": {"node": "n1"}, "value": [1, "1e300"]}), "prometheus: p query 'c'")
    with pytest.raises(InputError, match=r"data\.result\[0\]\.value: problem_counter value 1e\+300; expected 0 to "
                                         r"1,000,000,000 events"):
        prometheus.samples_to_evidence([("problem_counter", s[1], s[2]) for _, s in huge], "prometheus:p", None, None,
                                       places=[place for place, _ in huge])


@pytest.mark.parametrize(("text", "outcome"), [
    ('problem_counter{reason="KernelOops"} +Inf\nproblem_gauge{type="KernelDeadlock"} NaN\n', "skipped"),
    ('problem_counter{reason="KernelOops"} 1e300\n', r"bad\.prom:1: problem_counter value 1e\+300"),
    ('problem_counter{reason="KernelOops"} -3\n', r"bad\.prom:1: problem_counter value -3; expected 0 to"),
    ('problem_gauge{type="A",type="B"} 1\n', r"bad\.prom:1: label 'type' given twice"),
    ('problem_gauge{type="A" 1\n', r"bad\.prom:1: expected"),
    ("problem_gauge 1_000\n", r"bad\.prom:1: expected a number, got '1_000'"),
    ("", r"bad\.prom: file is empty; expected a Prometheus text exposition"),
])
def test_scrapes_with_odd_values(tmp_path: Path, text: str, outcome: str) -> None:
    path = tmp_path / "bad.prom"
    path.write_text(text)
    if outcome == "skipped":
        dump = read_source(f"prometheus:{path}#n1")
        assert not dump.evidence.events and not dump.evidence.conditions and len(dump.skipped) == 2
        return
    with pytest.raises(InputError, match=outcome):
        read_source(f"prometheus:{path}#n1")


LINE = "cpu/usage_rate,nodename=n,type=node"


@pytest.mark.parametrize(("name", "text", "message"), [
    ("points.txt", f"{LINE} value=1 99999999999999999999999999", r"points\.txt:1: timestamp .* out of range"),
    ("points.txt", f"{LINE} value=1 -9999999999999999999", r"points\.txt:1: timestamp .* out of range"),
    ("points.txt", f"{LINE} value=1 1e30", r"points\.txt:1: (expected a timestamp|timestamp .* out of range)"),
    ("points.txt", f"{LINE} value=inf 1", r"points\.txt:1: expected a finite number in value="),
    ("points.txt", "memory/working_set,nodename=n,type=node value=1e300 1",
     r"points\.txt:1: memory/working_set value 1e\+300; expected 0 to 1,125,899,906,842,624 bytes"),
    ("points.txt", f"{LINE} value=-5 1", r"points\.txt:1: cpu/usage_rate value -5; expected 0 to 100,000,000 millicores"),
    ("export.csv", "name,time,value\ncpu/usage_rate,99999999999999999999999999,1", r"export\.csv:2: timestamp .* out of range"),
    ("export.csv", "name,time,value\ncpu/usage_rate,2023-02-30T00:00:00Z,1", r"export\.csv:2: timestamp .* out of range"),
    ("export.csv", "name,value\ncpu/usage_rate,1,2", r"export\.csv:2: expected 2 columns as in the header"),
    ("export.csv", "name,value\ncpu/usage_rate,nan", r"export\.csv:2: expected a finite number in column value"),
    ("export.csv", 'name,value\n"cpu/usage_rate,1', r"export\.csv:\d+: expected"),
])
def test_heapster_odd_values_and_times(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text + "\n")
    with pytest.raises(InputError, match=message):
        heapster.read_uri(str(path))


def test_heapster_time_without_offset_is_utc(tmp_path: Path) -> None:
    path = tmp_path / "points.txt"
    path.write_text("name,time,value,nodename,type\ncpu/usage_rate,2023-01-01T00:00:00,5,n1,node\n")
    path = path.rename(tmp_path / "points.csv")
    (metric,) = heapster.read_uri(str(path)).evidence.metrics
    assert metric.timestamp is not None and metric.timestamp.isoformat() == "2023-01-01T00:00:00+00:00"
