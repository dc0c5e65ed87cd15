"""The pages on an imported cluster (the kind capture): placeholders banner and current
problems first on the Overview, findings in the register — as the library computed them."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from riskmodel.cli.main import main
from riskmodel.report.analysis import analyse
from riskmodel.sources.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "tests" / "fixtures" / "k8s"


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("kind-app")
    folder = tmp / "dump"
    folder.mkdir()
    for name in ("sonobuoy-kind-nodes.json", "sonobuoy-kind-kube-system-pods.json", "sonobuoy-kind-local-path-pods.json"):
        shutil.copy(K8S / name, folder / name)
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["import", "--source", f"file:{folder}", "--output", str(tmp / "kind.yaml")]) == 0
    return tmp / "kind.yaml"


def _open(imported: Path, monkeypatch, tmp_path: Path, page: str | None = None) -> AppTest:
    monkeypatch.setenv("RISKMODEL_SCENARIO", str(imported))
    monkeypatch.setenv("RISKMODEL_REVIEW_DB", str(tmp_path / "reviews.sqlite3"))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    if page:
        app.switch_page(str(ROOT / "app_pages" / f"{page}.py")).run()
    assert not app.exception, app.exception
    return app


def test_overview_shows_placeholders_and_current_problems_first(imported, monkeypatch, tmp_path) -> None:
    analysis = analyse(load_scenario(imported))
    app = _open(imported, monkeypatch, tmp_path)
    banner = app.warning[0].value
    assert f"{len(analysis.placeholders)} values are placeholders" in banner
    assert "`services.coredns.cost_per_hour`" in banner
    table = app.dataframe[0].value  # the first table of the page
    assert list(table["Name"]) == [p.name for p in analysis.current_problems]
    assert list(table["Cost now ($/h)"]) == pytest.approx([p.cost_per_hour for p in analysis.current_problems])
    assert "kind-worker" in set(table["Name"])


def test_register_lists_findings_by_money(imported, monkeypatch, tmp_path) -> None:
    analysis = analyse(load_scenario(imported))
    app = _open(imported, monkeypatch, tmp_path, "register")
    findings = next(frame.value for frame in app.dataframe if "Finding" in frame.value.columns)
    assert list(findings["Workload"]) == [f.workload for f in analysis.findings]
    assert list(findings["EAL ($/yr)"]) == pytest.approx([f.eal_per_year for f in analysis.findings])
