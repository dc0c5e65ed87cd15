"""Benchmark: one publish of the large scenario to all four sinks, and the series each wrote.

Times, side by side in one run: reading the scenario, the analysis behind the figures (register,
current problems, findings), each sink's write of the batch, and — for scale — ``rank``'s full
report (measures, plan, frontier) on the same analysis. The InfluxDB and Prometheus servers are
the real Debian ones on 127.0.0.1 (as in tests/test_sinks_servers.py); without them those two
sinks are left out and said so. Series counts are read back from each store.
Run: ``.venv/bin/python benchmarks/bench_publish.py`` (or ``make bench``).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from riskmodel.files.scenario_yaml import scenario_to_yaml  # noqa: E402
from riskmodel.generate.large import generate_large_scenario  # noqa: E402
from riskmodel.report.analysis import analyse, rank_report  # noqa: E402
from riskmodel.report.sinks.figures import batch_of  # noqa: E402
from riskmodel.report.sinks.file import FileSink  # noqa: E402
from riskmodel.report.sinks.log import LogSink  # noqa: E402
from riskmodel.sources.scenario import load_scenario  # noqa: E402
from tests.monitoring_servers import (  # noqa: E402
    INFLUXD,
    PROMETHEUS,
    InfluxServer,
    PrometheusServer,
    free_port,
)


def _timed(label: str, function):
    started = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - started
    print(f"  {label:<52} {elapsed:7.2f} s")
    return result, elapsed


def main() -> None:
    print(f"machine load (1, 5, 15 min): {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        path = tmp / "large.yaml"
        path.write_text(scenario_to_yaml(generate_large_scenario(seed=7, nodes=1000)), encoding="utf-8")
        servers = []
        influx = prometheus = None
        port = free_port()
        if INFLUXD and PROMETHEUS:
            (tmp / "influx").mkdir()
            (tmp / "prom").mkdir()
            influx, prometheus = InfluxServer(tmp / "influx"), PrometheusServer(tmp / "prom", [f"127.0.0.1:{port}"])
            for server in (influx, prometheus):
                server.start()
                servers.append(server)
        else:
            print("  influxd or prometheus not installed (scripts/install-monitoring.sh): those sinks left out")
        try:
            _run(path, tmp, influx, prometheus, port)
        finally:
            for server in servers:
                server.stop()


def _run(path: Path, tmp: Path, influx, prometheus, port: int) -> None:
    loaded, load_s = _timed("read the scenario (1,000 nodes, 10,000 pods)", lambda: load_scenario(path))

    def figures():
        analysis = analyse(loaded)
        return analysis, batch_of(analysis, "large", time.time())

    (analysis, batch), analyse_s = _timed("analysis + figures (register, problems, findings)", figures)
    log = io.StringIO()
    sinks = [LogSink(log), FileSink(tmp / "risk.jsonl")]
    if influx is not None:
        from riskmodel.report.sinks.influxdb import InfluxDBSink
        from riskmodel.report.sinks.prometheus import PrometheusSink

        sinks += [InfluxDBSink(f"{influx.url}/?db=bench"), PrometheusSink("127.0.0.1", port)]
    write_s = 0.0
    for sink in sinks:
        _, seconds = _timed(f"write to {sink.name}", lambda sink=sink: sink.write(batch))
        write_s += seconds
    _, rank_s = _timed("for scale: rank's report on the same analysis", lambda: rank_report(analysis))
    publish_s = load_s + analyse_s + write_s
    print(f"  publish (read + analysis + 4 writes): {publish_s:.2f} s; rank report alone {rank_s:.2f} s "
          f"(publish / (read + analysis + rank) = {publish_s / (load_s + analyse_s + rank_s):.2f})")
    print(f"  figures in the batch: {len(batch.figures)}")
    print(f"  series written: log {len(log.getvalue().splitlines())} lines, "
          f"file {(tmp / 'risk.jsonl').read_text().count(chr(10))} lines")
    if influx is not None and prometheus is not None:
        cardinality = influx.query("SHOW SERIES CARDINALITY", "bench")["results"][0]["series"][0]["values"][0][0]
        scraped = prometheus.wait_for('count({__name__=~"riskmodel_.+",__name__!~".*_timestamp_seconds"})',
                                      lambda r: r and int(float(r[0]["value"][1])) == len(batch.figures))
        print(f"  InfluxDB series cardinality {cardinality}; Prometheus scraped {int(float(scraped[0]['value'][1]))} "
              "riskmodel_* series")
    for sink in sinks:
        sink.close()


if __name__ == "__main__":
    main()
