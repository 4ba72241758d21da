"""/forecast/accuracy: the accuracy page's figures as JSON, visibility, filter errors, queries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from shangji.forecasting.models import ForecastSnapshot
from shangji.forecasting.snapshots import forecast_snapshot_take
from shangji.users.models import Team
from tests.forecasting.test_snapshots import WEEK_3, play_quarter
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db

PATH = "/forecast/accuracy"


@pytest.fixture
def quarter(make_opportunity, team_users, stages):
    traveller, deals, _written = play_quarter(make_opportunity, team_users, stages)
    yield deals
    traveller.stop()


def week(day, closed_won, commit, forecast, best_case, weighted, actual, accuracy, bias):
    return {
        "week": day,
        "closed_won": closed_won,
        "commit": commit,
        "forecast": forecast,
        "best_case": best_case,
        "weighted": weighted,
        "actual": actual,
        "accuracy": accuracy,
        "bias": bias,
    }


def test_figures_of_a_past_quarter(api_as, quarter, team_users):
    response = api_as(team_users["zhangyue"]).get(PATH, period="FY2026-Q3")
    assert response.status_code == 200
    # Hand-computed in tests/forecasting/test_snapshots.py: actual 13000 (W2 + C1 + Z2).
    assert response.json() == {
        "period": {
            "key": "FY2026-Q3",
            "label": "FY2026 Q3",
            "kind": "quarter",
            "start": "2026-07-01",
            "end": "2026-09-30",
            "is_over": True,
        },
        "weeks": [
            week(
                "2026-06-29",
                "0.00",
                "16000.00",
                "16000.00",
                "20000.00",
                "17400.00",
                "13000.00",
                "76.9",
                "23.1",
            ),
            week(
                "2026-07-06",
                "6000.00",
                "14000.00",
                "20000.00",
                "20000.00",
                "19200.00",
                "13000.00",
                "46.2",
                "53.8",
            ),
            week(
                "2026-08-03",
                "6000.00",
                "24000.00",
                "30000.00",
                "30000.00",
                "25200.00",
                "13000.00",
                "-30.8",
                "130.8",
            ),
        ],
    }


def test_a_rep_sees_only_their_own(api_as, quarter, team_users):
    api = api_as(team_users["wangqiang"])
    data = api.get(PATH, period="FY2026-Q3").json()
    assert [(w["forecast"], w["actual"], w["accuracy"], w["bias"]) for w in data["weeks"]] == [
        ("10000.00", "4000.00", "-50.0", "150.0"),
        ("14000.00", "4000.00", "-150.0", "250.0"),
        ("4000.00", "4000.00", "100.0", "0.0"),
    ]
    # A team filter does not widen it: 王强's rows of 华东销售, nobody else's.
    east = Team.objects.get(name="华东销售").pk
    assert api.get(PATH, period="FY2026-Q3", team=east).json() == data
    north = Team.objects.get(name="华北销售").pk
    nothing = api.get(PATH, period="FY2026-Q3", team=north).json()
    assert {(w["forecast"], w["actual"], w["accuracy"]) for w in nothing["weeks"]} == {
        ("0.00", "0.00", None)
    }


def test_no_period_means_the_latest_ended_quarter(api_as, quarter, team_users):
    data = api_as(team_users["liming"]).get(PATH).json()
    assert data["period"]["key"] == "FY2026-Q3"
    q4 = api_as(team_users["liming"]).get(PATH, period="FY2026-Q4").json()
    assert q4["period"]["is_over"] is False
    assert q4["weeks"] == [
        week(
            "2026-08-03",
            "0.00",
            "10000.00",
            "10000.00",
            "10000.00",
            "8000.00",
            "0.00",
            None,
            None,
        )
    ]


def _page_rows(client, user, **params) -> dict:
    client.force_login(user)
    response = client.get(reverse("forecasting:forecast_accuracy"), params)
    assert response.status_code == 200
    accuracy = response.context["accuracy"]
    return {
        "period": accuracy.period.key,
        "weeks": [
            {key: value.isoformat() if key == "week" else value for key, value in row.items()}
            for row in response.context["rows"]
        ],
    }


def _api_rows(data) -> dict:
    def value(key, text):
        return text if key == "week" or text is None else Decimal(text)

    return {
        "period": data["period"]["key"],
        "weeks": [{key: value(key, text) for key, text in row.items()} for row in data["weeks"]],
    }


@pytest.mark.parametrize("username", ["zhangyue", "liming", "wangqiang", "chenjing", "admin"])
@pytest.mark.parametrize(
    "params",
    [{}, {"period": "FY2026-Q3"}, {"period": "FY2026"}, {"period": "2026-07"}, {"team": "east"}],
)
def test_the_api_equals_the_page(client, api_as, quarter, team_users, username, params):
    if params.get("team"):
        params = {"period": "FY2026-Q3", "team": Team.objects.get(name="华东销售").pk}
    user = team_users[username]
    data = api_as(user).get(PATH, **params).json()
    assert _api_rows(data) == _page_rows(client, user, **params)
    assert data["weeks"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "FY2026-Q5"}, "period"),
        ({"period": "2026-13"}, "period"),
        ({"period": "FY9999"}, "period"),
        ({"team": "999999"}, "team"),
        ({"team": "east"}, "team"),
        ({"owner": "abc"}, "owner"),
    ],
)
def test_bad_filters_are_400(api_as, quarter, team_users, params, field):
    response = api_as(team_users["zhangyue"]).get(PATH, **params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_a_rep_cannot_name_another_owner(api_as, quarter, team_users):
    api = api_as(team_users["wangqiang"])
    response = api.get(PATH, owner=team_users["zhaolei"].pk)
    assert response.status_code == 400 and "owner" in response.json()["errors"]
    mine = api.get(PATH, owner=team_users["wangqiang"].pk)
    assert mine.status_code == 200 and mine.json() == api.get(PATH).json()


def test_needs_authentication(api_as, stages):
    assert api_as().get(PATH).status_code == 401


def test_query_count_does_not_grow(api_as, quarter, team_users, make_opportunity):
    api = api_as(team_users["liming"])
    east = Team.objects.get(name="华东销售").pk
    api.get(PATH)  # the token's first use is recorded once
    few = queries_of(lambda: api.get(PATH, period="FY2026-Q3"))
    few_team = queries_of(lambda: api.get(PATH, period="FY2026-Q3", team=east))
    for name in ("chenjing", "liming", "wangqiang"):
        make_opportunity(team_users[name], "Closed Won", "100", "CNY", datetime.date(2026, 9, 1))
    ForecastSnapshot.objects.filter(week=WEEK_3).update(week=datetime.date(2026, 8, 10))
    forecast_snapshot_take(week=WEEK_3)
    assert queries_of(lambda: api.get(PATH, period="FY2026-Q3")) == few
    assert queries_of(lambda: api.get(PATH, period="FY2026-Q3", team=east)) == few_team
    assert len(api.get(PATH, period="FY2026-Q3").json()["weeks"]) == 4
