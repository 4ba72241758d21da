"""Time travel: the pipeline on past days and the changes between two, from a built history."""

import csv
import datetime
import io
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.http import QueryDict
from django.urls import reverse

from shangji.accounts.services import account_create
from shangji.core.models import Currency, ExchangeRate
from shangji.forecasting import time_travel
from shangji.opportunities.models import Opportunity
from shangji.opportunities.pipeline_services import stage_create, stage_retire
from shangji.opportunities.services import opportunity_create, opportunity_update
from shangji.users.models import Team
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db

D = Decimal
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 3, 15, 10, 0, tzinfo=SHANGHAI)
PIPE_ON = reverse("forecasting:pipeline_on")
CHANGES = reverse("forecasting:pipeline_changes")


def at(month, day, hour=10, minute=0):
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def _update(opportunity, actor, **changes):
    current = Opportunity.objects.get(pk=opportunity.pk)
    return opportunity_update(opportunity=current, actor=actor, version=current.version, **changes)


@pytest.fixture
def history(team_users, stages, rates):
    return build_history(team_users, stages)


def build_history(team_users, stages):
    """Six deals moved through two and a half months (Asia/Shanghai, 10:00 unless said).

    USD is 7.1, and 7.2 from 2026-02-01. A deal converts at its close date's rate once that
    has passed, else at the day's rate.

    01-01 admin adds stage "Legacy Review" (50 %, position 11, after Closed Lost); created:
          A wang Prospecting 1000 CNY close 03-31          → 1000.00
          B wang Qualification 100.55 USD close 02-28      → 100.55 × 7.1 = 713.905 → 713.91
          C chen Proposal/Price Quote 2000 CNY close 02-15 → 2000.00
          D zhao Negotiation/Review 5000 CNY close 02-20   → 5000.00
          E chen Legacy Review 300 CNY close 03-15         → 300.00
    01-11 01:00 A → Needs Analysis (17:00 UTC on 01-10)
    01-15 B reassigned to zhao (华北销售)
    01-20 C close date 02-15 → 03-20 (33 days later)
    02-05 B amount → 150.55 USD at 7.2 = 1083.96
    02-10 D won · 02-12 C lost · 02-14 F wang Prospecting 800 CNY close 04-30 (new)
    02-20 C reopened → Value Proposition (30 %)
    02-25 Legacy Review retired, E moved to Perception Analysis (50 %)
    03-01 A close date 03-31 → 03-10 (21 days earlier)
    """
    admin, wang, chen, zhao = (team_users[n] for n in ("admin", "wangqiang", "chenjing", "zhaolei"))
    ExchangeRate.objects.create(
        currency_id="USD", valid_from=datetime.date(2026, 2, 1), rate=D("7.2")
    )
    cny, usd = Currency.objects.get(code="CNY"), Currency.objects.get(code="USD")

    def create(owner, name, stage, amount, currency, close):
        return opportunity_create(
            actor=owner,
            owner=owner,
            name=name,
            amount=D(amount),
            currency=currency,
            close_date=close,
            stage=stage,
            account=account,
        )

    with time_machine.travel(at(1, 1), tick=False) as clock:
        account = account_create(actor=admin, name="新城百货")
        legacy = stage_create(
            actor=admin,
            pipeline=stages["Prospecting"].pipeline,
            name="Legacy Review",
            probability=50,
        )
        deals = {
            "A": create(wang, "A", stages["Prospecting"], "1000", cny, datetime.date(2026, 3, 31)),
            "B": create(
                wang, "B", stages["Qualification"], "100.55", usd, datetime.date(2026, 2, 28)
            ),
            "C": create(
                chen, "C", stages["Proposal/Price Quote"], "2000", cny, datetime.date(2026, 2, 15)
            ),
            "D": create(
                zhao, "D", stages["Negotiation/Review"], "5000", cny, datetime.date(2026, 2, 20)
            ),
            "E": create(chen, "E", legacy, "300", cny, datetime.date(2026, 3, 15)),
        }
        clock.move_to(at(1, 11, 1))
        _update(deals["A"], wang, stage=stages["Needs Analysis"])
        clock.move_to(at(1, 15))
        _update(deals["B"], admin, owner=zhao)
        clock.move_to(at(1, 20))
        _update(deals["C"], chen, close_date=datetime.date(2026, 3, 20))
        clock.move_to(at(2, 5))
        _update(deals["B"], zhao, amount=D("150.55"))
        clock.move_to(at(2, 10))
        _update(deals["D"], zhao, stage=stages["Closed Won"])
        clock.move_to(at(2, 12))
        _update(deals["C"], chen, stage=stages["Closed Lost"], lost_reason="Price")
        clock.move_to(at(2, 14))
        deals["F"] = create(
            wang, "F", stages["Prospecting"], "800", cny, datetime.date(2026, 4, 30)
        )
        clock.move_to(at(2, 20))
        _update(deals["C"], chen, stage=stages["Value Proposition"])
        clock.move_to(at(2, 25))
        stage_retire(actor=admin, stage=legacy, move_to=stages["Perception Analysis"])
        clock.move_to(at(3, 1))
        _update(deals["A"], wang, close_date=datetime.date(2026, 3, 10))
    stages["Legacy Review"] = legacy
    return {key: Opportunity.objects.get(pk=deal.pk) for key, deal in deals.items()}


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def query(**params) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, value if isinstance(value, list) else [str(value)])
    return data


def pipeline_on(user, **params):
    bound, report = time_travel.pipeline_on_get(user=user, params=query(**params))
    assert report is not None, bound.errors()
    return report


def changes(user, **params):
    bound, result = time_travel.pipeline_changes_get(user=user, params=query(**params))
    assert result is not None, bound.errors()
    return result


def figures(figures):
    return (figures.count, figures.amount, figures.weighted)


def then_by_label(report):
    """Stage label → (count, amount, weighted) at the end of the day, non-empty stages only."""
    return {line.label: figures(line.then) for line in report.stages if line.then.count}


def now_by_label(report):
    return {line.label: figures(line.now) for line in report.stages if line.now.count}


def by_key(result):
    return {item.key: (item.count, item.amount) for item in result.categories}


# The state of each deal on a day ----------------------------------------------------------------


def test_amounts_in_base_currency(history):
    assert history["B"].amount_base == D("1083.96")
    assert history["B"].changes.count() == 3


def test_before_anything_existed_everything_is_zero(history, team_users, now):
    report = pipeline_on(team_users["admin"], date="2025-12-31")
    assert then_by_label(report) == {}
    assert figures(report.open.then) == (0, D("0.00"), D("0.00"))
    assert figures(report.won.then) == (0, D("0.00"), None)


def test_pipeline_at_the_end_of_the_first_days(history, team_users, now):
    report = pipeline_on(team_users["admin"], date="2026-01-10")
    # A's move at 01:00 on 01-11 in Shanghai is not in it; Legacy Review is retired now.
    assert then_by_label(report) == {
        "Prospecting": (1, D("1000.00"), D("100.00")),
        "Qualification": (1, D("713.91"), D("142.78")),  # 142.782
        "Proposal/Price Quote": (1, D("2000.00"), D("1300.00")),
        "Negotiation/Review": (1, D("5000.00"), D("4000.00")),
        "Legacy Review (retired)": (1, D("300.00"), D("150.00")),
    }
    assert figures(report.open.then) == (5, D("9013.91"), D("5692.78"))
    assert figures(report.won.then) == (0, D("0.00"), None)
    # The stages in stage order, every active open one; the retired one for its deal back then.
    assert [line.label for line in report.stages] == [
        "Prospecting",
        "Qualification",
        "Needs Analysis",
        "Value Proposition",
        "Identifying Decision Makers",
        "Perception Analysis",
        "Proposal/Price Quote",
        "Negotiation/Review",
        "Legacy Review (retired)",
    ]
    later = pipeline_on(team_users["admin"], date="2026-01-11")
    assert then_by_label(later)["Needs Analysis"] == (1, D("1000.00"), D("250.00"))
    assert "Prospecting" not in then_by_label(later)
    assert figures(later.open.then) == (5, D("9013.91"), D("5842.78"))


def test_pipeline_mid_february_with_won_lost_and_a_new_deal(history, team_users, now):
    report = pipeline_on(team_users["admin"], date="2026-02-15")
    assert then_by_label(report) == {
        "Prospecting": (1, D("800.00"), D("80.00")),
        "Qualification": (1, D("1083.96"), D("216.79")),  # 216.792
        "Needs Analysis": (1, D("1000.00"), D("250.00")),
        "Legacy Review (retired)": (1, D("300.00"), D("150.00")),
    }
    assert figures(report.open.then) == (4, D("3183.96"), D("696.79"))
    assert figures(report.won.then) == (1, D("5000.00"), None)
    assert figures(report.lost.then) == (1, D("2000.00"), None)


def test_now_columns_are_todays_pipeline(history, team_users, now):
    report = pipeline_on(team_users["admin"], date="2026-02-15")
    assert now_by_label(report) == {
        "Prospecting": (1, D("800.00"), D("80.00")),
        "Qualification": (1, D("1083.96"), D("216.79")),
        "Needs Analysis": (1, D("1000.00"), D("250.00")),
        "Value Proposition": (1, D("2000.00"), D("600.00")),
        "Perception Analysis": (1, D("300.00"), D("150.00")),
    }
    assert figures(report.open.now) == (5, D("5183.96"), D("1296.79"))
    assert figures(report.won.now) == (1, D("5000.00"), None)
    assert figures(report.lost.now) == (0, D("0.00"), None)
    assert (report.open.count_change, report.open.amount_change) == (1, D("2000.00"))
    assert (report.lost.count_change, report.lost.amount_change) == (-1, D("-2000.00"))
    # Yesterday's end is today's state; the retired stage has no deal then or now.
    yesterday = pipeline_on(team_users["admin"], date="2026-03-14")
    assert then_by_label(yesterday) == now_by_label(yesterday)
    assert "Legacy Review (retired)" not in [line.label for line in yesterday.stages]


def test_owner_and_team_filters_use_the_owner_back_then(history, team_users, now):
    east = Team.objects.get(name="华东销售")
    north = Team.objects.get(name="华北销售")
    wang, zhao = team_users["wangqiang"], team_users["zhaolei"]
    # B was wang's until 01-15, zhao's after.
    assert figures(pipeline_on(team_users["admin"], date="2026-01-14", team=east.pk).open.then) == (
        4,
        D("4013.91"),
        D("1842.78"),
    )
    east_jan = pipeline_on(team_users["admin"], date="2026-01-31", team=east.pk)
    assert figures(east_jan.open.then) == (3, D("3300.00"), D("1700.00"))  # A, C, E
    # Now: A, C, E and F are east's (F 800 at 10 %): 4, 4100.00, 250 + 600 + 150 + 80.
    assert figures(east_jan.open.now) == (4, D("4100.00"), D("1080.00"))
    north_jan = pipeline_on(team_users["admin"], date="2026-01-31", team=north.pk)
    assert figures(north_jan.open.then) == (2, D("5713.91"), D("4142.78"))  # B, D
    assert figures(pipeline_on(team_users["admin"], date="2026-01-14", owner=wang.pk).open.then)[
        :2
    ] == (2, D("1713.91"))
    assert figures(pipeline_on(team_users["admin"], date="2026-01-31", owner=zhao.pk).open.then)[
        :2
    ] == (2, D("5713.91"))


def test_pipeline_filter_is_the_stage_pipeline(history, team_users, stages, now):
    default = stages["Prospecting"].pipeline
    report = pipeline_on(team_users["admin"], date="2026-01-10", pipeline=default.pk)
    assert figures(report.open.then) == (5, D("9013.91"), D("5692.78"))


def test_the_day_ends_at_midnight_in_the_users_time_zone(history, team_users, now):
    # A moved at 17:00 UTC on 01-10: in Shanghai that is 01-11, in UTC still 01-10.
    admin = team_users["admin"]
    assert "Prospecting" in then_by_label(pipeline_on(admin, date="2026-01-10"))
    admin.time_zone = "UTC"
    admin.save()
    assert then_by_label(pipeline_on(admin, date="2026-01-10"))["Needs Analysis"] == (
        1,
        D("1000.00"),
        D("250.00"),
    )


def test_rep_sees_only_what_they_may_read_today(history, team_users, now):
    # B was wang's on 01-10 but is zhao's now, so wang no longer sees it on any day.
    report = pipeline_on(team_users["wangqiang"], date="2026-01-10")
    assert then_by_label(report) == {"Prospecting": (1, D("1000.00"), D("100.00"))}
    assert figures(report.open.now) == (2, D("1800.00"), D("330.00"))  # A and F
    manager = pipeline_on(team_users["liming"], date="2026-01-10")
    assert figures(manager.open.then) == (3, D("3300.00"), D("1550.00"))  # A, C, E


def test_deleted_opportunities_vanish_from_every_day(history, team_users, now):
    Opportunity.objects.filter(pk=history["D"].pk).delete()
    report = pipeline_on(team_users["admin"], date="2026-01-10")
    assert figures(report.open.then) == (4, D("4013.91"), D("1692.78"))


# What changed between two days ------------------------------------------------------------------


def test_changes_from_mid_january_to_end_of_february(history, team_users, now):
    result = changes(team_users["admin"], **{"from": "2026-01-10", "to": "2026-02-28"})
    assert by_key(result) == {
        "new": (1, D("800.00")),  # F
        "won": (1, D("5000.00")),  # D
        "lost": (0, D("0.00")),  # C was lost and reopened in between
        "reopened": (0, D("0.00")),
        "moved_forward": (1, D("1000.00")),  # A Prospecting → Needs Analysis
        "moved_backward": (2, D("2300.00")),  # C Proposal → Value Prop., E Legacy (11) → Perc. (6)
        "slipped": (1, D("2000.00")),  # C
        "pulled_in": (0, D("0.00")),
        "amount_up": (1, D("1083.96")),  # B
        "amount_down": (0, D("0.00")),
    }
    assert result.get("slipped").days == 33
    assert result.get("pulled_in").days == 0
    assert result.get("amount_up").change == D("370.05")  # 1083.96 − 713.91
    assert result.get("amount_down").change == D("0.00")
    assert result.net_change == D("370.05")
    # F, D, A, C, E, B once each.
    assert (result.total.count, result.total.amount) == (6, D("10183.96"))


def test_changes_mid_february_to_today(history, team_users, now):
    result = changes(team_users["admin"], **{"from": "2026-02-15", "to": "2026-03-15"})
    assert {key: value for key, value in by_key(result).items() if value[0]} == {
        "reopened": (1, D("2000.00")),  # C lost → Value Proposition
        "moved_backward": (1, D("300.00")),  # E, moved out of the retired stage
        "pulled_in": (1, D("1000.00")),  # A
    }
    assert result.get("pulled_in").days == 21
    assert (result.total.count, result.total.amount) == (3, D("3300.00"))


def test_changes_of_deals_created_in_between(history, team_users, now):
    result = changes(team_users["admin"], **{"from": "2025-12-31", "to": "2026-02-12"})
    assert {key: value for key, value in by_key(result).items() if value[0]} == {
        "new": (5, D("9383.96")),  # A, B, C, D, E at their 02-12 amounts
        "won": (1, D("5000.00")),  # D
        "lost": (1, D("2000.00")),  # C
    }
    assert (result.total.count, result.total.amount) == (5, D("9383.96"))


def test_changes_lost_between_two_days_of_existing_deals(history, team_users, now):
    result = changes(team_users["admin"], **{"from": "2026-01-31", "to": "2026-02-15"})
    assert {key: value for key, value in by_key(result).items() if value[0]} == {
        "new": (1, D("800.00")),
        "won": (1, D("5000.00")),
        "lost": (1, D("2000.00")),
        "amount_up": (1, D("1083.96")),
    }


def test_changes_filtered_by_team_at_the_end(history, team_users, now):
    north = Team.objects.get(name="华北销售")
    result = changes(
        team_users["admin"], **{"from": "2026-01-10", "to": "2026-02-28"}, team=north.pk
    )
    assert {key: value for key, value in by_key(result).items() if value[0]} == {
        "won": (1, D("5000.00")),
        "amount_up": (1, D("1083.96")),
    }


def test_changes_rep_sees_only_own(history, team_users, now):
    result = changes(team_users["wangqiang"], **{"from": "2026-01-10", "to": "2026-02-28"})
    assert {key: value for key, value in by_key(result).items() if value[0]} == {
        "new": (1, D("800.00")),
        "moved_forward": (1, D("1000.00")),
    }


def test_changed_deals_with_before_and_after(history, team_users, now):
    result = changes(team_users["admin"], **{"from": "2026-01-10", "to": "2026-02-28"})
    pages = time_travel.changed_deals(result, time_travel.CATEGORIES)
    assert {key: [deal.opportunity.name for deal in page.items] for key, page in pages.items()} == {
        "new": ["F"],
        "won": ["D"],
        "lost": [],
        "reopened": [],
        "moved_forward": ["A"],
        "moved_backward": ["C", "E"],  # largest amount first
        "slipped": ["C"],
        "pulled_in": [],
        "amount_up": ["B"],
        "amount_down": [],
    }
    new = pages["new"].items[0]
    assert new.before is None and new.amount_change is None
    b = pages["amount_up"].items[0]
    assert (b.before.amount_base, b.after.amount_base, b.amount_change) == (
        D("713.91"),
        D("1083.96"),
        D("370.05"),
    )
    assert (b.before.owner.username, b.after.owner.username) == ("wangqiang", "zhaolei")
    c = pages["slipped"].items[0]
    assert c.close_date_days == 33
    assert [cell[1:] for cell in pages["moved_backward"].items[1].cells()][1] == (
        "Legacy Review (retired)",
        "Perception Analysis",
    )


def test_changed_deals_are_paged_with_a_cursor(history, team_users, now):
    result = changes(team_users["admin"], **{"from": "2026-01-10", "to": "2026-02-28"})
    first = time_travel.changed_deals(result, ["moved_backward"], size=1)["moved_backward"]
    assert [deal.opportunity.name for deal in first.items] == ["C"]
    second = time_travel.changed_deals(
        result, ["moved_backward"], cursor=first.next_cursor, size=1
    )["moved_backward"]
    assert [deal.opportunity.name for deal in second.items] == ["E"]
    assert second.next_cursor is None


# The pages --------------------------------------------------------------------------------------


def test_pipeline_on_page(history, team_users, client, now):
    client.force_login(team_users["admin"])
    response = client.get(PIPE_ON, {"date": "2026-02-15"})
    assert response.status_code == 200
    assert response.context["report"].day == datetime.date(2026, 2, 15)
    html = response.content.decode()
    assert "Legacy Review (retired)" in html
    assert "3,183.96" in html and "5,183.96" in html
    # Today's figures link to the list; the past ones cannot.
    assert 'href="/opportunities/?stage=' in html
    assert 'href="/opportunities/?status=won"' in html


def test_pipeline_on_page_defaults_to_the_end_of_last_month(history, team_users, client, now):
    client.force_login(team_users["admin"])
    response = client.get(PIPE_ON)
    assert response.context["report"].day == datetime.date(2026, 2, 28)


@pytest.mark.parametrize(
    ("url", "params", "message"),
    [
        (PIPE_ON, {"date": "2026-03-16"}, "Choose a day that is not in the future."),
        (PIPE_ON, {"date": "not a day"}, "Enter a valid date."),
        (CHANGES, {"from": "2026-02-01", "to": "2026-03-16"}, "not in the future"),
        (CHANGES, {"from": "2026-03-01", "to": "2026-02-01"}, "on or after the first day"),
        (CHANGES, {"from": "2026-02-01", "to": ""}, "This field is required."),
    ],
)
def test_bad_days_show_a_message_and_no_figures(
    history, team_users, client, now, url, params, message
):
    client.force_login(team_users["admin"])
    response = client.get(url, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'data-testid="no-figures"' in html
    assert "export-csv" not in html


def test_bad_days_in_chinese(history, team_users, client, now):
    client.force_login(team_users["admin"])
    response = client.get(PIPE_ON, {"date": "2026-03-16"}, headers={"accept-language": "zh-hans"})
    assert response.status_code == 200
    assert response.context["report"] is None
    assert response.context["form"].errors["date"]


def test_changes_page_lists_deals_per_category(history, team_users, client, now):
    client.force_login(team_users["admin"])
    response = client.get(CHANGES, {"from": "2026-01-10", "to": "2026-02-28"})
    html = response.content.decode()
    assert [item.key for item, _page, _next in response.context["sections"]] == [
        "new",
        "won",
        "moved_forward",
        "moved_backward",
        "slipped",
        "amount_up",
    ]
    assert f'href="{history["B"].get_absolute_url()}"' in html
    assert "713.91" in html and "1,083.96" in html
    assert "Legacy Review (retired)" in html


def test_changes_page_more_link_pages_one_category(history, team_users, client, now, monkeypatch):
    monkeypatch.setattr(time_travel, "DEALS_PER_CATEGORY", 1)
    client.force_login(team_users["admin"])
    params = {"from": "2026-01-10", "to": "2026-02-28"}
    response = client.get(CHANGES, params)
    sections = {item.key: (page, more) for item, page, more in response.context["sections"]}
    page, more = sections["moved_backward"]
    assert [deal.opportunity.name for deal in page.items] == ["C"]
    assert "category=moved_backward" in more
    following = client.get(CHANGES + more)
    ((item, page, more),) = following.context["sections"]
    assert item.key == "moved_backward" and more is None
    assert [deal.opportunity.name for deal in page.items] == ["E"]


def test_pages_need_login(client):
    assert client.get(PIPE_ON).status_code == 302
    assert client.get(CHANGES).status_code == 302


def test_report_index_links_both_pages(team_users, client):
    client.force_login(team_users["admin"])
    html = client.get(reverse("forecasting:report_list")).content.decode()
    assert f'href="{PIPE_ON}"' in html and f'href="{CHANGES}"' in html


def _csv(response):
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_pipeline_on_csv(history, team_users, client, now):
    client.force_login(team_users["admin"])
    rows = _csv(client.get(reverse("forecasting:pipeline_on_export"), {"date": "2026-02-15"}))
    assert rows[0][:4] == [
        "Stage",
        "Count on 2026-02-15",
        "Amount on 2026-02-15 (CNY)",
        "Weighted on 2026-02-15 (CNY)",
    ]
    by_label = {row[0]: row[1:] for row in rows[1:]}
    assert by_label["Qualification"] == [
        "1",
        "1083.96",
        "216.79",
        "1",
        "1083.96",
        "216.79",
        "0",
        "0.00",
    ]
    assert by_label["Total open"] == [
        "4",
        "3183.96",
        "696.79",
        "5",
        "5183.96",
        "1296.79",
        "1",
        "2000.00",
    ]
    # Numbers are data, not formulas: a negative change stays a plain number.
    assert by_label["Lost"] == ["1", "2000.00", "", "0", "0.00", "", "-1", "-2000.00"]


def test_changes_csv(history, team_users, client, now):
    client.force_login(team_users["admin"])
    params = {"from": "2026-01-10", "to": "2026-02-28"}
    url = reverse("forecasting:pipeline_changes_export")
    rows = _csv(client.get(url, params))
    by_label = {row[0]: row[1:] for row in rows[1:]}
    assert by_label["Close date slipped"] == ["1", "2000.00", "", "33"]
    assert by_label["Amount up"] == ["1", "1083.96", "370.05", ""]
    assert by_label["Changed deals"] == ["6", "10183.96", "", ""]
    assert by_label["Net amount change"] == ["", "", "370.05", ""]
    deals = _csv(client.get(url, {**params, "table": "deals"}))
    assert len(deals) == 1 + 7  # one row per deal and category
    b = next(row for row in deals if row[0] == "Amount up")
    assert b[2:] == [
        "B",
        "王强",
        "赵磊",
        "Qualification",
        "Qualification",
        "713.91",
        "1083.96",
        "2026-02-28",
        "2026-02-28",
        "20",
        "20",
    ]


def test_invalid_export_redirects(team_users, client, now):
    client.force_login(team_users["admin"])
    response = client.get(reverse("forecasting:pipeline_on_export"), {"date": "2030-01-01"})
    assert response.status_code == 302


def _more_history(team_users, stages, count):
    """`count` more USD deals of 陈静's, each created and then moved on."""
    chen = team_users["chenjing"]
    account = Opportunity.objects.first().account
    with time_machine.travel(at(1, 5), tick=False) as clock:
        for n in range(count):
            deal = opportunity_create(
                actor=chen,
                name=f"Bulk {n}",
                amount=D("10.00"),
                currency=Currency.objects.get(code="USD"),
                close_date=datetime.date(2026, 2, 1 + n),
                stage=stages["Qualification"],
                account=account,
            )
            clock.move_to(at(1, 6 + n))
            _update(
                deal, chen, stage=stages["Needs Analysis"], close_date=datetime.date(2026, 3, 1)
            )


@pytest.mark.parametrize(
    ("url", "params", "most"),
    [
        (PIPE_ON, {"date": "2026-01-31"}, 10),
        # Two aggregates, a page per non-empty category (six here), the start states.
        (CHANGES, {"from": "2026-01-03", "to": "2026-02-28"}, 14),
    ],
)
def test_query_count_does_not_grow_with_deals(
    history, team_users, stages, client, now, url, params, most
):
    client.force_login(team_users["liming"])
    before = queries_of(lambda: client.get(url, params))
    _more_history(team_users, stages, 12)
    after = queries_of(lambda: client.get(url, params))
    assert after == before
    assert after <= most
