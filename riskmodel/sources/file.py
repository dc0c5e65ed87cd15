"""The ``file`` source: what ``kubectl get … -A -o json`` (or ``-o yaml``) printed, read offline.

Accepts a ``List`` of mixed kinds, one ``<Kind>List`` per file, single objects, and YAML of
the same (several documents per file too), in a file or a folder (read recursively). A
folder written by ``python -m riskmodel snapshot`` also holds ``snapshot.json`` whose
``time`` is when the cluster was read. Kinds the model does not use are skipped and reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from riskmodel.errors import InputError, InputErrors
from riskmodel.model.evidence import Evidence, NodeCondition, NodeEvent
from riskmodel.sources.dump import ClusterDump
from riskmodel.sources.k8s_evidence import node_event
from riskmodel.sources.k8s_fields import ParseContext, Place, timestamp
from riskmodel.sources.k8s_objects import parse_node, parse_pdb, parse_pod, parse_pv, parse_pvc, parse_workload

SUFFIXES = (".json", ".yaml", ".yml")
SNAPSHOT_FILE = "snapshot.json"
WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"})
MAX_ERRORS = 50
"""Stop collecting after this many problems: a broken dump rarely needs more to be fixed."""

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_text(path: Path) -> list[Any]:
    """The documents of one file; JSON by content or suffix, else YAML (multi-document)."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(file, f"cannot read: {error.strerror or error}") from None
    if path.suffix == ".json" or raw.lstrip()[:1] in (b"{", b"["):
        try:
            return [json.loads(raw)]
        except json.JSONDecodeError as error:
            raise InputError(
                file, f"invalid or truncated JSON ({error.msg}); expected the output of kubectl get -o json",
                line=error.lineno,
            ) from None
        except UnicodeDecodeError:
            raise InputError(file, "not UTF-8 text; expected kubectl JSON output") from None
    try:
        return [doc for doc in yaml.load_all(raw, Loader=_YAML_LOADER) if doc is not None]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise InputError(
            file, f"invalid YAML ({getattr(error, 'problem', error)}); expected kubectl -o yaml output",
            line=mark.line + 1 if mark else None,
        ) from None


def _objects(document: Any, file: str, index: int, many: bool) -> Iterator[tuple[str, dict[str, Any], Place]]:
    """(kind, object, place) of each object in one document (a List or a single object)."""
    root = Place(file, (f"<document {index + 1}>",) if many else ())
    if not isinstance(document, dict):
        raise root.error(f"expected a Kubernetes object or List, got {type(document).__name__}")
    kind = document.get("kind")
    if not isinstance(kind, str) or not kind:
        raise root.error("missing 'kind'; expected a Kubernetes object or List as kubectl get -o json prints")
    if kind != "List" and not kind.endswith("List"):
        yield kind, document, root
        return
    items = document.get("items")
    if not isinstance(items, list):
        raise root.error(f"a {kind} needs a list of items, got {type(items).__name__}", "items")
    default = kind[: -len("List")] or None
    for position, item in enumerate(items):
        place = root.at("items", position)
        if not isinstance(item, dict):
            raise place.error(f"expected an object, got {type(item).__name__}")
        item_kind = item.get("kind") or default
        if not isinstance(item_kind, str):
            raise place.error("missing 'kind'; in a plain List every item needs its kind", "kind")
        if default and item_kind != default:
            raise place.error(f"a {kind} should hold {default} items, got kind {item_kind!r}", "kind")
        yield item_kind, item, place


class _Collector:
    """Builds one ClusterDump from objects of any kind, whatever file or API they came from."""

    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.dump = ClusterDump()
        self.conditions: list[NodeCondition] = []
        self.events: list[NodeEvent] = []

    def add(self, kind: str, obj: dict[str, Any], place: Place) -> None:
        dump = self.dump
        if kind == "Node":
            node, conditions = parse_node(obj, place, self.ctx)
            if node is not None:
                dump.nodes.append(node)
            self.conditions.extend(conditions)
        elif kind == "Pod":
            dump.pods.append(parse_pod(obj, place))
        elif kind == "Event":
            event = node_event(obj, place, self.ctx)
            if event is not None:
                self.events.append(event)
        elif kind in WORKLOAD_KINDS:
            dump.workloads.append(parse_workload(obj, kind, place))
        elif kind == "PodDisruptionBudget":
            dump.pdbs.append(parse_pdb(obj, place))
        elif kind == "PersistentVolume":
            dump.pvs.append(parse_pv(obj, place))
        elif kind == "PersistentVolumeClaim":
            dump.pvcs.append(parse_pvc(obj, place))
        else:
            self.ctx.skip(f"objects of kind {kind} not used by the risk model", f"{place.file}")

    def finish(self, source: str, observed_at: datetime | None) -> ClusterDump:
        if observed_at is None:
            times = [c.last_heartbeat_time for c in self.conditions if c.last_heartbeat_time]
            times += [e.last_timestamp for e in self.events if e.last_timestamp]
            observed_at = max(times) if times else None
        self.dump.evidence = Evidence(
            conditions=tuple(self.conditions),
            events=tuple(self.events),
            observed_at=observed_at,
            sources=(source,),
            skipped=tuple(self.ctx.skipped_lines()),
        )
        self.dump.skipped = self.ctx.skipped_lines()
        self.dump.notes = self.ctx.note_lines()
        return self.dump


def parse_documents(
    documents: Iterable[tuple[str, Any]], source: str, *, observed_at: datetime | None = None,
    now: datetime | None = None,
) -> ClusterDump:
    """Parse (file label, document) pairs into one dump; all-or-nothing on any error.

    ``observed_at`` is when the cluster was read (a snapshot's time); without it, the latest
    heartbeat or event time stands in. Times after ``observed_at`` (or now) are reported skips.
    """
    reference = observed_at or now or datetime.now(UTC)
    collector = _Collector(ParseContext(reference))
    errors: list[InputError] = []
    for file, document in documents:
        many = isinstance(document, tuple)
        docs = list(document) if many else [document]
        for index, doc in enumerate(docs):
            try:
                for kind, obj, place in _objects(doc, file, index, many and len(docs) > 1):
                    try:
                        collector.add(kind, obj, place)
                    except InputError as error:
                        errors.append(error)
                        if len(errors) >= MAX_ERRORS:
                            raise InputErrors(errors) from None
            except InputError as error:
                errors.append(error)
    InputErrors.raise_if_any(errors)
    return collector.finish(source, observed_at)


def _files(path: Path) -> list[Path]:
    if not path.exists():
        raise InputError(str(path), "file or folder not found; expected kubectl JSON/YAML output")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES and p.name != SNAPSHOT_FILE)
    if not files:
        raise InputError(str(path), "no .json/.yaml files in this folder; expected kubectl get -o json output")
    return files


def _snapshot_time(path: Path) -> datetime | None:
    """The ``time`` recorded in a snapshot folder's ``snapshot.json``, if there is one."""
    meta = path / SNAPSHOT_FILE if path.is_dir() else None
    if meta is None or not meta.is_file():
        return None
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(str(meta), f"unreadable snapshot metadata: {error}") from None
    if not isinstance(data, dict):
        raise InputError(str(meta), "expected an object with 'time' and 'source'")
    return timestamp(data, "time", Place(str(meta), ()))


def read_dump(path: Path, *, now: datetime | None = None) -> ClusterDump:
    """Read a kubectl dump (file or folder) into nodes, pods, workloads, PDBs, volumes, evidence."""
    path = Path(path)
    files = _files(path)
    documents = []
    for file in files:
        docs = _load_text(file)
        documents.append((str(file), tuple(docs) if len(docs) != 1 else docs[0]))
    return parse_documents(documents, f"file:{path}", observed_at=_snapshot_time(path), now=now)


def load_evidence(path: Path) -> Evidence:
    """The evidence (conditions, events) of a kubectl dump; what a scenario's ``evidence:`` names."""
    return read_dump(Path(path)).evidence


def read_uri(argument: str) -> ClusterDump:
    """The registry's reader for ``file:DIR_OR_FILE``."""
    if not argument:
        raise InputError("--source", "file: needs a path, e.g. file:snapshots/prod or file:dump.json")
    return read_dump(Path(argument))
