"""A scenario file with everything it names read: its catalogs (default: the shipped ones)
and its evidence, through the file source.

This sits in ``sources`` because a scenario's ``evidence:`` entries are file sources; the
parsing and validation of the scenario and catalog files themselves is :mod:`riskmodel.files`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from riskmodel.errors import InputError, InputErrors
from riskmodel.files.loader import SHIPPED_CATALOGS, load_catalog, parse_scenario, sha256_of
from riskmodel.files.overlay_file import load_overlays
from riskmodel.files.yamlfile import MAX_INPUT_BYTES, line_of
from riskmodel.model.catalog import Catalog
from riskmodel.model.evidence import Evidence
from riskmodel.model.scenario import Scenario
from riskmodel.sources.file import load_evidence


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario with its catalog and evidence, and the hashes of every input file.

    ``named_paths``: the catalog, overlay and evidence entries as resolved (files or folders), so
    a caller can tell when a file is added to a named folder, not only when a read file changes."""

    path: str
    scenario: Scenario
    catalog: Catalog
    evidence: Evidence = Evidence()
    input_hashes: dict[str, str] = field(default_factory=dict)
    named_paths: tuple[str, ...] = ()

    @property
    def watched_paths(self) -> tuple[str, ...]:
        """Every file this load read and every folder it was told to read, in a stable order."""
        return tuple(dict.fromkeys([*self.input_hashes, *self.named_paths]))


def _relative(base: Path, entries: tuple[str, ...]) -> list[Path]:
    return [(base / entry.replace("\x00", "")).resolve() for entry in entries]


def load_evidence_paths(paths: Iterable[Path]) -> Evidence:
    """Evidence from recorded files (kubectl JSON dumps), merged."""
    evidence = Evidence()
    for path in paths:
        evidence = evidence.merged(load_evidence(path))
    return evidence


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _refuse_outside(path: Path, text: str, scenario: Scenario, roots: Sequence[Path]) -> None:
    """Every ``catalogs``, ``catalog_overlays`` and ``evidence`` entry must resolve (links
    followed) inside ``roots``: an uploaded scenario may not make the server read its files."""
    InputErrors.raise_if_any(
        InputError(str(path), f"{key} entry {entry!r} points outside the folders this scenario may use "
                   "(its own folder, the shipped scenarios and catalogs); expected a file shipped with it or "
                   "under the scenarios folder",
                   line=line_of(text, (key, index)), field=(key, index))
        for key in ("catalogs", "catalog_overlays", "evidence")
        for index, entry in enumerate(getattr(scenario, key))
        if not _inside((path.parent / entry.replace("\x00", "")).resolve(), roots)
    )


def load_scenario(path: Path | str, max_bytes: int = MAX_INPUT_BYTES,
                  overlays: Sequence[Path | str] = (), allowed_roots: Sequence[Path] = ()) -> LoadedScenario:
    """Load a scenario, the catalogs it names (default: the shipped ones) and its evidence.

    The scenario's ``catalog_overlays`` and then ``overlays`` (``rank --overlay``) are laid
    over the catalog in that order. ``allowed_roots`` (the app, for an uploaded file): the
    folders every file the scenario names must lie in; an entry outside is refused before
    anything is read."""
    path = Path(path)
    scenario, text = parse_scenario(path, max_bytes)
    if allowed_roots:
        _refuse_outside(path, text, scenario, [Path(root).resolve() for root in allowed_roots])
    catalog_paths = _relative(path.parent, scenario.catalogs) or [SHIPPED_CATALOGS]
    InputErrors.raise_if_any(  # a missing catalog is the scenario's mistake: name the entry that points at it
        InputError(str(path), f"catalog {entry!r} not found (looked for {found}); expected a file or folder "
                   "relative to this scenario", line=line_of(text, ("catalogs", index)), field=("catalogs", index))
        for index, (entry, found) in enumerate(zip(scenario.catalogs, catalog_paths, strict=False))
        if "\x00" in entry or not found.exists()
    )
    catalog, hashes = load_catalog(catalog_paths, max_bytes)
    overlay_paths = _relative(path.parent, scenario.catalog_overlays) + [Path(p) for p in overlays]
    if overlay_paths:
        catalog, overlay_hashes = load_overlays(overlay_paths, catalog, max_bytes)
        hashes.update(overlay_hashes)
    evidence_paths = _relative(path.parent, scenario.evidence)
    evidence = load_evidence_paths(evidence_paths) if evidence_paths else Evidence()
    if scenario.observed_at:  # an imported cluster: its state and its events are of that time
        observed = datetime.fromisoformat(scenario.observed_at.replace("Z", "+00:00"))
        evidence = dataclasses.replace(evidence, observed_at=observed if observed.tzinfo else observed.replace(tzinfo=UTC))
    hashes = {str(path): sha256_of(text), **hashes}
    for evidence_path in evidence_paths:
        for file in sorted(evidence_path.rglob("*")) if evidence_path.is_dir() else [evidence_path]:
            if file.is_file():
                hashes[str(file)] = hashlib.sha256(file.read_bytes()).hexdigest()
    named = tuple(str(p) for p in [*catalog_paths, *overlay_paths, *evidence_paths])
    return LoadedScenario(str(path), scenario, catalog, evidence, hashes, named)
