"""Forecast periods: months, fiscal quarters and fiscal years.

A fiscal year is named after the calendar year it starts in: with a fiscal year starting in
April, FY2026 runs from 2026-04-01 to 2027-03-31 and its Q1 is April to June. With the
default (January) fiscal years are calendar years.

Keys name a period in URLs, the API and the CLI: `2026-11` (a month), `FY2026-Q3` (a fiscal
quarter), `FY2026` (a fiscal year).
"""

import datetime
import re
from dataclasses import dataclass

from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}
_KEY = re.compile(
    r"^(?:(?P<year>\d{4})-(?P<month>\d{2})|FY(?P<fy>\d{4})(?:-Q(?P<quarter>[1-4]))?)$"
)


class PeriodKind(models.TextChoices):
    MONTH = "month", gettext_lazy("Month")
    QUARTER = "quarter", gettext_lazy("Quarter")
    YEAR = "year", gettext_lazy("Year")


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A month, fiscal quarter or fiscal year: [start, end] inclusive, dates."""

    kind: str
    start: datetime.date
    fiscal_start_month: int = 1

    @property
    def end(self) -> datetime.date:
        return self.following().start - datetime.timedelta(days=1)

    @property
    def fiscal_year(self) -> int:
        return (
            self.start.year if self.start.month >= self.fiscal_start_month else self.start.year - 1
        )

    @property
    def quarter(self) -> int:
        return (self.start.month - self.fiscal_start_month) % 12 // 3 + 1

    @property
    def key(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"FY{self.fiscal_year}-Q{self.quarter}"
        return f"FY{self.fiscal_year}"

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return date_format(self.start, "YEAR_MONTH_FORMAT")
        if self.kind == PeriodKind.QUARTER:
            return _("FY%(year)s Q%(quarter)s") % {
                "year": self.fiscal_year,
                "quarter": self.quarter,
            }
        return _("FY%(year)s") % {"year": self.fiscal_year}

    def __str__(self) -> str:
        return self.key

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def following(self) -> "Period":
        return Period(
            self.kind, _add_months(self.start, MONTHS_IN[self.kind]), self.fiscal_start_month
        )

    def preceding(self) -> "Period":
        return Period(
            self.kind, _add_months(self.start, -MONTHS_IN[self.kind]), self.fiscal_start_month
        )

    def parts(self, kind: str) -> list["Period"]:
        """The periods of `kind` (finer or equal) that make up this one, in order."""
        step = MONTHS_IN[kind]
        return [
            Period(kind, _add_months(self.start, offset), self.fiscal_start_month)
            for offset in range(0, MONTHS_IN[self.kind], step)
        ]


def period_of(kind: str, day: datetime.date, fiscal_start_month: int = 1) -> Period:
    """The period of `kind` that contains `day`."""
    if kind not in MONTHS_IN:
        raise ValueError(kind)
    months_into_year = (day.month - fiscal_start_month) % 12
    into_period = months_into_year % MONTHS_IN[kind]
    return Period(kind, _add_months(day.replace(day=1), -into_period), fiscal_start_month)


def period_parse(key: str, fiscal_start_month: int = 1) -> Period:
    """The period a key names (`2026-11`, `FY2026-Q3`, `FY2026`); ValueError if none."""
    match = _KEY.match((key or "").strip().upper())
    if not match:
        raise ValueError(key)
    if match["year"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise ValueError(key)
        return Period(
            PeriodKind.MONTH, datetime.date(int(match["year"]), month, 1), fiscal_start_month
        )
    year_start = datetime.date(int(match["fy"]), fiscal_start_month, 1)
    if match["quarter"]:
        start = _add_months(year_start, 3 * (int(match["quarter"]) - 1))
        return Period(PeriodKind.QUARTER, start, fiscal_start_month)
    return Period(PeriodKind.YEAR, year_start, fiscal_start_month)
