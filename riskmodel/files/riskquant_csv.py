"""FAIR-style loss lists in riskquant's CSV form (Netflix-Skunkworks/riskquant) as a catalog.

riskquant reads ``Identifier,Name,Probability,Low_loss,High_loss`` rows (no header line) and
ranks them by ``annualized_loss = Probability × mean of the lognormal whose 5th and 95th
percentiles are Low_loss and High_loss``. Its docstring calls Probability "the probability of
occurring within one year", but both its annualised loss and its simulation (``Poisson(p)``
losses a year) treat it as a **Poisson rate** per year; so it maps to
``frequency_per_year = Probability`` unchanged (not ``−ln(1 − p)``), and riskquant's own
range check (0 ≤ p ≤ 1) is kept. The 90% loss interval maps to ``incident_cost: {low, high}``,
the same lognormal (μ = mean of the logs, σ = (ln high − ln low) / (2 · 1.6449)), so the
expected annual loss is riskquant's annualised loss to rounding. A loss event makes nothing
unavailable: the mode is ``scope: cluster`` (once per year of the whole estate) with
``effect: loss_only``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from riskmodel.errors import InputError
from riskmodel.files.cre_sheet import slug, unique_ids
from riskmodel.files.risk_csv import CsvRow, RowReader, collect, read_rows
from riskmodel.model.catalog import CatalogFile, Effect, FailureMode
from riskmodel.model.estimate import Interval
from riskmodel.model.scenario import Scenario

RISKQUANT_COLUMNS = ("Identifier", "Name", "Probability", "Low_loss", "High_loss")
RISKQUANT_SOURCE = "Netflix-Skunkworks/riskquant (github.com/Netflix-Skunkworks/riskquant), riskquant/simpleloss.py"


@dataclass(frozen=True)
class FairRisk:
    """One riskquant row: a loss scenario, its yearly rate and its 90% loss interval (dollars)."""

    line: int
    identifier: str
    name: str
    probability: float
    low_loss: float
    high_loss: float

    @property
    def eal_per_year(self) -> float:
        """riskquant's ``annualized_loss``: rate × lognormal mean of the loss."""
        return self.probability * Interval(low=self.low_loss, high=self.high_loss).mean


def _row(file: str, row: CsvRow) -> FairRisk:
    cells = RowReader(file, row)
    fair = FairRisk(
        line=row.line,
        identifier=cells.text("identifier", "an identifier"),
        name=cells.text("name", "a name"),
        probability=cells.number("probability", "a yearly rate (riskquant's Probability)", high=1),
        low_loss=cells.number("low_loss", "a loss in dollars", low=0, low_inclusive=False),
        high_loss=cells.number("high_loss", "a loss in dollars", low=0, low_inclusive=False),
    )
    cells.done()
    if fair.high_loss <= fair.low_loss:
        raise InputError(file, f"expected High_loss > Low_loss (riskquant's own rule), got Low_loss "
                         f"{fair.low_loss:g} and High_loss {fair.high_loss:g}", line=row.line, field="high_loss")
    return fair


def read_riskquant_csv(path: Path) -> list[FairRisk]:
    """Every row of a riskquant input CSV (a first line naming the columns is read as a header)."""
    return collect(str(path), read_rows(path, RISKQUANT_COLUMNS, header_required=False), lambda row: _row(str(path), row))


def riskquant_catalog(risks: Sequence[FairRisk], sheet: Path) -> tuple[CatalogFile, list[str]]:
    """One ``loss_only`` cluster-scope mode per row, and notes on every identifier that had to change.

    Failure mode ids are lower-case identifiers: ``ALICE`` becomes ``alice``; riskquant allows
    an identifier twice (two variants of one scenario), so a repeat gets ``-2``, ``-3``."""
    ids = unique_ids([slug(r.identifier, f"loss-line-{r.line}", limit=90) for r in risks])
    notes = [f"line {r.line}: Identifier {r.identifier!r} is failure mode {mode_id!r}"
             for r, mode_id in zip(risks, ids, strict=True) if r.identifier != mode_id]
    digest = hashlib.sha256(sheet.read_bytes()).hexdigest()[:12]
    modes = tuple(
        FailureMode(
            id=mode_id, title=risk.name, scope="cluster", frequency_per_year=risk.probability,
            detect_minutes=0.0, repair_minutes=0.0, effect=Effect(type="loss_only"),
            incident_cost=Interval(low=risk.low_loss, high=risk.high_loss),
            rationale=(f"Imported from the riskquant CSV {sheet.name}, line {risk.line} (Identifier "
                       f"{risk.identifier}): rate {risk.probability:g} a year, 90% of losses between "
                       f"${risk.low_loss:,.0f} and ${risk.high_loss:,.0f}"),
            references=(RISKQUANT_SOURCE,),
        )
        for mode_id, risk in zip(ids, risks, strict=True))
    catalog = CatalogFile(catalog="riskquant", version=f"csv-{digest}",
                          description=f"Loss scenarios imported from the riskquant CSV {sheet.name}.",
                          failure_modes=modes)
    return catalog, notes


def riskquant_scenario(name: str, catalog_file: str) -> Scenario:
    """A scenario with no cluster objects: its risks are the loss events of the catalog."""
    return Scenario(name=name, description="Loss scenarios of a riskquant CSV (no cluster objects).",
                    catalogs=(catalog_file,))


__all__ = ["RISKQUANT_COLUMNS", "RISKQUANT_SOURCE", "FairRisk", "read_riskquant_csv", "riskquant_catalog",
           "riskquant_scenario"]
