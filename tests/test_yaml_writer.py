"""Long lists of a scenario written one JSON line per item (``files/yaml_writer.py``) read back as
the same data, and items YAML 1.1 would read differently from their JSON text go through PyYAML."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from riskmodel.files.yaml_writer import FLOW_ITEMS, plain_yaml
from riskmodel.files.yamlfile import parse_yaml

PLAIN = {"name": "node-0001", "zone": "eu-west-1a", "allocatable": {"cpu": "7910m", "memory": "30156Mi", "pods": 110},
         "labels": {"node-role.kubernetes.io/control-plane": "", "tier": "no"}, "down_now": False, "cost": 0.999}
TRICKY: list[dict[str, Any]] = [
    {"quotes": "it's \"quoted\" \\ back", "unicode": "é 😀", "tab": "a\tb", "newline": "a\nb", "control": "a\x01b"},
    {"small": 1e-05, "big": 1e16, "exact": 2**70, "negative_zero": -0.0},  # 1e-05 is a string to YAML 1.1
    {"next_line": "a\x85b", "line_separator": "a\u2028b", "delete": "a\x7fb"},  # line breaks or not allowed raw
    {"k" * 1200: "a key longer than YAML's 1,024 characters before ':'"},
    {"yes": "yes", "null": "null", "number": "1e3", "hex": "gke-pool-3e4b5c6d", "empty": {}, "list": []},
]


def _document(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": "big", "no": "top-level key YAML would read as false", "nodes": items, "observed_at": "2026-11-20"}


def test_short_lists_are_written_by_pyyaml_unchanged() -> None:
    document = _document([copy.deepcopy(PLAIN) for _ in range(FLOW_ITEMS)])
    expected = yaml.dump(document, Dumper=yaml.SafeDumper, sort_keys=False, default_flow_style=None,
                         allow_unicode=True, width=120)
    assert plain_yaml(document, allow_unicode=True, width=120) == expected


def test_long_list_is_one_json_line_per_item_and_reads_back_equal() -> None:
    items = [copy.deepcopy(PLAIN) | {"name": f"node-{i:04d}"} for i in range(FLOW_ITEMS + 1)]
    text = plain_yaml(_document(items), allow_unicode=True, width=120)
    lines = text.splitlines()
    assert lines[lines.index("nodes:") + 1].startswith('- {"name": "node-0000", "zone": "eu-west-1a", "allocatable": ')
    assert sum(line.startswith('- {"name": "node-') for line in lines) == FLOW_ITEMS + 1
    assert "'no': top-level key YAML would read as false" in text
    assert parse_yaml(text, "big.yaml") == _document(items)


def test_tricky_items_read_back_equal_each_written_the_way_yaml_reads_it() -> None:
    items = [copy.deepcopy(PLAIN) for _ in range(FLOW_ITEMS)] + copy.deepcopy(TRICKY)
    text = plain_yaml(_document(items), allow_unicode=True, width=120)
    back = parse_yaml(text, "big.yaml")
    assert repr(back) == repr(_document(items))  # repr: -0.0 and 0.0 differ
    assert '- {"quotes": "it\'s \\"quoted\\" \\\\ back", "unicode": "é 😀", "tab": "a\\tb"' in text
    assert "small: 1.0e-05" in text  # by PyYAML, which adds the dot YAML 1.1 needs
    assert '"hex": "gke-pool-3e4b5c6d"' in text and '"yes": "yes"' in text
    assert '"next_line"' not in text and '"delete"' not in text and '"kkkk' not in text


def test_long_ascii_keys_go_to_pyyaml_and_long_values_stay_json_lines() -> None:
    # all ASCII: only the scan for runs without a quote finds these (no other cheap check trips)
    long_key, long_value, short_key = ("k" * 1200), ("v" * 1200), ("s" * 999)
    items = [copy.deepcopy(PLAIN) for _ in range(FLOW_ITEMS)] + [
        {long_key: "a key longer than YAML's 1,024 characters before ':'"}, {"long": long_value},
        {short_key: "fits"}]
    text = plain_yaml(_document(items), allow_unicode=True, width=120)
    assert parse_yaml(text, "big.yaml") == _document(items)
    assert f'"{long_key}"' not in text and f'- {{"long": "{long_value}"}}' in text
    assert f'- {{"{short_key}": "fits"}}' in text
