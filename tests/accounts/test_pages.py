import html
import re

import pytest
from django.db import connection
from django.urls import reverse

from shangji.accounts.models import Account
from shangji.accounts.services import account_create
from shangji.contacts.services import contact_create
from tests.helpers import next_url, queries_of

pytestmark = pytest.mark.django_db


def bulk_accounts(owner, count, prefix="Acme"):
    Account.objects.bulk_create(
        Account(name=f"{prefix} {n:04d}", owner=owner, created_by=owner, updated_by=owner)
        for n in range(count)
    )


def account_post_data(**overrides):
    data = {
        "name": "上海华联超市",
        "industry": "零售",
        "phone": "021-5555 0101",
        "email": "info@hualian.example",
        "website": "https://hualian.example",
        "employees": "1200",
        "annual_revenue": "35000000.00",
        "address": "上海市黄浦区南京东路 1 号",
        "description": "连锁超市",
        "parent": "",
    }
    data.update(overrides)
    return data


# --- list ---------------------------------------------------------------------------------


def test_list_shows_columns(client, team_users):
    rep = team_users["wangqiang"]
    account_create(actor=rep, name="新城百货", industry="零售", phone="010-1234 5678")
    account_create(actor=team_users["zhaolei"], name="北方重工", industry="制造")
    client.force_login(team_users["chenjing"])
    response = client.get(reverse("accounts:account_list"))
    assert response.status_code == 200
    content = response.content.decode()
    # Every active user reads the shared directory.
    assert "新城百货" in content and "北方重工" in content
    assert "零售" in content and "010-1234 5678" in content
    assert "王强" in content and "赵磊" in content
    assert content.index("北方重工") < content.index("新城百货")  # by name


def test_list_search_owner_filter_and_sort(client, team_users):
    rep, other = team_users["wangqiang"], team_users["zhaolei"]
    account_create(actor=rep, name="Alpha Trading", industry="Logistics")
    account_create(actor=rep, name="Beta Foods")
    account_create(actor=other, name="Gamma Logistics")
    client.force_login(rep)
    url = reverse("accounts:account_list")

    content = client.get(url, {"q": "logistics"}).content.decode()
    assert "Alpha Trading" in content and "Gamma Logistics" in content
    assert "Beta Foods" not in content

    content = client.get(url, {"owner": other.pk}).content.decode()
    assert "Gamma Logistics" in content and "Alpha Trading" not in content

    content = client.get(url, {"sort": "-name"}).content.decode()
    assert content.index("Gamma") < content.index("Beta") < content.index("Alpha")

    content = client.get(url, {"sort": "-updated"}).content.decode()
    assert content.index("Gamma") < content.index("Beta") < content.index("Alpha")


def test_list_query_count_does_not_grow_with_rows(
    client, team_users, django_assert_max_num_queries
):
    rep = team_users["wangqiang"]
    bulk_accounts(rep, 3)
    client.force_login(rep)
    url = reverse("accounts:account_list")
    client.get(url)  # warm up session and organisation rows
    few = queries_of(lambda: client.get(url))
    for user in team_users.values():
        bulk_accounts(user, 15, prefix=f"Many {user.username}")
    connection.queries_log.clear()
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["page"].items) == 50


@pytest.mark.parametrize("sort", ["name", "-name", "updated", "-updated"])
def test_keyset_pagination_walks_every_row_once(client, team_users, sort):
    rep = team_users["wangqiang"]
    bulk_accounts(rep, 123)
    bulk_accounts(rep, 5, prefix="Other")
    # Ties on the sort value are broken by id.
    Account.objects.filter(name__lt="Acme 0040").update(updated_at="2026-01-01T00:00:00Z")
    client.force_login(rep)
    url = reverse("accounts:account_list") + f"?q=acme&sort={sort}&owner={rep.pk}"
    seen, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += [account.name for account in response.context["page"].items]
        pages += 1
        url = next_url(response)
        if url:
            assert "q=acme" in url and f"sort={sort}" in url and f"owner={rep.pk}" in url
    assert pages == 3
    assert len(seen) == len(set(seen)) == 123
    assert all(name.startswith("Acme") for name in seen)


def test_bad_cursor_starts_over(client, team_users):
    bulk_accounts(team_users["wangqiang"], 3)
    client.force_login(team_users["wangqiang"])
    response = client.get(reverse("accounts:account_list"), {"cursor": "not-a-cursor"})
    assert response.status_code == 200
    assert len(response.context["page"].items) == 3


def test_pages_need_sign_in(client, team_users):
    response = client.get(reverse("accounts:account_list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- create -------------------------------------------------------------------------------


def test_create_page_renders(client, team_users):
    client.force_login(team_users["wangqiang"])
    response = client.get(reverse("accounts:account_create"))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="name"' in content and 'name="parent"' in content
    assert f'<option value="{team_users["wangqiang"].pk}" selected>' in content


def test_create_writes_what_was_posted(client, team_users):
    rep = team_users["wangqiang"]
    parent = account_create(actor=rep, name="华联集团")
    client.force_login(rep)
    response = client.post(
        reverse("accounts:account_create"),
        account_post_data(owner=rep.pk, parent=parent.pk),
        follow=True,
    )
    account = Account.objects.get(name="上海华联超市")
    assert response.redirect_chain[-1][0] == account.get_absolute_url()
    assert (account.industry, account.phone, account.employees) == ("零售", "021-5555 0101", 1200)
    assert str(account.annual_revenue) == "35000000.00"
    assert account.parent == parent and account.owner == rep
    assert account.created_by == rep and account.version == 1
    assert "上海华联超市" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "This field cannot be blank."), ("  新城百货 ", "already exists")],
)
def test_create_bad_input_shows_message_and_writes_nothing(client, team_users, name, message):
    rep = team_users["wangqiang"]
    account_create(actor=rep, name="新城百货")
    client.force_login(rep)
    response = client.post(
        reverse("accounts:account_create"), account_post_data(name=name, owner=rep.pk)
    )
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert Account.objects.count() == 1


# --- detail -------------------------------------------------------------------------------


def test_detail_shows_fields_contacts_and_visible_opportunities(
    client, team_users, make_opportunity
):
    rep, other = team_users["wangqiang"], team_users["zhaolei"]
    account = account_create(
        actor=rep,
        name="新城百货",
        industry="零售",
        phone="010-1234 5678",
        address="北京市朝阳区",
        employees=300,
    )
    contact_create(actor=rep, account=account, last_name="王", first_name="芳", title="采购经理")
    make_opportunity(owner=rep, account=account, name="春季订货", amount="250000")
    make_opportunity(owner=other, account=account, name="北方的秘密单子")

    client.force_login(rep)
    response = client.get(account.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    for text in (
        "新城百货",
        "零售",
        "010-1234 5678",
        "北京市朝阳区",
        "300",
        "王芳",
        "采购经理",
        "春季订货",
        "250,000.00",
        "Prospecting",
    ):
        assert text in content, text
    assert "北方的秘密单子" not in content
    assert reverse("accounts:account_edit", args=[account.pk]) in content
    assert f"{reverse('contacts:contact_create')}?account={account.pk}" in content
    assert f"{reverse('opportunities:opportunity_create')}?account={account.pk}" in content

    # The manager of another team reads the account but may not edit it.
    client.force_login(other)
    content = client.get(account.get_absolute_url()).content.decode()
    assert "北方的秘密单子" in content and "春季订货" not in content
    assert reverse("accounts:account_edit", args=[account.pk]) not in content


def test_detail_of_missing_account_is_404(client, team_users):
    client.force_login(team_users["wangqiang"])
    assert client.get(reverse("accounts:account_detail", args=[999999])).status_code == 404
    assert client.get(reverse("accounts:account_edit", args=[999999])).status_code == 404


def test_detail_query_count_does_not_grow(
    client, team_users, make_opportunity, django_assert_max_num_queries
):
    rep = team_users["wangqiang"]
    account = account_create(actor=rep, name="新城百货")
    contact_create(actor=rep, account=account, last_name="王")
    make_opportunity(owner=rep, account=account)
    client.force_login(rep)
    client.get(account.get_absolute_url())
    few = queries_of(lambda: client.get(account.get_absolute_url()))
    for n in range(5):
        contact_create(actor=team_users["chenjing"], account=account, last_name=f"陈{n}")
        make_opportunity(owner=team_users["liming"], account=account, stage="Qualification")
    client.force_login(team_users["liming"])
    connection.queries_log.clear()
    with django_assert_max_num_queries(few):
        client.get(account.get_absolute_url())


# --- edit ---------------------------------------------------------------------------------


def test_edit_page_has_version_and_writes_changes(client, team_users):
    rep = team_users["wangqiang"]
    account = account_create(actor=rep, name="新城百货", industry="零售")
    client.force_login(rep)
    url = reverse("accounts:account_edit", args=[account.pk])
    content = client.get(url).content.decode()
    assert 'type="hidden" name="version" value="1"' in content
    assert 'value="新城百货"' in content

    data = account_post_data(name="新城百货（总店）", owner=rep.pk, version=1)
    response = client.post(url, data)
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.name == "新城百货（总店）" and account.industry == "零售"
    assert account.version == 2 and account.updated_by == rep


def test_edit_with_stale_version_shows_conflict_and_changes_nothing(client, team_users):
    rep = team_users["wangqiang"]
    account = account_create(actor=rep, name="新城百货")
    client.force_login(rep)
    url = reverse("accounts:account_edit", args=[account.pk])
    assert (
        client.post(url, account_post_data(name="第一次", owner=rep.pk, version=1)).status_code
        == 302
    )
    response = client.post(url, account_post_data(name="第二次", owner=rep.pk, version=1))
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    assert 'value="第二次"' in response.content.decode()  # the user's input is kept
    account.refresh_from_db()
    assert account.name == "第一次" and account.version == 2


def test_edit_duplicate_name_shows_message(client, team_users):
    rep = team_users["wangqiang"]
    account_create(actor=rep, name="新城百货")
    account = account_create(actor=rep, name="华联超市")
    client.force_login(rep)
    response = client.post(
        reverse("accounts:account_edit", args=[account.pk]),
        account_post_data(name="新城百货", owner=rep.pk, version=1),
    )
    assert "already exists" in response.content.decode()
    account.refresh_from_db()
    assert account.name == "华联超市" and account.version == 1


def test_edit_permissions(client, team_users):
    rep = team_users["wangqiang"]
    account = account_create(actor=rep, name="新城百货")
    url = reverse("accounts:account_edit", args=[account.pk])
    client.force_login(team_users["chenjing"])  # a rep of the same team
    assert client.get(url).status_code == 403
    data = account_post_data(name="被改了", owner=rep.pk, version=1)
    assert client.post(url, data).status_code == 403
    account.refresh_from_db()
    assert account.name == "新城百货"
    client.force_login(team_users["liming"])  # the rep's manager
    assert client.post(url, data).status_code == 302
    account.refresh_from_db()
    assert account.name == "被改了"


# --- options ------------------------------------------------------------------------------


def test_account_options_fragment(client, team_users):
    rep = team_users["wangqiang"]
    bulk_accounts(rep, 60, prefix="Acme")
    account_create(actor=rep, name="<Evil & Co>")
    client.force_login(rep)
    url = reverse("accounts:account_options")
    response = client.get(url, {"q": "acme"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    options = re.findall(r'<option value="(\d+)">([^<]*)</option>', content)
    assert len(options) == 50
    assert [name for _pk, name in options] == [f"Acme {n:04d}" for n in range(50)]
    first = Account.objects.get(name="Acme 0000")
    assert options[0][0] == str(first.pk)

    content = client.get(url, {"q": "evil"}).content.decode()
    assert "&lt;Evil &amp; Co&gt;" in content and "Acme" not in content
    assert client.get(url, {"q": "nothing-like-this"}).content.decode().strip() == ""
    assert '<option value="">' in client.get(url, {"q": "evil", "blank": "1"}).content.decode()
