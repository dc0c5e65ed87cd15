"""Writing an imported risk list as the two files ``rank`` reads: ``scenario.yaml`` and ``catalog.yaml``."""

from __future__ import annotations

from pathlib import Path

import yaml

from riskmodel.files.scenario_yaml import scenario_to_yaml
from riskmodel.model.catalog import CatalogFile
from riskmodel.model.scenario import Scenario

CATALOG_FILE = "catalog.yaml"
SCENARIO_FILE = "scenario.yaml"
_Dumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def catalog_to_yaml(catalog: CatalogFile, header: str) -> str:
    """A catalog file the loader reads back as an equal :class:`CatalogFile`."""
    body = yaml.dump(catalog.model_dump(mode="json", exclude_defaults=True), Dumper=_Dumper, sort_keys=False,
                     default_flow_style=None, allow_unicode=True, width=120)
    return f"# {header}\n{body}"


def write_risk_list(output: Path, scenario: Scenario, catalog: CatalogFile, header: str) -> tuple[Path, Path]:
    """``output/scenario.yaml`` naming ``output/catalog.yaml``; returns both paths."""
    output.mkdir(parents=True, exist_ok=True)
    catalog_path, scenario_path = output / CATALOG_FILE, output / SCENARIO_FILE
    catalog_path.write_text(catalog_to_yaml(catalog, header), encoding="utf-8")
    scenario_path.write_text(scenario_to_yaml(scenario.model_copy(update={"catalogs": (CATALOG_FILE,)})),
                             encoding="utf-8")
    return scenario_path, catalog_path


__all__ = ["CATALOG_FILE", "SCENARIO_FILE", "catalog_to_yaml", "write_risk_list"]
