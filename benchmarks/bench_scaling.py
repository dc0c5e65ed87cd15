"""How import, rank and simulate grow with the cluster: 100, 1,000 and 10,000 nodes.

For each size the seeded large scenario is generated (pods ≈ 10 per node, 0.3 workloads per
node beyond 1,000) and written twice: as scenario YAML, and as the kubectl dump the cluster
would give (``benchmarks/kubectl_dump.py``). Each step runs as its own command, as a user runs
it, timed from start to exit with its peak memory summed over its processes (RSS, and PSS,
which counts pages that forked workers share once):

* import:   ``python -m riskmodel import --source file:DUMP --output scenario.yaml``
* rank:     ``python -m riskmodel rank scenario.yaml --format json``
* simulate: ``python -m riskmodel simulate scenario.yaml --years Y --quiet --format json``
  (10,000 years at 100 and 1,000 nodes; at 10,000 nodes Y and 2·Y years, extrapolated
  linearly to 10,000 years from the two runs and said so — the fixed cost of loading the
  scenario and building the model counted once, not per year: a chunk of 10,000-node years
  is independent of the others)

The log-log slope between two sizes is log(t₂/t₁)/log(n₂/n₁): 1 means linear growth. Targets
(DESIGN.md, issue #15): 10,000 nodes — simulate 10,000 years ≤ 60 s and ≤ 2 GiB over all
processes, rank ≤ 10 s, import ≤ 5 s; memory flat in the number of years (checked by running
the 1,000-node scenario at 2,000 and 10,000 years).
Run: ``.venv/bin/python benchmarks/bench_scaling.py [--sizes 100,1000,10000] [--big-years 100]``.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import CommandRun, load, riskmodel, run_command, verdict  # noqa: E402
from benchmarks.kubectl_dump import write_dump  # noqa: E402
from riskmodel.files.scenario_yaml import scenario_to_yaml  # noqa: E402
from riskmodel.generate.large import generate_large_scenario  # noqa: E402

FULL_YEARS = 10_000


def _row(label: str, nodes: int, run: CommandRun, note: str = "") -> None:
    print(f"  {nodes:>6,} nodes  {label:<9} {run.seconds:8.2f} s   peak RSS {run.peak_rss_mib:7,.0f} MiB   "
          f"PSS {run.peak_pss_mib:7,.0f} MiB  {note}")


def _slope(a: tuple[int, float], b: tuple[int, float]) -> str:
    (n1, t1), (n2, t2) = a, b
    return f"{math.log(t2 / t1) / math.log(n2 / n1):.2f}" if t1 > 0 and t2 > 0 else "n/a"


def measure(nodes: int, folder: Path, years: int) -> dict[str, tuple[CommandRun, float]]:
    """The three steps at one size; per step its run and its figure for the slopes."""
    started = time.perf_counter()
    scenario = generate_large_scenario(nodes=nodes)
    path = folder / f"large-{nodes}.yaml"
    path.write_text(scenario_to_yaml(scenario), encoding="utf-8")
    counts = write_dump(scenario, folder / f"dump-{nodes}")
    pods = sum(w.replicas for w in scenario.workloads)
    print(f"{nodes:,} nodes: {pods:,} pods, {len(scenario.workloads):,} workloads, {len(scenario.services)} services; "
          f"dump of {sum(counts.values()):,} objects written in {time.perf_counter() - started:.1f} s")
    imported = run_command(riskmodel("import", "--source", f"file:{folder / f'dump-{nodes}'}",
                                     "--output", str(folder / f"imported-{nodes}.yaml")))
    _row("import", nodes, imported, f"({sum(counts.values()) / imported.seconds:,.0f} objects/s)")
    ranked = run_command(riskmodel("rank", str(path), "--format", "json"))
    _row("rank", nodes, ranked)
    simulated = _simulate(path, years)
    per_year = simulated.seconds / years
    _row("simulate", nodes, simulated, f"{years:,} years, {_incidents(simulated) / simulated.seconds:,.0f} incidents/s")
    if years != FULL_YEARS:
        longer = _simulate(path, 2 * years)
        per_year = (longer.seconds - simulated.seconds) / years
        fixed = simulated.seconds - per_year * years
        _row("simulate", nodes, longer, f"{2 * years:,} years; {FULL_YEARS:,} years ≈ {fixed + per_year * FULL_YEARS:,.0f} s "
             f"(fixed {fixed:,.1f} s + {1000 * per_year:,.1f} ms a year, from the two runs: years scale linearly)")
        simulated = longer
    return {"import": (imported, imported.seconds), "rank": (ranked, ranked.seconds),
            "simulate": (simulated, per_year)}


def _simulate(path: Path, years: int) -> CommandRun:
    return run_command(riskmodel("simulate", str(path), "--years", str(years), "--quiet", "--format", "json"))


def _incidents(run: CommandRun) -> int:
    return int(run.output.split('"incidents":')[1].split(",")[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--big-years", type=int, default=100,
                        help="simulated years at the largest size (run at this and twice this)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"scaling of import, rank and simulate; {load()}")
    results: dict[int, dict[str, tuple[CommandRun, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="riskmodel-scaling-") as tmp:
        for nodes in sizes:
            results[nodes] = measure(nodes, Path(tmp), FULL_YEARS if nodes <= 1000 else args.big_years)
        if 1000 in sizes:
            path = Path(tmp) / "large-1000.yaml"
            short = run_command(riskmodel("simulate", str(path), "--years", "2000", "--quiet", "--format", "json"))
            long = results[1000]["simulate"][0]
            print(f"memory in the number of years (1,000 nodes): peak PSS {short.peak_pss_mib:,.0f} MiB at 2,000 years, "
                  f"{long.peak_pss_mib:,.0f} MiB at 10,000 years "
                  f"[flat: {verdict(long.peak_pss_mib, 1.25 * short.peak_pss_mib)}]")
    print("log-log slopes (1 = linear in nodes; simulate per simulated year, at the largest size the marginal year):")
    for step in ("import", "rank", "simulate"):
        pairs = [f"{a:,}→{b:,}: {_slope((a, results[a][step][1]), (b, results[b][step][1]))}"
                 for a, b in zip(sizes, sizes[1:], strict=False)]
        print(f"  {step:<9} " + ", ".join(pairs))
    largest = max(sizes)
    if largest >= 10_000:
        big = results[largest]
        simulate_seconds = big["simulate"][0].seconds + big["simulate"][1] * (FULL_YEARS - 2 * args.big_years)
        print(f"targets at {largest:,} nodes: simulate {FULL_YEARS:,} years ≈ {simulate_seconds:,.0f} s "
              f"[≤ 60 s: {verdict(simulate_seconds, 60)}], peak PSS {big['simulate'][0].peak_pss_mib:,.0f} MiB "
              f"[≤ 2,048 MiB: {verdict(big['simulate'][0].peak_pss_mib, 2048)}] (RSS summed "
              f"{big['simulate'][0].peak_rss_mib:,.0f} MiB); rank {big['rank'][1]:.1f} s "
              f"[≤ 10 s: {verdict(big['rank'][1], 10)}]; import {big['import'][1]:.1f} s "
              f"[≤ 5 s: {verdict(big['import'][1], 5)}; the import is being rewritten (issue #10)]")
    print(f"done; {load()}")


if __name__ == "__main__":
    main()
