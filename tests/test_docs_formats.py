"""docs/formats.md must not drift from the schema.

Every ```yaml block whose first line is ``# catalog example``, ``# scenario example`` or
``# what-if example`` is written to a file and loaded with the real loaders; and every field
of every pydantic model of the file formats (by its YAML key: the alias when there is one)
must be mentioned in the doc as `key`.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

import riskmodel.model.catalog as catalog_module
import riskmodel.model.defaults as defaults_module
import riskmodel.model.estimate as estimate_module
import riskmodel.model.overlay as overlay_module
import riskmodel.model.scenario as scenario_module
import riskmodel.simulate.whatif_file as whatif_module
from riskmodel.files.loader import load_catalog, parse_scenario
from riskmodel.plan.planner import Planner
from riskmodel.simulate.whatif_file import load_whatif
from riskmodel.sources.scenario import load_scenario

DOC = Path(__file__).resolve().parent.parent / "docs" / "formats.md"
MARKERS = ("catalog", "scenario", "what-if")
_BLOCK = re.compile(r"^```yaml[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _examples(kind: str) -> list[str]:
    """The yaml blocks whose first line is ``# <kind> example``."""
    marker = re.compile(rf"^#\s*{re.escape(kind)} example\s*$")
    return [block for block in _BLOCK.findall(_doc()) if marker.match(block.splitlines()[0].strip())]


def _models(module) -> list[type[BaseModel]]:
    """Pydantic models defined in ``module`` (not the ones it imports)."""
    return [
        cls for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, BaseModel) and cls.__module__ == module.__name__ and cls.model_fields
    ]


def _yaml_keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def test_doc_has_examples_of_each_kind():
    for kind in MARKERS:
        assert _examples(kind), f"docs/formats.md has no yaml block starting with '# {kind} example'"


@pytest.mark.parametrize("index", range(len(_examples("catalog"))))
def test_catalog_examples_load(tmp_path: Path, index: int):
    path = tmp_path / "catalog.yaml"
    path.write_text(_examples("catalog")[index], encoding="utf-8")
    catalog, hashes = load_catalog([path])
    assert str(path) in hashes
    assert catalog.versions


@pytest.mark.parametrize("index", range(len(_examples("scenario"))))
def test_scenario_examples_parse(tmp_path: Path, index: int):
    path = tmp_path / "scenario.yaml"
    path.write_text(_examples("scenario")[index], encoding="utf-8")
    scenario, _ = parse_scenario(path)  # also checks references between entries
    assert scenario.nodes and scenario.zones


def _write_full_example(tmp_path: Path) -> Path:
    """The first catalog example as catalog.yaml next to the first scenario example."""
    (tmp_path / "catalog.yaml").write_text(_examples("catalog")[0], encoding="utf-8")
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(_examples("scenario")[0], encoding="utf-8")
    return scenario


def test_full_scenario_example_runs_with_the_catalog_example(tmp_path: Path):
    loaded = load_scenario(_write_full_example(tmp_path))
    assert loaded.scenario.catalogs == ("catalog.yaml",)
    planner = Planner(loaded.scenario, loaded.catalog, loaded.evidence)
    base = planner.evaluate(()).eal_per_year
    assert base > 0
    ranked = planner.rank()
    assert {r.id for r in ranked} == {m.id for m in loaded.catalog.measures}
    # every failure mode of the example has at least one unit in the example scenario
    assert set(planner.base.pair_mode.tolist()) == set(range(len(loaded.catalog.failure_modes)))


@pytest.mark.parametrize("index", range(len(_examples("what-if"))))
def test_whatif_examples_load_against_the_examples(tmp_path: Path, index: int):
    _write_full_example(tmp_path)
    path = tmp_path / "whatif.yaml"
    path.write_text(_examples("what-if")[index], encoding="utf-8")
    loaded = load_whatif(path)
    assert loaded.injected or loaded.spec.measures


def test_overlay_example_lays_over_the_shipped_catalogs(tmp_path: Path):
    from riskmodel.files.loader import SHIPPED_CATALOGS
    from riskmodel.files.overlay_file import load_overlays

    (block,) = _examples("overlay")
    path = tmp_path / "overlay.yaml"
    path.write_text(block, encoding="utf-8")
    shipped, _ = load_catalog([SHIPPED_CATALOGS])
    catalog, hashes = load_overlays([path], shipped)
    assert catalog.failure_mode("node-crash-reboot").frequency_per_year == 0.795
    assert catalog.versions["calibration"] == "2026-12-01" and str(path) in hashes


FORMAT_MODELS = [
    *_models(catalog_module),
    *_models(scenario_module),
    *_models(estimate_module),
    *_models(whatif_module),
    *_models(defaults_module),
    *_models(overlay_module),
]


def test_models_are_found():
    names = {model.__name__ for model in FORMAT_MODELS}
    assert {"CatalogFile", "FailureMode", "Effect", "Signals", "ConditionSignal", "Targets", "Measure",
            "MeasureCost", "MeasureEffect", "Scenario", "Settings", "Zone", "Node", "Allocatable", "Taint",
            "Workload", "Requests", "Service", "Interval", "WhatIfFile", "FailureSpec"} <= names


@pytest.mark.parametrize("model", FORMAT_MODELS, ids=lambda model: model.__name__)
def test_every_field_is_documented(model: type[BaseModel]):
    doc = _doc()
    missing = [key for key in _yaml_keys(model) if f"`{key}`" not in doc]
    assert not missing, f"{model.__name__}: fields not documented in docs/formats.md: {missing}"


def test_aliases_are_documented_by_yaml_key():
    doc = _doc()
    for key in ("cpu", "memory", "pods"):
        assert f"| `{key}` |" in doc, f"allocatable/requests key {key!r} needs its own table row"
