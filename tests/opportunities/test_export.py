"""Exports of the opportunity list (CSV and XLSX), the report tables and the lead list."""

import csv
import datetime
import io
import tracemalloc
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from shangji.core.exports import cell_text, csv_response, safe_cell, xlsx_cell
from shangji.opportunities import selectors
from shangji.opportunities.columns import EXPORT_COLUMNS
from shangji.opportunities.models import Opportunity

pytestmark = pytest.mark.django_db

EXPORT = reverse("opportunities:opportunity_export")


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def _xlsx_rows(response) -> list[tuple]:
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_formula_cells_are_neutralised_in_both_formats():
    for text in ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]:
        assert safe_cell(text) == "'" + text
        assert xlsx_cell(text) == "'" + text
    assert safe_cell("a=b") == "a=b"
    # Numbers stay numbers in a spreadsheet (a number cell cannot run anything).
    assert xlsx_cell(Decimal("-5.00")) == Decimal("-5.00")
    assert cell_text(Decimal("-5.00")) == "-5.00" and cell_text(-3) == "-3"
    assert cell_text("-3") == "'-3"  # text that looks like a formula stays neutralised
    assert xlsx_cell("bad\x00\x07text") == "badtext"  # XML cannot hold control characters


def test_csv_without_bom_and_with_it():
    def body(**options):
        response = csv_response("x.csv", ["名称"], [["商机"]], **options)
        return b"".join(response.streaming_content)

    assert body(bom=False) == "名称\r\n商机\r\n".encode()
    assert body() == "\ufeff名称\r\n商机\r\n".encode()


def test_xlsx_reads_back_with_chosen_columns_and_typed_cells(client, make_opportunity, team_users):
    make_opportunity(name="=HYPERLINK(1)", amount="1234.50", close_date=datetime.date(2031, 3, 1))
    client.force_login(team_users["wangqiang"])
    response = client.get(
        EXPORT, {"format": "xlsx", "columns": ["name", "amount", "close_date", "owner"]}
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith('attachment; filename="opportunities-')
    assert _xlsx_rows(response) == [
        ("Name", "Amount", "Expected close date", "Owner"),
        ("'=HYPERLINK(1)", 1234.5, datetime.datetime(2031, 3, 1), "王强"),
    ]


def test_headers_in_the_users_language(client, make_opportunity, team_users):
    make_opportunity(name="新城百货合作项目")
    client.force_login(team_users["wangqiang"])
    response = client.get(
        EXPORT,
        {"format": "xlsx", "columns": "name,stage,amount"},
        headers={"accept-language": "zh-hans"},
    )
    assert _xlsx_rows(response)[0] == ("名称", "阶段", "金额")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_what_a_user_may_not_see_is_never_exported(
    client, make_opportunity, team_users, file_format
):
    for owner in ["wangqiang", "chenjing", "zhaolei", "liming"]:
        make_opportunity(owner=team_users[owner], name=f"Deal of {owner}")

    def names(user):
        client.force_login(team_users[user])
        response = client.get(EXPORT, {"format": file_format, "columns": "name"})
        rows = _csv_rows(response) if file_format == "csv" else _xlsx_rows(response)
        return sorted(row[0] for row in rows[1:])

    assert names("wangqiang") == ["Deal of wangqiang"]
    # 李明 manages 华东销售 (王强, 陈静) and owns one; 赵磊 is in 华北销售.
    assert names("liming") == ["Deal of chenjing", "Deal of liming", "Deal of wangqiang"]
    assert len(names("zhangyue")) == 4


def test_filters_and_sort_are_kept(client, make_opportunity, team_users, stages):
    make_opportunity(name="B", amount="300", stage="Needs Analysis")
    make_opportunity(name="A", amount="100", stage="Needs Analysis")
    make_opportunity(name="C", amount="200", stage="Prospecting")
    client.force_login(team_users["wangqiang"])
    response = client.get(
        EXPORT,
        {"stage": stages["Needs Analysis"].pk, "sort": "-amount", "columns": "name", "bom": "0"},
    )
    assert _csv_rows(response) == [["Name"], ["B"], ["A"]]


def test_every_column_by_default_in_the_list_order(client, make_opportunity, team_users):
    opportunity = make_opportunity(name="Deal", amount="100.00", currency="USD")
    client.force_login(team_users["wangqiang"])
    rows = _csv_rows(client.get(EXPORT))
    assert rows[0] == [column.header for column in EXPORT_COLUMNS]
    assert rows[0][:9] == [
        "Shangji ID",
        "Name",
        "Account",
        "Stage",
        "Amount",
        "Currency",
        "Amount (CNY)",
        "Probability (%)",
        "Expected close date",
    ]
    # USD 100.00 at 7.1 = CNY 710.00; Prospecting's probability is 10.
    assert rows[1][:9] == [
        str(opportunity.pk),
        "Deal",
        "新城百货",
        "Prospecting",
        "100.00",
        "USD",
        "710.00",
        "10",
        opportunity.close_date.isoformat(),
    ]


def test_export_headers_map_themselves_on_import():
    """Our importer proposes each exported column for the field it came from."""
    mapping = pytest.importorskip("shangji.imports.mapping")
    from django.utils import translation

    importable = set(mapping.fields_of("opportunities"))
    for language in ["en", "zh-hans"]:
        with translation.override(language):
            headers = {column.key: column.header for column in EXPORT_COLUMNS}
            proposed = mapping.propose("opportunities", list(headers.values()))["fields"]
        # Our own ID column updates that record when the importer knows its header (it may not
        # yet); it is never taken for the external ID.
        assert proposed.pop("id", None) in (None, {"column": headers["id"]})
        expected = {key: header for key, header in headers.items() if key in importable - {"id"}}
        assert {field: spec["column"] for field, spec in proposed.items()} == expected, language
        assert expected["external_id"] == headers["external_id"]


def test_csv_streams_rows_after_the_view_returned(client, make_opportunity, team_users):
    for _ in range(3):
        make_opportunity()
    client.force_login(team_users["wangqiang"])
    response = client.get(EXPORT)
    assert response.streaming
    content = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as queries:
        next(content)  # the header: no opportunity read yet
    assert not [q for q in queries if "opportunities_opportunity" in q["sql"]]
    with CaptureQueriesContext(connection) as queries:
        rest = list(content)
    assert len(rest) == 3
    assert [q for q in queries if "opportunities_opportunity" in q["sql"]]


def _many_opportunities(count, owner, stage):
    Opportunity.objects.bulk_create(
        Opportunity(
            name=f"Opportunity number {index} " + "x" * 60,
            amount=Decimal("1000.00"),
            currency_id="CNY",
            amount_base=Decimal("1000.00"),
            close_date=datetime.date(2031, 1, 1),
            pipeline_id=stage.pipeline_id,
            stage=stage,
            probability=10,
            forecast_category="pipeline",
            owner=owner,
            description="y" * 200,
        )
        for index in range(count)
    )


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_memory_stays_flat_while_exporting_many_rows(
    client, team_users, stages, monkeypatch, file_format
):
    """4,000 rows through the export hold only a chunk of them in memory at a time."""
    monkeypatch.setattr(selectors, "EXPORT_CHUNK_SIZE", 250)
    _many_opportunities(4_000, team_users["wangqiang"], stages["Prospecting"])
    client.force_login(team_users["wangqiang"])
    tracemalloc.start()
    try:
        response = client.get(EXPORT, {"format": file_format})
        size = sum(len(chunk) for chunk in response.streaming_content)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > (1_500_000 if file_format == "csv" else 300_000)
    # Measured: about 2.8 MB with chunks of 250 rows, 10.6 MB when all 4,000 rows (with their
    # account, stage, owner, currency and pipeline) are read at once.
    assert peak < 6_000_000, peak


def test_report_table_exports_as_xlsx(client, make_opportunity, team_users):
    make_opportunity(amount="1000.00", stage="Prospecting")
    make_opportunity(amount="500.00", stage="Prospecting")
    client.force_login(team_users["wangqiang"])
    url = reverse("forecasting:report_export", args=["pipeline-by-stage"])
    response = client.get(url, {"format": "xlsx"})
    assert response["Content-Disposition"].endswith('.xlsx"')
    rows = _xlsx_rows(response)
    csv_rows = _csv_rows(client.get(url))
    assert [str(cell) for cell in rows[0]] == csv_rows[0]
    assert len(rows) == len(csv_rows)
    prospecting = next(row for row in rows if row[0] == "Prospecting")
    # Probability 10 %, two deals, 1,000 + 500 = 1,500, weighted 10 % = 150: number cells.
    assert prospecting == ("Prospecting", 10, 2, 1500, 150)


def test_lead_list_exports_as_xlsx(client, team_users):
    leads = pytest.importorskip("shangji.leads.services")
    leads.lead_create(
        actor=team_users["wangqiang"],
        owner=team_users["wangqiang"],
        last_name="=王",
        company="新城百货",
    )
    leads.lead_create(actor=team_users["zhaolei"], owner=team_users["zhaolei"], last_name="赵")
    client.force_login(team_users["wangqiang"])
    response = client.get(reverse("leads:lead_export"), {"format": "xlsx"})
    rows = _xlsx_rows(response)
    assert len(rows) == 2
    assert "'=王" in rows[1] and "新城百货" in rows[1]
