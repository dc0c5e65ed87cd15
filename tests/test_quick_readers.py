"""The quick pod and Event readers (``sources/k8s_pods.py``, ``sources/k8s_event_quick.py``)
against the checked ones, on real objects.

A quick reader may decline any object (the checked reader then reads it), but what it reads must
be exactly what the checked reader gives, and an object the checked reader refuses must be
declined. Every pod and Event of the recorded fixtures is tried as it is and under hypothesis'
structural mutations (a field set to a nasty value, removed, wrapped in a list …).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fuzz.strategies import mutated
from hypothesis import HealthCheck, given, settings

from riskmodel.errors import InputError
from riskmodel.sources.k8s_event_quick import quick_event
from riskmodel.sources.k8s_evidence import checked_conditions, checked_event, quick_conditions
from riskmodel.sources.k8s_fields import ParseContext, Place
from riskmodel.sources.k8s_objects import checked_pod
from riskmodel.sources.k8s_pods import quick_pod
from riskmodel.sources.kubectl_text import decode, kind_of_file

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _of_kind(document: Any, kind: str) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    if document.get("kind") == kind:
        return [document]
    items = document.get("items") if str(document.get("kind", "")).endswith("List") else None
    default = kind if document.get("kind") == f"{kind}List" else None
    return [item for item in items or [] if isinstance(item, dict) and (item.get("kind") or default) == kind]


def _fixture_objects(kind: str) -> list[dict[str, Any]]:
    found = []
    for path in sorted(FIXTURES.glob("k8s*/**/*")):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        text_kind = kind_of_file(path, raw[:256])
        if text_kind not in ("json", "yaml"):
            continue
        try:
            documents = decode(raw, str(path), text_kind).documents
        except InputError:
            continue
        for document in documents:
            found += _of_kind(document, kind)
    return found


PODS = _fixture_objects("Pod")
EVENTS = _fixture_objects("Event")
REFERENCE = datetime(2024, 6, 1, tzinfo=UTC)
"""The reading time: fixture Events lie before it, some mutated ones after."""


def _same_or_declined(pod: dict[str, Any]) -> bool:
    """Whether quick_pod read the pod (then it equals the checked reading, field for field)."""
    quick = quick_pod(pod, "pods.json")
    if quick is None:
        return False
    checked = checked_pod(pod, Place("pods.json", ()))  # must not raise: quick_pod took the pod
    assert repr(quick) == repr(checked)
    assert quick == checked
    return True


def test_fixture_pods_read_alike() -> None:
    taken = sum(_same_or_declined(pod) for pod in PODS)
    # 104 pods in the fixtures (98 taken today); those with init containers, limits beyond requests, extended
    # resources or overhead go to the checked reader, the plain majority is read quickly.
    assert len(PODS) >= 100
    assert taken >= len(PODS) // 2, f"quick_pod took only {taken} of {len(PODS)} recorded pods"


@settings(max_examples=400, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated(PODS, count=3))
def test_mutated_pods_read_alike(pod: Any) -> None:
    _read_alike_or_declined(_same_or_declined, pod)


def _read_alike_or_declined(compare: Any, value: Any) -> None:
    """``compare`` on a mutated object: the checked reader refusing what the quick one took fails."""
    if not isinstance(value, dict):
        return
    try:
        compare(value)
    except InputError as error:
        pytest.fail(f"the quick reader read what the checked reader refuses: {error}")


def _same_event_or_declined(event: dict[str, Any]) -> bool:
    quick = quick_event(event, ParseContext(REFERENCE))
    if quick is None:
        return False
    checked = checked_event(event, Place("events.json", ()), ParseContext(REFERENCE))  # must not raise
    assert repr(quick) == repr(checked)
    return True


def test_fixture_events_read_alike() -> None:
    taken = sum(_same_event_or_declined(event) for event in EVENTS)
    assert len(EVENTS) >= 10
    assert taken == len(EVENTS), f"quick_event took only {taken} of {len(EVENTS)} recorded Events"


@settings(max_examples=300, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated(EVENTS, count=3))
def test_mutated_events_read_alike(event: Any) -> None:
    _read_alike_or_declined(_same_event_or_declined, event)


NODES = _fixture_objects("Node")


def _same_conditions_or_declined(node: dict[str, Any]) -> bool:
    status = node.get("status")
    if not isinstance(status, dict):
        return False
    quick = quick_conditions("node-1", status.get("conditions"), ParseContext(REFERENCE))
    if quick is None:
        return False
    ctx = ParseContext(REFERENCE)
    checked = checked_conditions("node-1", status, Place("nodes.json", ("status",)), ctx)  # must not raise
    assert repr(quick) == repr(checked)
    assert ctx.note_lines() == ctx.skipped_lines() == []  # nothing the quick reader would have had to say
    return True


def test_fixture_node_conditions_read_alike() -> None:
    taken = sum(_same_conditions_or_declined(node) for node in NODES)
    assert len(NODES) >= 8
    # the nodes whose conditions are all of known types and dated before the reading time
    assert taken >= len(NODES) // 2, f"quick_conditions took only {taken} of {len(NODES)} recorded nodes"


@settings(max_examples=300, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated(NODES, count=3))
def test_mutated_node_conditions_read_alike(node: Any) -> None:
    _read_alike_or_declined(_same_conditions_or_declined, node)
