"""/dashboard: the dashboard page's blocks as JSON, from the page's own selector."""

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema

from shangji.forecasting.dashboard import dashboard_build, dashboard_view_for
from shangji.forecasting.forms import PeriodForm

from .errors import READ_ERRORS
from .forecast import (
    PERIOD_HELP,
    ForecastOut,
    ForecastRowOut,
    PeriodParam,
    forecast_data,
    forecast_row_data,
)
from .reports import ReportOut, report_data
from .schemas import DecimalString, ValidationErrorOut

router = Router(tags=["forecast"])


class DashboardQuery(Schema):
    period: PeriodParam = Field(None, description=PERIOD_HELP)
    view: str | None = Field(
        None, description="company (the default for managers and up) or mine; reps get mine."
    )


class HealthOut(Schema):
    flag: str
    label: str
    count: int
    amount: DecimalString
    url: str = Field(description="The opportunity list showing these deals.")


class DealOut(Schema):
    id: int
    name: str
    account: str | None
    stage: str
    amount_base: DecimalString
    close_date: str
    owner: int
    flags: list[str] = Field(description="The deal's health flags.")


class DashboardOut(Schema):
    view: str
    headline: ForecastRowOut | None = Field(
        description="The figures of the tiles: the company total, a manager's team, or mine."
    )
    forecast: ForecastOut
    open_count: int
    health: list[HealthOut]
    deals: list[DealOut] = Field(
        description="Top open deals by amount (company), or my flagged deals (mine)."
    )
    leaderboard: ReportOut | None
    pipeline: ReportOut | None = Field(description="My pipeline by stage (mine).")


FLAG_FIELDS = (
    "is_stale",
    "close_date_passed",
    "slipped_twice",
    "no_next_step",
    "no_decision_maker",
)


def _deal(opportunity) -> dict:
    return {
        "id": opportunity.pk,
        "name": opportunity.name,
        "account": opportunity.account.name if opportunity.account else None,
        "stage": opportunity.stage.label,
        "amount_base": opportunity.amount_base,
        "close_date": opportunity.close_date.isoformat(),
        "owner": opportunity.owner_id,
        "flags": [name for name in FLAG_FIELDS if getattr(opportunity, name)],
    }


@router.get(
    "/dashboard",
    response={200: DashboardOut, 400: ValidationErrorOut, **READ_ERRORS},
    summary="The dashboard",
    description="The executive's dashboard (forecast against quota per team, pipeline health, "
    "top deals, leaderboard) or the rep's (my forecast, my pipeline, my flags), as on the "
    "dashboard page, for a period (the current fiscal quarter by default).",
)
def get_dashboard(request, filters: Query[DashboardQuery]):
    form = PeriodForm(request.GET, user=request.auth)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    view = dashboard_view_for(request.auth, filters.view or "")
    dashboard = dashboard_build(user=request.auth, period=form.cleaned_data["period"], view=view)
    return {
        "view": dashboard.view,
        "headline": forecast_row_data(dashboard.headline),
        "forecast": forecast_data(dashboard.forecast),
        "open_count": dashboard.open_count,
        "health": [vars(line) for line in dashboard.health],
        "deals": [_deal(deal) for deal in dashboard.deals],
        "leaderboard": report_data("leaderboard", dashboard.leaderboard),
        "pipeline": report_data("pipeline-by-stage", dashboard.pipeline),
    }
