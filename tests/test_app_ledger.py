"""The accepted-risk ledger in the app (AppTest on the demo): accept a risk with a ceiling on the
Review page, raise its frequency past the ceiling through the register's edit form, and see
the acceptance reopened at the top of the Review page, on the Overview, in ``ledger`` and in ``check``.
"""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest
from test_app import DEMO, ROOT, review_db  # noqa: F401 - review_db is a fixture used by name

from riskmodel.cli.main import main
from riskmodel.report.analysis import analyse
from riskmodel.report.formatting import money_per_year
from riskmodel.review.ledger import RiskMeter
from riskmodel.review.store import ReviewStore
from riskmodel.sources.scenario import load_scenario

MODE = "node-readonly-filesystem"


def page(app: AppTest, name: str) -> AppTest:
    app.switch_page(str(ROOT / "app_pages" / f"{name}.py")).run()
    assert not app.exception, app.exception
    return app


def test_an_edit_past_the_ceiling_reopens_the_acceptance(review_db, capsys):  # noqa: F811
    eal = RiskMeter(analyse(load_scenario(DEMO)).model).measure(MODE, None, "eal_per_year").value
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.session_state["reviewer"] = "alice"
    app.run()
    page(app, "review")
    app.button(key="start_session").click().run()
    app.selectbox(key="accept_mode").set_value(MODE)
    app.text_input(key="accept_owner").set_value("storage-team")
    app.text_input(key="accept_reason").set_value("the remount is scripted; a fix waits for the new AMI")
    app.radio(key="accept_kind").set_value("eal_per_year")
    app.number_input(key="accept_ceiling").set_value(round(eal * 1.5))
    app.button(key="accept_submit").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any(f"Accepted: {MODE}" in t.value for t in app.toast)
    ledger = next(d.value for d in app.dataframe if "Ceiling" in d.value.columns)
    assert list(ledger["Status"]) == ["holds"] and list(ledger["Owner"]) == ["storage-team"]
    assert list(ledger["Ceiling"]) == [money_per_year(round(eal * 1.5))]

    page(app, "register")  # three to twelve times the rate: the EAL goes far past 1.5× its value
    app.selectbox(key="edit_target").set_value(MODE)
    app.radio(key="edit_shape").set_value("90% interval").run()
    app.number_input(key="edit_low").set_value(0.2)
    app.number_input(key="edit_high").set_value(1.0)
    app.text_input(key="edit_why").set_value("three remounts this quarter")
    app.button(key="edit_record").click().run()
    assert not app.error

    page(app, "review")
    banner = app.error[0].value
    assert banner.startswith("Reopened acceptances (1)") and MODE in banner and "over its ceiling" in banner
    ledger = next(d.value for d in app.dataframe if "Ceiling" in d.value.columns)
    assert list(ledger["Status"]) == ["REOPENED"]
    page(app, "overview")
    assert app.error[0].value.startswith("Reopened acceptances (1)")

    (summary,) = ReviewStore(review_db).list_sessions()
    assert main(["ledger", str(DEMO), "--session", summary.session.id, "--db", str(review_db)]) == 1
    assert "REOPENED" in capsys.readouterr().out
    # The CI gate lists it too: rule accepted-risk fails (the demo's own budget rule fails as well;
    # the SARIF result for this acceptance is what is asserted).
    argv = ["check", str(DEMO), "--session", summary.session.id, "--db", str(review_db), "--format", "sarif"]
    assert main(argv) == 1
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    (reopened,) = [r for r in results if r["ruleId"] == "accepted-risk"]
    assert MODE in reopened["message"]["text"] and "storage-team" in reopened["message"]["text"]
