"""/forecast and /quotas: the forecast page's table and the quota grid as JSON.

Thin on purpose: the query string goes to the page's own form and selector
(forecasting.forecast.forecast_get), and quotas are written by the page's own service
(forecasting.services.quotas_save), so every figure and every rule is the page's.
"""

from typing import Annotated

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import WithJsonSchema

from shangji.forecasting.forecast import (
    Forecast,
    ForecastRow,
    QuotaSection,
    forecast_get,
    quota_grid,
)
from shangji.forecasting.forms import PeriodForm
from shangji.forecasting.periods import Period
from shangji.forecasting.services import quotas_save

from .errors import READ_ERRORS, WRITE_ERRORS
from .schemas import DecimalString, InputSchema, MessageOut, ValidationErrorOut

router = Router(tags=["forecast"])

# Parameters arrive as text and are validated by the page's form: an invalid one is a 400
# with field errors, as on the page.
PeriodParam = Annotated[
    str | None,
    WithJsonSchema({"type": "string", "examples": ["FY2026-Q4", "2026-11", "FY2026"]}),
]
IdParam = Annotated[str | None, WithJsonSchema({"type": "integer"})]
# A quota amount as typed: checked by the quota service (400 per quota when it is not one).
AmountInput = Annotated[
    str | int | float | None,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "decimal"},
                {"type": "number"},
                {"type": "null"},
            ],
            "examples": ["250000.00"],
        }
    ),
]
PERIOD_HELP = (
    "A month (2026-11), a fiscal quarter (FY2026-Q3) or a fiscal year (FY2026); the current "
    "fiscal quarter in the caller's time zone if omitted."
)


class ForecastQuery(Schema):
    period: PeriodParam = Field(None, description=PERIOD_HELP)
    team: IdParam = Field(None, description="Team id: only this team's rows and roll-up.")
    owner: IdParam = Field(None, description="User id: only this owner's row.")


class PeriodOut(Schema):
    key: str
    kind: str = Field(description="month, quarter or year.")
    label: str
    start: str
    end: str


class ForecastRowOut(Schema):
    kind: str = Field(description="rep, team (a roll-up) or company.")
    label: str
    user: int | None
    team: int | None
    quota: DecimalString | None = Field(description="Null when none is set.")
    closed_won: DecimalString
    commit: DecimalString
    best_case: DecimalString
    pipeline: DecimalString
    weighted: DecimalString
    open_pipeline: DecimalString = Field(description="Commit + best case + pipeline.")
    attainment: DecimalString | None = Field(description="Closed won ÷ quota, percent.")
    coverage: DecimalString | None = Field(
        description="Open pipeline ÷ (quota − closed won); null when nothing remains."
    )
    gap: DecimalString | None = Field(description="Quota − closed won − commit.")
    links: dict[str, str | None] = Field(
        description="Per figure, the opportunity list showing its deals."
    )


class TeamGroupOut(Schema):
    team: int | None = Field(description="Null for the people in no team.")
    team_name: str | None
    rows: list[ForecastRowOut]
    total: ForecastRowOut | None = Field(description="The roll-up, if the caller sees it.")


class MonthOut(Schema):
    period: PeriodOut
    closed_won: DecimalString
    open_pipeline: DecimalString
    weighted: DecimalString
    links: dict[str, str | None]


class ForecastOut(Schema):
    period: PeriodOut
    currency: str
    groups: list[TeamGroupOut]
    total: ForecastRowOut | None = Field(description="The company, for executives and admins.")
    months: list[MonthOut]


def _period(period: Period) -> dict:
    return {
        "key": period.key,
        "kind": period.kind,
        "label": period.label,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }


def forecast_row_data(row: ForecastRow | None) -> dict | None:
    if row is None:
        return None
    figures = row.figures
    return {
        "kind": row.kind,
        "label": str(row.label),
        "user": row.user.pk if row.user else None,
        "team": row.team.pk if row.team else None,
        "quota": row.quota,
        "closed_won": figures.closed_won,
        "commit": figures.commit,
        "best_case": figures.best_case,
        "pipeline": figures.pipeline,
        "weighted": figures.weighted,
        "open_pipeline": figures.open_pipeline,
        "attainment": row.attainment,
        "coverage": row.coverage,
        "gap": row.gap,
        "links": row.links,
    }


def forecast_data(forecast: Forecast) -> dict:
    """The forecast as the API answers it."""
    return {
        "period": _period(forecast.period),
        "currency": settings.BASE_CURRENCY,
        "groups": [
            {
                "team": group.team.pk if group.team else None,
                "team_name": group.team.name if group.team else None,
                "rows": [forecast_row_data(row) for row in group.rows],
                "total": forecast_row_data(group.total),
            }
            for group in forecast.groups
        ],
        "total": forecast_row_data(forecast.total),
        "months": [
            {
                "period": _period(month.period),
                "closed_won": month.closed_won,
                "open_pipeline": month.open_pipeline,
                "weighted": month.weighted,
                "links": month.links,
            }
            for month in forecast.months
        ],
    }


@router.get(
    "/forecast",
    response={200: ForecastOut, 400: ValidationErrorOut, **READ_ERRORS},
    summary="The forecast of a period",
    description="Per rep, grouped by team with each team's roll-up, and the company total: "
    "quota, closed won, commit, best case, pipeline, weighted pipeline, attainment, coverage "
    "and gap, in the base currency; and per month of the period the closed won, open and "
    "weighted pipeline. Reps get their own row, managers their teams, executives and "
    "administrators everything (as on the forecast page).",
)
def get_forecast(request, filters: Query[ForecastQuery]):
    form, forecast = forecast_get(user=request.auth, params=request.GET)
    if forecast is None:
        raise ValidationError(form.errors.as_data())
    return forecast_data(forecast)


# Quotas ----------------------------------------------------------------------------------------


class QuotaQuery(Schema):
    period: PeriodParam = Field(None, description=PERIOD_HELP)


class QuotaOut(Schema):
    user: int | None
    team: int | None
    label: str
    amount: DecimalString | None = Field(description="Set for exactly this period; or null.")
    effective: DecimalString | None = Field(
        description="What counts: the amount, else the sum of the quotas of shorter periods "
        "(for a team without any: the sum of its active members')."
    )
    editable: bool = Field(description="Whether the caller may change it.")


class QuotaListOut(Schema):
    period: PeriodOut
    currency: str
    quotas: list[QuotaOut]


class QuotaIn(InputSchema):
    user: int | None = Field(None, description="A user id (or give team).")
    team: int | None = Field(None, description="A team id (or give user).")
    amount: AmountInput = Field(description='In the base currency; null or "" removes it.')


class QuotasIn(InputSchema):
    period: str = Field(description=PERIOD_HELP, examples=["FY2026-Q4"])
    quotas: list[QuotaIn] = Field(description="The quotas to change; others stay.")


def _period_of(request, key: str | None) -> Period:
    form = PeriodForm({"period": key or ""}, user=request.auth)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form.cleaned_data["period"]


def _quota_list(request, period: Period) -> dict:
    sections: list[QuotaSection] = quota_grid(user=request.auth, period=period)
    quotas = [
        {
            "user": None if cell.is_team else cell.holder.pk,
            "team": cell.holder.pk if cell.is_team else None,
            "label": cell.label,
            "amount": cell.amount,
            "effective": cell.effective,
            "editable": cell.editable,
        }
        for section in sections
        for cell in section.cells
    ]
    return {"period": _period(period), "currency": settings.BASE_CURRENCY, "quotas": quotas}


@router.get(
    "/quotas",
    response={200: QuotaListOut, 400: ValidationErrorOut, 403: MessageOut, **READ_ERRORS},
    summary="The quotas of a period",
    description="Each team's quota, then its members', as the quota page shows them: all for "
    "executives (read-only) and administrators, a manager's teams; reps get 403.",
)
def list_quotas(request, filters: Query[QuotaQuery]):
    return _quota_list(request, _period_of(request, filters.period))


@router.put(
    "/quotas",
    response={200: QuotaListOut, **WRITE_ERRORS},
    summary="Set quotas",
    description="Set (or with a null amount remove) the quotas listed, all or nothing: an "
    "amount that is not valid answers 400 with the errors keyed `quotas.<index>`, a quota "
    "the caller may not set 403. Administrators set any quota, managers those of their "
    "teams and their members. Amounts are in the base currency, at most two decimals.",
)
def put_quotas(request, payload: QuotasIn):
    period = _period_of(request, payload.period)
    users: dict[int, object] = {}
    teams: dict[int, object] = {}
    index_of: dict[str, int] = {}
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(payload.quotas):
        if (item.user is None) == (item.team is None):
            errors[f"quotas.{index}"] = [_("Give either a user or a team.")]
            continue
        kind, holder = ("user", item.user) if item.user is not None else ("team", item.team)
        (users if kind == "user" else teams)[holder] = item.amount
        index_of[f"{kind}-{holder}"] = index
    if errors:
        raise ValidationError(errors)
    try:
        quotas_save(actor=request.auth, period=period, user_amounts=users, team_amounts=teams)
    except ValidationError as error:
        raise ValidationError(
            {f"quotas.{index_of[key]}": messages for key, messages in error.message_dict.items()}
        ) from None
    return _quota_list(request, period)
