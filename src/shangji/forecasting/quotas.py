"""Reading quotas for a period (the writes are services in forecasting.services)."""

from collections import defaultdict
from decimal import Decimal

from .models import Quota
from .periods import MONTHS_IN, Period


def quota_amounts(period: Period) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """(user id → quota, team id → quota) for `period`, in one query.

    A holder's quota is the one set for exactly this period; without one, the sum of the finer
    quotas set inside it (the quarters of a year, else the months of a quarter or year). A
    holder with none of these has no entry.
    """
    finer = [kind for kind, months in MONTHS_IN.items() if months <= MONTHS_IN[period.kind]]
    found: dict[tuple[str, int], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for quota in Quota.objects.filter(
        period_kind__in=finer, period_start__range=(period.start, period.end)
    ).only("period_kind", "user_id", "team_id", "amount"):
        holder = ("user", quota.user_id) if quota.user_id else ("team", quota.team_id)
        found[holder][quota.period_kind] += quota.amount
    users: dict[int, Decimal] = {}
    teams: dict[int, Decimal] = {}
    for (holder_kind, holder_id), by_kind in found.items():
        # The coarsest kind set wins: exactly this period, then quarters, then months.
        kind = max(by_kind, key=lambda name: MONTHS_IN[name])
        (users if holder_kind == "user" else teams)[holder_id] = by_kind[kind]
    return users, teams
