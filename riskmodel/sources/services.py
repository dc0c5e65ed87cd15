"""Services of an imported cluster: from Service objects where they exist, from workloads otherwise.

A Service's selector picks the workloads whose pods (or pod template) carry its labels in
its namespace; ``default/kubernetes`` (no selector) is the API server and etcd. Every
Deployment or StatefulSet no Service selects becomes a service of its own, and the API
server and etcd together one named ``kubernetes``.

Costs, SLO and hard dependencies come from annotations on the Service or its workloads::

    riskmodel.io/cost-per-hour: "5000"            # dollars per hour of full outage
    riskmodel.io/degraded-cost-per-hour: "500"    # dollars per hour while degraded
    riskmodel.io/slo: "0.999"                      # or "99.9%"
    riskmodel.io/depends-on: "payments, shop/cart" # Service names (same namespace, or ns/name)

then from the team's ``--defaults`` rules, and otherwise stay placeholders. Likely
dependencies are inferred from env values, args and commands that name another service's
cluster DNS name (``cart.shop.svc.cluster.local``, ``cart.shop``) or, in the same namespace,
``name:port`` (a Service object's own ports; for a service built from a workload, its name
and any port), and are marked inferred with that evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from riskmodel.errors import InputError
from riskmodel.model.defaults import ServiceDefaults
from riskmodel.model.scenario import InferredDependency, PlaceholderEntry, Service
from riskmodel.sources.dump import ServiceInfo
from riskmodel.sources.workloads import Draft

PREFIX = "riskmodel.io/"
COST, DEGRADED, SLO, DEPENDS = (f"{PREFIX}{key}" for key in ("cost-per-hour", "degraded-cost-per-hour", "slo",
                                                              "depends-on"))
PLACEHOLDER_COST_PER_HOUR = 100.0
PLACEHOLDER_SLO = 0.999
API_COMPONENTS = ("kube-apiserver", "etcd")


@dataclass
class Backed:
    """One service being built: its name, namespace, Service object (if any) and workloads."""

    name: str
    namespace: str
    workloads: list[str]
    info: ServiceInfo | None = None
    drafts: list[Draft] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    inferred: list[InferredDependency] = field(default_factory=list)


@dataclass
class ServiceResult:
    services: list[Service]
    placeholders: list[PlaceholderEntry]
    notes: list[str]


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def _draft_labels(draft: Draft) -> list[dict[str, str]]:
    return [pod.labels for pod in draft.pods] or [c.template_labels for c in draft.controllers]


def _from_objects(infos: list[ServiceInfo], drafts: dict[str, Draft], skip) -> list[Backed]:
    backed = []
    for info in infos:
        label = f"{info.namespace}/{info.name}"
        if info.type == "ExternalName":
            skip(info.file, "Service", label, "ExternalName: points outside the cluster")
            continue
        if not info.selector:
            if (info.namespace, info.name) == ("default", "kubernetes"):
                names = [n for n, d in drafts.items() if d.kind == "ControlPlane" and d.name in API_COMPONENTS]
                if names:
                    backed.append(Backed(info.name, info.namespace, names, info, [drafts[n] for n in names]))
                    continue
            skip(info.file, "Service", label, "no selector: backs no workload the input shows")
            continue
        names = [name for name, draft in drafts.items() if draft.namespace == info.namespace
                 and any(_selects(info.selector, labels) for labels in _draft_labels(draft))]
        if not names:
            skip(info.file, "Service", label, "its selector matches no workload of the input")
            continue
        backed.append(Backed(info.name, info.namespace, names, info, [drafts[n] for n in names]))
    return backed


def _from_workloads(drafts: dict[str, Draft], taken: set[str]) -> list[Backed]:
    backed = [Backed(name, d.namespace, [name], None, [d]) for name, d in drafts.items()
              if name not in taken and d.kind in ("Deployment", "StatefulSet")]
    api = [n for n, d in drafts.items() if n not in taken and d.kind == "ControlPlane" and d.name in API_COMPONENTS]
    if api:
        backed.append(Backed("kubernetes", "default", api, None, [drafts[n] for n in api]))
    return backed


def _unique_names(backed: list[Backed]) -> None:
    counts: dict[str, int] = {}
    for item in backed:
        counts[item.name] = counts.get(item.name, 0) + 1
    for item in backed:
        if counts[item.name] > 1 and item.info is not None:
            item.name = f"{item.namespace}/{item.name}"
    seen: set[str] = set()
    for item in backed:
        while item.name in seen:
            item.name = f"{item.namespace}/{item.name}" if "/" not in item.name else f"{item.name}-workload"
        seen.add(item.name)


def _annotation(item: Backed, key: str) -> tuple[str, str, str] | None:
    """(value, file, where) of an annotation on the Service object, else on a backing workload."""
    if item.info is not None and key in item.info.annotations:
        return item.info.annotations[key], item.info.file, f"Service {item.info.namespace}/{item.info.name}"
    for draft in item.drafts:
        for info in draft.controllers:
            if key in info.annotations:
                return info.annotations[key], info.file, f"{info.kind} {info.namespace}/{info.name}"
    return None


def _number(raw: str, key: str, file: str, where: str) -> float:
    text = raw.strip().replace(",", "").removeprefix("$")
    percent = key == SLO and text.endswith("%")
    try:
        value = float(text.removesuffix("%")) / (100 if percent else 1)
    except ValueError:
        value = float("nan")
    bad = value != value or value < 0 or (key == SLO and not 0 < value < 1)
    if bad:
        expected = "a fraction between 0 and 1 such as 0.999, or 99.9%" if key == SLO else "dollars, a number >= 0"
        raise InputError(file, f"{where}: expected {expected}, got {raw!r}", field=("metadata", "annotations", key))
    return value


class _Builder:
    def __init__(self, defaults: ServiceDefaults | None, strict: bool) -> None:
        self.defaults = defaults
        self.strict = strict
        self.notes: list[str] = []
        self.placeholders: list[PlaceholderEntry] = []

    def _bad(self, error: InputError) -> None:
        if self.strict:
            raise error
        self.notes.append(f"ignored: {error}")

    def value(self, item: Backed, key: str, field_name: str, fallback: float) -> float:
        found = _annotation(item, key)
        if found is not None:
            try:
                return _number(found[0], key, found[1], found[2])
            except InputError as error:
                self._bad(error)
        if self.defaults is not None:
            rule = self.defaults.value(field_name, item.namespace, item.name.rsplit("/", 1)[-1])
            if rule is not None:
                return rule[0]
        reason = (f"no {key} annotation on the Service or its workloads and no --defaults rule; "
                  f"placeholder {fallback:g}")
        self.placeholders.append(PlaceholderEntry(field=f"services.{item.name}.{field_name}", reason=reason))
        return fallback

    def declared(self, item: Backed, by_cluster_name: dict[tuple[str, str], str]) -> None:
        found = _annotation(item, DEPENDS)
        if found is None:
            return
        for raw in (part.strip() for part in found[0].split(",")):
            namespace, _, name = raw.rpartition("/")
            target = by_cluster_name.get((namespace or item.namespace, name)) or by_cluster_name.get(("", raw))
            if not raw:
                continue
            if target is None:
                self._bad(InputError(found[1], f"{found[2]}: unknown service {raw!r}; expected the name of a "
                                               "Service in the input (same namespace, or namespace/name)",
                                     field=("metadata", "annotations", DEPENDS)))
            elif target != item.name and target not in item.depends_on:
                item.depends_on.append(target)


@dataclass(frozen=True)
class _DnsName:
    """One way a workload may name a service: ``source`` is the regular expression, compiled
    only when a value holds ``dns_name`` (thousands of services would cost seconds to compile)."""

    service: str
    dns_name: str
    source: str
    namespace: str | None
    """The namespace the bare ``name:port`` form is valid in (None: anywhere)."""


_NAME_RUN = re.compile(r"(?<![\w.-])[\w.-]+")
_PLAIN_NAME = re.compile(r"[\w.-]+")


def _dns_names(backed: list[Backed]) -> list[_DnsName]:
    """The qualified and ``name:port`` forms per service, in service order.

    A Service object's DNS name is its name; a service built from a workload takes the
    workload's name (the usual convention: a Deployment's Service is named after it), any port.
    """
    names: list[_DnsName] = []
    for item in backed:
        if item.info is not None and not item.info.selector:
            continue
        cluster_name = item.info.name if item.info is not None else item.name.rsplit("/", 1)[-1]
        name, namespace = re.escape(cluster_name), re.escape(item.namespace)
        names.append(_DnsName(item.name, cluster_name,
                              rf"(?<![\w.-]){name}\.{namespace}(\.svc(\.cluster\.local)?)?(?![\w-])", None))
        ports = "|".join(str(port) for port, _ in item.info.ports) if item.info is not None else r"\d+"
        if ports:
            names.append(_DnsName(item.name, cluster_name, rf"(?<![\w.-]){name}:({ports})(?!\d)", item.namespace))
    return names


def _named_in(value: str) -> set[str]:
    """Every name a DNS form could start with in ``value``: each run of name characters after
    a boundary, and each of its prefixes up to a dot."""
    found: set[str] = set()
    for run in _NAME_RUN.findall(value):
        found.add(run)
        dot = run.find(".")
        while dot > 0:
            found.add(run[:dot])
            dot = run.find(".", dot + 1)
    return found


class _DnsIndex:
    """The DNS forms by the name they start with; a value is checked only against the forms
    whose name it holds, in service order (the order dependencies are inferred in)."""

    def __init__(self, names: list[_DnsName]) -> None:
        self.names = names
        self.by_name: dict[str, list[int]] = {}
        self.always: list[int] = []
        for position, entry in enumerate(names):
            if _PLAIN_NAME.fullmatch(entry.dns_name):
                self.by_name.setdefault(entry.dns_name, []).append(position)
            else:
                self.always.append(position)
        self.compiled: dict[int, re.Pattern[str]] = {}

    def candidates(self, value: str) -> list[tuple[_DnsName, re.Pattern[str]]]:
        positions = set(self.always)
        for name in _named_in(value):
            positions.update(self.by_name.get(name, ()))
        found = []
        for position in sorted(positions):
            if position not in self.compiled:
                self.compiled[position] = re.compile(self.names[position].source)
            found.append((self.names[position], self.compiled[position]))
        return found


def _infer(backed: list[Backed]) -> None:
    """Dependencies named in env values, args and commands of a service's workloads."""
    index = _DnsIndex(_dns_names(backed))
    for item in backed:
        for draft in item.drafts:
            sources = [(f"pod {draft.namespace}/{pod.name}", pod.references) for pod in draft.pods[:1]]
            sources += [(f"{c.kind} {c.namespace}/{c.name}", c.references) for c in draft.controllers[:1]]
            for owner, references in sources:
                for where, value in references:
                    for entry, pattern in index.candidates(value):
                        target = entry.service
                        if target == item.name or target in item.depends_on:
                            continue
                        if entry.namespace is not None and entry.namespace != draft.namespace:
                            continue
                        if pattern.search(value):
                            item.depends_on.append(target)
                            item.inferred.append(InferredDependency(
                                service=target, evidence=f"{where}={value[:120]} ({owner})"))


def _break_cycles(backed: list[Backed], notes: list[str]) -> None:
    """Drop inferred edges that would close a dependency loop (declared ones stay; the loader reports those)."""
    if not any(item.inferred for item in backed):
        return  # nothing to drop (and networkx, 0.3 s of start-up, not needed)
    import networkx as nx

    graph = nx.DiGraph()
    for item in backed:
        graph.add_node(item.name)
        graph.add_edges_from((item.name, d) for d in item.depends_on if d not in {i.service for i in item.inferred})
    for item in backed:
        for inferred in list(item.inferred):
            if nx.has_path(graph, inferred.service, item.name):
                item.inferred.remove(inferred)
                item.depends_on.remove(inferred.service)
                notes.append(f"inferred dependency {item.name} -> {inferred.service} dropped: it would close a loop "
                             f"({inferred.evidence})")
            else:
                graph.add_edge(item.name, inferred.service)


def build_services(infos: list[ServiceInfo], drafts: dict[str, Draft], skip, defaults: ServiceDefaults | None = None,
                   strict: bool = False) -> ServiceResult:
    """Services with costs, SLOs and dependencies; ``drafts`` keyed by scenario workload name."""
    backed = _from_objects(infos, drafts, skip)
    backed += _from_workloads(drafts, {name for item in backed for name in item.workloads})
    _unique_names(backed)
    by_cluster_name = {(i.info.namespace, i.info.name): i.name for i in backed if i.info is not None}
    by_cluster_name.update({("", i.name): i.name for i in backed})
    builder = _Builder(defaults, strict)
    for item in backed:
        builder.declared(item, by_cluster_name)
    _infer(backed)
    _break_cycles(backed, builder.notes)
    services = []
    for item in backed:
        cost = builder.value(item, COST, "cost_per_hour", PLACEHOLDER_COST_PER_HOUR)
        degraded = builder.value(item, DEGRADED, "degraded_cost_per_hour", 0.0)
        slo = builder.value(item, SLO, "slo", PLACEHOLDER_SLO)
        services.append(Service(name=item.name, workloads=tuple(item.workloads), depends_on=tuple(item.depends_on),
                                inferred_dependencies=tuple(item.inferred), cost_per_hour=cost,
                                degraded_cost_per_hour=degraded, slo=slo))
        builder.placeholders += [PlaceholderEntry(field=f"services.{item.name}.depends_on.{i.service}",
                                                  reason=f"inferred, not declared: {i.evidence}") for i in item.inferred]
    return ServiceResult(services, builder.placeholders, builder.notes)
