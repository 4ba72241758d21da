"""Importing opportunities: SuiteCRM's and Salesforce's exports, every kind of bad row, the
modes, upsert by external ID, and the history and probability rules of the services."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from shangji.accounts.models import Account
from shangji.accounts.services import account_create
from shangji.imports.models import ImportRecord
from shangji.imports.services import import_job_set_mapping
from shangji.opportunities.models import Opportunity, OpportunityChange

from .conftest import csv_bytes, problems, run, upload

pytestmark = pytest.mark.django_db

SUITECRM = [
    "Opportunity Name", "ID", "Opportunity Amount", "Currency", "Expected Close Date",
    "Sales Stage", "Probability (%)", "Next Step", "Type", "Account Name", "Description",
    "Amount", "Lead Source", "campaign_id", "Assigned to", "Assigned User", "Date Created",
    "Date Modified", "Created By", "Modified By", "Deleted",
]  # fmt: skip


@pytest.fixture
def xincheng(team_users):
    return account_create(actor=team_users["liming"], name="新城百货")


def test_a_suitecrm_export_maps_itself_and_imports(team_users, stages, rates, xincheng):
    rows = [
        SUITECRM,
        ["新城百货合作项目", "8f0e-guid-1", "100,000.00", "-99", "06/30/2025",
         "Id. Decision Makers", "", "Call 王芳", "New Business", "新城百货", "The seed deal",
         "100,000.00", "Trade Show", "", "wangqiang", "guid-u", "03/01/2025 10:15",
         "03/02/2025 11:00", "1", "1", "0"],
        ["Export order", "8f0e-guid-2", "2,000.00", "USD", "06/30/2025", "Closed Won", "100",
         "", "Existing Business", "新城百货", "", "14,200.00", "Web Site", "", "chenjing",
         "guid-u2", "03/01/2025 10:15", "", "1", "1", "0"],
    ]  # fmt: skip
    job = upload(team_users["liming"], "opportunities", rows)
    assert job.mapping["fields"] == {
        "external_id": {"column": "ID"},
        "name": {"column": "Opportunity Name"},
        "account": {"column": "Account Name"},
        "amount": {"column": "Opportunity Amount"},  # "Amount" is SuiteCRM's base amount
        "currency": {"column": "Currency"},
        "close_date": {"column": "Expected Close Date"},
        "stage": {"column": "Sales Stage"},
        "probability": {"column": "Probability (%)"},
        "type": {"column": "Type"},
        "lead_source": {"column": "Lead Source"},
        "next_step": {"column": "Next Step"},
        "description": {"column": "Description"},
        "owner": {"column": "Assigned to"},
        "created_at": {"column": "Date Created"},
    }
    job = run(job)
    assert (job.status, job.created_count, problems(job)) == ("done", 2, [])
    seed = Opportunity.objects.get(external_id="8f0e-guid-1")
    assert seed.name == "新城百货合作项目"
    assert (seed.amount, seed.currency_id, seed.amount_base) == (
        Decimal("100000.00"), "CNY", Decimal("100000.00")
    )  # fmt: skip
    assert seed.stage == stages["Identifying Decision Makers"]
    assert (seed.probability, seed.forecast_category) == (40, "pipeline")  # from the stage
    assert (seed.type, seed.lead_source, seed.next_step) == (
        "New Business",
        "Trade Show",
        "Call 王芳",
    )
    assert (seed.owner, seed.account, seed.created_by) == (
        team_users["wangqiang"], xincheng, team_users["liming"]
    )  # fmt: skip
    # 10:15 in Shanghai (the importing user's zone) is 02:15 UTC.
    assert seed.created_at == datetime.datetime(2025, 3, 1, 2, 15, tzinfo=datetime.UTC)
    won = Opportunity.objects.get(external_id="8f0e-guid-2")
    # 2,000 USD at 7.1 = 14,200.00 CNY; won: closed now, probability 100.
    assert (won.amount_base, won.exchange_rate, won.probability) == (
        Decimal("14200.00"), Decimal("7.1"), 100
    )  # fmt: skip
    assert won.closed_at is not None
    history = OpportunityChange.objects.get(opportunity=seed)
    assert history.is_creation and history.changed_at == seed.created_at
    assert (history.stage, history.amount_base, history.owner) == (
        stages["Identifying Decision Makers"], Decimal("100000.00"), team_users["wangqiang"]
    )  # fmt: skip
    assert history.actor == team_users["liming"]


def test_salesforce_field_names_are_recognised(team_users, stages, rates, xincheng):
    header = [
        "Id", "Name", "Account.Name", "AccountId", "Amount", "CurrencyIsoCode", "CloseDate",
        "StageName", "Probability", "Type", "LeadSource", "NextStep", "Description",
        "Owner.Name", "OwnerId", "ForecastCategoryName",
    ]  # fmt: skip
    rows = [
        header,
        ["0065g00000AbCdE", "Big order", "新城百货", "0015g00000XyZ", "5000", "EUR", "2025-05-31",
         "Negotiation/Review", "75", "New Business", "Partner", "Sign", "From Salesforce",
         "陈静", "0055g00000Q", "BestCase"],
    ]  # fmt: skip
    job = upload(team_users["liming"], "opportunities", rows)
    fields = job.mapping["fields"]
    assert fields["account"] == {"column": "Account.Name"}  # the name wins over AccountId
    assert fields["owner"] == {"column": "Owner.Name"}
    assert fields["forecast_category"] == {"column": "ForecastCategoryName"}
    assert "OwnerId" not in [spec["column"] for spec in fields.values()]
    job = run(job)
    assert (job.status, problems(job)) == ("done", [])
    deal = Opportunity.objects.get()
    assert (deal.external_id, deal.owner, deal.currency_id) == (
        "0065g00000AbCdE", team_users["chenjing"], "EUR"
    )  # fmt: skip
    # Probability given beside the stage wins; a category other than the stage's is kept.
    assert (deal.probability, deal.forecast_category, deal.forecast_category_overridden) == (
        75, "best_case", True
    )  # fmt: skip
    assert deal.amount_base == Decimal("39000.00")  # 5,000 EUR at 7.8


BAD = [
    ["Opportunity Name", "Account Name", "Amount", "Currency", "Expected Close Date", "Stage",
     "Owner", "Probability", "External ID"],
    ["Good", "新城百货", "1,000", "CNY", "2025-06-30", "Prospecting", "wangqiang", "", "A-1"],
    ["", "新城百货", "1,000", "CNY", "2025-06-30", "Prospecting", "wangqiang", "", "A-2"],
    ["Unknown stage", "新城百货", "1,000", "CNY", "2025-06-30", "Maybe", "wangqiang", "", "A-3"],
    ["Unknown owner", "新城百货", "1,000", "CNY", "2025-06-30", "Prospecting", "nobody", "", "A-4"],
    ["Unknown currency", "新城百货", "1,000", "XYZ", "2025-06-30", "Prospecting", "wangqiang", "",
     "A-5"],
    ["Bad date", "新城百货", "1,000", "CNY", "2025-02-30", "Prospecting", "wangqiang", "", "A-6"],
    ["Day first", "新城百货", "1,000", "CNY", "31/12/2025", "Prospecting", "wangqiang", "", "A-7"],
    ["Bad number", "新城百货", "1.000,50", "CNY", "2025-06-30", "Prospecting", "wangqiang", "",
     "A-8"],
    ["Negative", "新城百货", "-5", "CNY", "2025-06-30", "Prospecting", "wangqiang", "", "A-9"],
    ["Unknown account", "Nobody Ltd", "1", "CNY", "2025-06-30", "Prospecting", "wangqiang", "",
     "A-10"],
    ["Twice", "新城百货", "1", "CNY", "2025-06-30", "Prospecting", "wangqiang", "", "A-1"],
    ["Lost without reason", "新城百货", "1", "CNY", "2025-06-30", "Closed Lost", "wangqiang", "",
     "A-12"],
    ["Bad probability", "新城百货", "1", "CNY", "2025-06-30", "Prospecting", "wangqiang", "120",
     "A-13"],
    ["No rate", "新城百货", "1", "HKD", "2025-06-30", "Prospecting", "wangqiang", "", "A-14"],
]  # fmt: skip


def test_every_bad_row_is_reported_and_nothing_is_written(team_users, stages, rates, xincheng):
    job = run(upload(team_users["liming"], "opportunities", BAD), "dry_run")
    assert job.status == "checked"
    expected = [
        (3, "name", "", "“Name” is needed to create a record."),
        (4, "stage", "Maybe", "“Maybe” is not a stage of the pipeline “Sales”."),
        (5, "owner", "nobody", "There is no user “nobody”."),
        (6, "currency", "XYZ", "“XYZ” is not a currency in use here."),
        (7, "close_date", "2025-02-30", "“2025-02-30” is not a date."),
        (8, "close_date", "31/12/2025", "“31/12/2025” is not a date in month/day/year order; if "
         "the day comes first, choose that order."),
        (9, "amount", "1.000,50", "“1.000,50” is not a number written with a decimal point "
         "(1,234.56); if it uses a decimal comma (1.234,56), choose that convention."),
        (10, "amount", "-5", "Ensure this value is greater than or equal to 0."),
        (11, "account", "Nobody Ltd", "There is no account “Nobody Ltd”; tick “create missing "
         "accounts” to create it."),
        (12, "external_id", "A-1", "The external ID “A-1” is already on row 2 of this file."),
        (13, "lost_reason", "", "Say why the opportunity was lost before moving it to a lost "
         "stage."),
        (14, "probability", "120", "Give a whole number from 0 to 100."),
        (15, "currency", "HKD", "There is no exchange rate for HKD on or before 2025-06-30."),
    ]  # fmt: skip
    assert problems(job) == expected
    assert (job.created_count, job.failed_count, job.rows_total) == (1, 13, 14)
    assert [p.column for p in job.row_errors.order_by("row")][:3] == [
        "Opportunity Name", "Stage", "Owner"
    ]  # fmt: skip

    job = run(job, "import")
    assert job.status == "failed"
    assert job.message == "13 rows have errors: nothing was imported."
    assert Opportunity.objects.count() == 0 and OpportunityChange.objects.count() == 0
    assert problems(job) == expected


def test_reasons_are_in_the_users_language(team_users, stages, rates, xincheng):
    with translation.override("zh-hans"):
        job = upload(team_users["liming"], "opportunities", [BAD[0], BAD[2], BAD[9]])
        django_message = translation.gettext(
            "Ensure this value is greater than or equal to %(limit_value)s."
        ) % {"limit_value": 0}
    assert job.language == "zh-hans"
    job = run(job, "dry_run")
    messages = [message for _row, _field, _value, message in problems(job)]
    assert "“名称”" in messages[0]  # the field's Chinese name
    assert messages[1] == django_message != "Ensure this value is greater than or equal to 0."


def test_good_rows_only_imports_them_and_offers_the_bad_ones_as_a_file(
    team_users, stages, rates, xincheng, client
):
    job = upload(team_users["liming"], "opportunities", BAD[:6])
    job = run(job, "import", good_rows_only=True)
    assert (job.status, job.created_count, job.failed_count) == ("done", 1, 4)
    assert list(Opportunity.objects.values_list("name", flat=True)) == ["Good"]
    client.force_login(team_users["liming"])
    response = client.get(f"/imports/{job.pk}/errors.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert lines[0] == ",".join(BAD[0]) + ",Row,Errors"
    assert lines[1] == (
        ',新城百货,"1,000",CNY,2025-06-30,Prospecting,wangqiang,,A-2,3,'
        "Opportunity Name: “Name” is needed to create a record."
    )
    assert [line.split(",")[0] for line in lines[1:]] == ["", "Unknown stage", "Unknown owner",
                                                          "Unknown currency"]  # fmt: skip


def test_missing_accounts_are_created_when_asked(team_users, stages, rates):
    rows = [BAD[0]] + [
        [f"Deal {n}", name, "10", "CNY", "2025-06-30", "Prospecting", "wangqiang", "", f"X-{n}"]
        for n, name in enumerate(["Acme", "acme", "Beta", "Acme"])
    ]
    job = upload(team_users["liming"], "opportunities", rows)
    job.mapping["options"]["create_accounts"] = True
    job = import_job_set_mapping(job=job, actor=team_users["liming"], mapping=job.mapping)
    job = run(job, "dry_run")
    assert (job.created_count, job.accounts_created_count, problems(job)) == (4, 2, [])
    assert Account.objects.count() == 0
    job = run(job, "import")
    assert (job.status, job.created_count, job.accounts_created_count) == ("done", 4, 2)
    assert sorted(Account.objects.values_list("name", "owner__username")) == [
        ("Acme", "wangqiang"), ("Beta", "wangqiang")
    ]  # fmt: skip
    assert Opportunity.objects.filter(account__name="Acme").count() == 3


UPSERT = ["External ID", "Name", "Account", "Amount", "Expected close date", "Stage", "Owner"]


def test_upsert_by_external_id_updates_through_the_service(team_users, stages, rates, xincheng):
    first = [
        UPSERT,
        ["E1", "One", "新城百货", "1000", "2025-06-30", "Prospecting", "wangqiang"],
        ["E2", "Two", "新城百货", "2000", "2025-06-30", "Prospecting", "wangqiang"],
    ]
    job = run(upload(team_users["liming"], "opportunities", first))
    assert (job.created_count, job.updated_count) == (2, 0)
    one = Opportunity.objects.get(external_id="E1")
    second = [
        UPSERT,
        ["E1", "One", "新城百货", "1500", "2025-07-31", "Negotiation/Review", "wangqiang"],
        ["E2", "Two", "新城百货", "2000", "2025-06-30", "Prospecting", "wangqiang"],
        ["E3", "Three", "新城百货", "3000", "2025-06-30", "Prospecting", "chenjing"],
    ]
    job = run(upload(team_users["liming"], "opportunities", second), "dry_run")
    assert (job.created_count, job.updated_count, job.unchanged_count) == (1, 1, 1)
    job = run(job, "import")
    assert (job.status, job.created_count, job.updated_count, job.unchanged_count) == (
        "done", 1, 1, 1
    )  # fmt: skip
    one.refresh_from_db()
    # A stage move takes the stage's probability (80) and category; the version moves on.
    assert (one.amount, one.close_date, one.stage.name, one.probability) == (
        Decimal("1500.00"), datetime.date(2025, 7, 31), "Negotiation/Review", 80
    )  # fmt: skip
    assert (one.forecast_category, one.version, one.updated_by) == (
        "commit",
        2,
        team_users["liming"],
    )
    change = one.changes.order_by("-id").first()
    assert set(change.changed_fields) == {
        "stage", "amount", "amount_base", "probability", "close_date", "forecast_category"
    }  # fmt: skip
    assert (change.previous_amount, change.previous_close_date, change.previous_probability) == (
        Decimal("1000.00"), datetime.date(2025, 6, 30), 10
    )  # fmt: skip
    record = ImportRecord.objects.get(job=job, created=False)
    assert record.previous == {
        "amount": "1000.00", "close_date": "2025-06-30", "stage": stages["Prospecting"].pk,
        "name": "One", "owner": team_users["wangqiang"].pk, "account": xincheng.pk,
        "closed_at": None,
    }  # fmt: skip
    assert Opportunity.objects.count() == 3


def test_an_update_needs_the_right_to_edit(team_users, stages, rates, xincheng, make_opportunity):
    theirs = make_opportunity(owner=team_users["zhaolei"], account=xincheng)
    theirs.external_id = "Z-1"
    theirs.save()
    rows = [UPSERT, ["Z-1", "Mine now", "新城百货", "1", "2025-06-30", "Prospecting", "wangqiang"]]
    job = run(upload(team_users["wangqiang"], "opportunities", rows), "import")
    assert job.status == "failed"
    assert problems(job) == [(2, "", "", "You may not change this opportunity.")]
    theirs.refresh_from_db()
    assert theirs.name != "Mine now"


def test_rows_with_the_shangji_id_update_that_record(team_users, stages, rates, make_opportunity):
    deal = make_opportunity(name="Old name")
    rows = [["Shangji ID", "Name"], [str(deal.pk), "New name"], ["999999", "Ghost"]]
    job = run(upload(team_users["liming"], "opportunities", rows), "import", good_rows_only=True)
    assert (job.updated_count, job.failed_count) == (1, 1)
    assert problems(job) == [
        (3, "id", "999999", "There is no opportunity with the ID 999999 that you may see.")
    ]
    deal.refresh_from_db()
    assert deal.name == "New name"


def test_a_failure_while_writing_rolls_everything_back(team_users, stages, rates, monkeypatch):
    rows = [BAD[0]] + [
        [f"Deal {n}", "Acme", "10", "CNY", "2025-06-30", "Prospecting", "wangqiang", "", f"R-{n}"]
        for n in range(1200)  # three chunks
    ]
    job = upload(team_users["liming"], "opportunities", rows)
    job.mapping["options"]["create_accounts"] = True
    job = import_job_set_mapping(job=job, actor=team_users["liming"], mapping=job.mapping)
    calls = []
    original = OpportunityChange.objects.bulk_create

    def crash_on_the_second_chunk(objects, *args, **kwargs):
        calls.append(len(objects))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(objects, *args, **kwargs)

    monkeypatch.setattr(OpportunityChange.objects, "bulk_create", crash_on_the_second_chunk)
    job = run(job)
    assert job.status == "failed"
    assert job.message == "The import stopped on an unexpected error: disk full"
    assert calls == [500, 500]
    assert Opportunity.objects.count() == 0 and Account.objects.count() == 0
    assert ImportRecord.objects.count() == 0


def test_bad_rows_in_a_big_file_are_all_reported(team_users, stages, rates, xincheng):
    rows = [UPSERT] + [
        [f"B{n}", f"Deal {n}", "新城百货", "12" if n % 100 else "twelve", "2025-06-30",
         "Prospecting", "wangqiang"]
        for n in range(1500)
    ]  # fmt: skip
    job = run(upload(team_users["liming"], "opportunities", csv_bytes(rows)), "dry_run")
    assert (job.rows_total, job.rows_read, job.created_count, job.failed_count) == (
        1500, 1500, 1485, 15
    )  # fmt: skip
    assert [row for row, *_rest in problems(job)] == [n + 2 for n in range(0, 1500, 100)]
