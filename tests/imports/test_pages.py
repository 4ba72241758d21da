"""The import pages: upload → mapping → check → import → progress → summary → undo."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shangji.accounts.services import account_create
from shangji.imports import engine
from shangji.imports.models import ImportJob, ImportMapping
from shangji.opportunities.models import Opportunity
from tests.helpers import queries_of

from .conftest import csv_bytes, run, upload

pytestmark = pytest.mark.django_db

ROWS = [
    ["Name", "Account", "Amount", "Close date", "Stage", "Owner", "Notes"],
    ["春季新品入驻", "新城百货", "120,000", "2025-03-01", "Won", "王强", "首单"],
    ["秋冬系列专柜", "新城百货", "85,000", "2025-04-15", "Prospecting", "王强", ""],
]


@pytest.fixture
def liming(client, team_users, stages, rates):
    account_create(actor=team_users["liming"], name="新城百货")
    client.force_login(team_users["liming"])
    return team_users["liming"]


def test_the_nav_links_to_the_import_page(client, liming):
    page = client.get("/imports/")
    assert page.status_code == 200
    assert b'data-testid="nav-import"' in page.content
    assert "Upload a file" in page.content.decode()


def test_upload_proposes_a_mapping_and_shows_the_file(client, liming):
    response = client.post(
        "/imports/",
        {"kind": "opportunities", "file": SimpleUploadedFile("deals.csv", csv_bytes(ROWS))},
    )
    job = ImportJob.objects.get()
    assert response.url == f"/imports/{job.pk}/"
    page = client.get(response.url).content.decode()
    assert "<td>春季新品入驻</td>" in page  # the preview of the file
    assert '<option value="Close date" selected>' in page  # close_date ← "Close date"
    assert job.mapping["fields"]["close_date"] == {"column": "Close date"}
    assert "notes" not in job.mapping["fields"]


def mapping_post(job, **extra):
    """The mapping form as the page sends it, with the proposed columns."""
    data = {"date_order": "mdy", "decimal_mark": ".", "pipeline": "", "action": "save"}
    for name, spec in job.mapping["fields"].items():
        data[f"column_{name}"] = spec.get("column", "")
    data.update(extra)
    return data


def test_mapping_check_import_summary_and_undo(client, liming, team_users):
    job = upload(liming, "opportunities", ROWS)
    # The file says "Won" where our stage is "Closed Won": translate the value.
    data = mapping_post(job, values_stage="Won = Closed Won", action="dry_run",
                        column_description="Notes", save_as="Spring fair")  # fmt: skip
    response = client.post(f"/imports/{job.pk}/", data)
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.action) == ("queued", "dry_run")
    assert job.mapping["fields"]["stage"] == {"column": "Stage", "map": {"Won": "Closed Won"}}
    assert ImportMapping.objects.get(name="Spring fair").mapping == job.mapping

    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "Waiting for the task worker" in page
    engine.execute(job.pk, "dry_run", liming.pk)
    progress = client.get(f"/imports/{job.pk}/progress/")
    assert progress["HX-Refresh"] == "true"
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "Check result" in page and 'data-testid="count-created">2<' in page

    response = client.post(f"/imports/{job.pk}/", {**data, "action": "import"})
    job.refresh_from_db()
    assert (job.status, job.action) == ("queued", "import")
    engine.execute(job.pk, "import", liming.pk)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'data-testid="count-created">2<' in page and "Undo this import" in page
    won = Opportunity.objects.get(name="春季新品入驻")
    assert (won.stage.name, won.description, won.owner) == (
        "Closed Won",
        "首单",
        team_users["wangqiang"],
    )

    client.post(f"/imports/{job.pk}/undo/")
    engine.execute(job.pk, "undo", liming.pk)
    assert Opportunity.objects.count() == 0
    assert "Undone" in client.get(f"/imports/{job.pk}/").content.decode()


def test_the_progress_bar_while_running(client, liming):
    job = upload(liming, "opportunities", ROWS)
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", action="import", phase="writing", rows_total=200, rows_read=50,
        worker_host=engine.HOST, worker_pid=__import__("os").getpid(),
    )  # fmt: skip
    job.refresh_from_db()
    progress = engine.Progress(job)
    progress.to_file = True
    progress.report("writing", 150)  # the writing pass reports to its file
    response = client.get(f"/imports/{job.pk}/progress/")
    html = response.content.decode()
    assert "HX-Refresh" not in response
    assert '<progress max="200" value="150"' in html
    assert "Writing: 150 of 200 (75 %)" in " ".join(html.split())
    assert queries_of(lambda: client.get(f"/imports/{job.pk}/progress/")) <= 6


def test_problems_are_listed_and_downloadable(client, liming):
    rows = ROWS + [["Bad", "新城百货", "lots", "2025-13-01", "Prospecting", "王强", ""]]
    job = run(upload(liming, "opportunities", rows), "dry_run")
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "“lots” is not a number." in page and "3 problems" in page
    assert "“Won” is not a stage" in page
    response = client.get(f"/imports/{job.pk}/errors.csv")
    assert response["Content-Disposition"] == 'attachment; filename="data-errors.csv"'
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 3  # the header and the two bad rows


def test_another_users_import_is_not_found(client, liming, team_users):
    job = upload(team_users["chenjing"], "opportunities", ROWS)
    assert client.get(f"/imports/{job.pk}/").status_code == 404
    assert client.get(f"/imports/{job.pk}/errors.csv").status_code == 404
    client.force_login(team_users["admin"])
    assert client.get(f"/imports/{job.pk}/").status_code == 200


def test_a_bad_upload_says_why(client, liming):
    response = client.post(
        "/imports/", {"kind": "opportunities", "file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04")}
    )
    assert response.status_code == 200
    assert "This is not an XLSX workbook we can read." in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_the_page_in_chinese(client, liming):
    job = upload(liming, "opportunities", ROWS)
    page = client.get(f"/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "预计成交日期" in page  # the fields under their Chinese names
