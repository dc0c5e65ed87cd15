"""The plan's charts as static SVG, for print: the PDF and the printed HTML export.

Plotly figures need a browser to draw; turning them into pictures takes kaleido, which
drives a Chrome of its own (absent offline and on most review laptops, and seconds per
picture). So the same numbers are drawn here with matplotlib's object API (no pyplot, no
global state) into self-contained SVG that WeasyPrint and every browser render as they are.
Text stays text (DejaVu Sans, which the PDF libraries script installs), so a printed chart
can be searched and read back.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib import rc_context
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from riskmodel.plan.planner import FrontierPoint
from riskmodel.report.charts import OK_COLOUR, PROBLEM_COLOUR
from riskmodel.report.formatting import money

BUDGET_COLOUR = "#c7c7c7"
WIDTH_INCHES = 7.5


def _svg(figure: Figure) -> str:
    FigureCanvasSVG(figure)
    out = io.StringIO()
    with rc_context({"svg.fonttype": "none"}):
        figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    return out.getvalue()


def budget_svg(names: Sequence[str], budget_minutes: Sequence[float], before: Sequence[float],
               after: Sequence[float]) -> str:
    """Grouped bars per service: error budget, expected bad minutes now, with the plan (min/yr)."""
    figure = Figure(figsize=(WIDTH_INCHES, 3.2))
    axes = figure.add_subplot()
    positions = range(len(names))
    width = 0.27
    for offset, values, colour, label in ((-width, budget_minutes, BUDGET_COLOUR, "error budget"),
                                          (0.0, before, PROBLEM_COLOUR, "expected bad minutes"),
                                          (width, after, OK_COLOUR, "with plan")):
        axes.bar([p + offset for p in positions], list(values), width, color=colour, label=label)
    axes.set_xticks(list(positions), list(names), rotation=30, ha="right", fontsize=8)
    axes.set_ylabel("minutes per year")
    axes.set_title("Error budget per service (minutes per year)", fontsize=10)
    axes.legend(fontsize=8, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def frontier_svg(points: Sequence[FrontierPoint], budget: float | None = None) -> str:
    """Residual expected annual loss against annual budget, a step per greedy pick ($/yr)."""
    figure = Figure(figsize=(WIDTH_INCHES, 3.0))
    axes = figure.add_subplot()
    axes.step([p.budget for p in points], [p.residual_eal_per_year for p in points], where="post",
              marker="o", markersize=3, color="#1f77b4")
    if budget is not None:
        axes.axvline(budget, linestyle="--", color="#555555", linewidth=1)
        axes.annotate("budget", (budget, 1), xycoords=("data", "axes fraction"), fontsize=8, ha="left", va="top")
    dollars = FuncFormatter(lambda value, _: money(value))
    axes.xaxis.set_major_formatter(dollars)
    axes.yaxis.set_major_formatter(dollars)
    axes.tick_params(labelsize=8)
    axes.set_xlabel("annual budget ($/yr)")
    axes.set_ylabel("residual EAL ($/yr)")
    axes.set_title("Efficient frontier", fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


__all__ = ["budget_svg", "frontier_svg"]
