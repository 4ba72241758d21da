import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shangji.accounts.services import account_create
from shangji.activities.models import Activity
from shangji.activities.services import activity_create
from shangji.contacts.services import contact_create
from shangji.leads.models import Lead
from shangji.opportunities.models import Opportunity
from tests.helpers import next_url, queries_of

pytestmark = pytest.mark.django_db

LIST = reverse("leads:lead_list")


def _bulk(owner, count, *, company="Client ", status="New", source=""):
    Lead.objects.bulk_create(
        Lead(
            last_name="张",
            first_name=f"三{n:03d}",
            company=f"{company}{n:03d}",
            status=status,
            source=source,
            owner=owner,
            created_by=owner,
            updated_by=owner,
        )
        for n in range(count)
    )


def _names(response) -> list[str]:
    return [lead.company for lead in response.context["page"].items]


def test_list_filters_search_and_owner_pool(client, make_lead, team_users):
    rep, manager = team_users["wangqiang"], team_users["liming"]
    make_lead(company="新城百货", source="Trade Show", mobile="138 0000 0001")
    make_lead(company="华联商厦", last_name="周", first_name="敏", source="Email")
    make_lead(actor=team_users["chenjing"], company="陈静的客户", source="Email")
    make_lead(actor=manager, owner=None, company="无人负责")
    make_lead(actor=team_users["zhaolei"], company="别的团队")
    client.force_login(rep)
    response = client.get(LIST)
    assert response.status_code == 200
    assert sorted(_names(response)) == sorted(["新城百货", "华联商厦", "无人负责"])
    content = response.content.decode()
    for text in ("王芳", "Trade Show", "138 0000 0001", "王强", "Unassigned", "Export CSV"):
        assert text in content, text
    assert _names(client.get(LIST, {"q": "周敏"})) == ["华联商厦"]
    assert _names(client.get(LIST, {"q": "0000 0001"})) == ["新城百货"]
    assert _names(client.get(LIST, {"source": "Email"})) == ["华联商厦"]
    assert _names(client.get(LIST, {"owner": "none"})) == ["无人负责"]
    assert sorted(_names(client.get(LIST, {"mine": "on"}))) == ["华联商厦", "新城百货"]
    assert _names(client.get(LIST, {"status": "Dead"})) == []
    client.force_login(manager)
    assert len(_names(client.get(LIST))) == 4
    by_company = _names(client.get(LIST, {"sort": "company"}))
    assert by_company == _names(client.get(LIST, {"sort": "-company"}))[::-1]
    assert sorted(by_company) == sorted(["新城百货", "华联商厦", "陈静的客户", "无人负责"])
    assert _names(client.get(LIST, {"owner": team_users["chenjing"].pk})) == ["陈静的客户"]


def test_list_query_count_does_not_grow_and_pages_walk_every_row(client, team_users):
    rep = team_users["wangqiang"]
    _bulk(rep, 3)
    client.force_login(rep)
    client.get(LIST)
    few = queries_of(lambda: client.get(LIST))
    Lead.objects.all().delete()
    _bulk(rep, 120)
    _bulk(None, 10, company="Pool ")
    _bulk(team_users["chenjing"], 20, company="Hidden ")
    responses = []
    many = queries_of(lambda: responses.append(client.get(LIST, {"sort": "company"})))
    assert many == few <= 8
    seen, url = [], LIST + "?sort=company"
    while url:
        response = client.get(url)
        seen += _names(response)
        url = next_url(response)
    assert len(seen) == len(set(seen)) == 130
    assert seen == sorted(seen)


def test_csv_export_has_the_filtered_rows_only(client, make_lead, team_users):
    make_lead(company="新城百货", source="Trade Show", external_id="SUITE-9")
    make_lead(company="=HYPERLINK(1)", status="Dead")
    make_lead(actor=team_users["chenjing"], company="陈静的客户")
    client.force_login(team_users["wangqiang"])
    response = client.get(reverse("leads:lead_export"), {"status": "New"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["ID", "Family name", "Given name", "Company"]
    assert len(rows) == 2
    assert rows[1][1:4] == ["王", "芳", "新城百货"]
    assert rows[1][8:13] == ["Trade Show", "New", "王强", "", "SUITE-9"]
    dead = b"".join(client.get(reverse("leads:lead_export"), {"status": "Dead"}).streaming_content)
    assert "'=HYPERLINK(1)" in dead.decode("utf-8-sig")
    workbook = client.get(reverse("leads:lead_export"), {"status": "Dead", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][3] == "'=HYPERLINK(1)"


def test_foreign_lead_is_404_everywhere_and_the_pool_is_read_only_for_reps(
    client, make_lead, team_users
):
    foreign = make_lead(actor=team_users["chenjing"], company="陈静的客户")
    pool = make_lead(actor=team_users["liming"], owner=None, company="无人负责")
    client.force_login(team_users["wangqiang"])
    for name in ("lead_detail", "lead_edit", "lead_convert"):
        assert client.get(reverse(f"leads:{name}", args=[foreign.pk])).status_code == 404
    for name in ("lead_assign", "lead_delete", "lead_convert"):
        url = reverse(f"leads:{name}", args=[foreign.pk])
        assert client.post(url, {"version": 1}).status_code == 404
    timeline = reverse("activities:timeline") + f"?lead={foreign.pk}"
    assert client.get(timeline, headers={"HX-Request": "true"}).status_code == 404
    response = client.get(pool.get_absolute_url())
    assert response.status_code == 200 and not response.context["can_edit"]
    assert "Convert" not in response.content.decode()
    assert client.get(reverse("leads:lead_edit", args=[pool.pk])).status_code == 403
    assert client.get(reverse("leads:lead_convert", args=[pool.pk])).status_code == 403


def test_create_edit_assign_and_delete_pages(client, team_users):
    rep, manager = team_users["wangqiang"], team_users["liming"]
    client.force_login(manager)
    response = client.post(reverse("leads:lead_create"), {"status": "New", "owner": ""})
    assert response.status_code == 200
    assert "Give the lead a name or a company." in response.content.decode()
    response = client.post(
        reverse("leads:lead_create"),
        {"company": "明珠百货", "last_name": "冯", "status": "New", "source": "Web Site"},
    )
    lead = Lead.objects.get()
    assert response.url == lead.get_absolute_url()
    assert (lead.owner, lead.status) == (None, "New")
    edit = reverse("leads:lead_edit", args=[lead.pk])
    data = {"company": "明珠百货", "last_name": "冯", "first_name": "磊", "status": "In Process"}
    assert client.post(edit, {**data, "version": 1}).status_code == 302
    response = client.post(edit, {**data, "title": "采购", "version": 1})
    assert response.status_code == 409
    response = client.post(
        reverse("leads:lead_assign", args=[lead.pk]), {"owner": rep.pk, "version": 2}
    )
    assert response.url == lead.get_absolute_url()
    lead.refresh_from_db()
    assert (lead.owner, lead.status, lead.first_name) == (rep, "In Process", "磊")
    assert rep.notifications.get().text == "李明 assigned you the lead “冯磊 · 明珠百货”."
    response = client.post(reverse("leads:lead_delete", args=[lead.pk]), {"version": 3})
    assert response.url == LIST and not Lead.objects.exists()


def test_detail_shows_fields_timeline_and_panels_in_bounded_queries(client, make_lead, team_users):
    rep = team_users["wangqiang"]
    lead = make_lead(source="Trade Show", description="广交会上交换的名片", email="wf@x.example")
    client.force_login(rep)
    response = client.get(lead.get_absolute_url())
    content = response.content.decode()
    for text in ("王芳 · 新城百货有限公司", "广交会上交换的名片", "wf@x.example", "Trade Show"):
        assert text in content, text
    for kind in ("call", "meeting", "task", "note"):
        assert f'data-testid="add-{kind}"' in content
    assert f'<input type="hidden" name="lead" value="{lead.pk}">' in content

    def add(n):
        activity_create(
            actor=rep,
            kind="task" if n % 2 else "meeting",
            lead=lead,
            subject=f"跟进 {n}",
            starts_at=datetime.datetime(2026, 3, 1 + n, 10, tzinfo=datetime.UTC),
            attendee_users=[] if n % 2 else [team_users["liming"]],
        )

    add(0)
    before = queries_of(lambda: client.get(lead.get_absolute_url()))
    for n in range(1, 9):
        add(n)
    responses = []
    after = queries_of(lambda: responses.append(client.get(lead.get_absolute_url())))
    assert len(responses[0].context["panel"].page.entries) == 9
    assert after == before <= 12


def test_log_an_activity_on_a_lead_and_see_it_in_my_work(client, make_lead, team_users):
    rep = team_users["wangqiang"]
    lead = make_lead()
    client.force_login(rep)
    due = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    response = client.post(
        reverse("activities:activity_create"),
        {
            "kind": "task",
            "lead": lead.pk,
            "subject": "回电话",
            "starts_at": due.strftime("%Y-%m-%dT%H:%M"),
            "priority": "high",
            "status": "not_started",
            "owner": rep.pk,
        },
    )
    assert response.status_code == 302
    assert response.url == lead.get_absolute_url() + "#timeline"
    task = Activity.objects.get()
    assert (task.lead, task.account, task.opportunity) == (lead, None, None)
    assert "回电话" in client.get(lead.get_absolute_url()).content.decode()
    work = client.get(reverse("activities:my_work")).content.decode()
    assert "回电话" in work and lead.get_absolute_url() in work
    listed = client.get(reverse("activities:activity_list"), {"lead": lead.pk})
    assert [a.pk for a in listed.context["page"].items] == [task.pk]


def test_convert_page_prefills_offers_duplicates_and_lands_on_the_opportunity(
    client, make_lead, team_users, stages
):
    rep = team_users["wangqiang"]
    xincheng = account_create(actor=team_users["liming"], name="新城百货")
    wangfang = contact_create(
        actor=rep, account=xincheng, last_name="王", first_name="芳", mobile="13800000001"
    )
    lead = make_lead(mobile="138-0000-0001", source="Trade Show")
    url = reverse("leads:lead_convert", args=[lead.pk])
    client.force_login(rep)
    response = client.get(url)
    form = response.context["form"]
    assert form["account_action"].value() == "existing"
    assert form["account"].value() == xincheng.pk
    assert form["new_account_name"].value() == "新城百货有限公司"
    assert (form["contact_action"].value(), form["contact"].value()) == ("existing", wangfang.pk)
    assert form["opportunity_lead_source"].value() == "Trade Show"
    assert form["opportunity_stage"].value() == stages["Prospecting"].pk
    content = response.content.decode()
    assert 'data-testid="account-duplicates"' in content and "13800000001" in content
    data = {
        "version": 1,
        "account_action": "existing",
        "account": xincheng.pk,
        "contact_action": "existing",
        "contact": wangfang.pk,
        "create_opportunity": "on",
        "opportunity_name": "新城百货 秋冬系列",
        "opportunity_amount": "",
        "opportunity_currency": "CNY",
        "opportunity_close_date": "2031-06-30",
        "opportunity_stage": stages["Qualification"].pk,
        "opportunity_owner": rep.pk,
        "opportunity_lead_source": "Trade Show",
        "activities": "move",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"opportunity_amount": ["This field is required."]}
    assert Lead.objects.get().status == "New" and not Opportunity.objects.exists()
    response = client.post(url, {**data, "opportunity_amount": "120000"})
    deal = Opportunity.objects.get()
    assert response.url == deal.get_absolute_url()
    assert (deal.account, deal.stage, deal.lead_source) == (
        xincheng,
        stages["Qualification"],
        "Trade Show",
    )
    lead.refresh_from_db()
    assert (lead.status, lead.converted_opportunity, lead.converted_contact) == (
        "Converted",
        deal,
        wangfang,
    )
    page = client.get(lead.get_absolute_url())
    content = page.content.decode()
    assert 'data-testid="lead-converted"' in content and deal.get_absolute_url() in content
    assert not page.context["can_edit"] and not page.context["panel"].forms
    assert client.get(url).status_code == 403
