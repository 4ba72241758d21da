"""Deal health flags: each flag's edges on a controlled clock, the filters, the pages."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shangji.accounts.models import Account
from shangji.activities.models import Activity
from shangji.contacts.services import contact_create
from shangji.opportunities import services
from shangji.opportunities.models import Opportunity, Stage
from shangji.opportunities.pipeline_services import stage_update
from shangji.users.services import api_token_create
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:opportunity_list")
UTC = datetime.UTC
# 10:00 in Shanghai, the default time zone.
T0 = datetime.datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
DAY = datetime.timedelta(days=1)
SECOND = datetime.timedelta(seconds=1)
FLAGS = ("is_stale", "close_date_passed", "slipped_twice", "no_next_step", "no_decision_maker")


def flags_of(opportunity, now) -> dict[str, bool]:
    row = Opportunity.objects.with_health(now=now).get(pk=opportunity.pk)
    result = {name: getattr(row, name) for name in FLAGS}
    assert row.health_flag_count == sum(result.values())
    return result


def stale_at(opportunity, now) -> bool:
    return flags_of(opportunity, now)["is_stale"]


@pytest.fixture
def at_t0():
    with time_machine.travel(T0, tick=False) as clock:
        yield clock


@pytest.fixture
def new_deal(make_opportunity, at_t0):
    """An opportunity created at T0 in Prospecting (stale after 14 days), closing in 60 days."""

    def make(**fields):
        fields.setdefault("close_date", datetime.date(2026, 5, 1))
        return make_opportunity(**fields)

    return make


def activity(opportunity, kind="note", at=None, status="", completed_at=None):
    return Activity.objects.create(
        kind=kind,
        status=status,
        subject=kind,
        starts_at=at if kind in ("call", "meeting", "task") else None,
        occurred_at=at,
        completed_at=completed_at,
        owner=opportunity.owner,
        opportunity=opportunity,
    )


# stale


def test_stale_boundary_is_exactly_n_days_after_the_last_activity(new_deal):
    deal = new_deal()
    activity(deal, "note", T0 + DAY)
    assert not stale_at(deal, T0 + 10 * DAY)
    assert not stale_at(deal, T0 + 15 * DAY)  # 14 days after the note, to the second
    assert stale_at(deal, T0 + 15 * DAY + SECOND)


def test_new_opportunity_is_not_stale_for_its_first_n_days(new_deal):
    deal = new_deal()
    assert not stale_at(deal, T0 + 14 * DAY)
    assert stale_at(deal, T0 + 14 * DAY + SECOND)


def test_stale_days_come_from_the_stage(new_deal, stages, team_users):
    deal = new_deal()
    fast = new_deal(stage="Negotiation/Review")
    stage_update(actor=team_users["admin"], stage=stages["Prospecting"], stale_after_days=30)
    stage_update(actor=team_users["admin"], stage=stages["Negotiation/Review"], stale_after_days=3)
    assert not stale_at(deal, T0 + 30 * DAY)
    assert stale_at(deal, T0 + 30 * DAY + SECOND)
    assert not stale_at(fast, T0 + 3 * DAY)
    assert stale_at(fast, T0 + 3 * DAY + SECOND)


def test_future_planned_activity_means_not_stale(new_deal):
    call = new_deal(name="call")
    task = new_deal(name="task")
    done_task = new_deal(name="done task")
    activity(call, "call", T0 + 40 * DAY, status="planned")
    activity(task, "task", T0 + 40 * DAY, status="in_progress")
    activity(done_task, "task", T0 + 40 * DAY, status="completed", completed_at=T0)
    now = T0 + 20 * DAY
    assert (stale_at(call, now), stale_at(task, now), stale_at(done_task, now)) == (
        False,
        False,
        True,
    )
    # A planned call whose time has passed counts as activity on its day, then ages.
    assert not stale_at(call, T0 + 54 * DAY)
    assert stale_at(call, T0 + 54 * DAY + SECOND)


def test_what_counts_as_activity(new_deal):
    held = new_deal(name="held")
    not_held = new_deal(name="not held")
    completed = new_deal(name="completed")
    account_only = new_deal(name="account note")
    now = T0 + 30 * DAY
    activity(held, "meeting", now - 5 * DAY, status="held")
    activity(not_held, "call", now - 5 * DAY, status="not_held")
    # Due long ago, completed recently: the completion counts.
    activity(completed, "task", T0 + DAY, status="completed", completed_at=now - 2 * DAY)
    Activity.objects.create(
        kind="note", occurred_at=now - DAY, owner=account_only.owner, account=account_only.account
    )
    assert [stale_at(deal, now) for deal in (held, not_held, completed, account_only)] == [
        False,
        True,
        False,
        True,
    ]


# the other flags


def test_close_date_passed_uses_the_local_date(new_deal):
    deal = new_deal(close_date=datetime.date(2026, 3, 10))
    # 2026-03-10 23:59 in Shanghai is 15:59 UTC; midnight is 16:00 UTC.
    last_minute = datetime.datetime(2026, 3, 10, 15, 59, tzinfo=UTC)
    midnight = datetime.datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
    with timezone.override(zoneinfo.ZoneInfo("Asia/Shanghai")):
        assert not flags_of(deal, last_minute)["close_date_passed"]
        assert flags_of(deal, midnight)["close_date_passed"]
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        assert not flags_of(deal, midnight)["close_date_passed"]
        assert flags_of(deal, midnight + 8 * datetime.timedelta(hours=1))["close_date_passed"]


def _set_close_date(deal, day):
    deal.refresh_from_db()
    return services.opportunity_update(
        opportunity=deal, actor=deal.owner, version=deal.version, close_date=day
    )


def test_slipped_twice_counts_pushes_not_pulls(new_deal):
    deal = new_deal(close_date=datetime.date(2026, 5, 1))
    _set_close_date(deal, datetime.date(2026, 6, 1))
    assert not flags_of(deal, T0)["slipped_twice"]
    _set_close_date(deal, datetime.date(2026, 4, 1))  # pulled in: not a slip
    assert not flags_of(deal, T0)["slipped_twice"]
    _set_close_date(deal, datetime.date(2026, 4, 15))
    assert flags_of(deal, T0)["slipped_twice"]


def test_no_next_step(new_deal):
    blank = new_deal(name="blank")
    planned = new_deal(name="planned", next_step="Send the quote")
    assert flags_of(blank, T0)["no_next_step"]
    assert not flags_of(planned, T0)["no_next_step"]


def test_decision_maker_role_clears_the_flag_influencer_does_not(new_deal):
    deal = new_deal()
    owner = deal.owner
    assert flags_of(deal, T0)["no_decision_maker"]
    influencer = contact_create(actor=owner, account=deal.account, last_name="孙")
    services.opportunity_contact_set(
        opportunity=deal, contact=influencer, role="Influencer", actor=owner
    )
    assert flags_of(deal, T0)["no_decision_maker"]
    boss = contact_create(actor=owner, account=deal.account, last_name="周")
    services.opportunity_contact_set(
        opportunity=deal, contact=boss, role="Technical Decision Maker", actor=owner
    )
    assert not flags_of(deal, T0)["no_decision_maker"]


def test_all_flags_at_once_and_none_when_closed(new_deal, stages):
    deal = new_deal(close_date=datetime.date(2026, 3, 5))
    _set_close_date(deal, datetime.date(2026, 3, 6))
    _set_close_date(deal, datetime.date(2026, 3, 7))
    later = T0 + 30 * DAY
    assert flags_of(deal, later) == dict.fromkeys(FLAGS, True)
    deal.refresh_from_db()
    services.opportunity_move_stage(
        opportunity=deal,
        stage=stages["Closed Lost"],
        actor=deal.owner,
        version=deal.version,
        lost_reason="Price",
    )
    assert flags_of(deal, later) == dict.fromkeys(FLAGS, False)
    assert Opportunity.objects.with_health(now=later).get(pk=deal.pk).health_flag_count == 0


# filters, API and pages


def _names(response) -> list[str]:
    return sorted(o.name for o in response.context["page"].items)


def _flag_fixture(new_deal, team_users):
    """quiet: stale only · planned: a next step and a future call · closed lost."""
    quiet = new_deal(name="quiet", next_step="Call")
    planned = new_deal(name="planned", next_step="Call")
    activity(planned, "call", T0 + 40 * DAY, status="planned")
    blank = new_deal(name="blank")
    activity(blank, "note", T0 + 25 * DAY)
    return quiet, planned, blank


def test_list_filters_by_each_flag(client, new_deal, team_users, at_t0):
    _flag_fixture(new_deal, team_users)
    at_t0.move_to(T0 + 30 * DAY)
    client.force_login(team_users["wangqiang"])  # after the clock moved: sessions expire
    assert _names(client.get(LIST, {"health": "stale"})) == ["quiet"]
    assert _names(client.get(LIST, {"health": "no_next_step"})) == ["blank"]
    assert _names(client.get(LIST, {"health": ["stale", "no_next_step"]})) == ["blank", "quiet"]
    assert _names(client.get(LIST, {"health": "no_decision_maker"})) == [
        "blank",
        "planned",
        "quiet",
    ]
    assert _names(client.get(LIST, {"health": "slipped_twice"})) == []
    assert _names(client.get(LIST, {"health": "close_date_passed"})) == []
    at_t0.move_to(datetime.datetime(2026, 5, 1, 16, 0, tzinfo=UTC))  # 2 May in Shanghai
    client.force_login(team_users["wangqiang"])
    assert _names(client.get(LIST, {"health": "close_date_passed"})) == [
        "blank",
        "planned",
        "quiet",
    ]
    assert client.get(LIST, {"health": "nonsense"}).context["page"] is None


def test_api_filters_by_flag(new_deal, team_users, at_t0):
    _flag_fixture(new_deal, team_users)
    at_t0.move_to(T0 + 30 * DAY)
    _token, raw = api_token_create(user=team_users["wangqiang"], name="tests")
    api = Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})
    response = api.get("/api/v1/opportunities", {"health": "stale"})
    assert response.status_code == 200, response.content
    assert response.json()["results"], response.json()
    assert [row["name"] for row in response.json()["results"]] == ["quiet"]
    response = api.get("/api/v1/opportunities", {"health": ["stale", "no_next_step"]})
    assert sorted(row["name"] for row in response.json()["results"]) == ["blank", "quiet"]


def test_badges_on_list_and_detail_with_titles(client, new_deal, team_users, at_t0):
    quiet, _planned, _blank = _flag_fixture(new_deal, team_users)
    at_t0.move_to(T0 + 30 * DAY)
    client.force_login(team_users["wangqiang"])  # after the clock moved: sessions expire
    content = client.get(LIST).content.decode()
    assert content.count('data-flag="stale"') == 1
    assert content.count('data-flag="no_next_step"') == 1
    assert content.count('data-flag="no_decision_maker"') == 3
    assert 'title="No activity in the last 14 days and nothing scheduled."' in content
    assert 'data-testid="health-filter"' in content
    detail = client.get(reverse("opportunities:opportunity_detail", args=[quiet.pk]))
    text = detail.content.decode()
    assert 'data-flag="stale"' in text and 'data-flag="no_decision_maker"' in text
    assert 'data-flag="no_next_step"' not in text
    assert "None of the contacts is a decision maker." in text


def test_list_query_count_does_not_grow_with_flagged_rows(client, new_deal, team_users, at_t0):
    for _ in range(3):
        _flag_fixture(new_deal, team_users)
    at_t0.move_to(T0 + 30 * DAY)
    client.force_login(team_users["zhangyue"])
    few = queries_of(lambda: client.get(LIST))
    at_t0.move_to(T0)
    for index in range(10):
        deal = new_deal(owner=team_users["chenjing" if index % 2 else "zhaolei"])
        _set_close_date(deal, datetime.date(2026, 6, 1))
        _set_close_date(deal, datetime.date(2026, 7, 1))
        activity(deal, "task", T0 + 3 * DAY, status="completed", completed_at=T0 + 3 * DAY)
    at_t0.move_to(T0 + 30 * DAY)
    responses = []
    many = queries_of(lambda: responses.append(client.get(LIST, {"health": "slipped_twice"})))
    assert len(responses[0].context["page"].items) == 10
    assert many == few
    content = responses[0].content.decode()
    assert content.count('data-flag="slipped_twice"') == 10


def test_stage_form_sets_stale_days(client, stages, team_users):
    client.force_login(team_users["admin"])
    stage = stages["Qualification"]
    url = reverse("pipelines:stage_edit", args=[stage.pk])
    assert 'name="stale_after_days" value="14"' in client.get(url).content.decode()
    data = {
        "name": stage.name,
        "name_zh_hans": stage.name_zh_hans,
        "probability": stage.probability,
        "kind": "open",
        "forecast_category": stage.forecast_category,
        "stale_after_days": "21",
    }
    assert client.post(url, data).status_code == 302
    assert Stage.objects.get(pk=stage.pk).stale_after_days == 21
    response = client.post(url, {**data, "stale_after_days": "0"})
    assert response.status_code == 200
    assert "from 1 to 365" in response.content.decode()
    assert Stage.objects.get(pk=stage.pk).stale_after_days == 21
    # Left out, the stage keeps its value.
    data.pop("stale_after_days")
    assert client.post(url, data).status_code == 302
    assert Stage.objects.get(pk=stage.pk).stale_after_days == 21
    listing = client.get(reverse("pipelines:pipeline_list")).content.decode()
    assert "Stale after (days)" in listing


def test_account_relation_is_untouched_by_health(new_deal):
    """with_health() composes with the list's select_related and keeps one row per deal."""
    deal = new_deal()
    rows = list(Opportunity.objects.with_list_relations().with_health(now=T0).filter(pk=deal.pk))
    assert len(rows) == 1 and isinstance(rows[0].account, Account)
