"""The risk model: every (failure mode, unit) pair with its rate and impact, evaluated fast.

Built once per scenario: each distinct failed set's timing-free impact is computed once
(node-scope modes on the same node share it) and kept as per-minute cost and per-minute
bad minutes of each phase. :meth:`RiskModel.evaluate` then turns rates, detect/repair
times and factors into expected annual loss with numpy alone, which is what lets the
planner try hundreds of measure combinations in a second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from riskmodel.engine.exposure import RiskUnit
from riskmodel.engine.impact import FailedSet, StructuralImpact, structural_impacts
from riskmodel.engine.likelihood import adjusted_rates, blind_spot_nodes
from riskmodel.engine.pairs import PairLister, PairRow, extends_parent_nodes, inherited_rows, structure_ids
from riskmodel.engine.structure_rows import (
    PhaseRows,
    bad_minutes,
    both_phases,
    carried_rows,
    cost_per_minute,
    service_cost_per_minute,
)
from riskmodel.engine.threads import blas_single_threaded
from riskmodel.engine.topology import TopologyIndex, inherit_arrays
from riskmodel.engine.variants import (
    ParentSummary,
    carried_over,
    carried_structures,
    derived_summary,
    parent_summary,
    renumbering,
    topology_change,
)
from riskmodel.files.collector import collector_paused
from riskmodel.model.catalog import Catalog, FailureMode
from riskmodel.model.estimate import point
from riskmodel.model.evidence import Evidence
from riskmodel.model.scenario import Scenario


@dataclass(frozen=True, eq=False)
class ModeFactors:
    """Per-failure-mode multipliers and savings (arrays over the catalog's failure modes).

    All ones / zeros / False means "no measure": see :func:`riskmodel.plan.planner.mode_factors`.
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
    impact_minutes_a: np.ndarray
    """Per pair: rate × impact scale × phase-A minutes, i.e. scaled incident-minutes per year
    before rescheduling (multiply by a failed set's per-minute cost or bad minutes)."""
    impact_minutes_b: np.ndarray
    """The same after rescheduling, until repair."""

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


_SERVICE_ARRAYS = ("service_names", "service_position", "service_own_workloads", "service_workload_columns",
                   "service_closure", "cost_per_hour", "degraded_cost_per_hour", "error_budget_minutes")


def _share_service_arrays(child: TopologyIndex, parent: TopologyIndex) -> None:
    """A variant with its parent's services and workload names shares their service arrays
    (they depend on nothing else), instead of deriving them again."""
    if child.scenario.services is parent.scenario.services and child.workload_names == parent.workload_names:
        for name in _SERVICE_ARRAYS:
            child.__dict__[name] = getattr(parent, name)


@dataclass(eq=False)
class RiskModel:
    """All (failure mode, unit) pairs of a scenario with their timing-free impacts."""

    scenario: Scenario
    catalog: Catalog
    evidence: Evidence = field(default_factory=Evidence)
    parent: RiskModel | None = field(default=None, repr=False)
    """A model of the topology this one varies; its unchanged blast radii are reused."""
    modes_listed: frozenset[str] | None = None
    """The failure modes (ids) whose pairs this model lists; None: every mode. A partial model
    answers :meth:`mode_eal` for its modes, exactly as the whole model would, and nothing else."""

    def lists(self, mode_id: str) -> bool:
        return self.modes_listed is None or mode_id in self.modes_listed

    def __post_init__(self) -> None:
        with collector_paused(), blas_single_threaded():
            self._build()

    def _build(self) -> None:
        self.index = TopologyIndex(self.scenario)
        if self.parent is not None:
            _share_service_arrays(self.index, self.parent.index)
            inherit_arrays(self.index, self.parent.index)
        self._change = topology_change(self.parent.index, self.index) if self.parent is not None else None
        self.modes: tuple[FailureMode, ...] = self.catalog.failure_modes
        self.mode_position = {mode.id: i for i, mode in enumerate(self.modes)}
        self.blind_spot_nodes = _blind_spots(self.scenario, self.evidence)
        self._node_rates = self._inherited_node_rates()
        self._build_pairs(PairLister(self.scenario, self.evidence, self.index.node_names, self.blind_spot_nodes,
                                     self._node_rates, self.parent, self._change))

    def _inherited_node_rates(self) -> dict[tuple[str, str], float]:
        """Evidence-adjusted rates: the parent's when the evidence and its nodes are the same
        (rates are per node, and a node without evidence keeps the prior)."""
        if self.parent is not None and self.parent.evidence is self.evidence and \
                extends_parent_nodes(self.scenario, self.parent):
            return self.parent._node_rates
        return _node_rates(self.catalog, self.scenario, self.evidence)

    def _build_pairs(self, lister: PairLister) -> None:
        self.pairs_by_mode: dict[str, list[PairRow]] = {}
        parent = self.parent
        units: list[RiskUnit] = []
        lengths = []
        inherited = []
        for position, mode in enumerate(self.modes):
            mode_rows = self.pairs_by_mode[mode.id] = lister.rows(mode) if self.lists(mode.id) else []
            inherited.append(inherited_rows(parent, position, mode, mode_rows))
            if parent is not None and parent.pairs_by_mode.get(mode.id) is mode_rows:
                theirs: list[RiskUnit] = parent.units
                units.extend(theirs[parent.mode_pairs[position]:parent.mode_pairs[position + 1]])
            else:
                units.extend(row[0] for row in mode_rows)
            lengths.append(len(mode_rows))
        keys, struct_idx, parent_ids = structure_ids(parent, list(self.pairs_by_mode.values()), inherited)
        self.structure_keys = keys
        self.structures, self._parent_rows = self._impacts(self.structure_keys, parent_ids)
        self.units: list[RiskUnit] = units
        self.pair_mode = np.repeat(np.arange(len(self.modes), dtype=np.int64), lengths)
        self.pair_structure = struct_idx
        self.base_rate, self.base_detect, self.base_repair, self.reschedule_kind = self._pair_columns()
        mode_incident_cost = np.array([point(mode.incident_cost) for mode in self.modes])
        mode_fraction = np.array([mode.effect.impact_fraction if mode.effect.type == "unavailable" else 1.0
                                  for mode in self.modes])
        self.incident_cost = mode_incident_cost[self.pair_mode] if self.modes else np.zeros(0)
        self.impact_fraction = mode_fraction[self.pair_mode] if self.modes else np.zeros(0)

    def _pair_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Rate per year, detect and repair minutes and reschedule kind of every pair; a mode
        whose rows are its parent's own takes the parent's columns."""
        parent = self.parent
        parts: list[tuple[np.ndarray, ...]] = []
        for position, mode_rows in enumerate(self.pairs_by_mode.values()):
            if parent is not None and parent.pairs_by_mode.get(self.modes[position].id) is mode_rows:
                low, high = parent.mode_pairs[position], parent.mode_pairs[position + 1]
                parts.append((parent.base_rate[low:high], parent.base_detect[low:high], parent.base_repair[low:high],
                              parent.reschedule_kind[low:high]))
            else:
                parts.append((np.array([row[2] for row in mode_rows], dtype=float),
                              np.array([row[3] for row in mode_rows], dtype=float),
                              np.array([row[4] for row in mode_rows], dtype=float),
                              np.array([row[5] for row in mode_rows], dtype=np.int64)))
        if not parts:
            return np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64)
        rate, detect, repair, kind = (np.concatenate(column) for column in zip(*parts, strict=True))
        return rate, detect, repair, kind

    def _impacts(self, keys: list[tuple[FailedSet, bool]],
                 parent_ids: np.ndarray) -> tuple[list[StructuralImpact], list[int | None]]:
        """Impacts of the distinct failed sets, and for each the parent's row it reuses (if any)."""
        parent_rows: list[int | None] = [None] * len(keys)
        found: list[StructuralImpact | None] = [None] * len(keys)
        parent = self.parent
        self._numbering: tuple[np.ndarray, np.ndarray] | None = None
        """(pod shift, node map) from the parent's numbering to this one's; None: alike or nothing carried."""
        if parent is not None and len(keys) and parent.structures:  # a partial parent may list none
            reused = carried_structures(parent.reuse_summary, parent.index, parent.structures, self.index,
                                        self._change, keys, parent_ids)
            if reused is not None:
                numbering = self._numbering = renumbering(parent.index, self.index) if reused.any() else None
                positions = np.flatnonzero(reused)
                rows = parent_ids[positions]
                theirs = parent.structures
                for i, row in zip(positions.tolist(), rows.tolist(), strict=True):
                    found[i] = theirs[row]
                    parent_rows[i] = row
                if numbering is not None:  # only placements that moved or left pods hold numbers
                    for i in positions[parent.reuse_summary.moved_any[rows]].tolist():
                        found[i] = carried_over(found[i], numbering)  # type: ignore[arg-type]
        missing = [key for key, impact in zip(keys, found, strict=True) if impact is None]
        fresh = iter(structural_impacts(self.index, missing, list_moves=False))
        return [impact if impact is not None else next(fresh) for impact in found], parent_rows

    @cached_property
    def reuse_summary(self) -> ParentSummary:
        """This model's structures as arrays, for variants deciding what carries over (derived
        from the parent's for the structures carried over from it)."""
        reused, rows, fresh = self._reused_rows
        if self.parent is None or not len(reused):
            return parent_summary(self.index, self.structure_keys, self.structures)
        return derived_summary(self.parent.reuse_summary, self.index, self.structure_keys, self.structures,
                               reused, rows, fresh, self._numbering[1] if self._numbering is not None else None)

    @cached_property
    def structure_position(self) -> dict[tuple[FailedSet, bool], int]:
        """Position of each distinct (failed set, may reschedule) among :attr:`structures`."""
        return {key: i for i, key in enumerate(self.structure_keys)}

    @cached_property
    def structure_by_key(self) -> dict[tuple[FailedSet, bool], StructuralImpact]:
        return dict(zip(self.structure_keys, self.structures, strict=True))

    def _per_structure(self, compute: Callable[[list[StructuralImpact]], PhaseRows],
                       inherited: Callable[[RiskModel], PhaseRows], columns: int | None = -1) -> PhaseRows:
        """Per-failed-set rows (one per service, or a scalar when ``columns`` is None): rows
        reused from the parent are copied, not recomputed (see :func:`carried_rows`)."""
        services = len(self.index.service_names) if columns == -1 else columns
        shape = (len(self.structures),) if services is None else (len(self.structures), services)
        parent = None if self.parent is None else (*self._reused_rows, inherited(self.parent))
        return carried_rows(self.structures, shape, compute, parent)

    @cached_property
    def _reused_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions of the structures reused from the parent, the parent's rows they copy, and
        the positions of the others (evaluated here)."""
        parent_rows = np.array([-1 if row is None else row for row in self._parent_rows], dtype=np.int64)
        reused = np.flatnonzero(parent_rows >= 0)
        return reused, parent_rows[reused], np.flatnonzero(parent_rows < 0)

    @cached_property
    def structure_service_cost_per_minute(self) -> PhaseRows:
        """Dollars per minute per (distinct failed set, service), in phase A and phase B
        (as :meth:`riskmodel.engine.impact.PhaseState.service_cost_per_minute`)."""
        return self._per_structure(both_phases(service_cost_per_minute(self.index)),
                                   lambda parent: parent.structure_service_cost_per_minute)

    @cached_property
    def structure_cost_per_minute(self) -> PhaseRows:
        """Dollars per minute in phase A and phase B of each distinct failed set."""
        return self._per_structure(both_phases(cost_per_minute(self.index)),
                                   lambda parent: parent.structure_cost_per_minute, columns=None)

    @cached_property
    def structure_bad_minutes(self) -> PhaseRows:
        """Bad minutes per minute of incident for each (failed set, service), phases A and B."""
        return self._per_structure(both_phases(bad_minutes), lambda parent: parent.structure_bad_minutes)

    def phase_minutes(self, factors: ModeFactors) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Detect, repair, phase A and phase B minutes of every pair under ``factors``."""
        m = self.pair_mode
        return self._phase_minutes(slice(None), factors.detect[m], factors.detect_saved_minutes[m], factors.repair[m],
                                   factors.repair_saved_minutes[m], factors.drain[m])

    def _phase_minutes(self, pairs: slice, detect_factor, detect_saved, repair_factor, repair_saved,
                       drain) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Phase minutes of ``pairs`` with per-pair (or one scalar) factors."""
        detect = np.maximum(0.0, self.base_detect[pairs] * detect_factor - detect_saved)
        repair = np.maximum(0.0, self.base_repair[pairs] * repair_factor - repair_saved)
        settings = self.scenario.settings
        evict = detect + settings.eviction_timeout_seconds / 60.0 + settings.startup_minutes
        drained = detect + settings.startup_minutes
        kind = self.reschedule_kind[pairs]
        reschedule_at = np.where(
            (kind > 0) & drain, drained, np.where(kind == 1, evict, np.inf))
        end = detect + repair
        phase_a = np.minimum(reschedule_at, end)
        return detect, repair, phase_a, end - phase_a

    @cached_property
    def mode_pairs(self) -> np.ndarray:
        """Start of each failure mode's pairs (pairs are stored mode by mode), and the end."""
        return np.searchsorted(self.pair_mode, np.arange(len(self.modes) + 1))

    def mode_eal(self, mode: int, factors: tuple[float, float, float, float, float, float, bool]) -> float:
        """Expected annual loss of one failure mode under its factors (frequency, detect,
        repair, detect saved, repair saved, impact, drain): exactly the mode's entry of
        :meth:`evaluate`'s ``eal_per_mode``, computed from its pairs alone."""
        if not self.lists(self.modes[mode].id):
            raise ValueError(f"this partial model does not list failure mode {self.modes[mode].id!r}")
        frequency, detect, repair, detect_saved, repair_saved, impact, drain = factors
        low, high = self.mode_pairs[mode], self.mode_pairs[mode + 1]
        if low == high:
            return 0.0
        pairs = slice(int(low), int(high))
        _, _, phase_a, phase_b = self._phase_minutes(pairs, detect, detect_saved, repair, repair_saved, drain)
        cost_a, cost_b = self.structure_cost_per_minute
        s = self.pair_structure[pairs]
        loss = self.impact_fraction[pairs] * impact * (cost_a[s] * phase_a + cost_b[s] * phase_b) \
            + self.incident_cost[pairs] * impact
        eal = self.base_rate[pairs] * frequency * loss
        return float(np.bincount(np.zeros(len(eal), dtype=np.int64), eal)[0])

    def evaluate(self, factors: ModeFactors | None = None, service_minutes: bool = True) -> Evaluation:
        """Expected annual loss and bad minutes with ``factors`` applied (None: as catalogued).

        ``service_minutes=False`` skips the per-service bad minutes (zeros), which the
        planner's many EAL comparisons do not need.
        """
        if self.modes_listed is not None:
            raise ValueError("a partial model (some failure modes not listed) answers mode_eal only")
        factors = factors or ModeFactors.neutral(len(self.modes))
        m = self.pair_mode
        detect, repair, phase_a, phase_b = self.phase_minutes(factors)
        rate = self.base_rate * factors.frequency[m]
        scale = self.impact_fraction * factors.impact[m]
        cost_a, cost_b = self.structure_cost_per_minute
        s = self.pair_structure
        loss = scale * (cost_a[s] * phase_a + cost_b[s] * phase_b) + self.incident_cost * factors.impact[m]
        eal = rate * loss
        impact_a, impact_b = rate * scale * phase_a, rate * scale * phase_b
        bad = np.zeros(len(self.index.service_names))
        if service_minutes and self.structures:
            bad_a, bad_b = self.structure_bad_minutes
            bad = self.per_structure(impact_a) @ bad_a + self.per_structure(impact_b) @ bad_b
        return Evaluation(
            eal_per_pair=eal,
            eal_per_mode=np.bincount(m, eal, minlength=len(self.modes)),
            bad_minutes_per_service=bad,
            loss_per_incident=loss,
            rate_per_year=rate,
            detect_minutes=detect,
            repair_minutes=repair,
            impact_minutes_a=impact_a,
            impact_minutes_b=impact_b,
        )

    def per_structure(self, per_pair: np.ndarray) -> np.ndarray:
        """Sum a per-pair quantity over the pairs sharing each distinct failed set."""
        return np.bincount(self.pair_structure, per_pair, minlength=len(self.structures))
