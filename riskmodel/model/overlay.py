"""Catalog overlays: fitted numbers laid over a reviewed catalog without editing it.

``calibrate`` writes one from a fleet's history (frequencies per node-year, detect and repair
minutes); a scenario names it under ``catalog_overlays:`` or ``rank --overlay`` applies it.
An overlay replaces only the fields it sets, of failure modes the catalog has; everything
else (effects, signals, measures) stays as reviewed. The merged catalog records the overlay
in ``versions`` (``overlay name → version``), so reports say which numbers were fitted.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from riskmodel.errors import FieldPath
from riskmodel.model.catalog import Catalog, Identifier
from riskmodel.model.estimate import Estimate, StrictModel

OVERRIDABLE = ("frequency_per_year", "detect_minutes", "repair_minutes")
"""The failure-mode fields an overlay may set; the rest of a mode is the reviewed catalog's."""


class ModeOverride(StrictModel):
    """New values for one failure mode (unset fields keep the catalog's), and where they come from."""

    id: Identifier
    frequency_per_year: Estimate | None = None
    detect_minutes: Estimate | None = None
    repair_minutes: Estimate | None = None
    rationale: str = Field(min_length=10)


class CatalogOverlay(StrictModel):
    """The top level of an overlay file (``overlay:`` is how the loader recognises one)."""

    overlay: Identifier
    version: str = Field(min_length=1)
    description: str = ""
    failure_modes: tuple[ModeOverride, ...] = ()


def overlay_problems(overlay: CatalogOverlay, catalog: Catalog) -> Iterator[tuple[FieldPath, str]]:
    """Ids the catalog does not have, ids set twice, and entries that set nothing."""
    known = {mode.id for mode in catalog.failure_modes}
    seen: set[str] = set()
    for index, override in enumerate(overlay.failure_modes):
        if override.id not in known:
            shown = ", ".join(sorted(known)[:8]) + (", …" if len(known) > 8 else "")
            yield ("failure_modes", index, "id"), (
                f"unknown failure mode id {override.id!r}; expected one of the catalog's ids ({shown})")
        if override.id in seen:
            yield ("failure_modes", index, "id"), f"failure mode {override.id!r} is set twice in this overlay"
        seen.add(override.id)
        if all(getattr(override, name) is None for name in OVERRIDABLE):
            yield ("failure_modes", index), f"sets none of {', '.join(OVERRIDABLE)}; expected at least one"


def apply_overlay(catalog: Catalog, overlay: CatalogOverlay) -> Catalog:
    """The catalog with the overlay's values (call after :func:`overlay_problems` found none)."""
    overrides = {override.id: override for override in overlay.failure_modes}
    modes = []
    for mode in catalog.failure_modes:
        override = overrides.get(mode.id)
        if override is None:
            modes.append(mode)
            continue
        update: dict[str, object] = {name: getattr(override, name) for name in OVERRIDABLE
                                     if getattr(override, name) is not None}
        update["rationale"] = f"{mode.rationale} [overlay {overlay.overlay} {overlay.version}: {override.rationale}]"
        modes.append(mode.model_copy(update=update))
    return catalog.model_copy(update={"failure_modes": tuple(modes),
                                      "versions": {**catalog.versions, overlay.overlay: overlay.version}})


__all__ = ["OVERRIDABLE", "CatalogOverlay", "ModeOverride", "apply_overlay", "overlay_problems"]
