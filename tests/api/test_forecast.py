"""/forecast and /quotas: the page's figures, visibility, 400/403, all-or-nothing writes."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from shangji.forecasting.models import Quota
from shangji.forecasting.periods import period_parse
from shangji.forecasting.services import quota_set
from shangji.users.models import Team
from tests.forecasting.test_forecast import forecast_deals  # noqa: F401 (a fixture)
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 15, 4, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def _page_rows(client, user, **params) -> list[dict]:
    """The forecast page's rows as the API writes them."""
    client.force_login(user)
    response = client.get(reverse("forecasting:forecast"), params)
    assert response.status_code == 200
    forecast = response.context["forecast"]
    return [
        {
            "kind": row.kind,
            "label": str(row.label),
            "quota": None if row.quota is None else str(row.quota),
            "closed_won": str(row.figures.closed_won),
            "commit": str(row.figures.commit),
            "weighted": str(row.figures.weighted),
            "attainment": None if row.attainment is None else str(row.attainment),
            "coverage": None if row.coverage is None else str(row.coverage),
            "gap": None if row.gap is None else str(row.gap),
            "links": row.links,
        }
        for row in forecast.rows
    ]


def _api_rows(data) -> list[dict]:
    rows = []
    for group in data["groups"]:
        rows += group["rows"] + ([group["total"]] if group["total"] else [])
    rows += [data["total"]] if data["total"] else []
    keys = ["kind", "label", "quota", "closed_won", "commit", "weighted", "attainment"]
    keys += ["coverage", "gap", "links"]
    return [{key: row[key] for key in keys} for row in rows]


@pytest.mark.usefixtures("forecast_deals")
@pytest.mark.parametrize("username", ["admin", "zhangyue", "liming", "wangqiang", "zhaolei"])
def test_forecast_equals_the_page(api_as, client, team_users, username):
    user = team_users[username]
    response = api_as(user).get("/forecast")
    assert response.status_code == 200
    data = response.json()
    assert data["period"] == {
        "key": "FY2026-Q4",
        "kind": "quarter",
        "label": "FY2026 Q4",
        "start": "2026-10-01",
        "end": "2026-12-31",
    }
    assert _api_rows(data) == _page_rows(client, user)
    for period in ("2026-11", "FY2026"):
        assert _api_rows(api_as(user).get("/forecast", period=period).json()) == _page_rows(
            client, user, period=period
        )


def test_forecast_figures_and_visibility(api_as, team_users, forecast_deals):  # noqa: F811
    data = api_as(team_users["admin"]).get("/forecast").json()
    assert data["currency"] == "CNY"
    assert data["total"] == {
        "kind": "company",
        "label": "Company total",
        "user": None,
        "team": None,
        "quota": "40000.00",
        "closed_won": "17100.00",
        "commit": "7000.00",
        "best_case": "2599.97",
        "pipeline": "3550.00",
        "weighted": "6599.98",
        "open_pipeline": "13149.97",
        "attainment": "42.8",
        "coverage": "0.57",
        "gap": "15900.00",
        "links": data["total"]["links"],
    }
    assert [m["period"]["key"] for m in data["months"]] == ["2026-10", "2026-11", "2026-12"]
    assert [m["weighted"] for m in data["months"]] == ["710.00", "4000.00", "1889.98"]
    wang = team_users["wangqiang"]
    mine = api_as(wang).get("/forecast").json()
    assert mine["total"] is None
    assert [
        (g["team_name"], [r["user"] for r in g["rows"]], g["total"]) for g in mine["groups"]
    ] == [("华东销售", [wang.pk], None)]
    north = forecast_deals["teams"]["华北销售"]
    team = api_as(team_users["zhangyue"]).get("/forecast", team=north.pk).json()
    assert [g["total"]["quota"] for g in team["groups"]] == ["12000.00"]


def test_forecast_bad_parameters_are_400(api_as, team_users, forecast_deals):  # noqa: F811
    api = api_as(team_users["liming"])
    response = api.get("/forecast", period="FY2026-Q9")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "period": ["Enter a period such as 2026-11, FY2026-Q3 or FY2026."]
    }
    response = api.get("/forecast", team=forecast_deals["teams"]["华北销售"].pk, owner="x")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"team", "owner"}
    assert api_as().get("/forecast").status_code == 401


def test_forecast_query_count_is_bounded(api_as, team_users, forecast_deals, make_opportunity):  # noqa: F811
    api = api_as(team_users["admin"])
    api.get("/forecast")  # the token's first use is recorded once
    before = queries_of(lambda: api.get("/forecast"))
    for _n in range(4):
        make_opportunity(team_users["zhaolei"], close_date=datetime.date(2026, 11, 2))
    assert queries_of(lambda: api.get("/forecast")) == before


def test_quotas_read_and_write(api_as, team_users):
    liming, wang, chen = team_users["liming"], team_users["wangqiang"], team_users["chenjing"]
    east, north = Team.objects.get(name="华东销售"), Team.objects.get(name="华北销售")
    quota_set(actor=team_users["admin"], period=period_parse("2026-10"), amount="1000", user=chen)
    api = api_as(liming)
    data = api.get("/quotas", period="FY2026-Q4").json()
    assert data["period"]["key"] == "FY2026-Q4"
    assert [
        (q["user"], q["team"], q["amount"], q["effective"], q["editable"]) for q in data["quotas"]
    ] == [
        (None, east.pk, None, "1000.00", True),  # its members' sum
        (chen.pk, None, None, "1000.00", True),
        (liming.pk, None, None, None, True),
        (wang.pk, None, None, None, True),
    ]
    body = {
        "period": "FY2026-Q4",
        "quotas": [
            {"team": east.pk, "amount": "30000"},
            {"user": wang.pk, "amount": 20000},
            {"user": chen.pk, "amount": "-3"},
            {"user": liming.pk, "amount": "1.234"},
        ],
    }
    response = api.put("/quotas", body)
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "quotas.2": ["A quota cannot be negative."],
        "quotas.3": ["Use at most two decimal places."],
    }
    assert Quota.objects.count() == 1
    body["quotas"] = body["quotas"][:2] + [{"team": north.pk, "amount": "1"}]
    response = api.put("/quotas", body)
    assert response.status_code == 403
    assert response.json() == {"detail": "You may not set the quota of the team 华北销售."}
    assert Quota.objects.count() == 1
    body["quotas"] = body["quotas"][:2] + [{"user": chen.pk, "amount": None}]
    response = api.put("/quotas", body)
    assert response.status_code == 200
    saved = {(q["user"], q["team"]): q["amount"] for q in response.json()["quotas"]}
    assert saved[(None, east.pk)] == "30000.00" and saved[(wang.pk, None)] == "20000.00"
    assert Quota.objects.count() == 3  # chen's October quota stays: only FY2026-Q4 was touched
    assert api.put("/quotas", {"period": "FY2026-Q4", "quotas": [{"amount": "1"}]}).json()[
        "errors"
    ] == {"quotas.0": ["Give either a user or a team."]}
    assert api.put("/quotas", {"period": "soon", "quotas": []}).status_code == 400
    assert api_as(wang).get("/quotas").status_code == 403
    assert api_as(wang).put("/quotas", {"period": "2026-11", "quotas": []}).status_code == 403
    executive = api_as(team_users["zhangyue"]).get("/quotas").json()
    assert not any(q["editable"] for q in executive["quotas"])
    response = api_as(team_users["zhangyue"]).put(
        "/quotas", {"period": "2026-11", "quotas": [{"team": east.pk, "amount": "1"}]}
    )
    assert response.status_code == 403
