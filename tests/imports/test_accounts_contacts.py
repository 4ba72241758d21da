"""Importing accounts (with parents anywhere in the file) and contacts (at accounts found by
name or external ID), with upsert and undo."""

from decimal import Decimal

import pytest

from shangji.accounts.models import Account
from shangji.accounts.services import account_create
from shangji.contacts.models import Contact

from .conftest import problems, run, upload

pytestmark = pytest.mark.django_db

ACCOUNTS = [
    ["Account ID", "Account Name", "Industry", "Employees", "Annual Revenue", "Member of",
     "Assigned to", "电话"],
    ["SF-2", "华联商厦杭州店", "零售百货", "120", "¥3,000万", "华联商厦", "wangqiang", "0571-1"],
    ["SF-1", "华联商厦", "零售百货", "5,000", "12亿", "", "liming", ""],
    ["SF-3", "Nordic Style AB", "Fashion", "40", "", "Nobody Group", "", ""],
]  # fmt: skip


def test_accounts_with_parents_later_in_the_file(team_users):
    job = run(upload(team_users["liming"], "accounts", ACCOUNTS), "dry_run")
    assert problems(job) == [
        (4, "parent", "Nobody Group", "There is no account “Nobody Group” here or in the file.")
    ]
    assert (job.created_count, job.failed_count) == (2, 1)
    job = run(job, "import", good_rows_only=True)
    assert (job.status, job.created_count, job.failed_count) == ("done", 2, 1)
    store = Account.objects.get(external_id="SF-2")
    assert (store.name, store.parent.name, store.owner.username, store.phone) == (
        "华联商厦杭州店", "华联商厦", "wangqiang", "0571-1"
    )  # fmt: skip
    assert (store.employees, store.annual_revenue) == (120, Decimal("30000000.00"))
    assert Account.objects.get(external_id="SF-1").annual_revenue == Decimal("1200000000.00")
    assert not Account.objects.filter(name="Nordic Style AB").exists()


def test_account_names_stay_unique(team_users):
    account_create(actor=team_users["liming"], name="华联商厦")
    rows = [["Name"], ["华联商厦"], ["Acme"], ["ACME"]]
    job = run(upload(team_users["liming"], "accounts", rows), "dry_run")
    assert problems(job) == [
        (2, "name", "华联商厦", "An account named “华联商厦” already exists."),
        (4, "name", "ACME", "The account “ACME” is already on row 3 of this file."),
    ]


def test_accounts_upsert_by_external_id_and_undo(team_users):
    job = run(upload(team_users["liming"], "accounts", ACCOUNTS[:3]))
    assert job.created_count == 2
    rows = [["Account ID", "Account Name", "Employees", "Member of"],
            ["SF-2", "华联商厦杭州店", "150", ""]]  # fmt: skip
    second = run(upload(team_users["liming"], "accounts", rows))
    assert (second.updated_count, second.created_count) == (1, 0)
    store = Account.objects.get(external_id="SF-2")
    assert (store.employees, store.version) == (150, 2)
    run(second, "undo")
    store.refresh_from_db()
    assert (store.employees, store.parent.name) == (120, "华联商厦")


CONTACTS = [
    ["姓名", "职位", "客户", "邮箱", "手机", "External ID"],
    ["王芳", "采购经理", "新城百货", "wangfang@xincheng.example", "13800138000", "C-1"],
    ["Anna Lindqvist", "Head of Buying", "NS-1", "anna@nordic.example", "", "C-2"],
    ["刘建国", "", "Unknown Store", "not-an-address", "", "C-3"],
]  # fmt: skip


def test_contacts_at_accounts_by_name_or_external_id(team_users):
    account_create(actor=team_users["liming"], name="新城百货")
    nordic = account_create(actor=team_users["liming"], name="Nordic Style AB")
    Account.objects.filter(pk=nordic.pk).update(external_id="NS-1")
    job = upload(team_users["liming"], "contacts", CONTACTS)
    assert job.mapping["fields"] == {
        "external_id": {"column": "External ID"},
        "full_name": {"column": "姓名"},
        "title": {"column": "职位"},
        "account": {"column": "客户"},
        "email": {"column": "邮箱"},
        "mobile": {"column": "手机"},
    }
    job = run(job, "import", good_rows_only=True)
    assert problems(job) == [
        (4, "email", "not-an-address", "“not-an-address” is not an e-mail address."),
        (4, "account", "Unknown Store", "There is no account “Unknown Store”; tick “create "
         "missing accounts” to create it."),
    ]  # fmt: skip
    assert job.created_count == 2
    rows = sorted(
        Contact.objects.values_list("last_name", "first_name", "account__name", "external_id")
    )
    assert rows == [
        ("Lindqvist", "Anna", "Nordic Style AB", "C-2"),
        ("王芳", "", "新城百货", "C-1"),
    ]
    assert Contact.objects.get(external_id="C-1").full_name == "王芳"
