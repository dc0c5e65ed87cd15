"""The simulate command and what-if files: strict parsing, clear errors, JSON shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import small_catalog, small_scenario, write_yaml

from riskmodel.cli.main import main
from riskmodel.errors import RiskModelError
from riskmodel.simulate.whatif_file import load_whatif

SHIPPED = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.fixture
def base(tmp_path: Path) -> Path:
    write_yaml(tmp_path / "catalog.yaml", small_catalog())
    return write_yaml(tmp_path / "small.yaml", small_scenario())


def whatif(tmp_path: Path, **fields) -> Path:
    data = {"base_scenario": "small.yaml", "failures": [{"fail": ["node:n1"], "duration_hours": 2}],
            "years": 200, "seed": 3, **fields}
    return write_yaml(tmp_path / "whatif.yaml", data)


def run_json(capsys, *argv: str) -> dict:
    assert main(["simulate", *argv, "--format", "json", "--quiet"]) == 0
    return json.loads(capsys.readouterr().out)


def test_whatif_file_injects_failures(base, tmp_path):
    loaded = load_whatif(whatif(tmp_path, failures=[{"fail": ["zone:a"], "at_hours": 1, "duration_minutes": 30}]))
    failure = loaded.injected[0]
    assert failure.failed_set.nodes == frozenset({"n1", "n2"})
    assert (failure.start_minutes, failure.duration_minutes) == (60.0, 30.0)


@pytest.mark.parametrize(("fields", "message"), [
    ({"failures": [{"fail": ["node:nope"], "duration_hours": 1}]}, "failures[0].fail: unknown node 'nope'"),
    ({"failures": [{"fail": ["node:n1"]}]}, "exactly one of duration_minutes or duration_hours"),
    ({"measures": ["no-such-measure"]}, "measures[0]: unknown measure id 'no-such-measure'"),
    ({"yeras": 10}, "unknown field 'yeras'; did you mean 'years'?"),
    ({"base_scenario": "missing.yaml"}, "base scenario 'missing.yaml' not found"),
])
def test_bad_whatif_files_name_the_field(base, tmp_path, fields, message):
    with pytest.raises(RiskModelError, match=None) as error:
        load_whatif(whatif(tmp_path, **fields))
    assert message in str(error.value) and "whatif.yaml" in str(error.value)


def test_validate_understands_whatif_files(base, tmp_path, capsys):
    assert main(["validate", str(whatif(tmp_path))]) == 0
    assert "what-if on 'small.yaml', 1 injected failure(s)" in capsys.readouterr().out
    assert main(["validate", str(whatif(tmp_path, measures=["bogus"]))]) == 2


def test_simulate_json_has_the_promised_keys(base, capsys):
    data = run_json(capsys, str(base), "--years", "300", "--seed", "1")
    for key in ("mean_loss", "p50", "p90", "p99", "std_error", "services"):
        assert key in data
    assert {s["name"] for s in data["services"]} == {"db", "shop"}
    assert set(data["services"][0]) >= {"name", "mean_bad_minutes", "p_budget_exhausted"}


def test_simulate_with_plan_file_compares_side_by_side(base, tmp_path, capsys):
    plan = write_yaml(tmp_path / "rank.json", {"plan": {"selected": ["hardware-monitoring", "runbooks"]}})
    data = run_json(capsys, str(base), "--years", "20000", "--seed", "1", "--plan", str(plan))
    assert data["with_plan"]["measures"] == ["hardware-monitoring", "runbooks"]
    # The plan halves node-loss frequency and repair: a drop far beyond the noise of 20,000 years.
    assert data["base"]["analytic_eal"] > data["with_plan"]["analytic_eal"]
    assert data["difference"]["mean_loss_avoided"] > 3 * data["difference"]["std_error"]
    same = run_json(capsys, str(base), "--years", "20000", "--seed", "1", "--plan", "hardware-monitoring,runbooks")
    assert same["with_plan"]["mean_loss"] == data["with_plan"]["mean_loss"]


def test_simulate_unknown_measure_exits_2(base, capsys):
    assert main(["simulate", str(base), "--plan", "bogus", "--years", "100", "--quiet"]) == 2
    assert "unknown measure id(s) bogus" in capsys.readouterr().err


def test_simulate_whatif_table_and_progress(base, tmp_path, capsys):
    assert main(["simulate", str(whatif(tmp_path, measures=["runbooks"]))]) == 0
    captured = capsys.readouterr()
    assert "with plan runbooks" in captured.out and "200/200 years" in captured.err


@pytest.mark.parametrize("name", ["whatif-zone-b-down.yaml", "whatif-plan-vs-base.yaml"])
def test_shipped_whatif_files_load(name):
    loaded = load_whatif(SHIPPED / name)
    assert loaded.spec.years >= 10_000 and loaded.spec.measures


def test_simulate_workers_do_not_change_the_numbers(base, capsys):
    one = run_json(capsys, str(base), "--years", "3000", "--seed", "2", "--workers", "1")
    two = run_json(capsys, str(base), "--years", "3000", "--seed", "2", "--workers", "2")
    assert one == two
    assert main(["simulate", str(base), "--years", "100", "--workers", "0", "--quiet"]) == 2
    assert "--workers" in capsys.readouterr().err
