"""The dashboards: the executive's (forecast against quota, pipeline health, top deals,
leaderboard) and the rep's (my pipeline, my forecast, my flags).

Each block is one of the selectors the other pages use (forecast_build, health_summary, the
report registry), so a dashboard figure always equals the page it links to. Managers get the
executive's dashboard over their teams (visibility narrows every block).
"""

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse

from shangji.opportunities.health import FLAG_CHOICES, health_summary
from shangji.opportunities.models import Opportunity
from shangji.users.choices import Role

from .forecast import Forecast, ForecastRow, forecast_build
from .periods import Period
from .reports.base import Report, to_cents
from .selectors import REPORTS, report_get

TOP_DEALS = 10
FLAGGED_DEALS = 20


@dataclass
class HealthLine:
    """One health flag: how many open deals have it, their amount and the list showing them."""

    flag: str
    label: str
    count: int
    amount: Decimal
    url: str


@dataclass
class Dashboard:
    """What a dashboard shows; blocks a view does not have stay empty."""

    view: str  # "company" or "mine"
    period: Period
    forecast: Forecast
    headline: ForecastRow | None
    open_count: int
    health: list[HealthLine]
    deals: list[Opportunity]
    leaderboard: Report | None
    pipeline: Report | None


def _list_url(**params) -> str:
    return f"{reverse('opportunities:opportunity_list')}?{urlencode(params, doseq=True)}"


def _health(queryset, owner_params: dict) -> tuple[int, list[HealthLine]]:
    summary = health_summary(queryset)
    lines = [
        HealthLine(
            flag,
            str(label),
            summary[flag]["count"],
            to_cents(summary[flag]["amount"]),
            _list_url(health=flag, status="open", **owner_params),
        )
        for flag, label in FLAG_CHOICES
    ]
    return summary["open"]["count"], lines


def _headline(forecast: Forecast, user) -> ForecastRow | None:
    """The row the tiles show: the company total, a manager's only team, or the user's own."""
    if forecast.total is not None:
        return forecast.total
    totals = [group.total for group in forecast.groups if group.total]
    if len(totals) == 1:
        return totals[0]
    own = [row for row in forecast.rows if row.kind == "rep" and row.user == user]
    return own[0] if own else None


def dashboard_view_for(user, requested: str = "") -> str:
    """Reps always get their own dashboard; the others the company one unless they ask."""
    if user.role == Role.REP and not user.reads_everything:
        return "mine"
    return "mine" if requested == "mine" else "company"


def dashboard_build(*, user, period: Period, view: str) -> Dashboard:
    """The dashboard of `view` for `user` over `period` (close dates in the period)."""
    mine = view == "mine"
    forecast = forecast_build(user=user, period=period, owner=user if mine else None)
    deals = Opportunity.objects.visible_to(user)
    owner_params = {}
    if mine:
        deals = deals.filter(owner=user)
        owner_params = {"owner": user.pk}
    open_count, health = _health(deals, owner_params)
    board = deals.open().with_list_relations().with_health()
    if mine:
        top = board.filter(health_flag_count__gt=0).order_by("close_date", "id")[:FLAGGED_DEALS]
    else:
        top = board.order_by("-amount_base", "id")[:TOP_DEALS]
    dates = {"close_date_from": period.start.isoformat(), "close_date_to": period.end.isoformat()}
    leaderboard = pipeline = None
    if mine:
        _filters, pipeline = report_get(
            spec=REPORTS["pipeline-by-stage"], user=user, params={"owner": [str(user.pk)]}
        )
    else:
        _filters, leaderboard = report_get(spec=REPORTS["leaderboard"], user=user, params=dates)
    return Dashboard(
        view=view,
        period=period,
        forecast=forecast,
        headline=_headline(forecast, user) if not mine else (forecast.rows or [None])[0],
        open_count=open_count,
        health=health,
        deals=list(top),
        leaderboard=leaderboard,
        pipeline=pipeline,
    )
