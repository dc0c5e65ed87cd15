"""The uncertain inputs of a review: every 90% interval of the catalog and every placeholder.

An interval ``{low, high}`` is the lognormal of the math contract; its 5th and 95th
percentiles are ``low`` and ``high`` themselves and its point value is the mean. The
catalog's failure modes are where intervals occur (frequency, detect and repair minutes,
incident cost); no scenario field takes an interval (costs and SLOs are points), so what is
uncertain in a scenario is what its placeholders name:

* ``services.<s>.cost_per_hour`` / ``.degraded_cost_per_hour``: a value ``import`` could not
  read, read as a lognormal whose median is the placeholder and whose 90% interval spans a
  factor :data:`PLACEHOLDER_SPREAD` either way (the importer only guessed); a placeholder of
  0 has no scale to vary and is listed as skipped;
* ``services.<s>.depends_on.<d>``: a guessed hard dependency, either real or not: a
  *structural* input, shown as EAL with and without it (it is not sampled: nothing says how
  likely it is real);
* ``services.<s>.slo``: the error budget, which no expected loss depends on; zones of
  unlabelled nodes and where unlisted pods run have no alternatives to weigh. These are
  listed as skipped, with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from riskmodel.model.catalog import Catalog
from riskmodel.model.estimate import Z_90, Interval, point
from riskmodel.model.placeholders import Placeholder
from riskmodel.model.scenario import Scenario

PLACEHOLDER_SPREAD = 10.0
"""A placeholder cost's 90% interval: from a tenth of it to ten times it."""
MODE_FIELDS = ("frequency_per_year", "detect_minutes", "repair_minutes", "incident_cost")
SERVICE_COST_FIELDS = ("cost_per_hour", "degraded_cost_per_hour")
UNITS = {"frequency_per_year": "per year", "detect_minutes": "minutes", "repair_minutes": "minutes",
         "incident_cost": "dollars", "cost_per_hour": "dollars per hour", "degraded_cost_per_hour": "dollars per hour"}


@dataclass(frozen=True)
class UncertainInput:
    """One sampled input: lognormal(``mu``, ``sigma``) with 5th/95th percentiles ``low``/``high``.

    ``id`` is its field path (``failure_modes.zone-outage.frequency_per_year``,
    ``services.checkout.cost_per_hour``); ``point`` the value the analysis uses.
    """

    id: str
    label: str
    source: str
    """``catalog`` (an interval) or ``placeholder``."""
    target: str
    """The failure mode id or the service name."""
    field: str
    unit: str
    point: float
    low: float
    high: float
    mu: float
    sigma: float

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.lognormal(self.mu, self.sigma, size)


@dataclass(frozen=True)
class StructuralInput:
    """A guessed dependency: the analysis has it; the alternative is the scenario without it."""

    id: str
    label: str
    service: str
    dependency: str


@dataclass(frozen=True)
class SkippedInput:
    id: str
    reason: str


@dataclass(frozen=True)
class UncertainInputs:
    sampled: tuple[UncertainInput, ...]
    structural: tuple[StructuralInput, ...]
    skipped: tuple[SkippedInput, ...]

    def position(self, input_id: str) -> int:
        for i, entry in enumerate(self.sampled):
            if entry.id == input_id:
                return i
        raise KeyError(input_id)


def _interval_input(mode_id: str, field: str, estimate: Interval) -> UncertainInput:
    return UncertainInput(f"failure_modes.{mode_id}.{field}", f"{mode_id} {field.replace('_', ' ')}", "catalog",
                          mode_id, field, UNITS[field], point(estimate), estimate.low, estimate.high,
                          estimate.mu, estimate.sigma)


def _placeholder_input(placeholder: Placeholder, scenario: Scenario) -> UncertainInput | StructuralInput | SkippedInput:
    parts = placeholder.field_path.split(".")
    if parts[0] != "services" or len(parts) < 3:
        return SkippedInput(placeholder.field_path, "where a node or pod is has no alternatives to weigh: not varied")
    service = scenario.services_by_name.get(parts[1])
    if service is None:
        return SkippedInput(placeholder.field_path, "names no service of the scenario")
    field = parts[2]
    if field == "depends_on" and len(parts) == 4:
        return StructuralInput(placeholder.field_path, f"{service.name} depends on {parts[3]} (guessed)",
                               service.name, parts[3])
    if field == "slo":
        return SkippedInput(placeholder.field_path, "an SLO sets the error budget; no expected loss depends on it")
    if field not in SERVICE_COST_FIELDS:
        return SkippedInput(placeholder.field_path, f"field {field!r} is not a number the risk model uses")
    value = float(getattr(service, field))
    if value <= 0:
        return SkippedInput(placeholder.field_path, "placeholder is 0: there is no scale to vary it by")
    mu, sigma = math.log(value), math.log(PLACEHOLDER_SPREAD) / Z_90
    return UncertainInput(placeholder.field_path, f"{service.name} {field.replace('_', ' ')} (placeholder)",
                          "placeholder", service.name, field, UNITS[field], value, value / PLACEHOLDER_SPREAD,
                          value * PLACEHOLDER_SPREAD, mu, sigma)


def uncertain_inputs(catalog: Catalog, scenario: Scenario, placeholders: tuple[Placeholder, ...]) -> UncertainInputs:
    """Every interval of the catalog's failure modes and every placeholder, in file order."""
    sampled: list[UncertainInput] = []
    structural: list[StructuralInput] = []
    skipped: list[SkippedInput] = []
    for mode in catalog.failure_modes:
        for field in MODE_FIELDS:
            estimate = getattr(mode, field)
            if isinstance(estimate, Interval):
                sampled.append(_interval_input(mode.id, field, estimate))
    for placeholder in placeholders:
        entry = _placeholder_input(placeholder, scenario)
        if isinstance(entry, UncertainInput):
            sampled.append(entry)
        elif isinstance(entry, StructuralInput):
            structural.append(entry)
        else:
            skipped.append(entry)
    return UncertainInputs(tuple(sampled), tuple(structural), tuple(skipped))


def draw_inputs(inputs: UncertainInputs, rng: np.random.Generator, size: int) -> np.ndarray:
    """(inputs × draws) values, every input drawn independently, in input order."""
    if not inputs.sampled:
        return np.zeros((0, size))
    return np.stack([entry.draw(rng, size) for entry in inputs.sampled])
