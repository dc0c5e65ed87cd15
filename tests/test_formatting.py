"""The one number style: every case the issue names, written out by hand."""

from __future__ import annotations

import pytest

from riskmodel.report.formatting import (
    change_text,
    edited_marker,
    minutes,
    money,
    number,
    percent,
    roi,
    signed_money,
    slo,
    value_text,
)
from riskmodel.review.edits import EDITABLE_FIELDS, Edit
from riskmodel.review.fields import field_meaning


@pytest.mark.parametrize(("value", "text"), [
    (155049.0, "$155,049"), (1_420_231.75, "$1,420,232"), (-1500.0, "-$1,500"), (42.5, "$42.50"), (12.0, "$12"),
    (99.996, "$100"), (0.004, "$0"), (-0.3, "-$0.30"), (-0.001, "$0"), (0.0, "$0"), (float("nan"), "—"),
])
def test_money_has_separators_and_no_cents_above_100(value, text):
    assert money(value) == text


@pytest.mark.parametrize(("value", "text"), [(1200.0, "+$1,200"), (-1200.0, "-$1,200"), (-0.0001, "$0"),
                                             (0.0, "$0")])
def test_signed_money_never_shows_minus_zero(value, text):
    assert signed_money(value) == text


@pytest.mark.parametrize(("fraction", "text"), [
    (0.00005, "0.005%"), (0.25, "25%"), (0.042, "4.2%"), (7.116842, "712%"), (0.0, "0%"), (0.0123456, "1.2%"),
    (0.001234, "0.12%"),
])
def test_probabilities_and_shares_in_percent(fraction, text):
    assert percent(fraction) == text


@pytest.mark.parametrize(("fraction", "text"), [(0.9995, "99.95%"), (0.999, "99.9%"), (0.99, "99%"),
                                                (0.99999, "99.999%")])
def test_slo_in_percent_with_its_digits(fraction, text):
    assert slo(fraction) == text


def test_roi_as_a_multiple_and_free_measures():
    assert (roi(172.83), roi(None), roi(0.0)) == ("172.8×", "free", "0.0×")


def test_minutes_to_one_decimal_and_rates_to_three_digits():
    assert (minutes(1870.306176), minutes(4.04)) == ("1,870.3", "4.0")
    assert (number(5.260964), number(0.0404), number(29.3333), number(0.0001)) == ("5.26", "0.0404", "29.3", "0.0001")


@pytest.mark.parametrize(("kind", "field", "scope", "old", "new", "text"), [
    ("failure_mode", "frequency_per_year", "node", {"low": 0.01, "high": 0.08}, 2.0,
     "0.01–0.08 /node/yr → 2 /node/yr"),
    ("failure_mode", "detect_minutes", None, 5.0, 2.5, "5 min → 2.5 min"),
    ("service", "cost_per_hour", None, 36_000.0, 72_000.0, "$36,000/h → $72,000/h"),
    ("service", "slo", None, 0.9995, 0.999, "99.95% → 99.9%"),
    ("measure", "effect.frequency_factor", None, 0.5, 0.25, "×0.5 → ×0.25"),
    ("failure_mode", "incident_cost", None, None, 5000.0, "unset → $5,000"),
    ("measure", "cost.per_year", None, 1000.0, 1500.0, "$1,000/yr → $1,500/yr"),
])
def test_edits_read_as_people_write_numbers(kind, field, scope, old, new, text):
    assert change_text(old, new, field_meaning(kind, field, scope)) == text


def test_every_editable_field_has_a_unit_and_a_meaning():
    for kind, fields in EDITABLE_FIELDS.items():
        for field in fields:
            meaning = field_meaning(kind, field, "zone")
            assert meaning.unit and len(meaning.meaning) > 10, (kind, field)
            assert value_text(1.0, meaning)


def test_edited_marker_shows_the_value_now_and_the_original():
    edits = [Edit("failure_mode", "zone-outage", "frequency_per_year", {"low": 0.08, "high": 0.5}, 0.3, "a"),
             Edit("failure_mode", "zone-outage", "frequency_per_year", 0.3, 0.1, "b")]
    assert edited_marker(edits, "failure_mode", "zone-outage", "zone") == \
        "✎ frequency_per_year 0.1 /zone/yr (was 0.08–0.5 /zone/yr)"
