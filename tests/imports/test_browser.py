"""In a real browser: upload a CSV, map a column, check it, import it, watch the progress bar
finish, and see the records. The task worker runs in a thread of the test."""

import threading

import pytest
from django.db import connection, connections, transaction
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from shangji.accounts.services import account_create
from shangji.opportunities.models import Opportunity

from .conftest import csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = 1500


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _readers_do_not_wait(conn) -> None:
    # The test database is SQLite's shared in-memory cache, where a reader would fail on a
    # table another connection is writing; a real SQLite file (WAL) or PostgreSQL does not.
    if conn.vendor == "sqlite":
        conn.ensure_connection()
        conn.connection.execute("PRAGMA read_uncommitted = 1")


def run_tasks() -> threading.Thread:
    """Run the queued tasks the way `shangji worker` does, in a thread of its own."""

    def work():
        try:
            _readers_do_not_wait(connection)
            worker = Worker(
                queue_names=["*"], interval=0, batch=True, backend_name="default",
                startup_delay=False, max_tasks=None, worker_id="browser-test",
                excluded_queue_names=[],
            )  # fmt: skip
            while True:
                with transaction.atomic():
                    result = DBTaskResult.objects.ready().get_locked()
                    if result is None:
                        return
                    result.claim(worker.worker_id)
                worker.run_task(result)
        finally:
            connections.close_all()

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_upload_map_check_import_and_watch_the_progress(live_server, page, team_users, tmp_path):
    _readers_do_not_wait(connection)  # the live server's connection too
    account_create(actor=team_users["liming"], name="新城百货")
    rows = [["商机名称", "客户", "金额", "预计成交日期", "阶段", "负责人", "备注信息"]]
    rows += [
        [f"门店 {n} 春季入驻", "新城百货", f"{10_000 + n:,}", "2026/3/1", "资格审查", "王强",
         f"第 {n} 家门店"]
        for n in range(ROWS)
    ]  # fmt: skip
    path = tmp_path / "商机.csv"
    path.write_bytes(csv_bytes(rows, encoding="gb18030"))

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "liming")
    page.fill("#id_password", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url("**/my-work/")
    page.click("[data-testid=nav-import]")
    page.select_option("#id_kind", "opportunities")
    page.set_input_files("#id_file", str(path))
    page.click("[data-testid=upload-form] button[type=submit]")
    page.wait_for_url("**/imports/*/")

    # The GB18030 file was read; the columns were proposed from the Chinese headers.
    assert page.locator("[data-testid=preview] tbody tr").count() == 3
    assert page.locator("#id_column_close_date").input_value() == "预计成交日期"
    assert page.locator("#id_column_description").input_value() == ""
    page.select_option("#id_column_description", "备注信息")

    page.click("[data-testid=check]")
    page.locator("[data-testid=import-progress] progress").wait_for()
    run_tasks().join(timeout=120)
    page.locator("[data-testid=import-summary]").wait_for(timeout=30_000)
    assert page.locator("[data-testid=count-created]").inner_text() == f"{ROWS:,}"
    assert page.locator("[data-testid=count-failed]").inner_text() == "0"
    assert Opportunity.objects.count() == 0  # a check writes nothing

    page.click("[data-testid=import]")
    bar = page.locator("[data-testid=import-progress] progress")
    bar.wait_for()
    worker = run_tasks()
    seen = set()
    while worker.is_alive():  # the bar as the page shows it, polled every second by htmx
        if bar.count():
            seen.add(bar.get_attribute("value"))
        page.wait_for_timeout(150)
    worker.join()
    page.locator("[data-testid=import-summary]").wait_for(timeout=30_000)
    assert page.locator("[data-testid=import-status]").inner_text() in ("Imported", "已导入")
    assert page.locator("[data-testid=count-created]").inner_text() == f"{ROWS:,}"
    assert seen  # the progress bar was on the page while the worker wrote

    page.click("[data-testid=see-records]")
    page.wait_for_url("**/opportunities/")
    assert page.get_by_text("门店 0 春季入驻").count() == 1
    deal = Opportunity.objects.get(name="门店 7 春季入驻")
    assert (deal.description, deal.owner.username, deal.stage.name) == (
        "第 7 家门店", "wangqiang", "Qualification"
    )  # fmt: skip
