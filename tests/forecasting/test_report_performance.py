"""Win rate over time, the sales cycle and the rep leaderboard: exact figures on the day-exact
history of `history_deals` (tests/forecasting/conftest.py), visibility, filters, drill-downs,
the API and query counts."""

import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict
from django.urls import reverse

from shangji.forecasting import selectors
from shangji.opportunities.selectors import opportunity_list
from shangji.opportunities.services import opportunity_move_stage
from shangji.users.models import Team
from tests.api.conftest import ApiClient
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db

D = Decimal


def build(slug, user, **params):
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query.setlist(key, value if isinstance(value, list) else [str(value)])
    filterset, report = selectors.report_get(spec=selectors.REPORTS[slug], user=user, params=query)
    assert report is not None, filterset.errors
    return report


def list_count(user, url) -> int:
    """How many opportunities the list behind a drill-down link shows."""
    parts = urlsplit(url)
    assert parts.path == reverse("opportunities:opportunity_list")
    filterset, page, _key, _descending = opportunity_list(
        user=user, params=QueryDict(parts.query), size=1000
    )
    assert page is not None, filterset.errors
    return len(page.items)


def series(report, view, name):
    return next(s for s in report.chart["views"][view]["series"] if s["name"] == name)


# 1. Win rate over time


def test_win_rate_figures(history_deals, team_users):
    report = build("win-rate", team_users["admin"])
    # closed deals by close month: H7 won 780.00 (Dec); H1 won 10000.00, H5 lost 5000.00
    # (Feb); H3 won 3900.00, H2 lost 7100.00 (Mar); January has none but shows.
    assert report.rows == [
        ["December 2025", 1, 0, D("100.0"), D("780.00"), D("0.00"), D("100.0")],
        ["January 2026", 0, 0, None, D("0.00"), D("0.00"), None],
        # 10000 / 15000 = 66.67 %
        ["February 2026", 1, 1, D("50.0"), D("10000.00"), D("5000.00"), D("66.7")],
        # 3900 / 11000 = 35.45 %
        ["March 2026", 1, 1, D("50.0"), D("3900.00"), D("7100.00"), D("35.5")],
    ]
    # 3 of 5; 14680 / 26780 = 54.82 %
    assert report.totals == ["Total", 3, 2, D("60.0"), D("14680.00"), D("12100.00"), D("54.8")]
    assert [str(column.label) for column in report.columns] == [
        "Close month",
        "Won",
        "Lost",
        "Win rate by count (%)",
        "Won amount (CNY)",
        "Lost amount (CNY)",
        "Win rate by amount (%)",
    ]


def test_win_rate_chart_bars_and_rate_line(history_deals, team_users):
    chart = build("win-rate", team_users["admin"]).chart
    counts, amounts = chart["views"]
    assert counts["percent_axis"] == 1 and counts["axes"] == ["Count", "Win rate (%)"]
    rate, won, lost = counts["series"]
    assert (rate["type"], rate["axis"]) == ("line", 1)
    assert rate["values"] == [D("100.0"), None, D("50.0"), D("50.0")]
    assert won["values"] == [1, 0, 1, 1] and lost["values"] == [0, 0, 1, 1]
    assert amounts["series"][0]["values"] == [D("100.0"), None, D("66.7"), D("35.5")]
    assert parse_qs(urlsplit(won["urls"][2]).query) == {
        "close_date_from": ["2026-02-01"],
        "close_date_to": ["2026-02-28"],
        "status": ["won"],
    }
    assert parse_qs(urlsplit(rate["urls"][3]).query)["status"] == ["closed"]


def test_win_rate_drill_downs_list_what_the_bars_count(history_deals, team_users):
    admin = team_users["admin"]
    report = build("win-rate", admin, close_date_from="2026-02-10")
    assert [row[0] for row in report.rows] == ["February 2026", "March 2026"]
    rate, won, lost = report.chart["views"][0]["series"]
    for index, row in enumerate(report.rows):
        assert list_count(admin, won["urls"][index]) == row[1]
        assert list_count(admin, lost["urls"][index]) == row[2]
        assert list_count(admin, rate["urls"][index]) == row[1] + row[2]
    assert parse_qs(urlsplit(won["urls"][0]).query)["close_date_from"] == ["2026-02-10"]


def test_win_rate_rep_sees_only_own(history_deals, team_users):
    report = build("win-rate", team_users["wangqiang"])
    # H7 won 780.00, H1 won 10000.00, H2 lost 7100.00; 10780 / 17880 = 60.29 %
    assert report.totals == ["Total", 2, 1, D("66.7"), D("10780.00"), D("7100.00"), D("60.3")]
    north = Team.objects.get(name="华北销售")
    assert build("win-rate", team_users["admin"], team=north.pk).rows == [
        ["February 2026", 0, 1, D("0.0"), D("0.00"), D("5000.00"), D("0.0")]
    ]


# 2. Average sales cycle


def test_sales_cycle_figures(history_deals, team_users):
    report = build("sales-cycle", team_users["admin"])
    # days created → closed: H7 1, H1 20, H5 4, H3 12 (created d0, reopened, won again d12),
    # H2 24.5 (d0 21:00 → d25 09:00)
    assert report.rows == [
        ["December 2025", 1, D("1.0"), 0, None, 1, D("1.0")],
        ["January 2026", 0, None, 0, None, 0, None],
        ["February 2026", 1, D("20.0"), 1, D("4.0"), 2, D("12.0")],
        ["March 2026", 1, D("12.0"), 1, D("24.5"), 2, D("18.3")],  # 18.25 rounds up
    ]
    # won (1 + 20 + 12) / 3 = 11; lost (4 + 24.5) / 2 = 14.25; all 61.5 / 5 = 12.3
    assert report.totals == ["Total", 3, D("11.0"), 2, D("14.3"), 5, D("12.3")]
    assert [column.kind for column in report.columns] == [
        "text",
        "count",
        "days",
        "count",
        "days",
        "count",
        "days",
    ]


def test_sales_cycle_reopened_deal_counts_from_creation_to_its_last_close(
    history_deals, team_users
):
    report = build("sales-cycle", team_users["chenjing"])
    assert report.rows == [["March 2026", 1, D("12.0"), 0, None, 1, D("12.0")]]


def test_sales_cycle_drill_downs_and_visibility(history_deals, team_users):
    liming = team_users["liming"]
    report = build("sales-cycle", liming)  # 赵磊's H5 is not his team's
    assert report.totals == ["Total", 3, D("11.0"), 1, D("24.5"), 4, D("14.4")]  # 57.5 / 4
    everything, won, lost = report.chart["views"][0]["series"]
    assert everything["type"] == "line"
    assert won["values"] == [D("1.0"), None, D("20.0"), D("12.0")]
    for index, row in enumerate(report.rows):
        assert list_count(liming, won["urls"][index]) == row[1]
        assert list_count(liming, lost["urls"][index]) == row[3]
        assert list_count(liming, everything["urls"][index]) == row[5]


# 5. Rep leaderboard


def test_leaderboard_figures(history_deals, team_users):
    report = build("leaderboard", team_users["admin"])
    assert report.rows == [
        # won H1 10000 + H7 780, lost H2, open H6 800.00 at Value Proposition (30 %)
        ["王强", 2, D("10780.00"), 1, D("66.7"), 1, D("800.00"), D("240.00"), D("5390.00")],
        # won H3 3900, open H4 2000.00 at Proposal/Price Quote (65 %)
        ["陈静", 1, D("3900.00"), 0, D("100.0"), 1, D("2000.00"), D("1300.00"), D("3900.00")],
        ["赵磊", 0, D("0.00"), 1, D("0.0"), 0, D("0.00"), D("0.00"), None],
    ]
    # 14680 / 3 = 4893.333…
    assert report.totals == [
        "Total",
        3,
        D("14680.00"),
        2,
        D("60.0"),
        2,
        D("2800.00"),
        D("1540.00"),
        D("4893.33"),
    ]


def test_leaderboard_drill_downs_by_owner(history_deals, team_users):
    admin = team_users["admin"]
    report = build("leaderboard", admin)
    won, lost, open_ = report.chart["views"][1]["series"]
    for index, row in enumerate(report.rows):
        assert list_count(admin, won["urls"][index]) == row[1]
        assert list_count(admin, lost["urls"][index]) == row[3]
        assert list_count(admin, open_["urls"][index]) == row[5]
    amount = series(report, 0, "Won amount")
    assert parse_qs(urlsplit(amount["urls"][1]).query) == {
        "owner": [str(team_users["chenjing"].pk)],
        "status": ["won"],
    }


def test_leaderboard_rep_and_filters(history_deals, team_users):
    rep = build("leaderboard", team_users["wangqiang"])
    assert [row[0] for row in rep.rows] == ["王强"]
    # Closing in March or later: H2 (lost), H3 (won), H4 and H6 (open)
    report = build("leaderboard", team_users["admin"], close_date_from="2026-03-01")
    assert report.rows == [
        ["陈静", 1, D("3900.00"), 0, D("100.0"), 1, D("2000.00"), D("1300.00"), D("3900.00")],
        ["王强", 0, D("0.00"), 1, D("0.0"), 1, D("800.00"), D("240.00"), None],
    ]


def test_leaderboard_mixed_currency_amounts_exact(deals, team_users):
    # The shared `deals`: 王强 won D USD 2000 = 14200.00; open A 1000.00 (10 %), B 710.00 (65 %),
    # G 2340.00 (50 %): weighted 100 + 461.50 + 1170 = 1731.50
    rows = {row[0]: row[1:] for row in build("leaderboard", team_users["admin"]).rows}
    assert rows["王强"] == [
        1,
        D("14200.00"),
        0,
        D("100.0"),
        3,
        D("4050.00"),
        D("1731.50"),
        D("14200.00"),
    ]


# Pages, CSV, API, query counts


def test_win_rate_page_and_csv(history_deals, client, team_users):
    client.force_login(team_users["admin"])
    html = client.get(reverse("forecasting:report_detail", args=["win-rate"])).content.decode()
    assert "Win rate over time" in html and "14,680.00" in html and "54.8" in html
    response = client.get(reverse("forecasting:report_export", args=["win-rate"]))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "Close month,Won,Lost,Win rate by count (%),Won amount (CNY),Lost amount (CNY),"
        "Win rate by amount (%)"
    )
    assert lines[2] == "January 2026,0,0,,0.00,0.00,"
    assert lines[-1] == "Total,3,2,60.0,14680.00,12100.00,54.8"


def _cells(values):
    return [str(value) if isinstance(value, Decimal) else value for value in values]


@pytest.mark.parametrize("slug", ["win-rate", "sales-cycle", "leaderboard"])
def test_api_equals_the_page(history_deals, client, team_users, slug):
    manager = team_users["liming"]
    params = {"close_date_to": "2026-03-31"}
    response = ApiClient(manager).get(f"/reports/{slug}", **params)
    assert response.status_code == 200, response.content
    data = response.json()
    client.force_login(manager)
    page = client.get(reverse("forecasting:report_detail", args=[slug]), params)
    report = page.context["report"]
    assert data["rows"] and [row["cells"] for row in data["rows"]] == [
        _cells(row) for row in report.rows
    ]
    assert data["totals"] == _cells(report.totals)
    first = report.chart["views"][0]["series"][0]
    assert [row["drill_url"] for row in data["rows"]] == first["urls"]


@pytest.mark.parametrize("slug", ["win-rate", "sales-cycle", "leaderboard"])
def test_query_count_is_constant(history_deals, client, team_users, make_opportunity, stages, slug):
    client.force_login(team_users["liming"])
    url = reverse("forecasting:report_detail", args=[slug])
    before = queries_of(lambda: client.get(url))
    for month in range(1, 7):
        deal = make_opportunity(
            team_users["chenjing"], "Qualification", "10.00", "USD", datetime.date(2026, month, 3)
        )
        target = "Closed Lost" if month % 2 else "Closed Won"
        opportunity_move_stage(
            opportunity=deal,
            stage=stages[target],
            actor=deal.owner,
            version=deal.version,
            lost_reason="Price",
        )
    after = queries_of(lambda: client.get(url))
    assert after == before <= 12
