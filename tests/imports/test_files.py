"""Files as people send them: any common encoding (BOM or not), delimiter, or XLSX."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from shangji.accounts.models import Account
from shangji.imports.parsing import count_rows, detect_encoding, inspect
from shangji.imports.services import import_job_set_reading
from shangji.opportunities.models import Opportunity

from .conftest import csv_bytes, problems, run, upload

pytestmark = pytest.mark.django_db

HEADER = ["名称", "客户", "金额", "币种", "预计成交日期", "阶段", "负责人"]
ROWS = [
    HEADER,
    ["春季新品入驻", "新城百货", "120,000.00", "CNY", "2026/3/1", "资格审查", "王强"],
    ["秋冬系列专柜", "华联商厦", "8.5万", "人民币", "2026年4月15日", "谈判/审核", "wangqiang"],
]


@pytest.fixture
def accounts(team_users):
    from shangji.accounts.services import account_create

    for name in ("新城百货", "华联商厦"):
        account_create(actor=team_users["liming"], name=name)


def imported():
    return sorted(
        (o.name, o.account.name, o.amount, o.close_date, o.stage.name, o.owner.username)
        for o in Opportunity.objects.select_related("account", "stage", "owner")
    )


EXPECTED = [
    ("春季新品入驻", "新城百货", Decimal("120000.00"), datetime.date(2026, 3, 1),
     "Qualification", "wangqiang"),
    ("秋冬系列专柜", "华联商厦", Decimal("85000.00"), datetime.date(2026, 4, 15),
     "Negotiation/Review", "wangqiang"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("encoding", "delimiter", "detected"),
    [
        ("utf-8", ",", "utf-8"),
        ("utf-8-sig", ";", "utf-8-sig"),  # Excel's "CSV UTF-8", with a BOM
        ("utf-16", "\t", "utf-16"),  # Excel's "Unicode text": UTF-16 with a BOM, tabs
        ("gb18030", ",", "gb18030"),  # Excel on a Chinese Windows
        ("gbk", "|", "gb18030"),
    ],
)
def test_chinese_file_in_any_encoding_and_delimiter_imports_the_same(
    team_users, stages, accounts, encoding, delimiter, detected
):
    content = csv_bytes(ROWS, encoding=encoding, delimiter=delimiter)
    job = upload(team_users["liming"], "opportunities", content)
    assert (job.encoding, job.delimiter) == (detected, delimiter)
    assert job.headers == HEADER
    job = run(job)
    assert (job.status, problems(job)) == ("done", [])
    assert imported() == EXPECTED


def test_big5_is_detected(team_users, stages):
    text = "名稱,客戶,金額\n繁體中文商機,臺北百貨公司,1000\n" * 40
    assert detect_encoding(text.encode("big5")) in ("big5", "big5hkscs", "cp950")


def test_a_wrong_encoding_chosen_by_the_user_is_reported(team_users, stages, accounts):
    content = csv_bytes(ROWS, encoding="gb18030")
    job = upload(team_users["liming"], "opportunities", content)
    job = import_job_set_reading(job=job, actor=team_users["liming"], encoding="cp1252")
    assert job.headers != HEADER  # mojibake, as the user chose
    with pytest.raises(Exception, match="not in the utf-8 encoding"):
        upload(team_users["liming"], "opportunities", content, encoding="utf-8")
    job = import_job_set_reading(job=job, actor=team_users["liming"], encoding="gb18030")
    assert job.headers == HEADER


def test_quoted_cells_with_delimiters_and_line_breaks(team_users, stages, accounts):
    rows = [
        HEADER,
        ["Deal, with a comma", "新城百货", "1", "CNY", "2026-03-01", "资格审查", "王强"],
        ["Two\nlines", "新城百货", "2", "CNY", "2026-03-01", "资格审查", "王强"],
    ]
    job = run(upload(team_users["liming"], "opportunities", rows))
    assert job.status == "done"
    assert sorted(Opportunity.objects.values_list("name", flat=True)) == [
        "Deal, with a comma", "Two\nlines"
    ]  # fmt: skip


def xlsx_bytes(sheets: dict) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_real_dates_and_numbers_on_a_chosen_sheet(team_users, stages, accounts):
    content = xlsx_bytes(
        {
            "说明": [["这一页不是数据"]],
            "商机": [
                HEADER,
                ["春季新品入驻", "新城百货", 120000, "CNY", datetime.datetime(2026, 3, 1),
                 "Qualification", "王强"],
                [None, None, None, None, None, None, None],  # an empty row is no row
                ["秋冬系列专柜", "华联商厦", 85000.0, None, datetime.date(2026, 4, 15),
                 "谈判/审核", "wangqiang@example.com"],
            ],
        }
    )  # fmt: skip
    team_users["wangqiang"].email = "wangqiang@example.com"
    team_users["wangqiang"].save()
    job = upload(team_users["liming"], "opportunities", content, name="商机.xlsx")
    assert (job.file_format, job.sheets, job.sheet) == ("xlsx", ["说明", "商机"], "说明")
    job = import_job_set_reading(job=job, actor=team_users["liming"], sheet="商机")
    assert job.headers == HEADER
    assert count_rows(inspect(job.file.path, job.original_name, sheet="商机")) == 2
    job = run(job)
    assert (job.status, problems(job)) == ("done", [])
    assert imported() == EXPECTED


def test_account_file_with_semicolons_and_decimal_commas(team_users):
    rows = [["Name", "Employees", "Annual Revenue"], ["Nordic Style AB", "1.200", "12.500.000,50"]]
    content = csv_bytes(rows, delimiter=";")
    job = upload(team_users["liming"], "accounts", content)
    job.mapping["options"]["decimal_mark"] = ","
    from shangji.imports.services import import_job_set_mapping

    job = import_job_set_mapping(job=job, actor=team_users["liming"], mapping=job.mapping)
    job = run(job)
    assert (job.status, problems(job)) == ("done", [])
    account = Account.objects.get()
    assert (account.employees, account.annual_revenue) == (1200, Decimal("12500000.50"))


def test_an_empty_or_broken_file_is_refused(team_users):
    with pytest.raises(Exception, match="The file is empty"):
        upload(team_users["liming"], "opportunities", b"")
    with pytest.raises(Exception, match="not an XLSX workbook"):
        upload(team_users["liming"], "opportunities", b"PK\x03\x04broken", name="x.xlsx")
