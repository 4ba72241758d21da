"""The dashboards: exact figures on the hand-built pipeline, per role, page against API."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from shangji.forecasting.dashboard import dashboard_build
from shangji.forecasting.periods import period_parse
from tests.helpers import queries_of

Q1 = period_parse("FY2026-Q1")
NOW = datetime.datetime(2026, 2, 15, 4, 0, tzinfo=datetime.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_executive_dashboard(frozen, deals, quotas, team_users):
    board = dashboard_build(user=team_users["zhangyue"], period=Q1, view="company")
    row = board.headline
    assert row.kind == "company"
    # Won: D 14,200. Commit: F 10,000. Open: 10,000 + best case 710 + 2,599.97 + pipeline
    # 1,000 + 2,340. Quota 30,000 (华东's own) + 15,000 (华北: its members').
    assert row.quota == Decimal("45000")
    assert row.figures.closed_won == Decimal("14200.00")
    assert row.figures.commit == Decimal("10000.00")
    assert row.figures.open_pipeline == Decimal("16649.97")
    # (1,000×10 + 710×65 + 2,599.97×65 + 10,000×80 + 2,340×50) ÷ 100 = 11,421.4805
    assert row.figures.weighted == Decimal("11421.48")
    assert row.attainment == Decimal("31.6")  # 14,200 ÷ 45,000
    assert row.gap == Decimal("20800.00")  # 45,000 − 14,200 − 10,000
    assert row.coverage == Decimal("0.54")  # 16,649.97 ÷ 30,800
    teams = {group.team.name: group.total for group in board.forecast.groups if group.total}
    assert teams["华东销售"].quota == Decimal("30000")
    assert teams["华北销售"].quota == Decimal("15000")
    # Five open deals; A (15 Jan), B (20 Jan) and C (10 Feb) are past their close date; none
    # has a next step or a contact; all were created today, so none is stale.
    assert board.open_count == 5
    health = {line.flag: (line.count, line.amount) for line in board.health}
    assert health == {
        "stale": (0, Decimal("0.00")),
        "close_date_passed": (3, Decimal("4309.97")),
        "slipped_twice": (0, Decimal("0.00")),
        "no_next_step": (5, Decimal("16649.97")),
        "no_decision_maker": (5, Decimal("16649.97")),
    }
    assert [deal.name for deal in board.deals] == [
        deals[key].name for key in ("F", "C", "G", "A", "B")
    ]
    leaders = board.leaderboard.rows
    assert leaders[0][0] == team_users["wangqiang"].display_name
    assert leaders[0][2] == Decimal("14200.00")
    assert board.pipeline is None


def test_manager_sees_the_team(frozen, deals, quotas, team_users):
    board = dashboard_build(user=team_users["liming"], period=Q1, view="company")
    row = board.headline
    assert (row.kind, row.label) == ("team", "华东销售")
    assert row.quota == Decimal("30000")
    assert row.figures.closed_won == Decimal("14200.00")
    assert row.figures.open_pipeline == Decimal("6649.97")  # 710 + 2,599.97 + 1,000 + 2,340
    assert row.attainment == Decimal("47.3")
    # zhaolei's F is not the manager's to see.
    assert board.open_count == 4
    assert deals["F"] not in board.deals


def test_rep_dashboard(frozen, deals, quotas, team_users):
    wang = team_users["wangqiang"]
    board = dashboard_build(user=wang, period=Q1, view="mine")
    row = board.headline
    assert (row.kind, row.user) == ("rep", wang)
    assert row.quota == Decimal("20000")
    assert row.figures.closed_won == Decimal("14200.00")
    assert row.figures.best_case == Decimal("710.00")
    assert row.figures.pipeline == Decimal("3340.00")
    assert row.figures.weighted == Decimal("1731.50")  # 100 + 461.50 + 1,170
    assert row.attainment == Decimal("71.0")
    assert row.gap == Decimal("5800.00")
    assert row.coverage == Decimal("0.70")  # 4,050 ÷ 5,800
    # My flags: my open deals with any flag, by close date.
    assert [deal.name for deal in board.deals] == [deals[key].name for key in ("A", "B", "G")]
    assert board.open_count == 3
    assert board.leaderboard is None
    stages = {row[0]: row[2] for row in board.pipeline.rows}
    assert stages["Prospecting"] == 1
    assert stages["Proposal/Price Quote"] == 1
    assert board.pipeline.totals[2] == 3


def test_page_and_views(frozen, client, deals, quotas, team_users):
    client.force_login(team_users["wangqiang"])
    page = client.get("/dashboard/?period=FY2026-Q1&view=company")
    html = page.content.decode()
    assert page.status_code == 200
    # A rep always gets their own dashboard, whatever they ask for.
    assert "My dashboard" in html and 'data-testid="dashboard-leaderboard"' not in html
    assert 'data-figure="closed_won"><a href="' in html and "14,200.00" in html
    client.force_login(team_users["zhangyue"])
    html = client.get("/dashboard/?period=FY2026-Q1").content.decode()
    assert 'data-testid="dashboard-leaderboard"' in html
    assert "45,000.00" in html and "31.6 %" in html
    mine = client.get("/dashboard/?period=FY2026-Q1&view=mine").content.decode()
    assert "My dashboard" in mine
    assert client.get("/dashboard/?period=FY2026-Q9").status_code == 200  # falls back


def test_query_count_does_not_grow(frozen, client, deals, quotas, team_users, make_opportunity):
    client.force_login(team_users["zhangyue"])
    url = "/dashboard/?period=FY2026-Q1"
    before = queries_of(lambda: client.get(url))
    for _n in range(6):
        make_opportunity(team_users["chenjing"], "Prospecting", "10.00", "CNY", Q1.end)
        make_opportunity(team_users["zhaolei"], "Closed Won", "10.00", "USD", Q1.start)
    assert queries_of(lambda: client.get(url)) == before
    assert before <= 16


def test_api_matches_the_page_selector(frozen, client, deals, quotas, team_users):
    """The API (here with the browser session) answers the page's figures."""
    client.force_login(team_users["zhangyue"])
    answer = client.get("/api/v1/dashboard?period=FY2026-Q1")
    assert answer.status_code == 200
    data = answer.json()
    assert data["view"] == "company"
    assert data["headline"]["quota"] == "45000.00"
    assert data["headline"]["closed_won"] == "14200.00"
    assert data["headline"]["attainment"] == "31.6"
    assert {line["flag"]: line["count"] for line in data["health"]}["close_date_passed"] == 3
    assert [deal["id"] for deal in data["deals"]][:2] == [deals["F"].pk, deals["C"].pk]
    assert data["deals"][0]["flags"] == ["no_next_step", "no_decision_maker"]
    assert data["leaderboard"]["rows"][0]["cells"][2] == "14200.00"
    client.force_login(team_users["wangqiang"])
    rep = client.get("/api/v1/dashboard?period=FY2026-Q1&view=company").json()
    assert rep["view"] == "mine" and rep["headline"]["gap"] == "5800.00"
    assert rep["pipeline"]["totals"][2] == 3
    assert client.get("/api/v1/dashboard?period=Q9").status_code == 400
