"""Every class of bad input gets one clear message naming the file, the line or field, and
what was expected. Each case mutates a small valid scenario or catalog (tests/conftest.py)."""

from __future__ import annotations

import pytest

from riskmodel.cli.main import main
from riskmodel.errors import InputError, InputErrors
from riskmodel.sources.scenario import load_scenario


def _errors(path) -> list[InputError]:
    with pytest.raises((InputError, InputErrors)) as caught:
        load_scenario(path)
    error = caught.value
    return error.errors if isinstance(error, InputErrors) else [error]


def test_valid_inputs_load(scenario_files):
    loaded = load_scenario(scenario_files())
    assert [n.name for n in loaded.scenario.nodes] == ["n1", "n2", "n3"]
    assert loaded.scenario.nodes[2].allocatable.cpu_millicores == 4000.0
    assert loaded.scenario.nodes[2].allocatable.memory_bytes == 16 * 2**30
    assert loaded.catalog.failure_mode("zone-loss").frequency_point == pytest.approx(
        0.2020, abs=1e-4
    )  # {0.05, 0.5}: mu=(-2.99573-0.69315)/2=-1.84444, sigma=2.302585/3.289707=0.699936, exp(mu+sigma^2/2)=0.20200


def _set(path, value):
    def mutate(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


CASES = [
    # (id, mutate scenario, mutate catalog, file suffix, line, field, words in the message)
    ("wrong type", _set(["nodes", 1, "allocatable", "pods"], "many"), None, "scenario.yaml", None,
     "nodes[1].allocatable.pods", "valid integer"),
    ("missing field", lambda s: s["services"][0].pop("slo"), None, "scenario.yaml", None,
     "services[0].slo", "missing required field"),
    ("unknown field", _set(["workloads", 0, "replicaz"], 3), None, "scenario.yaml", None,
     "workloads[0].replicaz", "unknown field"),
    ("duplicate name", _set(["nodes", 2, "name"], "n1"), None, "scenario.yaml", None,
     "nodes[2].name", "duplicate name 'n1'"),
    ("unknown depends_on", _set(["services", 1, "depends_on"], ["dbx"]), None, "scenario.yaml", None,
     "services[1].depends_on[0]", "unknown service 'dbx'"),
    ("unknown workload of a service", _set(["services", 0, "workloads"], ["postgres"]), None, "scenario.yaml",
     None, "services[0].workloads[0]", "unknown workload 'postgres'"),
    ("unknown node of a pod", _set(["workloads", 0, "pods"], ["n1", "n9"]), None, "scenario.yaml", None,
     "workloads[0].pods[1]", "unknown node 'n9'"),
    ("dependency cycle", _set(["services", 0, "depends_on"], ["shop"]), None, "scenario.yaml", None,
     "depends_on", "dependency cycle"),
    ("SLO outside (0,1)", _set(["services", 0, "slo"], 1.5), None, "scenario.yaml", None,
     "services[0].slo", "less than 1"),
    ("negative cost", _set(["services", 1, "cost_per_hour"], -5), None, "scenario.yaml", None,
     "services[1].cost_per_hour", "greater than or equal to 0"),
    ("pod bigger than any node", _set(["workloads", 1, "requests", "memory"], "64Gi"), None, "scenario.yaml",
     None, "workloads[1].requests.memory", "largest node"),
    ("bad quantity", _set(["nodes", 0, "allocatable", "cpu"], "four"), None, "scenario.yaml", None,
     "nodes[0].allocatable.cpu", "Kubernetes quantity"),
    ("frequency < 0", None, _set(["failure_modes", 0, "frequency_per_year"], -0.1), "catalog.yaml", None,
     "failure_modes[0].frequency_per_year", "greater than or equal to 0"),
    ("factor > 1", None, _set(["measures", 0, "effect", "frequency_factor"], 1.2), "catalog.yaml", None,
     "measures[0].effect.frequency_factor", "less than or equal to 1"),
    ("factor = 0", None, _set(["measures", 1, "effect", "repair_factor"], 0), "catalog.yaml", None,
     "measures[1].effect.repair_factor", "greater than 0"),
    ("duplicate id", None, _set(["failure_modes", 1, "id"], "node-loss"), "catalog.yaml", None,
     "failure_modes[1].id", "duplicate failure mode id 'node-loss'"),
    ("unknown applies_to", None, _set(["measures", 0, "applies_to"], ["node-los"]), "catalog.yaml", None,
     "measures[0].applies_to[0]", "unknown failure mode id or scope 'node-los'"),
    ("negative measure cost", None, _set(["measures", 0, "cost", "once"], -1), "catalog.yaml", None,
     "measures[0].cost.once", "greater than or equal to 0"),
    ("effect of the wrong kind", None, _set(["measures", 0, "effect"], {"repair_factor": 0.5}), "catalog.yaml",
     None, "measures[0]", "does not belong to a prevention measure"),
    ("interval out of order", None, _set(["failure_modes", 0, "repair_minutes"], {"low": 60, "high": 6}),
     "catalog.yaml", None, "failure_modes[0].repair_minutes", "high >= low"),
]


@pytest.mark.parametrize(("name", "mutate_scenario", "mutate_catalog", "file", "line", "field", "words"), CASES,
                         ids=[case[0] for case in CASES])
def test_bad_input_names_file_field_and_expectation(scenario_files, name, mutate_scenario, mutate_catalog, file,
                                                   line, field, words):
    errors = _errors(scenario_files(mutate_scenario, mutate_catalog))
    matching = [e for e in errors if e.file.endswith(file) and field in (e.field or "") and words in e.message]
    assert matching, f"no error for {name}; got: {[str(e) for e in errors]}"
    assert matching[0].line is not None and matching[0].line > 1


def test_line_numbers_point_at_the_field(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text(
        "name: s\nzones:\n  - {name: a, region: r}\nnodes:\n  - name: n1\n    zone: a\n"
        "    allocatable: {cpu: '4', memory: 16Gi}\n  - name: n2\n    zone: q\n"
        "    allocatable: {cpu: '4', memory: 16Gi}\n",
        encoding="utf-8",
    )
    (error,) = _errors(path)
    assert (error.line, error.field) == (9, "nodes[1].zone")
    assert str(error) == f"{path}:9: nodes[1].zone: unknown zone 'q'; expected one of: a"


def test_yaml_syntax_error_names_line(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text("name: s\nzones:\n  - name: a\n   region: r\n", encoding="utf-8")
    (error,) = _errors(path)
    assert error.line == 4 and "YAML syntax error" in error.message


def test_duplicate_yaml_key_is_refused(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text("name: s\nname: t\n", encoding="utf-8")
    (error,) = _errors(path)
    assert error.line == 2 and "duplicate key 'name' (first at line 1)" in error.message


def test_empty_file(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text("\n  \n", encoding="utf-8")
    (error,) = _errors(path)
    assert "file is empty" in error.message and error.file == str(path)


def test_top_level_must_be_a_mapping(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    (error,) = _errors(path)
    assert "expected a YAML mapping" in error.message


def test_file_over_size_limit(scenario_files):
    path = scenario_files()
    with pytest.raises(InputError, match="over the 100-byte limit"):
        load_scenario(path, max_bytes=100)


def test_unsafe_yaml_tags_are_refused(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text("name: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    (error,) = _errors(path)
    assert "YAML error" in error.message and "python/object/apply:os.system" in error.message and error.line == 1


def test_cli_validate_prints_errors_and_exits_2(scenario_files, capsys):
    path = scenario_files(_set(["services", 0, "slo"], 0))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:" in err and "services[0].slo" in err and "Traceback" not in err


def test_cli_validate_ok_summary(scenario_files, capsys):
    path = scenario_files()
    assert main(["validate", str(path), str(path.parent / "catalog.yaml")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"ok  {path}: scenario 'small', 2 zones, 3 nodes, 2 workloads, 3 pods")
    assert out[1].endswith("catalog, 2 failure modes, 2 measures")
