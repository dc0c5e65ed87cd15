"""Render a :class:`~riskmodel.report.document.PlanDocument` as Markdown, HTML, PDF, CSV or JSON.

Every format carries the same sections (:func:`sections`): the plan and how it was chosen,
measures not in the plan, top risks, risk decisions, error budgets before and after,
assumptions, placeholders to review, the accepted-risk ledger, and provenance. Markdown, HTML and PDF show numbers in
the one style of :mod:`riskmodel.report.formatting`; CSV cells and JSON keep plain numbers
(rounded to cents and tenths of minutes in CSV) under names that say their unit.

HTML is self-contained (plotly.js inline, no external requests) and escapes every string
that came from a user or an input file; its charts are drawn twice, interactive for the
screen and as static SVG for print. The PDF is the print form of the same page, laid out by
WeasyPrint. No renderer sees credentials: the document holds file names, hashes and
sanitised source names only.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import html
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import plotly.io as pio

from riskmodel.errors import RiskModelError
from riskmodel.plan.planner import FrontierPoint
from riskmodel.report.charts import budget_chart, frontier_chart
from riskmodel.report.document import PlanDocument
from riskmodel.report.escaping import code_fence, csv_cell, markdown_text
from riskmodel.report.formatting import DASH, minutes, money, money_per_year, number, percent, slo
from riskmodel.report.ledger_view import LEDGER_HEADER, ledger_cells
from riskmodel.report.uncertainty import plan_change_text, tornado_chart


class PdfUnavailable(RiskModelError):
    """WeasyPrint is installed but the system libraries it draws text with are not."""


FORMATS = ("md", "html", "pdf", "csv", "json")
MEDIA_TYPES = {"md": "text/markdown", "html": "text/html", "pdf": "application/pdf", "csv": "text/csv",
               "json": "application/json"}
STATUS_WORDS = {"approve": "approved", "reject": "rejected", "defer": "deferred", "proposed": "proposed",
                "pinned": "pinned", "excluded": "excluded"}


@dataclass(frozen=True)
class Section:
    """One section of the plan as a table of display text (headers in words with units)."""

    key: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str


def _status(status: str) -> str:
    return STATUS_WORDS.get(status, status)


def _due(value: date | None) -> str:
    return value.isoformat() if value else DASH


def summary_lines(doc: PlanDocument) -> list[str]:
    """The plan in three lines: scenario and session, how it was chosen, what it changes."""
    who = f" · session “{doc.session.name}” ({doc.session.id[:8]})" if doc.session else ""
    kind = "Proposed plan (no measure approved yet)" if doc.proposed else "Plan with approved measures"
    return [
        f"Scenario {doc.scenario} · generated {doc.generated_at:%Y-%m-%d %H:%M} UTC{who}",
        f"{kind}: {doc.plan_summary}.",
        f"Expected annual loss {money_per_year(doc.eal_before)} → {money_per_year(doc.eal_after)} with the plan "
        f"(avoids {money_per_year(doc.eal_before - doc.eal_after)}); the plan costs {money_per_year(doc.annual_cost)}.",
    ]


def sections(doc: PlanDocument) -> list[Section]:
    """The sections every format shows, in order."""
    return [
        Section("plan", "Plan", ("#", "Measure", "Title", "Kind", "Status", "Cost ($/yr)",
                                 "Loss avoided in plan ($/yr)", "Loss avoided alone ($/yr)", "Owner", "Due", "Note"),
                tuple((str(m.rank), m.id, m.title, m.kind, _status(m.status), money(m.annual_cost),
                       money(m.marginal_eal_reduction), money(m.eal_reduction_alone), m.owner or DASH,
                       _due(m.due_date), m.note) for m in doc.measures),
                "No measures in the plan."),
        Section("declined", "Not in the plan", ("Measure", "Title", "Status", "Cost ($/yr)",
                                                "Loss avoided alone ($/yr)", "Owner", "Note"),
                tuple((m.id, m.title, _status(m.status), money(m.annual_cost), money(m.eal_reduction_alone),
                       m.owner or DASH, m.note) for m in doc.declined),
                "No measure was rejected, deferred or excluded."),
        Section("top_risks", "Top risks", ("Failure mode", "Title", "Scope", "Units", "Incidents per year (all units)",
                                           "EAL ($/yr)", "EAL with plan ($/yr)"),
                tuple((r.failure_mode_id, r.title, r.scope, str(r.units), number(r.frequency_per_year),
                       money(r.eal_per_year), money(r.eal_with_plan)) for r in doc.top_risks),
                "No risks."),
        Section("risk_decisions", "Risk decisions", ("Risk", "Decision", "Owner", "Due", "Note", "Who"),
                tuple((d.item_id + (f" @ {d.unit}" if d.unit else ""), d.decision, d.owner or DASH, _due(d.due_date),
                       d.note, d.who) for d in doc.risk_decisions),
                "No risk decisions recorded."),
        Section("budgets", "Error budgets before and after", (
            "Service", "SLO", "Error budget (min/yr)", "Bad minutes now (min/yr)", "Bad minutes with plan (min/yr)",
            "Budget used now", "Budget used with plan", "Failure modes over the flag share"),
            tuple((s.name, slo(s.slo), minutes(s.error_budget_minutes), minutes(s.bad_minutes_before),
                   minutes(s.bad_minutes_after), percent(s.bad_minutes_before / s.error_budget_minutes),
                   percent(s.bad_minutes_after / s.error_budget_minutes), ", ".join(s.flagged_modes) or DASH)
                  for s in doc.services),
            "No services."),
        Section("assumptions", "Assumptions", ("What", "Meaning", "Change", "Who", "When (UTC)", "Why"),
                tuple((f"{a.target_kind} {a.target_id} · {a.field}", a.meaning, a.change, a.who,
                       f"{a.at:%Y-%m-%d %H:%M}", a.why) for a in doc.assumptions),
                "All numbers as in the reviewed catalogs and scenario (no edits in this session)."),
        Section("placeholders", "Placeholders to review", ("Field", "Why it is a placeholder"),
                tuple((p.field_path, p.reason) for p in doc.placeholders),
                "No placeholder values: every number came from a reviewed file."),
        Section("accepted_risks", "Accepted risks (ledger)", LEDGER_HEADER,
                tuple(ledger_cells(row) for row in doc.accepted_risks),
                "No risk is accepted on this scenario."),
        *uncertainty_sections(doc),
    ]


_NOT_SAMPLED = "Not sampled for this export (export with --draws N to add it)."


def uncertainty_sections(doc: PlanDocument) -> list[Section]:
    """What to measure before the next review (EVPI per input) and which estimates move the
    answer (the tornado, with the budget plan at each end)."""
    found = doc.uncertainty
    measure_next = Section("measure_next", "What to measure before the next review",
                           ("Input", "Field", "Knowing it exactly is worth up to ($/yr)"),
                           () if found is None or found.evpi_per_year <= 0 else
                           tuple((v.label, v.input, money(v.evpi_per_year)) for v in found.measure_next),
                           _NOT_SAMPLED if found is None else
                           f"No uncertain input changes the budget decision in {found.draws:,} joint draws.")
    tornado = Section("sensitivity", "Which estimates move the answer",
                      ("Input", "5th → 95th percentile", "EAL at low ($/yr)", "EAL at high ($/yr)",
                       "Plan at low", "Plan at high"),
                      () if found is None else
                      tuple((b.label, f"{b.low:g} → {b.high:g} {b.unit}", money(b.eal_at_low), money(b.eal_at_high),
                             plan_change_text(b, "low"), plan_change_text(b, "high")) for b in found.tornado),
                      _NOT_SAMPLED if found is None else "No uncertain input.")
    return [measure_next, tornado]


def _settings_line(doc: PlanDocument) -> str:
    return "Model settings: " + ", ".join(f"{key} = {value:g}" for key, value in doc.settings.items())


def to_markdown(doc: PlanDocument) -> str:
    """The plan as Markdown; every string from an input or a session is escaped (:mod:`.escaping`)."""
    lines = [f"# {markdown_text(doc.title)}", ""]
    for line in summary_lines(doc):
        lines += [markdown_text(line), ""]
    for section in sections(doc):
        lines += [f"## {section.title}", ""]
        if section.rows:
            lines += ["| " + " | ".join(section.header) + " |", "|" + "---|" * len(section.header)]
            lines += ["| " + " | ".join(markdown_text(c) for c in row) + " |" for row in section.rows]
        else:
            lines.append(section.empty)
        lines.append("")
    lines += [markdown_text(_settings_line(doc)), "", "## Provenance", "",
              code_fence(json.dumps(doc.provenance, indent=2), "json"), ""]
    return "\n".join(lines)


_NUMERIC = re.compile(r"^[-+]?[$×]?[\d.,]+[%×]?$|^[-+]?\$[\d.,]+$")


def _cell(text: str) -> str:
    numeric = " class='num'" if _NUMERIC.match(text) else ""
    return f"<td{numeric}>{html.escape(text)}</td>"


def _html_section(section: Section) -> str:
    if not section.rows:
        return f"<h2>{html.escape(section.title)}</h2><p>{html.escape(section.empty)}</p>"
    head = "".join(f"<th>{html.escape(h)}</th>" for h in section.header)
    body = "".join("<tr>" + "".join(_cell(cell) for cell in row) + "</tr>" for row in section.rows)
    return (f"<h2>{html.escape(section.title)}</h2><table class='{section.key}'><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


_STYLE = (
    "body{font-family:'DejaVu Sans',system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;margin:0.5em 0 1em}td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px;"
    "vertical-align:top}th{background:#f3f3f3;text-align:left}td.num{text-align:right;white-space:nowrap}pre{background:#f7f7f7;padding:1em;"
    "white-space:pre-wrap;word-break:break-all;font-size:11px}img.chart{max-width:100%}"
    ".print-only{display:none}img.chart{width:80%}h2{break-after:avoid}tr{break-inside:avoid}"
    "@media print{.screen-only{display:none}.print-only{display:block}body{margin:0;max-width:none}}"
    "@page{size:A4 landscape;margin:12mm}"
)


def _svg_image(svg: str, alt: str) -> str:
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f"<img class='chart' alt='{html.escape(alt)}' src='data:image/svg+xml;base64,{data}'>"


def _budget_numbers(doc: PlanDocument) -> tuple[list[str], list[float], list[float], list[float]]:
    return ([s.name for s in doc.services], [s.error_budget_minutes for s in doc.services],
            [s.bad_minutes_before for s in doc.services], [s.bad_minutes_after for s in doc.services])


def _static_charts(doc: PlanDocument, frontier: Sequence[FrontierPoint] | None) -> dict[str, str]:
    # matplotlib takes most of a second to import: only the print formats (PDF, HTML) pay it
    from riskmodel.report.static_charts import budget_svg, frontier_svg, tornado_svg

    charts = {"budgets": _svg_image(budget_svg(*_budget_numbers(doc)), "Error budget per service")}
    if frontier:
        charts["plan"] = _svg_image(frontier_svg(frontier, doc.budget_per_year), "Efficient frontier")
    if doc.uncertainty and doc.uncertainty.tornado:
        charts["sensitivity"] = _svg_image(tornado_svg(doc.uncertainty.tornado, doc.uncertainty.eal_per_year),
                                           "Tornado: expected annual loss at each input's 5th and 95th percentile")
    return charts


def _interactive_charts(doc: PlanDocument, frontier: Sequence[FrontierPoint] | None) -> dict[str, str]:
    charts = {"budgets": pio.to_html(budget_chart(*_budget_numbers(doc)), full_html=False, include_plotlyjs=True)}
    if frontier:
        charts["plan"] = pio.to_html(frontier_chart(frontier, doc.budget_per_year), full_html=False,
                                     include_plotlyjs=False)
    if doc.uncertainty and doc.uncertainty.tornado:
        charts["sensitivity"] = pio.to_html(tornado_chart(doc.uncertainty.tornado, doc.uncertainty.eal_per_year),
                                            full_html=False, include_plotlyjs=False)
    return charts


def _page(doc: PlanDocument, charts: dict[str, str]) -> str:
    """The document as one HTML page; ``charts`` go after the section of the same key."""
    summary = "".join(f"<p>{html.escape(line)}</p>" for line in summary_lines(doc))
    body = "".join(_html_section(section) + charts.get(section.key, "") for section in sections(doc))
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(doc.title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{html.escape(doc.title)}</h1>{summary}{body}"
            f"<p>{html.escape(_settings_line(doc))}</p><h2>Provenance</h2>"
            f"<pre>{html.escape(json.dumps(doc.provenance, indent=2))}</pre></body></html>")


def to_html(doc: PlanDocument, frontier: Sequence[FrontierPoint] | None = None) -> str:
    """Self-contained HTML: interactive charts on screen, static SVG charts when printed."""
    screen, printed = _interactive_charts(doc, frontier), _static_charts(doc, frontier)
    charts = {key: f"<div class='screen-only'>{screen[key]}</div><div class='print-only'>{printed[key]}</div>"
              for key in screen}
    return _page(doc, charts)


def to_pdf(doc: PlanDocument, frontier: Sequence[FrontierPoint] | None = None) -> bytes:
    """The print form of the HTML page (static charts, no scripts) laid out by WeasyPrint."""
    try:
        from weasyprint import HTML
    except OSError as error:
        raise PdfUnavailable(f"PDF export needs the system libraries pango and harfbuzz ({error}); install them "
                             "with `sh scripts/install-pdf-libs.sh` as root (Debian packages libpango-1.0-0, "
                             "libpangoft2-1.0-0, libharfbuzz-subset0)") from None

    pdf: bytes = HTML(string=_page(doc, _static_charts(doc, frontier))).write_pdf()
    return pdf


CSV_COLUMNS = ["section", "id", "title", "kind", "status", "owner", "due date", "annual cost ($/yr)",
               "loss avoided alone ($/yr)", "loss avoided in plan ($/yr)", "EAL ($/yr)", "EAL with plan ($/yr)",
               "incidents per year", "SLO (%)", "error budget (min/yr)", "bad minutes now (min/yr)",
               "bad minutes with plan (min/yr)", "original", "now", "who", "when (UTC)", "why", "note",
               "EVPI ($/yr)", "low", "high", "unit", "EAL at low ($/yr)", "EAL at high ($/yr)"]


def _dollars(value: float) -> str:
    return f"{value:.2f}"


def _csv_rows(doc: PlanDocument) -> list[dict[str, str]]:
    rows = [{"section": "summary", "id": doc.scenario, "EAL ($/yr)": _dollars(doc.eal_before),
             "EAL with plan ($/yr)": _dollars(doc.eal_after), "annual cost ($/yr)": _dollars(doc.annual_cost),
             "note": doc.plan_summary}]
    for section, measures in (("plan", doc.measures), ("declined", doc.declined)):
        rows += [{"section": section, "id": m.id, "title": m.title, "kind": m.kind, "status": _status(m.status),
                  "owner": m.owner, "due date": m.due_date.isoformat() if m.due_date else "",
                  "annual cost ($/yr)": _dollars(m.annual_cost),
                  "loss avoided alone ($/yr)": _dollars(m.eal_reduction_alone),
                  "loss avoided in plan ($/yr)": _dollars(m.marginal_eal_reduction), "note": m.note}
                 for m in measures]
    rows += [{"section": "top_risks", "id": r.failure_mode_id, "title": r.title, "kind": r.scope,
              "incidents per year": f"{r.frequency_per_year:.6g}", "EAL ($/yr)": _dollars(r.eal_per_year),
              "EAL with plan ($/yr)": _dollars(r.eal_with_plan)} for r in doc.top_risks]
    rows += [{"section": "risk_decisions", "id": d.item_id + (f"@{d.unit}" if d.unit else ""), "status": d.decision,
              "owner": d.owner, "due date": d.due_date.isoformat() if d.due_date else "", "who": d.who,
              "note": d.note} for d in doc.risk_decisions]
    rows += [{"section": "budgets", "id": s.name, "SLO (%)": f"{s.slo * 100:.4g}",
              "error budget (min/yr)": f"{s.error_budget_minutes:.1f}",
              "bad minutes now (min/yr)": f"{s.bad_minutes_before:.1f}",
              "bad minutes with plan (min/yr)": f"{s.bad_minutes_after:.1f}", "note": ", ".join(s.flagged_modes)}
             for s in doc.services]
    rows += [{"section": "assumptions", "id": f"{a.target_kind}:{a.target_id}.{a.field}", "title": a.meaning,
              "original": a.original, "now": a.now, "who": a.who,
              "when (UTC)": a.at.isoformat(), "why": a.why} for a in doc.assumptions]
    rows += [{"section": "placeholders", "id": p.field_path, "note": p.reason} for p in doc.placeholders]
    rows += [{"section": "accepted_risks", "id": a.failure_mode_id + (f"@{a.unit}" if a.unit else ""),
              "status": a.status, "owner": a.owner, "due date": a.expires_on.isoformat(),
              "original": f"{a.value_at_acceptance:.6g}", "now": "" if a.value_now is None else f"{a.value_now:.6g}",
              "kind": f"{a.ceiling_kind} ceiling {a.ceiling:.6g}", "who": a.accepted_by,
              "when (UTC)": a.accepted_at.isoformat(), "why": a.why, "note": a.reason} for a in doc.accepted_risks]
    rows += _uncertainty_csv_rows(doc)
    rows += [{"section": "provenance", "id": key, "note": json.dumps(value, default=str)}
             for key, value in doc.provenance.items()]
    return rows


def _uncertainty_csv_rows(doc: PlanDocument) -> list[dict[str, str]]:
    found = doc.uncertainty
    if found is None:
        return []
    rows = [{"section": "measure_next", "id": v.input, "title": v.label, "EVPI ($/yr)": _dollars(v.evpi_per_year)}
            for v in found.measure_next]
    return rows + [{"section": "sensitivity", "id": b.input, "title": b.label, "low": f"{b.low:.6g}",
                    "high": f"{b.high:.6g}", "unit": b.unit, "EAL at low ($/yr)": _dollars(b.eal_at_low),
                    "EAL at high ($/yr)": _dollars(b.eal_at_high),
                    "note": f"plan at low: {plan_change_text(b, 'low')}; at high: {plan_change_text(b, 'high')}"}
                   for b in found.tornado]


def to_csv(doc: PlanDocument) -> str:
    """One CSV with a ``section`` column: the same sections as the other formats, one row per entry."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="raise")
    writer.writeheader()
    writer.writerows({key: csv_cell(value) for key, value in row.items()} for row in _csv_rows(doc))
    return out.getvalue()


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(doc: PlanDocument) -> str:
    data = dataclasses.asdict(doc)
    data["proposed"] = doc.proposed
    return json.dumps(data, indent=2, default=_jsonable)


TEXT_RENDERERS: dict[str, Callable[[PlanDocument], str]] = {"md": to_markdown, "csv": to_csv, "json": to_json}


def render(doc: PlanDocument, fmt: str, frontier: Sequence[FrontierPoint] | None = None) -> bytes:
    """The document in ``fmt`` (one of :data:`FORMATS`) as the bytes of the file to write."""
    if fmt == "pdf":
        return to_pdf(doc, frontier)
    if fmt == "html":
        return to_html(doc, frontier).encode("utf-8")
    return TEXT_RENDERERS[fmt](doc).encode("utf-8")


__all__ = ["FORMATS", "MEDIA_TYPES", "PdfUnavailable", "Section", "render", "sections", "summary_lines", "to_csv", "to_html",
           "to_json", "to_markdown", "to_pdf"]
