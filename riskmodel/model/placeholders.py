"""Values in a scenario that are placeholders, not yet seen by a reviewer.

An imported cluster cannot say what an hour of outage costs, which SLO a service keeps,
which zone an unlabelled node is in, where the pods of a workload it only knows from its
status run, or whether a dependency guessed from an env value is real. The importer writes
such values and lists them in the scenario's ``placeholders`` (field paths with the
reason); older scenarios flag a service with ``review_placeholder: true`` instead (its cost
and SLO). Every export and page lists them until a reviewer edits or accepts them: pass
the field paths a review has settled as ``reviewed``.

Field paths: ``services.<service>.cost_per_hour`` / ``.degraded_cost_per_hour`` / ``.slo``,
``services.<service>.depends_on.<service>``, ``zones.<zone>``, ``workloads.<workload>.pods``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from riskmodel.model.scenario import Scenario

LEGACY_FIELDS = ("cost_per_hour", "slo")


@dataclass(frozen=True)
class Placeholder:
    """One value to review: its field path in the scenario (``services.checkout.slo``) and why."""

    field_path: str
    reason: str


def placeholders(scenario: Scenario, reviewed: Iterable[str] = ()) -> tuple[Placeholder, ...]:
    """Every placeholder value of the scenario not yet ``reviewed``, in scenario order, each once."""
    settled = set(reviewed)
    found: dict[str, Placeholder] = {}
    for entry in scenario.placeholders:
        found.setdefault(entry.field, Placeholder(entry.field, entry.reason))
    for service in scenario.services:
        if service.review_placeholder:
            for name in LEGACY_FIELDS:
                path = f"services.{service.name}.{name}"
                found.setdefault(path, Placeholder(path, "placeholder written by import"))
    return tuple(p for path, p in found.items() if path not in settled)


def edited_paths(edits: Iterable[object]) -> frozenset[str]:
    """Field paths a review session's edits settle (``service`` edits of a field), for ``reviewed``."""
    paths = set()
    for edit in edits:
        if getattr(edit, "target_kind", None) == "service":
            paths.add(f"services.{getattr(edit, 'target_id', '')}.{getattr(edit, 'field', '')}")
    return frozenset(paths)
