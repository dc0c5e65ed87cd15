"""Benchmark: ``calibrate`` on generated fleets of 50 and 200 clusters (two reads each).

Prints, per fleet size, the time to read every snapshot (the file source) and the time to fit
the shipped catalogs, side by side, and the fit's time per cluster (it should stay flat: the
fit is linear in clusters and episodes). No target in DESIGN.md; measured so a slow-down shows.
Run: ``.venv/bin/python benchmarks/bench_calibrate.py`` (or ``make bench``).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from riskmodel.cli.calibrate import read_clusters  # noqa: E402
from riskmodel.engine.calibration import calibrate  # noqa: E402
from riskmodel.files.loader import SHIPPED_CATALOGS, load_catalog  # noqa: E402
from riskmodel.generate.evidence_fleet import generate_fleet, write_fleet  # noqa: E402


def run(clusters: int, catalog, folder: Path) -> tuple[float, float]:
    reads = write_fleet(generate_fleet(np.random.default_rng(14), clusters), folder)
    started = time.perf_counter()
    histories, notes = read_clusters([f"{name}=file:{path}" for name, path in reads], 720)
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = calibrate(catalog, histories, notes=notes)
    fit_seconds = time.perf_counter() - started
    episodes = sum(c.episodes for c in result.clusters)
    print(f"  {clusters:>4} clusters, {len(reads)} reads, {sum(c.nodes for c in result.clusters):,} nodes, "
          f"{episodes} episodes: read {read_seconds:6.2f} s, fit {fit_seconds:6.3f} s "
          f"({fit_seconds / clusters * 1000:5.2f} ms per cluster)")
    return read_seconds, fit_seconds


def main() -> None:
    print(f"load: {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} cores")
    catalog, _ = load_catalog([SHIPPED_CATALOGS])
    with tempfile.TemporaryDirectory() as tmp:
        small = run(50, catalog, Path(tmp) / "50")
        large = run(200, catalog, Path(tmp) / "200")
    print(f"  200 ÷ 50 clusters: read ×{large[0] / small[0]:.2f}, fit ×{large[1] / small[1]:.2f} (linear: ×4)")


if __name__ == "__main__":
    main()
