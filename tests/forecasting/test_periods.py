"""Fiscal periods: keys, boundaries, neighbours and parts, with calendar and April fiscal years."""

import datetime

import pytest

from shangji.forecasting.periods import PeriodKind, period_of, period_parse

D = datetime.date


@pytest.mark.parametrize(
    ("kind", "day", "fiscal_start", "key", "start", "end"),
    [
        ("month", D(2026, 2, 14), 1, "2026-02", D(2026, 2, 1), D(2026, 2, 28)),
        ("quarter", D(2026, 11, 26), 1, "FY2026-Q4", D(2026, 10, 1), D(2026, 12, 31)),
        ("year", D(2026, 11, 26), 1, "FY2026", D(2026, 1, 1), D(2026, 12, 31)),
        ("quarter", D(2026, 11, 26), 4, "FY2026-Q3", D(2026, 10, 1), D(2026, 12, 31)),
        ("quarter", D(2027, 2, 1), 4, "FY2026-Q4", D(2027, 1, 1), D(2027, 3, 31)),
        ("year", D(2027, 2, 1), 4, "FY2026", D(2026, 4, 1), D(2027, 3, 31)),
        ("quarter", D(2026, 2, 1), 2, "FY2026-Q1", D(2026, 2, 1), D(2026, 4, 30)),
        ("year", D(2026, 1, 31), 2, "FY2025", D(2025, 2, 1), D(2026, 1, 31)),
    ],
)
def test_period_of_and_parse_agree(kind, day, fiscal_start, key, start, end):
    period = period_of(kind, day, fiscal_start)
    assert (period.key, period.start, period.end) == (key, start, end)
    assert period_parse(key, fiscal_start) == period
    assert period.contains(day)


def test_neighbours_and_parts():
    quarter = period_parse("FY2026-Q4")
    assert quarter.following().key == "FY2027-Q1"
    assert quarter.preceding().key == "FY2026-Q3"
    assert [month.key for month in quarter.parts(PeriodKind.MONTH)] == [
        "2026-10",
        "2026-11",
        "2026-12",
    ]
    year = period_parse("FY2026", 4)
    assert [q.key for q in year.parts(PeriodKind.QUARTER)] == [
        "FY2026-Q1",
        "FY2026-Q2",
        "FY2026-Q3",
        "FY2026-Q4",
    ]
    assert period_parse("2024-02").end == D(2024, 2, 29)


@pytest.mark.parametrize("key", ["", "2026", "2026-13", "FY26", "FY2026-Q5", "Q3", "2026-1"])
def test_bad_keys_are_refused(key):
    with pytest.raises(ValueError):
        period_parse(key)


def test_labels_in_both_languages():
    from django.utils import translation

    with translation.override("en"):
        assert period_parse("FY2026-Q3").label == "FY2026 Q3"
        assert period_parse("2026-11").label == "November 2026"
