import pytest

from shangji.opportunities.models import Pipeline, Stage

pytestmark = pytest.mark.django_db

STAGE_FIELDS = {
    "id",
    "name",
    "name_zh_hans",
    "label",
    "position",
    "kind",
    "probability",
    "forecast_category",
    "stale_after_days",
    "is_active",
}


def test_pipelines_with_stages(api_as, team_users, stages):
    response = api_as(team_users["wangqiang"]).get("/pipelines")
    assert response.status_code == 200
    [pipeline] = response.json()
    default = Pipeline.objects.get(is_default=True)
    assert (pipeline["id"], pipeline["name"], pipeline["name_zh_hans"]) == (
        default.pk,
        "Sales",
        "销售",
    )
    assert pipeline["is_default"] is True and pipeline["label"] == "Sales"
    assert [stage["name"] for stage in pipeline["stages"]] == [
        "Prospecting",
        "Qualification",
        "Needs Analysis",
        "Value Proposition",
        "Identifying Decision Makers",
        "Perception Analysis",
        "Proposal/Price Quote",
        "Negotiation/Review",
        "Closed Won",
        "Closed Lost",
    ]
    first = pipeline["stages"][0]
    assert set(first) == STAGE_FIELDS
    assert first == {
        "id": stages["Prospecting"].pk,
        "name": "Prospecting",
        "name_zh_hans": "初步接触",
        "label": "Prospecting",
        "position": 1,
        "kind": "open",
        "probability": 10,
        "forecast_category": "pipeline",
        "stale_after_days": 14,
        "is_active": True,
    }
    won = pipeline["stages"][8]
    assert (won["kind"], won["probability"], won["forecast_category"]) == ("won", 100, "closed")


def test_pipelines_in_chinese(api_as, team_users, stages):
    [pipeline] = api_as(team_users["wangqiang"], language="zh-hans").get("/pipelines").json()
    assert pipeline["label"] == "销售"
    assert pipeline["stages"][-1]["label"] == "丢单"


def test_users(api_as, team_users):
    response = api_as(team_users["wangqiang"]).get("/users")
    assert response.status_code == 200
    users = response.json()
    assert [user["username"] for user in users] == [
        "admin",
        "chenjing",
        "liming",
        "wangqiang",
        "zhangyue",
        "zhaolei",
    ]
    liming = next(user for user in users if user["username"] == "liming")
    assert liming == {
        "id": team_users["liming"].pk,
        "username": "liming",
        "display_name": "李明",
        "role": "manager",
        "team": team_users["liming"].team_id,
        "is_active": True,
    }
    admin = users[0]
    assert (admin["role"], admin["team"], admin["display_name"]) == ("admin", None, "admin")


@pytest.mark.parametrize("username", ["wangqiang", "liming", "zhangyue"])
def test_non_admins_cannot_write_stages(api_as, team_users, stages, username):
    client = api_as(team_users[username])
    pipeline = stages["Prospecting"].pipeline
    created = client.post(f"/pipelines/{pipeline.pk}/stages", {"name": "Demo", "probability": 35})
    assert created.status_code == 403
    assert created.json() == {"detail": "Only administrators can change pipelines and stages."}
    changed = client.patch(f"/stages/{stages['Prospecting'].pk}", {"probability": 15})
    assert changed.status_code == 403
    assert not Stage.objects.filter(name="Demo").exists()
    assert Stage.objects.get(pk=stages["Prospecting"].pk).probability == 10


def test_admin_creates_and_changes_stages(api_as, team_users, stages):
    client = api_as(team_users["admin"])
    pipeline = stages["Prospecting"].pipeline
    response = client.post(
        f"/pipelines/{pipeline.pk}/stages",
        {
            "name": "Demo",
            "name_zh_hans": "产品演示",
            "probability": 35,
            "forecast_category": "best_case",
        },
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    stage = Stage.objects.get(name="Demo")
    assert created == {
        "id": stage.pk,
        "name": "Demo",
        "name_zh_hans": "产品演示",
        "label": "Demo",
        "position": 11,
        "kind": "open",
        "probability": 35,
        "forecast_category": "best_case",
        "stale_after_days": 14,
        "is_active": True,
    }
    changed = client.patch(f"/stages/{stage.pk}", {"probability": 40, "name": "Product Demo"})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["name"], changed.json()["probability"]) == ("Product Demo", 40)
    stage.refresh_from_db()
    assert (stage.name, stage.probability, stage.forecast_category) == (
        "Product Demo",
        40,
        "best_case",
    )

    duplicate = client.post(
        f"/pipelines/{pipeline.pk}/stages", {"name": "prospecting", "probability": 5}
    )
    assert duplicate.status_code == 400
    assert list(duplicate.json()["errors"]) == ["name"]
    assert (
        client.post(
            f"/pipelines/{pipeline.pk}/stages", {"name": "Too likely", "probability": 101}
        ).status_code
        == 422
    )
    assert (
        client.post("/pipelines/99999/stages", {"name": "X", "probability": 1}).status_code == 404
    )
    assert client.patch("/stages/99999", {"probability": 1}).status_code == 404
