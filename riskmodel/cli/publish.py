"""``publish``: the risk register as time series, written to every ``--sink`` once or ``--every``
interval, from a scenario file or from ``--source`` URIs read afresh each round (a live cluster).

Progress and every sink's failures and recoveries go to standard error (the ``log`` sink
writes its figures to standard output). Exit 0 when every sink has every batch, 1 when a sink
still had batches waiting at the end (once: after ``--timeout`` of retries), 2 on bad input.
A URI's credentials never appear in what is printed.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from riskmodel.errors import InputError, RiskModelError
from riskmodel.files.loader import SHIPPED_CATALOGS, load_catalog, parse_model
from riskmodel.model.defaults import ServiceDefaults
from riskmodel.report.analysis import analyse
from riskmodel.report.sinks.base import parse_duration_seconds, redact
from riskmodel.report.sinks.figures import batch_of
from riskmodel.report.sinks.log import batch_time, utc_time
from riskmodel.report.sinks.publisher import Publisher, SinkEvent
from riskmodel.report.sinks.registry import open_sinks
from riskmodel.sources.registry import read_sources
from riskmodel.sources.scenario import LoadedScenario, load_scenario

EXIT_SINK_BEHIND = 1
MIN_EVERY_SECONDS = 1.0
"""Batches are stamped in whole seconds: two in one second would land on the same points."""
STOP_FLUSH_SECONDS = 5.0


def loaded_from_sources(uris: list[str], name: str, defaults: ServiceDefaults | None,
                        catalogs: list[Path]) -> LoadedScenario:
    """A scenario built in memory from the sources, as ``import`` would write it, with its evidence."""
    from riskmodel.sources.topology import dump_to_scenario

    dump = read_sources(uris)
    scenario = dump_to_scenario(dump, name, defaults)
    catalog, hashes = load_catalog(catalogs or [SHIPPED_CATALOGS])
    return LoadedScenario(" ".join(redact(uri) for uri in uris), scenario, catalog, dump.evidence, hashes)


class Reporter:
    """Prints sink events and round lines to ``stream``, one whole line at a time from any thread."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        with self._lock:
            print(f"publish: {text}", file=self._stream, flush=True)

    def event(self, event: SinkEvent) -> None:
        when = utc_time(event.timestamp_ns)
        waiting = f"; {event.waiting} more batch(es) waiting" if event.waiting else ""
        if event.outcome == "failed":
            self.line(f"{event.message}; retry {event.attempt + 1} of batch {when} in {event.retry_in_seconds:g} s"
                      f"{waiting}")
        elif event.outcome == "dropped":
            self.line(f"{event.sink}: dropped batch {when}: {event.message}")
        elif event.attempt > 1:
            self.line(f"{event.sink}: recovered after {event.attempt} attempts: wrote {event.series} series of "
                      f"batch {when}{waiting}")
        else:
            self.line(f"{event.sink}: wrote {event.series} series of batch {when}{waiting}")


def _reader(args: argparse.Namespace) -> Callable[[], LoadedScenario]:
    if bool(args.scenario) == bool(args.source):
        raise InputError("publish", "expected either a SCENARIO file or --source URIs (one of the two)")
    if args.scenario:
        if args.defaults or args.catalog:
            raise InputError("publish", "--defaults and --catalog go with --source; a scenario file names its "
                             "catalogs and costs itself")
        path = Path(args.scenario)
        return lambda: load_scenario(path)
    defaults = parse_model(ServiceDefaults, Path(args.defaults))[0] if args.defaults else None
    catalogs = [Path(p) for p in args.catalog or []]
    return lambda: loaded_from_sources(args.source, args.cluster or "cluster", defaults, catalogs)


def _intervals(args: argparse.Namespace) -> tuple[float | None, float]:
    every = parse_duration_seconds(args.every, "--every") if args.every else None
    if every is not None and every < MIN_EVERY_SECONDS:
        raise InputError("--every", f"expected at least 1s (batches are stamped in whole seconds), got {args.every}")
    if every is None and any(uri.startswith("prometheus:") for uri in args.sink):
        raise InputError("--sink", "the prometheus sink is scraped while publish runs; it needs --every DURATION")
    if args.rounds is not None and args.rounds < 1:
        raise InputError("--rounds", f"expected a positive number of publishes, got {args.rounds}")
    return every, parse_duration_seconds(args.timeout, "--timeout")


@contextmanager
def _stop_on_sigterm() -> Iterator[threading.Event]:
    """Kubernetes stops a pod with SIGTERM: finish the round, flush, close the sinks, exit 0."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        yield stop
    finally:
        signal.signal(signal.SIGTERM, previous)


def _round(read: Callable[[], LoadedScenario], reporter: Reporter) -> LoadedScenario | None:
    try:
        return read()
    except RiskModelError as error:
        reporter.line(f"could not read the input this round, nothing published: {str(error).splitlines()[0]}")
        return None


def _rounds(args: argparse.Namespace, read: Callable[[], LoadedScenario], loaded: LoadedScenario,
          publisher: Publisher, reporter: Reporter, every: float | None, stop: threading.Event) -> None:
    count = 0
    next_start = time.monotonic()
    current: LoadedScenario | None = loaded
    while True:
        if current is not None:
            started, clock = time.time(), time.perf_counter()
            cluster = args.cluster or current.scenario.name
            batch = batch_of(analyse(current), cluster, started)
            publisher.publish(batch)
            count += 1
            reporter.line(f"round {count}: {len(batch.figures)} figures of cluster {cluster} at "
                          f"{batch_time(batch)}, computed in {time.perf_counter() - clock:.2f} s")
        if every is None or (args.rounds is not None and count >= args.rounds):
            return
        next_start += every
        if time.monotonic() > next_start:
            reporter.line(f"a round took longer than --every {args.every}; starting the next one now")
            next_start = time.monotonic()
        if stop.wait(max(0.0, next_start - time.monotonic())):
            reporter.line("SIGTERM: stopping after this round")
            return
        current = _round(read, reporter)


def cmd_publish(args: argparse.Namespace) -> int:
    every, timeout_seconds = _intervals(args)
    read = _reader(args)
    loaded = read()  # bad input fails here, before any sink opens
    sinks = open_sinks(args.sink)
    reporter = Reporter(sys.stderr)
    publisher = Publisher(sinks, reporter.event)
    try:
        with _stop_on_sigterm() as stop:
            _rounds(args, read, loaded, publisher, reporter, every, stop)
        behind = publisher.flush(timeout_seconds if every is None else STOP_FLUSH_SECONDS)
    finally:
        publisher.close()
    for name, stats in publisher.stats.items():
        reporter.line(f"{name}: {stats.batches} batch(es), {len(stats.series)} series, {stats.points} points written"
                      f"; {stats.failures} failed attempt(s)" + (f", {stats.dropped} dropped" if stats.dropped else ""))
    for name, waiting in behind.items():
        reporter.line(f"{name}: {waiting} batch(es) NOT written")
    return EXIT_SINK_BEHIND if behind else 0


def register(commands: Any) -> None:
    """Add ``publish`` to the CLI."""
    sink_help = ("repeatable: log, file:PATH (JSON lines), influxdb:http://HOST:PORT/?db=NAME, "
                 "prometheus:[ADDRESS:]PORT (/metrics; needs --every)")
    publish = commands.add_parser("publish", help="write the risk register to sinks (InfluxDB, Prometheus, …), "
                                                  "once or on an interval")
    publish.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario file (or give --source)")
    publish.add_argument("--source", action="append", metavar="URI",
                         help="read the cluster afresh each round: file:DIR, kube[:CONTEXT], … (as import)")
    publish.add_argument("--sink", action="append", required=True, metavar="URI", help=sink_help)
    publish.add_argument("--every", metavar="DURATION", help="publish on this interval (30s, 5m, 1h) until stopped")
    publish.add_argument("--rounds", type=int, metavar="N", help="with --every: stop after N publishes")
    publish.add_argument("--timeout", default="30s", metavar="DURATION",
                         help="once: how long to keep retrying failing sinks before exit 1 (default 30s)")
    publish.add_argument("--cluster", metavar="NAME", help="the cluster tag (default: the scenario's name)")
    publish.add_argument("--defaults", metavar="FILE", help="with --source: cost and SLO rules, as import takes")
    publish.add_argument("--catalog", action="append", metavar="PATH",
                         help="with --source: failure catalogs (default: the shipped ones)")
    publish.set_defaults(handler=cmd_publish)
