"""A risk model's (failure mode, unit) rows: listed afresh, or taken from the parent model
where they cannot differ, and the distinct failed sets they point at.

A topology variant lists the same units as its parent for most modes; taking the parent's
rows (and, for the leading rows that are the parent's own, its structure ids) is what keeps
a variant's build in proportion to what the measure changed. The rows a variant lists are
always the rows a fresh build would list, in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from riskmodel.engine.exposure import (
    RiskUnit,
    control_plane_workloads,
    failed_set_for,
    has_workload_filter,
    node_matches,
    reschedule_kind,
    units_for,
    workload_matches,
    workload_zones,
)
from riskmodel.engine.impact import FailedSet
from riskmodel.engine.variants import TopologyChange
from riskmodel.model.catalog import FailureMode
from riskmodel.model.estimate import point
from riskmodel.model.evidence import Evidence
from riskmodel.model.scenario import Scenario

if TYPE_CHECKING:
    from riskmodel.engine.risk import RiskModel

PairRow = tuple[RiskUnit, tuple[FailedSet, bool], float, float, float, int]
"""(unit, (failed set, may reschedule), rate per year, detect minutes, repair minutes, reschedule kind)."""

StructureKey = tuple[FailedSet, bool]


def extends_parent_nodes(scenario: Scenario, parent: RiskModel | None) -> bool:
    """The parent's nodes come first in ``scenario``, the same, in the same order (a variant that only adds nodes)."""
    return parent is not None and scenario.nodes[:len(parent.scenario.nodes)] == parent.scenario.nodes


@dataclass(eq=False)
class PairLister:
    """Lists one model's rows, mode by mode, reusing its parent's where they cannot differ."""

    scenario: Scenario
    evidence: Evidence
    node_names: list[str]
    blind_spot_nodes: frozenset[str]
    node_rates: dict[tuple[str, str], float]
    """Evidence-adjusted rates per year by (mode id, node name); the mode's prior elsewhere."""
    parent: RiskModel | None = None
    change: TopologyChange | None = None
    node_failed_sets: dict[tuple[str, float], dict[str, FailedSet]] = field(default_factory=dict)
    """Node-scope failed sets by (effect type, impact fraction) and node: modes with the same
    effect on a node share one object (it depends on nothing else)."""

    def rows(self, mode: FailureMode) -> list[PairRow]:
        """The mode's rows: the parent's (or the parent's plus fresh ones) where possible."""
        reused = self._reusable(mode)
        return self.fresh(mode) if reused is None else reused

    def fresh(self, mode: FailureMode, units: list[RiskUnit] | None = None) -> list[PairRow]:
        """The (unit, failed set, rate, detect, repair, reschedule kind) rows of one mode (of
        ``units`` only, when given)."""
        frequency, detect_minutes = point(mode.frequency_per_year), point(mode.detect_minutes)
        repair_minutes = point(mode.repair_minutes)
        blind_factor = self.scenario.settings.blind_spot_detect_factor
        rows = []
        shared = self.node_failed_sets.setdefault((mode.effect.type, mode.effect.impact_fraction), {})
        for unit in units_for(mode, self.scenario) if units is None else units:
            kind = reschedule_kind(mode, unit)
            blind = unit.scope == "node" and unit.name in self.blind_spot_nodes and mode.signals.conditions
            if unit.scope == "node":
                failed = shared.get(unit.name)
                if failed is None:
                    failed = shared[unit.name] = failed_set_for(mode, unit, self.scenario)
            else:
                failed = failed_set_for(mode, unit, self.scenario)
            rows.append((unit, (failed, kind > 0),
                         self.node_rates.get((mode.id, unit.name), frequency),
                         detect_minutes * (blind_factor if blind else 1.0), repair_minutes, kind))
        return rows

    def _reusable(self, mode: FailureMode) -> list[PairRow] | None:
        """A parent's rows of a mode whose units cannot differ (same nodes, no workload filter);
        for a node-scope mode on a variant that only adds nodes, the parent's rows plus rows
        of the added nodes (the same rows a fresh build lists, in the same order)."""
        parent = self.parent
        if parent is None or mode.id not in parent.pairs_by_mode or not parent.lists(mode.id):
            return None
        if parent.index.node_names != self.node_names:
            if not extends_parent_nodes(self.scenario, parent) or parent.evidence is not self.evidence:
                return None
            if mode.scope == "workload":  # a workload's rows depend on its own fields and its pods' nodes
                return self._workload_rows(mode, parent.pairs_by_mode[mode.id])
            if mode.scope != "node":
                return None
            known = len(parent.index.node_names)
            added = [n for n in self.scenario.nodes[known:] if not mode.targets.node_labels or
                     node_matches(mode.targets, n)]
            units = [RiskUnit("node", n.name, n.zone) for n in added]
            return parent.pairs_by_mode[mode.id] + self.fresh(mode, units)
        if mode.scope == "workload":
            return self._workload_rows(mode, parent.pairs_by_mode[mode.id])
        if mode.scope == "control_plane" and self.change is not None and not self.change.workloads & \
                control_plane_workloads(mode, parent.scenario):
            return parent.pairs_by_mode[mode.id]
        if mode.scope == "control_plane" or (mode.scope == "cluster" and has_workload_filter(mode.targets)):
            return None
        return parent.pairs_by_mode.get(mode.id)

    def _workload_rows(self, mode: FailureMode, theirs: list[PairRow]) -> list[PairRow] | None:
        """A workload-scope mode's rows: the parent's for workloads the variant left unchanged
        (a workload's own fields and pods decide whether it is a unit and what its row holds),
        fresh rows for the changed ones, in the variant's workload order."""
        change = self.change
        if change is None:
            return None
        by_name = {row[0].name: row for row in theirs}
        rows = []
        for workload in self.scenario.workloads:
            if workload.name not in change.workloads:
                if workload.name in by_name:
                    rows.append(by_name[workload.name])
                continue
            if workload_matches(mode.targets, workload, self.scenario):
                zones = workload_zones(workload, self.scenario)
                unit = RiskUnit("workload", workload.name, next(iter(zones)) if len(zones) == 1 else None)
                rows.extend(self.fresh(mode, [unit]))
        return rows


def inherited_rows(parent: RiskModel | None, position: int, mode: FailureMode,
                   mode_rows: list[PairRow]) -> np.ndarray:
    """Parent structure ids of the leading rows of ``mode_rows`` that are the parent's own rows."""
    if parent is None:
        return np.zeros(0, dtype=np.int64)
    theirs = parent.pairs_by_mode.get(mode.id)
    if theirs is None or not (mode_rows is theirs or mode_rows[:len(theirs)] == theirs):
        return np.zeros(0, dtype=np.int64)
    low = parent.mode_pairs[position]
    return parent.pair_structure[low:low + len(theirs)]


def structure_ids(parent: RiskModel | None, rows_by_mode: list[list[PairRow]], inherited: list[np.ndarray]
                  ) -> tuple[list[StructureKey], np.ndarray, np.ndarray]:
    """Distinct (failed set, may reschedule) keys in order of first use, each row's key
    position, and per key the parent's structure id (-1 when the parent has none).

    Rows the parent listed itself carry the parent's ids; only the others are hashed."""
    if parent is None:
        positions: dict[StructureKey, int] = {}
        index = np.array([positions.setdefault(row[1], len(positions)) for rows in rows_by_mode for row in rows],
                         dtype=np.int64)
        return list(positions), index, np.full(len(positions), -1, dtype=np.int64)
    known = parent.structure_position
    offset = len(parent.structure_keys)
    fresh: dict[StructureKey, int] = {}
    ids = []
    for mode_ids, mode_rows in zip(inherited, rows_by_mode, strict=True):
        ids.append(mode_ids)
        rest = mode_rows[len(mode_ids):]
        ids.append(np.fromiter((known[row[1]] if row[1] in known else offset + fresh.setdefault(row[1], len(fresh))
                                for row in rest), dtype=np.int64, count=len(rest)))
    flat = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
    distinct, first = np.unique(flat, return_index=True)
    ordered = distinct[np.argsort(first, kind="stable")]
    lookup = np.full(offset + len(fresh) + 1, -1, dtype=np.int64)
    lookup[ordered] = np.arange(len(ordered))
    new_keys = list(fresh)
    keys = [parent.structure_keys[i] if i < offset else new_keys[i - offset] for i in ordered.tolist()]
    return keys, lookup[flat], np.where(ordered < offset, ordered, -1)
