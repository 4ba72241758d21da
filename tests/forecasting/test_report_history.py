"""Time in stage, close-date slippage, stage conversion and stage win rates, read from the
history rows of `history_deals` (tests/forecasting/conftest.py, every change at an exact
instant): figures, visibility, filters, drill-downs, the API and query counts."""

import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse

from shangji.opportunities.models import Pipeline, Stage
from shangji.opportunities.services import opportunity_move_stage, opportunity_update
from shangji.users.models import Team
from tests.api.conftest import ApiClient
from tests.forecasting.conftest import NOW
from tests.forecasting.test_report_performance import build, list_count, series
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db

D = Decimal
HISTORY_SLUGS = ["time-in-stage", "slippage", "stage-conversion", "stage-win-rates"]


def rows_by_label(report):
    return {row[0]: row[1:] for row in report.rows}


# 3. Time in each stage


def test_time_in_stage_figures(history_deals, team_users):
    report = build("time-in-stage", team_users["admin"])
    # visits, average days, longest, in it now, their average days (now = day 30)
    assert report.rows == [
        ["Prospecting", 3, D("3.0"), D("4.0"), 0, None],  # H1 3, H3 2, H5 4
        ["Qualification", 2, D("7.3"), D("7.5"), 0, None],  # H1 7, H2 7.5 (from 21:00)
        ["Legacy Review (retired)", 1, D("5.0"), D("5.0"), 0, None],  # H6 d2 → d7
        ["Needs Analysis", 1, D("3.0"), D("3.0"), 0, None],  # H4 d1 → d4
        ["Value Proposition", 1, D("23.0"), D("23.0"), 1, D("23.0")],  # H6 since d7
        ["Identifying Decision Makers", 0, None, None, 0, None],
        ["Perception Analysis", 1, D("1.0"), D("1.0"), 0, None],  # H7
        ["Proposal/Price Quote", 2, D("18.0"), D("26.0"), 1, D("26.0")],  # H1 10, H4 since d4
        # H2 17; H3 6 after reopening (its two visits to Closed Won do not count)
        ["Negotiation/Review", 2, D("11.5"), D("17.0"), 0, None],
    ]
    # 114.5 days over 13 visits = 8.81
    assert report.totals == ["Total", 13, D("8.8"), D("26.0"), 2, D("24.5")]


def test_time_in_stage_ongoing_visits_end_now(history_deals, team_users):
    with time_machine.travel(NOW + datetime.timedelta(hours=36), tick=False):
        rows = rows_by_label(build("time-in-stage", team_users["admin"]))
    assert rows["Value Proposition"] == [1, D("24.5"), D("24.5"), 1, D("24.5")]
    assert rows["Proposal/Price Quote"] == [2, D("18.8"), D("27.5"), 1, D("27.5")]  # 37.5 / 2
    assert rows["Prospecting"] == [3, D("3.0"), D("4.0"), 0, None]


def test_time_in_stage_visibility_and_filters(history_deals, team_users):
    rows = rows_by_label(build("time-in-stage", team_users["wangqiang"]))  # H1, H2, H6, H7
    assert rows["Prospecting"] == [1, D("3.0"), D("3.0"), 0, None]
    assert rows["Proposal/Price Quote"] == [1, D("10.0"), D("10.0"), 0, None]
    assert rows["Negotiation/Review"] == [1, D("17.0"), D("17.0"), 0, None]
    # Closing by the end of February: H1, H5, H7
    report = build("time-in-stage", team_users["admin"], close_date_to="2026-02-28")
    rows = rows_by_label(report)
    assert rows["Prospecting"] == [2, D("3.5"), D("4.0"), 0, None]
    assert rows["Qualification"] == [1, D("7.0"), D("7.0"), 0, None]
    assert "Legacy Review (retired)" not in rows  # a retired stage shows only with visits
    assert report.totals == ["Total", 5, D("5.0"), D("10.0"), 0, None]  # 25 / 5
    north = Team.objects.get(name="华北销售")
    assert build("time-in-stage", team_users["admin"], team=north.pk).totals[:2] == ["Total", 1]


def test_time_in_stage_drills_to_the_deals_in_it_now(history_deals, team_users):
    admin = team_users["admin"]
    report = build("time-in-stage", admin)
    now = series(report, 0, "In it now")
    assert now["type"] == "line"
    for index, row in enumerate(report.rows):
        assert list_count(admin, now["urls"][index]) == row[4]
    proposal = report.chart["categories"].index("Proposal/Price Quote")
    assert parse_qs(urlsplit(now["urls"][proposal]).query) == {
        "stage": [str(history_deals["H4"].stage_id)],
        "status": ["open"],
    }


# 4. Close-date slippage


def test_slippage_figures(history_deals, team_users):
    report = build("slippage", team_users["admin"])
    # deals, slipped, pushes, days pushed, days per push, slipped twice+, open slipped twice+
    assert report.rows == [
        # H1 +10, H2 +28 +21 (closed since): 59 days in 3 pushes
        ["王强", 4, 2, 3, 59, D("19.7"), 1, 0],
        # H4 +15, pulled in (not counted), +20
        ["陈静", 2, 1, 2, 35, D("17.5"), 1, 1],
        ["赵磊", 1, 0, 0, 0, None, 0, 0],
    ]
    assert report.totals == ["Total", 7, 3, 5, 94, D("18.8"), 2, 1]


def test_slippage_drill_downs(history_deals, team_users):
    admin = team_users["admin"]
    report = build("slippage", admin)
    deals = series(report, 0, "Deals")
    flagged = series(report, 0, "Open, slipped twice or more")
    assert series(report, 0, "Deals slipped")["urls"] == [None, None, None]
    for index, row in enumerate(report.rows):
        assert list_count(admin, deals["urls"][index]) == row[1]
        assert list_count(admin, flagged["urls"][index]) == row[7]
    chen = team_users["chenjing"]
    assert parse_qs(urlsplit(flagged["urls"][1]).query) == {
        "owner": [str(chen.pk)],
        "status": ["open"],
        "health": ["slipped_twice"],
    }


def test_slippage_visibility_and_filters(history_deals, team_users):
    assert build("slippage", team_users["chenjing"]).rows == [
        ["陈静", 2, 1, 2, 35, D("17.5"), 1, 1]
    ]
    manager = build("slippage", team_users["liming"])
    assert [row[0] for row in manager.rows] == ["王强", "陈静"]
    # Closing in March: H2 (wang) and H3 (chen)
    report = build(
        "slippage", team_users["admin"], close_date_from="2026-03-01", close_date_to="2026-03-31"
    )
    assert report.rows == [
        ["王强", 1, 1, 2, 49, D("24.5"), 1, 0],
        ["陈静", 1, 0, 0, 0, None, 0, 0],
    ]


# 6. Stage-to-stage conversion


def test_stage_conversion_figures(history_deals, team_users):
    report = build("stage-conversion", team_users["admin"])
    # Furthest open position reached (ever won): H1 7 (won), H2 8, H3 8 (won), H4 7, H5 1
    # (then lost: the lost stage is no step forward), H6 4 (Legacy Review sits at 2), H7 6 (won)
    assert report.rows == [
        # reached, went on, conversion to the next, of the first stage, there now
        ["Prospecting", 7, 6, D("85.7"), D("100.0"), 0],
        ["Qualification", 6, 6, D("100.0"), D("85.7"), 0],
        ["Needs Analysis", 6, 6, D("100.0"), D("85.7"), 0],
        ["Value Proposition", 6, 5, D("83.3"), D("85.7"), 1],
        ["Identifying Decision Makers", 5, 5, D("100.0"), D("71.4"), 0],
        ["Perception Analysis", 5, 5, D("100.0"), D("71.4"), 0],
        ["Proposal/Price Quote", 5, 4, D("80.0"), D("71.4"), 1],
        ["Negotiation/Review", 4, 3, D("75.0"), D("57.1"), 0],
        ["Won", 3, None, None, D("42.9"), 3],
    ]
    assert report.totals == ["All deals in the pipeline", 7, None, None, None, None]
    funnel, _bars = report.chart["views"]
    assert funnel["type"] == "funnel"
    assert funnel["series"][0]["values"] == [7, 6, 6, 6, 5, 5, 5, 4, 3]


def test_stage_conversion_rep_and_drill_downs(history_deals, team_users):
    rep = team_users["wangqiang"]
    report = build("stage-conversion", rep)  # H1 7 won, H2 8, H6 4, H7 6 won
    rows = rows_by_label(report)
    assert rows["Prospecting"] == [4, 4, D("100.0"), D("100.0"), 0]
    assert rows["Value Proposition"] == [4, 3, D("75.0"), D("100.0"), 1]
    assert rows["Negotiation/Review"] == [3, 2, D("66.7"), D("75.0"), 0]
    assert rows["Won"] == [2, None, None, D("50.0"), 2]
    there = series(report, 1, "There now")
    for index, row in enumerate(report.rows):
        assert list_count(rep, there["urls"][index]) == row[5]


def test_stage_conversion_of_another_pipeline(history_deals, team_users, make_opportunity):
    renewals = Pipeline.objects.create(name="Renewals", position=5)
    r1, r2, won, lost = (
        Stage.objects.create(pipeline=renewals, name=name, position=n, probability=p, kind=kind)
        for n, (name, p, kind) in enumerate(
            [("Contact", 30, "open"), ("Offer", 60, "open"), ("Renewed", 100, "won")]
            + [("Lapsed", 0, "lost")],
            start=1,
        )
    )
    admin = team_users["admin"]
    x = make_opportunity(admin, close_date=datetime.date(2026, 3, 1), stage="Prospecting")
    x = opportunity_move_stage(opportunity=x, stage=r1, actor=admin, version=x.version)
    opportunity_move_stage(
        opportunity=x, stage=lost, actor=admin, version=x.version, lost_reason="Price"
    )
    y = make_opportunity(admin, close_date=datetime.date(2026, 3, 1), stage="Qualification")
    for stage in (r1, r2, won):
        y = opportunity_move_stage(opportunity=y, stage=stage, actor=admin, version=y.version)
    report = build("stage-conversion", admin, pipeline=renewals.pk)
    assert report.rows == [
        ["Contact", 2, 1, D("50.0"), D("100.0"), 0],
        ["Offer", 1, 1, D("100.0"), D("50.0"), 0],
        ["Won", 1, None, None, D("50.0"), 1],
    ]
    # The default pipeline's funnel leaves out the deals now in Renewals.
    assert build("stage-conversion", admin).totals[1] == 7
    won_url = series(report, 1, "There now")["urls"][-1]
    assert parse_qs(urlsplit(won_url).query) == {"pipeline": [str(renewals.pk)], "status": ["won"]}
    assert list_count(admin, won_url) == 1


# 7. Historical win rate per stage


def test_stage_win_rates_figures(history_deals, team_users):
    report = build("stage-win-rates", team_users["admin"])
    # closed: H1 won, H2 lost, H3 won, H5 lost, H7 won
    assert report.rows == [
        # closed ever in it, won, historical %, configured %, difference (points)
        ["Prospecting", 3, 2, D("66.7"), 10, D("56.7")],  # H1, H3, H5
        ["Qualification", 2, 1, D("50.0"), 20, D("30.0")],  # H1, H2
        ["Needs Analysis", 0, 0, None, 25, None],
        ["Value Proposition", 0, 0, None, 30, None],
        ["Identifying Decision Makers", 0, 0, None, 40, None],
        ["Perception Analysis", 1, 1, D("100.0"), 50, D("50.0")],  # H7
        ["Proposal/Price Quote", 1, 1, D("100.0"), 65, D("35.0")],  # H1
        ["Negotiation/Review", 2, 1, D("50.0"), 80, D("-30.0")],  # H2, H3 (reopened)
    ]
    assert report.totals == ["All closed deals", 5, 3, D("60.0"), None, None]


def test_stage_win_rates_retired_stage_and_visibility(history_deals, team_users, stages):
    h6 = history_deals["H6"]
    opportunity_move_stage(
        opportunity=h6,
        stage=stages["Closed Lost"],
        actor=h6.owner,
        version=h6.version,
        lost_reason="Price",
    )
    rows = rows_by_label(build("stage-win-rates", team_users["admin"]))
    assert rows["Legacy Review (retired)"] == [1, 0, D("0.0"), 15, D("-15.0")]
    assert rows["Value Proposition"] == [1, 0, D("0.0"), 30, D("-30.0")]
    report = build("stage-win-rates", team_users["chenjing"])  # H3 only
    rows = rows_by_label(report)
    assert rows["Prospecting"] == [1, 1, D("100.0"), 10, D("90.0")]
    assert rows["Negotiation/Review"] == [1, 1, D("100.0"), 80, D("20.0")]
    assert report.totals == ["All closed deals", 1, 1, D("100.0"), None, None]


def test_stage_win_rates_probability_drills_to_open_deals(history_deals, team_users):
    admin = team_users["admin"]
    report = build("stage-win-rates", admin)
    assert report.chart["views"][0]["percent_axis"] == 0
    assert series(report, 0, "Historical win rate (%)")["urls"] == [None] * 8
    configured = series(report, 0, "Configured probability (%)")
    proposal = report.chart["categories"].index("Proposal/Price Quote")
    assert list_count(admin, configured["urls"][proposal]) == 1  # H4


# Every history report: the API, empty scopes, query counts


def _cells(values):
    return [str(value) if isinstance(value, Decimal) else value for value in values]


@pytest.mark.parametrize("slug", HISTORY_SLUGS)
def test_api_equals_the_page(history_deals, client, team_users, slug):
    manager = team_users["liming"]
    params = {"close_date_from": "2026-01-01"}
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


@pytest.mark.parametrize("slug", [*HISTORY_SLUGS, "win-rate", "sales-cycle", "leaderboard"])
def test_no_deals_in_scope(history_deals, client, team_users, slug):
    report = build(slug, team_users["admin"], close_date_from="2030-01-01")
    assert report.chart["categories"] == [row[0] for row in report.rows]
    client.force_login(team_users["admin"])
    url = reverse("forecasting:report_detail", args=[slug])
    assert client.get(url, {"close_date_from": "2030-01-01"}).status_code == 200


def _more_history(make_opportunity, team_users, stages, n):
    """`n` more deals of 陈静, each moved twice and its close date pushed once."""
    for index in range(n):
        deal = make_opportunity(
            team_users["chenjing"], "Prospecting", "10.00", "USD", datetime.date(2026, 2, 3)
        )
        deal = opportunity_move_stage(
            opportunity=deal, stage=stages["Qualification"], actor=deal.owner, version=deal.version
        )
        deal = opportunity_update(
            opportunity=deal,
            actor=deal.owner,
            version=deal.version,
            close_date=datetime.date(2026, 3, 3),
        )
        if index % 2:
            opportunity_move_stage(
                opportunity=deal, stage=stages["Closed Won"], actor=deal.owner, version=deal.version
            )


@pytest.mark.parametrize("slug", HISTORY_SLUGS)
def test_query_count_is_constant(history_deals, client, team_users, make_opportunity, stages, slug):
    client.force_login(team_users["liming"])
    url = reverse("forecasting:report_detail", args=[slug])
    params = {"team": Team.objects.get(name="华东销售").pk}
    before = queries_of(lambda: client.get(url, params))
    _more_history(make_opportunity, team_users, stages, 6)
    after = queries_of(lambda: client.get(url, params))
    assert after == before <= 12
