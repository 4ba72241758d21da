from decimal import Decimal

import pytest

from shangji.accounts.models import Account
from shangji.contacts.models import Contact
from shangji.contacts.services import contact_create
from shangji.opportunities.models import Competitor, Opportunity, OpportunityChange
from tests.api.conftest import OPPORTUNITY_FIELDS

pytestmark = pytest.mark.django_db


def _new(stages, **overrides):
    body = {
        "name": "春季新品订货会",
        "new_account": {"name": "华联商厦", "industry": "零售"},
        "amount": "100000.00",
        "currency": "USD",
        "close_date": "2031-03-31",
        "stage": stages["Needs Analysis"].pk,
    }
    body.update(overrides)
    return body


def test_create_with_new_account_and_contact(api_as, team_users, stages, rates):
    rep = team_users["wangqiang"]
    body = _new(
        stages,
        new_contact={
            "first_name": "芳",
            "last_name": "王",
            "email": "wangfang@example.com",
            "phone": "13800000000",
            "title": "采购经理",
            "role": "Business Evaluator",
        },
        type="New Business",
        lead_source="Trade Show",
        next_step="寄送样品",
        priority="High",
        campaign="2031 春季展会",
        description="首次合作",
        competitors=[{"name": "优衣库", "strengths": "价格", "weaknesses": "交期"}],
    )
    response = api_as(rep).post("/opportunities", body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert set(data) == OPPORTUNITY_FIELDS

    opportunity = Opportunity.objects.get()
    account = Account.objects.get(name="华联商厦")
    contact = Contact.objects.get(email="wangfang@example.com")
    assert data["id"] == opportunity.pk
    assert (data["account"], data["account_name"]) == (account.pk, "华联商厦")
    assert account.industry == "零售" and account.owner == rep
    assert contact.account == account and contact.title == "采购经理"
    assert data["contacts"] == [
        {"contact": contact.pk, "name": "王芳", "role": "Business Evaluator"}
    ]
    competitor = Competitor.objects.get()
    assert data["competitors"] == [
        {"id": competitor.pk, "name": "优衣库", "strengths": "价格", "weaknesses": "交期"}
    ]
    # Decimals are strings; the rate is the USD one; probability and category are the stage's.
    assert data["amount"] == "100000.00"
    assert data["amount_base"] == "710000.00"
    assert Decimal(data["exchange_rate"]) == Decimal("7.1")
    assert data["currency"] == "USD"
    assert data["close_date"] == "2031-03-31"
    assert data["pipeline"] == stages["Needs Analysis"].pipeline_id
    assert (data["stage"], data["stage_name"]) == (stages["Needs Analysis"].pk, "Needs Analysis")
    assert (data["probability"], data["forecast_category"]) == (25, "pipeline")
    assert (data["owner"], data["owner_username"]) == (rep.pk, "wangqiang")
    assert (data["type"], data["lead_source"], data["priority"]) == (
        "New Business",
        "Trade Show",
        "High",
    )
    assert (data["next_step"], data["campaign"], data["description"]) == (
        "寄送样品",
        "2031 春季展会",
        "首次合作",
    )
    assert data["version"] == 1 and data["closed_at"] is None and data["lost_reason"] == ""
    assert data["created_at"].endswith("Z") and data["updated_at"].endswith("Z")
    assert OpportunityChange.objects.filter(opportunity=opportunity).count() == 1


def test_create_with_existing_account_contacts_and_owner(
    api_as, team_users, stages, rates, make_opportunity
):
    manager, rep = team_users["liming"], team_users["chenjing"]
    account = Account.objects.create(name="新世界百货", owner=manager)
    contact = contact_create(actor=manager, account=account, last_name="刘", first_name="洋")
    body = _new(
        stages,
        new_account=None,
        account=account.pk,
        currency="CNY",
        amount=5000,
        owner=rep.pk,
        probability=33,
        forecast_category="commit",
        contacts=[{"contact": contact.pk, "role": "Influencer"}],
    )
    response = api_as(manager).post("/opportunities", body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["account"] == account.pk and data["owner"] == rep.pk
    assert data["amount"] == "5000.00" and data["amount_base"] == "5000.00"
    assert (data["probability"], data["forecast_category"]) == (33, "commit")
    assert data["contacts"] == [{"contact": contact.pk, "name": "刘洋", "role": "Influencer"}]
    assert rep.notifications.count() == 1


def test_get_returns_the_same_shape(api_as, team_users, make_opportunity):
    opportunity = make_opportunity(amount="1234.5", currency="EUR")
    response = api_as(team_users["wangqiang"]).get(f"/opportunities/{opportunity.pk}")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == OPPORTUNITY_FIELDS
    assert data["amount"] == "1234.50"
    assert data["amount_base"] == "9629.10"
    assert data["currency"] == "EUR"
    assert data["account_name"] == "新城百货"


@pytest.mark.parametrize(
    ("change", "field", "status", "message"),
    [
        ({"amount": "-1"}, "amount", 400, "Ensure this value is greater than or equal to 0."),
        (
            {"currency": "XYZ"},
            "currency",
            400,
            "Select a valid choice. XYZ is not one of the available choices.",
        ),
        ({"close_date": "2031-02-30"}, "close_date", 422, "Enter a valid date."),
        ({"close_date": "next week"}, "close_date", 422, "Enter a valid date."),
        ({"name": None}, "name", 422, "Input should be a valid string"),
        (
            {"stage": 99999},
            "stage",
            400,
            "Select a valid choice. That choice is not one of the available choices.",
        ),
        ({"amount": "lots"}, "amount", 422, "Enter a number."),
    ],
)
def test_create_validation_errors(
    api_as, team_users, stages, rates, change, field, status, message
):
    response = api_as(team_users["wangqiang"]).post("/opportunities", _new(stages, **change))
    assert response.status_code == status, response.json()
    data = response.json()
    assert data["errors"][field] == [message]
    assert data["detail"] == message
    assert not Opportunity.objects.exists()
    assert not Account.objects.exists()


def test_create_missing_required_fields(api_as, team_users, stages, rates):
    response = api_as(team_users["wangqiang"]).post("/opportunities", {"name": "X"})
    assert response.status_code == 422
    data = response.json()
    assert data["detail"] == "Please correct the errors below."
    assert data["errors"] == {
        field: ["This field is required."]
        for field in ("amount", "currency", "close_date", "stage")
    }


def test_create_errors_follow_the_request_language(api_as, team_users, stages, rates):
    client = api_as(team_users["wangqiang"], language="zh-hans")
    missing = client.post("/opportunities", {"name": "X"})
    assert missing.json()["errors"]["stage"] == ["这个字段是必填项。"]
    negative = client.post("/opportunities", _new(stages, amount="-5"))
    assert negative.status_code == 400
    assert negative.json()["errors"]["amount"] == ["确保该值大于或等于0。"]


def test_create_without_account_and_new_account_errors(api_as, team_users, stages, rates):
    response = api_as(team_users["wangqiang"]).post(
        "/opportunities", _new(stages, new_account=None)
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"account": ["Choose an account or create a new one."]}


def test_create_with_a_bad_new_contact_writes_nothing(api_as, team_users, stages, rates):
    body = _new(stages, new_contact={"last_name": "", "email": "not-an-email"})
    response = api_as(team_users["wangqiang"]).post("/opportunities", body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"new_contact_last_name", "new_contact_email"}
    assert not Opportunity.objects.exists() and not Account.objects.exists()


def test_patch_stage_without_probability_takes_stage_default(
    api_as, team_users, stages, make_opportunity
):
    opportunity = make_opportunity(stage="Prospecting")
    client = api_as(team_users["wangqiang"])
    response = client.patch(
        f"/opportunities/{opportunity.pk}",
        {"version": 1, "stage": stages["Proposal/Price Quote"].pk},
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["stage_name"], data["probability"], data["forecast_category"]) == (
        "Proposal/Price Quote",
        65,
        "best_case",
    )
    assert data["version"] == 2
    # Fields not sent are unchanged; with probability set it is kept.
    assert data["name"] == opportunity.name and data["amount"] == "1000.00"
    explicit = client.patch(
        f"/opportunities/{opportunity.pk}",
        {"version": 2, "stage": stages["Negotiation/Review"].pk, "probability": 70},
    ).json()
    assert (explicit["probability"], explicit["version"]) == (70, 3)


def test_patch_changes_only_the_keys_sent(api_as, team_users, make_opportunity):
    opportunity = make_opportunity(next_step="打电话", description="说明")
    response = api_as(team_users["wangqiang"]).patch(
        f"/opportunities/{opportunity.pk}",
        {"version": 1, "amount": "2500", "currency": "USD", "close_date": "2031-06-30"},
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["amount"], data["currency"], data["amount_base"]) == ("2500.00", "USD", "17750.00")
    assert data["close_date"] == "2031-06-30"
    assert (data["next_step"], data["description"]) == ("打电话", "说明")
    opportunity.refresh_from_db()
    assert opportunity.amount_base == Decimal("17750.00") and opportunity.version == 2


def test_patch_with_stale_version_is_409_and_changes_nothing(api_as, team_users, make_opportunity):
    opportunity = make_opportunity(amount="500")
    client = api_as(team_users["wangqiang"])
    assert (
        client.patch(
            f"/opportunities/{opportunity.pk}", {"version": 1, "amount": "600"}
        ).status_code
        == 200
    )
    response = client.patch(f"/opportunities/{opportunity.pk}", {"version": 1, "amount": "700"})
    assert response.status_code == 409
    data = response.json()
    assert data["current_version"] == 2
    assert data["detail"].startswith("Someone else changed this record")
    opportunity.refresh_from_db()
    assert opportunity.amount == Decimal("600.00") and opportunity.version == 2
    assert OpportunityChange.objects.filter(opportunity=opportunity).count() == 2


def test_patch_errors(api_as, team_users, stages, make_opportunity):
    opportunity = make_opportunity()
    client = api_as(team_users["wangqiang"])
    missing_version = client.patch(f"/opportunities/{opportunity.pk}", {"name": "x"})
    assert missing_version.status_code == 422
    assert missing_version.json()["errors"] == {"version": ["This field is required."]}
    lost = client.patch(
        f"/opportunities/{opportunity.pk}", {"version": 1, "stage": stages["Closed Lost"].pk}
    )
    assert lost.status_code == 400
    assert list(lost.json()["errors"]) == ["lost_reason"]
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["Prospecting"] and opportunity.version == 1
    closed = client.patch(
        f"/opportunities/{opportunity.pk}",
        {"version": 1, "stage": stages["Closed Lost"].pk, "lost_reason": "价格太高"},
    ).json()
    assert (closed["lost_reason"], closed["probability"]) == ("价格太高", 0)
    assert closed["closed_at"] is not None


def test_history(api_as, team_users, stages, make_opportunity):
    rep = team_users["wangqiang"]
    opportunity = make_opportunity(stage="Prospecting", amount="1000")
    client = api_as(rep)
    client.patch(
        f"/opportunities/{opportunity.pk}", {"version": 1, "stage": stages["Qualification"].pk}
    )
    response = client.get(f"/opportunities/{opportunity.pk}/history")
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 2
    latest, first = rows
    assert latest["changed_fields"] == ["stage", "probability"]
    assert (latest["stage"], latest["stage_name"]) == (stages["Qualification"].pk, "Qualification")
    assert latest["previous_stage"] == stages["Prospecting"].pk
    assert (latest["probability"], latest["previous_probability"]) == (20, 10)
    assert (latest["actor"], latest["actor_username"]) == (rep.pk, "wangqiang")
    assert latest["amount"] == "1000.00" and latest["previous_amount"] == "1000.00"
    assert first["previous_stage"] is None and first["previous_amount"] is None
    assert first["previous_forecast_category"] == ""


def test_delete(api_as, team_users, make_opportunity):
    opportunity = make_opportunity()
    client = api_as(team_users["wangqiang"])
    assert client.delete(f"/opportunities/{opportunity.pk}").status_code == 422
    stale = client.delete(f"/opportunities/{opportunity.pk}", version=5)
    assert stale.status_code == 409 and stale.json()["current_version"] == 1
    response = client.delete(f"/opportunities/{opportunity.pk}", version=1)
    assert response.status_code == 204
    assert response.content == b""
    assert not Opportunity.objects.filter(pk=opportunity.pk).exists()
    assert client.get(f"/opportunities/{opportunity.pk}").status_code == 404


def test_contact_roles(api_as, team_users, make_opportunity):
    rep = team_users["wangqiang"]
    opportunity = make_opportunity()
    contact = contact_create(
        actor=rep, account=opportunity.account, last_name="周", first_name="杰"
    )
    client = api_as(rep)
    url = f"/opportunities/{opportunity.pk}/contacts/{contact.pk}"
    response = client.put(url, {"role": "Technical Evaluator"})
    assert response.status_code == 200
    assert response.json() == {"contact": contact.pk, "name": "周杰", "role": "Technical Evaluator"}
    client.put(url, {"role": "Executive Sponsor"})
    detail = client.get(f"/opportunities/{opportunity.pk}").json()
    assert detail["contacts"] == [
        {"contact": contact.pk, "name": "周杰", "role": "Executive Sponsor"}
    ]
    assert client.put(url, {"role": "Boss"}).status_code == 422
    assert (
        client.put(f"/opportunities/{opportunity.pk}/contacts/99999", {"role": "Other"}).status_code
        == 404
    )
    other = api_as(team_users["zhaolei"]).put(url, {"role": "Other"})
    assert other.status_code == 404
    assert client.delete(url).status_code == 204
    assert client.get(f"/opportunities/{opportunity.pk}").json()["contacts"] == []
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_competitors(api_as, team_users, make_opportunity):
    opportunity = make_opportunity()
    client = api_as(team_users["wangqiang"])
    created = client.post(
        f"/opportunities/{opportunity.pk}/competitors", {"name": "ZARA", "strengths": "款式"}
    )
    assert created.status_code == 201
    competitor = created.json()
    assert competitor == {
        "id": competitor["id"],
        "name": "ZARA",
        "strengths": "款式",
        "weaknesses": "",
    }
    url = f"/opportunities/{opportunity.pk}/competitors/{competitor['id']}"
    patched = client.patch(url, {"weaknesses": "价格高"})
    assert patched.json() == {
        "id": competitor["id"],
        "name": "ZARA",
        "strengths": "款式",
        "weaknesses": "价格高",
    }
    blank = client.patch(url, {"name": ""})
    assert blank.status_code == 400 and list(blank.json()["errors"]) == ["name"]
    assert (
        client.post(f"/opportunities/{opportunity.pk}/competitors", {"strengths": "x"}).status_code
        == 422
    )
    other = make_opportunity()
    assert (
        client.patch(
            f"/opportunities/{other.pk}/competitors/{competitor['id']}", {"name": "x"}
        ).status_code
        == 404
    )
    assert client.delete(url).status_code == 204
    assert not Competitor.objects.exists()


def test_unknown_field_and_unparsable_body(api_as, team_users, make_opportunity):
    opportunity = make_opportunity()
    client = api_as(team_users["wangqiang"])
    typo = client.patch(f"/opportunities/{opportunity.pk}", {"version": 1, "nmae": "x"})
    assert typo.status_code == 422
    assert list(typo.json()["errors"]) == ["nmae"]
    broken = client.client.patch(
        f"/api/v1/opportunities/{opportunity.pk}",
        data="{not json",
        content_type="application/json",
    )
    assert broken.status_code == 400
    unreadable = "The request body could not be read: it is not valid JSON or form data."
    assert broken.json() == {"detail": unreadable, "errors": {"__all__": [unreadable]}}
    opportunity.refresh_from_db()
    assert opportunity.version == 1
