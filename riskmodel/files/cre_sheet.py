"""Google's CRE risk-analysis sheet ("Know thy enemy", 2017) as a catalog and a scenario.

The sheet lists risks to one service with ETTD and ETTR (estimated minutes to detect and to
repair), the share of users a failure hits and ETTF (estimated days between failures); each
risk costs ``(ETTD + ETTR) × impact × 365 / ETTF`` bad minutes a year, against the error
budget ``(1 − SLO) × 525,600``. Here each row becomes a service-scope failure mode on the
named service: ``frequency_per_year = 365 / ettf_days`` (the workbench's year is 365 days,
525,600 minutes), ``detect_minutes = ettd_minutes``, ``repair_minutes = ettr_minutes`` and
``effect.impact_fraction = impact_percent / 100`` — the share of the service's users (and of
its outage cost) each incident takes, which scales bad minutes and dollars alike. The engine
then computes exactly the sheet's bad minutes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from riskmodel.files.risk_csv import CsvRow, RowReader, collect, read_rows
from riskmodel.model.catalog import CatalogFile, Effect, FailureMode, Targets
from riskmodel.model.scenario import PlaceholderEntry, Scenario, Service, Workload

CRE_COLUMNS = ("risk", "ettd_minutes", "ettr_minutes", "impact_percent", "ettf_days", "accepted")
DAYS_PER_YEAR = 365.0
"""Days in the workbench's year (525,600 minutes), used to turn ETTF into a yearly frequency."""
CRE_SOURCE = ("Google Cloud blog, 2017-05-23, 'Know thy enemy: how to prioritize and communicate risks — "
              "CRE life lessons' (cloud.google.com/blog/products/gcp/"
              "know-thy-enemy-how-to-prioritize-and-communicate-risks-cre-life-lessons)")


@dataclass(frozen=True)
class CreRisk:
    """One row of the sheet, in its own units."""

    line: int
    risk: str
    ettd_minutes: float
    ettr_minutes: float
    impact_percent: float
    ettf_days: float
    accepted: bool

    @property
    def frequency_per_year(self) -> float:
        return DAYS_PER_YEAR / self.ettf_days

    @property
    def bad_minutes_per_year(self) -> float:
        """The sheet's own figure: (ETTD + ETTR) × impact × 365 / ETTF."""
        return (self.ettd_minutes + self.ettr_minutes) * self.impact_percent / 100 * self.frequency_per_year


def _row(file: str, row: CsvRow) -> CreRisk:
    cells = RowReader(file, row)
    risk = CreRisk(
        line=row.line,
        risk=cells.text("risk", "a description of the risk"),
        ettd_minutes=cells.number("ettd_minutes", "minutes to detect"),
        ettr_minutes=cells.number("ettr_minutes", "minutes to repair"),
        impact_percent=cells.number("impact_percent", "a percentage of users", low=0, low_inclusive=False, high=100),
        ettf_days=cells.number("ettf_days", "days between failures", low=0, low_inclusive=False),
        accepted=cells.flag("accepted"),
    )
    cells.done()
    return risk


def read_cre_sheet(path: Path) -> list[CreRisk]:
    """Every risk of a CRE sheet exported as CSV with the columns of :data:`CRE_COLUMNS`."""
    return collect(str(path), read_rows(path, CRE_COLUMNS), lambda row: _row(str(path), row))


def slug(text: str, fallback: str, limit: int = 60) -> str:
    """An identifier from free text: ``"A bad release takes…"`` → ``a-bad-release-takes``."""
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return words[:limit].strip("-") or fallback


def unique_ids(names: Sequence[str]) -> list[str]:
    """``names`` made unique by suffixing ``-2``, ``-3``, … to repeats, in order."""
    taken: set[str] = set()
    result = []
    for name in names:
        candidate, count = name, 1
        while candidate in taken:
            count += 1
            candidate = f"{name}-{count}"
        taken.add(candidate)
        result.append(candidate)
    return result


def cre_catalog(risks: Sequence[CreRisk], service: str, sheet: Path) -> CatalogFile:
    """One service-scope failure mode per risk, on ``service``."""
    ids = unique_ids([slug(r.risk, f"risk-line-{r.line}") for r in risks])
    digest = hashlib.sha256(sheet.read_bytes()).hexdigest()[:12]
    modes = tuple(
        FailureMode(
            id=mode_id, title=risk.risk, scope="service", targets=Targets(names=(service,)),
            frequency_per_year=risk.frequency_per_year, detect_minutes=risk.ettd_minutes,
            repair_minutes=risk.ettr_minutes,
            effect=Effect(type="unavailable", impact_fraction=risk.impact_percent / 100),
            rationale=(f"Imported from the CRE risk-analysis sheet {sheet.name}, line {risk.line}: ETTD "
                       f"{risk.ettd_minutes:g} min, ETTR {risk.ettr_minutes:g} min, {risk.impact_percent:g}% of "
                       f"users, ETTF {risk.ettf_days:g} days" + ("; accepted in the sheet" if risk.accepted else "")),
            references=(CRE_SOURCE,),
        )
        for mode_id, risk in zip(ids, risks, strict=True))
    return CatalogFile(catalog=slug(f"cre-{service}", "cre"), version=f"sheet-{digest}",
                       description=f"Risks to {service} imported from the CRE risk-analysis sheet {sheet.name}.",
                       failure_modes=modes)


def cre_scenario(name: str, service: str, slo: float, cost_per_hour: float | None, catalog_file: str) -> Scenario:
    """The one service the sheet is about, backed by one workload whose pods the sheet does not place."""
    placeholders = () if cost_per_hour is not None else (
        PlaceholderEntry(field=f"services.{service}.cost_per_hour",
                         reason="the CRE sheet counts bad minutes, not dollars; pass --cost-per-hour"),)
    return Scenario(
        name=name, description=f"The service of a CRE risk-analysis sheet, SLO {slo:g}.",
        catalogs=(catalog_file,),
        workloads=(Workload(name=service, unplaced_replicas=1),),
        services=(Service(name=service, workloads=(service,), cost_per_hour=cost_per_hour or 0.0, slo=slo),),
        placeholders=placeholders,
    )


__all__ = ["CRE_COLUMNS", "CRE_SOURCE", "DAYS_PER_YEAR", "CreRisk", "cre_catalog", "cre_scenario", "read_cre_sheet",
           "slug", "unique_ids"]
