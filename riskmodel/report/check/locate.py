"""Where a result comes from: the line of a service or workload entry in the scenario file, and,
when the Kubernetes manifests it was imported from are given, the line of the object there.

Lines come from composing the YAML (``yaml.compose``: nodes with marks, no construction), so
a JSON file (``kubectl get -o json``) is located the same way. Paths are kept as given; the
writers make them relative to where ``check`` runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from riskmodel.errors import InputError
from riskmodel.files.yamlfile import read_text
from riskmodel.model.scenario import Scenario

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
_COMPOSER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Location:
    """A line of a file and what stands there (``services[3] checkout``, ``Deployment shop/web``)."""

    file: str
    line: int | None
    what: str


def _scalar(node: yaml.Node | None) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            if _scalar(key_node) == key:
                return value
    return None


def _objects(node: yaml.Node) -> Iterator[yaml.MappingNode]:
    """The Kubernetes objects of one document: itself, or the items of a List."""
    if not isinstance(node, yaml.MappingNode):
        return
    items = _child(node, "items")
    kind = _scalar(_child(node, "kind")) or ""
    if kind.endswith("List") and isinstance(items, yaml.SequenceNode):
        yield from (item for item in items.value if isinstance(item, yaml.MappingNode))
    else:
        yield node


def _manifest_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in MANIFEST_SUFFIXES)
        elif path.exists():
            files.append(path)
        else:
            raise InputError(str(path), "manifest file or folder not found")
    return files


class ManifestIndex:
    """Objects of manifest files by (kind, name), each with its namespace, file and line."""

    def __init__(self, paths: Iterable[Path] = ()) -> None:
        self._by_kind_name: dict[tuple[str, str], list[tuple[str, Location]]] = {}
        for file in _manifest_files(paths):
            text = read_text(file)
            try:
                documents = list(yaml.compose_all(text, Loader=_COMPOSER))
            except yaml.YAMLError as error:
                mark = getattr(error, "problem_mark", None)
                raise InputError(str(file), f"not a YAML or JSON manifest: {getattr(error, 'problem', error)}",
                                 line=mark.line + 1 if mark else None) from None
            for document in documents:
                for obj in _objects(document):
                    self._add(obj, str(file))

    def _add(self, obj: yaml.MappingNode, file: str) -> None:
        kind, metadata = _scalar(_child(obj, "kind")), _child(obj, "metadata")
        name = _scalar(_child(metadata, "name")) if metadata is not None else None
        if not kind or not name:
            return
        namespace = (_scalar(_child(metadata, "namespace")) if metadata is not None else None) or ""
        where = f"{kind} {namespace + '/' if namespace else ''}{name}"
        self._by_kind_name.setdefault((kind, name), []).append(
            (namespace, Location(file, obj.start_mark.line + 1, where)))

    def find(self, kinds: Iterable[str], namespace: str, name: str) -> Location | None:
        """The object of one of ``kinds`` named ``name`` in ``namespace`` (or with no namespace written)."""
        for kind in kinds:
            for written, location in self._by_kind_name.get((kind, name), []):
                if written in ("", namespace):
                    return location
        return None


WORKLOAD_KINDS = {"Deployment": ("Deployment",), "StatefulSet": ("StatefulSet",), "DaemonSet": ("DaemonSet",)}


def _item_lines(root: yaml.Node | None, key: str) -> list[int]:
    items = _child(root, key) if root is not None else None
    return [item.start_mark.line + 1 for item in items.value] if isinstance(items, yaml.SequenceNode) else []


def _key_line(root: yaml.Node | None, key: str) -> int | None:
    if isinstance(root, yaml.MappingNode):
        for key_node, _ in root.value:
            if _scalar(key_node) == key:
                return key_node.start_mark.line + 1
    return None


class Locator:
    """The scenario entry (and manifest object) of a service, a workload or the scenario as a whole.

    The scenario file is composed once (C composer where PyYAML has it): a 1,000-node scenario
    has hundreds of entries to locate."""

    def __init__(self, scenario_file: str, scenario: Scenario, manifests: ManifestIndex | None = None) -> None:
        self.file = scenario_file
        self.scenario = scenario
        root = yaml.compose(read_text(Path(scenario_file)), Loader=_COMPOSER)
        self._name_line = _key_line(root, "name")
        self._item_lines = {key: _item_lines(root, key) for key in ("services", "workloads")}
        self._manifests = manifests or ManifestIndex()
        self._service_position = {s.name: i for i, s in enumerate(scenario.services)}
        self._workload_position = {w.name: i for i, w in enumerate(scenario.workloads)}

    def whole(self) -> tuple[Location, ...]:
        return (Location(self.file, self._name_line, f"scenario {self.scenario.name}"),)

    def _entry(self, key: str, position: int, name: str) -> Location:
        lines = self._item_lines[key]
        return Location(self.file, lines[position] if position < len(lines) else None, f"{key}[{position}] {name}")

    def workload(self, name: str) -> tuple[Location, ...]:
        """The workload's manifest object first (where a fix is made), then its scenario entry."""
        position = self._workload_position.get(name)
        if position is None:
            return self.whole()
        workload = self.scenario.workloads[position]
        entry = self._entry("workloads", position, name)
        manifest = self._manifests.find(WORKLOAD_KINDS.get(workload.kind, ()), workload.namespace,
                                        name.rsplit("/", 1)[-1])
        return (manifest, entry) if manifest else (entry,)

    def service(self, name: str) -> tuple[Location, ...]:
        """The Service's manifest (or else its workloads'), then its scenario entry."""
        position = self._service_position.get(name)
        if position is None:
            return self.whole()
        service = self.scenario.services[position]
        entry = self._entry("services", position, name)
        namespaces = {self.scenario.workloads_by_name[w].namespace for w in service.workloads
                      if w in self.scenario.workloads_by_name}
        manifest = next((found for namespace in sorted(namespaces) or ["default"]
                         if (found := self._manifests.find(("Service",), namespace, name))), None)
        if manifest:
            return manifest, entry
        backing = [loc for w in service.workloads for loc in self.workload(w) if loc.file != self.file]
        return (*backing, entry)
