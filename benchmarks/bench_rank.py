"""Benchmark: ``rank`` — every single-measure ΔEAL, the budget plan and the frontier.

Targets (DESIGN.md, issue #15): rank ≤ 0.3 s on the demo and ≤ 1 s on the large scenario
(1,000 nodes); all single-measure ΔEAL plus the budget plan for ≥ 40 measures ≤ 1 s. The risk
model (blast radii of every failed set) is built first and timed apart; "rank" is what
:func:`riskmodel.report.analysis.rank_report` adds on top of it — the measures alone, the plan
(greedy, checked by exhaustive search when there are few candidates), the bad minutes with the
plan, and the frontier, evaluated mode by mode with the topology variants they need. The whole
command (``python -m riskmodel rank … --format json``: start-up, parsing, model, rank, JSON)
is timed too. The shipped catalog has fewer than 40 measures, so the last case adds copies of
its prevention and recovery measures with other factors and costs until there are 48.
Run: ``.venv/bin/python benchmarks/bench_rank.py`` (or ``make bench``).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import load, riskmodel, run_command, verdict  # noqa: E402
from riskmodel.files.loader import SHIPPED_CATALOGS, SHIPPED_SCENARIOS, load_catalog  # noqa: E402
from riskmodel.files.scenario_yaml import scenario_to_yaml  # noqa: E402
from riskmodel.generate.large import generate_large_scenario  # noqa: E402
from riskmodel.model.catalog import Catalog  # noqa: E402
from riskmodel.model.evidence import Evidence  # noqa: E402
from riskmodel.model.scenario import Scenario  # noqa: E402
from riskmodel.report.analysis import analyse, rank_report  # noqa: E402
from riskmodel.sources.scenario import LoadedScenario, load_scenario  # noqa: E402

TARGET_MEASURES = 48


def _with_extra_measures(catalog: Catalog) -> tuple[Catalog, int]:
    extra = []
    sources = [m for m in catalog.measures if m.kind in ("prevention", "recovery")]
    position = 0
    while len(catalog.measures) + len(extra) < TARGET_MEASURES:
        base = sources[position % len(sources)]
        position += 1
        effect = {k: (min(1.0, v * 1.1) if isinstance(v, float) and k.endswith("factor") else v)
                  for k, v in base.effect.model_dump().items()}
        extra.append(base.model_copy(update={
            "id": f"{base.id}-variant-{position}", "effect": base.effect.model_validate(effect),
            "cost": base.cost.model_copy(update={"per_year": base.cost.per_year * 0.8 + 100})}))
    return catalog.model_copy(update={"measures": catalog.measures + tuple(extra)}), len(extra)


def _loaded(scenario: Scenario, catalog: Catalog) -> LoadedScenario:
    return LoadedScenario(path="generated", scenario=scenario, catalog=catalog, evidence=Evidence())


def bench(label: str, loaded: LoadedScenario, target: float) -> None:
    started = time.perf_counter()
    analysis = analyse(loaded)
    built = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    report = rank_report(analysis)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    planner = analysis.planner
    print(f"{label}: {len(loaded.scenario.nodes):,} nodes, {len(loaded.catalog.measures)} measures; risk model "
          f"({len(analysis.model.structures):,} blast radii) + register {built:.2f} s; rank {elapsed:.2f} s "
          f"({cpu:.2f} s cpu; {len(planner._outcomes):,} measure sets, {len(planner._mode_eals):,} mode evaluations, "
          f"{len(planner._models) - 1} whole and {len(getattr(planner, '_partial', {}))} partial topology variants; "
          f"plan: {len(report.plan.selected)} picked, "
          f"{report.plan.method})  [target rank <= {target:g} s: {verdict(elapsed, target)}]")


def main() -> None:
    print(f"rank benchmark; {load()}")
    demo = load_scenario(SHIPPED_SCENARIOS / "demo.yaml")
    bench("demo", demo, 0.3)
    catalog, _ = load_catalog([SHIPPED_CATALOGS])
    large = generate_large_scenario()
    bench("large", _loaded(large, catalog), 1.0)
    wide, added = _with_extra_measures(catalog)
    bench(f"large, {TARGET_MEASURES} measures ({added} benchmark variants added)", _loaded(large, wide), 1.0)
    with tempfile.TemporaryDirectory(prefix="riskmodel-rank-") as tmp:
        path = Path(tmp) / "large.yaml"
        path.write_text(scenario_to_yaml(large), encoding="utf-8")
        for name, scenario_path in (("demo", SHIPPED_SCENARIOS / "demo.yaml"), ("large", path)):
            run = run_command(riskmodel("rank", str(scenario_path), "--format", "json"))
            print(f"  whole command, {name}: python -m riskmodel rank --format json {run.seconds:.2f} s, "
                  f"peak RSS {run.peak_rss_mib:,.0f} MiB")
    print(f"done; {load()}")


if __name__ == "__main__":
    main()
