import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shangji.core.errors import ConflictError, PermissionDeniedError
from shangji.core.models import Currency
from shangji.opportunities.models import OpportunityChange
from shangji.opportunities.services import (
    opportunity_assign,
    opportunity_create,
    opportunity_move_stage,
    opportunity_update,
)

pytestmark = pytest.mark.django_db


def test_create_takes_probability_and_category_from_stage(make_opportunity):
    opportunity = make_opportunity(stage="Needs Analysis", amount="100000", currency="USD")
    assert opportunity.probability == 25
    assert opportunity.forecast_category == "pipeline"
    assert opportunity.amount_base == Decimal("710000.00")
    assert opportunity.exchange_rate == Decimal("7.1")
    assert opportunity.version == 1
    change = OpportunityChange.objects.get(opportunity=opportunity)
    assert change.previous_stage_id is None
    assert set(change.changed_fields) == {
        "stage",
        "amount",
        "currency",
        "amount_base",
        "probability",
        "close_date",
        "owner",
        "forecast_category",
    }


def test_stage_move_takes_new_default_probability_unless_set(make_opportunity, stages, team_users):
    rep = team_users["wangqiang"]
    opportunity = make_opportunity(stage="Prospecting")
    moved = opportunity_move_stage(
        opportunity=opportunity, stage=stages["Proposal/Price Quote"], actor=rep, version=1
    )
    assert (moved.probability, moved.forecast_category, moved.version) == (65, "best_case", 2)
    explicit = opportunity_update(
        opportunity=moved, actor=rep, version=2, stage=stages["Negotiation/Review"], probability=70
    )
    assert explicit.probability == 70
    history = list(OpportunityChange.objects.filter(opportunity=opportunity).order_by("id"))
    assert [row.stage.name for row in history] == [
        "Prospecting",
        "Proposal/Price Quote",
        "Negotiation/Review",
    ]
    assert history[1].previous_stage.name == "Prospecting"
    assert history[1].previous_probability == 10
    assert history[1].actor == rep


def test_lost_needs_reason_and_reopen_clears_closed_at(make_opportunity, stages, team_users):
    rep = team_users["wangqiang"]
    opportunity = make_opportunity()
    with pytest.raises(ValidationError) as error:
        opportunity_move_stage(
            opportunity=opportunity, stage=stages["Closed Lost"], actor=rep, version=1
        )
    assert "lost_reason" in error.value.message_dict
    opportunity.refresh_from_db()
    assert opportunity.stage.name == "Prospecting" and opportunity.version == 1
    lost = opportunity_move_stage(
        opportunity=opportunity,
        stage=stages["Closed Lost"],
        actor=rep,
        version=1,
        lost_reason="价格太高",
    )
    assert lost.closed_at is not None and lost.probability == 0
    assert lost.forecast_category == "omitted"
    reopened = opportunity_move_stage(
        opportunity=lost, stage=stages["Qualification"], actor=rep, version=2
    )
    assert reopened.closed_at is None and reopened.lost_reason == ""
    won = opportunity_move_stage(
        opportunity=reopened, stage=stages["Closed Won"], actor=rep, version=3
    )
    assert won.closed_at is not None and won.probability == 100


def test_stale_version_changes_nothing(make_opportunity, team_users):
    rep = team_users["wangqiang"]
    opportunity = make_opportunity(amount="500")
    opportunity_update(opportunity=opportunity, actor=rep, version=1, amount=Decimal("600"))
    with pytest.raises(ConflictError) as error:
        opportunity_update(opportunity=opportunity, actor=rep, version=1, amount=Decimal("700"))
    assert error.value.current_version == 2
    opportunity.refresh_from_db()
    assert opportunity.amount == Decimal("600.00")
    assert OpportunityChange.objects.filter(opportunity=opportunity).count() == 2


def test_close_date_move_is_recorded_as_slip(make_opportunity, team_users):
    rep = team_users["wangqiang"]
    two_months = datetime.date(2031, 3, 1)
    opportunity = make_opportunity(close_date=two_months)
    opportunity_update(
        opportunity=opportunity, actor=rep, version=1, close_date=datetime.date(2031, 4, 1)
    )
    change = OpportunityChange.objects.filter(opportunity=opportunity).first()
    assert change.changed_fields == ["close_date"]
    assert change.previous_close_date == two_months
    assert change.close_date_slipped


def test_assign_notifies_new_owner_in_the_language_they_read(make_opportunity, team_users):
    from django.utils import translation

    manager, rep = team_users["liming"], team_users["chenjing"]
    opportunity = make_opportunity(owner=manager, name="新城百货合作项目")
    opportunity_assign(opportunity=opportunity, owner=rep, actor=manager, version=1)
    notification = rep.notifications.get()
    assert notification.text == "李明 assigned you the opportunity “新城百货合作项目”."
    assert notification.url == f"/opportunities/{opportunity.pk}/"
    with translation.override("zh-hans"):
        assert notification.text == "李明 将商机“新城百货合作项目”分配给了您。"
    # assigning to yourself notifies nobody
    opportunity_assign(
        opportunity=opportunity.__class__.objects.get(pk=opportunity.pk),
        owner=manager,
        actor=manager,
        version=2,
    )
    assert not manager.notifications.exists()


def test_rep_cannot_change_another_reps_opportunity(make_opportunity, team_users):
    opportunity = make_opportunity(owner=team_users["wangqiang"])
    with pytest.raises(PermissionDeniedError):
        opportunity_update(
            opportunity=opportunity, actor=team_users["zhaolei"], version=1, amount=Decimal(1)
        )
    # the manager of the owner's team may
    updated = opportunity_update(
        opportunity=opportunity, actor=team_users["liming"], version=1, amount=Decimal(2)
    )
    assert updated.amount == Decimal(2)


@pytest.mark.parametrize(
    ("field", "value", "message_field"),
    [
        ("amount", Decimal("-1"), "amount"),
        ("name", "  ", "name"),
        ("currency", "XXX", "currency"),
    ],
)
def test_bad_input_writes_nothing(stages, rates, team_users, field, value, message_field):
    from shangji.accounts.models import Account

    rep = team_users["wangqiang"]
    data = {
        "name": "X",
        "amount": Decimal(10),
        "currency": Currency.objects.get(code="CNY"),
        "close_date": datetime.date(2031, 1, 1),
        "stage": stages["Prospecting"],
        "new_account": {"name": "新客户"},
    }
    if value == "XXX":
        data["currency"] = Currency.objects.create(code="XXX", name="Nowhere", symbol="X")
    else:
        data[field] = value
    with pytest.raises(ValidationError) as error:
        opportunity_create(actor=rep, **data)
    assert message_field in error.value.message_dict
    assert not Account.objects.filter(name="新客户").exists()


def test_account_required_by_default(stages, rates, team_users):
    with pytest.raises(ValidationError) as error:
        opportunity_create(
            actor=team_users["wangqiang"],
            name="X",
            amount=Decimal(1),
            currency=Currency.objects.get(code="CNY"),
            close_date=datetime.date(2031, 1, 1),
            stage=stages["Prospecting"],
        )
    assert error.value.message_dict["account"] == ["Choose an account or create a new one."]
