import pytest
from django.core.exceptions import ValidationError

from shangji.core.errors import PermissionDeniedError
from shangji.opportunities.models import OpportunityChange, Pipeline, Stage
from shangji.opportunities.pipeline_services import (
    pipeline_create,
    stage_create,
    stage_reorder,
    stage_restore,
    stage_retire,
    stage_update,
)

pytestmark = pytest.mark.django_db


def names(pipeline):
    return list(
        Stage.objects.filter(pipeline=pipeline).order_by("position").values_list("name", flat=True)
    )


@pytest.fixture
def admin(team_users):
    return team_users["admin"]


@pytest.fixture
def small_pipeline(admin):
    pipeline = pipeline_create(actor=admin, name="Renewals", name_zh_hans="续约")
    for name, kind, probability in [("Open", "open", 30), ("Won", "won", 100), ("Lost", "lost", 0)]:
        stage_create(actor=admin, pipeline=pipeline, name=name, probability=probability, kind=kind)
    return pipeline


@pytest.mark.parametrize("username", ["zhangyue", "liming", "wangqiang"])
def test_every_service_needs_an_admin(team_users, stages, username):
    actor = team_users[username]
    stage = stages["Qualification"]
    calls = [
        lambda: pipeline_create(actor=actor, name="X"),
        lambda: stage_create(actor=actor, pipeline=stage.pipeline, name="X", probability=5),
        lambda: stage_update(actor=actor, stage=stage, probability=5),
        lambda: stage_reorder(actor=actor, stage=stage, direction="up"),
        lambda: stage_retire(actor=actor, stage=stage),
        lambda: stage_restore(actor=actor, stage=stage),
    ]
    for call in calls:
        with pytest.raises(PermissionDeniedError):
            call()
    assert Pipeline.objects.count() == 1
    stage.refresh_from_db()
    assert (stage.probability, stage.position, stage.is_active) == (20, 2, True)


def test_pipeline_create_appends_and_refuses_duplicates(admin, stages):
    pipeline = pipeline_create(actor=admin, name="  Renewals ", name_zh_hans="续约")
    assert (pipeline.name, pipeline.name_zh_hans, pipeline.is_default) == (
        "Renewals",
        "续约",
        False,
    )
    assert pipeline.position > Pipeline.objects.get(is_default=True).position
    with pytest.raises(ValidationError) as error:
        pipeline_create(actor=admin, name="renewals")
    assert "already exists" in error.value.message_dict["name"][0]
    with pytest.raises(ValidationError) as error:
        pipeline_create(actor=admin, name="")
    assert "name" in error.value.message_dict
    assert Pipeline.objects.count() == 2


def test_stage_create_appends_at_end_with_checks(admin, stages):
    pipeline = stages["Prospecting"].pipeline
    stage = stage_create(
        actor=admin,
        pipeline=pipeline,
        name="Contract Sent",
        name_zh_hans="合同已发",
        probability=90,
        forecast_category="commit",
    )
    assert names(pipeline)[-1] == "Contract Sent"
    assert stage.position == 11 and stage.is_active and stage.kind == "open"
    bad = [
        ({"name": "closed won"}, "name"),
        ({"name": "Y", "name_zh_hans": "成交"}, "name_zh_hans"),
        ({"name": "Y", "probability": 150}, "probability"),
        ({"name": "Y", "probability": -1}, "probability"),
        ({"name": "Y", "probability": None}, "probability"),
        ({"name": "Y", "kind": "maybe"}, "kind"),
        ({"name": "Y", "forecast_category": "dreams"}, "forecast_category"),
        ({"name": ""}, "name"),
    ]
    for overrides, field in bad:
        arguments = {"name": "Y", "probability": 50, **overrides}
        with pytest.raises(ValidationError) as error:
            stage_create(actor=admin, pipeline=pipeline, **arguments)
        assert field in error.value.message_dict, overrides
    assert Stage.objects.filter(pipeline=pipeline).count() == 11


def test_stage_update_does_not_touch_opportunities(admin, stages, make_opportunity):
    opportunity = make_opportunity(stage="Qualification")
    stage = stage_update(
        actor=admin,
        stage=stages["Qualification"],
        probability=35,
        name="Qualified",
        name_zh_hans="已确认",
    )
    assert (stage.probability, stage.name, stage.name_zh_hans) == (35, "Qualified", "已确认")
    opportunity.refresh_from_db()
    assert opportunity.probability == 20 and opportunity.version == 1
    assert OpportunityChange.objects.filter(opportunity=opportunity).count() == 1
    with pytest.raises(ValidationError) as error:
        stage_update(actor=admin, stage=stage, probability=101)
    assert "probability" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        stage_update(actor=admin, stage=stage, name="Prospecting")
    assert "name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        stage_update(actor=admin, stage=stage, pipeline=None)
    assert "pipeline" in error.value.message_dict
    stage.refresh_from_db()
    assert (stage.probability, stage.name) == (35, "Qualified")


def test_kind_change_rules(admin, stages, make_opportunity, small_pipeline):
    make_opportunity(stage="Qualification")
    with pytest.raises(ValidationError) as error:  # opportunities have been in it
        stage_update(actor=admin, stage=stages["Qualification"], kind="won")
    assert "kind" in error.value.message_dict
    won = Stage.objects.get(pipeline=small_pipeline, name="Won")
    with pytest.raises(ValidationError) as error:  # the pipeline's only won stage
        stage_update(actor=admin, stage=won, kind="open")
    assert "won" in error.value.message_dict["kind"][0]
    stage_create(actor=admin, pipeline=small_pipeline, name="Won too", probability=100, kind="won")
    assert stage_update(actor=admin, stage=won, kind="open").kind == "open"


def test_reorder(admin, stages):
    pipeline = stages["Prospecting"].pipeline
    stage_reorder(actor=admin, stage=stages["Needs Analysis"], direction="up")
    assert names(pipeline)[:4] == [
        "Prospecting",
        "Needs Analysis",
        "Qualification",
        "Value Proposition",
    ]
    stage_reorder(actor=admin, stage=stages["Prospecting"], direction="down")
    assert names(pipeline)[:3] == ["Needs Analysis", "Prospecting", "Qualification"]
    positions = list(
        Stage.objects.filter(pipeline=pipeline)
        .order_by("position")
        .values_list("position", flat=True)
    )
    assert positions == list(range(1, 11))
    with pytest.raises(ValidationError):
        stage_reorder(actor=admin, stage=stages["Closed Lost"], direction="down")
    with pytest.raises(ValidationError):
        stage_reorder(actor=admin, stage=stages["Closed Lost"], direction="sideways")


def test_retire_refuses_without_target_then_moves_with_history(admin, stages, make_opportunity):
    first = make_opportunity(stage="Value Proposition")
    second = make_opportunity(stage="Value Proposition", owner=admin)
    elsewhere = make_opportunity(stage="Qualification")
    retired = stages["Value Proposition"]

    with pytest.raises(ValidationError) as error:
        stage_retire(actor=admin, stage=retired)
    assert "2 open opportunities" in error.value.message_dict["move_to"][0]
    retired.refresh_from_db()
    assert retired.is_active
    for bad_target in (stages["Closed Won"], retired):
        with pytest.raises(ValidationError):
            stage_retire(actor=admin, stage=retired, move_to=bad_target)

    stage_retire(actor=admin, stage=retired, move_to=stages["Perception Analysis"])
    retired.refresh_from_db()
    assert not retired.is_active
    for opportunity in (first, second):
        opportunity.refresh_from_db()
        assert opportunity.stage == stages["Perception Analysis"]
        assert opportunity.probability == 50 and opportunity.version == 2
        change = OpportunityChange.objects.filter(opportunity=opportunity).first()  # newest
        assert (change.previous_stage, change.stage) == (retired, stages["Perception Analysis"])
        assert change.actor == admin and "stage" in change.changed_fields
        # The first history row still points at the retired stage.
        assert OpportunityChange.objects.filter(opportunity=opportunity, stage=retired).exists()
    elsewhere.refresh_from_db()
    assert elsewhere.stage == stages["Qualification"] and elsewhere.version == 1


def test_retire_keeps_one_active_stage_of_each_kind(admin, small_pipeline):
    for name in ("Open", "Won", "Lost"):
        stage = Stage.objects.get(pipeline=small_pipeline, name=name)
        with pytest.raises(ValidationError) as error:
            stage_retire(actor=admin, stage=stage)
        assert "at least one active" in error.value.messages[0]
    assert Stage.objects.filter(pipeline=small_pipeline, is_active=True).count() == 3


def test_retire_closed_stage_keeps_its_opportunities_and_restore(admin, stages, make_opportunity):
    stage_create(
        actor=admin,
        pipeline=stages["Closed Won"].pipeline,
        name="Won (renewal)",
        probability=100,
        kind="won",
        forecast_category="closed",
    )
    won = make_opportunity(stage="Closed Won")
    stage = stage_retire(actor=admin, stage=stages["Closed Won"])
    assert not stage.is_active
    won.refresh_from_db()
    assert won.stage == stages["Closed Won"] and won.version == 1
    with pytest.raises(ValidationError):
        stage_retire(actor=admin, stage=stage)
    assert stage_restore(actor=admin, stage=stage).is_active
