"""Failure modes and measures: the reviewed catalog a risk review starts from.

A catalog file holds ``failure_modes`` and ``measures``; several files merge into one
:class:`Catalog`. Parsing only checks each entry on its own; :func:`catalog_problems`
checks what spans entries (duplicate ids, unknown ids in ``applies_to``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from riskmodel.errors import FieldPath
from riskmodel.model.bounds import (
    MAX_LIKELIHOOD_RATIO,
    MAX_MINUTES,
    MAX_MONEY,
    MAX_PODS,
    MAX_YEARS,
    MIN_POSITIVE_MONEY,
    MIN_PRIOR_WEIGHT_YEARS,
)
from riskmodel.model.estimate import FrequencyEstimate, Interval, MinutesEstimate, MoneyEstimate, StrictModel, point

Scope = Literal["node", "zone", "region", "workload", "service", "control_plane", "cluster"]
SCOPES: tuple[str, ...] = ("node", "zone", "region", "workload", "service", "control_plane", "cluster")
WorkloadKind = Literal["Deployment", "StatefulSet", "DaemonSet", "ControlPlane"]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$", max_length=100)]
Factor = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]


def _whole_cents(amount: float) -> float:
    if 0 < amount < MIN_POSITIVE_MONEY:
        raise ValueError(f"expected 0 or at least {MIN_POSITIVE_MONEY} dollars (one cent), got {amount:g}")
    return amount


Money = Annotated[float, Field(ge=0, le=MAX_MONEY, allow_inf_nan=False), AfterValidator(_whole_cents)]
"""Dollars: 0, or one cent up to ``MAX_MONEY``."""
Minutes = Annotated[float, Field(ge=0, le=MAX_MINUTES, allow_inf_nan=False)]
Years = Annotated[float, Field(gt=0, le=MAX_YEARS, allow_inf_nan=False)]


class Targets(StrictModel):
    """Which units of the scope a failure mode or measure concerns; empty means all.

    Workload filters (``names``, ``namespaces``, ``kinds``, ``max_replicas``,
    ``single_zone``, ``single_node``, ``zonal_volumes``) apply to workload and control_plane scopes and to
    the targets of topology measures; ``node_labels`` to node scope.
    """

    names: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    kinds: tuple[WorkloadKind, ...] = ()
    max_replicas: int | None = Field(default=None, ge=1, le=MAX_PODS)
    single_zone: bool | None = None
    single_node: bool | None = None
    zonal_volumes: bool | None = None
    node_labels: dict[str, str] = Field(default_factory=dict)


class ConditionSignal(StrictModel):
    """A node condition that, while True, marks an active problem of this failure mode."""

    type: str = Field(min_length=1)
    likelihood_ratio: float = Field(default=5.0, ge=1, le=MAX_LIKELIHOOD_RATIO, allow_inf_nan=False)


class Signals(StrictModel):
    """Node-problem-detector (or kubelet) names that raise this failure mode's likelihood."""

    conditions: tuple[ConditionSignal, ...] = ()
    events: tuple[str, ...] = ()


class Effect(StrictModel):
    """What an incident does to the unit it hits.

    ``unavailable``: the unit's nodes fail (pods lost, rescheduled where they fit), or for
    workload / control_plane scope its pods fail, or for service scope the service is down.
    ``degraded``: the unit keeps serving with ``impact_fraction`` of its capacity lost.
    ``no_scheduling``: nothing can be (re)scheduled during the incident; alone it costs
    only ``incident_cost``, but it turns a concurrent node loss into a longer outage.
    ``loss_only``: nothing becomes unavailable; each incident costs its ``incident_cost``
    (a FAIR-style loss event: a breach, a fine, fraud; what riskquant lists).
    ``auto_eviction``: whether Kubernetes evicts pods by itself (node NotReady); a node
    that stays Ready while broken (kernel deadlock) keeps its pods until someone drains it.
    """

    type: Literal["unavailable", "degraded", "no_scheduling", "loss_only"] = "unavailable"
    impact_fraction: Factor = 1.0
    auto_eviction: bool = True


class FailureMode(StrictModel):
    """One way things break, with how often (per unit in scope), how long, and what it hits."""

    id: Identifier
    title: str = Field(min_length=1)
    scope: Scope
    targets: Targets = Targets()
    frequency_per_year: FrequencyEstimate
    detect_minutes: MinutesEstimate
    repair_minutes: MinutesEstimate
    effect: Effect = Effect()
    incident_cost: MoneyEstimate = 0.0
    signals: Signals = Signals()
    prior_weight_years: float = Field(default=1.0, ge=MIN_PRIOR_WEIGHT_YEARS, le=MAX_YEARS, allow_inf_nan=False)
    rationale: str = Field(min_length=10)
    references: tuple[str, ...] = ()

    @property
    def frequency_point(self) -> float:
        return point(self.frequency_per_year)


class MeasureCost(StrictModel):
    """What a measure costs: once (amortised) and per year, fixed plus per target unit."""

    once: Money = 0.0
    per_year: Money = 0.0
    per_target_once: Money = 0.0
    per_target_per_year: Money = 0.0


class MeasureEffect(StrictModel):
    """How a measure changes the model; which fields a kind may use is checked below."""

    frequency_factor: Factor | None = None
    detect_factor: Factor | None = None
    repair_factor: Factor | None = None
    detect_minutes_saved: Minutes | None = None
    repair_minutes_saved: Minutes | None = None
    auto_drain: bool = False
    impact_factor: Factor | None = None
    add_replicas: int | None = Field(default=None, ge=1, le=100)
    spread_zones: bool = False
    spread_nodes: bool = False
    spare_nodes_per_zone: int | None = Field(default=None, ge=1, le=100)
    regional_volumes: bool = False


_FIELDS_BY_KIND: dict[str, frozenset[str]] = {
    "prevention": frozenset({"frequency_factor"}),
    "recovery": frozenset(
        {"detect_factor", "repair_factor", "detect_minutes_saved", "repair_minutes_saved", "auto_drain"}
    ),
    "mitigation": frozenset(
        {"impact_factor", "add_replicas", "spread_zones", "spread_nodes", "spare_nodes_per_zone", "regional_volumes"}
    ),
}
TOPOLOGY_EFFECTS = frozenset({"add_replicas", "spread_zones", "spread_nodes", "spare_nodes_per_zone",
                              "regional_volumes"})


class Measure(StrictModel):
    """A prevention, mitigation or recovery measure with its cost and its effect."""

    id: Identifier
    title: str = Field(min_length=1)
    kind: Literal["prevention", "mitigation", "recovery"]
    applies_to: tuple[str, ...] = ()
    targets: Targets = Targets()
    cost: MeasureCost
    effect: MeasureEffect
    amortisation_years: Years | None = None
    rationale: str = Field(min_length=10)
    references: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _effect_matches_kind(self) -> Measure:
        used = {name for name, value in self.effect.model_dump().items() if value not in (None, False)}
        if not used:
            allowed = ", ".join(sorted(_FIELDS_BY_KIND[self.kind]))
            raise ValueError(f"a {self.kind} measure needs an effect: one of {allowed}")
        wrong = used - _FIELDS_BY_KIND[self.kind]
        if wrong:
            allowed = ", ".join(sorted(_FIELDS_BY_KIND[self.kind]))
            raise ValueError(
                f"effect {', '.join(sorted(wrong))} does not belong to a {self.kind} measure; "
                f"a {self.kind} measure may use: {allowed}"
            )
        return self

    @property
    def changes_topology(self) -> bool:
        dumped = self.effect.model_dump()
        return any(dumped[name] not in (None, False) for name in TOPOLOGY_EFFECTS)


class CatalogFile(StrictModel):
    """The top level of one file in ``failure_catalogs/``."""

    catalog: Identifier
    version: str = Field(min_length=1)
    description: str = ""
    failure_modes: tuple[FailureMode, ...] = ()
    measures: tuple[Measure, ...] = ()


class Catalog(StrictModel):
    """Failure modes and measures merged from one or more catalog files."""

    versions: dict[str, str] = Field(default_factory=dict)
    failure_modes: tuple[FailureMode, ...] = ()
    measures: tuple[Measure, ...] = ()

    def failure_mode(self, failure_mode_id: str) -> FailureMode:
        for mode in self.failure_modes:
            if mode.id == failure_mode_id:
                return mode
        raise KeyError(failure_mode_id)

    def measure(self, measure_id: str) -> Measure:
        for measure in self.measures:
            if measure.id == measure_id:
                return measure
        raise KeyError(measure_id)


def measure_applies(measure: Measure, mode: FailureMode) -> bool:
    """True when ``applies_to`` names the failure mode or its scope (empty: all modes)."""
    return not measure.applies_to or mode.id in measure.applies_to or mode.scope in measure.applies_to


def catalog_problems(files: dict[str, CatalogFile]) -> Iterator[tuple[str, FieldPath, str]]:
    """Cross-entry problems as (file, field path, message): duplicate and unknown ids."""
    seen_modes: dict[str, str] = {}
    seen_measures: dict[str, str] = {}
    for file, parsed in files.items():
        for index, mode in enumerate(parsed.failure_modes):
            if mode.id in seen_modes:
                yield file, ("failure_modes", index, "id"), (
                    f"duplicate failure mode id {mode.id!r} (first defined in {seen_modes[mode.id]})"
                )
            seen_modes.setdefault(mode.id, file)
        for index, measure in enumerate(parsed.measures):
            if measure.id in seen_measures:
                yield file, ("measures", index, "id"), (
                    f"duplicate measure id {measure.id!r} (first defined in {seen_measures[measure.id]})"
                )
            seen_measures.setdefault(measure.id, file)
    for file, parsed in files.items():
        for index, measure in enumerate(parsed.measures):
            for position, target in enumerate(measure.applies_to):
                if target not in seen_modes and target not in SCOPES:
                    yield file, ("measures", index, "applies_to", position), (
                        f"unknown failure mode id or scope {target!r}; expected one of the catalog's "
                        f"failure mode ids or a scope ({', '.join(SCOPES)})"
                    )


def merge_catalogs(files: dict[str, CatalogFile]) -> Catalog:
    """Merge validated catalog files (call after :func:`catalog_problems` found none)."""
    return Catalog(
        versions={parsed.catalog: parsed.version for parsed in files.values()},
        failure_modes=tuple(mode for parsed in files.values() for mode in parsed.failure_modes),
        measures=tuple(measure for parsed in files.values() for measure in parsed.measures),
    )


__all__ = [
    "Catalog",
    "CatalogFile",
    "ConditionSignal",
    "Effect",
    "FailureMode",
    "Interval",
    "Measure",
    "MeasureCost",
    "MeasureEffect",
    "Signals",
    "Targets",
    "catalog_problems",
    "measure_applies",
    "merge_catalogs",
]
