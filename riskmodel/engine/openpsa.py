"""A service's fault tree in the Open-PSA Model Exchange Format (MEF 2.0), for SCRAM and others.

The tree is the one :mod:`riskmodel.engine.faulttree` reads from the model: the top gate
``down-<service>`` is an OR of the service's own workload gates, the gates of the services
it hard-depends on and the events that fail the service whole; a workload gate is an OR of
the events that fail the workload whole and an ``atleast`` (k-out-of-n vote) gate over its
placed pods, each pod lost while its node is out; a node is out while any event taking it
out is in force (its own, its zone's, its region's). Basic events carry their probability
of being in force at a random moment as a constant (``<float>``). A service down now gets a
true house event as its top (``<constant value="true"/>``).

MEF names are NCNames without dots or doubled hyphens, so every name is derived from the
label (``node:node-a1`` → ``node_node-a1``) and the label itself goes into ``<label>``;
:func:`mef_names` gives the mapping both ways.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence

from riskmodel.engine.faulttree import FaultForest, ServiceTree, WorkloadGate

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def mef_name(prefix: str, label: str) -> str:
    """An MEF identifier for ``label`` (letters, digits, ``_`` and single inner ``-``)."""
    body = _UNSAFE.sub("_", label.replace(":", "_"))
    body = re.sub(r"-{2,}", "-", body).strip("-") or "x"
    body = re.sub(r"-_|_-", "_", body)
    return f"{prefix}_{body}"


def mef_names(forest: FaultForest) -> dict[str, str]:
    """Basic event MEF name → event label, unique across the forest."""
    names: dict[str, str] = {}
    for event in forest.events:
        name = mef_name("e", event.label)
        while name in names:
            name += "_"
        names[name] = event.label
    return names


class _Writer:
    def __init__(self, forest: FaultForest) -> None:
        self.forest = forest
        self.event_name = {label: name for name, label in mef_names(forest).items()}
        self.gates: dict[str, ET.Element] = {}
        self.used_events: set[int] = set()
        self.covering: dict[int, list[int]] = defaultdict(list)
        for i, event in enumerate(forest.events):
            for node in event.nodes:
                self.covering[node].append(i)

    def event_ref(self, index: int) -> ET.Element:
        self.used_events.add(index)
        return ET.Element("basic-event", name=self.event_name[self.forest.events[index].label])

    @staticmethod
    def gate_ref(name: str) -> ET.Element:
        return ET.Element("gate", name=name)

    def define(self, name: str, label: str, formula: ET.Element) -> str:
        if name not in self.gates:
            gate = ET.Element("define-gate", name=name)
            ET.SubElement(gate, "label").text = label
            gate.append(formula)
            self.gates[name] = gate
        return name

    @staticmethod
    def any_of(arguments: Sequence[ET.Element], kind: str = "or") -> ET.Element:
        if len(arguments) == 1:
            return arguments[0]
        element = ET.Element(kind)
        element.extend(arguments)
        return element

    def node_gate(self, node: int) -> str | None:
        events = self.covering.get(node, [])
        if not events:
            return None
        label = f"node {self.forest.node_names[node]} out"
        return self.define(mef_name("out", self.forest.node_names[node]), label,
                           self.any_of([self.event_ref(e) for e in events]))

    def vote(self, nodes: list[tuple[str, int]], needed: int, name: str, label: str) -> ET.Element:
        """"At least ``needed`` pods lost" over (node gate, pods there). SCRAM reads a vote's
        arguments as a set, so a node holding several pods cannot be repeated: nodes with
        several pods are expanded first (lose node i and ``needed − pods_i`` of the rest, or
        ``needed`` of the rest) until only one-pod nodes remain, which take one vote gate."""
        if all(count == 1 for _, count in nodes):
            refs = [self.gate_ref(out) for out, _ in nodes]
            if needed == 1 or needed == len(refs):
                return self.any_of(refs, "or" if needed == 1 else "and")
            vote = ET.Element("atleast", min=str(needed))
            vote.extend(refs)
            return self.gate_ref(self.define(name, label, vote))
        (out, count), rest = nodes[0], nodes[1:]
        room = sum(c for _, c in rest)
        terms = []
        if needed - count <= 0:
            terms.append(self.gate_ref(out))
        elif room >= needed - count:
            terms.append(self.any_of([self.gate_ref(out), self.vote(rest, needed - count, f"{name}-{needed - count}",
                                                                   label)], "and"))
        if room >= needed:
            terms.append(self.vote(rest, needed, f"{name}-{needed}r", label))
        return self.gate_ref(self.define(f"{name}-x{len(nodes)}", label, self.any_of(terms)))

    def workload_gate(self, gate: WorkloadGate) -> str | None:
        arguments = [self.event_ref(e) for e in gate.direct]
        needed = gate.lost_pods_needed
        nodes = [(out, count) for out, count in ((self.node_gate(n), c) for n, c in gate.pods_on_node) if out]
        nodes.sort(key=lambda item: -item[1])
        if gate.nodes_can_break_it and sum(count for _, count in nodes) >= needed:
            label = f"{needed} of {gate.placed_pods} pods of {gate.name} lost"
            arguments.append(self.vote(nodes, needed, mef_name("lost", gate.name), label))
        if not arguments:
            return None
        label = f"{gate.name} unavailable ({gate.lost_pods_needed} pods lost or the workload fails)"
        return self.define(mef_name("wl", gate.name), label, self.any_of(arguments))

    def service_gate(self, tree: ServiceTree) -> str | None:
        forest = self.forest
        own_workloads = {forest.workload_names.index(w) for w in _own_workloads(forest, tree)}
        arguments = [self.event_ref(e) for e in tree.direct if forest.events[e].services
                     and tree.position in forest.events[e].services]
        for gate in tree.gates:
            if gate.workload in own_workloads:
                name = self.workload_gate(gate)
                if name is not None:
                    arguments.append(self.gate_ref(name))
        for dependency in _dependencies(forest, tree):
            name = self.service_gate(forest.trees[dependency])
            if name is not None:
                arguments.append(self.gate_ref(name))
        if not arguments:
            return None
        return self.define(mef_name("down", tree.service), f"{tree.service} down", self.any_of(arguments))


def _own_workloads(forest: FaultForest, tree: ServiceTree) -> list[str]:
    return list(forest.own_workloads[tree.position])


def _dependencies(forest: FaultForest, tree: ServiceTree) -> list[int]:
    return list(forest.depends_on[tree.position])


def fault_tree_xml(forest: FaultForest, service: str, scenario: str = "scenario") -> str:
    """The MEF document of ``service``'s fault tree (one fault tree, its basic events)."""
    tree = forest.tree(service)
    writer = _Writer(forest)
    root = ET.Element("opsa-mef", name=mef_name("riskmodel", f"{scenario}-{service}"))
    ET.SubElement(root, "label").text = (f"Fault tree of service {service} in scenario {scenario}, "
                                         "written by riskmodel.engine.openpsa")
    fault_tree = ET.SubElement(root, "define-fault-tree", name=mef_name("ft", service))
    model_data = ET.Element("model-data")
    top = None if tree.down_now else writer.service_gate(tree)
    if top is None:
        house = ET.SubElement(model_data, "define-house-event", name="h_down_now")
        ET.SubElement(house, "label").text = f"{service} is down now" if tree.down_now else "nothing takes it down"
        ET.SubElement(house, "constant", value="true" if tree.down_now else "false")
        top = writer.define(mef_name("down", service), f"{service} down", ET.Element("house-event", name="h_down_now"))
    fault_tree.extend(writer.gates.values())
    for index in sorted(writer.used_events):
        event = forest.events[index]
        element = ET.SubElement(model_data, "define-basic-event", name=writer.event_name[event.label])
        ET.SubElement(element, "label").text = (f"{event.label} out: {', '.join(event.failure_modes)} "
                                                f"({event.outage_minutes_per_year:.6g} incident-minutes/yr)")
        ET.SubElement(element, "float", value=f"{event.probability:.17g}")
    root.append(model_data)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
