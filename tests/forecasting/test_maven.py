"""The reports over the Maven CRM data set equal figures computed from its CSV files.

The data set is loaded once for the module (tests/forecasting/maven.py); every expected figure
below is computed here from the CSV with the csv module alone, never through the ORM.
"""

import csv
import datetime
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from shangji.forecasting import selectors
from shangji.opportunities.filters import OpportunityFilter
from shangji.opportunities.models import Opportunity
from tests.api.conftest import ApiClient

from .maven import DATA, OPEN_CLOSE_DATE, load_maven

pytestmark = pytest.mark.django_db

D = Decimal
ZERO = D("0.00")


# The figures, from the CSV -------------------------------------------------------------------


def _read(name):
    with (DATA / name).open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


DEALS = _read("sales_pipeline.csv")
MANAGER_OF = {row["sales_agent"]: row["manager"] for row in _read("sales_teams.csv")}
OUTCOME = {"Won": "won", "Lost": "lost", "Prospecting": "open", "Engaging": "open"}


def _month(deal) -> datetime.date:
    day = datetime.date.fromisoformat(deal["close_date"]) if deal["close_date"] else OPEN_CLOSE_DATE
    return day.replace(day=1)


def _quarter(month: datetime.date) -> str:
    return f"{month.year}-Q{(month.month - 1) // 3 + 1}"


def _amount(deal) -> Decimal:
    return D(deal["close_value"] or 0)


def _figures(deals) -> dict:
    """Per outcome: count; the won amount; and the same per close month and per quarter."""
    counts = Counter(OUTCOME[deal["deal_stage"]] for deal in deals)
    won = [deal for deal in deals if deal["deal_stage"] == "Won"]
    per_month: dict = defaultdict(lambda: {"won": 0, "won_amount": ZERO, "lost": 0, "open": 0})
    for deal in deals:
        month = per_month[_month(deal)]
        month[OUTCOME[deal["deal_stage"]]] += 1
        if deal["deal_stage"] == "Won":
            month["won_amount"] += _amount(deal)
    per_quarter: dict = defaultdict(lambda: ZERO)
    for deal in won:
        per_quarter[_quarter(_month(deal))] += _amount(deal)
    return {
        "won": counts["won"],
        "lost": counts["lost"],
        "open": counts["open"],
        "won_amount": sum((_amount(deal) for deal in won), ZERO),
        "per_month": dict(per_month),
        "per_quarter": dict(per_quarter),
    }


def _rate(won: int, lost: int) -> Decimal | None:
    if not won + lost:
        return None
    return (D(100 * won) / (won + lost)).quantize(D("0.1"), rounding=ROUND_HALF_UP)


ALL = _figures(DEALS)
BY_AGENT = {
    agent: _figures([deal for deal in DEALS if deal["sales_agent"] == agent])
    for agent in MANAGER_OF
}
BY_MANAGER = {
    manager: _figures([deal for deal in DEALS if MANAGER_OF[deal["sales_agent"]] == manager])
    for manager in set(MANAGER_OF.values())
}


def test_the_csv_figures_match_the_data_set_readme():
    # README: Won 4,238 · Lost 2,473 · Engaging 1,589 · Prospecting 500; win rate 63.15 %.
    assert (ALL["won"], ALL["lost"], ALL["open"]) == (4238, 2473, 2089)
    assert _rate(ALL["won"], ALL["lost"]) == D("63.2")
    assert len(MANAGER_OF) == 35 and sum(1 for f in BY_AGENT.values() if f["won"] + f["lost"]) == 30


# The data set in the database, once for the module ------------------------------------------


@pytest.fixture(scope="module")
def maven(django_db_setup, django_db_blocker):
    """The data set, loaded in a transaction rolled back after the module's last test."""
    with django_db_blocker.unblock(), transaction.atomic():
        loaded = load_maven()
        yield loaded
        transaction.set_rollback(True)


def build(slug, user, **params):
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query.setlist(key, value if isinstance(value, list) else [str(value)])
    filterset, report = selectors.report_get(spec=selectors.REPORTS[slug], user=user, params=query)
    assert report is not None, filterset.errors
    return report


def _months(report) -> dict:
    """outcome-by-month rows by month: won count and amount, lost count, open count."""
    return {
        datetime.datetime.strptime(row[0], "%B %Y").date(): {
            "won": row[1],
            "won_amount": row[2],
            "lost": row[3],
            "open": row[5],
        }
        for row in report.rows
    }


def _listed(user, url) -> int:
    """How many opportunities the list shows at a drill-down link."""
    filterset = OpportunityFilter(
        QueryDict(urlsplit(url).query), queryset=Opportunity.objects.visible_to(user)
    )
    assert filterset.is_valid(), filterset.errors
    return filterset.qs.count()


def test_loaded_as_documented(maven):
    assert Opportunity.objects.filter(pipeline=maven.pipeline).count() == len(DEALS) == 8800
    first = Opportunity.objects.get(name__startswith="1C1I7A6R ")
    # 1C1I7A6R,Moses Frase,GTX Plus Basic,Cancity,Won,2016-10-20,2017-03-01,1054
    assert (first.amount, first.amount_base, first.currency_id) == (
        D("1054.00"),
        D("1054.00"),
        "CNY",
    )
    assert first.close_date == datetime.date(2017, 3, 1)
    assert first.owner.team.manager == maven.managers["Dustin Brinkmann"]
    assert timezone.localtime(first.created_at).date() == datetime.date(2016, 10, 20)
    assert timezone.localtime(first.closed_at).date() == first.close_date


# Win rate over closed deals


def test_win_rate_over_closed_deals(maven):
    report = build("lead-source-outcome", maven.executive, pipeline=maven.pipeline.pk)
    won, lost, open_ = ALL["won"], ALL["lost"], ALL["open"]
    rate = _rate(won, lost)  # 4238 / 6711 = 63.15 % → 63.2
    assert report.totals == ["Total", won, lost, open_, len(DEALS), rate]
    # The file has no lead source: one row, whose links list the same deals.
    assert report.rows == [["None", won, lost, open_, len(DEALS), rate]]
    urls = [series["urls"][0] for series in report.chart["views"][0]["series"]]
    assert [_listed(maven.executive, url) for url in urls] == [won, lost, open_]


# Won amount in total, per month and per quarter; counts per stage


def test_outcome_by_month_and_quarter(maven):
    report = build("outcome-by-month", maven.executive, pipeline=maven.pipeline.pk)
    months = _months(report)
    assert months == ALL["per_month"]  # Mar 2017 … Dec 2017, and Jan 2018 for the open deals
    per_quarter: dict = defaultdict(lambda: ZERO)
    for month, figures in months.items():
        per_quarter[_quarter(month)] += figures["won_amount"]
    assert {q: v for q, v in per_quarter.items() if v} == ALL["per_quarter"]
    assert sorted(ALL["per_quarter"]) == ["2017-Q1", "2017-Q2", "2017-Q3", "2017-Q4"]
    won_amount = ALL["won_amount"]  # 10,005,534
    assert report.totals == [
        "Total",
        ALL["won"],
        won_amount,
        ALL["lost"],
        ZERO,  # lost deals carry close_value 0
        ALL["open"],
        ZERO,
        len(DEALS),
        won_amount,
    ]


def test_open_deals_per_stage(maven):
    report = build("pipeline-by-stage", maven.executive, pipeline=maven.pipeline.pk)
    counts = Counter(deal["deal_stage"] for deal in DEALS)
    assert report.rows == [
        ["Prospecting", 10, counts["Prospecting"], ZERO, ZERO],
        ["Engaging", 50, counts["Engaging"], ZERO, ZERO],
    ]


# Per agent and per team


def test_won_count_and_amount_of_every_agent(maven):
    for agent, expected in BY_AGENT.items():
        owner = maven.agents[agent]
        totals = build("outcome-by-month", maven.executive, owner=owner.pk).totals
        assert totals[1:5] == [expected["won"], expected["won_amount"], expected["lost"], ZERO], (
            agent
        )
        assert totals[5] == expected["open"], agent


def test_each_manager_sees_the_team_and_the_team_filter_agrees(maven):
    for manager, expected in BY_MANAGER.items():
        totals = [
            "Total",
            expected["won"],
            expected["lost"],
            expected["open"],
            expected["won"] + expected["lost"] + expected["open"],
            _rate(expected["won"], expected["lost"]),
        ]
        assert build("lead-source-outcome", maven.managers[manager]).totals == totals, manager
        team = maven.teams[manager]
        report = build("lead-source-outcome", maven.executive, team=team.pk)
        assert report.totals == totals, manager
        won_url = report.chart["views"][0]["series"][0]["urls"][0]
        assert f"team={team.pk}" in won_url and "lead_source=none" in won_url
        assert _listed(maven.executive, won_url) == expected["won"], manager


def test_a_rep_sees_only_their_own(maven):
    agent = "Darcel Schlecht"
    expected = BY_AGENT[agent]
    totals = build("outcome-by-month", maven.agents[agent]).totals
    assert totals[1:3] == [expected["won"], expected["won_amount"]]


# The API answers the page's figures


def test_api_report_equals_the_page(maven):
    params = {"pipeline": maven.pipeline.pk, "team": maven.teams["Cara Losch"].pk}
    response = ApiClient(maven.executive).get("/reports/outcome-by-month", **params)
    assert response.status_code == 200, response.content
    data = response.json()
    page = build("outcome-by-month", maven.executive, **params)

    def cell(value):
        return str(value) if isinstance(value, Decimal) else value

    assert [row["cells"] for row in data["rows"]] == [[cell(v) for v in r] for r in page.rows]
    assert data["totals"] == [cell(v) for v in page.totals]
    expected = BY_MANAGER["Cara Losch"]
    assert data["totals"][1:3] == [expected["won"], str(expected["won_amount"].quantize(ZERO))]


# The performance reports (present once forecasting/reports/performance.py is registered)


def test_leaderboard_per_agent(maven):
    report = build("leaderboard", maven.executive, pipeline=maven.pipeline.pk)
    # Owner, won, won amount, lost, win rate (%), open: one row per agent who owns a deal.
    rows = {row[0]: row[1:6] for row in report.rows}
    assert rows == {
        agent: [f["won"], f["won_amount"], f["lost"], _rate(f["won"], f["lost"]), f["open"]]
        for agent, f in BY_AGENT.items()
        if f["won"] + f["lost"] + f["open"]
    }
    assert report.totals[1:5] == [ALL["won"], ALL["won_amount"], ALL["lost"], D("63.2")]
    top = max(BY_AGENT, key=lambda agent: BY_AGENT[agent]["won_amount"])
    assert report.rows[0][0] == top  # the most won amount first


def test_win_rate_per_month(maven):
    report = build("win-rate", maven.executive, pipeline=maven.pipeline.pk)
    # Close month, won, lost, win rate by count (%), won amount: closed deals only.
    rows = {datetime.datetime.strptime(row[0], "%B %Y").date(): row[1:5] for row in report.rows}
    assert rows == {
        month: [f["won"], f["lost"], _rate(f["won"], f["lost"]), f["won_amount"]]
        for month, f in ALL["per_month"].items()
        if f["won"] + f["lost"]
    }
    assert report.totals[1:5] == [ALL["won"], ALL["lost"], D("63.2"), ALL["won_amount"]]
