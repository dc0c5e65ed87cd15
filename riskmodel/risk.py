"""The risk model: every (failure mode, unit) pair with its rate and impact, evaluated fast.

Built once per scenario: each distinct failed set's timing-free impact is computed once
(node-scope modes on the same node share it) and kept as per-minute cost and per-minute
bad minutes of each phase. :meth:`RiskModel.evaluate` then turns rates, detect/repair
times and factors into expected annual loss with numpy alone, which is what lets the
planner try hundreds of measure combinations in a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from riskmodel.catalog import Catalog, FailureMode
from riskmodel.estimate import point
from riskmodel.evidence import Evidence
from riskmodel.exposure import RiskUnit, failed_set_for, reschedule_kind, units_for
from riskmodel.impact import FailedSet, StructuralImpact, structural_impact
from riskmodel.likelihood import adjusted_rates, blind_spot_nodes
from riskmodel.scenario import Scenario
from riskmodel.topology import TopologyIndex

MINUTES_PER_YEAR = 525_600.0


@dataclass(frozen=True, eq=False)
class ModeFactors:
    """Per-failure-mode multipliers and savings (arrays over the catalog's failure modes).

    All ones / zeros / False means "no measure": see :func:`riskmodel.planner.mode_factors`.
    """

    frequency: np.ndarray
    detect: np.ndarray
    repair: np.ndarray
    detect_saved_minutes: np.ndarray
    repair_saved_minutes: np.ndarray
    impact: np.ndarray
    drain: np.ndarray

    @classmethod
    def neutral(cls, modes: int) -> ModeFactors:
        return cls(np.ones(modes), np.ones(modes), np.ones(modes), np.zeros(modes), np.zeros(modes),
                   np.ones(modes), np.zeros(modes, dtype=bool))


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Expected annual figures of one evaluation: per pair, per mode, per service."""

    eal_per_pair: np.ndarray
    eal_per_mode: np.ndarray
    bad_minutes_per_service: np.ndarray
    loss_per_incident: np.ndarray
    rate_per_year: np.ndarray
    detect_minutes: np.ndarray
    repair_minutes: np.ndarray

    @property
    def eal_per_year(self) -> float:
        return float(self.eal_per_pair.sum())


def _node_rates(catalog: Catalog, scenario: Scenario, evidence: Evidence) -> dict[tuple[str, str], float]:
    """Evidence-adjusted per-node rates, where evidence exists (prior elsewhere)."""
    if not (evidence.conditions or evidence.events):
        return {}
    adjusted = adjusted_rates(catalog, [n.name for n in scenario.nodes], evidence)
    return {key: adjustment.rate_per_year for key, adjustment in adjusted.items()}


def _blind_spots(scenario: Scenario, evidence: Evidence) -> frozenset[str]:
    """Nodes without node-problem-detector conditions, once some node does report them
    (with no NPD evidence at all, coverage is unknown rather than absent)."""
    if not evidence.npd_covered_nodes():
        return frozenset()
    return frozenset(blind_spot_nodes([n.name for n in scenario.nodes], evidence))


@dataclass(eq=False)
class RiskModel:
    """All (failure mode, unit) pairs of a scenario with their timing-free impacts."""

    scenario: Scenario
    catalog: Catalog
    evidence: Evidence = field(default_factory=Evidence)

    def __post_init__(self) -> None:
        self.index = TopologyIndex(self.scenario)
        self.modes: tuple[FailureMode, ...] = self.catalog.failure_modes
        self.mode_position = {mode.id: i for i, mode in enumerate(self.modes)}
        self.blind_spot_nodes = _blind_spots(self.scenario, self.evidence)
        self._build_pairs(_node_rates(self.catalog, self.scenario, self.evidence))

    def _build_pairs(self, node_rates: dict[tuple[str, str], float]) -> None:
        units: list[RiskUnit] = []
        mode_idx, struct_idx, rates, detect, repair, kinds = [], [], [], [], [], []
        structures: dict[tuple[FailedSet, bool], int] = {}
        self.structures: list[StructuralImpact] = []
        blind_factor = self.scenario.settings.blind_spot_detect_factor
        for position, mode in enumerate(self.modes):
            for unit in units_for(mode, self.scenario):
                kind = reschedule_kind(mode, unit)
                key = (failed_set_for(mode, unit, self.scenario), kind > 0)
                if key not in structures:
                    structures[key] = len(self.structures)
                    self.structures.append(structural_impact(self.index, key[0], reschedule=key[1]))
                units.append(unit)
                mode_idx.append(position)
                struct_idx.append(structures[key])
                rates.append(node_rates.get((mode.id, unit.name), point(mode.frequency_per_year)))
                blind = unit.scope == "node" and unit.name in self.blind_spot_nodes and mode.signals.conditions
                detect.append(point(mode.detect_minutes) * (blind_factor if blind else 1.0))
                repair.append(point(mode.repair_minutes))
                kinds.append(kind)
        self.units = units
        self.pair_mode = np.array(mode_idx, dtype=np.int64)
        self.pair_structure = np.array(struct_idx, dtype=np.int64)
        self.base_rate = np.array(rates, dtype=float)
        self.base_detect = np.array(detect, dtype=float)
        self.base_repair = np.array(repair, dtype=float)
        self.reschedule_kind = np.array(kinds, dtype=np.int64)
        self.incident_cost = np.array([point(self.modes[m].incident_cost) for m in mode_idx], dtype=float)
        self.impact_fraction = np.array(
            [self.modes[m].effect.impact_fraction if self.modes[m].effect.type == "unavailable" else 1.0
             for m in mode_idx], dtype=float)

    @cached_property
    def structure_cost_per_minute(self) -> tuple[np.ndarray, np.ndarray]:
        """Dollars per minute in phase A and phase B of each distinct failed set."""
        before = np.array([s.before.cost_per_minute(self.index) for s in self.structures])
        after = np.array([(s.after or s.before).cost_per_minute(self.index) for s in self.structures])
        return before, after

    @cached_property
    def structure_bad_minutes(self) -> tuple[np.ndarray, np.ndarray]:
        """Bad minutes per minute of incident for each (failed set, service), phases A and B."""
        services = len(self.index.service_names)
        if not self.structures:
            return np.zeros((0, services)), np.zeros((0, services))
        before = np.array([s.before.bad_minutes_per_minute() for s in self.structures]).reshape(-1, services)
        after = np.array([(s.after or s.before).bad_minutes_per_minute() for s in self.structures]).reshape(
            -1, services)
        return before, after

    def phase_minutes(self, factors: ModeFactors) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Detect, repair, phase A and phase B minutes of every pair under ``factors``."""
        m = self.pair_mode
        detect = np.maximum(0.0, self.base_detect * factors.detect[m] - factors.detect_saved_minutes[m])
        repair = np.maximum(0.0, self.base_repair * factors.repair[m] - factors.repair_saved_minutes[m])
        settings = self.scenario.settings
        evict = detect + settings.eviction_timeout_seconds / 60.0 + settings.startup_minutes
        drained = detect + settings.startup_minutes
        kind = self.reschedule_kind
        reschedule_at = np.where(
            (kind > 0) & factors.drain[m], drained, np.where(kind == 1, evict, np.inf))
        end = detect + repair
        phase_a = np.minimum(reschedule_at, end)
        return detect, repair, phase_a, end - phase_a

    def evaluate(self, factors: ModeFactors | None = None) -> Evaluation:
        """Expected annual loss and bad minutes with ``factors`` applied (None: as catalogued)."""
        factors = factors or ModeFactors.neutral(len(self.modes))
        m = self.pair_mode
        detect, repair, phase_a, phase_b = self.phase_minutes(factors)
        rate = self.base_rate * factors.frequency[m]
        scale = self.impact_fraction * factors.impact[m]
        cost_a, cost_b = self.structure_cost_per_minute
        s = self.pair_structure
        loss = scale * (cost_a[s] * phase_a + cost_b[s] * phase_b) + self.incident_cost * factors.impact[m]
        eal = rate * loss
        bad_a, bad_b = self.structure_bad_minutes
        structures = len(self.structures)
        weight_a = np.bincount(s, rate * scale * phase_a, minlength=structures)
        weight_b = np.bincount(s, rate * scale * phase_b, minlength=structures)
        bad = weight_a @ bad_a + weight_b @ bad_b if structures else np.zeros(len(self.index.service_names))
        return Evaluation(
            eal_per_pair=eal,
            eal_per_mode=np.bincount(m, eal, minlength=len(self.modes)),
            bad_minutes_per_service=bad,
            loss_per_incident=loss,
            rate_per_year=rate,
            detect_minutes=detect,
            repair_minutes=repair,
        )

    def structure_of(self, pair: int) -> StructuralImpact:
        return self.structures[int(self.pair_structure[pair])]
