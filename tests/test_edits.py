"""Review edits: applied to frozen models as new validated models, bad values named by path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from builders import catalog, measure, mode, node, scenario, service, workload

from riskmodel.errors import InputError
from riskmodel.model.catalog import Catalog
from riskmodel.model.estimate import Interval
from riskmodel.model.scenario import Scenario
from riskmodel.review.edits import EDITABLE_FIELDS, Edit, apply_edits, current_value, final_values
from riskmodel.sources.scenario import load_scenario


@pytest.fixture
def models() -> tuple[Catalog, Scenario]:
    modes = [
        mode("node-hardware-loss", "node", 0.1, 5, 120),
        mode("zone-loss", "zone", 0.02, 10, 240, incident_cost={"low": 100, "high": 1000}),
    ]
    measures = [
        measure("hw-monitoring", "prevention", {"frequency_factor": 0.5}, per_year=1000, once=300),
        measure("runbooks", "recovery", {"repair_factor": 0.5}, once=1500),
    ]
    topology = scenario(
        ["a", "b"], [node("n1", "a"), node("n2", "b")], [workload("web", ["n1", "n2"])],
        [service("shop", ["web"], 1000.0)],
    )
    return catalog(modes, measures), topology


def edit(kind: str, target: str, field: str, new: object, old: object = None, **extra: object) -> Edit:
    return Edit(kind, target, field, old, new, who="alice", why="test", **extra)  # type: ignore[arg-type]


def test_apply_changes_numbers_and_leaves_inputs_untouched(models: tuple[Catalog, Scenario]) -> None:
    cat, topo = models
    new_cat, new_topo = apply_edits(cat, topo, [
        edit("failure_mode", "node-hardware-loss", "frequency_per_year", 0.4, 0.1),
        edit("failure_mode", "zone-loss", "frequency_per_year", {"low": 0.01, "high": 0.1}),
        edit("measure", "hw-monitoring", "cost.per_year", 2500),
        edit("measure", "hw-monitoring", "effect.frequency_factor", 0.25),
        edit("service", "shop", "slo", 0.99),
        edit("service", "shop", "cost_per_hour", 40),
    ])
    assert new_cat.failure_mode("node-hardware-loss").frequency_per_year == 0.4
    assert new_cat.failure_mode("zone-loss").frequency_per_year == Interval(low=0.01, high=0.1)
    assert new_cat.measure("hw-monitoring").cost.per_year == 2500
    assert new_cat.measure("hw-monitoring").cost.once == 300
    assert new_cat.measure("hw-monitoring").effect.frequency_factor == 0.25
    assert new_topo.services_by_name["shop"].slo == 0.99
    assert new_topo.services_by_name["shop"].cost_per_hour == 40
    assert new_topo.nodes == topo.nodes  # quantities survive the dump/validate round trip
    assert cat.failure_mode("node-hardware-loss").frequency_per_year == 0.1
    assert topo.services_by_name["shop"].slo == 0.999


def test_no_edits_and_untouched_holder_return_the_same_objects(models: tuple[Catalog, Scenario]) -> None:
    cat, topo = models
    assert apply_edits(cat, topo, []) == (cat, topo)
    new_cat, new_topo = apply_edits(cat, topo, [edit("failure_mode", "zone-loss", "repair_minutes", 60)])
    assert new_topo is topo and new_cat is not cat


def test_later_edit_of_the_same_field_wins(models: tuple[Catalog, Scenario]) -> None:
    cat, topo = models
    edits = [
        edit("failure_mode", "node-hardware-loss", "detect_minutes", -3),  # bad, but overridden below
        edit("failure_mode", "node-hardware-loss", "detect_minutes", 30),
        edit("failure_mode", "node-hardware-loss", "detect_minutes", 15),
    ]
    new_cat, _ = apply_edits(cat, topo, edits)
    assert new_cat.failure_mode("node-hardware-loss").detect_minutes == 15
    assert final_values(edits) == {("failure_mode", "node-hardware-loss", "detect_minutes"): 15.0}


@pytest.mark.parametrize(
    ("bad", "field", "expected"),
    [
        (edit("failure_mode", "node-hardware-loss", "frequency_per_year", -0.5),
         "failure_modes[node-hardware-loss].frequency_per_year", "greater than or equal to 0"),
        (edit("measure", "hw-monitoring", "effect.frequency_factor", 1.5),
         "measures[hw-monitoring].effect.frequency_factor", "less than or equal to 1"),
        (edit("failure_mode", "node-hardware-loss", "effect.impact_fraction", 0),
         "failure_modes[node-hardware-loss].effect.impact_fraction", "greater than 0"),
        (edit("service", "shop", "slo", 1.0), "services[shop].slo", "less than 1"),
        (edit("failure_mode", "zone-loss", "repair_minutes", {"low": 9, "high": 3}),
         "failure_modes[zone-loss].repair_minutes", "high >= low"),
        (edit("measure", "runbooks", "effect.frequency_factor", 0.5), "measures[runbooks]",
         "does not belong to a recovery measure"),
        (edit("failure_mode", "node-hardware-loss", "scope", 1), "failure_modes[node-hardware-loss].scope",
         "cannot be edited"),
        (edit("failure_mode", "no-such-mode", "repair_minutes", 1), "failure_modes[no-such-mode]",
         "unknown failure mode 'no-such-mode'"),
        (edit("service", "shop", "slo", float("nan")), "services[shop].slo", "finite number"),
        (edit("service", "shop", "slo", {"low": 0.9}), "services[shop].slo", "exactly low and high"),
        (edit("node", "n1", "cpu", 1), "target_kind", "expected one of: failure_mode, measure, service"),
    ],
)
def test_bad_edits_name_the_field_and_what_was_expected(
    models: tuple[Catalog, Scenario], bad: Edit, field: str, expected: str
) -> None:
    cat, topo = models
    with pytest.raises(InputError) as raised:
        apply_edits(cat, topo, [bad])
    assert raised.value.file == "edit"
    assert raised.value.field == field
    assert expected in raised.value.message


def test_current_value_reports_points_intervals_and_unset(models: tuple[Catalog, Scenario]) -> None:
    cat, topo = models
    assert current_value(cat, topo, "failure_mode", "node-hardware-loss", "frequency_per_year") == 0.1
    assert current_value(cat, topo, "failure_mode", "zone-loss", "incident_cost") == {"low": 100.0, "high": 1000.0}
    assert current_value(cat, topo, "measure", "runbooks", "effect.frequency_factor") is None
    assert current_value(cat, topo, "service", "shop", "slo") == 0.999
    with pytest.raises(InputError, match="unknown service 'cart'"):
        current_value(cat, topo, "service", "cart", "slo")


def test_every_editable_field_has_a_current_value(models: tuple[Catalog, Scenario]) -> None:
    cat, topo = models
    ids = {"failure_mode": "node-hardware-loss", "measure": "hw-monitoring", "service": "shop"}
    for kind, fields in EDITABLE_FIELDS.items():
        for field in fields:
            value = current_value(cat, topo, kind, ids[kind], field)
            assert value is None or isinstance(value, float | dict), (kind, field)


def test_edit_times_are_utc_and_must_be_aware() -> None:
    local = datetime(2026, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    made = edit("service", "shop", "slo", 0.99, at=local)
    assert made.at == datetime(2026, 5, 1, 10, 0, tzinfo=UTC) and made.at.tzinfo == UTC
    assert made.new_value == 0.99 and isinstance(edit("service", "shop", "slo", 1).new_value, float)
    with pytest.raises(InputError, match="timezone-aware"):
        edit("service", "shop", "slo", 0.99, at=datetime(2026, 5, 1))


def test_edits_apply_to_a_loaded_scenario(scenario_files) -> None:
    loaded = load_scenario(scenario_files())
    new_cat, new_topo = apply_edits(loaded.catalog, loaded.scenario, [
        edit("failure_mode", "node-loss", "frequency_per_year", 0.3, 0.1),
        edit("service", "shop", "degraded_cost_per_hour", 50),
    ])
    assert new_cat.failure_mode("node-loss").frequency_per_year == 0.3
    assert new_topo.services_by_name["shop"].degraded_cost_per_hour == 50
    assert new_topo.workloads == loaded.scenario.workloads
