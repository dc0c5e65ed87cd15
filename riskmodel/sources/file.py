"""The ``file`` source: what kubectl printed (``get … -o json|yaml``, ``cluster-info dump``), read offline.

Accepts a ``List`` of mixed kinds, typed lists (``PodList``; their items may leave out
``kind`` and ``apiVersion``, which the list then gives them; ``"items": null`` is empty),
single objects, several JSON documents back to back (``kubectl cluster-info dump``, whose
trailing pod logs are counted and skipped) and several YAML documents, in a file or a
folder read recursively (a support bundle, the ``--output-directory`` tree of a dump). A
folder written by ``python -m riskmodel snapshot`` also holds ``snapshot.json`` whose
``time`` is when the cluster was read.

Nothing is dropped silently: every object is counted per kind (:mod:`.accounting`), the
same object read twice (same kind, namespace and name, e.g. a bundle holding it in two
folders) is kept once, files that are not JSON/YAML are named, and kinds the model does
not use are reported. Without ``strict``, a file or object that cannot be read is reported
and the rest is read; with it (CI), the first bad file stops the read with its errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from riskmodel.errors import InputError, InputErrors
from riskmodel.files.collector import collector_paused
from riskmodel.files.jsonfile import parse_json
from riskmodel.files.reading import checked_path, read_bytes
from riskmodel.model.evidence import Evidence, NodeCondition, NodeEvent
from riskmodel.sources.accounting import FILE_KIND, Accounting
from riskmodel.sources.dump import ClusterDump
from riskmodel.sources.k8s_evidence import node_event
from riskmodel.sources.k8s_fields import ParseContext, Place, timestamp
from riskmodel.sources.k8s_objects import (
    parse_node,
    parse_pdb,
    parse_pod,
    parse_pv,
    parse_pvc,
    parse_service,
    parse_workload,
)
from riskmodel.sources.kubectl_text import decode, kind_of_file

SNAPSHOT_FILE = "snapshot.json"
WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"})
USED_KINDS = WORKLOAD_KINDS | {"Node", "Pod", "Event", "PodDisruptionBudget", "PersistentVolume",
                               "PersistentVolumeClaim", "Service"}
MAX_ERRORS = 50
"""Stop collecting after this many problems: a broken dump rarely needs more to be fixed."""
MAX_DUMP_FILE_BYTES = 1024 * 1024 * 1024
"""Largest kubectl output file read (1 GiB): ``get pods -A -o json`` of 50,000 pods is a few
hundred MiB; other inputs have the smaller MAX_INPUT_BYTES."""
MIXED_CAPTURE = timedelta(days=1)
"""Captures whose latest times lie further apart than this are reported as a mix of dates."""


def _metadata_name(obj: dict[str, Any]) -> tuple[str, str]:
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return "", ""
    namespace, name = metadata.get("namespace"), metadata.get("name")
    return (namespace if isinstance(namespace, str) else ""), (name if isinstance(name, str) else "")


def _kind_by_shape(document: dict[str, Any]) -> str | None:
    """The kind of an object written without one, where only that kind has the fields: a Node
    (``status.nodeInfo``), as insights-operator archives store nodes; a Pod (``spec.containers``)."""
    status, spec = document.get("status"), document.get("spec")
    if not isinstance(document.get("metadata"), dict):
        return None
    if isinstance(status, dict) and isinstance(status.get("nodeInfo"), dict):
        return "Node"
    if isinstance(spec, dict) and isinstance(spec.get("containers"), list) and "template" not in spec:
        return "Pod"
    return None


def _objects(document: Any, file: str, index: int, many: bool) -> Iterator[tuple[str, dict[str, Any], Place]]:
    """(kind, object, place) of each object in one document (a List or a single object)."""
    root = Place(file, (f"<document {index + 1}>",) if many else ())
    if not isinstance(document, dict):
        raise root.error(f"expected a Kubernetes object or List, got {type(document).__name__}")
    kind = document.get("kind") or _kind_by_shape(document)
    if not isinstance(kind, str) or not kind:
        raise root.error("missing 'kind'; expected a Kubernetes object or List as kubectl get -o json prints")
    if kind != "List" and not kind.endswith("List"):
        yield kind, document, root
        return
    items = document.get("items")
    if items is None:
        return  # kubectl writes "items": null for an empty list
    if not isinstance(items, list):
        raise root.error(f"a {kind} needs a list of items, got {type(items).__name__}", "items")
    default = kind[: -len("List")] or None
    version = document.get("apiVersion")
    for position, item in enumerate(items):
        place = root.at("items", position)
        if not isinstance(item, dict):
            raise place.error(f"expected an object, got {type(item).__name__}")
        if default:  # a typed list names the kind (and version) of items that leave them out
            item.setdefault("kind", default)
            if isinstance(version, str):
                item.setdefault("apiVersion", version)
        item_kind = item.get("kind")
        if not isinstance(item_kind, str) or not item_kind:
            raise place.error("missing 'kind'; in a plain List every item needs its kind", "kind")
        if default and item_kind != default:
            raise place.error(f"a {kind} should hold {default} items, got kind {item_kind!r}", "kind")
        yield item_kind, item, place


class _Collector:
    """Builds one ClusterDump from objects of any kind, whatever file or API they came from."""

    def __init__(self, ctx: ParseContext, strict: bool, accounting: Accounting) -> None:
        self.ctx = ctx
        self.strict = strict
        self.dump = ClusterDump(accounting=accounting)
        self.accounting = accounting
        self.conditions: list[NodeCondition] = []
        self.events: list[NodeEvent] = []
        self.first_seen: dict[tuple[str, str, str], str] = {}
        self.latest_by_file: dict[str, datetime] = {}

    def _when(self, file: str, moment: datetime | None) -> None:
        if moment is not None and (file not in self.latest_by_file or moment > self.latest_by_file[file]):
            self.latest_by_file[file] = moment

    def add(self, kind: str, obj: dict[str, Any], place: Place) -> None:
        """Count the object, skip it (reported) or parse it; a parse error propagates."""
        self.accounting.saw(kind)
        namespace, name = _metadata_name(obj)
        label = f"{namespace}/{name}" if namespace else name
        if kind not in USED_KINDS:
            self.accounting.skip(place.file, kind, label, f"kind {kind} not used by the risk model")
            return
        key = (kind, namespace, name)
        if name and key in self.first_seen:
            self.accounting.skip(place.file, kind, label, f"duplicate: the same {kind} was read from "
                                                          f"{self.first_seen[key]}; kept that copy")
            return
        self.first_seen[key] = place.file
        self._parse(kind, obj, place, label)

    def _parse(self, kind: str, obj: dict[str, Any], place: Place, label: str) -> None:
        dump = self.dump
        if kind == "Node":
            node, conditions = parse_node(obj, place, self.ctx)
            if node is not None:
                dump.nodes.append(node)
            else:
                self.accounting.skip(place.file, kind, label, "nodes without status.allocatable left out of the "
                                                              "topology (conditions kept as evidence)")
            self.conditions.extend(conditions)
            for condition in conditions:
                self._when(place.file, condition.last_heartbeat_time)
        elif kind == "Pod":
            dump.pods.append(parse_pod(obj, place))
        elif kind == "Event":
            event = node_event(obj, place, self.ctx)
            if isinstance(event, str):
                self.accounting.skip(place.file, kind, label, event)
            else:
                self.events.append(event)
                self._when(place.file, event.last_timestamp)
        elif kind in WORKLOAD_KINDS:
            dump.workloads.append(parse_workload(obj, kind, place))
        elif kind == "PodDisruptionBudget":
            dump.pdbs.append(parse_pdb(obj, place))
        elif kind == "PersistentVolume":
            dump.pvs.append(parse_pv(obj, place))
        elif kind == "PersistentVolumeClaim":
            dump.pvcs.append(parse_pvc(obj, place))
        else:
            dump.services.append(parse_service(obj, place))

    def add_lenient(self, kind: str, obj: dict[str, Any], place: Place) -> None:
        """Like :meth:`add`, but an object that cannot be parsed is reported and skipped."""
        try:
            self.add(kind, obj, place)
        except InputError as error:
            namespace, name = _metadata_name(obj)
            self.accounting.skip(place.file, kind, f"{namespace}/{name}" if namespace else name or "?",
                                 unreadable(error))

    def _mixed_dates(self) -> None:
        """Report captures of different dates: per file, and per node's last heartbeat."""
        if len(self.latest_by_file) > 1:
            oldest = min(self.latest_by_file.items(), key=lambda item: item[1])
            newest = max(self.latest_by_file.items(), key=lambda item: item[1])
            if newest[1] - oldest[1] > MIXED_CAPTURE:
                self.ctx.note(f"files captured at different times: {oldest[0]} up to {oldest[1]:%Y-%m-%d %H:%M}, "
                              f"{newest[0]} up to {newest[1]:%Y-%m-%d %H:%M}; the current state mixes them",
                              f"{(newest[1] - oldest[1]).days} days apart")
        heartbeats: dict[str, datetime] = {}
        for condition in self.conditions:
            moment = condition.last_heartbeat_time
            if moment is not None and (condition.node not in heartbeats or moment > heartbeats[condition.node]):
                heartbeats[condition.node] = moment
        if len(heartbeats) > 1 and max(heartbeats.values()) - min(heartbeats.values()) > MIXED_CAPTURE:
            stale = min(heartbeats, key=heartbeats.__getitem__)
            self.ctx.note(f"node heartbeats span {(max(heartbeats.values()) - min(heartbeats.values())).days} days: "
                          "the capture mixes times, or a node stopped reporting", f"{stale} last heard "
                          f"{heartbeats[stale]:%Y-%m-%d %H:%M}")

    def finish(self, source: str, observed_at: datetime | None) -> ClusterDump:
        if observed_at is None:
            times = [c.last_heartbeat_time for c in self.conditions if c.last_heartbeat_time]
            times += [e.last_timestamp for e in self.events if e.last_timestamp]
            observed_at = max(times) if times else None
        self._mixed_dates()
        starts = [e.first_timestamp for e in self.events if e.first_timestamp is not None]
        self.dump.evidence = Evidence(
            conditions=tuple(self.conditions),
            events=tuple(self.events),
            observed_at=observed_at,
            window_start=min(starts) if starts else None,
            sources=(source,),
            skipped=tuple(self.ctx.skipped_lines()),
        )
        self.dump.skipped = self.ctx.skipped_lines() + self.accounting.reason_lines()
        self.dump.notes = self.ctx.note_lines()
        return self.dump


def unreadable(error: InputError) -> str:
    """A skip reason from an error: its message with the line or field where it was found."""
    where = f" (line {error.line})" if error.line else f" (at {error.field})" if error.field else ""
    return f"unreadable{where}: {error.message}"


def _add_documents(collector: _Collector, file: str, docs: list[Any], errors: list[InputError]) -> None:
    """Every object of one file's documents into the collector; errors collected (strict) or
    reported per object (lenient); a document that is not an object or List fails its file."""
    for index, doc in enumerate(docs):
        for kind, obj, place in _objects(doc, file, index, len(docs) > 1):
            if not collector.strict:
                collector.add_lenient(kind, obj, place)
                continue
            try:
                collector.add(kind, obj, place)
            except InputError as error:
                errors.append(error)
                if len(errors) >= MAX_ERRORS:
                    raise InputErrors(errors) from None


@collector_paused()
def parse_documents(
    documents: Iterable[tuple[str, Any]], source: str, *, observed_at: datetime | None = None,
    now: datetime | None = None, strict: bool = True, accounting: Accounting | None = None,
) -> ClusterDump:
    """Parse (file label, document or tuple of documents) pairs into one dump.

    ``observed_at`` is when the cluster was read (a snapshot's time); without it, the latest
    heartbeat or event time stands in. Times after ``observed_at`` (or now) are reported skips.
    ``strict``: any error fails the read (listing up to 50); otherwise a file whose documents
    cannot be read is reported as skipped, and so is each object that cannot be parsed.
    """
    reference = observed_at or now or datetime.now(UTC)
    collector = _Collector(ParseContext(reference), strict, accounting or Accounting())
    errors: list[InputError] = []
    for file, document in documents:
        docs = list(document) if isinstance(document, tuple) else [document]
        try:
            _add_documents(collector, file, docs, errors)
        except InputErrors:
            raise
        except InputError as error:
            if strict:
                errors.append(error)
            else:
                collector.accounting.skip_file(file, unreadable(error))
        InputErrors.raise_if_any(errors)  # strict: the first bad file stops the read, with all its problems
    return collector.finish(source, observed_at)


def _files(path: Path) -> list[Path]:
    path = checked_path(path)
    if not path.exists():
        raise InputError(str(path), "file or folder not found; expected kubectl JSON/YAML output")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.name != SNAPSHOT_FILE)
    if not files:
        raise InputError(str(path), "no files in this folder; expected kubectl get -o json output")
    return files


def _snapshot_time(path: Path) -> datetime | None:
    """The ``time`` recorded in a snapshot folder's ``snapshot.json``, if there is one."""
    meta = path / SNAPSHOT_FILE if path.is_dir() else None
    if meta is None or not meta.is_file():
        return None
    data = parse_json(read_bytes(meta), str(meta), expected="snapshot metadata")
    if not isinstance(data, dict):
        raise InputError(str(meta), "expected an object with 'time' and 'source'")
    return timestamp(data, "time", Place(str(meta), ()))


def _read_file(file: Path, root: Path, accounting: Accounting, strict: bool) -> tuple[Any, ...] | None:
    """The documents of one file, or None when it is not kubectl output (reported)."""
    label = str(file)
    raw = read_bytes(file, MAX_DUMP_FILE_BYTES)
    kind = kind_of_file(file, raw[:256])
    if kind == "pod-log":
        accounting.skip_file(label, "pod log of kubectl cluster-info dump (logs are not read)")
        return None
    if kind == "other":
        if file == root:
            raise InputError(str(file), "neither JSON nor YAML; expected kubectl get -o json|yaml output")
        accounting.skip_file(label, "neither JSON nor YAML (not kubectl get -o json|yaml output)")
        return None
    decoded = decode(raw, str(file), kind)
    if decoded.log_sections:
        accounting.skip(str(file), FILE_KIND, f"logs of {decoded.log_sections} container(s) in {file.name}",
                        "pod logs after the objects of kubectl cluster-info dump (logs are not read)")
    return tuple(decoded.documents)


@collector_paused()
def read_dump(path: Path, *, now: datetime | None = None, strict: bool = True) -> ClusterDump:
    """Read a kubectl dump (file or folder) into nodes, pods, workloads, services, PDBs, volumes, evidence.

    ``strict=False``: a bad file in a folder is reported and the rest is read (a single bad
    file, or a folder with nothing readable, is still an error).
    """
    path = Path(path)
    accounting = Accounting()
    documents: list[tuple[str, Any]] = []
    errors: list[InputError] = []
    for file in _files(path):
        try:
            docs = _read_file(file, path, accounting, strict)
        except InputError as error:
            if strict or file == path:
                raise
            errors.append(error)
            accounting.skip_file(str(file), unreadable(error))
            continue
        if docs is not None:
            documents.append((str(file), docs))
    if not documents:
        problems = "; ".join(str(e) for e in errors[:3]) or "every file is a log or not JSON/YAML"
        raise InputError(str(path), f"no readable kubectl output in this folder ({problems})")
    return parse_documents(documents, f"file:{path}", observed_at=_snapshot_time(path), now=now, strict=strict,
                           accounting=accounting)


def load_evidence(path: Path) -> Evidence:
    """The evidence (conditions, events) of a kubectl dump; what a scenario's ``evidence:`` names."""
    return read_dump(Path(path)).evidence


def read_uri(argument: str, *, strict: bool = False) -> ClusterDump:
    """The registry's reader for ``file:DIR_OR_FILE`` (lenient: bad files are reported)."""
    if not argument:
        raise InputError("--source", "file: needs a path, e.g. file:snapshots/prod or file:dump.json")
    return read_dump(Path(argument), strict=strict)
