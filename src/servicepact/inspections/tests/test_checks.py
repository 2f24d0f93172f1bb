"""Pass/fail per checklist item kind, what cannot be judged, and the desk's checklist lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from servicepact.core.errors import DomainValidationError
from servicepact.inspections.checks import (
    Expectation,
    check_expectation,
    describe,
    judge,
    parse_checklist,
    shown,
)

RANGE = Expectation(kind="number", min_value=Decimal("18"), max_value=Decimal("27"), unit="°C")


@pytest.mark.parametrize(
    ("value", "stored", "passed"),
    [
        ("18", "18", True),  # bounds are inclusive
        ("27", "27", True),
        ("22.5", "22.5", True),
        ("22,5", "22.5", True),  # a decimal comma is read as a point
        ("17.99", "17.99", False),
        ("27.01", "27.01", False),
        ("-3", "-3", False),
    ],
)
def test_number_passes_inside_the_inclusive_range(value, stored, passed):
    assert judge(RANGE, value) == (stored, passed)


def test_number_with_one_bound_is_open_on_the_other_side():
    at_least = Expectation(kind="number", min_value=Decimal("90"))
    assert judge(at_least, "1000") == ("1000", True)
    assert judge(at_least, "89") == ("89", False)


@pytest.mark.parametrize("value", ["warm", "NaN", "Infinity", "", "   "])
def test_a_number_item_refuses_what_is_not_a_number(value):
    """A typing slip is a field error, never a failed item (no ticket)."""
    with pytest.raises(DomainValidationError) as caught:
        judge(RANGE, value, "results[0].value")
    assert list(caught.value.errors) == ["results[0].value"]


@pytest.mark.parametrize(
    ("value", "stored", "passed"),
    [
        ("yes", "yes", True),
        ("Y", "yes", True),
        ("是", "yes", True),
        ("no", "no", False),
        ("0", "no", False),
    ],
)
def test_yes_no_passes_on_the_expected_answer(value, stored, passed):
    assert judge(Expectation(kind="yesno", expected_yes=True), value) == (stored, passed)


def test_yes_no_expecting_no():
    expect_no = Expectation(kind="yesno", expected_yes=False)
    assert judge(expect_no, "no") == ("no", True)
    assert judge(expect_no, "yes") == ("yes", False)
    with pytest.raises(DomainValidationError):
        judge(expect_no, "maybe")


def test_text_compares_ignoring_case_and_spaces_or_accepts_any_reading():
    firmware = Expectation(kind="text", expected_text="2.4.1a")
    assert judge(firmware, " 2.4.1A ") == ("2.4.1A", True)
    assert judge(firmware, "2.4.0") == ("2.4.0", False)
    reading = Expectation(kind="text")
    assert judge(reading, "rack B4") == ("rack B4", True)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (Expectation(kind="number"), "a minimum or a maximum"),
        (
            Expectation(kind="number", min_value=Decimal("5"), max_value=Decimal("1")),
            "minimum is above the maximum",
        ),
        (Expectation(kind="yesno"), "expected answer"),
        (Expectation(kind="colour"), "kind must be one of"),
    ],
)
def test_an_expectation_that_cannot_judge_is_refused(spec, message):
    with pytest.raises(DomainValidationError) as caught:
        check_expectation(spec, "items[0]")
    assert message in caught.value.errors["items[0]"][0]


def test_describe():
    assert describe(RANGE) == "18 – 27 °C"
    assert describe(Expectation(kind="number", max_value=Decimal("0.50"))) == "≤ 0.5"
    assert describe(Expectation(kind="yesno", expected_yes=False)) == "no"
    assert describe(Expectation(kind="text")) == "any value"


def test_a_yes_no_answer_is_shown_in_the_readers_language_and_nothing_else_is():
    """Stored "yes"/"no" (``judge``) reads 是/否 in Chinese; a text or number value that
    happens to be "yes" is the engineer's own words and stays as found."""
    with translation.override("zh-hans"):
        assert shown("yesno", "yes") == "是"
        assert shown("yesno", "no") == "否"
        assert shown("text", "yes") == "yes"
        assert shown("number", "22.5") == "22.5"
    assert shown("yesno", "yes") == "yes"


def test_checklist_lines():
    specs = parse_checklist(
        "number | Inlet temperature | 18..27 | °C\n\nyesno | Fans spin | yes\ntext | Cabling labelled"
    )
    assert [(s.label, s.expectation) for s in specs] == [
        ("Inlet temperature", RANGE),
        ("Fans spin", Expectation(kind="yesno", expected_yes=True)),
        ("Cabling labelled", Expectation(kind="text")),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("number | Temp | 18-27", "line 1: a range is min..max"),
        ("text | ok\nyesno | Fans | perhaps", "line 2: a yes/no item needs the expected answer"),
        ("gauge | Temp | 1..2", "line 1: write kind | label | expected"),
        ("number | Temp | ..", "line 1: a number item needs a minimum or a maximum"),
    ],
)
def test_bad_checklist_lines_name_the_line(text, message):
    with pytest.raises(DomainValidationError) as caught:
        parse_checklist(text)
    assert caught.value.errors["checklist"] == [message]
