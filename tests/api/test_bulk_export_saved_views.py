"""API: /opportunities/export, /opportunities/bulk-update and /saved-views."""

import csv
import io

import pytest
from openpyxl import load_workbook

from shangji.opportunities import bulk
from shangji.opportunities.models import BulkUpdateJob, Opportunity, OpportunityChange
from shangji.savedviews.models import SavedView

pytestmark = pytest.mark.django_db

LOST_MESSAGE = "Say why the opportunity was lost before moving it to a lost stage."


# Export


def test_export_csv_with_columns_and_filters(api_as, make_opportunity, team_users, stages):
    make_opportunity(name="=A", stage="Needs Analysis", amount="100.50")
    make_opportunity(name="B", stage="Prospecting")
    make_opportunity(owner=team_users["zhaolei"], name="Hidden", stage="Needs Analysis")
    response = api_as(team_users["wangqiang"]).get(
        "/opportunities/export",
        columns="name,amount,stage",
        stage=stages["Needs Analysis"].pk,
        bom="false",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    assert list(csv.reader(io.StringIO(body))) == [
        ["Name", "Amount", "Stage"],
        ["'=A", "100.50", "Needs Analysis"],
    ]


def test_export_xlsx_in_the_callers_language(api_as, make_opportunity, team_users):
    make_opportunity(name="新城百货合作项目", amount="1000.00")
    response = api_as(team_users["liming"], language="zh-hans").get(
        "/opportunities/export", format="xlsx", columns=["name", "amount"]
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["名称", "金额"],
        ["新城百货合作项目", 1000],
    ]


def test_export_refuses_bad_options_and_filters(api_as, team_users):
    api = api_as(team_users["wangqiang"])
    response = api.get("/opportunities/export", format="pdf", columns="name,colour")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "format": ["Choose csv or xlsx."],
        "columns": ["Unknown columns: colour."],
    }
    response = api.get("/opportunities/export", close_date_from="soon")
    assert response.status_code == 400
    assert response.json()["errors"] == {"close_date_from": ["Enter a valid date."]}
    assert api_as().get("/opportunities/export").status_code == 401


# Bulk update


def test_bulk_update_inline_with_failures(api_as, make_opportunity, team_users, stages):
    own = [make_opportunity(name=f"D{n}") for n in range(2)]
    hidden = make_opportunity(owner=team_users["zhaolei"])
    response = api_as(team_users["wangqiang"]).post(
        "/opportunities/bulk-update",
        {"ids": [own[0].pk, own[1].pk, hidden.pk], "changes": {"stage": stages["Closed Lost"].pk}},
    )
    assert response.status_code == 200
    data = response.json()
    assert {key: data[key] for key in ["status", "total", "processed", "updated", "failed"]} == {
        "status": "done",
        "total": 3,
        "processed": 3,
        "updated": 0,
        "failed": 3,
    }
    assert data["failures"] == [
        {"id": own[0].pk, "name": "D0", "reason": LOST_MESSAGE},
        {"id": own[1].pk, "name": "D1", "reason": LOST_MESSAGE},
        {"id": hidden.pk, "name": "", "reason": "Not found, or you may not see it."},
    ]


def test_bulk_update_by_filters_assigns(api_as, make_opportunity, team_users):
    chenjing = team_users["chenjing"]
    for n in range(3):
        make_opportunity(name=f"Q{n}", amount="5000")
    make_opportunity(name="small", amount="10")
    response = api_as(team_users["liming"]).post(
        "/opportunities/bulk-update",
        {"filters": {"amount_min": "1000", "mine": False}, "changes": {"owner": chenjing.pk}},
    )
    assert response.status_code == 200
    assert (response.json()["updated"], response.json()["failed"]) == (3, 0)
    assert sorted(Opportunity.objects.filter(owner=chenjing).values_list("name", flat=True)) == [
        "Q0",
        "Q1",
        "Q2",
    ]
    assert (
        OpportunityChange.objects.filter(owner=chenjing, previous_owner__isnull=False).count() == 3
    )


def test_bulk_update_big_is_queued_and_followed(
    api_as, make_opportunity, team_users, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(bulk, "INLINE_LIMIT", 2)
    deals = [make_opportunity() for _ in range(3)]
    api = api_as(team_users["wangqiang"])
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/opportunities/bulk-update",
            {"ids": [deal.pk for deal in deals], "changes": {"close_date": "2031-12-31"}},
        )
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert response.json()["status"] == "queued"
    status = api.get(f"/opportunities/bulk-update/{job_id}").json()
    assert (status["status"], status["processed"], status["total"]) == ("queued", 0, 3)
    bulk.bulk_update_job_run(job_id=job_id)  # what the worker does
    status = api.get(f"/opportunities/bulk-update/{job_id}").json()
    assert (status["status"], status["processed"], status["updated"]) == ("done", 3, 3)
    assert api_as(team_users["liming"]).get(f"/opportunities/bulk-update/{job_id}").status_code == (
        404
    )


def test_bulk_update_refuses_bad_requests(api_as, make_opportunity, team_users):
    deal = make_opportunity()
    api = api_as(team_users["wangqiang"])
    response = api.post("/opportunities/bulk-update", {"changes": {"type": "New Business"}})
    assert response.status_code == 400
    assert response.json()["errors"] == {"__all__": ["Give either ids or filters."]}
    response = api.post("/opportunities/bulk-update", {"ids": [deal.pk], "changes": {}})
    assert response.json()["errors"] == {"__all__": ["Choose at least one change."]}
    response = api.post(
        "/opportunities/bulk-update", {"ids": [deal.pk], "changes": {"owner": 99999}}
    )
    assert response.status_code == 400 and "owner" in response.json()["errors"]
    response = api.post(
        "/opportunities/bulk-update",
        {"filters": {"status": "someday"}, "changes": {"type": "New Business"}},
    )
    assert response.status_code == 400 and "status" in response.json()["errors"]
    assert not BulkUpdateJob.objects.exists()


# Saved views


def test_saved_views_crud(api_as, team_users, stages):
    liming, wangqiang = team_users["liming"], team_users["wangqiang"]
    api = api_as(liming)
    response = api.post(
        "/saved-views",
        {
            "name": "Team analysis",
            "query": f"stage={stages['Needs Analysis'].pk}",
            "columns": ["stage", "owner"],
            "sort": "-amount",
            "shared_with_team": True,
            "is_default": True,
        },
    )
    assert response.status_code == 201
    created = response.json()
    assert {key: created[key] for key in ["list", "name", "columns", "mine", "is_default"]} == {
        "list": "opportunities",
        "name": "Team analysis",
        "columns": ["stage", "owner"],
        "mine": True,
        "is_default": True,
    }
    assert created["url"] == (
        f"/opportunities/?stage={stages['Needs Analysis'].pk}&sort=-amount&view={created['id']}"
    )
    assert api.post("/saved-views", {"name": "Team analysis"}).json()["errors"] == {
        "name": ["You already have a view named “Team analysis”."]
    }

    # The team sees it and may use it, but not change it.
    rep = api_as(wangqiang)
    listed = rep.get("/saved-views", list="opportunities").json()
    assert [(view["name"], view["mine"], view["owner_username"]) for view in listed] == [
        ("Team analysis", False, "liming")
    ]
    assert rep.patch(f"/saved-views/{created['id']}", {"name": "x"}).status_code == 403
    assert rep.delete(f"/saved-views/{created['id']}").status_code == 403
    assert api_as(team_users["zhaolei"]).get(f"/saved-views/{created['id']}").status_code == 404

    response = api.patch(f"/saved-views/{created['id']}", {"name": "Renamed", "is_default": False})
    assert (response.json()["name"], response.json()["is_default"]) == ("Renamed", False)
    response = api.patch(f"/saved-views/{created['id']}", {"columns": ["nope"]})
    assert response.status_code == 400
    assert api.delete(f"/saved-views/{created['id']}").status_code == 204
    assert not SavedView.objects.exists()
