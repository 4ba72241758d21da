"""Reading quotas for a period (the writes are services in forecasting.services)."""

import datetime
from collections import defaultdict
from decimal import Decimal

from .models import Quota
from .periods import MONTHS_IN, Period, PeriodKind

# The next finer kind a period falls back to: a year to its quarters, a quarter to its months.
_FINER = {PeriodKind.YEAR: PeriodKind.QUARTER, PeriodKind.QUARTER: PeriodKind.MONTH}


def _amount(set_: dict[tuple[str, datetime.date], Decimal], period: Period) -> Decimal | None:
    """The quota set for `period`, else the sum over its parts (recursively); None if none."""
    exact = set_.get((period.kind, period.start))
    if exact is not None or period.kind not in _FINER:
        return exact
    parts = [_amount(set_, part) for part in period.parts(_FINER[period.kind])]
    present = [amount for amount in parts if amount is not None]
    return sum(present, Decimal("0.00")) if present else None


def quota_amounts(period: Period) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """(user id → quota, team id → quota) for `period`, in one query.

    A holder's quota is the one set for exactly this period; without one, the sum over its
    parts, each again its own quota or the sum of its parts: a year is its four quarters, a
    quarter its three months. So a year with Q1 and Q2 set and monthly quotas for October is
    Q1 + Q2 + October. A holder with none of these has no entry. (Quotas that do not line up
    with the fiscal quarters, after the fiscal year's first month was moved by other than a
    multiple of three, are not counted.)
    """
    finer = [kind for kind, months in MONTHS_IN.items() if months <= MONTHS_IN[period.kind]]
    found: dict[tuple[str, int], dict] = defaultdict(dict)
    for kind, start, user_id, team_id, amount in Quota.objects.filter(
        period_kind__in=finer, period_start__range=(period.start, period.end)
    ).values_list("period_kind", "period_start", "user_id", "team_id", "amount"):
        holder = ("user", user_id) if user_id else ("team", team_id)
        found[holder][(kind, start)] = amount
    users: dict[int, Decimal] = {}
    teams: dict[int, Decimal] = {}
    for (holder_kind, holder_id), set_ in found.items():
        amount = _amount(set_, period)
        if amount is not None:
            (users if holder_kind == "user" else teams)[holder_id] = amount
    return users, teams
