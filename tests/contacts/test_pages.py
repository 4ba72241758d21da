import html
import re

import pytest
from django.db import connection
from django.urls import reverse

from shangji.accounts.services import account_create
from shangji.contacts.models import Contact
from shangji.contacts.services import contact_create
from shangji.opportunities.services import opportunity_contact_set
from tests.helpers import next_url, queries_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(team_users):
    rep = team_users["wangqiang"]
    return {
        "xincheng": account_create(actor=rep, name="新城百货"),
        "hualian": account_create(actor=rep, name="华联超市"),
    }


def bulk_contacts(account, owner, count, family="张"):
    Contact.objects.bulk_create(
        Contact(
            last_name=family,
            first_name=f"三{n:03d}",
            account=account,
            owner=owner,
            created_by=owner,
            updated_by=owner,
        )
        for n in range(count)
    )


def contact_post_data(account, owner, /, **overrides):
    data = {
        "last_name": "王",
        "first_name": "芳",
        "account": account.pk,
        "title": "采购经理",
        "email": "wangfang@xincheng.example",
        "phone": "010-8888 0001",
        "mobile": "138 0000 0001",
        "owner": owner.pk,
        "description": "喜欢早上开会",
    }
    data.update(overrides)
    return data


def test_list_shows_columns_with_chinese_names_family_first(client, team_users, accounts):
    rep = team_users["wangqiang"]
    contact_create(
        actor=rep,
        account=accounts["xincheng"],
        last_name="王",
        first_name="芳",
        title="采购经理",
        email="wf@example.com",
        phone="010-1",
    )
    contact_create(
        actor=team_users["zhaolei"],
        account=accounts["hualian"],
        last_name="Lovelace",
        first_name="Ada",
        title="CTO",
    )
    client.force_login(team_users["chenjing"])
    response = client.get(reverse("contacts:contact_list"))
    assert response.status_code == 200
    content = response.content.decode()
    for text in (
        "王芳",
        "新城百货",
        "采购经理",
        "wf@example.com",
        "010-1",
        "王强",
        "Ada Lovelace",
        "华联超市",
        "CTO",
        "赵磊",
    ):
        assert text in content, text


def test_list_search_and_account_filter(client, team_users, accounts):
    rep = team_users["wangqiang"]
    contact_create(actor=rep, account=accounts["xincheng"], last_name="王", first_name="芳")
    contact_create(actor=rep, account=accounts["xincheng"], last_name="李", first_name="娜")
    contact_create(actor=rep, account=accounts["hualian"], last_name="王", first_name="伟")
    client.force_login(rep)
    url = reverse("contacts:contact_list")

    content = client.get(url, {"q": "王芳"}).content.decode()
    assert "王芳" in content and "王伟" not in content and "李娜" not in content

    response = client.get(url, {"account": accounts["xincheng"].pk})
    content = response.content.decode()
    assert "王芳" in content and "李娜" in content and "王伟" not in content
    # The account filter renders only the chosen account, not every account.
    assert f'<option value="{accounts["xincheng"].pk}" selected>新城百货</option>' in content
    assert f"{reverse('contacts:contact_create')}?account={accounts['xincheng'].pk}" in content

    content = client.get(url, {"q": "华联"}).content.decode()  # by account name
    assert "王伟" in content and "王芳" not in content


def test_list_query_count_does_not_grow_with_rows(
    client, team_users, accounts, django_assert_max_num_queries
):
    rep = team_users["wangqiang"]
    bulk_contacts(accounts["xincheng"], rep, 3)
    client.force_login(rep)
    url = reverse("contacts:contact_list")
    client.get(url)
    few = queries_of(lambda: client.get(url))
    for n, user in enumerate(team_users.values()):
        account = account_create(actor=user, name=f"客户 {n}")
        bulk_contacts(account, user, 12, family=f"赵{n}")
    connection.queries_log.clear()
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["page"].items) == 50


@pytest.mark.parametrize("sort", ["name", "-updated"])
def test_keyset_pagination_walks_every_row_once(client, team_users, accounts, sort):
    rep = team_users["wangqiang"]
    bulk_contacts(accounts["xincheng"], rep, 70, family="王")
    bulk_contacts(accounts["xincheng"], rep, 40, family="李")
    bulk_contacts(accounts["hualian"], rep, 10, family="王")
    client.force_login(rep)
    url = reverse("contacts:contact_list") + f"?account={accounts['xincheng'].pk}&sort={sort}"
    seen = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += [contact.pk for contact in response.context["page"].items]
        url = next_url(response)
        if url:
            assert f"account={accounts['xincheng'].pk}" in url
    expected = set(
        Contact.objects.filter(account=accounts["xincheng"]).values_list("pk", flat=True)
    )
    assert len(seen) == len(set(seen)) == 110
    assert set(seen) == expected


def test_create_page_prefills_account_from_query(client, team_users, accounts):
    client.force_login(team_users["wangqiang"])
    response = client.get(reverse("contacts:contact_create"), {"account": accounts["hualian"].pk})
    assert response.status_code == 200
    content = response.content.decode()
    assert f'<option value="{accounts["hualian"].pk}" selected>华联超市</option>' in content
    assert ">新城百货</option>" not in content  # only the chosen account is rendered
    assert reverse("accounts:account_options") in content  # the htmx search box


def test_create_writes_what_was_posted(client, team_users, accounts):
    rep = team_users["wangqiang"]
    client.force_login(rep)
    response = client.post(
        reverse("contacts:contact_create"),
        contact_post_data(accounts["xincheng"], rep),
        follow=True,
    )
    contact = Contact.objects.get()
    assert response.redirect_chain[-1][0] == contact.get_absolute_url()
    assert (contact.last_name, contact.first_name, contact.full_name) == ("王", "芳", "王芳")
    assert contact.account == accounts["xincheng"] and contact.owner == rep
    assert (contact.title, contact.mobile) == ("采购经理", "138 0000 0001")
    assert contact.created_by == rep
    assert "王芳" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"last_name": ""}, "This field cannot be blank."),
        ({"account": ""}, "This field is required."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
    ],
)
def test_create_bad_input_shows_message_and_writes_nothing(
    client, team_users, accounts, overrides, message
):
    rep = team_users["wangqiang"]
    client.force_login(rep)
    response = client.post(
        reverse("contacts:contact_create"),
        contact_post_data(accounts["xincheng"], rep, **overrides),
    )
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not Contact.objects.exists()


def test_detail_shows_fields_and_visible_roles(client, team_users, accounts, make_opportunity):
    rep, other = team_users["wangqiang"], team_users["zhaolei"]
    contact = contact_create(
        actor=rep,
        account=accounts["xincheng"],
        last_name="王",
        first_name="芳",
        title="采购经理",
        mobile="138 0000 0001",
    )
    mine = make_opportunity(owner=rep, account=accounts["xincheng"], name="春季订货")
    theirs = make_opportunity(owner=other, account=accounts["xincheng"], name="北方的单子")
    opportunity_contact_set(
        opportunity=mine, contact=contact, role="Technical Evaluator", actor=rep
    )
    opportunity_contact_set(opportunity=theirs, contact=contact, role="Influencer", actor=other)

    client.force_login(rep)
    response = client.get(contact.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    for text in (
        "王芳",
        "采购经理",
        "138 0000 0001",
        "新城百货",
        "春季订货",
        "Technical Evaluator",
        accounts["xincheng"].get_absolute_url(),
        reverse("contacts:contact_edit", args=[contact.pk]),
    ):
        assert text in content, text
    assert "北方的单子" not in content and "Influencer" not in content

    client.force_login(other)
    content = client.get(contact.get_absolute_url()).content.decode()
    assert "北方的单子" in content and "春季订货" not in content
    assert reverse("contacts:contact_edit", args=[contact.pk]) not in content  # not theirs


def test_missing_contact_is_404(client, team_users):
    client.force_login(team_users["wangqiang"])
    assert client.get(reverse("contacts:contact_detail", args=[999999])).status_code == 404
    assert client.get(reverse("contacts:contact_edit", args=[999999])).status_code == 404


def test_edit_writes_changes(client, team_users, accounts):
    rep = team_users["wangqiang"]
    contact = contact_create(
        actor=rep, account=accounts["xincheng"], last_name="王", first_name="芳"
    )
    client.force_login(rep)
    url = reverse("contacts:contact_edit", args=[contact.pk])
    content = client.get(url).content.decode()
    assert 'type="hidden" name="version" value="1"' in content
    data = contact_post_data(accounts["hualian"], rep, title="总监", version=1)
    assert client.post(url, data).status_code == 302
    contact.refresh_from_db()
    assert contact.account == accounts["hualian"] and contact.title == "总监"
    assert contact.version == 2 and contact.updated_by == rep


def test_edit_with_stale_version_shows_conflict_and_changes_nothing(client, team_users, accounts):
    rep = team_users["wangqiang"]
    contact = contact_create(actor=rep, account=accounts["xincheng"], last_name="王")
    client.force_login(rep)
    url = reverse("contacts:contact_edit", args=[contact.pk])
    client.post(url, contact_post_data(accounts["xincheng"], rep, title="经理", version=1))
    response = client.post(
        url, contact_post_data(accounts["xincheng"], rep, title="总监", version=1)
    )
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    contact.refresh_from_db()
    assert contact.title == "经理" and contact.version == 2


def test_rep_gets_403_on_another_reps_contact_edit(client, team_users, accounts):
    owner = team_users["wangqiang"]
    contact = contact_create(actor=owner, account=accounts["xincheng"], last_name="王")
    url = reverse("contacts:contact_edit", args=[contact.pk])
    for intruder in ("chenjing", "zhaolei"):
        client.force_login(team_users[intruder])
        assert client.get(url).status_code == 403
        response = client.post(
            url, contact_post_data(accounts["xincheng"], owner, title="黑客", version=1)
        )
        assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.title == "" and contact.version == 1
    client.force_login(team_users["zhangyue"])  # an executive edits everything
    response = client.post(url, contact_post_data(accounts["xincheng"], owner, version=1))
    assert response.status_code == 302


def test_contact_options_fragment(client, team_users, accounts):
    rep = team_users["wangqiang"]
    bulk_contacts(accounts["xincheng"], rep, 55, family="张")
    contact_create(actor=rep, account=accounts["xincheng"], last_name="王", first_name="芳")
    contact_create(actor=rep, account=accounts["hualian"], last_name="王", first_name="伟")
    client.force_login(rep)
    url = reverse("contacts:contact_options")

    content = client.get(url, {"account": accounts["xincheng"].pk}).content.decode()
    options = re.findall(r'<option value="(\d+)">([^<]*)</option>', content)
    assert len(options) == 50
    assert options[0][1] == "王芳" or options[0][1].startswith("张")
    assert "王伟" not in content

    content = client.get(url, {"account": accounts["xincheng"].pk, "q": "王"}).content.decode()
    assert re.findall(r">([^<]+)</option>", content) == ["王芳"]
    content = client.get(url, {"account": accounts["hualian"].pk, "q": "王伟"}).content.decode()
    assert re.findall(r">([^<]+)</option>", content) == ["王伟"]
    assert client.get(url, {"account": "x"}).content.decode().strip() == ""
