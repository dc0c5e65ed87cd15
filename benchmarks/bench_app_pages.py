"""Benchmark: each app page on the large scenario — first visit and re-render.

Targets (DESIGN.md, issue #15): each page's first visit ≤ 1 s (the Measures page included: it
ranks every measure and builds the plan and frontier) and re-render ≤ 0.5 s on a 2-core
machine. Pages run in Streamlit's AppTest (the same script execution a browser session
triggers, without the browser's drawing time). The app's first load, which parses the
scenario and builds the risk model, is reported apart.
Run: ``.venv/bin/python benchmarks/bench_app_pages.py`` (or ``make bench``).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from riskmodel.files.scenario_yaml import scenario_to_yaml  # noqa: E402
from riskmodel.generate.large import generate_large_scenario  # noqa: E402

PAGES = ["overview", "topology", "node_problems", "register", "measures", "whatif", "simulation", "review"]
TARGET_SECONDS = 0.5
FIRST_VISIT_SECONDS = 1.0


def _timed(app: AppTest, label: str) -> float:
    started = time.perf_counter()
    app.run()
    elapsed = time.perf_counter() - started
    if app.exception:
        raise SystemExit(f"{label}: {app.exception[0].message}")
    print(f"  {label:<44} {elapsed:6.2f} s")
    return elapsed


def _interactions(app: AppTest) -> float:
    """The main interaction of the heavier pages, timed after their first visit."""
    times = []
    app.switch_page(str(ROOT / "app_pages" / "review.py")).run()
    app.button(key="start_session").click()
    times.append(_timed(app, "review: start a session (the plan document; files build on download)"))
    times.append(_timed(app, "review: re-render with a session"))
    app.switch_page(str(ROOT / "app_pages" / "measures.py")).run()
    app.select_slider(key="plan_budget").set_value(20_000)
    times.append(_timed(app, "measures: budget changed to $20,000"))
    app.switch_page(str(ROOT / "app_pages" / "whatif.py")).run()
    app.multiselect(key="whatif_zones").set_value([app.multiselect(key="whatif_zones").options[0]])
    times.append(_timed(app, "what-if: fail a whole zone (333 nodes)"))
    return max(times)


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="riskmodel-bench-"))
    scenario_path = folder / "large.yaml"
    scenario_path.write_text(scenario_to_yaml(generate_large_scenario()), encoding="utf-8")
    os.environ["RISKMODEL_SCENARIO"] = str(scenario_path)
    os.environ["RISKMODEL_REVIEW_DB"] = str(folder / "reviews.sqlite3")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    started = time.perf_counter()
    app.run()
    print(f"first load of the large scenario (parse, risk model, register): {time.perf_counter() - started:.2f} s")
    app.session_state["reviewer"] = "bench"
    worst = first_worst = 0.0
    for page in PAGES:
        app.switch_page(str(ROOT / "app_pages" / f"{page}.py"))
        started = time.perf_counter()
        app.run()
        first = time.perf_counter() - started
        started = time.perf_counter()
        app.run()
        again = time.perf_counter() - started
        if app.exception:
            raise SystemExit(f"{page}: {app.exception[0].message}")
        worst = max(worst, again)
        first_worst = max(first_worst, first)
        print(f"  {page:<14} first visit {first:6.2f} s [<= {FIRST_VISIT_SECONDS:g} s: "
              f"{'met' if first <= FIRST_VISIT_SECONDS else 'MISSED'}]   re-render {again:6.2f} s")
    worst = max(worst, _interactions(app))
    verdict = "met" if worst <= TARGET_SECONDS else "MISSED"
    print(f"slowest first visit {first_worst:.2f} s [target <= {FIRST_VISIT_SECONDS:g} s: "
          f"{'met' if first_worst <= FIRST_VISIT_SECONDS else 'MISSED'}]; slowest re-render or interaction "
          f"{worst:.2f} s [target <= {TARGET_SECONDS:g} s: {verdict}]; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
