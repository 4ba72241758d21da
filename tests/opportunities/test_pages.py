import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from shangji.accounts.models import Account
from shangji.contacts.models import Contact
from shangji.opportunities.models import Opportunity, OpportunityChange
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:opportunity_list")


def _names(response) -> list[str]:
    return [o.name for o in response.context["page"].items]


def test_rep_sees_only_own_and_gets_404_for_others(client, make_opportunity, team_users):
    mine = make_opportunity(owner=team_users["wangqiang"], name="Mine")
    other = make_opportunity(owner=team_users["zhaolei"], name="Theirs")
    client.force_login(team_users["wangqiang"])
    assert _names(client.get(LIST)) == ["Mine"]
    assert (
        client.get(reverse("opportunities:opportunity_detail", args=[other.pk])).status_code == 404
    )
    assert (
        client.get(reverse("opportunities:opportunity_detail", args=[mine.pk])).status_code == 200
    )
    # the manager sees the team's, not the other team's; the executive sees all
    client.force_login(team_users["liming"])
    assert _names(client.get(LIST)) == ["Mine"]
    client.force_login(team_users["zhangyue"])
    assert sorted(_names(client.get(LIST))) == ["Mine", "Theirs"]


def test_everyone_reads_all_setting_widens_reading_only(client, make_opportunity, team_users):
    from shangji.users.models import Organization

    other = make_opportunity(owner=team_users["zhaolei"], name="Theirs")
    Organization.objects.filter(pk=1).update(everyone_reads_all=True)
    client.force_login(team_users["wangqiang"])
    assert _names(client.get(LIST)) == ["Theirs"]
    assert client.get(reverse("opportunities:opportunity_edit", args=[other.pk])).status_code == 403


def test_list_query_count_does_not_grow(client, make_opportunity, team_users):
    client.force_login(team_users["zhangyue"])
    for _ in range(3):
        make_opportunity()
    few = queries_of(lambda: client.get(LIST))
    for index in range(20):
        make_opportunity(owner=team_users["chenjing" if index % 2 else "zhaolei"])
    responses = []
    many = queries_of(lambda: responses.append(client.get(LIST)))
    assert len(responses[0].context["page"].items) == 23
    assert many == few <= 11  # one of them reads the saved views menu (with the default)


def test_filters_sort_and_keyset_pages(client, make_opportunity, team_users, stages):
    client.force_login(team_users["zhangyue"])
    for index in range(7):
        make_opportunity(
            name=f"D{index}",
            amount=str(1000 * (index + 1)),
            stage="Prospecting" if index % 2 else "Needs Analysis",
        )
    response = client.get(LIST, {"sort": "-amount"})
    assert _names(response) == [f"D{index}" for index in range(6, -1, -1)]
    response = client.get(LIST, {"stage": stages["Needs Analysis"].pk, "amount_min": "3000"})
    assert sorted(_names(response)) == ["D2", "D4", "D6"]
    seen, params = [], {"sort": "amount"}
    from shangji.opportunities import selectors

    cursor = None
    while True:
        _filter, page, _key, _desc = selectors.opportunity_list(
            user=team_users["zhangyue"], params={}, cursor=cursor, size=3, sort="amount"
        )
        seen += [o.name for o in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == [f"D{index}" for index in range(7)]
    assert client.get(LIST, {**params, "cursor": "garbage"}).status_code == 302


def test_close_period_filter(client, make_opportunity, team_users):
    from django.utils import timezone

    today = timezone.localdate()
    make_opportunity(name="Now", close_date=today)
    make_opportunity(name="Later", close_date=today + datetime.timedelta(days=400))
    client.force_login(team_users["wangqiang"])
    assert _names(client.get(LIST, {"close_period": "this_month"})) == ["Now"]
    assert _names(
        client.get(LIST, {"mine": "on", "close_date_from": str(today + datetime.timedelta(days=1))})
    ) == ["Later"]


def test_csv_export_is_filtered_visible_and_safe(client, make_opportunity, team_users):
    make_opportunity(owner=team_users["wangqiang"], name="=HYPERLINK(1)", amount="1234.50")
    make_opportunity(owner=team_users["zhaolei"], name="Secret")
    client.force_login(team_users["wangqiang"])
    response = client.get(reverse("opportunities:opportunity_export"))
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 2
    assert rows[1][1] == "'=HYPERLINK(1)"
    assert rows[1][4] == "1234.50"
    assert "Secret" not in body


def _create_payload(stages, **overrides):
    payload = {
        "name": "新城百货合作项目",
        "new_account_name": "新城百货",
        "new_contact_last_name": "王",
        "new_contact_first_name": "芳",
        "new_contact_title": "采购经理",
        "contact_role": "Primary Decision Maker",
        "amount": "100000",
        "currency": "USD",
        "close_date": "2031-01-31",
        "stage": stages["Prospecting"].pk,
        "owner": "",
    }
    payload.update(overrides)
    return payload


def test_create_with_new_account_and_contact(client, stages, rates, team_users):
    manager = team_users["liming"]
    client.force_login(manager)
    response = client.post(
        reverse("opportunities:opportunity_create"), _create_payload(stages, owner=manager.pk)
    )
    opportunity = Opportunity.objects.get(name="新城百货合作项目")
    assert response.status_code == 302 and response["Location"] == opportunity.get_absolute_url()
    assert opportunity.account.name == "新城百货"
    assert opportunity.probability == 10
    assert opportunity.amount_base == Decimal("710000.00")
    link = opportunity.contact_roles.get()
    assert (link.contact.full_name, link.role) == ("王芳", "Primary Decision Maker")
    page = client.get(opportunity.get_absolute_url()).content.decode()
    assert "王芳" in page and "新城百货" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": "-5"}, "amount", "Ensure this value is greater than or equal to 0."),
        ({"name": ""}, "name", "This field is required."),
        ({"close_date": "2031-02-30"}, "close_date", "Enter a valid date."),
        ({"currency": "XYZ"}, "currency", "Select a valid choice."),
        ({"new_account_name": ""}, "account", "Choose an account or create a new one."),
    ],
)
def test_create_bad_input_writes_nothing(
    client, stages, rates, team_users, overrides, field, message
):
    user = team_users["liming"]
    client.force_login(user)
    response = client.post(
        reverse("opportunities:opportunity_create"),
        _create_payload(stages, owner=user.pk, **overrides),
    )
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert Opportunity.objects.count() == 0
    assert Account.objects.count() == 0 and Contact.objects.count() == 0


def test_edit_with_stale_version_changes_nothing(client, make_opportunity, team_users):
    rep = team_users["wangqiang"]
    opportunity = make_opportunity(owner=rep, amount="100")
    client.force_login(rep)
    url = reverse("opportunities:opportunity_edit", args=[opportunity.pk])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        amount="200",
        currency="CNY",
        stage=opportunity.stage_id,
        owner=rep.pk,
        close_date=opportunity.close_date.isoformat(),
        account=opportunity.account_id,
        version=opportunity.version,
    )
    assert client.post(url, data).status_code == 302
    data["amount"] = "300"
    response = client.post(url, data)  # the same, now stale, version
    assert "Someone else changed this record" in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.amount == Decimal("200.00") and opportunity.version == 2


def test_stage_buttons_lost_reason_and_history(client, make_opportunity, team_users, stages):
    rep = team_users["wangqiang"]
    opportunity = make_opportunity(owner=rep)
    client.force_login(rep)
    url = reverse("opportunities:opportunity_move_stage", args=[opportunity.pk])
    client.post(url, {"stage": stages["Needs Analysis"].pk, "version": 1})
    opportunity.refresh_from_db()
    assert (opportunity.stage.name, opportunity.probability) == ("Needs Analysis", 25)
    response = client.post(url, {"stage": stages["Closed Lost"].pk, "version": 2}, follow=True)
    assert "Say why the opportunity was lost" in response.content.decode()
    client.post(url, {"stage": stages["Closed Lost"].pk, "version": 2, "lost_reason": "预算取消"})
    opportunity.refresh_from_db()
    assert opportunity.stage.name == "Closed Lost" and opportunity.lost_reason == "预算取消"
    page = client.get(opportunity.get_absolute_url())
    history = page.context["history"]
    assert [row.stage.name for row in history] == ["Closed Lost", "Needs Analysis", "Prospecting"]


def test_assign_notifies_and_detail_query_count_is_bounded(client, make_opportunity, team_users):
    manager, rep = team_users["liming"], team_users["chenjing"]
    opportunity = make_opportunity(owner=manager)
    client.force_login(manager)
    client.post(
        reverse("opportunities:opportunity_assign", args=[opportunity.pk]),
        {"owner": rep.pk, "version": 1},
    )
    opportunity.refresh_from_db()
    assert opportunity.owner == rep
    assert rep.notifications.filter(read_at__isnull=True).count() == 1
    before = queries_of(lambda: client.get(opportunity.get_absolute_url()))
    for days in range(10):
        from shangji.opportunities.services import opportunity_update

        opportunity = opportunity_update(
            opportunity=opportunity,
            actor=manager,
            version=opportunity.version,
            close_date=opportunity.close_date + datetime.timedelta(days=days + 1),
        )
    after = queries_of(lambda: client.get(opportunity.get_absolute_url()))
    assert OpportunityChange.objects.filter(opportunity=opportunity).count() == 12
    assert after == before <= 14


def test_contacts_and_competitors_on_detail(client, make_opportunity, team_users):
    from shangji.contacts.services import contact_create

    rep = team_users["wangqiang"]
    opportunity = make_opportunity(owner=rep)
    contact = contact_create(
        actor=rep, account=opportunity.account, last_name="王", first_name="芳"
    )
    client.force_login(rep)
    add = reverse("opportunities:opportunity_contact_set", args=[opportunity.pk])
    client.post(add, {"contact": contact.pk, "role": "Technical Evaluator"})
    client.post(add, {"contact": contact.pk, "role": "Influencer"})
    assert list(opportunity.contact_roles.values_list("role", flat=True)) == ["Influencer"]
    client.post(
        reverse("opportunities:competitor_add", args=[opportunity.pk]),
        {"name": "潮流前线", "strengths": "便宜", "weaknesses": "质量差"},
    )
    competitor = opportunity.competitors.get()
    assert (competitor.strengths, competitor.weaknesses) == ("便宜", "质量差")
    client.post(
        reverse("opportunities:competitor_edit", args=[opportunity.pk, competitor.pk]),
        {"name": "潮流前线服饰", "strengths": "便宜", "weaknesses": ""},
    )
    competitor.refresh_from_db()
    assert competitor.name == "潮流前线服饰"
    client.post(
        reverse("opportunities:opportunity_contact_remove", args=[opportunity.pk, contact.pk])
    )
    client.post(reverse("opportunities:competitor_remove", args=[opportunity.pk, competitor.pk]))
    assert not opportunity.contact_roles.exists() and not opportunity.competitors.exists()
    # another rep can neither see nor change it
    client.force_login(team_users["zhaolei"])
    assert client.post(add, {"contact": contact.pk, "role": "Other"}).status_code == 404


def test_edit_can_create_a_new_account_inline(client, make_opportunity, team_users):
    rep = team_users["wangqiang"]
    opportunity = make_opportunity(owner=rep)
    old_account = opportunity.account
    client.force_login(rep)
    url = reverse("opportunities:opportunity_edit", args=[opportunity.pk])
    data = {
        "name": opportunity.name,
        "amount": "1000.00",
        "currency": "CNY",
        "close_date": opportunity.close_date.isoformat(),
        "stage": opportunity.stage_id,
        "owner": rep.pk,
        "account": old_account.pk,
        "version": 1,
        "new_account_name": "东方购物中心",
        "new_account_industry": "购物中心",
    }
    assert client.post(url, data).status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.account.name == "东方购物中心" and opportunity.account.industry == "购物中心"
    assert opportunity.account.owner == rep and opportunity.version == 2
    # a duplicate name is refused and changes nothing
    data.update(version=2, account=opportunity.account_id, new_account_name="新城百货")
    response = client.post(url, data)
    assert "An account named “新城百货” already exists." in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.account.name == "东方购物中心" and opportunity.version == 2
