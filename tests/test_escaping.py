"""Escape by destination: user strings in the Markdown and CSV exports, and CLI errors on the
terminal, stay text.

The hostile strings are the ones the issue found getting through: raw HTML, an image with
``onerror``, a ``javascript:`` link, a heading injected through a newline, spreadsheet formulas
and an ANSI escape in a key.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from riskmodel.cli.main import main
from riskmodel.cli.terminal import terminal_text
from riskmodel.report.document import document_for_session
from riskmodel.report.escaping import code_fence, csv_cell, markdown_text
from riskmodel.report.export import to_csv, to_markdown
from riskmodel.review.store import ReviewStore
from riskmodel.sources.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"
SCRIPT = "<script>alert(1)</script>"
IMAGE = '<img src=x onerror="fetch(\'//evil\')">'
LINK = "[click](javascript:alert(document.cookie))"
HEADING = "fine\n# Injected heading\n\n![beacon](http://127.0.0.1:9/b.png)"
FORMULA = "=HYPERLINK(\"http://evil\",\"x\")"


@pytest.mark.parametrize(("text", "shown"), [
    (SCRIPT, "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"),
    (LINK, "\\[click\\]\\(javascript&#58;alert\\(document.cookie\\)\\)"),
    ("a|b", "a\\|b"),
    ("x\r\n## y", "x \\#\\# y"),
    ("JavaScript :void(0)", "JavaScript&#58;void\\(0\\)"),
    ("plain words, $1,234.50 - ok", "plain words, $1,234.50 - ok"),
])
def test_markdown_text(text: str, shown: str) -> None:
    assert markdown_text(text) == shown


def test_code_fence_is_longer_than_any_backtick_run_inside() -> None:
    fenced = code_fence("a\n````\nb", "json")
    assert fenced.startswith("`````json\n") and fenced.endswith("\n`````")


@pytest.mark.parametrize(("value", "written"), [
    ("=1+2", "'=1+2"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("-2413.00", "-2413.00"), ("+5", "+5"), ("1e-3", "1e-3"), ("ok", "ok"), (3, 3),
])
def test_csv_cell(value: object, written: object) -> None:
    assert csv_cell(value) == written


@pytest.fixture(scope="module")
def hostile_document(tmp_path_factory: pytest.TempPathFactory):
    loaded = load_scenario(DEMO)
    store = ReviewStore(tmp_path_factory.mktemp("escaping") / "reviews.sqlite3")
    session = store.create_session(f"Q4 {SCRIPT}\n# {IMAGE}", loaded, FORMULA)
    measures = [m.id for m in loaded.catalog.measures]
    store.decide_measure(session.id, measures[0], "approve", f"@{LINK}", "2027-01-15", HEADING, FORMULA)
    store.decide_measure(session.id, measures[1], "defer", "=cmd|' /C calc'!A0", None, f"-{IMAGE}", "bob")
    store.decide_risk(session.id, "region-outage", "accept", "+cto", None, f"{SCRIPT}\n- list item", "bob")
    document, _, _ = document_for_session(loaded, store, session.id)
    return document


def test_markdown_export_keeps_every_user_string_as_text(hostile_document) -> None:
    markdown = to_markdown(hostile_document)
    for raw in ("<script", "<img", "](javascript:", "javascript:", "![beacon]"):
        assert raw not in markdown, raw
    assert "<" not in markdown.split("## Provenance")[0]  # no raw HTML tag at all
    headings = [line for line in markdown.splitlines() if line.startswith("#")]
    assert all(not re.search("Injected|img|script", line) for line in headings), headings
    assert not any(line.startswith("- list item") for line in markdown.splitlines())
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in markdown  # still readable, as text
    assert "fine \\# Injected heading \\!\\[beacon\\]" in markdown


def test_csv_export_prefixes_formula_cells(hostile_document) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(hostile_document))))
    cells = [value for row in rows for value in row.values() if value]
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))
                or (c.startswith("-") and not re.fullmatch(r"-[\d.]+", c))]
    owners = {row["owner"] for row in rows if row["section"] in ("plan", "declined", "risk_decisions")}
    assert {f"'@{LINK}", "'=cmd|' /C calc'!A0", "'+cto"} <= owners
    assert any(row["note"] == f"'-{IMAGE}" for row in rows)


def test_terminal_text_shows_control_characters() -> None:
    assert terminal_text("key \x1b[31mred\x1b[0m\rover\x07 \u202eevil") == \
        "key \\x1b[31mred\\x1b[0m\\x0dover\\x07 \\u202eevil"
    assert terminal_text("two\nlines\tand a tab") == "two\nlines\tand a tab"


def test_cli_error_with_an_ansi_escape_in_a_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text('catalog: c\nversion: "1"\nfailure_modes: []\nmeasures: []\n"\\e[2J\\e]0;pwned\\a": 1\n')
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "\\x1b[2J" in err
