"""The evidence ``import`` writes next to a scenario: the same kubectl List it read, one item per line."""

from __future__ import annotations

import json
from pathlib import Path

from riskmodel.sources.evidence_file import evidence_list, evidence_text
from riskmodel.sources.registry import read_sources

FIXTURES = Path(__file__).parent / "fixtures"


def test_evidence_text_is_the_list_with_one_item_per_line():
    # The kind cluster-info dump tree (tests/fixtures/k8s-dump-tree/SOURCES.md): conditions and events.
    evidence = read_sources([f"file:{FIXTURES / 'k8s-dump-tree'}"]).evidence
    document = evidence_list(evidence)
    text = evidence_text(evidence)
    assert json.loads(text) == document
    lines = text.splitlines()
    assert len(document["items"]) > 1 and len(lines) == len(document["items"]) + 2
    assert [json.loads(line.rstrip(",")) for line in lines[1:-1]] == document["items"]


def test_evidence_without_items_is_an_empty_list():
    evidence = read_sources([f"file:{FIXTURES / 'k8s' / 'k9s-pvc.json'}"]).evidence
    assert json.loads(evidence_text(evidence))["items"] == evidence_list(evidence)["items"] == []
