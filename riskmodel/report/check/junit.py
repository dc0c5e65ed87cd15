"""``check --format junit``: JUnit XML, one test suite per rule and one test case per rule and
service (and ``cluster`` for the whole-cluster EAL rule), as CI systems (GitLab, Jenkins, GitHub
test reporters) show them. A failed case carries the message and where to look; a service the
baseline lacks is a skipped case.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby

from riskmodel.report.check.rules import CheckReport, RuleCase


def _case(parent: ET.Element, case: RuleCase) -> None:
    attributes = {"classname": f"riskmodel.{case.rule}", "name": case.subject, "time": "0"}
    if case.locations:
        first = case.locations[0]
        attributes["file"] = first.file
        if first.line:
            attributes["line"] = str(first.line)
    element = ET.SubElement(parent, "testcase", attributes)
    places = "\n".join(f"{loc.file}:{loc.line or ''} {loc.what}" for loc in case.locations)
    if case.skipped:
        ET.SubElement(element, "skipped", {"message": case.message})
    elif not case.passed:
        failure = ET.SubElement(element, "failure", {"message": case.message, "type": case.rule})
        failure.text = f"{case.message}\n{places}"
    else:
        ET.SubElement(element, "system-out").text = case.message


def to_junit(report: CheckReport) -> str:
    """The JUnit XML document of one check."""
    root = ET.Element("testsuites", {"name": "riskmodel check", "tests": str(len(report.cases)),
                                     "failures": str(len(report.failed)), "errors": "0",
                                     "skipped": str(sum(c.skipped for c in report.cases))})
    for rule, grouped in groupby(report.cases, key=lambda case: case.rule):
        cases = list(grouped)
        suite = ET.SubElement(root, "testsuite", {
            "name": rule, "tests": str(len(cases)), "failures": str(sum(not c.passed and not c.skipped for c in cases)),
            "errors": "0", "skipped": str(sum(c.skipped for c in cases)), "time": "0"})
        for case in cases:
            _case(suite, case)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
