"""Reading cells: numbers and dates in Chinese and English conventions, text, header keys."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from shangji.imports.values import (
    BadValue,
    as_text,
    key,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_int,
)


@pytest.mark.parametrize(
    ("text", "mark", "expected"),
    [
        ("1234.56", ".", "1234.56"),
        ("1,234.56", ".", "1234.56"),
        ("1 234.56", ".", "1234.56"),
        ("1,234,567", ".", "1234567"),
        ("¥1,234.50", ".", "1234.50"),
        ("￥ 1,234.50", ".", "1234.50"),  # full-width yen sign
        ("$ 99", ".", "99"),
        ("US$1,000", ".", "1000"),
        ("1000元", ".", "1000"),
        ("CNY 2,500.00", ".", "2500.00"),
        ("12万", ".", "120000"),
        ("1.5万", ".", "15000.0"),
        ("3亿", ".", "300000000"),
        ("１２３４", ".", "1234"),  # full-width digits
        ("-5", ".", "-5"),
        ("(1,000)", ".", "-1000"),
        ("1.234,56", ",", "1234.56"),
        ("1234,56", ",", "1234.56"),
        ("1 234,56", ",", "1234.56"),
        ("€ 1.000", ",", "1000"),
        (1234, ".", "1234"),
        (1234.5, ".", "1234.5"),  # a spreadsheet number
    ],
)
def test_numbers_read_in_either_convention(text, mark, expected):
    assert parse_decimal(text, mark) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "mark", "reason"),
    [
        ("1.234,56", ".", "is not a number written with a decimal point (1,234.56)"),
        ("1,5", ".", "is not a number written with a decimal point"),
        ("1,234.56", ",", "is not a number written with a decimal comma (1.234,56)"),
        ("12,34,56", ".", "is not a number written with a decimal point"),
        ("abc", ".", "“abc” is not a number."),
        ("12 apples", ".", "“12 apples” is not a number."),
        ("", ".", "is not a number."),
    ],
)
def test_bad_numbers_say_why(text, mark, reason):
    with pytest.raises(BadValue) as caught:
        parse_decimal(text, mark)
    assert reason in caught.value.message


def test_whole_numbers_and_percentages():
    assert parse_int("80%", percent=True) == 80
    assert parse_int("1,200") == 1200
    with pytest.raises(BadValue, match="is not a whole number"):
        parse_int("12.5")
    with pytest.raises(BadValue):
        parse_int("80%")  # % only where a percentage is expected


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2026-03-01", "mdy", (2026, 3, 1)),
        ("2026/3/1", "mdy", (2026, 3, 1)),
        ("2026.3.1", "dmy", (2026, 3, 1)),
        ("2026年3月1日", "mdy", (2026, 3, 1)),
        ("2026 年 3 月 1 日", "mdy", (2026, 3, 1)),
        ("20260301", "mdy", (2026, 3, 1)),
        ("03/01/2026", "mdy", (2026, 3, 1)),
        ("03/01/2026", "dmy", (2026, 1, 3)),
        ("1.3.2026", "dmy", (2026, 3, 1)),
        ("3-1-26", "mdy", (2026, 3, 1)),
        ("2026-03-01 14:30", "mdy", (2026, 3, 1)),
        ("2026-03-01T14:30:00Z", "mdy", (2026, 3, 1)),
        (datetime.datetime(2026, 3, 1, 9, 0), "mdy", (2026, 3, 1)),  # an XLSX date cell
    ],
)
def test_dates_in_chinese_iso_and_either_slash_order(text, order, expected):
    assert parse_date(text, order) == datetime.date(*expected)


@pytest.mark.parametrize(
    ("text", "order", "reason"),
    [
        ("2026-02-30", "mdy", "“2026-02-30” is not a date."),
        ("13/01/2026", "mdy", "is not a date in month/day/year order; if the day comes first"),
        ("01/13/2026", "dmy", "is not a date in day/month/year order; if the month comes first"),
        ("next Tuesday", "mdy", "“next Tuesday” is not a date."),
        ("2026年13月1日", "mdy", "is not a date."),
    ],
)
def test_bad_dates_say_why(text, order, reason):
    with pytest.raises(BadValue) as caught:
        parse_date(text, order)
    assert reason in caught.value.message


def test_bad_date_reasons_in_chinese():
    with translation.override("zh-hans"), pytest.raises(BadValue) as caught:
        parse_date("2026-02-30")
    assert "2026-02-30" in caught.value.message


def test_times_are_read_in_the_users_zone_unless_they_carry_one():
    with timezone.override(zoneinfo.ZoneInfo("Asia/Shanghai")):
        local = parse_datetime("2026-03-01 14:30")
        utc = parse_datetime("2026-03-01T14:30:00Z")
        offset = parse_datetime("2026/3/1 14:30:00+0100")
        midnight = parse_datetime("2026年3月1日")
    assert local == datetime.datetime(2026, 3, 1, 6, 30, tzinfo=datetime.UTC)
    assert utc == datetime.datetime(2026, 3, 1, 14, 30, tzinfo=datetime.UTC)
    assert offset == datetime.datetime(2026, 3, 1, 13, 30, tzinfo=datetime.UTC)
    assert midnight == datetime.datetime(2026, 2, 28, 16, 0, tzinfo=datetime.UTC)
    with pytest.raises(BadValue, match="is not a date and time"):
        parse_datetime("2026-03-01 25:00")


def test_text_undoes_the_formula_guard_and_reads_spreadsheet_numbers():
    assert as_text("'=SUM(A1)") == "=SUM(A1)"
    assert as_text("'-5%") == "-5%"
    assert as_text("'quoted") == "'quoted"
    assert as_text(13800138000.0) == "13800138000"
    assert as_text(None) == ""


def test_keys_ignore_case_spaces_and_punctuation():
    assert key("Probability (%)") == key("probability") == "probability"
    assert key("Account.Name") == key("account name") == "accountname"
    assert key(" 预计成交日期 ") == "预计成交日期"
