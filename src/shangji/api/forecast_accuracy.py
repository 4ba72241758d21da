"""/forecast/accuracy: each weekly snapshot's forecast of a period against what was won.

Thin on purpose: the query string goes to the accuracy page's own form and selector
(forecasting.snapshots.forecast_accuracy_get), so every figure equals the page's.
"""

import datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema
from pydantic import WithJsonSchema

from shangji.forecasting.snapshots import forecast_accuracy_get

from .errors import READ_ERRORS
from .schemas import ValidationErrorOut

router = Router(tags=["forecast"])

# Filters arrive as text and are validated by the page's form: an invalid one is a 400 with
# field errors, as on the page.
IdParam = Annotated[str | None, WithJsonSchema({"type": "integer"})]
Money = Annotated[str, WithJsonSchema({"type": "string", "format": "decimal"})]
Percent = Annotated[
    str | None,
    WithJsonSchema({"anyOf": [{"type": "string", "format": "decimal"}, {"type": "null"}]}),
]


class AccuracyQuery(Schema):
    period: str | None = Field(
        None,
        description="A period key: 2026-11, FY2026-Q3 or FY2026. Default: the latest fiscal "
        "quarter that has ended and has snapshots, else the current one.",
    )
    team: IdParam = Field(None, description="Team id: the owners' team in each snapshot.")
    owner: IdParam = Field(None, description="Owner (user) id.")


class AccuracyPeriodOut(Schema):
    key: str
    label: str
    kind: str
    start: datetime.date
    end: datetime.date
    is_over: bool = Field(description="Whether it has ended (until then the actual can grow).")


class AccuracyWeekOut(Schema):
    week: datetime.date = Field(description="The Monday of the snapshot's week.")
    closed_won: Money = Field(description="Closed won in the period, that week.")
    commit: Money = Field(description="Open commit in the period, that week.")
    forecast: Money = Field(description="Closed won + commit, that week.")
    best_case: Money = Field(description="Forecast + open best case, that week.")
    weighted: Money = Field(description="Closed won + the open deals' weighted sum, that week.")
    actual: Money = Field(description="Closed won now with a close date in the period.")
    accuracy: Percent = Field(
        description="1 − |forecast − actual| ÷ actual in percent, one place; null when actual is 0."
    )
    bias: Percent = Field(
        description="(forecast − actual) ÷ actual in percent, one place (positive: "
        "over-forecast); null when actual is 0."
    )


class AccuracyOut(Schema):
    period: AccuracyPeriodOut
    weeks: list[AccuracyWeekOut]


def _text(value):
    return None if value is None else str(value)


@router.get(
    "/forecast/accuracy",
    response={200: AccuracyOut, 400: ValidationErrorOut, **READ_ERRORS},
    summary="Forecast accuracy of a period",
    description="For each weekly forecast snapshot of the period: the forecast then and what "
    "is won now, summed over the owners the caller may see (narrowed by owner and by team), "
    "with accuracy and bias. Amounts are decimal strings in the base currency.",
)
def get_forecast_accuracy(request, filters: Query[AccuracyQuery]):
    form, accuracy = forecast_accuracy_get(user=request.auth, params=request.GET)
    if accuracy is None:
        raise ValidationError(form.errors.as_data())
    period = accuracy.period
    return {
        "period": {
            "key": period.key,
            "label": period.label,
            "kind": period.kind,
            "start": period.start,
            "end": period.end,
            "is_over": accuracy.is_over,
        },
        "weeks": [
            {key: value if key == "week" else _text(value) for key, value in row.items()}
            for row in (week.as_dict() for week in accuracy.weeks)
        ],
    }
