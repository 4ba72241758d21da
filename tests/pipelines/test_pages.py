import html

import pytest
from django.db import connection
from django.urls import reverse

from shangji.opportunities.models import OpportunityChange, Pipeline, Stage
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db


def stage_post_data(**overrides):
    data = {
        "name": "Contract Sent",
        "name_zh_hans": "合同已发",
        "probability": "90",
        "kind": "open",
        "forecast_category": "commit",
    }
    data.update(overrides)
    return data


def text_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def admin_client(client, team_users):
    client.force_login(team_users["admin"])
    return client


@pytest.mark.parametrize("username", ["zhangyue", "liming", "wangqiang"])
def test_non_admins_get_403_on_every_stage_page(client, team_users, stages, username):
    client.force_login(team_users[username])
    stage = stages["Qualification"]
    pipeline = stage.pipeline
    gets = [
        reverse("pipelines:pipeline_list"),
        reverse("pipelines:pipeline_create"),
        reverse("pipelines:stage_create", args=[pipeline.pk]),
        reverse("pipelines:stage_edit", args=[stage.pk]),
        reverse("pipelines:stage_retire", args=[stage.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 403, url
    posts = [
        (reverse("pipelines:pipeline_create"), {"name": "Hack"}),
        (reverse("pipelines:stage_create", args=[pipeline.pk]), stage_post_data()),
        (reverse("pipelines:stage_edit", args=[stage.pk]), stage_post_data(name="Hacked")),
        (reverse("pipelines:stage_move", args=[stage.pk]), {"direction": "up"}),
        (reverse("pipelines:stage_retire", args=[stage.pk]), {}),
        (reverse("pipelines:stage_restore", args=[stage.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    stage.refresh_from_db()
    assert (stage.name, stage.position, stage.is_active) == ("Qualification", 2, True)
    assert Pipeline.objects.count() == 1 and Stage.objects.count() == 10


def test_anonymous_is_sent_to_sign_in(client, stages):
    response = client.get(reverse("pipelines:pipeline_list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_list_shows_stages_in_order_with_open_counts(admin_client, stages, make_opportunity):
    make_opportunity(stage="Qualification")
    make_opportunity(stage="Qualification")
    make_opportunity(stage="Closed Won")
    response = admin_client.get(reverse("pipelines:pipeline_list"))
    assert response.status_code == 200
    content = text_of(response)
    for text in (
        "Sales",
        "销售",
        "Prospecting",
        "初步接触",
        "Negotiation/Review",
        "谈判/审核",
        "Commit",
        "Best Case",
        "Won",
        "Lost",
        "80%",
        "Active",
    ):
        assert text in content, text
    assert (
        content.index("Prospecting") < content.index("Qualification") < content.index("Closed Lost")
    )
    pipeline = response.context["pipelines"][0]
    counts = {stage.name: stage.open_count for stage in pipeline.stages.all()}
    assert counts["Qualification"] == 2 and counts["Closed Won"] == 0
    assert counts["Prospecting"] == 0


def test_list_query_count_does_not_grow(
    admin_client, stages, make_opportunity, django_assert_max_num_queries
):
    url = reverse("pipelines:pipeline_list")
    make_opportunity()
    admin_client.get(url)
    few = queries_of(lambda: admin_client.get(url))
    for stage in ("Qualification", "Needs Analysis", "Closed Won", "Prospecting"):
        make_opportunity(stage=stage)
    admin_client.post(reverse("pipelines:pipeline_create"), {"name": "Renewals"})
    connection.queries_log.clear()
    with django_assert_max_num_queries(few):
        admin_client.get(url)


def test_pipeline_create(admin_client, stages):
    response = admin_client.get(reverse("pipelines:pipeline_create"))
    assert response.status_code == 200 and 'name="name_zh_hans"' in response.content.decode()
    response = admin_client.post(
        reverse("pipelines:pipeline_create"),
        {"name": "Renewals", "name_zh_hans": "续约"},
        follow=True,
    )
    assert Pipeline.objects.filter(name="Renewals", name_zh_hans="续约").exists()
    content = text_of(response)
    assert "Pipeline “Renewals” created" in content and "续约" in content
    assert "needs an active stage of each kind" in content  # no stages yet

    response = admin_client.post(reverse("pipelines:pipeline_create"), {"name": "sales"})
    assert "A pipeline named “sales” already exists." in text_of(response)
    response = admin_client.post(reverse("pipelines:pipeline_create"), {"name": ""})
    assert "Enter a name." in text_of(response)
    assert Pipeline.objects.count() == 2


def test_stage_create_writes_at_end(admin_client, stages):
    pipeline = stages["Prospecting"].pipeline
    url = reverse("pipelines:stage_create", args=[pipeline.pk])
    assert "Sales" in admin_client.get(url).content.decode()
    response = admin_client.post(url, stage_post_data())
    assert response.status_code == 302
    stage = Stage.objects.get(name="Contract Sent")
    assert (stage.name_zh_hans, stage.probability, stage.kind, stage.forecast_category) == (
        "合同已发",
        90,
        "open",
        "commit",
    )
    assert stage.position == 11 and stage.pipeline == pipeline


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"probability": "150"}, "The probability must be a whole number from 0 to 100."),
        ({"probability": ""}, "Enter a probability from 0 to 100."),
        ({"name": "Prospecting"}, "already has a stage named “Prospecting”"),
        ({"name": ""}, "Enter a name."),
        ({"kind": "maybe"}, "Select a valid choice."),
    ],
)
def test_stage_create_bad_input_writes_nothing(admin_client, stages, overrides, message):
    pipeline = stages["Prospecting"].pipeline
    response = admin_client.post(
        reverse("pipelines:stage_create", args=[pipeline.pk]), stage_post_data(**overrides)
    )
    assert response.status_code == 200
    assert message in text_of(response)
    assert Stage.objects.count() == 10


def test_stage_edit_renames_and_keeps_opportunity_probability(
    admin_client, stages, make_opportunity
):
    opportunity = make_opportunity(stage="Needs Analysis")
    stage = stages["Needs Analysis"]
    url = reverse("pipelines:stage_edit", args=[stage.pk])
    content = admin_client.get(url).content.decode()
    assert 'value="Needs Analysis"' in content and 'value="需求分析"' in content
    data = stage_post_data(
        name="Discovery",
        name_zh_hans="需求调研",
        probability="33",
        kind="open",
        forecast_category="pipeline",
    )
    assert admin_client.post(url, data).status_code == 302
    stage.refresh_from_db()
    assert (stage.name, stage.name_zh_hans, stage.probability) == ("Discovery", "需求调研", 33)
    opportunity.refresh_from_db()
    assert opportunity.probability == 25

    response = admin_client.post(url, {**data, "probability": "150"})
    assert "from 0 to 100" in text_of(response)
    response = admin_client.post(url, {**data, "kind": "won"})
    assert "its kind cannot change" in text_of(response)
    stage.refresh_from_db()
    assert (stage.probability, stage.kind) == (33, "open")


def test_stage_move_up_and_down(admin_client, stages):
    pipeline = stages["Prospecting"].pipeline

    def order():
        return list(
            Stage.objects.filter(pipeline=pipeline)
            .order_by("position")
            .values_list("name", flat=True)
        )

    url = reverse("pipelines:stage_move", args=[stages["Qualification"].pk])
    response = admin_client.post(url, {"direction": "up"})
    assert response.status_code == 302 and f"#pipeline-{pipeline.pk}" in response["Location"]
    assert order()[:2] == ["Qualification", "Prospecting"]
    admin_client.post(url, {"direction": "down"})
    admin_client.post(url, {"direction": "down"})
    assert order()[:3] == ["Prospecting", "Needs Analysis", "Qualification"]
    response = admin_client.post(
        reverse("pipelines:stage_move", args=[stages["Closed Lost"].pk]),
        {"direction": "down"},
        follow=True,
    )
    assert "already the last" in text_of(response)
    assert admin_client.get(url).status_code == 405


def test_retire_with_open_opportunities_needs_a_target(admin_client, stages, make_opportunity):
    moved = [make_opportunity(stage="Perception Analysis") for _ in range(3)]
    stage = stages["Perception Analysis"]
    url = reverse("pipelines:stage_retire", args=[stage.pk])

    response = admin_client.get(url)
    assert response.status_code == 200
    content = text_of(response)
    assert "3 open opportunities are in this stage" in content
    assert 'name="move_to"' in content and "Proposal/Price Quote" in content
    assert ">10. " not in content  # a won or lost stage is not a target

    response = admin_client.post(url, {})
    assert response.status_code == 200
    assert "Choose the stage to move them to" in text_of(response)
    stage.refresh_from_db()
    assert stage.is_active
    assert OpportunityChange.objects.filter(previous_stage=stage).count() == 0

    target = stages["Proposal/Price Quote"]
    response = admin_client.post(url, {"move_to": target.pk}, follow=True)
    assert "Stage “Perception Analysis” retired." in text_of(response)
    stage.refresh_from_db()
    assert not stage.is_active
    for opportunity in moved:
        opportunity.refresh_from_db()
        assert opportunity.stage == target and opportunity.probability == 65
    changes = OpportunityChange.objects.filter(previous_stage=stage, stage=target)
    assert {change.opportunity_id for change in changes} == {o.pk for o in moved}
    assert all(change.actor.username == "admin" for change in changes)
    # The retired stage stays in the history and in the list.
    assert OpportunityChange.objects.filter(stage=stage).count() == 3
    content = text_of(admin_client.get(reverse("pipelines:pipeline_list")))
    assert "Perception Analysis" in content and "Retired" in content


def test_retire_without_open_opportunities_and_restore(admin_client, stages):
    stage = stages["Value Proposition"]
    response = admin_client.post(reverse("pipelines:stage_retire", args=[stage.pk]))
    assert response.status_code == 302
    stage.refresh_from_db()
    assert not stage.is_active
    response = admin_client.post(reverse("pipelines:stage_restore", args=[stage.pk]), follow=True)
    assert "is active again" in text_of(response)
    stage.refresh_from_db()
    assert stage.is_active


def test_retire_last_won_stage_is_refused(admin_client, stages):
    stage = stages["Closed Won"]
    response = admin_client.post(reverse("pipelines:stage_retire", args=[stage.pk]))
    assert "at least one active won stage" in text_of(response)
    stage.refresh_from_db()
    assert stage.is_active


def test_missing_stage_is_404(admin_client, stages):
    assert admin_client.get(reverse("pipelines:stage_edit", args=[999999])).status_code == 404
