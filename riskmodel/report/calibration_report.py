"""What ``calibrate`` prints: prior against posterior per failure mode, with the evidence counted.

The table shows every node-scope mode with evidence (events or episodes); the JSON has every
cluster's shrunk rate too. Numbers in the one number style (rates to three significant
digits, minutes to one decimal); JSON keeps plain numbers.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from riskmodel.engine.calibration import Calibration, DurationFit, ModeCalibration
from riskmodel.report.formatting import DASH, minutes, number


def _duration(fit: DurationFit) -> str:
    if not fit.samples:
        return f"{minutes(fit.prior_minutes)} (no episodes)"
    if fit.fitted_minutes is None:
        return f"{minutes(fit.prior_minutes)} kept ({len(fit.samples)} episodes, too few)"
    return f"{minutes(fit.prior_minutes)} → {minutes(fit.fitted_minutes)} ({len(fit.samples)} episodes)"


def _rate_cells(mode: ModeCalibration) -> list[str]:
    rate = mode.rate
    if rate is None:
        return [DASH] * 7
    shrunk = [c.posterior_per_node_year for c in rate.clusters]
    spread = DASH if rate.between_cluster_weight is None else number(rate.between_cluster_weight)
    return [number(rate.prior_per_node_year), f"{rate.incidents:,}", number(rate.node_years),
            f"{rate.clusters_with_events}/{len(rate.clusters)}", number(rate.fleet_per_node_year), spread,
            f"{number(min(shrunk))}–{number(max(shrunk))}" if shrunk else DASH]


def calibration_lines(calibration: Calibration) -> list[str]:
    """The table: one row per mode with evidence, then the clusters and every note."""
    header = ["failure mode", "prior /node-yr", "incidents", "node-yrs", "clusters", "fleet /node-yr",
              "β node-yrs", "clusters /node-yr", "detect min", "repair min"]
    rows = [[m.failure_mode_id, *_rate_cells(m), _duration(m.detect), _duration(m.repair)]
            for m in calibration.modes if m.has_evidence]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) if i in (0, 8, 9) else cell.rjust(width)
                       for i, (cell, width) in enumerate(zip(row, widths, strict=True))) for row in [header, *rows]]
    quiet = [m.failure_mode_id for m in calibration.modes if not m.has_evidence]
    if quiet:
        lines.append(f"no evidence (catalog kept): {', '.join(quiet)}")
    total_nodes = sum(c.nodes for c in calibration.clusters)
    lines.append(f"{len(calibration.clusters)} clusters, {total_nodes:,} nodes, "
                 f"{number(sum(c.node_years for c in calibration.clusters))} node-years, "
                 f"{sum(c.episodes for c in calibration.clusters):,} problem episodes "
                 f"({sum(c.still_open for c in calibration.clusters)} still open, "
                 f"{sum(c.unpaired_ends for c in calibration.clusters)} ended unseen)")
    return lines + [f"note: {note}" for note in calibration.notes]


def calibration_json(calibration: Calibration) -> dict[str, Any]:
    """Every fitted number, each cluster's shrunk rate included (plain numbers, units in names)."""
    return {"failure_modes": [asdict(mode) for mode in calibration.modes],
            "clusters": [asdict(cluster) for cluster in calibration.clusters], "notes": list(calibration.notes)}


__all__ = ["calibration_json", "calibration_lines"]
