"""The forecast: exact figures per rep, team and company, visibility, months, links, the page,
the CLI, the query bound and a fiscal year starting in April.

Pinned to 2026-11-15 (Shanghai): the default period is FY2026-Q4, 2026-10-01 .. 2026-12-31.
"""

import datetime
import io
import json
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from shangji.forecasting.forecast import forecast_build
from shangji.forecasting.periods import period_parse
from shangji.forecasting.services import quota_set
from shangji.opportunities.models import Opportunity
from shangji.users.choices import Role
from shangji.users.models import Organization, Team
from shangji.users.services import user_create
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db

D = Decimal
FORECAST = reverse("forecasting:forecast")
NOW = datetime.datetime(2026, 11, 15, 4, 0, tzinfo=datetime.UTC)  # 12:00 in Shanghai


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def forecast_deals(make_opportunity, team_users):
    """Deals around FY2026-Q4 (USD 7.1, EUR 7.8) and the quarter's quotas."""
    wang, chen, zhao = team_users["wangqiang"], team_users["chenjing"], team_users["zhaolei"]
    admin = team_users["admin"]
    day = datetime.date
    made = {
        # won 1000 USD = 7100.00
        "W1": make_opportunity(wang, "Closed Won", "1000.00", "USD", day(2026, 10, 20)),
        # commit (stage) 5000.00 at 80 % → weighted 4000.00
        "W2": make_opportunity(wang, "Negotiation/Review", "5000.00", "CNY", day(2026, 11, 10)),
        # best case 333.33 EUR = 2599.97 (2599.974) at 65 % → 168998.05 / 100
        "W3": make_opportunity(wang, "Proposal/Price Quote", "333.33", "EUR", day(2026, 12, 5)),
        # omitted: counts nowhere
        "W4": make_opportunity(
            wang, "Prospecting", "9999.00", "CNY", day(2026, 11, 20), forecast_category="omitted"
        ),
        # outside the quarter
        "W5": make_opportunity(wang, "Negotiation/Review", "8888.00", "CNY", day(2027, 1, 5)),
        # pipeline stage overridden to commit: 2000.00 at 10 % → weighted 200.00
        "C1": make_opportunity(
            chen, "Prospecting", "2000.00", "CNY", day(2026, 12, 20), forecast_category="commit"
        ),
        # lost: counts nowhere
        "C2": make_opportunity(
            chen, "Closed Lost", "3000.00", "CNY", day(2026, 11, 1), lost_reason="Price"
        ),
        # pipeline 500 USD = 3550.00 at 20 % → 710.00
        "Z1": make_opportunity(zhao, "Qualification", "500.00", "USD", day(2026, 10, 5)),
        # won 10000.00 on the quarter's last day
        "Z2": make_opportunity(zhao, "Closed Won", "10000.00", "CNY", day(2026, 12, 31)),
    }
    teams = {team.name: team for team in Team.objects.all()}
    zhou = user_create(username="zhouxun", password="x", role=Role.REP, check_password=False)
    q4 = period_parse("FY2026-Q4")
    quota_set(actor=admin, period=q4, amount="20000", user=wang)
    for key, amount in [("2026-10", "1000"), ("2026-11", "1500"), ("2026-12", "2500")]:
        quota_set(actor=admin, period=period_parse(key), amount=amount, user=chen)
    quota_set(actor=admin, period=q4, amount="15000", user=zhao)
    quota_set(actor=admin, period=q4, amount="12000", team=teams["华北销售"])
    quota_set(actor=admin, period=q4, amount="3000", user=zhou)  # no team, no deals
    made["teams"] = teams
    made["zhou"] = zhou
    return made


def figures(row) -> tuple:
    """(quota, closed won, commit, best case, pipeline, weighted, attainment, coverage, gap)."""
    f = row.figures
    return (
        row.quota,
        f.closed_won,
        f.commit,
        f.best_case,
        f.pipeline,
        f.weighted,
        row.attainment,
        row.coverage,
        row.gap,
    )


def by_label(forecast) -> dict:
    return {(row.kind, str(row.label)): figures(row) for row in forecast.rows}


def test_deals_in_base_currency(forecast_deals):
    assert forecast_deals["W3"].amount_base == D("2599.97")
    assert forecast_deals["C1"].forecast_category == "commit"
    assert forecast_deals["W4"].forecast_category == "omitted"


def test_exact_figures_for_an_administrator(forecast_deals, team_users):
    forecast = forecast_build(user=team_users["admin"], period=period_parse("FY2026-Q4"))
    N = None
    assert by_label(forecast) == {
        # 20000: attainment 7100/20000; coverage (5000 + 2599.97) / 12900 = 0.589; gap 7900
        ("rep", "王强"): (
            D("20000.00"),
            D("7100.00"),
            D("5000.00"),
            D("2599.97"),
            D("0.00"),
            D("5689.98"),  # (400000 + 168998.05) / 100 = 5689.9805
            D("35.5"),
            D("0.59"),
            D("7900.00"),
        ),
        # quota from the months: 1000 + 1500 + 2500
        ("rep", "陈静"): (
            D("5000.00"),
            D("0.00"),
            D("2000.00"),
            D("0.00"),
            D("0.00"),
            D("200.00"),
            D("0.0"),
            D("0.40"),
            D("3000.00"),
        ),
        # the manager, a member of his team: no quota, no deals
        ("rep", "李明"): (N, *[D("0.00")] * 5, N, N, N),
        # no team quota: 20000 + 5000; coverage 9599.97 / 17900 = 0.536
        ("team", "华东销售"): (
            D("25000.00"),
            D("7100.00"),
            D("7000.00"),
            D("2599.97"),
            D("0.00"),
            D("5889.98"),
            D("28.4"),
            D("0.54"),
            D("10900.00"),
        ),
        ("rep", "赵磊"): (
            D("15000.00"),
            D("10000.00"),
            D("0.00"),
            D("0.00"),
            D("3550.00"),
            D("710.00"),
            D("66.7"),
            D("0.71"),  # 3550 / 5000
            D("5000.00"),
        ),
        # the team's own quota (12000) wins over its members' (15000); 3550 / 2000 = 1.775
        ("team", "华北销售"): (
            D("12000.00"),
            D("10000.00"),
            D("0.00"),
            D("0.00"),
            D("3550.00"),
            D("710.00"),
            D("83.3"),
            D("1.78"),
            D("2000.00"),
        ),
        # in no team, a quota and no deals
        ("rep", "zhouxun"): (
            D("3000.00"),
            *[D("0.00")] * 5,
            D("0.0"),
            D("0.00"),
            D("3000.00"),
        ),
        # 25000 + 12000 + 3000; 17100 / 40000 = 42.75 %; 13149.97 / 22900 = 0.574
        ("company", "Company total"): (
            D("40000.00"),
            D("17100.00"),
            D("7000.00"),
            D("2599.97"),
            D("3550.00"),
            D("6599.98"),
            D("42.8"),
            D("0.57"),
            D("15900.00"),
        ),
    }
    assert [group.team.name if group.team else None for group in forecast.groups] == [
        "华东销售",
        "华北销售",
        None,
    ]
    assert forecast.groups[2].total is None
    assert forecast.total.figures.open_pipeline == D("13149.97")
    months = [(m.period.key, m.closed_won, m.open_pipeline, m.weighted) for m in forecast.months]
    assert months == [
        ("2026-10", D("7100.00"), D("3550.00"), D("710.00")),
        ("2026-11", D("0.00"), D("5000.00"), D("4000.00")),  # W4 omitted, C2 lost
        ("2026-12", D("10000.00"), D("4599.97"), D("1889.98")),  # (168998.05 + 20000) / 100
    ]


def test_ahead_of_quota_and_nothing_remaining(forecast_deals, team_users):
    quota_set(
        actor=team_users["admin"],
        period=period_parse("FY2026-Q4"),
        amount="9000",
        user=team_users["zhaolei"],
    )
    forecast = forecast_build(user=team_users["admin"], period=period_parse("FY2026-Q4"))
    zhao = by_label(forecast)[("rep", "赵磊")]
    # 10000 won of 9000: attainment 111.1 %, no coverage (nothing remains), gap −1000 (ahead)
    assert zhao[6:] == (D("111.1"), None, D("-1000.00"))


def test_a_rep_sees_only_his_own_row(forecast_deals, team_users):
    Organization.objects.filter(pk=1).update(everyone_reads_all=True)  # reading all deals
    wang = team_users["wangqiang"]
    forecast = forecast_build(user=wang, period=period_parse("FY2026-Q4"))
    assert [(row.kind, str(row.label)) for row in forecast.rows] == [("rep", "王强")]
    assert forecast.total is None and forecast.groups[0].total is None
    assert [m.open_pipeline for m in forecast.months] == [D("0.00"), D("5000.00"), D("2599.97")]
    chen_forecast = forecast_build(user=team_users["chenjing"], period=period_parse("2026-11"))
    # chen has nothing in November but still sees her row (and her November quota)
    assert by_label(chen_forecast) == {
        ("rep", "陈静"): (D("1500.00"), *[D("0.00")] * 5, D("0.0"), D("0.00"), D("1500.00"))
    }


def test_a_manager_sees_his_team_and_its_roll_up(forecast_deals, team_users):
    forecast = forecast_build(user=team_users["liming"], period=period_parse("FY2026-Q4"))
    assert [(row.kind, str(row.label)) for row in forecast.rows] == [
        ("rep", "陈静"),
        ("rep", "李明"),
        ("rep", "王强"),
        ("team", "华东销售"),
    ]
    assert forecast.total is None
    assert forecast.rows[3].figures.weighted == D("5889.98")


def test_filters_by_team_and_owner(forecast_deals, team_users, client):
    admin, north = team_users["admin"], forecast_deals["teams"]["华北销售"]
    forecast = forecast_build(user=admin, period=period_parse("FY2026-Q4"), team=north)
    assert [(row.kind, str(row.label)) for row in forecast.rows] == [
        ("rep", "赵磊"),
        ("team", "华北销售"),
    ]
    assert forecast.total is None
    forecast = forecast_build(
        user=admin, period=period_parse("FY2026-Q4"), owner=team_users["chenjing"]
    )
    assert [(row.kind, str(row.label)) for row in forecast.rows] == [("rep", "陈静")]
    # A manager may not ask for another team; a rep for another owner.
    client.force_login(team_users["liming"])
    response = client.get(FORECAST, {"team": north.pk})
    assert response.context["forecast"] is None
    assert "team" in response.context["form"].errors
    client.force_login(team_users["wangqiang"])
    response = client.get(FORECAST, {"owner": team_users["chenjing"].pk})
    assert response.context["forecast"] is None
    response = client.get(FORECAST, {"period": "FY2026-Q5"})
    assert "Enter a period such as 2026-11, FY2026-Q3 or FY2026." in response.content.decode()


def _list_keys(client, url) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return {opportunity.name for opportunity in response.context["page"].items}


def test_every_figure_links_to_its_deals(forecast_deals, team_users, client):
    admin = team_users["admin"]
    forecast = forecast_build(user=admin, period=period_parse("FY2026-Q4"))
    rows = {(row.kind, str(row.label)): row for row in forecast.rows}
    wang = rows[("rep", "王强")]
    query = parse_qs(urlsplit(wang.links["commit"]).query)
    assert query == {
        "close_date_from": ["2026-10-01"],
        "close_date_to": ["2026-12-31"],
        "owner": [str(team_users["wangqiang"].pk)],
        "status": ["open"],
        "forecast_category": ["commit", "closed"],
    }
    name = {deal.pk: key for key, deal in forecast_deals.items() if hasattr(deal, "amount")}
    names = {deal.name: key for key, deal in forecast_deals.items() if hasattr(deal, "amount")}
    assert name  # the deals have names "Deal n"
    client.force_login(admin)

    def shown(url):
        return {names[n] for n in _list_keys(client, url)}

    assert shown(wang.links["closed_won"]) == {"W1"}
    assert shown(wang.links["commit"]) == {"W2"}
    assert shown(wang.links["best_case"]) == {"W3"}
    assert shown(wang.links["weighted"]) == {"W2", "W3"}
    assert shown(rows[("rep", "陈静")].links["commit"]) == {"C1"}
    assert shown(rows[("team", "华东销售")].links["open_pipeline"]) == {"W2", "W3", "C1"}
    assert shown(rows[("team", "华北销售")].links["pipeline"]) == {"Z1"}
    assert shown(forecast.total.links["closed_won"]) == {"W1", "Z2"}
    assert shown(forecast.months[2].links["open_pipeline"]) == {"W3", "C1"}
    assert shown(forecast.months[1].links["closed_won"]) == set()


def test_forecast_page(forecast_deals, team_users, client):
    client.force_login(team_users["liming"])
    response = client.get(FORECAST)  # the current quarter by default
    assert response.status_code == 200
    assert response.context["period"].key == "FY2026-Q4"
    html = response.content.decode()
    assert 'data-testid="nav-forecast"' in html
    assert f'href="{reverse("forecasting:quota_edit")}?period=FY2026-Q4"' in html
    assert "5,889.98" in html and "华北销售" not in html
    assert response.context["previous_url"] == "?period=FY2026-Q3"
    assert response.context["next_url"] == "?period=FY2027-Q1"
    assert [url for _kind, _label, url in response.context["kinds"]] == [
        "?period=2026-11",  # the month of today
        "?period=FY2026-Q4",
        "?period=FY2026",
    ]
    chart = json.loads(html.split('id="report-data" type="application/json">')[1].split("<")[0])
    assert chart["categories"] == ["October 2026", "November 2026", "December 2026"]
    assert [s["values"] for s in chart["views"][0]["series"]] == [
        ["7100.00", "0.00", "0.00"],
        ["0.00", "5000.00", "4599.97"],
        ["0.00", "4000.00", "1889.98"],
    ]
    assert "vendor/echarts-6.1.0/echarts.min.js" in html
    client.force_login(team_users["wangqiang"])
    html = client.get(FORECAST).content.decode()
    assert 'data-testid="quota-link"' not in html and "7,100.00" in html


def test_forecast_page_query_count_is_bounded(forecast_deals, team_users, make_opportunity, client):
    client.force_login(team_users["admin"])
    before = queries_of(lambda: client.get(FORECAST))
    north = forecast_deals["teams"]["华北销售"]
    for n in range(5):
        rep = user_create(username=f"rep{n}", password="x", team=north, check_password=False)
        make_opportunity(rep, "Qualification", "100.00", close_date=datetime.date(2026, 11, 3))
        make_opportunity(rep, "Closed Won", "100.00", close_date=datetime.date(2026, 12, 3))
        quota_set(actor=team_users["admin"], period=period_parse("2026-11"), amount="1", user=rep)
    assert Opportunity.objects.count() == 19
    assert queries_of(lambda: client.get(FORECAST)) == before
    client.force_login(team_users["liming"])
    assert queries_of(lambda: client.get(FORECAST)) <= before


def test_fiscal_year_starting_in_april(forecast_deals, team_users, client):
    Organization.objects.filter(pk=1).update(fiscal_year_start_month=4)
    client.force_login(team_users["admin"])
    response = client.get(FORECAST)
    period = response.context["period"]
    # 15 November 2026 is in FY2026 Q3 (October to December) when the year starts in April.
    assert (period.key, period.start, period.end) == (
        "FY2026-Q3",
        datetime.date(2026, 10, 1),
        datetime.date(2026, 12, 31),
    )
    # October to December is a quarter under both years: the quotas set for it still count.
    assert response.context["forecast"].total.quota == D("40000.00")
    year = client.get(FORECAST, {"period": "FY2026"}).context["forecast"]
    assert (year.period.start, year.period.end) == (
        datetime.date(2026, 4, 1),
        datetime.date(2027, 3, 31),
    )
    # W5 (2027-01-05) is in this fiscal year: commit 5000 + 8888 + 2000
    assert year.total.figures.commit == D("15888.00")
    assert len(year.months) == 12 and year.months[0].period.key == "2026-04"
    # Quarter quotas set under the April year count for its year.
    quota_set(
        actor=team_users["admin"],
        period=period_parse("FY2026-Q4", 4),
        amount="700",
        user=team_users["wangqiang"],
    )
    year = client.get(FORECAST, {"period": "FY2026"}).context["forecast"]
    rows = {str(row.label): row for row in year.rows}
    assert rows["王强"].quota == D("20700.00")  # October's quarter + January's
    html = client.get(FORECAST, {"period": "FY2026"}).content.decode()
    assert "FY2026" in html


def test_forecast_command(forecast_deals, team_users):
    out = io.StringIO()
    call_command("forecast", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Forecast FY2026-Q4 (2026-10-01 – 2026-12-31), CNY"
    text = out.getvalue()
    assert "王强" in text and "Company total" in text and "42.8 %" in text and "1.78×" in text
    company = next(line for line in lines if line.startswith("Company total"))
    assert company.split() == [
        "Company",
        "total",
        "40,000.00",
        "17,100.00",
        "7,000.00",
        "2,599.97",
        "3,550.00",
        "6,599.98",
        "42.8",
        "%",
        "0.57×",
        "15,900.00",
    ]
    out = io.StringIO()
    call_command("forecast", "--as", "wangqiang", "--period", "2026-11", stdout=out)
    assert "陈静" not in out.getvalue() and "王强" in out.getvalue()
    out = io.StringIO()
    call_command("forecast", "--team", "华北销售", stdout=out)
    assert "赵磊" in out.getvalue() and "王强" not in out.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No team named"):
        call_command("forecast", "--team", "nobody")
    with pytest.raises(CommandError, match="Enter a period"):
        call_command("forecast", "--period", "Q5")


def test_quota_command(team_users):
    out = io.StringIO()
    call_command(
        "quota", "set", "--period", "FY2026-Q4", "--user", "wangqiang", "1200.5", stdout=out
    )
    assert out.getvalue().strip() == "The quota of wangqiang for FY2026-Q4 is 1,200.50 CNY."
    call_command("quota", "set", "--period", "2026-11", "--team", "华东销售", "300", stdout=out)
    from shangji.forecasting.models import Quota

    assert sorted(Quota.objects.values_list("amount", flat=True)) == [D("300.00"), D("1200.50")]
    out = io.StringIO()
    call_command("quota", "set", "--period", "FY2026-Q4", "--user", "wangqiang", "", stdout=out)
    assert out.getvalue().strip() == "Removed the quota of wangqiang for FY2026-Q4."
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Use at most two decimal places"):
        call_command("quota", "set", "--period", "2026-11", "--user", "wangqiang", "1.234")
    with pytest.raises(CommandError, match="No user named"):
        call_command("quota", "set", "--period", "2026-11", "--user", "nobody", "1")
