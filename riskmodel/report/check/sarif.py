"""``check --format sarif``: SARIF 2.1.0 (the OASIS standard code scanners read), one result per
failed rule case (level ``error``) and per configuration finding (``warning``; with a baseline,
``baselineState`` says new, unchanged or absent — resolved). Each result's location is the
manifest object when known, else the scenario entry; the other places are related locations.
File URIs are relative to the directory ``check`` ran in (``%SRCROOT%``), as code scanning
expects of a repository checkout.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from riskmodel.report.check.locate import Location
from riskmodel.report.check.rules import ACCEPTED_RISK, BUDGET_SHARE, EAL_INCREASE, CheckReport, FindingResult, RuleCase
from riskmodel.report.formatting import money, percent

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL = "riskmodel check"
BASELINE_STATE = {"new": "new", "unchanged": "unchanged", "resolved": "absent"}
FINDING_HELP = {
    "single_replica": "One desired replica: any node loss, drain or crash takes the workload down.",
    "single_node": "Every live replica runs on one node.",
    "single_zone": "Every live replica runs in one zone of a multi-zone cluster.",
    "no_pdb": "Several replicas and no PodDisruptionBudget: a drain may evict them all at once.",
    "no_requests": "Pods request neither cpu nor memory (BestEffort).",
}


def _rules(report: CheckReport) -> list[dict[str, Any]]:
    rules = [{
        "id": BUDGET_SHARE, "name": "ErrorBudgetShare",
        "shortDescription": {"text": f"A service's expected bad minutes use more than {percent(report.max_budget_share)} "
                                     "of its error budget"},
        "fullDescription": {"text": "Expected bad minutes per year of the service (every failure mode's frequency × "
                                    "its down and degraded minutes) over its error budget ((1 − SLO) × 525,600)."},
        "defaultConfiguration": {"level": "error"},
        "help": {"text": "Fund measures that shorten detection or repair, add replicas or spread them, or review "
                         "the SLO: python -m riskmodel rank SCENARIO lists what each measure saves."},
    }, {
        "id": EAL_INCREASE, "name": "ExpectedAnnualLossIncrease",
        "shortDescription": {"text": "Expected annual loss grew more than allowed over the baseline"},
        "fullDescription": {"text": "Expected annual loss (dollars per year) of the cluster and of each service "
                                    "against the baseline scenario."},
        "defaultConfiguration": {"level": "error"},
        "help": {"text": "Compare the ΔEAL per failure mode and service in the text output of check."},
    }, {
        "id": ACCEPTED_RISK, "name": "AcceptedRiskReopened",
        "shortDescription": {"text": "An accepted risk is over its ceiling or past its expiry date"},
        "fullDescription": {"text": "The review session's accepted-risk ledger, checked on this analysis: each "
                                    "acceptance holds within its ceiling (a budget share or dollars a year) until "
                                    "its expiry date."},
        "defaultConfiguration": {"level": "error"},
        "help": {"text": "Review the risk again: accept it anew with its owner, or fund a measure "
                         "(python -m riskmodel ledger SCENARIO --session ID lists the ledger)."},
    }]
    for kind in sorted({result.finding.kind for result in report.findings}):
        rules.append({"id": f"finding/{kind}", "name": "Finding" + kind.title().replace("_", ""),
                      "shortDescription": {"text": FINDING_HELP.get(kind, kind.replace("_", " "))},
                      "defaultConfiguration": {"level": "warning"}})
    return rules


def _uri(file: str) -> tuple[str, bool]:
    """(URI, relative to SRCROOT?)."""
    path = Path(file).resolve()
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix(), True
    except ValueError:
        return path.as_uri(), False


def _physical(location: Location) -> dict[str, Any]:
    uri, relative = _uri(location.file)
    artifact: dict[str, Any] = {"uri": uri, **({"uriBaseId": "SRCROOT"} if relative else {})}
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if location.line:
        physical["region"] = {"startLine": location.line}
    return {"physicalLocation": physical, "message": {"text": location.what}}


def _located(result: dict[str, Any], locations: tuple[Location, ...]) -> dict[str, Any]:
    if locations:
        result["locations"] = [_physical(locations[0])]
        if len(locations) > 1:
            result["relatedLocations"] = [{"id": i, **_physical(loc)} for i, loc in enumerate(locations[1:])]
    return result


def _case_result(case: RuleCase, index: int) -> dict[str, Any]:
    return _located({
        "ruleId": case.rule, "ruleIndex": index, "level": "error", "message": {"text": case.message},
        "partialFingerprints": {"riskmodelSubject/v1": f"{case.rule}:{case.subject}"},
        "properties": {"subject": case.subject, "value": case.value if math.isfinite(case.value) else None,
                       "limit": case.limit},
    }, case.locations)


def _finding_result(result: FindingResult, index: int, with_baseline: bool) -> dict[str, Any]:
    finding = result.finding
    text = (f"{finding.workload}: {finding.detail}; expected annual loss {money(finding.eal_per_year)} per year"
            + (f"; fixed by {', '.join(finding.fixed_by)}" if finding.fixed_by else ""))
    sarif: dict[str, Any] = {
        "ruleId": f"finding/{finding.kind}", "ruleIndex": index, "level": "warning", "message": {"text": text},
        "partialFingerprints": {"riskmodelSubject/v1": finding.id},
        "properties": {"workload": finding.workload, "eal_per_year": finding.eal_per_year},
    }
    if with_baseline:
        sarif["baselineState"] = BASELINE_STATE[result.state]
    return _located(sarif, result.locations)


def to_sarif(report: CheckReport, exit_code: int) -> dict[str, Any]:
    """The SARIF log of one check."""
    rules = _rules(report)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = [_case_result(case, index[case.rule]) for case in report.failed]
    results += [_finding_result(r, index[f"finding/{r.finding.kind}"], report.baseline_file is not None)
                for r in report.findings]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": TOOL, "semanticVersion": "0.1.0", "rules": rules}},
            "originalUriBaseIds": {"SRCROOT": {"uri": Path.cwd().resolve().as_uri() + "/"}},
            "invocations": [{"executionSuccessful": True, "exitCode": exit_code}],
            "results": results,
        }],
    }
