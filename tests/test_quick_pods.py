"""The quick pod reader (``sources/k8s_pods.py``) against the checked one, on real pods.

``quick_pod`` may decline any pod (the checked reader then reads it), but a pod it reads must be
exactly the pod the checked reader gives, and a pod the checked reader refuses must be declined.
Every pod of the recorded fixtures is tried as it is and under hypothesis' structural mutations
(a field set to a nasty value, removed, wrapped in a list …).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fuzz.strategies import mutated
from hypothesis import HealthCheck, given, settings

from riskmodel.errors import InputError
from riskmodel.sources.k8s_fields import Place
from riskmodel.sources.k8s_objects import checked_pod
from riskmodel.sources.k8s_pods import quick_pod
from riskmodel.sources.kubectl_text import decode, kind_of_file

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _pods(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    if document.get("kind") == "Pod":
        return [document]
    items = document.get("items") if str(document.get("kind", "")).endswith("List") else None
    default = "Pod" if document.get("kind") == "PodList" else None
    return [item for item in items or [] if isinstance(item, dict) and (item.get("kind") or default) == "Pod"]


def _fixture_pods() -> list[dict[str, Any]]:
    found = []
    for path in sorted(FIXTURES.glob("k8s*/**/*")):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        kind = kind_of_file(path, raw[:256])
        if kind not in ("json", "yaml"):
            continue
        try:
            documents = decode(raw, str(path), kind).documents
        except InputError:
            continue
        for document in documents:
            found += _pods(document)
    return found


PODS = _fixture_pods()


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
    if not isinstance(pod, dict):
        return
    try:
        _same_or_declined(pod)
    except InputError as error:  # the checked reader refused a pod that quick_pod took
        pytest.fail(f"quick_pod read a pod the checked reader refuses: {error}")
