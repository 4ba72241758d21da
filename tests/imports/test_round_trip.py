"""Export the opportunity list, import the file: the same records, in either language and
format — matched by their Shangji ID in the same database, or created again elsewhere."""

import datetime
from decimal import Decimal

import pytest

from shangji.accounts.services import account_create
from shangji.imports.services import import_job_set_mapping
from shangji.opportunities.models import Opportunity
from shangji.opportunities.services import opportunity_update

from .conftest import problems, run, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(team_users, stages, rates, make_opportunity):
    xincheng = account_create(actor=team_users["liming"], name="新城百货")
    nordic = account_create(actor=team_users["liming"], name="Nordic Style AB")
    make_opportunity(
        name="新城百货合作项目", amount="100000.00", currency="USD", stage="Negotiation/Review",
        close_date=datetime.date(2025, 6, 30), account=xincheng, type="New Business",
        lead_source="Trade Show", next_step="与王芳确认合同", priority="High",
        campaign="2025 春季展会", description="Seed deal,\nwith two lines",
    )  # fmt: skip
    make_opportunity(
        name="=SUM(A1) is not a formula", amount="2500.50", currency="EUR",
        stage="Closed Won", owner=team_users["chenjing"], account=nordic,
        close_date=datetime.date(2025, 5, 1), probability=90,
    )  # fmt: skip
    lost = make_opportunity(
        name="-50% promo", amount="0", stage="Prospecting", owner=team_users["zhaolei"],
        close_date=datetime.date(2025, 4, 1), account=xincheng,
    )  # fmt: skip
    opportunity_update(
        opportunity=lost, actor=team_users["admin"], version=lost.version,
        stage=stages["Closed Lost"], lost_reason="价格太高",
    )  # fmt: skip
    make_opportunity(
        name="Overridden", amount="1234.56", stage="Qualification", account=nordic,
        forecast_category="commit", close_date=datetime.date(2027, 1, 31),
    )  # fmt: skip


def records():
    """Every opportunity's fields (times to the minute, as the export writes them)."""
    rows = []
    for o in Opportunity.objects.select_related("account", "stage", "owner", "pipeline"):
        rows.append(
            (
                o.name, o.account.name, o.pipeline.name, o.stage.name, o.amount, o.currency_id,
                o.exchange_rate, o.amount_base, o.probability, o.close_date, o.forecast_category,
                o.forecast_category_overridden, o.type, o.lead_source, o.next_step, o.priority,
                o.campaign, o.owner.username, o.lost_reason, o.description,
                o.created_at.replace(second=0, microsecond=0),
                o.closed_at and o.closed_at.replace(second=0, microsecond=0),
            )
        )  # fmt: skip
    return sorted(rows)


def export(client, user, language, file_format):
    client.force_login(user)
    response = client.get(
        f"/opportunities/export/?format={file_format}", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(("language", "file_format"), [("en", "csv"), ("zh-hans", "xlsx")])
def test_export_then_import_gives_the_same_records(
    client, team_users, deals, language, file_format
):
    admin = team_users["admin"]
    admin.language = language
    admin.save()
    before = records()
    assert len(before) == 4
    content = export(client, admin, language, file_format)
    name = f"export.{file_format}"

    # Back into the same database: each row finds its record by the Shangji ID.
    job = run(upload_with_language(admin, content, name, language))
    assert (job.status, problems(job)) == ("done", [])
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 4)
    assert records() == before

    # Into a database without them: created again, the old ID kept as the external ID.
    old_ids = set(Opportunity.objects.values_list("pk", flat=True))
    Opportunity.objects.all().delete()
    job = upload(admin, "opportunities", content, name=name)
    fields = job.mapping["fields"]
    fields["external_id"] = fields.pop("id")
    job = import_job_set_mapping(job=job, actor=admin, mapping=job.mapping)
    job = run(job)
    assert (job.status, job.created_count, problems(job)) == ("done", 4, [])
    assert records() == before
    assert {int(o.external_id) for o in Opportunity.objects.all()} == old_ids
    won = Opportunity.objects.get(name="=SUM(A1) is not a formula")
    assert (won.amount_base, won.probability) == (Decimal("19503.90"), 90)  # 2,500.50 × 7.8


def upload_with_language(user, content, name, language):
    from django.utils import translation

    with translation.override(language):
        return upload(user, "opportunities", content, name=name)
