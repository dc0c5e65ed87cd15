"""``publish`` against a real InfluxDB 1.x and a real Prometheus on 127.0.0.1.

All four sinks at once write the same figures as the register computed here (InfluxQL reads
back the points, PromQL the scraped gauges, the JSON-lines file and the log lines are parsed);
the InfluxDB server is stopped mid-run and started again: the failure is reported and retried,
the other sinks keep going, the batches published meanwhile arrive after recovery, each once.
Credentials of the InfluxDB URI never show in the output. The servers start once per module.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from riskmodel.cli.main import main
from riskmodel.report.analysis import analyse
from riskmodel.report.sinks.figures import Batch, Figure, analysis_figures
from riskmodel.report.sinks.influxdb import InfluxDBSink
from riskmodel.sources.scenario import load_scenario
from tests.monitoring_servers import InfluxServer, PrometheusServer, free_port, needs_influxdb, needs_prometheus

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"
PASSWORD = "pw-9f3Kq!x"  # must never be printed
USER = "riskadmin"
FigureSet = set[tuple[str, tuple[tuple[str, str], ...], float]]

pytestmark = [needs_influxdb, needs_prometheus]


@pytest.fixture(scope="module")
def expected() -> tuple[Figure, ...]:
    return analysis_figures(analyse(load_scenario(DEMO)), "demo")


@pytest.fixture(scope="module")
def influx(tmp_path_factory):
    server = InfluxServer(tmp_path_factory.mktemp("influxdb"), USER, PASSWORD)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sink_port() -> int:
    """The port the prometheus sink listens on, known before Prometheus starts scraping it."""
    return free_port()


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory, sink_port):
    server = PrometheusServer(tmp_path_factory.mktemp("prometheus"), [f"127.0.0.1:{sink_port}"])
    server.start()
    yield server
    server.stop()


def _as_set(figures) -> FigureSet:
    return {(f.metric, f.tags, f.value) for f in figures}


def _influx_uri(influx: InfluxServer, db: str) -> str:
    return f"influxdb:http://{USER}:{PASSWORD}@127.0.0.1:{influx.port}/?db={db}"


def _influx_points(influx: InfluxServer, db: str) -> dict[str, FigureSet]:
    """Every point of every ``risk/*`` measurement, by time."""
    found: dict[str, FigureSet] = {}
    for row in influx.rows('SELECT "value" FROM /^risk\\// GROUP BY *', db):
        tags = tuple(sorted((k, v) for k, v in row.items() if k not in ("name", "time", "value") and v))
        found.setdefault(row["time"], set()).add((row["name"], tags, row["value"]))
    return found


def _prometheus_figures(prometheus: PrometheusServer) -> FigureSet:
    found: FigureSet = set()
    for sample in prometheus.instant('{__name__=~"riskmodel_.+",__name__!="riskmodel_last_publish_timestamp_seconds"}'):
        labels = dict(sample["metric"])
        name = labels.pop("__name__")
        labels.pop("job"), labels.pop("instance")
        found.add(("risk/" + name.removeprefix("riskmodel_"), tuple(sorted(labels.items())), float(sample["value"][1])))
    return found


def _complete_lines(path: Path) -> list[str]:
    """The lines a writer has finished (a read may meet a write half done: its last line is left out)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return text[: text.rfind("\n") + 1].splitlines()


def _file_batches(path: Path) -> dict[str, FigureSet]:
    batches: dict[str, FigureSet] = {}
    for line in _complete_lines(path):
        record = json.loads(line)
        batches.setdefault(record["time"], set()).add(
            (record["metric"], tuple(sorted(record["tags"].items())), record["value"]))
    return batches


def _log_figures(path: Path, when: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The log sink's lines of one batch: ``TIME METRIC k=v … VALUE UNIT``."""
    found = {}
    for line in _complete_lines(path):
        words = line.split()
        if not words or words[0] != when:
            continue
        tags = tuple(sorted(tuple(word.split("=", 1)) for word in words[2:] if "=" in word))
        value = next(word for word in words[2:] if "=" not in word)
        found[(words[1], tags)] = float(value)
    return found


def _wait_until(check, what: str, timeout: float = 40.0, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    tail = log.read_text()[-3000:] if log is not None and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


def test_four_sinks_write_the_same_figures_and_survive_influxdb_going_away(
        influx, prometheus, sink_port, expected, tmp_path):
    jsonl, stdout_path, stderr_path = tmp_path / "risk.jsonl", tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    command = [sys.executable, "-m", "riskmodel", "publish", str(DEMO), "--every", "2s",
               "--sink=log", f"--sink=file:{jsonl}", f"--sink={_influx_uri(influx, 'risk')}",
               f"--sink=prometheus:127.0.0.1:{sink_port}"]
    with stdout_path.open("w") as out, stderr_path.open("w") as err:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        want = _as_set(expected)
        _wait_until(lambda: len(_file_batches(jsonl)) >= 1, "the first batch in the file", log=stderr_path)
        first_time = sorted(_file_batches(jsonl))[0]
        # every sink writes on its own thread: wait for each to hold the whole first batch, then compare
        _wait_until(lambda: first_time in _influx_points(influx, "risk"), "the first batch in InfluxDB",
                    log=stderr_path)
        _wait_until(lambda: len(_log_figures(stdout_path, first_time)) == len(want), "the first batch in the log",
                    log=stderr_path)
        assert _file_batches(jsonl)[first_time] == want
        assert _influx_points(influx, "risk")[first_time] == want
        prometheus.wait_for('riskmodel_eal_per_year{type="cluster"}', lambda r: len(r) == 1)
        assert _prometheus_figures(prometheus) == want
        total = prometheus.instant('riskmodel_eal_per_year{type="cluster"}')
        register_eal = next(f.value for f in expected if f.metric == "risk/eal_per_year" and f.tag("type") == "cluster")
        assert float(total[0]["value"][1]) == register_eal
        by_mode = prometheus.instant('sum(riskmodel_eal_per_year{type="failure_mode"})')
        assert float(by_mode[0]["value"][1]) == pytest.approx(register_eal, rel=1e-9)
        logged = _log_figures(stdout_path, first_time)
        assert set(logged) == {(f.metric, f.tags) for f in expected}
        for figure in expected:  # the log prints two decimals, four for a share
            assert logged[figure.key] == pytest.approx(figure.value, abs=6e-5 if "share" in figure.metric else 6e-3)

        influx.stop()
        stopped_at = time.time()
        batches_before = len(_file_batches(jsonl))
        _wait_until(lambda: "refused" in stderr_path.read_text() and len(_file_batches(jsonl)) >= batches_before + 2,
                    "a reported InfluxDB failure while the file sink goes on", log=stderr_path)
        prometheus.wait_for("riskmodel_last_publish_timestamp_seconds", lambda r: r and float(r[0]["value"][1]) > stopped_at)
        influx.start()
        _wait_until(lambda: "recovered after" in stderr_path.read_text(), "the InfluxDB sink to recover",
                    log=stderr_path)
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0, stderr_path.read_text()[-3000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr, stdout = stderr_path.read_text(), stdout_path.read_text()
    assert PASSWORD not in stderr + stdout
    assert f"influxdb:http://{USER}:***@127.0.0.1:{influx.port}/?db=risk" in stderr
    file_batches, influx_batches = _file_batches(jsonl), _influx_points(influx, "risk")
    assert set(influx_batches) == set(file_batches)  # the batches of the outage were written after recovery
    assert all(points == want for points in influx_batches.values())  # whole batches, never half of one
    written = Counter(line.rsplit("batch ", 1)[1].split(";")[0] for line in stderr.splitlines()
                      if line.startswith("publish: influxdb:") and " series of batch " in line)
    assert set(written) == set(file_batches) and set(written.values()) == {1}  # each batch written once


def test_a_batch_written_twice_lands_on_the_same_points(influx, expected):
    sink = InfluxDBSink(_influx_uri(influx, "twice").removeprefix("influxdb:"))
    batch = Batch(1_700_000_000 * 10**9, "demo", expected)
    try:
        assert sink.write(batch) == len(expected)
        assert sink.write(batch) == len(expected)  # a retry after a lost answer
    finally:
        sink.close()
    counted = influx.rows('SELECT count("value") FROM /^risk\\//', "twice")
    assert sum(row["count"] for row in counted) == len(expected)


def test_wrong_credentials_are_reported_without_the_password_and_exit_1(influx, tmp_path, capsys):
    jsonl = tmp_path / "risk.jsonl"
    wrong = f"influxdb:http://{USER}:not-{PASSWORD}@127.0.0.1:{influx.port}/?db=risk"
    code = main(["publish", str(DEMO), f"--sink={wrong}", f"--sink=file:{jsonl}", "--timeout", "1.5s"])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert "HTTP 401" in err and "retry 2" in err  # refused, reported, retried after a backoff
    assert "1 batch(es) NOT written" in err
    assert PASSWORD not in err + out
    assert len(_file_batches(jsonl)) == 1  # the other sink was written all the same


def _panel_targets(kind: str) -> list[tuple[str, dict]]:
    dashboard = json.loads((ROOT / "deploy" / "grafana" / f"riskmodel-{kind}.json").read_text(encoding="utf-8"))
    return [(panel["title"], target) for panel in dashboard["panels"] for target in panel["targets"]]


def _grafana_influxql(query: str) -> str:
    """What Grafana sends for a raw InfluxQL query with the dashboard's variables set to this test's data."""
    for variable, value in (("$timeFilter", "time > now() - 1h"), ("$__interval", "10s"), ("$cluster", "demo"),
                            ("$window", "10m")):
        query = query.replace(variable, value)
    assert not re.search(r"\$[a-zA-Z_]", query), query
    return query


def test_the_grafana_dashboards_queries_return_the_published_series(influx, prometheus, sink_port, expected):
    from riskmodel.report.sinks.prometheus import PrometheusSink

    now = int(time.time())
    batch = Batch(now * 10**9, "demo", expected)
    influx_sink = InfluxDBSink(_influx_uri(influx, "dashboards").removeprefix("influxdb:"))
    prometheus_sink = PrometheusSink("127.0.0.1", sink_port)
    shares = {f.tag("service"): f.value for f in expected if f.metric == "risk/budget_share"}
    try:
        influx_sink.write(batch)
        prometheus_sink.write(batch)
        prometheus.wait_for("riskmodel_last_publish_timestamp_seconds",
                            lambda r: r and float(r[0]["value"][1]) == now)
        for title, target in _panel_targets("influxdb"):
            series = influx.query(_grafana_influxql(target["query"]), "dashboards")["results"][0].get("series", [])
            assert series, title
            if "budget share" in title.lower():
                found = {s["tags"]["service"]: [v for _, v in s["values"] if v is not None][-1] for s in series}
                assert found == shares
        values = influx.query('SHOW TAG VALUES FROM "risk/eal_per_year" WITH KEY = "cluster"', "dashboards")
        assert ["cluster", "demo"] in values["results"][0]["series"][0]["values"]
        for title, target in _panel_targets("prometheus"):
            expr = target["expr"].replace("$cluster", "demo")
            result = prometheus.instant(expr)
            assert result, title
            if target["range"]:
                ranged = prometheus.api("query_range", query=expr, start=str(now - 60), end=str(now + 5), step="5")
                assert ranged["result"], title
            if "budget share" in title.lower():
                assert {r["metric"]["service"]: float(r["value"][1]) for r in result} == shares
        assert "demo" in prometheus.api("label/cluster/values", **{"match[]": "riskmodel_eal_per_year"})
    finally:
        influx_sink.close()
        prometheus_sink.close()
