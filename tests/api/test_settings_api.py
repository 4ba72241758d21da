"""The API counterparts of the settings pages: /me, /organisation, pipeline and stage
administration, and the lead export."""

import csv
import io

import pytest

from shangji.leads.services import lead_create
from shangji.opportunities.models import OpportunityChange, Pipeline, Stage
from shangji.users.models import Organization

pytestmark = pytest.mark.django_db


def test_me_reads_and_changes_own_settings_with_the_profile_rules(api_as, team_users):
    api = api_as(team_users["wangqiang"])
    me = api.get("/me").json()
    assert (me["username"], me["role"], me["calendar_feed"]) == ("wangqiang", "rep", False)
    assert me["team"] == team_users["wangqiang"].team_id
    changed = api.patch("/me", {"language": "en", "time_zone": "Europe/Berlin"})
    assert changed.status_code == 200, changed.content
    team_users["wangqiang"].refresh_from_db()
    assert (team_users["wangqiang"].language, team_users["wangqiang"].time_zone) == (
        "en",
        "Europe/Berlin",
    )
    refused = api.patch("/me", {"time_zone": "Mars/Olympus", "first_name": "强强"})
    assert refused.status_code == 400
    assert "time_zone" in refused.json()["errors"]
    team_users["wangqiang"].refresh_from_db()
    assert team_users["wangqiang"].first_name != "强强"  # nothing half-written
    assert api.patch("/me", {"role": "admin"}).status_code == 422  # not a profile field


def test_calendar_feed_is_made_replaced_and_switched_off(api_as, team_users, client):
    api = api_as(team_users["liming"])
    first = api.post("/me/calendar-feed", {})
    assert first.status_code == 201
    url = first.json()["url"]
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    path = url.removeprefix("http://testserver")
    assert client.get(path).status_code == 200
    second = api.post("/me/calendar-feed", {}).json()["url"]
    assert second != url and client.get(path).status_code == 404
    assert api.delete("/me/calendar-feed").status_code == 204
    assert client.get(second.removeprefix("http://testserver")).status_code == 404
    assert api.get("/me").json()["calendar_feed"] is False


def test_organisation_is_read_by_everyone_and_changed_by_admins(api_as, team_users):
    assert (
        api_as(team_users["wangqiang"]).get("/organisation").json()["fiscal_year_start_month"] == 1
    )
    denied = api_as(team_users["liming"]).patch("/organisation", {"fiscal_year_start_month": 4})
    assert denied.status_code == 403
    changed = api_as(team_users["admin"]).patch(
        "/organisation", {"fiscal_year_start_month": 4, "name": "尚品衣舍"}
    )
    assert changed.status_code == 200
    assert changed.json() == {
        "name": "尚品衣舍",
        "everyone_reads_all": False,
        "account_required": True,
        "fiscal_year_start_month": 4,
    }
    assert Organization.current().fiscal_year_start_month == 4
    out_of_range = api_as(team_users["admin"]).patch(
        "/organisation", {"fiscal_year_start_month": 13}
    )
    assert out_of_range.status_code == 422
    assert Organization.current().fiscal_year_start_month == 4


def test_admin_builds_a_pipeline_and_orders_retires_and_restores_stages(api_as, team_users):
    api = api_as(team_users["admin"])
    created = api.post("/pipelines", {"name": "Renewals", "name_zh_hans": "续约"})
    assert created.status_code == 201, created.content
    pipeline_id = created.json()["id"]
    assert created.json()["stages"] == []
    ids = []
    for name, kind, probability in [
        ("Quote", "open", 30),
        ("Signed", "open", 80),
        ("Renewed", "won", 100),
        ("Churned", "lost", 0),
    ]:
        stage = api.post(
            f"/pipelines/{pipeline_id}/stages",
            {"name": name, "kind": kind, "probability": probability, "stale_after_days": 21},
        )
        assert stage.status_code == 201, stage.content
        assert stage.json()["stale_after_days"] == 21
        ids.append(stage.json()["id"])
    moved = api.post(f"/stages/{ids[1]}/move", {"direction": "up"})
    assert moved.status_code == 200 and moved.json()["position"] == 1
    order = list(Stage.objects.filter(pipeline_id=pipeline_id).values_list("name", flat=True))
    assert order == ["Signed", "Quote", "Renewed", "Churned"]
    first = api.post(f"/stages/{ids[1]}/move", {"direction": "up"})
    assert first.status_code == 400 and "direction" in first.json()["errors"]
    retired = api.post(f"/stages/{ids[0]}/retire", {})
    assert retired.status_code == 200 and retired.json()["is_active"] is False
    last_won = api.post(f"/stages/{ids[2]}/retire", {})
    assert last_won.status_code == 400  # a pipeline keeps one active stage of each kind
    assert api.post(f"/stages/{ids[0]}/restore", {}).json()["is_active"] is True
    assert api.patch(f"/stages/{ids[0]}", {"stale_after_days": 7}).json()["stale_after_days"] == 7


def test_retiring_a_stage_moves_its_open_deals_with_history(api_as, team_users, make_opportunity):
    stages = {stage.name: stage for stage in Stage.objects.filter(pipeline__is_default=True)}
    deal = make_opportunity(owner=team_users["wangqiang"], stage="Prospecting")
    api = api_as(team_users["admin"])
    answer = api.post(
        f"/stages/{stages['Prospecting'].pk}/retire", {"move_to": stages["Qualification"].pk}
    )
    assert answer.status_code == 200, answer.content
    deal.refresh_from_db()
    assert deal.stage == stages["Qualification"]
    assert OpportunityChange.objects.filter(opportunity=deal).latest("id").stage == deal.stage


def test_only_administrators_change_pipelines(api_as, team_users):
    stage = Stage.objects.filter(pipeline__is_default=True).first()
    api = api_as(team_users["zhangyue"])
    assert api.post("/pipelines", {"name": "Mine"}).status_code == 403
    assert api.post(f"/stages/{stage.pk}/move", {"direction": "down"}).status_code == 403
    assert api.post(f"/stages/{stage.pk}/retire", {}).status_code == 403
    assert not Pipeline.objects.filter(name="Mine").exists()


def test_lead_export_has_the_visible_leads_in_the_callers_language(api_as, team_users):
    rep, other = team_users["wangqiang"], team_users["zhaolei"]
    lead_create(actor=rep, owner=rep, last_name="王", first_name="芳", company="新城百货")
    lead_create(actor=other, owner=other, last_name="赵", company="北方商贸")
    answer = api_as(rep).get("/leads/export", bom=False)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert rows[0][:4] == ["ID", "Family name", "Given name", "Company"]
    assert [row[3] for row in rows[1:]] == ["新城百货"]
    chinese = api_as(rep, language="zh-hans").get("/leads/export", format="xlsx")
    assert chinese.status_code == 200
    assert chinese["Content-Type"].startswith("application/vnd.openxmlformats")
    bad = api_as(rep).get("/leads/export", format="pdf")
    assert bad.status_code == 400 and "format" in bad.json()["errors"]
