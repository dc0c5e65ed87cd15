"""Sinks without servers: the figures of an analysis, line protocol, redaction, durations, the
file sink's whole-batch appends (under a real file-size limit), the publisher's retries and
order, and ``publish``'s answers to bad input. The real servers: tests/test_sinks_servers.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from riskmodel.cli.main import main
from riskmodel.engine.current import KIND_ORDER
from riskmodel.errors import InputError
from riskmodel.report.analysis import analyse
from riskmodel.report.sinks.base import SinkError, parse_duration_seconds, redact
from riskmodel.report.sinks.figures import Batch, Figure, analysis_figures, batch_of
from riskmodel.report.sinks.influxdb import point_line
from riskmodel.report.sinks.publisher import Backoff, Publisher, SinkEvent
from riskmodel.sources.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"


@pytest.fixture(scope="module")
def demo_analysis():
    return analyse(load_scenario(DEMO))


def test_figures_are_the_register_current_problems_and_findings(demo_analysis):
    figures = analysis_figures(demo_analysis, "prod")
    register = demo_analysis.register
    by_key = {figure.key: figure.value for figure in figures}
    assert len(by_key) == len(figures)  # every series once
    assert by_key[("risk/eal_per_year", (("cluster", "prod"), ("type", "cluster")))] == register.eal_per_year
    modes = [f for f in figures if f.metric == "risk/eal_per_year" and f.tag("type") == "failure_mode"]
    assert len(modes) == len(register.failure_modes)
    assert sum(f.value for f in modes) == pytest.approx(register.eal_per_year, rel=1e-12)
    checkout = next(s for s in register.services if s.name == "checkout")
    tags = (("cluster", "prod"), ("service", "checkout"), ("type", "service"))
    assert by_key[("risk/error_budget_minutes", tags)] == pytest.approx((1 - checkout.slo) * 525_600)
    assert by_key[("risk/budget_share", tags)] == checkout.bad_minutes_per_year / checkout.error_budget_minutes
    node_a3 = next(f for f in figures if f.tag("type") == "node" and f.tag("node") == "node-a3")
    assert node_a3.tag("zone") == "eu-west-1a" and node_a3.value == register.nodes["node-a3"]
    counts = {f.tag("kind"): f.value for f in figures if f.metric == "risk/current_problems"}
    assert set(counts) == set(KIND_ORDER)  # zeros written too
    assert counts["condition_active"] == 3 and sum(counts.values()) == len(demo_analysis.current_problems)
    readonly = next(f for f in figures if f.metric == "risk/current_problem_cost_per_hour"
                    and f.tag("problem") == "node-a3/ReadonlyFilesystem")
    assert readonly.tag("node") == "node-a3"
    findings = [f for f in figures if f.metric == "risk/finding_eal_per_year"]
    assert {(f.tag("kind"), f.tag("workload")) for f in findings} == {
        (finding.kind, finding.workload) for finding in demo_analysis.findings}
    expected = (1 + len(register.failure_modes) + 4 * len(register.services) + len(register.nodes)
                + len(register.zones) + len(KIND_ORDER) + len(demo_analysis.current_problems)
                + len(demo_analysis.findings))
    assert len(figures) == expected


def test_a_batch_is_stamped_in_whole_seconds(demo_analysis):
    batch = batch_of(demo_analysis, "demo", 1_796_000_000.987)
    assert batch.timestamp_ns == 1_796_000_000 * 10**9


@pytest.mark.parametrize(("figure", "line"), [
    (Figure("risk/eal_per_year", (("cluster", "demo"), ("type", "cluster")), 1420231.7476934742),
     "risk/eal_per_year,cluster=demo,type=cluster value=1420231.7476934742 1700000000"),
    (Figure("risk/current_problem_cost_per_hour", (("kind", "pod_pending"), ("problem", "shop/web 1,a=b")), 0.5),
     r"risk/current_problem_cost_per_hour,kind=pod_pending,problem=shop/web\ 1\,a\=b value=0.5 1700000000"),
    (Figure("risk/eal_per_year", (("service", 'back\\slash'),), 2.0),
     r"risk/eal_per_year,service=back\\slash value=2.0 1700000000"),
])
def test_line_protocol_escapes_what_influxdb_requires(figure, line):
    assert point_line(figure, 1_700_000_000) == line


@pytest.mark.parametrize(("uri", "shown"), [
    ("influxdb:http://admin:s3cret@db:8086/?db=risk", "influxdb:http://admin:***@db:8086/?db=risk"),
    ("influxdb:http://db:8086/?db=risk&u=admin&p=s3cret", "influxdb:http://db:8086/?db=risk&u=admin&p=***"),
    ("influxdb:https://reader@db/?db=risk", "influxdb:https://reader@db/?db=risk"),
    ("file:/tmp/risk.jsonl", "file:/tmp/risk.jsonl"),
    ("prometheus:9464", "prometheus:9464"),
])
def test_credentials_are_redacted(uri, shown):
    assert redact(uri) == shown


@pytest.mark.parametrize(("text", "seconds"), [("5m", 300), ("30s", 30), ("1h30m", 5400), ("500ms", 0.5),
                                               ("1.5s", 1.5), ("2d", 172800)])
def test_durations(text, seconds):
    assert parse_duration_seconds(text, "--every") == seconds


@pytest.mark.parametrize("text", ["", "5", "m5", "5 m", "-5m", "0s", "5min"])
def test_bad_durations_are_named(text):
    with pytest.raises(InputError, match="expected a positive duration"):
        parse_duration_seconds(text, "--every")


def test_the_file_sink_never_leaves_half_a_batch(tmp_path):
    """A real write failure: the process may write at most LIMIT bytes (RLIMIT_FSIZE), so the second
    batch is cut short by the kernel; the sink reports it and cuts the file back to the first batch."""
    out = tmp_path / "risk.jsonl"
    script = f"""
import resource, signal
from riskmodel.report.sinks.figures import Batch, Figure
from riskmodel.report.sinks.file import FileSink
from riskmodel.report.sinks.base import SinkError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
figures = tuple(Figure("risk/eal_per_year", (("service", f"s{{i}}"),), float(i)) for i in range(40))
sink = FileSink(__import__("pathlib").Path({str(out)!r}))
sink.write(Batch(10**18, "c", figures))
size = __import__("os").path.getsize({str(out)!r})
resource.setrlimit(resource.RLIMIT_FSIZE, (size + size // 2, size + size // 2))
try:
    sink.write(Batch(2 * 10**18, "c", figures))
except SinkError as error:
    print("SinkError", error)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "SinkError" in result.stdout and "cut back to" in result.stdout, result.stdout + result.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 40 and {json.loads(line)["timestamp_ns"] for line in lines} == {10**18}


class FlakySink:
    """A sink whose first ``failures`` writes fail, recording what it was given."""

    def __init__(self, name: str, failures: int, keeps_history: bool = True, gate: threading.Event | None = None):
        self.name, self.keeps_history = name, keeps_history
        self.failures, self.written, self.gate = failures, [], gate
        self.entered = threading.Event()

    def write(self, batch: Batch) -> int:
        self.entered.set()
        if self.gate is not None:
            self.gate.wait(10)
        if self.failures:
            self.failures -= 1
            raise SinkError(f"{self.name}: down")
        self.written.append(batch.timestamp_ns)
        return len(batch.figures)

    def close(self) -> None:
        pass


def _batch(second: int) -> Batch:
    return Batch(second * 10**9, "c", (Figure("risk/eal_per_year", (("type", "cluster"),), float(second)),))


def test_a_failing_sink_is_retried_with_backoff_while_the_others_go_on():
    events: list[SinkEvent] = []
    good, flaky = FlakySink("good", 0), FlakySink("flaky", 3)
    publisher = Publisher([good, flaky], events.append, Backoff(initial_seconds=0.01, factor=2, max_seconds=0.04))
    for second in (1, 2, 3):
        publisher.publish(_batch(second))
    assert publisher.flush(10) == {}
    publisher.close()
    assert good.written == flaky.written == [10**9, 2 * 10**9, 3 * 10**9]  # in order, each once
    failed = [e for e in events if e.sink == "flaky" and e.outcome == "failed"]
    assert [e.attempt for e in failed] == [1, 2, 3] and [e.retry_in_seconds for e in failed] == [0.01, 0.02, 0.04]
    recovered = next(e for e in events if e.sink == "flaky" and e.outcome == "written")
    assert recovered.attempt == 4 and recovered.timestamp_ns == 10**9
    assert publisher.stats["flaky"].failures == 3 and publisher.stats["good"].failures == 0


def test_a_present_only_sink_skips_to_the_newest_batch_and_a_full_queue_drops_the_oldest():
    gate = threading.Event()
    events: list[SinkEvent] = []
    latest, history = FlakySink("latest", 0, keeps_history=False, gate=gate), FlakySink("history", 0, gate=gate)
    publisher = Publisher([latest, history], events.append, max_waiting=2)
    publisher.publish(_batch(1))
    assert latest.entered.wait(10) and history.entered.wait(10)  # both busy writing batch 1
    for second in (2, 3, 4):
        publisher.publish(_batch(second))
    gate.set()
    assert publisher.flush(10) == {}
    publisher.close()
    assert latest.written == [10**9, 4 * 10**9]
    assert history.written == [10**9, 3 * 10**9, 4 * 10**9]
    dropped = [e for e in events if e.outcome == "dropped"]
    assert [(e.sink, e.timestamp_ns) for e in dropped] == [("history", 2 * 10**9)]


def test_flush_names_the_sinks_still_behind():
    publisher = Publisher([FlakySink("down", 10**6)], lambda event: None, Backoff(initial_seconds=0.01))
    publisher.publish(_batch(1))
    assert publisher.flush(0.2) == {"down": 1}
    publisher.close()


def test_publish_once_to_log_and_file(tmp_path, capsys):
    out = tmp_path / "risk.jsonl"
    assert main(["publish", str(DEMO), "--sink=log", f"--sink=file:{out}", "--cluster", "shop-prod"]) == 0
    stdout, stderr = capsys.readouterr()
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(stdout.splitlines()) == len(records) > 100  # one log line per figure
    assert {r["tags"]["cluster"] for r in records} == {"shop-prod"}
    assert f"file:{out}: 1 batch(es), {len(records)} series" in stderr


def test_publish_to_an_influxdb_that_is_not_there_exits_1_and_the_file_is_written(tmp_path, capsys):
    from tests.monitoring_servers import free_port

    out = tmp_path / "risk.jsonl"
    code = main(["publish", str(DEMO), f"--sink=influxdb:http://u:hunter2@127.0.0.1:{free_port()}/?db=risk",
                 f"--sink=file:{out}", "--timeout", "1s"])
    _, stderr = capsys.readouterr()
    assert code == 1
    assert "connection refused" in stderr and "hunter2" not in stderr and "NOT written" in stderr
    assert out.read_text().count("\n") > 100


@pytest.mark.parametrize(("argv", "message"), [
    (["--sink=carbon:x"], "unknown sink 'carbon'"),
    (["--sink=prometheus:9464"], "needs --every"),
    (["--sink=log", "--every", "5 minutes"], "expected a positive duration"),
    (["--sink=log", "--every", "500ms"], "expected at least 1s"),
    (["--sink=log", "--source", "file:x"], "either a SCENARIO file or --source"),
    (["--sink=prometheus:70000", "--every", "5s"], "expected prometheus:PORT"),
    (["--sink=influxdb:ftp://u:topsecret@h/"], "influxdb:ftp://h/"),
    (["--sink=file:/no/such/folder/x.jsonl"], "does not exist"),
    (["--sink=log", "--defaults", "costs.yaml"], "go with --source"),
    (["--sink=influxdb:http://db:80x/?db=risk"], "the port is not a number"),
    (["--sink=influxdb:http://db:8086/?database=risk&p=topsecret"], "unknown option(s) database"),
])
def test_publish_bad_input_exits_2_with_the_reason(argv, message, capsys):
    assert main(["publish", str(DEMO), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "topsecret" not in err


def test_publish_a_broken_scenario_exits_2_before_any_sink_opens(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nnodes: [\n", encoding="utf-8")
    out = tmp_path / "risk.jsonl"
    assert main(["publish", str(broken), f"--sink=file:{out}"]) == 2
    assert "broken.yaml" in capsys.readouterr().err and not out.exists()


def test_publish_from_sources(tmp_path, capsys):
    out = tmp_path / "risk.jsonl"
    dump = ROOT / "tests" / "fixtures" / "k8s-bundle"
    assert main(["publish", "--source", f"file:{dump}", "--cluster", "bundle", f"--sink=file:{out}"]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    total = [r for r in records if r["metric"] == "risk/eal_per_year" and r["tags"]["type"] == "cluster"]
    assert len(total) == 1 and total[0]["tags"]["cluster"] == "bundle"


def test_a_round_whose_source_cannot_be_read_is_reported_and_skipped(tmp_path, capsys):
    from riskmodel.errors import SourceUnavailable
    from riskmodel.sources import registry
    from riskmodel.sources.file import read_uri

    reads = []

    def sometimes_down(argument: str):
        reads.append(argument)
        if len(reads) == 2:
            raise SourceUnavailable("kube: the API server did not answer (test)")
        return read_uri(str(ROOT / "tests" / "fixtures" / "k8s-bundle"))

    registry.register("sometimes-down", sometimes_down)
    out = tmp_path / "risk.jsonl"
    try:
        code = main(["publish", "--source", "sometimes-down:x", "--every", "1s", "--rounds", "2",
                     f"--sink=file:{out}"])
    finally:
        registry._READERS.pop("sometimes-down")
    err = capsys.readouterr().err
    assert code == 0 and len(reads) == 3
    assert "could not read the input this round, nothing published: kube: the API server did not answer" in err
    times = {json.loads(line)["time"] for line in out.read_text().splitlines()}
    assert len(times) == 2
