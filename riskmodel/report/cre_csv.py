"""The risk register as Google's CRE risk-analysis sheet: one row per risk to one service.

Columns ``risk,ettd_minutes,ettr_minutes,impact_percent,ettf_days,bad_minutes_per_year,
budget_share,too_big``: the first five are the sheet's inputs (so the file can go back into a
sheet), the last three its results. Plain numbers (CSV), units in the column names;
``budget_share`` is a fraction of the yearly error budget; ``too_big`` is more than the
scenario's ``budget_share_flag`` (25%, the sheet's cap per risk).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from riskmodel.engine.risk import RiskModel
from riskmodel.engine.service_risk import ModeOnService
from riskmodel.errors import RiskModelError
from riskmodel.report.escaping import csv_cell

CRE_EXPORT_COLUMNS = ("risk", "ettd_minutes", "ettr_minutes", "impact_percent", "ettf_days",
                      "bad_minutes_per_year", "budget_share", "too_big")


def chosen_service(model: RiskModel, service: str | None) -> str:
    """``service``, or the scenario's only service; several services need ``--service``."""
    names = list(model.index.service_names)
    if service is not None:
        return service
    if len(names) == 1:
        return names[0]
    raise RiskModelError(f"--service: the CRE sheet is about one service and this scenario has {len(names)}; "
                         f"expected --service with one of: {', '.join(names) or 'none'}")


def cre_csv(rows: Sequence[ModeOnService]) -> str:
    """The rows as CSV text, in the order given (most bad minutes first)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CRE_EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([csv_cell(row.title), f"{row.detect_minutes:.4f}", f"{row.repair_minutes:.4f}",
                         f"{row.impact_fraction * 100:.4f}", f"{row.ettf_days:.4f}", f"{row.bad_minutes_per_year:.2f}",
                         f"{row.budget_share:.6f}", row.too_big])
    return out.getvalue()


__all__ = ["CRE_EXPORT_COLUMNS", "chosen_service", "cre_csv"]
