"""What a snapshot leaves out: the values in a cluster's objects that can carry credentials.

A live read holds more than the risk model uses, and some of it is secret: container ``env``
values (``DB_PASSWORD``), the ``kubectl.kubernetes.io/last-applied-configuration`` annotation
(a copy of the whole applied manifest, env values and all), other annotations that tools fill
with tokens or configuration, ``managedFields``, and flags such as ``--password=…`` in container
``args`` and ``command``. A snapshot is written to disk and shared, so before it is written:

- every env entry keeps its ``name`` (and ``valueFrom``, a reference, not a value); ``value`` goes;
- annotations are kept only when the model reads them (``riskmodel.io/*``, the kubelet's
  ``kubernetes.io/config.*`` of static pods); the others are dropped;
- ``metadata.managedFields`` is dropped;
- ``args`` and ``command`` lose credentials in URIs and the values of password/token/key flags.

What was left out is counted, per kind of field, in ``snapshot.json`` (never the values).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from riskmodel.errors import REDACTED, redact

KEPT_ANNOTATION_PREFIXES = ("riskmodel.io/", "kubernetes.io/config.")
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
_SECRET_FLAG = re.compile(
    r"(?P<name>(?:^|[\s-])[\w.-]*(?:password|passwd|pwd|secret|token|api[-_]?key|credentials?|auth)[\w.-]*[=:])\S+",
    re.IGNORECASE)


def _kept_annotation(key: object) -> bool:
    return isinstance(key, str) and key.startswith(KEPT_ANNOTATION_PREFIXES)


def _scrub_text(value: str) -> str:
    return _SECRET_FLAG.sub(lambda match: f"{match['name']}{REDACTED}", redact(value))


def _scrub_container(container: dict[str, Any], counts: Counter[str]) -> None:
    env = container.get("env")
    if isinstance(env, list):
        for entry in env:
            if isinstance(entry, dict) and "value" in entry:
                del entry["value"]
                counts["env values"] += 1
    for key in ("args", "command"):
        values = container.get(key)
        if isinstance(values, list):
            scrubbed = [_scrub_text(v) if isinstance(v, str) else v for v in values]
            counts[f"{key} redacted"] += sum(a != b for a, b in zip(values, scrubbed, strict=True))
            container[key] = scrubbed


def _scrub_metadata(metadata: dict[str, Any], counts: Counter[str]) -> None:
    if metadata.pop("managedFields", None) is not None:
        counts["managedFields"] += 1
    annotations = metadata.get("annotations")
    if isinstance(annotations, dict):
        dropped = [key for key in annotations if not _kept_annotation(key)]
        for key in dropped:
            del annotations[key]
        counts["annotations"] += len(dropped)


def scrub(document: Any) -> Counter[str]:
    """Remove, in place, every credential-carrying value of ``document`` (a List or an object,
    any depth: pod templates inside workloads too); returns what was removed, counted."""
    counts: Counter[str] = Counter()
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            metadata = value.get("metadata")
            if isinstance(metadata, dict):
                _scrub_metadata(metadata, counts)
            for key in CONTAINER_LISTS:
                containers = value.get(key)
                if isinstance(containers, list):
                    for container in containers:
                        if isinstance(container, dict):
                            _scrub_container(container, counts)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return counts


__all__ = ["KEPT_ANNOTATION_PREFIXES", "scrub"]
