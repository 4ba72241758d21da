from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shangji.accounts.models import Account
from shangji.accounts.services import account_create
from shangji.contacts.models import Contact
from shangji.contacts.services import contact_create

pytestmark = pytest.mark.django_db

ACCOUNT_FIELDS = {
    "id",
    "name",
    "industry",
    "website",
    "phone",
    "email",
    "address",
    "employees",
    "annual_revenue",
    "parent",
    "description",
    "owner",
    "owner_username",
    "external_id",
    "version",
    "created_at",
    "updated_at",
}
CONTACT_FIELDS = {
    "id",
    "first_name",
    "last_name",
    "name",
    "title",
    "account",
    "account_name",
    "email",
    "phone",
    "mobile",
    "description",
    "owner",
    "owner_username",
    "external_id",
    "version",
    "created_at",
    "updated_at",
}


def test_account_create_get_and_patch(api_as, team_users):
    rep = team_users["wangqiang"]
    client = api_as(rep)
    parent = account_create(actor=rep, name="华润集团")
    response = client.post(
        "/accounts",
        {
            "name": " 华润万家 ",
            "industry": "零售",
            "website": "https://www.crv.com.cn",
            "employees": 1200,
            "annual_revenue": "98000000.5",
            "parent": parent.pk,
        },
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert set(data) == ACCOUNT_FIELDS
    assert (data["name"], data["industry"], data["employees"]) == ("华润万家", "零售", 1200)
    assert data["annual_revenue"] == "98000000.50"
    assert (data["parent"], data["owner"], data["owner_username"]) == (
        parent.pk,
        rep.pk,
        "wangqiang",
    )
    assert data["version"] == 1

    fetched = client.get(f"/accounts/{data['id']}").json()
    assert fetched == data

    patched = client.patch(f"/accounts/{data['id']}", {"version": 1, "phone": "021-12345678"})
    assert patched.status_code == 200
    assert (patched.json()["phone"], patched.json()["version"]) == ("021-12345678", 2)
    assert patched.json()["industry"] == "零售"

    stale = client.patch(f"/accounts/{data['id']}", {"version": 1, "phone": "000"})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    account = Account.objects.get(pk=data["id"])
    assert account.phone == "021-12345678" and account.annual_revenue == Decimal("98000000.50")


def test_account_errors(api_as, team_users):
    rep = team_users["wangqiang"]
    client = api_as(rep)
    account_create(actor=rep, name="新城百货")
    duplicate = client.post("/accounts", {"name": "新城百货"})
    assert duplicate.status_code == 400
    assert duplicate.json()["errors"] == {"name": ["An account named “新城百货” already exists."]}
    bad = client.post("/accounts", {"name": "X", "email": "nope", "parent": 99999})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"parent"}
    invalid_email = client.post("/accounts", {"name": "X", "email": "nope"})
    assert invalid_email.json()["errors"] == {"email": ["Enter a valid email address."]}
    assert client.get("/accounts/99999").status_code == 404
    missing = client.post("/accounts", {})
    assert missing.status_code == 422
    assert missing.json()["errors"] == {"name": ["This field is required."]}


def test_account_edit_needs_permission(api_as, team_users):
    account = account_create(actor=team_users["zhaolei"], name="北方商贸")
    client = api_as(team_users["wangqiang"])
    # The directory is shared: everyone reads it, only the owner's side edits.
    assert client.get(f"/accounts/{account.pk}").status_code == 200
    response = client.patch(f"/accounts/{account.pk}", {"version": 1, "name": "改名"})
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.name == "北方商贸"


def test_account_list_search_and_pages(api_as, team_users):
    rep = team_users["wangqiang"]
    names = ["Delta Mart", "Alpha Store", "Echo Outlet", "Bravo Shop", "Charlie Store"]
    for name in names:
        account_create(actor=rep, name=name, industry="Retail" if "Store" in name else "")
    client = api_as(rep)
    first = client.get("/accounts", limit=2).json()
    second = client.get("/accounts", limit=2, cursor=first["next_cursor"]).json()
    third = client.get("/accounts", limit=2, cursor=second["next_cursor"]).json()
    listed = [row["name"] for page in (first, second, third) for row in page["results"]]
    assert listed == sorted(names)
    assert third["next_cursor"] is None
    found = client.get("/accounts", q="store").json()["results"]
    assert [row["name"] for row in found] == ["Alpha Store", "Charlie Store"]
    assert client.get("/accounts", cursor="%%%").status_code == 400


def test_contact_crud_and_account_filter(api_as, team_users):
    rep = team_users["wangqiang"]
    client = api_as(rep)
    store = account_create(actor=rep, name="新城百货")
    mall = account_create(actor=rep, name="银泰百货")
    response = client.post(
        "/contacts",
        {
            "account": store.pk,
            "first_name": "芳",
            "last_name": "王",
            "title": "采购经理",
            "email": "wangfang@example.com",
            "mobile": "13800000000",
        },
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert set(data) == CONTACT_FIELDS
    assert (data["name"], data["account"], data["account_name"]) == ("王芳", store.pk, "新城百货")
    assert (data["owner"], data["version"]) == (rep.pk, 1)
    contact_create(actor=rep, account=mall, last_name="Li", first_name="Lei")
    contact_create(actor=rep, account=store, last_name="Zhou", first_name="Jie")

    at_store = client.get("/contacts", account=store.pk).json()["results"]
    assert {row["name"] for row in at_store} == {"王芳", "Jie Zhou"}
    assert {row["account"] for row in at_store} == {store.pk}
    assert [row["name"] for row in client.get("/contacts", q="银泰").json()["results"]] == [
        "Lei Li"
    ]
    assert client.get(f"/contacts/{data['id']}").json() == data

    moved = client.patch(
        f"/contacts/{data['id']}", {"version": 1, "account": mall.pk, "title": "总监"}
    )
    assert moved.status_code == 200
    assert (moved.json()["account_name"], moved.json()["title"], moved.json()["version"]) == (
        "银泰百货",
        "总监",
        2,
    )
    stale = client.patch(f"/contacts/{data['id']}", {"version": 1, "title": "x"})
    assert stale.status_code == 409
    assert Contact.objects.get(pk=data["id"]).title == "总监"


def test_contact_errors(api_as, team_users):
    client = api_as(team_users["wangqiang"])
    store = account_create(actor=team_users["wangqiang"], name="新城百货")
    missing = client.post("/contacts", {"account": store.pk})
    assert missing.status_code == 422
    assert missing.json()["errors"] == {"last_name": ["This field is required."]}
    unknown = client.post("/contacts", {"account": 99999, "last_name": "王"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"] == {
        "account": ["Select a valid choice. That choice is not one of the available choices."]
    }
    blank = client.post("/contacts", {"account": store.pk, "last_name": " "})
    assert blank.status_code == 400 and set(blank.json()["errors"]) == {"last_name"}


def test_contact_list_query_count_does_not_grow(api_as, team_users):
    rep = team_users["wangqiang"]
    client = api_as(rep)
    client.get("/contacts")  # the token's first use is recorded once

    def add(count):
        for n in range(count):
            account = account_create(actor=rep, name=f"Account {Account.objects.count()}-{n}")
            contact_create(actor=rep, account=account, last_name=f"Name {n}")

    def queries():
        connection.queries_log.clear()  # each request resets the log: start from empty
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/contacts", limit=200)
        return len(captured), len(response.json()["results"])

    add(3)
    few, rows = queries()
    assert rows == 3
    add(17)
    many, rows = queries()
    assert (many, rows) == (few, 20)
