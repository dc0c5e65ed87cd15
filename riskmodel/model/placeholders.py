"""Values in a scenario that are placeholders, not yet seen by a reviewer.

An imported cluster cannot say what an hour of outage costs or which SLO a service keeps, so
the importer writes placeholder values and marks them. Every export and page lists them (by
field path) until a reviewer edits or accepts them.
"""

from __future__ import annotations

from dataclasses import dataclass

from riskmodel.model.scenario import Scenario


@dataclass(frozen=True)
class Placeholder:
    """One value to review: its field path in the scenario (``services.checkout.slo``) and why."""

    field_path: str
    reason: str


def placeholders(scenario: Scenario) -> tuple[Placeholder, ...]:
    """Every placeholder value of the scenario, in scenario order."""
    found: list[Placeholder] = []
    for service in scenario.services:
        if service.review_placeholder:
            for name in ("cost_per_hour", "slo"):
                found.append(Placeholder(f"services.{service.name}.{name}", "placeholder written by import"))
    return tuple(found)
