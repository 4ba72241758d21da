"""Weekly forecast snapshots (service, worker sweep, task, CLI) and the forecast accuracy page.

The story: the third quarter of 2026 (FY2026-Q3, fiscal years are calendar years), watched by
three snapshots while deals move, win, slip and are lost, then judged in October.
"""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from shangji import cli
from shangji.forecasting.models import ForecastSnapshot
from shangji.forecasting.snapshots import forecast_accuracy, forecast_snapshot_take
from shangji.forecasting.tasks import forecast_snapshot_sweep, take_forecast_snapshot
from shangji.opportunities.models import Opportunity
from shangji.opportunities.services import opportunity_move_stage, opportunity_update
from shangji.users.models import Team
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db

D = Decimal
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
WEEK_1, WEEK_2, WEEK_3 = (
    datetime.date(2026, 6, 29),
    datetime.date(2026, 7, 6),
    datetime.date(2026, 8, 3),
)
JUDGED = datetime.datetime(2026, 10, 12, 10, 0, tzinfo=SHANGHAI)
Q3 = "FY2026-Q3"


def at(day: datetime.date, hour: int = 10):
    """A moment of `day` in Shanghai."""
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def fresh(opportunity):
    return Opportunity.objects.get(pk=opportunity.pk)


def move(opportunity, stages, stage, **extra):
    current = fresh(opportunity)
    return opportunity_move_stage(
        opportunity=current,
        stage=stages[stage],
        actor=current.owner,
        version=current.version,
        **extra,
    )


def play_quarter(make_opportunity, team_users, stages, *, chen_moves_north=False):
    """Build the deals and take the three snapshots; ends on JUDGED (the clock stays there)."""
    wang, chen, zhao = team_users["wangqiang"], team_users["chenjing"], team_users["zhaolei"]
    traveller = time_machine.travel(at(WEEK_1), tick=False)
    clock = traveller.start()
    deals = {
        # Amounts in CNY, so the base amount is the amount.
        "W1": make_opportunity(
            wang, "Negotiation/Review", "10000", "CNY", datetime.date(2026, 8, 15)
        ),
        "W2": make_opportunity(
            wang, "Proposal/Price Quote", "4000", "CNY", datetime.date(2026, 9, 10)
        ),
        "C0": make_opportunity(chen, "Closed Won", "1000", "CNY", datetime.date(2026, 6, 15)),
        "C1": make_opportunity(
            chen, "Negotiation/Review", "6000", "CNY", datetime.date(2026, 7, 20)
        ),
        "Z1": make_opportunity(zhao, "Prospecting", "20000", "CNY", datetime.date(2026, 9, 30)),
    }
    written = [forecast_snapshot_take()]
    clock.move_to(at(datetime.date(2026, 7, 3)))
    move(deals["C1"], stages, "Closed Won")
    move(deals["W2"], stages, "Negotiation/Review")
    clock.move_to(at(WEEK_2))
    written.append(forecast_snapshot_take())
    clock.move_to(at(datetime.date(2026, 7, 20)))
    current = fresh(deals["W1"])
    opportunity_update(
        opportunity=current,
        actor=wang,
        version=current.version,
        close_date=datetime.date(2026, 10, 15),
    )
    move(deals["Z1"], stages, "Negotiation/Review")
    if chen_moves_north:
        chen.team = Team.objects.get(name="华北销售")
        chen.save()
    clock.move_to(at(WEEK_3))
    written.append(forecast_snapshot_take())
    clock.move_to(at(datetime.date(2026, 9, 8)))
    move(deals["W2"], stages, "Closed Won")
    clock.move_to(at(datetime.date(2026, 9, 20)))
    deals["Z2"] = make_opportunity(zhao, "Closed Won", "3000", "CNY", datetime.date(2026, 9, 25))
    clock.move_to(at(datetime.date(2026, 9, 28)))
    move(deals["Z1"], stages, "Closed Lost", lost_reason="Price")
    clock.move_to(JUDGED)
    return traveller, deals, written


@pytest.fixture
def quarter(make_opportunity, team_users, stages):
    traveller, deals, written = play_quarter(make_opportunity, team_users, stages)
    yield deals, written
    traveller.stop()


def stored(week):
    return [
        (
            row.period_kind,
            row.period_start.isoformat(),
            row.owner.username,
            row.team.name if row.team else None,
            row.closed_won,
            row.commit,
            row.best_case,
            row.pipeline,
            row.weighted,
        )
        for row in ForecastSnapshot.objects.filter(week=week)
        .select_related("owner", "team")
        .order_by("period_kind", "period_start", "owner__username")
    ]


def test_each_week_stores_every_owners_figures_per_period(quarter):
    _deals, written = quarter
    assert written == [8, 7, 7]
    # Week 1 (Mon 29 June): June, Q2, FY2026 and the next quarter Q3. Weighted: W1 10000 × 80 %
    # + W2 4000 × 65 % = 10600; C1 6000 × 80 % = 4800; Z1 20000 × 10 % = 2000.
    assert stored(WEEK_1) == [
        (
            "month",
            "2026-06-01",
            "chenjing",
            "华东销售",
            D("1000.00"),
            D("0"),
            D("0"),
            D("0"),
            D("0"),
        ),
        (
            "quarter",
            "2026-04-01",
            "chenjing",
            "华东销售",
            D("1000.00"),
            D("0"),
            D("0"),
            D("0"),
            D("0"),
        ),
        (
            "quarter",
            "2026-07-01",
            "chenjing",
            "华东销售",
            D("0"),
            D("6000.00"),
            D("0"),
            D("0"),
            D("4800.00"),
        ),
        (
            "quarter",
            "2026-07-01",
            "wangqiang",
            "华东销售",
            D("0"),
            D("10000.00"),
            D("4000.00"),
            D("0"),
            D("10600.00"),
        ),
        (
            "quarter",
            "2026-07-01",
            "zhaolei",
            "华北销售",
            D("0"),
            D("0"),
            D("0"),
            D("20000.00"),
            D("2000.00"),
        ),
        (
            "year",
            "2026-01-01",
            "chenjing",
            "华东销售",
            D("1000.00"),
            D("6000.00"),
            D("0"),
            D("0"),
            D("4800.00"),
        ),
        (
            "year",
            "2026-01-01",
            "wangqiang",
            "华东销售",
            D("0"),
            D("10000.00"),
            D("4000.00"),
            D("0"),
            D("10600.00"),
        ),
        (
            "year",
            "2026-01-01",
            "zhaolei",
            "华北销售",
            D("0"),
            D("0"),
            D("0"),
            D("20000.00"),
            D("2000.00"),
        ),
    ]
    # Week 2 (6 July): C1 won, W2 in commit (4000 × 80 % = 3200); July, Q3, FY2026; Q4 is empty.
    assert [r for r in stored(WEEK_2) if r[0] == "quarter"] == [
        (
            "quarter",
            "2026-07-01",
            "chenjing",
            "华东销售",
            D("6000.00"),
            D("0"),
            D("0"),
            D("0"),
            D("0"),
        ),
        (
            "quarter",
            "2026-07-01",
            "wangqiang",
            "华东销售",
            D("0"),
            D("14000.00"),
            D("0"),
            D("0"),
            D("11200.00"),
        ),
        (
            "quarter",
            "2026-07-01",
            "zhaolei",
            "华北销售",
            D("0"),
            D("0"),
            D("0"),
            D("20000.00"),
            D("2000.00"),
        ),
    ]
    assert [r[:3] for r in stored(WEEK_2) if r[0] == "month"] == [
        ("month", "2026-07-01", "chenjing")
    ]
    # Week 3 (3 August): W1 slipped into Q4, Z1 in commit (20000 × 80 % = 16000).
    assert [r for r in stored(WEEK_3) if r[0] == "quarter"] == [
        (
            "quarter",
            "2026-07-01",
            "chenjing",
            "华东销售",
            D("6000.00"),
            D("0"),
            D("0"),
            D("0"),
            D("0"),
        ),
        (
            "quarter",
            "2026-07-01",
            "wangqiang",
            "华东销售",
            D("0"),
            D("4000.00"),
            D("0"),
            D("0"),
            D("3200.00"),
        ),
        (
            "quarter",
            "2026-07-01",
            "zhaolei",
            "华北销售",
            D("0"),
            D("20000.00"),
            D("0"),
            D("0"),
            D("16000.00"),
        ),
        (
            "quarter",
            "2026-10-01",
            "wangqiang",
            "华东销售",
            D("0"),
            D("10000.00"),
            D("0"),
            D("0"),
            D("8000.00"),
        ),
    ]
    taken = ForecastSnapshot.objects.filter(week=WEEK_3).values_list("taken_at", flat=True)
    assert set(taken) == {at(WEEK_3)}


def test_a_second_run_in_the_same_week_changes_nothing(make_opportunity, team_users, stages):
    with time_machine.travel(at(WEEK_1), tick=False) as clock:
        deal = make_opportunity(
            team_users["wangqiang"], "Negotiation/Review", "5000", "CNY", datetime.date(2026, 7, 9)
        )
        assert forecast_snapshot_take() == 2  # wang in FY2026 and the next quarter, Q3
        before = stored(WEEK_1)
        clock.move_to(at(datetime.date(2026, 7, 5), 23))  # Sunday night, same week
        move(deal, stages, "Closed Won")
        make_opportunity(
            team_users["zhaolei"], "Prospecting", "900", "CNY", datetime.date(2026, 7, 9)
        )
        assert forecast_snapshot_take() == 0
        assert forecast_snapshot_take(week=datetime.date(2026, 7, 1)) == 0  # any day of it
        assert stored(WEEK_1) == before
        # Filling the week before later: the deals as their history stood at the end of its
        # Monday (22 June) — none existed yet, so there is nothing to write.
        assert forecast_snapshot_take(week=datetime.date(2026, 6, 24)) == 0
        assert stored(datetime.date(2026, 6, 22)) == []
        with pytest.raises(ValidationError):
            forecast_snapshot_take(week=datetime.date(2026, 7, 6))  # next week has not begun


def test_the_worker_sweep_takes_one_snapshot_per_local_week(make_opportunity, team_users):
    # Monday 00:30 in Shanghai is still Sunday in UTC: the week is Shanghai's.
    with time_machine.travel(
        datetime.datetime(2026, 7, 5, 16, 30, tzinfo=datetime.UTC), tick=False
    ) as clock:
        make_opportunity(
            team_users["chenjing"], "Prospecting", "700", "CNY", datetime.date(2026, 7, 30)
        )
        assert forecast_snapshot_sweep() == 3  # July, Q3, FY2026
        assert set(ForecastSnapshot.objects.values_list("week", flat=True)) == {WEEK_2}
        for moment in (at(WEEK_2, 11), datetime.datetime(2026, 7, 12, 15, 59, tzinfo=datetime.UTC)):
            clock.move_to(moment)  # later sweeps of the same week, the last one Sunday 23:59
            assert forecast_snapshot_sweep() == 0
        clock.move_to(datetime.datetime(2026, 7, 12, 16, 0, 30, tzinfo=datetime.UTC))
        assert forecast_snapshot_sweep() == 3
        assert forecast_snapshot_sweep() == 0
        weeks = ForecastSnapshot.objects.values_list("week", flat=True).distinct().order_by("week")
        assert list(weeks) == [WEEK_2, datetime.date(2026, 7, 13)]


def test_the_task_and_the_cli_take_it(make_opportunity, team_users, capsys):
    with time_machine.travel(at(WEEK_1), tick=False) as clock:
        make_opportunity(
            team_users["zhaolei"], "Prospecting", "700", "CNY", datetime.date(2026, 7, 30)
        )
        clock.move_to(at(datetime.date(2026, 7, 8)))
        # The week of 29 June, filled on 8 July from the history: the periods of that Monday
        # (June, Q2, FY2026 and the next quarter Q3); the deal closes in FY2026 and Q3.
        assert take_forecast_snapshot.call(week="2026-06-30") == 2
        assert cli.main(["forecast-snapshot", "--week", "2026-06-30"]) == 0
        assert "week of 2026-06-29 has its forecast snapshot already" in capsys.readouterr().out
        assert cli.main(["forecast-snapshot"]) == 0
        assert "week of 2026-07-06: 3 rows." in capsys.readouterr().out
        assert cli.main(["forecast-snapshot", "--week", "2026-07-13"]) == 1
        assert "has not begun" in capsys.readouterr().err
        with pytest.raises(SystemExit):
            cli.main(["forecast-snapshot", "--week", "13/07/2026"])
    assert ForecastSnapshot.objects.count() == 5


def test_a_past_week_is_filled_from_the_history(make_opportunity, team_users, stages):
    """Backfilled weeks show the forecast as it stood then, not today's."""
    with time_machine.travel(at(datetime.date(2026, 6, 1)), tick=False) as clock:
        deal = make_opportunity(
            team_users["wangqiang"], "Prospecting", "5000", "CNY", datetime.date(2026, 7, 9)
        )
        clock.move_to(at(datetime.date(2026, 6, 10)))
        move(deal, stages, "Negotiation/Review")  # commit, 80 %
        clock.move_to(at(datetime.date(2026, 7, 2)))
        move(deal, stages, "Closed Won")
        clock.move_to(at(datetime.date(2026, 7, 8)))
        for monday in (datetime.date(2026, 6, 1), datetime.date(2026, 6, 15)):
            assert forecast_snapshot_take(week=monday) == 2  # FY2026 and next quarter Q3
    q3 = {
        row.week: (row.closed_won, row.commit, row.pipeline, row.weighted)
        for row in ForecastSnapshot.objects.filter(period_kind="quarter")
    }
    assert q3 == {
        # 1 June: Prospecting, pipeline 5,000 at 10 %.
        datetime.date(2026, 6, 1): (D("0"), D("0"), D("5000.00"), D("500.00")),
        # 15 June: Negotiation/Review since the 10th, commit at 80 %.
        datetime.date(2026, 6, 15): (D("0"), D("5000.00"), D("0"), D("4000.00")),
    }


def percents(result):
    return [(w.week, w.forecast, w.actual, w.accuracy, w.bias) for w in result.weeks]


def test_accuracy_and_bias_per_week_of_a_past_quarter(quarter, team_users):
    from shangji.forecasting.periods import period_parse

    q3 = period_parse(Q3)
    result = forecast_accuracy(user=team_users["zhangyue"], period=q3)
    assert result.is_over
    # Actual now: W2 4000 + C1 6000 + Z2 3000 = 13000 (W1 slipped to Q4, Z1 was lost).
    # Week 1: forecast 10000 + 6000 = 16000; accuracy 1 − 3000 ÷ 13000 = 76.9 %, bias +23.1 %.
    # Week 2: 14000 + 6000 = 20000; 1 − 7000 ÷ 13000 = 46.2 %, bias 53.8 %.
    # Week 3: 4000 + 6000 + 20000 = 30000; 1 − 17000 ÷ 13000 = −30.8 %, bias 130.8 %.
    assert percents(result) == [
        (WEEK_1, D("16000.00"), D("13000.00"), D("76.9"), D("23.1")),
        (WEEK_2, D("20000.00"), D("13000.00"), D("46.2"), D("53.8")),
        (WEEK_3, D("30000.00"), D("13000.00"), D("-30.8"), D("130.8")),
    ]
    # Best case adds the open best case (W2's 4000 in week 1); weighted is closed won + weighted.
    assert [(w.best_case, w.weighted) for w in result.weeks] == [
        (D("20000.00"), D("17400.00")),  # 0 + 10600 + 4800 + 2000
        (D("20000.00"), D("19200.00")),  # 6000 + 11200 + 2000
        (D("30000.00"), D("25200.00")),  # 6000 + 3200 + 16000
    ]
    # 华北销售 (zhaolei): actual 3000 (Z2); nothing forecast in weeks 1 and 2, Z1's 20000 in 3.
    north = Team.objects.get(name="华北销售")
    assert percents(forecast_accuracy(user=team_users["zhangyue"], period=q3, team=north)) == [
        (WEEK_1, D("0.00"), D("3000.00"), D("0.0"), D("-100.0")),
        (WEEK_2, D("0.00"), D("3000.00"), D("0.0"), D("-100.0")),
        (WEEK_3, D("20000.00"), D("3000.00"), D("-466.7"), D("566.7")),
    ]
    chen = team_users["chenjing"]
    assert percents(forecast_accuracy(user=team_users["admin"], period=q3, owner=chen)) == [
        (WEEK_1, D("6000.00"), D("6000.00"), D("100.0"), D("0.0")),
        (WEEK_2, D("6000.00"), D("6000.00"), D("100.0"), D("0.0")),
        (WEEK_3, D("6000.00"), D("6000.00"), D("100.0"), D("0.0")),
    ]
    # Q4 has week 3's snapshot of W1 and nothing won yet: no accuracy, no bias.
    q4 = forecast_accuracy(user=team_users["zhangyue"], period=period_parse("FY2026-Q4"))
    assert not q4.is_over
    assert percents(q4) == [(WEEK_3, D("10000.00"), D("0.00"), None, None)]


def test_each_user_sees_the_owners_they_may_see(quarter, team_users):
    from shangji.forecasting.periods import period_parse

    q3 = period_parse(Q3)
    # 王强: own deals only; actual 4000 (W2).
    assert percents(forecast_accuracy(user=team_users["wangqiang"], period=q3)) == [
        (WEEK_1, D("10000.00"), D("4000.00"), D("-50.0"), D("150.0")),
        (WEEK_2, D("14000.00"), D("4000.00"), D("-150.0"), D("250.0")),
        (WEEK_3, D("4000.00"), D("4000.00"), D("100.0"), D("0.0")),
    ]
    # A rep asking for another rep's figures gets nothing of theirs.
    other = forecast_accuracy(user=team_users["wangqiang"], period=q3, owner=team_users["zhaolei"])
    assert {(w.forecast, w.actual) for w in other.weeks} == {(D("0.00"), D("0.00"))}
    # 李明 manages 华东销售: 王强 and 陈静; actual 10000.
    assert percents(forecast_accuracy(user=team_users["liming"], period=q3)) == [
        (WEEK_1, D("16000.00"), D("10000.00"), D("40.0"), D("60.0")),
        (WEEK_2, D("20000.00"), D("10000.00"), D("0.0"), D("100.0")),
        (WEEK_3, D("10000.00"), D("10000.00"), D("100.0"), D("0.0")),
    ]


def test_a_team_counts_its_members_of_each_week(make_opportunity, team_users, stages):
    """陈静 moves to 华北销售 before week 3: weeks 1–2 count her in 华东, week 3 in 华北."""
    from shangji.forecasting.periods import period_parse

    traveller, _deals, _written = play_quarter(
        make_opportunity, team_users, stages, chen_moves_north=True
    )
    try:
        q3, boss = period_parse(Q3), team_users["zhangyue"]
        east, north = Team.objects.get(name="华东销售"), Team.objects.get(name="华北销售")
        assert percents(forecast_accuracy(user=boss, period=q3, team=east)) == [
            (WEEK_1, D("16000.00"), D("10000.00"), D("40.0"), D("60.0")),
            (WEEK_2, D("20000.00"), D("10000.00"), D("0.0"), D("100.0")),
            (WEEK_3, D("4000.00"), D("4000.00"), D("100.0"), D("0.0")),
        ]
        assert percents(forecast_accuracy(user=boss, period=q3, team=north)) == [
            (WEEK_1, D("0.00"), D("3000.00"), D("0.0"), D("-100.0")),
            (WEEK_2, D("0.00"), D("3000.00"), D("0.0"), D("-100.0")),
            (WEEK_3, D("26000.00"), D("9000.00"), D("-88.9"), D("188.9")),
        ]
    finally:
        traveller.stop()


def page(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("forecasting:forecast_accuracy"), params)
    assert response.status_code == 200
    return response


def test_the_page_shows_the_weeks_chart_and_legend(client, quarter, team_users):
    response = page(client, team_users["zhangyue"])  # the latest quarter that has ended: Q3
    html = response.content.decode()
    assert response.context["form"].cleaned_data["period"].key == Q3
    assert [row["week"] for row in response.context["rows"]] == [WEEK_1, WEEK_2, WEEK_3]
    assert "76.9 %" in html and "+23.1 %" in html and "-30.8 %" in html
    assert 'id="accuracy-data"' in html and "vendor/echarts-6.1.0/echarts.min.js" in html
    assert "shangji/forecast_accuracy.js" in html and "<script>" not in html
    assert "1 − |forecast − actual| ÷ actual" in html
    chart = response.context["chart"]
    assert chart["weeks"] == ["2026-06-29", "2026-07-06", "2026-08-03"]
    assert chart["series"][0]["values"] == ["16000.00", "20000.00", "30000.00"]
    assert chart["series"][3]["values"] == ["13000.00"] * 3
    q4 = page(client, team_users["zhangyue"], period="FY2026-Q4").content.decode()
    assert "—" in q4 and "the actual can still grow" in q4
    empty = page(client, team_users["zhangyue"], period="2025-01").content.decode()
    assert 'data-testid="no-snapshots"' in empty and "accuracy-data" not in empty


def test_the_page_refuses_bad_filters(client, quarter, team_users):
    response = page(client, team_users["wangqiang"], period="FY26-Q9")
    assert response.context["accuracy"] is None
    assert "Enter a period such as 2026-11, FY2026-Q3 or FY2026." in response.content.decode()
    # A rep may choose only themselves as the owner.
    other = page(client, team_users["wangqiang"], owner=team_users["zhaolei"].pk)
    assert other.context["accuracy"] is None and "owner" in other.context["form"].errors
    assert list(other.context["form"].fields["owner"].queryset) == [team_users["wangqiang"]]


def test_page_query_count_does_not_grow(client, quarter, team_users, make_opportunity, stages):
    boss = team_users["zhangyue"]
    client.force_login(boss)
    url = reverse("forecasting:forecast_accuracy")
    east = Team.objects.get(name="华东销售").pk
    few = queries_of(lambda: client.get(url, {"period": Q3}))
    few_team = queries_of(lambda: client.get(url, {"period": Q3, "team": east}))
    # More owners, deals and weeks.
    for name in ("chenjing", "zhaolei", "liming", "wangqiang"):
        make_opportunity(team_users[name], "Closed Won", "100", "CNY", datetime.date(2026, 9, 1))
    make_opportunity(team_users["liming"], "Prospecting", "100", "CNY", datetime.date(2026, 9, 2))
    ForecastSnapshot.objects.filter(week=WEEK_3).update(week=datetime.date(2026, 8, 10))
    forecast_snapshot_take(week=WEEK_3)
    assert queries_of(lambda: client.get(url, {"period": Q3})) == few
    assert queries_of(lambda: client.get(url, {"period": Q3, "team": east})) == few_team
    assert len(page(client, boss, period=Q3).context["rows"]) == 4
