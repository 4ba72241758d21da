import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shangji.accounts.models import Account
from shangji.contacts.services import contact_create
from shangji.opportunities.services import competitor_add, opportunity_contact_set
from tests.api.conftest import OPPORTUNITY_FIELDS

pytestmark = pytest.mark.django_db


def test_list_ordering_and_cursor_pages(api_as, team_users, make_opportunity):
    base = datetime.date(2031, 1, 1)
    # Two share a close date so the id breaks the tie.
    days = [5, 1, 3, 3, 7, 2, 6]
    made = [make_opportunity(close_date=base + datetime.timedelta(days=d)) for d in days]
    expected = [o.pk for o in sorted(made, key=lambda o: (o.close_date, o.pk))]
    client = api_as(team_users["wangqiang"])

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        response = client.get("/opportunities", **params)
        assert response.status_code == 200
        data = response.json()
        assert len(data["results"]) <= 3
        assert all(set(row) == OPPORTUNITY_FIELDS for row in data["results"])
        seen += [row["id"] for row in data["results"]]
        pages += 1
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == expected

    descending = client.get("/opportunities", ordering="-close_date", limit=200).json()
    assert [row["id"] for row in descending["results"]] == expected[::-1]
    assert descending["next_cursor"] is None


def test_list_ordering_by_amount_pages_descending(api_as, team_users, make_opportunity):
    amounts = ["500", "100", "900", "100", "300"]
    made = [make_opportunity(amount=amount) for amount in amounts]
    client = api_as(team_users["wangqiang"])
    first = client.get("/opportunities", ordering="-amount", limit=2).json()
    second = client.get(
        "/opportunities", ordering="-amount", limit=2, cursor=first["next_cursor"]
    ).json()
    third = client.get(
        "/opportunities", ordering="-amount", limit=2, cursor=second["next_cursor"]
    ).json()
    ids = [row["id"] for page in (first, second, third) for row in page["results"]]
    expected = [o.pk for o in sorted(made, key=lambda o: (o.amount_base, o.pk), reverse=True)]
    assert ids == expected
    assert [row["amount"] for page in (first, second, third) for row in page["results"]] == [
        "900.00",
        "500.00",
        "300.00",
        "100.00",
        "100.00",
    ]
    assert third["next_cursor"] is None


def test_list_filters(api_as, team_users, stages, make_opportunity):
    rep, colleague = team_users["wangqiang"], team_users["chenjing"]
    other_account = Account.objects.create(name="银泰百货", owner=rep)
    early = make_opportunity(
        name="Charlie",
        close_date=datetime.date(2031, 1, 10),
        amount="100",
        type="New Business",
        lead_source="Partner",
    )
    proposal = make_opportunity(
        name="Alpha",
        stage="Proposal/Price Quote",
        close_date=datetime.date(2031, 2, 10),
        amount="5000",
        account=other_account,
        next_step="报价审批",
    )
    won = make_opportunity(
        owner=colleague,
        stage="Closed Won",
        name="Bravo",
        amount="9000",
        close_date=datetime.date(2031, 3, 10),
    )
    client = api_as(team_users["liming"])

    def ids(**params):
        response = client.get("/opportunities", **params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [early.pk, proposal.pk, won.pk]
    assert ids(q="报价") == [proposal.pk]
    assert ids(q="银泰") == [proposal.pk]
    assert ids(stage=[stages["Prospecting"].pk, stages["Closed Won"].pk]) == [early.pk, won.pk]
    assert ids(owner=[colleague.pk]) == [won.pk]
    assert ids(owner=[colleague.pk, rep.pk]) == [early.pk, proposal.pk, won.pk]
    assert ids(account=other_account.pk) == [proposal.pk]
    assert ids(status="open") == [early.pk, proposal.pk]
    assert ids(status="won") == [won.pk]
    assert ids(status="closed") == [won.pk]
    assert ids(close_date_from="2031-02-01", close_date_to="2031-02-28") == [proposal.pk]
    assert ids(amount_min="1000", amount_max="6000") == [proposal.pk]
    assert ids(type="New Business") == [early.pk]
    assert ids(lead_source="Partner") == [early.pk]
    assert ids(pipeline=stages["Prospecting"].pipeline_id) == [early.pk, proposal.pk, won.pk]
    assert ids(mine="true") == []
    assert ids(mine="false") == [early.pk, proposal.pk, won.pk]
    assert api_as(colleague).get("/opportunities", mine="true").json()["results"][0]["id"] == (
        won.pk
    )
    assert ids(ordering="name") == [proposal.pk, won.pk, early.pk]
    assert ids(ordering="-name") == [early.pk, won.pk, proposal.pk]
    assert ids(ordering="-amount") == [won.pk, proposal.pk, early.pk]
    assert ids(ordering="stage") == [early.pk, proposal.pk, won.pk]


def test_list_close_period(api_as, team_users, make_opportunity):
    from django.utils import timezone

    today = timezone.localdate()
    this_month = make_opportunity(close_date=today.replace(day=1))
    far = make_opportunity(close_date=today + datetime.timedelta(days=800))
    response = api_as(team_users["wangqiang"]).get("/opportunities", close_period="this_month")
    assert [row["id"] for row in response.json()["results"]] == [this_month.pk]
    assert far.pk not in [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"cursor": "not-a-cursor"}, 400, "cursor"),
        ({"stage": 99999}, 400, "stage"),
        ({"ordering": "colour"}, 422, "ordering"),
        ({"limit": 500}, 422, "limit"),
        ({"limit": 0}, 422, "limit"),
        ({"close_date_from": "tomorrow"}, 422, "close_date_from"),
        ({"status": "maybe"}, 422, "status"),
    ],
)
def test_list_bad_parameters(api_as, team_users, make_opportunity, params, status, field):
    make_opportunity()
    response = api_as(team_users["wangqiang"]).get("/opportunities", **params)
    assert response.status_code == status, response.json()
    assert list(response.json()["errors"]) == [field]


def test_cursor_from_another_ordering_is_400(api_as, team_users, make_opportunity):
    for _ in range(3):
        make_opportunity()
    client = api_as(team_users["wangqiang"])
    cursor = client.get("/opportunities", ordering="name", limit=1).json()["next_cursor"]
    response = client.get("/opportunities", ordering="close_date", cursor=cursor)
    assert response.status_code == 400
    assert response.json()["errors"] == {"cursor": ["This cursor is not valid."]}


def test_visibility(api_as, team_users, make_opportunity):
    ours = make_opportunity(owner=team_users["wangqiang"])
    colleagues = make_opportunity(owner=team_users["chenjing"])
    theirs = make_opportunity(owner=team_users["zhaolei"])

    def listed(user):
        response = api_as(user).get("/opportunities")
        return {row["id"] for row in response.json()["results"]}

    rep = api_as(team_users["wangqiang"])
    assert rep.get(f"/opportunities/{theirs.pk}").status_code == 404
    assert rep.get(f"/opportunities/{theirs.pk}").json() == {"detail": "Not found."}
    assert rep.get(f"/opportunities/{theirs.pk}/history").status_code == 404
    assert rep.patch(f"/opportunities/{theirs.pk}", {"version": 1, "name": "x"}).status_code == (
        404
    )
    assert rep.delete(f"/opportunities/{theirs.pk}", version=1).status_code == 404
    assert rep.get("/opportunities/999999").status_code == 404
    assert listed(team_users["wangqiang"]) == {ours.pk}
    assert listed(team_users["zhaolei"]) == {theirs.pk}
    assert listed(team_users["liming"]) == {ours.pk, colleagues.pk}
    assert listed(team_users["zhangyue"]) == {ours.pk, colleagues.pk, theirs.pk}
    assert listed(team_users["admin"]) == {ours.pk, colleagues.pk, theirs.pk}
    manager = api_as(team_users["liming"])
    assert manager.get(f"/opportunities/{colleagues.pk}").status_code == 200
    assert manager.get(f"/opportunities/{theirs.pk}").status_code == 404
    assert api_as(team_users["zhangyue"]).get(f"/opportunities/{theirs.pk}").status_code == 200
    theirs.refresh_from_db()
    assert theirs.name.startswith("Deal") and theirs.version == 1


def test_read_only_visibility_answers_403_on_write(api_as, team_users, make_opportunity):
    from shangji.users.models import Organization

    Organization.objects.filter(pk=1).update(everyone_reads_all=True)
    theirs = make_opportunity(owner=team_users["zhaolei"])
    rep = api_as(team_users["wangqiang"])
    assert rep.get(f"/opportunities/{theirs.pk}").status_code == 200
    response = rep.patch(f"/opportunities/{theirs.pk}", {"version": 1, "name": "x"})
    assert response.status_code == 403
    assert response.json() == {"detail": "You are not allowed to make this change."}


def test_list_query_count_does_not_grow_with_rows(api_as, team_users, make_opportunity):
    rep = team_users["wangqiang"]
    client = api_as(rep)

    def add(count):
        for _ in range(count):
            opportunity = make_opportunity()
            contact = contact_create(actor=rep, account=opportunity.account, last_name="李")
            opportunity_contact_set(
                opportunity=opportunity, contact=contact, role="Other", actor=rep
            )
            competitor_add(opportunity=opportunity, actor=rep, name="竞品")

    def queries():
        connection.queries_log.clear()  # each request resets the log: start from empty
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/opportunities", limit=200)
        assert response.status_code == 200
        return len(captured), len(response.json()["results"])

    add(3)
    queries()  # the token's first use records last_used_at: one more write, once
    few, rows = queries()
    assert rows == 3
    add(17)
    many, rows = queries()
    assert rows == 20
    assert many == few
    # token, organisation settings, the filter form's pipeline count, the page, its contact
    # roles, its competitors
    assert few <= 6
