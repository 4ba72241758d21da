import pytest
from django.test import Client

from shangji.accounts.models import Account
from shangji.accounts.services import account_create
from shangji.activities.models import Activity
from shangji.activities.services import activity_create
from shangji.contacts.models import Contact
from shangji.leads.models import Lead
from shangji.opportunities.models import Opportunity
from tests.api.conftest import ACTIVITY_FIELDS, ApiClient

pytestmark = pytest.mark.django_db

LEAD_FIELDS = {
    "id",
    "first_name",
    "last_name",
    "name",
    "company",
    "title",
    "email",
    "phone",
    "mobile",
    "source",
    "status",
    "owner",
    "owner_username",
    "description",
    "external_id",
    "converted_at",
    "converted_by",
    "converted_account",
    "converted_contact",
    "converted_opportunity",
    "version",
    "created_at",
    "updated_at",
}


@pytest.fixture
def api(team_users):
    """api(username) → a client with a bearer token of that user."""
    return lambda username: ApiClient(team_users[username])


def test_create_get_and_list_with_filters_and_cursor_pages(api, make_lead, team_users):
    client = api("wangqiang")
    response = client.post(
        "/leads",
        {"last_name": "王", "first_name": "芳", "company": "新城百货", "source": "Trade Show"},
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert set(data) == LEAD_FIELDS
    assert (data["name"], data["owner_username"], data["status"]) == ("王芳", "wangqiang", "New")
    pool = client.post("/leads", {"company": "无人负责", "owner": None}).json()
    assert (pool["owner"], pool["owner_username"]) == (None, None)
    for n in range(5):
        make_lead(company=f"Client {n}", source="Email")
    make_lead(actor=team_users["chenjing"], company="陈静的客户")
    assert client.get(f"/leads/{data['id']}").json() == data

    seen, cursor = [], None
    while True:
        params = {"limit": 3, "sort": "company"} | ({"cursor": cursor} if cursor else {})
        page = client.get("/leads", **params).json()
        seen += [row["company"] for row in page["results"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 7 and "陈静的客户" not in seen
    assert seen[:5] == [f"Client {n}" for n in range(5)]

    def companies(**params):
        response = client.get("/leads", **params)
        assert response.status_code == 200, response.json()
        return sorted(row["company"] for row in response.json()["results"])

    assert companies(owner="none") == ["无人负责"]
    assert companies(source="Trade Show") == ["新城百货"]
    assert companies(q="Client 3") == ["Client 3"]
    assert len(companies(mine=True)) == 6 and len(companies(mine=False)) == 7
    bad = client.get("/leads", owner=999999)
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"owner"}
    assert client.get("/leads", cursor="nope").status_code == 400
    assert client.get("/leads", status="Lost").status_code == 422


def test_update_delete_and_visibility(api, make_lead, team_users):
    lead = make_lead()
    foreign = make_lead(actor=team_users["chenjing"], company="陈静的客户")
    client = api("wangqiang")
    response = client.patch(f"/leads/{lead.pk}", {"version": 1, "status": "In Process"})
    assert response.status_code == 200 and response.json()["version"] == 2
    stale = client.patch(f"/leads/{lead.pk}", {"version": 1, "title": "总经理"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    refused = client.patch(f"/leads/{lead.pk}", {"version": 2, "status": "Converted"})
    assert refused.status_code == 422
    for method, path, body in (
        ("get", f"/leads/{foreign.pk}", None),
        ("patch", f"/leads/{foreign.pk}", {"version": 1, "title": "x"}),
        ("post", f"/leads/{foreign.pk}/assign", {"version": 1, "owner": 1}),
        ("post", f"/leads/{foreign.pk}/convert", {"version": 1}),
        ("get", f"/leads/{foreign.pk}/timeline", None),
    ):
        call = getattr(client, method)
        response = call(path, body) if body is not None else call(path)
        assert response.status_code == 404, (method, path)
    assert client.delete(f"/leads/{foreign.pk}", version=1).status_code == 404
    assert client.delete(f"/leads/{lead.pk}", version=1).status_code == 409
    assert client.delete(f"/leads/{lead.pk}", version=2).status_code == 204
    assert list(Lead.objects.values_list("pk", flat=True)) == [foreign.pk]


def test_assign_notifies_and_the_pool_needs_a_manager(api, make_lead, team_users):
    pool = make_lead(actor=team_users["liming"], owner=None, company="港湾百货")
    rep = team_users["wangqiang"]
    body = {"version": 1, "owner": rep.pk}
    assert api("wangqiang").post(f"/leads/{pool.pk}/assign", body).status_code == 403
    response = api("liming").post(f"/leads/{pool.pk}/assign", body)
    assert response.status_code == 200
    assert (response.json()["owner"], response.json()["status"]) == (rep.pk, "Assigned")
    assert rep.notifications.get().verb == "lead_assigned"


def test_convert_writes_all_or_nothing(api, make_lead, team_users, stages):
    rep = team_users["wangqiang"]
    lead = make_lead(source="Trade Show")
    activity_create(actor=rep, kind="note", lead=lead, subject="名片")
    client = api("wangqiang")
    body = {
        "version": 1,
        "new_account": {"name": "新城百货有限公司"},
        "new_contact": {"last_name": "王", "first_name": "芳", "email": "not-an-address"},
        "opportunity": {
            "name": "新城百货 秋冬系列",
            "amount": "80000",
            "currency": "CNY",
            "close_date": "2031-06-30",
            "stage": stages["Prospecting"].pk,
        },
    }
    response = client.post(f"/leads/{lead.pk}/convert", body)
    assert response.status_code == 400
    assert response.json()["errors"] == {"new_contact.email": ["Enter a valid email address."]}
    assert not Account.objects.exists() and Lead.objects.get().status == "New"
    wrong = {**body, "opportunity": {**body["opportunity"], "currency": "XXX"}}
    response = client.post(f"/leads/{lead.pk}/convert", wrong)
    assert set(response.json()["errors"]) == {"opportunity.currency"}
    body["new_contact"]["email"] = "wangfang@xincheng.example"
    assert client.post(f"/leads/{lead.pk}/convert", {**body, "version": 3}).status_code == 409
    response = client.post(f"/leads/{lead.pk}/convert", body)
    assert response.status_code == 200, response.json()
    data = response.json()
    deal = Opportunity.objects.get()
    contact = Contact.objects.get()
    assert data["status"] == "Converted" and data["converted_by"] == rep.pk
    assert (
        data["converted_account"],
        data["converted_contact"],
        data["converted_opportunity"],
    ) == (
        deal.account_id,
        contact.pk,
        deal.pk,
    )
    assert deal.lead_source == "Trade Show"
    assert Activity.objects.get().opportunity == deal
    again = client.post(f"/leads/{lead.pk}/convert", {**body, "version": 2})
    assert again.json()["errors"] == {"__all__": ["This lead is already converted."]}


def test_convert_into_existing_records_keeping_the_activities(api, make_lead, team_users):
    rep = team_users["wangqiang"]
    account = account_create(actor=rep, name="新城百货")
    lead = make_lead()
    activity_create(actor=rep, kind="note", lead=lead, subject="名片")
    contact = api("wangqiang").post(
        "/contacts", {"account": account.pk, "last_name": "王", "first_name": "芳"}
    )
    body = {
        "version": 1,
        "account": account.pk,
        "contact": contact.json()["id"],
        "activities": "keep",
    }
    response = api("wangqiang").post(f"/leads/{lead.pk}/convert", body)
    assert response.status_code == 200, response.json()
    assert response.json()["converted_opportunity"] is None
    assert Activity.objects.get().lead == lead


def test_activities_and_timeline_of_a_lead(api, make_lead, team_users):
    lead = make_lead()
    client = api("wangqiang")
    response = client.post(
        "/activities",
        {"kind": "call", "lead": lead.pk, "subject": "回访", "starts_at": "2031-03-01T10:00"},
    )
    assert response.status_code == 201, response.json()
    call = response.json()
    assert set(call) == ACTIVITY_FIELDS and call["lead"] == lead.pk and call["account"] is None
    listed = client.get("/activities", lead=lead.pk).json()["results"]
    assert [row["id"] for row in listed] == [call["id"]]
    timeline = client.get(f"/leads/{lead.pk}/timeline").json()
    assert [entry["activity"]["id"] for entry in timeline["entries"]] == [call["id"]]
    assert [row["id"] for row in timeline["planned"]] == [call["id"]]  # a planned call ahead
    other = api("chenjing")
    assert other.get(f"/activities/{call['id']}").status_code == 404
    assert other.get("/activities", lead=lead.pk).status_code == 400
    foreign = make_lead(actor=team_users["chenjing"], company="陈静的客户")
    response = client.post("/activities", {"kind": "note", "lead": foreign.pk, "subject": "x"})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"lead"}


def test_openapi_lists_the_lead_endpoints():
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/leads"]) == {"get", "post"}
    assert set(paths["/api/v1/leads/{lead_id}"]) == {"get", "patch", "delete"}
    for action in ("assign", "convert"):
        assert set(paths[f"/api/v1/leads/{{lead_id}}/{action}"]) == {"post"}
    assert set(paths["/api/v1/leads/{lead_id}/timeline"]) == {"get"}
