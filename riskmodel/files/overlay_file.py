"""Reading catalog overlay files (``overlay:`` at the top) and laying them over a catalog.

Each file is parsed like any other input (``safe_load``, strict fields, ``file:line: field``
errors), then checked against the catalog it overlays: an id the catalog does not have is an
error naming the line, never a silent no-op. Overlays apply in the order given.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

from riskmodel.errors import InputError, InputErrors
from riskmodel.files.loader import parse_model, sha256_of
from riskmodel.files.yamlfile import MAX_INPUT_BYTES, line_of
from riskmodel.model.catalog import Catalog
from riskmodel.model.overlay import CatalogOverlay, apply_overlay, overlay_problems

_Dumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def overlay_to_yaml(overlay: CatalogOverlay, header: str) -> str:
    """An overlay file that :func:`load_overlays` reads back as an equal overlay."""
    body = yaml.dump(overlay.model_dump(mode="json", exclude_defaults=True), Dumper=_Dumper, sort_keys=False,
                     default_flow_style=False, allow_unicode=True, width=120)
    return "".join(f"# {line}\n" for line in header.splitlines()) + body


def has_top_level_key(path: Path, key: str) -> bool:
    """True when a line of the file's first 4 KiB starts with ``key:`` (how the kinds of YAML
    input are told apart without parsing them)."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return any(line.startswith(f"{key}:") for line in head.splitlines())


def looks_like_overlay(path: Path) -> bool:
    """An overlay file has a top-level ``overlay:`` key."""
    return has_top_level_key(path, "overlay")


def load_overlays(paths: Iterable[Path], catalog: Catalog,
                  max_bytes: int = MAX_INPUT_BYTES) -> tuple[Catalog, dict[str, str]]:
    """``catalog`` with every overlay file applied in order; returns it and each file's sha256."""
    hashes: dict[str, str] = {}
    for path in paths:
        overlay, text = parse_model(CatalogOverlay, Path(path), max_bytes)
        InputErrors.raise_if_any(
            InputError(str(path), message, line=line_of(text, field_path), field=field_path)
            for field_path, message in overlay_problems(overlay, catalog))
        catalog = apply_overlay(catalog, overlay)
        hashes[str(path)] = sha256_of(text)
    return catalog, hashes


__all__ = ["has_top_level_key", "load_overlays", "looks_like_overlay", "overlay_to_yaml"]
