"""Calibration from history: the empirical-Bayes fit, problem episodes, the overlay, the command.

The hand-computed case (used twice: on the functions and through ``calibrate`` on files):
three clusters with 10, 20 and 30 node-years and 0, 2 and 18 OOM kills; catalog rate 0.05
per node-year worth 1 node-year.

* fleet: (0.05·1 + 20) / (1 + 60) = 20.05 / 61 = 0.328689 per node-year;
* raw rates 0, 0.1, 0.6; s² = (10·0.328689² + 20·0.228689² + 30·0.271311²) / 60
  = (1.080362 + 1.045969 + 2.208358) / 60 = 0.072245; τ² = s² − 0.328689 / 20 = 0.055810;
  β = 0.328689 / 0.055810 = 5.8895 node-years;
* clusters: (0.328689·5.8895 + k) / (5.8895 + t) = 1.935806 / 15.8895 = 0.12183,
  3.935806 / 25.8895 = 0.15202, 19.935806 / 35.8895 = 0.55548.

With 1, 2, 3 events instead the raw rates all equal 0.1: s² = Σt(0.1 − 0.099180)²/60 is far
below the Poisson noise 0.099180/20, so τ² < 0 and every cluster keeps the fleet rate.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES, PROJECT_ROOT, write_yaml

from riskmodel.cli.main import main
from riskmodel.engine.calibration import (
    ClusterHistory,
    between_cluster_weight,
    calibrate,
    fit_durations,
    fleet_rate,
    observation_years,
    shrunk_rate,
)
from riskmodel.engine.episodes import mode_episodes, scan_episodes, unique_events
from riskmodel.errors import InputErrors
from riskmodel.generate.evidence_fleet import generate_fleet, write_fleet
from riskmodel.model.catalog import Catalog, FailureMode
from riskmodel.model.evidence import Evidence, NodeCondition, NodeEvent
from riskmodel.sources.scenario import load_scenario

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def mode(**fields) -> FailureMode:
    data = {"id": "node-oom", "title": "OOM kills", "scope": "node", "frequency_per_year": 0.05,
            "detect_minutes": 10, "repair_minutes": 30, "signals": {"events": ["OOMKilling"]},
            "rationale": "hand-made for the calibration tests", **fields}
    return FailureMode.model_validate(data)


def test_fleet_rate_spread_and_shrinkage_by_hand():
    fleet = fleet_rate(0.05, 1.0, [0, 2, 18], [10, 20, 30])
    assert fleet == pytest.approx(0.328689, abs=1e-6)
    beta = between_cluster_weight(fleet, [0, 2, 18], [10, 20, 30])
    assert beta == pytest.approx(5.8895, rel=1e-4)
    shrunk = [shrunk_rate(fleet, beta, k, t) for k, t in ((0, 10), (2, 20), (18, 30))]
    assert shrunk == pytest.approx([0.12183, 0.15202, 0.55548], abs=1e-5)


def test_clusters_that_agree_get_the_fleet_rate():
    fleet = fleet_rate(0.05, 1.0, [1, 2, 3], [10, 20, 30])
    assert fleet == pytest.approx(6.05 / 61)
    assert between_cluster_weight(fleet, [1, 2, 3], [10, 20, 30]) is None
    assert shrunk_rate(fleet, None, 3, 30) == fleet
    assert between_cluster_weight(fleet, [3], [30]) is None  # one cluster: nothing to compare


def test_observation_window_is_the_union_of_what_each_read_covers():
    day = timedelta(days=1)
    reads = [Evidence(observed_at=T0 + 10 * day), Evidence(observed_at=T0 + 40 * day)]
    assert observation_years(reads) == 0.0  # no window start, no retention: unknown
    assert observation_years(reads, event_ttl_hours=24) == pytest.approx(2 / 365)
    overlapping = [Evidence(observed_at=T0 + 10 * day), Evidence(observed_at=T0 + 25 * day)]
    assert observation_years(overlapping, event_ttl_hours=20 * 24) == pytest.approx(35 / 365)


def deadlock_reads() -> list[Evidence]:
    """n1: TaskHung at 0 min, KernelDeadlock True since 8 min (read at 20), False since 53 (read at 90)."""
    task = NodeEvent("n1", "TaskHung", 1, at(0), at(0))
    first = Evidence(conditions=(NodeCondition("n1", "KernelDeadlock", "True", last_transition_time=at(8)),),
                     events=(task,), observed_at=at(20), window_start=at(-600))
    second = Evidence(conditions=(NodeCondition("n1", "KernelDeadlock", "False", last_transition_time=at(53)),),
                      events=(task,), observed_at=at(90))
    return [second, first]  # any order: reads are put in time order


def test_a_condition_true_since_then_false_since_is_an_episode():
    scan = scan_episodes(deadlock_reads())
    assert [(e.node, e.condition, e.minutes) for e in scan.episodes] == [("n1", "KernelDeadlock", 45.0)]
    assert (scan.still_open, scan.unpaired_ends) == (0, 0)
    evicting = mode(signals={"conditions": [{"type": "KernelDeadlock"}], "events": ["TaskHung"]})
    found = mode_episodes(evicting, scan, unique_events(deadlock_reads()))
    detect, repair = fit_durations(evicting, found, minimum=1)
    assert (detect.fitted_minutes, repair.fitted_minutes) == (8.0, 45.0)  # the flag splits them
    staying = mode(signals={"conditions": [{"type": "KernelDeadlock"}], "events": ["TaskHung"]},
                   effect={"type": "unavailable", "auto_eviction": False})
    detect, repair = fit_durations(staying, found, minimum=1)
    # nothing acts on the flag: the 53-minute incident splits as the catalog's 10 : 30
    assert (detect.fitted_minutes, repair.fitted_minutes) == pytest.approx((13.25, 39.75))
    assert fit_durations(staying, found, minimum=2)[1].fitted_minutes is None  # one episode < 2


def test_ready_episodes_come_from_node_events_and_need_a_sign_of_the_mode():
    events = (NodeEvent("n2", "KernelOops", 1, at(-5), at(-5)),
              NodeEvent("n2", "NodeNotReady", 2, at(0), at(300)), NodeEvent("n2", "NodeReady", 2, at(12), at(303)),
              NodeEvent("n2", "Rebooted", 1, at(11), at(11)))
    reads = [Evidence(events=events, observed_at=at(400))]
    scan = scan_episodes(reads)
    assert sorted(e.minutes for e in scan.episodes) == [3.0, 12.0]
    crash = mode(id="node-crash", signals={"events": ["KernelOops", "Rebooted"]})
    found = mode_episodes(crash, scan, events)
    assert [(e.repair_minutes, e.detect_minutes) for e in found] == [(12.0, 5.0)]  # the 3-minute one has no sign
    # KernelOops and Rebooted 16 minutes apart are one crash, not two
    cluster = ClusterHistory("c", tuple(reads), frozenset({"n2"}), 1.0)
    assert calibrate(Catalog(failure_modes=(crash,)), [cluster]).modes[0].rate.incidents == 1


def test_the_same_event_in_two_reads_counts_once():
    early = NodeEvent("n1", "OOMKilling", 2, at(0), at(50))
    later = NodeEvent("n1", "OOMKilling", 5, at(0), at(900))
    merged = unique_events([Evidence(events=(early,)), Evidence(events=(later,))])
    assert merged == (later,)


def _small_cluster(folder: Path, name: str, nodes: int, kills: int) -> Path:
    """A read of a cluster: ``nodes`` Node objects and ``kills`` OOM kills on its first node."""
    read = folder / name
    read.mkdir()
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": ""},
            "status": {"allocatable": {"cpu": "2", "memory": "8Gi", "pods": "110"},
                       "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2025-01-01T00:00:00Z"}]}}
    items = [{**node, "metadata": {"name": f"{name}-n{i}"}} for i in range(nodes)]
    (read / "nodes.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    events = [{"apiVersion": "v1", "kind": "Event", "metadata": {"name": f"{name}-oom", "namespace": "default"},
               "involvedObject": {"kind": "Node", "name": f"{name}-n0"}, "reason": "OOMKilling", "count": kills,
               "firstTimestamp": "2026-03-01T00:00:00Z", "lastTimestamp": "2026-06-01T00:00:00Z"}] if kills else []
    (read / "events.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": events}))
    (read / "snapshot.json").write_text(json.dumps({"time": "2026-12-31T00:00:00Z", "source": "hand-made"}))
    return read


def test_calibrate_reproduces_the_hand_computed_case(tmp_path, capsys):
    catalog = write_yaml(tmp_path / "catalog.yaml", {"catalog": "oom", "version": "1", "failure_modes": [
        mode().model_dump(mode="json", exclude_defaults=True)]})
    sources = [f"--source={name}=file:{_small_cluster(tmp_path, name, n, k)}"
               for name, n, k in (("a", 10, 0), ("b", 20, 2), ("c", 30, 18))]
    overlay = tmp_path / "overlay.yaml"
    assert main(["calibrate", *sources, "--catalog", str(catalog), "--event-ttl-hours", "8760",
                 "--output", str(overlay), "--format", "json"]) == 0
    fit = json.loads(capsys.readouterr().out)["failure_modes"][0]["rate"]
    assert [c["node_years"] for c in fit["clusters"]] == pytest.approx([10, 20, 30])  # 1-year retention
    assert fit["fleet_per_node_year"] == pytest.approx(0.328689, abs=1e-6)
    assert fit["between_cluster_weight"] == pytest.approx(5.8895, rel=1e-4)
    assert [c["posterior_per_node_year"] for c in fit["clusters"]] == pytest.approx([0.12183, 0.15202, 0.55548],
                                                                                     abs=1e-5)
    scenario = write_yaml(tmp_path / "one.yaml", {
        "name": "one", "catalogs": ["catalog.yaml"], "zones": [{"name": "z", "region": "r"}],
        "nodes": [{"name": "n", "zone": "z", "allocatable": {"cpu": "2", "memory": "8Gi"}}]})
    assert load_scenario(scenario).catalog.failure_modes[0].frequency_per_year == 0.05
    calibrated = load_scenario(scenario, overlays=[overlay])
    assert calibrated.catalog.failure_modes[0].frequency_per_year == pytest.approx(0.328689, abs=1e-6)
    assert "calibration" in calibrated.catalog.versions and str(overlay) in calibrated.input_hashes


def test_an_overlay_naming_an_unknown_mode_is_an_error(tmp_path):
    write_yaml(tmp_path / "catalog.yaml", {"catalog": "oom", "version": "1", "failure_modes": [
        mode().model_dump(mode="json", exclude_defaults=True)]})
    bad = write_yaml(tmp_path / "overlay.yaml", {"overlay": "x", "version": "1", "failure_modes": [
        {"id": "node-om", "frequency_per_year": 1, "rationale": "a typo in the id"}]})
    scenario = write_yaml(tmp_path / "s.yaml", {"name": "s", "catalogs": ["catalog.yaml"],
                                                "catalog_overlays": ["overlay.yaml"]})
    with pytest.raises(InputErrors) as caught:
        load_scenario(scenario)
    assert f"{bad}:4: failure_modes[0].id: unknown failure mode id 'node-om'" in str(caught.value)


def test_calibrate_on_the_recorded_evidence_and_a_generated_fleet(tmp_path, capsys):
    """The shipped demo evidence, a recorded GKE node and 50 generated clusters (seed 14)."""
    reads = write_fleet(generate_fleet(np.random.default_rng(14), 50), tmp_path / "fleet")
    sources = [f"--source={name}=file:{path}" for name, path in reads]
    recorded = [f"--source=demo=file:{PROJECT_ROOT / 'scenarios' / 'demo-evidence'}",
                f"--source=gke=file:{FIXTURES / 'k8s' / 'istio-gke-node-with-npd-conditions.yaml'}"]
    overlay = tmp_path / "overlay.yaml"
    assert main(["calibrate", *recorded, *sources, "--event-ttl-hours", "720", "--output", str(overlay),
                 "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    with_events = {m["failure_mode_id"]: m for m in result["failure_modes"] if m["rate"] and m["rate"]["incidents"]}
    assert {"node-crash-reboot", "node-kernel-deadlock", "node-oom-kills", "node-readonly-filesystem",
            "node-memory-pressure", "node-corrupt-overlay"} <= set(with_events)
    assert len(result["clusters"]) == 52
    crash = with_events["node-crash-reboot"]["rate"]
    # the fleet was drawn at 0.8 crashes per node-year: the fit finds it within its Poisson error
    assert crash["fleet_per_node_year"] == pytest.approx(0.8, abs=2.5 * (0.8 / crash["node_years"]) ** 0.5)
    assert main(["calibrate", *recorded, *sources, "--event-ttl-hours", "720", "--output", str(overlay)]) == 0
    table = capsys.readouterr().out
    for mode_id, fit in with_events.items():
        row = next(line for line in table.splitlines() if line.startswith(mode_id))
        assert f"{fit['rate']['incidents']:,}" in row.split()  # prior vs posterior printed for every mode with events
    assert "overlay written to" in table
