"""What-if scenario files: a base scenario, failures to inject, measures, years and a seed.

```yaml
base_scenario: demo.yaml          # relative to this file
failures:
  - fail: [zone:eu-west-1b]       # node:, zone:, region:, workload:, service:
    at_hours: 0                   # or at_minutes; 0 = "now", the start of every simulated year
    duration_hours: 4             # or duration_minutes
measures: [topology-spread-zones] # compared against the base (optional)
years: 20000
seed: 7
```
Parsed strictly (unknown keys are errors) and checked against the base scenario: an unknown
node or zone is reported with the file, line and field path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, model_validator

from riskmodel.errors import InputError, InputErrors, RiskModelError
from riskmodel.files.loader import parse_model
from riskmodel.files.yamlfile import line_of
from riskmodel.model.bounds import MAX_MINUTES, MAX_SEED, MAX_SIMULATED_YEARS
from riskmodel.model.estimate import StrictModel
from riskmodel.simulate.tables import InjectedFailure
from riskmodel.simulate.whatif import parse_failures
from riskmodel.sources.scenario import LoadedScenario, load_scenario

NonNegativeMinutes = Field(default=None, ge=0, le=MAX_MINUTES, allow_inf_nan=False)
NonNegativeHours = Field(default=None, ge=0, le=MAX_MINUTES / 60, allow_inf_nan=False)


class FailureSpec(StrictModel):
    """One injected failure: what fails, when (minutes or hours into the year) and how long."""

    fail: tuple[str, ...] = Field(min_length=1)
    label: str | None = None
    at_minutes: float | None = NonNegativeMinutes
    at_hours: float | None = NonNegativeHours
    duration_minutes: float | None = Field(default=None, gt=0, le=MAX_MINUTES, allow_inf_nan=False)
    duration_hours: float | None = Field(default=None, gt=0, le=MAX_MINUTES / 60, allow_inf_nan=False)
    reschedule: bool = True

    @model_validator(mode="after")
    def _one_unit_each(self) -> FailureSpec:
        if self.at_minutes is not None and self.at_hours is not None:
            raise ValueError("set at_minutes or at_hours, not both")
        if (self.duration_minutes is None) == (self.duration_hours is None):
            raise ValueError("set exactly one of duration_minutes or duration_hours")
        return self

    @property
    def start_minutes(self) -> float:
        return self.at_minutes if self.at_minutes is not None else (self.at_hours or 0.0) * 60.0

    @property
    def length_minutes(self) -> float:
        return self.duration_minutes if self.duration_minutes is not None else (self.duration_hours or 0.0) * 60.0


class WhatIfFile(StrictModel):
    """The top level of a what-if file (recognised by its ``base_scenario`` key)."""

    base_scenario: str = Field(min_length=1)
    description: str = ""
    failures: tuple[FailureSpec, ...] = ()
    measures: tuple[str, ...] = ()
    years: int = Field(default=10_000, ge=2, le=MAX_SIMULATED_YEARS)
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)


@dataclass(frozen=True)
class LoadedWhatIf:
    path: str
    spec: WhatIfFile
    loaded: LoadedScenario
    injected: tuple[InjectedFailure, ...]

    @property
    def seed(self) -> int:
        return self.spec.seed if self.spec.seed is not None else self.loaded.scenario.settings.seed

    def summary(self) -> str:
        return (f"ok  {self.path}: what-if on {self.spec.base_scenario!r}, {len(self.injected)} injected failure(s), "
                f"{len(self.spec.measures)} measure(s), {self.spec.years} years, seed {self.seed}")


def looks_like_whatif(path: Path) -> bool:
    """A what-if file has a top-level ``base_scenario:`` key."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return any(line.startswith("base_scenario:") for line in handle.read(8192).splitlines())
    except OSError:
        return False


def load_whatif(path: Path | str) -> LoadedWhatIf:
    """Parse a what-if file, load its base scenario and check failures and measures against it."""
    path = Path(path)
    spec, text = parse_model(WhatIfFile, path)
    base = (path.parent / spec.base_scenario).resolve()
    if not base.is_file():
        raise InputError(str(path), f"base scenario {spec.base_scenario!r} not found (looked for {base})",
                         line=line_of(text, ("base_scenario",)), field="base_scenario")
    loaded = load_scenario(base)
    errors, injected = [], []
    for position, failure in enumerate(spec.failures):
        try:
            failed_set = parse_failures(failure.fail, loaded.scenario)
        except RiskModelError as error:
            field = ("failures", position, "fail")
            errors.append(InputError(str(path), str(error).removeprefix("--fail: "), line=line_of(text, field),
                                     field=field))
            continue
        injected.append(InjectedFailure(failure.label or "+".join(failure.fail), failed_set,
                                        failure.start_minutes, failure.length_minutes, failure.reschedule))
    known = {m.id for m in loaded.catalog.measures}
    for position, measure_id in enumerate(spec.measures):
        if measure_id not in known:
            measure_field: tuple[str, int] = ("measures", position)
            errors.append(InputError(str(path), f"unknown measure id {measure_id!r}; expected one of the catalog's "
                                     f"measures such as {', '.join(sorted(known)[:6])}",
                                     line=line_of(text, measure_field), field=measure_field))
    InputErrors.raise_if_any(errors)
    return LoadedWhatIf(str(path), spec, loaded, tuple(injected))
