"""Render a :class:`~riskmodel.report.document.PlanDocument` as Markdown, HTML, CSV or JSON.

HTML is self-contained (plotly.js inline, no external requests) and escapes every string
that came from a user or an input file. No renderer sees credentials: the document holds
file names, hashes and sanitised source names only.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import plotly.io as pio

from riskmodel.plan.planner import FrontierPoint
from riskmodel.report.analysis import money
from riskmodel.report.charts import budget_chart, frontier_chart
from riskmodel.report.document import PlanDocument

FORMATS = ("md", "html", "csv", "json")


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return f"{value['low']:g}–{value['high']:g} (90% interval)"
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def _summary_lines(doc: PlanDocument) -> list[str]:
    who = f" · session “{doc.session.name}” ({doc.session.id[:8]})" if doc.session else ""
    kind = "Proposed plan (budget plan; no measure approved yet)" if doc.proposed else "Approved plan"
    return [
        f"Scenario **{doc.scenario}** · generated {doc.generated_at:%Y-%m-%d %H:%M} UTC{who}",
        "",
        f"{kind}: {len(doc.measures)} measures for {money(doc.annual_cost)}/year. Expected annual loss "
        f"{money(doc.eal_before)} → {money(doc.eal_after)} (avoids {money(doc.eal_before - doc.eal_after)}/year).",
    ]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    escape = [[cell.replace("|", "\\|").replace("\n", " ") for cell in row] for row in rows]
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in escape]


STATUS_WORDS = {"approve": "approved", "reject": "rejected", "defer": "deferred", "proposed": "proposed"}


def _measure_rows(doc: PlanDocument) -> list[list[str]]:
    return [[str(m.rank), m.id, m.title, m.kind, STATUS_WORDS.get(m.status, m.status), money(m.annual_cost), money(m.marginal_eal_reduction),
             money(m.eal_reduction_alone), m.owner or "—", m.due_date.isoformat() if m.due_date else "—", m.note]
            for m in doc.measures]


MEASURE_HEADER = ["#", "measure", "title", "kind", "status", "cost/yr", "loss avoided/yr (in plan)",
                  "loss avoided/yr (alone)", "owner", "due", "note"]
SERVICE_HEADER = ["service", "SLO", "error budget (min/yr)", "bad min/yr before", "bad min/yr after", "budget used after"]
ASSUMPTION_HEADER = ["what", "original", "now", "who", "when", "why"]


def _service_rows(doc: PlanDocument) -> list[list[str]]:
    return [[s.name, f"{s.slo:g}", f"{s.error_budget_minutes:,.1f}", f"{s.bad_minutes_before:,.1f}",
             f"{s.bad_minutes_after:,.1f}", f"{s.bad_minutes_after / s.error_budget_minutes:.0%}"] for s in doc.services]


def _assumption_rows(doc: PlanDocument) -> list[list[str]]:
    return [[f"{e.target_kind} {e.target_id} · {e.field}", _value(e.old_value), _value(e.new_value), e.who,
             f"{e.at:%Y-%m-%d %H:%M}", e.why] for e in doc.assumptions]


def to_markdown(doc: PlanDocument) -> str:
    lines = [f"# {doc.title}", "", *_summary_lines(doc), "", "## Measures", ""]
    lines += _table(MEASURE_HEADER, _measure_rows(doc)) if doc.measures else ["No measures."]
    if doc.declined:
        lines += ["", "Not in the plan: " + "; ".join(f"{m.id} ({STATUS_WORDS.get(m.status, m.status)}"
                                                    f"{': ' + m.note if m.note else ''})"
                                                    for m in doc.declined)]
    lines += ["", "## Error budgets before and after", "", *_table(SERVICE_HEADER, _service_rows(doc)),
              "", "## Top risks", ""]
    lines += _table(["failure mode", "title", "units", "incidents/yr", "EAL/yr"],
                    [[m.failure_mode_id, m.title, str(m.units), f"{m.frequency_per_year:.3f}", money(m.eal_per_year)]
                     for m in doc.top_risks])
    if doc.risk_decisions:
        lines += ["", "## Risk decisions", ""]
        lines += _table(["risk", "decision", "owner", "due", "note"],
                        [[d.item_id + (f" @ {d.unit}" if d.unit else ""), d.decision, d.owner or "—",
                          d.due_date.isoformat() if d.due_date else "—", d.note] for d in doc.risk_decisions])
    lines += ["", "## Assumptions", ""]
    lines += _table(ASSUMPTION_HEADER, _assumption_rows(doc)) if doc.assumptions else [
        "All numbers as in the reviewed catalogs and scenario (no edits in this session)."]
    lines += ["", "Model settings: " + ", ".join(f"{k} = {v:g}" for k, v in doc.settings.items()),
              "", "## Provenance", "", "```json", json.dumps(doc.provenance, indent=2), "```", ""]
    if doc.not_yet_reviewed:
        lines += ["## Not yet reviewed", "", *[f"- `{p.field_path}`: {p.reason}" for p in doc.not_yet_reviewed], ""]
    return "\n".join(lines)


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = ("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}"
          "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;font-size:14px}"
          "th{background:#f3f3f3}pre{background:#f7f7f7;padding:1em;overflow:auto}")


def to_html(doc: PlanDocument, frontier: list[FrontierPoint] | None = None) -> str:
    """Self-contained HTML: tables, the error-budget chart and the frontier, plotly.js inline."""
    summary = "".join(f"<p>{html.escape(line).replace('**', '')}</p>" for line in _summary_lines(doc) if line)
    budget_figure = budget_chart([s.name for s in doc.services], [s.error_budget_minutes for s in doc.services],
                                 [s.bad_minutes_before for s in doc.services], [s.bad_minutes_after for s in doc.services])
    charts = pio.to_html(budget_figure, full_html=False, include_plotlyjs=True)
    if frontier:
        charts += pio.to_html(frontier_chart(frontier), full_html=False, include_plotlyjs=False)
    assumptions = _html_table(ASSUMPTION_HEADER, _assumption_rows(doc)) if doc.assumptions else \
        "<p>All numbers as in the reviewed catalogs and scenario.</p>"
    declined = "".join(f"<li>{html.escape(m.id)}: {html.escape(m.status)} {html.escape(m.note)}</li>"
                       for m in doc.declined)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(doc.title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{html.escape(doc.title)}</h1>{summary}"
            f"<h2>Measures</h2>{_html_table(MEASURE_HEADER, _measure_rows(doc))}<ul>{declined}</ul>"
            f"<h2>Error budgets before and after</h2>{_html_table(SERVICE_HEADER, _service_rows(doc))}{charts}"
            f"<h2>Assumptions</h2>{assumptions}<h2>Provenance</h2>"
            f"<pre>{html.escape(json.dumps(doc.provenance, indent=2))}</pre>{_not_reviewed_html(doc)}</body></html>")


def _not_reviewed_html(doc: PlanDocument) -> str:
    if not doc.not_yet_reviewed:
        return ""
    items = "".join(f"<li><code>{html.escape(p.field_path)}</code>: {html.escape(p.reason)}</li>"
                    for p in doc.not_yet_reviewed)
    return f"<h2>Not yet reviewed</h2><ul>{items}</ul>"


CSV_COLUMNS = ["section", "id", "title", "kind", "status", "owner", "due_date", "annual_cost",
               "eal_reduction_alone", "marginal_eal_reduction", "before", "after", "original", "new", "who", "why",
               "note"]


def to_csv(doc: PlanDocument) -> str:
    """One CSV with a ``section`` column: summary, measure, service, assumption, provenance rows."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="raise")
    writer.writeheader()
    writer.writerow({"section": "summary", "id": doc.scenario, "before": f"{doc.eal_before:.2f}",
                     "after": f"{doc.eal_after:.2f}", "annual_cost": f"{doc.annual_cost:.2f}"})
    for m in doc.measures:
        writer.writerow({"section": "measure", "id": m.id, "title": m.title, "kind": m.kind, "status": m.status,
                         "owner": m.owner, "due_date": m.due_date or "", "annual_cost": f"{m.annual_cost:.2f}",
                         "eal_reduction_alone": f"{m.eal_reduction_alone:.2f}",
                         "marginal_eal_reduction": f"{m.marginal_eal_reduction:.2f}", "note": m.note})
    for s in doc.services:
        writer.writerow({"section": "service", "id": s.name, "before": f"{s.bad_minutes_before:.2f}",
                         "after": f"{s.bad_minutes_after:.2f}", "note": f"error budget {s.error_budget_minutes:.1f} min"})
    for e in doc.assumptions:
        writer.writerow({"section": "assumption", "id": f"{e.target_kind}:{e.target_id}.{e.field}",
                         "original": _value(e.old_value), "new": _value(e.new_value), "who": e.who, "why": e.why})
    for key, value in doc.provenance.items():
        writer.writerow({"section": "provenance", "id": key, "note": json.dumps(value, default=str)})
    for placeholder in doc.not_yet_reviewed:
        writer.writerow({"section": "not_yet_reviewed", "id": placeholder.field_path, "note": placeholder.reason})
    return out.getvalue()


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(doc: PlanDocument) -> str:
    data = dataclasses.asdict(doc)
    data["proposed"] = doc.proposed
    return json.dumps(data, indent=2, default=_jsonable)


RENDERERS: dict[str, Callable[[PlanDocument], str]] = {"md": to_markdown, "html": to_html, "csv": to_csv,
                                                       "json": to_json}
