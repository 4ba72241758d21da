"""Formula injection: every CSV and XLSX we write defuses text a spreadsheet would run, and
leaves numbers (negative ones too) as numbers."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from shangji.accounts.services import account_create
from shangji.core.exports import csv_response, xlsx_response
from shangji.leads.services import lead_create
from shangji.opportunities.services import opportunity_move_stage
from tests.imports.conftest import run, upload

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("https://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body, newline="")))


def _xlsx_rows(response) -> list[tuple]:
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_both_formats_defuse_formulas_and_keep_numbers():
    header = ["=HEADER()", "Amount", "Count", "Ratio", "As text"]
    rows = [[text, Decimal("-1250.50"), -3, -0.25, "-7"] for text in FORMULAS]

    written = _csv_rows(csv_response("x.csv", header, rows))
    assert written[0] == ["'=HEADER()", "Amount", "Count", "Ratio", "As text"]
    assert [row[0] for row in written[1:]] == ["'" + text for text in FORMULAS]
    assert {tuple(row[1:]) for row in written[1:]} == {("-1250.50", "-3", "-0.25", "'-7")}

    sheet = _xlsx_rows(xlsx_response("x.xlsx", header, rows))
    assert sheet[0][0] == "'=HEADER()"
    # openpyxl reads a lone \r back as \n; the leading ' is what matters.
    assert [row[0] for row in sheet[1:]] == ["'" + t.replace("\r", "\n") for t in FORMULAS]
    amounts = {row[1:] for row in sheet[1:]}
    assert amounts == {(-1250.5, -3, -0.25, "'-7")}
    assert all(isinstance(value, int | float) for value in sheet[1][1:4])


@pytest.fixture
def hostile_names(team_users, stages, make_opportunity):
    rep = team_users["wangqiang"]
    rep.first_name, rep.last_name = "=cmd|' /C calc'!A0", ""
    rep.save()
    account = account_create(actor=rep, name="@SUM(1+1)*cmd")
    won = make_opportunity(
        owner=rep, account=account, name=FORMULAS[0], amount="5000.00",
        close_date=datetime.date.today(),
    )  # fmt: skip
    opportunity_move_stage(
        opportunity=won, stage=stages["Closed Won"], actor=rep, version=won.version
    )
    lead_create(actor=rep, owner=rep, last_name="-2+3", company="+cmd|' /C calc'!A0")
    return rep


def test_the_opportunity_export_in_csv_and_xlsx(client, hostile_names):
    client.force_login(hostile_names)
    url = reverse("opportunities:opportunity_export")
    columns = {"columns": ["name", "account", "amount", "owner"]}
    rows = _csv_rows(client.get(url, columns))
    assert rows[1] == ["'" + FORMULAS[0], "'@SUM(1+1)*cmd", "5000.00", "'=cmd|' /C calc'!A0"]
    sheet = _xlsx_rows(client.get(url, {**columns, "format": "xlsx"}))
    assert sheet[1] == ("'" + FORMULAS[0], "'@SUM(1+1)*cmd", 5000, "'=cmd|' /C calc'!A0")


def test_report_exports_in_csv_and_xlsx(client, hostile_names, team_users):
    client.force_login(team_users["liming"])
    url = reverse("forecasting:report_export", args=["leaderboard"])
    rows = _csv_rows(client.get(url))
    owner_rows = [row for row in rows if "calc" in "".join(row)]
    assert owner_rows and all(row[0] == "'=cmd|' /C calc'!A0" for row in owner_rows)
    sheet = _xlsx_rows(client.get(url, {"format": "xlsx"}))
    owner_rows = [row for row in sheet if "calc" in str(row)]
    assert owner_rows and all(row[0] == "'=cmd|' /C calc'!A0" for row in owner_rows)
    assert any(isinstance(value, int | float) for value in owner_rows[0][1:])


def test_the_lead_export(client, hostile_names):
    client.force_login(hostile_names)
    rows = _csv_rows(client.get(reverse("leads:lead_export")))
    cells = {cell for row in rows[1:] for cell in row}
    assert {"'+cmd|' /C calc'!A0"} <= cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_the_import_error_file_defuses_the_files_own_header_and_cells(team_users, stages):
    liming = team_users["liming"]
    account_create(actor=liming, name="新城百货")
    rows = [
        ["Name", "Account", "Amount", "Close date", "Stage", "Owner", "=HEADER()"],
        ["@SUM(A1)", "新城百货", "-2+3", "2025-03-01", "Prospecting", "王强", "=1+1"],
    ]
    job = run(upload(liming, "opportunities", rows), "dry_run")
    client = Client(headers={"accept-language": "en"})
    client.force_login(liming)
    written = _csv_rows(client.get(reverse("imports:job_problems", args=[job.pk])))
    assert written[0][:7] == ["Name", "Account", "Amount", "Close date", "Stage", "Owner",
                              "'=HEADER()"]  # fmt: skip
    assert written[1][:7] == ["'@SUM(A1)", "新城百货", "'-2+3", "2025-03-01", "Prospecting",
                              "王强", "'=1+1"]  # fmt: skip
