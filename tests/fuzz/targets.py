"""One fuzz target per loader: its inputs (a hypothesis strategy) and its check.

A check runs the loader on one input in a fresh temporary folder and returns ``ACCEPTED`` or
``REJECTED``. Rejected means: only the project's error family escaped, and every message
names the file (or the source) and the field or line. Accepted means: what loaded ranks and
simulates to finite numbers (JSON written through the one writer, which refuses NaN and
infinity). Anything else raises :class:`Broken`, or escapes as the exception it is: a crash.

To add a loader (part B: the kubectl dump, the exports), add one :class:`Target` to
``TARGETS``: a strategy built from :mod:`fuzz.strategies` and a check using the helpers here.
"""

from __future__ import annotations

import copy
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from conftest import small_catalog, small_scenario
from hypothesis import strategies as st

from fuzz.strategies import documents_or_text, mutated, mutated_text, structures, yaml_text
from riskmodel.cli.risk import _rank_table, rank_json
from riskmodel.cli.simulate import check_run_size, read_plan
from riskmodel.errors import InputError, InputErrors, RiskModelError
from riskmodel.files.jsonfile import json_text
from riskmodel.files.loader import load_catalog
from riskmodel.files.scenario_yaml import scenario_to_yaml
from riskmodel.report.analysis import analyse, rank_report
from riskmodel.simulate.montecarlo import simulate
from riskmodel.simulate.tables import InjectedFailure
from riskmodel.simulate.whatif_file import load_whatif
from riskmodel.sources import heapster, prometheus
from riskmodel.sources.kube_paging import parse_page
from riskmodel.sources.prometheus import parse_query_response
from riskmodel.sources.promtext import parse_exposition
from riskmodel.sources.scenario import LoadedScenario, load_scenario

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
ACCEPTED, REJECTED = "accepted", "rejected"
SIMULATED_YEARS = 4
"""Years simulated per accepted input: enough to run every code path, little enough to fuzz."""
_NOT_FINITE = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)


class Broken(AssertionError):
    """A contract violation that is not an exception of its own (a message without a place,
    NaN in an accepted result)."""


@dataclass(frozen=True)
class Target:
    """A loader to fuzz: ``inputs`` draws one input, ``check`` runs the loader on it."""

    name: str
    inputs: st.SearchStrategy[Any]
    check: Callable[[Any, Path], str]


# --- helpers -----------------------------------------------------------------------------

def rejected(error: RiskModelError, names: tuple[str, ...]) -> str:
    """Check a refusal's messages name one of ``names`` and a line or field; REJECTED."""
    problems = error.errors if isinstance(error, InputErrors) else [error]
    for problem in problems:
        text = str(problem)
        if not any(text.startswith(name) for name in names):
            raise Broken(f"message does not name the input {names}: {text!r}")
        if isinstance(problem, InputError) and problem.line is None and not problem.field \
                and not re.match(r"^\S+:\d+", problem.file) and not _FIELD_IN_PLACE.search(problem.file) \
                and not _WHOLE_FILE.search(problem.message):
            raise Broken(f"message names neither a line nor a field: {text!r}")
    return REJECTED


_FIELD_IN_PLACE = re.compile(r": [\w.]+(\[\d+\])*(\.\w+)*$")
"""A source's place that ends in a field path (``… query 'q': data.result[4].value``)."""
_WHOLE_FILE = re.compile(r"file is empty|file not found|over the [\d,]+-byte limit|expected UTF-8|NUL byte|"
                         r"nested deeper|expected a file|no catalog files|invalid or truncated JSON|not a JSON number|"
                         r"Exceeds the limit|expected a JSON object|the query failed|expected a Kubernetes object or List, got|"
                         r"missing 'kind'; expected a Kubernetes object")


def finite_json(data: Any, what: str) -> str:
    """The one JSON writer; a refusal for an accepted input is a contract violation."""
    try:
        return json_text(data, what=what)
    except RiskModelError as error:
        raise Broken(f"accepted input gave a non-finite result: {error}") from None


def ranks_and_simulates(loaded: LoadedScenario, injected: tuple[InjectedFailure, ...] = ()) -> None:
    """What was accepted ranks, and simulates a few years, to finite numbers."""
    analysis = analyse(loaded)
    report = rank_report(analysis)
    finite_json(rank_json(report), "rank")
    table = _rank_table(report)
    if _NOT_FINITE.search(table.replace("inflight", "")):
        raise Broken(f"rank table shows a non-finite number: {table[:300]!r}")
    try:
        check_run_size(analysis.planner, SIMULATED_YEARS)
    except InputError:
        return  # bounded: refused with a clear message before drawing anything
    result = simulate(analysis.planner, years=SIMULATED_YEARS, seed=7, injected=injected, workers=1)
    finite_json(result.to_dict(), "simulate")


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def _fenced_paths(document: Any) -> Any:
    """The CLI reads a scenario's ``evidence:``/``catalogs:`` wherever they point (only an app
    upload is fenced, ``load_scenario(allowed_roots=…)``); keep fuzzed scenarios from walking
    the machine's file system."""
    if isinstance(document, dict):
        document.pop("evidence", None)
        if isinstance(document.get("catalogs"), list) and document["catalogs"] != ["catalog.yaml"]:
            document["catalogs"] = ["catalog.yaml"]
    return document


# --- catalogs and scenarios ---------------------------------------------------------------

@cache
def _shipped_catalogs() -> list[dict[str, Any]]:
    return [yaml.safe_load(path.read_text()) for path in sorted((PROJECT_ROOT / "failure_catalogs").glob("*.yaml"))]


@cache
def _catalog_texts() -> list[str]:
    return [path.read_text() for path in sorted((PROJECT_ROOT / "failure_catalogs").glob("*.yaml"))[:3]] + [
        yaml_text(small_catalog())]


def check_catalog(text: str, folder: Path) -> str:
    path = _write(folder, "catalog.yaml", text)
    try:
        catalog, _ = load_catalog([path])
    except RiskModelError as error:
        return rejected(error, (str(path),))
    _write(folder, "scenario.yaml", yaml_text(small_scenario()))
    try:
        loaded = load_scenario(folder / "scenario.yaml")
    except RiskModelError as error:  # a catalog that is valid alone may still not fit the scenario
        return rejected(error, (str(path), str(folder / "scenario.yaml")))
    assert loaded.catalog == catalog
    ranks_and_simulates(loaded)
    return ACCEPTED


@cache
def _demo_document() -> dict[str, Any]:
    document = yaml.safe_load((PROJECT_ROOT / "scenarios" / "demo.yaml").read_text())
    document.pop("evidence", None)
    document["catalogs"] = ["catalog.yaml"]
    return document


@cache
def _scenario_texts() -> list[str]:
    demo = (PROJECT_ROOT / "scenarios" / "demo.yaml").read_text().replace("evidence: [demo-evidence]",
                                                                          "catalogs: [catalog.yaml]")
    return [demo, yaml_text(small_scenario())]


def scenario_inputs() -> st.SearchStrategy[str]:
    bases = [_demo_document(), small_scenario()]
    return st.one_of(mutated(bases).map(_fenced_paths).map(yaml_text), mutated(bases).map(_fenced_paths).map(yaml_text),
                     mutated_text(_scenario_texts()), structures().map(yaml_text))


def check_scenario(text: str, folder: Path) -> str:
    _write(folder, "catalog.yaml", yaml_text(small_catalog()))
    path = _write(folder, "scenario.yaml", text)
    try:
        loaded = load_scenario(path)
    except RiskModelError as error:
        return rejected(error, (str(path), str(folder / "catalog.yaml")))
    again = _write(folder, "written.yaml", scenario_to_yaml(loaded.scenario))  # the writer's output reads back
    if load_scenario(again).scenario != loaded.scenario:
        raise Broken("scenario_to_yaml did not read back as the same scenario")
    ranks_and_simulates(loaded)
    return ACCEPTED


# --- what-if and plan files ----------------------------------------------------------------

def _whatif_bases() -> list[dict[str, Any]]:
    return [
        {"base_scenario": "scenario.yaml", "failures": [{"fail": ["zone:a"], "at_hours": 0, "duration_hours": 4}],
         "measures": ["hardware-monitoring"], "years": 20000, "seed": 7},
        {"base_scenario": "scenario.yaml", "description": "two nodes", "years": 100,
         "failures": [{"fail": ["node:n1", "node:n2"], "label": "pair", "at_minutes": 60, "duration_minutes": 30,
                       "reschedule": False}]},
    ]


def check_whatif(text: str, folder: Path) -> str:
    _write(folder, "catalog.yaml", yaml_text(small_catalog()))
    _write(folder, "scenario.yaml", yaml_text(small_scenario()))
    path = _write(folder, "whatif.yaml", text)
    try:
        loaded = load_whatif(path)
    except RiskModelError as error:
        return rejected(error, (str(path), str(folder / "scenario.yaml"), str(folder / "catalog.yaml"),
                                str((folder / "scenario.yaml").resolve())))
    ranks_and_simulates(loaded.loaded, loaded.injected)
    return ACCEPTED


def _plan_bases() -> list[Any]:
    return [{"selected": ["hardware-monitoring"]}, {"plan": {"budget": 5000.0, "selected": ["runbooks"]}},
            {"scenario": "small", "plan": {"selected": ["hardware-monitoring", "runbooks"], "method": "greedy"}}]


def check_plan(text: str, folder: Path) -> str:
    path = _write(folder, "plan.yaml", text)
    try:
        selected = read_plan(str(path))
    except RiskModelError as error:
        return rejected(error, (str(path),))
    if not isinstance(selected, tuple) or not all(isinstance(item, str) for item in selected):
        raise Broken(f"read_plan returned {selected!r}")
    return ACCEPTED


# --- sources --------------------------------------------------------------------------------

@cache
def _scrape_texts() -> list[str]:
    return [(FIXTURES / "prometheus" / name).read_text()
            for name in ("npd-sample_metrics.prom.txt", "kube-state-metrics-nri-k8s-1.35-minikube.prom.txt")]


def check_scrape(text: str, folder: Path) -> str:
    path = _write(folder, "node-1.prom", text)
    try:
        dump = prometheus.read_uri(f"{path}#node-1")
    except RiskModelError as error:
        return rejected(error, (str(path),))
    finite_json([[c.node, c.type, c.status] for c in dump.evidence.conditions]
                + [[e.node, e.reason, e.count] for e in dump.evidence.events]
                + [list(vars(m).values())[:5] for m in dump.evidence.metrics], "evidence")
    return ACCEPTED


@cache
def _api_bodies() -> list[dict[str, Any]]:
    samples = parse_exposition(_scrape_texts()[0], "npd") + parse_exposition(_scrape_texts()[1], "ksm")[:40]
    result = [{"metric": {"__name__": name, "node": "n1", **labels}, "value": [1.7e9, repr(value)]}
              for name, labels, value in samples]
    return [{"status": "success", "data": {"resultType": "vector", "result": result[i:i + 6]}} for i in (0, 6, 30)]


WHERE = "prometheus: http://127.0.0.1:9090 query 'problem_gauge'"


def check_api_body(body: str, folder: Path) -> str:
    try:
        samples = parse_query_response(body.encode("utf-8", "surrogatepass"), WHERE)
        dump = prometheus.samples_to_evidence([sample for _, sample in samples], "prometheus:p", None, None,
                                              places=[place for place, _ in samples])
    except RiskModelError as error:
        return rejected(error, (WHERE,))
    finite_json([[e.node, e.count] for e in dump.evidence.events] + [[c.node, c.status] for c in dump.evidence.conditions]
                + [list(vars(m).values())[:5] for m in dump.evidence.metrics], "evidence")
    return ACCEPTED


@cache
def _heapster_texts() -> list[str]:
    return [(FIXTURES / "heapster" / name).read_text() for name in ("influxdb-line-protocol.txt", "influxdb-export.csv")]


def check_heapster(case: tuple[str, str], folder: Path) -> str:
    suffix, text = case
    path = _write(folder, f"points.{suffix}", text)
    try:
        dump = heapster.read_uri(str(path))
    except RiskModelError as error:
        return rejected(error, (str(path),))
    finite_json([list(vars(m).values())[:5] for m in dump.evidence.metrics], "evidence")
    return ACCEPTED


@cache
def _kube_pages() -> list[dict[str, Any]]:
    pages = []
    for name in ("k9s-pdb.json", "troubleshoot-deployments-default.json", "k9s-minikube-node.json",
                 "troubleshoot-eventlist-init-crashloop.json"):
        data = json.loads((FIXTURES / "k8s" / name).read_text())
        items = data.get("items", [data])[:3]
        pages.append({"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "1", "continue": "abc"},
                      "items": items})
    return pages


KUBE_WHERE = "kube: https://127.0.0.1:6443 nodes page 1"


def check_kube_page(body: str, folder: Path) -> str:
    try:
        items, token = parse_page(body.encode("utf-8", "surrogatepass"), KUBE_WHERE)
    except RiskModelError as error:
        return rejected(error, (KUBE_WHERE,))
    if not all(isinstance(item, dict) for item in items) or not (token is None or isinstance(token, str)):
        raise Broken(f"parse_page returned items {type(items)} token {token!r}")
    return ACCEPTED


def _json(document: Any) -> str:
    return json.dumps(document, allow_nan=True, default=str)


# --- kubectl dumps (the file source behind import, snapshot folders and bundles) -------------

DUMP_JSON = ("k9s-pv-zonal.json", "k9s-pdb.json", "k9s-pod-sidecar.json", "k9s-minikube-node.json",
             "k9s-deployment.json", "k9s-service.json", "k9s-pvc.json", "k9s-statefulset.json",
             "k9s-gke-event-single.json", "openshift-insights-master-0.json", "troubleshoot-pod-pending-resources.json")
DUMP_YAML = ("popeye-pdbs-HANDWRITTEN.yaml", "istio-gke-node-with-npd-conditions.yaml", "istio-gke-pod-kube-dns.yaml",
             "nri-k8s-1.35-minikube-nodes.yaml")


@cache
def _dump_documents(names: tuple[str, ...]) -> list[Any]:
    documents = []
    for name in names:
        text = (FIXTURES / "k8s" / name).read_text()
        documents += [json.loads(text)] if name.endswith(".json") else [d for d in yaml.safe_load_all(text) if d]
    return documents


def _dump_texts(names: tuple[str, ...]) -> list[str]:
    return [(FIXTURES / "k8s" / name).read_text() for name in names]


def _yaml_dump(document: Any) -> str:
    return yaml_text(document) if not isinstance(document, list) else yaml.safe_dump_all(document)


def dump_inputs(names: tuple[str, ...], dump: Callable[[Any], str]) -> st.SearchStrategy[str]:
    """Mutations of the recorded objects of tests/fixtures/k8s (one object, or several in a List),
    mutated texts of the files themselves, and random structures."""
    bases = _dump_documents(names)
    listed = [{"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
               "items": [copy.deepcopy(d) for d in bases[i:i + 3]]} for i in range(0, len(bases), 3)]
    return documents_or_text(bases + listed, _dump_texts(names), dump=dump)


def check_dump(case: tuple[str, str], folder: Path) -> str:
    """Read one kubectl file strictly (as CI does), then leniently; what is read imports into a
    scenario that loads, ranks and simulates."""
    from riskmodel.cli.sources import import_scenario
    from riskmodel.sources.file import read_dump

    suffix, text = case
    path = _write(folder, f"dump.{suffix}", text)
    try:
        read_dump(path, strict=True)
    except RiskModelError as error:
        rejected(error, (str(path),))
    scenario_path = folder / "imported.yaml"
    try:
        dump = read_dump(path, strict=False)
        import_scenario(dump, "fuzzed", scenario_path)
        document = yaml.safe_load(scenario_path.read_text())
        document["catalogs"] = ["catalog.yaml"]  # the small catalog: the reader is under test, not the planner
        _write(folder, "catalog.yaml", yaml_text(small_catalog()))
        _write(folder, "imported.yaml", yaml_text(document))
        loaded = load_scenario(scenario_path)
    except RiskModelError as error:
        return rejected(error, (str(path), str(scenario_path), str(folder / "imported.evidence.json")))
    ranks_and_simulates(loaded)
    return ACCEPTED


TARGETS: list[Target] = [
    Target("catalog", documents_or_text(_shipped_catalogs() + [small_catalog()], _catalog_texts()), check_catalog),
    Target("scenario", scenario_inputs(), check_scenario),
    Target("what-if", documents_or_text(_whatif_bases(), [yaml_text(b) for b in _whatif_bases()]), check_whatif),
    Target("plan", st.one_of(documents_or_text(_plan_bases(), [yaml_text(b) for b in _plan_bases()]),
                             mutated(_plan_bases()).map(_json)), check_plan),
    Target("prometheus text", mutated_text(_scrape_texts(), count=6), check_scrape),
    Target("prometheus API", documents_or_text(_api_bodies(), [_json(b) for b in _api_bodies()], dump=_json),
           check_api_body),
    Target("heapster", st.one_of(st.tuples(st.just("txt"), mutated_text([_heapster_texts()[0]], count=6)),
                                 st.tuples(st.just("csv"), mutated_text([_heapster_texts()[1]], count=6))),
           check_heapster),
    Target("kube responses", documents_or_text(_kube_pages(), [_json(p) for p in _kube_pages()], dump=_json),
           check_kube_page),
    Target("kubectl JSON", st.tuples(st.just("json"), dump_inputs(DUMP_JSON, _json)), check_dump),
    Target("kubectl YAML", st.tuples(st.just("yaml"), dump_inputs(DUMP_YAML, _yaml_dump)), check_dump),
]


def run_check(target: Target, value: Any) -> str:
    """Run ``target``'s check on one input in a fresh temporary folder."""
    with tempfile.TemporaryDirectory(prefix="riskmodel-fuzz-") as folder:
        return target.check(copy.deepcopy(value), Path(folder))
