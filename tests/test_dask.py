"""Chunks as Dask tasks: a real distributed.LocalCluster of two worker processes on 127.0.0.1.

The numbers must be identical (not close) to the local path's for the same seed: per-year
losses, per-mode losses, per-service bad minutes and budget probabilities. The fleet command
runs two clusters on the same client; its total is the sum of the clusters, year by year.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from riskmodel.cli.main import main
from riskmodel.files.scenario_yaml import scenario_to_yaml
from riskmodel.generate.large import generate_large_scenario
from riskmodel.plan.planner import Planner
from riskmodel.report.fleet import fleet_report
from riskmodel.simulate.montecarlo import simulate
from riskmodel.sources.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"


@pytest.fixture(scope="module")
def scheduler():
    distributed = pytest.importorskip("distributed")
    with pytest.MonkeyPatch.context() as patch:
        # Worker processes are spawned, and a spawned process re-runs the parent's __main__ file:
        # under pytest that may be a script an earlier test (Streamlit's AppTest) left behind.
        patch.delattr(sys.modules["__main__"], "__file__", raising=False)
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                      dashboard_address=None) as cluster:
            yield cluster.scheduler_address


def _same(one, two) -> None:
    np.testing.assert_array_equal(one.annual_loss, two.annual_loss)
    assert [m.mean_loss for m in one.modes] == [m.mean_loss for m in two.modes]
    assert [(s.mean_bad_minutes, s.p_budget_exhausted) for s in one.services] == \
        [(s.mean_bad_minutes, s.p_budget_exhausted) for s in two.services]
    assert (one.incidents, one.combined_share) == (two.incidents, two.combined_share)


def test_dask_tasks_give_the_local_numbers(scheduler):
    # The demo with topology measures (several topology groups, unions in each): 8,000 years are
    # four chunks of 2,000, spread over the two Dask workers.
    loaded = load_scenario(DEMO)
    planner = Planner(loaded.scenario, loaded.catalog, loaded.evidence)
    plan = ("spare-node-capacity", "second-replica", "runbooks")
    on_dask = simulate(planner, plan, years=8_000, seed=21, dask=scheduler)
    local = simulate(planner, plan, years=8_000, seed=21, workers=1)
    assert len(on_dask.convergence) == 4 and on_dask.combined_share > 0
    _same(on_dask, local)


def test_simulate_command_on_dask(scheduler, capsys):
    args = ["simulate", str(DEMO), "--years", "4000", "--seed", "3", "--format", "json", "--quiet"]
    assert main([*args, "--dask", scheduler]) == 0
    on_dask = json.loads(capsys.readouterr().out)
    assert main([*args, "--workers", "1"]) == 0
    assert json.loads(capsys.readouterr().out) == on_dask


def test_fleet_total_is_the_sum_of_its_clusters(scheduler, tmp_path):
    small = tmp_path / "small.yaml"
    small.write_text(scenario_to_yaml(generate_large_scenario(seed=2, nodes=40, workloads=20, services=12)),
                     encoding="utf-8")
    report = fleet_report([DEMO, small], years=1_000, seed=9, dask=scheduler)
    assert [c.scenario for c in report.clusters] == ["demo", "large-seed-2"]
    assert len({c.seed for c in report.clusters}) == 2
    total = report.total
    assert total.eal_per_year == pytest.approx(sum(c.eal_per_year for c in report.clusters))
    assert total.plan_cost == pytest.approx(sum(c.plan.annual_cost for c in report.clusters))
    per_year = report.clusters[0].base.annual_loss + report.clusters[1].base.annual_loss
    assert total.mean_loss == pytest.approx(per_year.mean())
    assert total.p99 == pytest.approx(np.quantile(per_year, 0.99))
    assert total.mean_loss_with_plan < total.mean_loss


def test_fleet_command_tables(tmp_path, capsys):
    (tmp_path / "catalog-like.yaml").write_text("catalog: x\n", encoding="utf-8")
    small = tmp_path / "small.yaml"
    small.write_text(scenario_to_yaml(generate_large_scenario(seed=2, nodes=40, workloads=20, services=12)),
                     encoding="utf-8")
    assert main(["fleet", str(tmp_path), str(DEMO), "--years", "300", "--seed", "1", "--workers", "1", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "left out" in captured.err and "catalog-like.yaml" in captured.err
    assert captured.out.count("with plan ") == 2 and "Fleet: 2 clusters" in captured.out


@pytest.mark.parametrize(("argv", "message"), [
    (["--dask", "nonsense"], "expected 'local' or a scheduler address"),
    (["--dask", "local", "--workers", "2"], "not both"),
])
def test_dask_options_are_checked(argv, message, capsys):
    assert main(["simulate", str(DEMO), "--years", "200", "--quiet", *argv]) == 2
    assert message in capsys.readouterr().err


def test_shipped_dask_cluster_manifest():
    import yaml

    manifest = yaml.safe_load((ROOT / "deploy" / "dask-cluster.yaml").read_text(encoding="utf-8"))
    assert (manifest["apiVersion"], manifest["kind"]) == ("kubernetes.dask.org/v1", "DaskCluster")
    worker = manifest["spec"]["worker"]["spec"]["containers"][0]
    assert worker["args"][:4] == ["dask", "worker", "--nthreads", "1"]
    ports = {p["name"]: p["port"] for p in manifest["spec"]["scheduler"]["service"]["ports"]}
    assert ports["tcp-comm"] == 8786
