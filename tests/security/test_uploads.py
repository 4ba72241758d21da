"""Uploads: an allow-list checked by name and content, size limits, storage outside the web
root and downloads that never run in the browser."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shangji.activities.mail.services import email_send
from shangji.activities.models import Activity, Attachment
from shangji.imports.models import ImportJob
from shangji.users.services import api_token_create

pytestmark = pytest.mark.django_db

CREATE = reverse("activities:activity_create")
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
CSV = "名称,客户,金额\n春季新品入驻,新城百货,1000\n".encode()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def deal(make_opportunity, team_users):
    return make_opportunity(owner=team_users["wangqiang"], name="新城百货合作项目")


def _note(client, deal, *files):
    return client.post(
        CREATE,
        {"kind": "note", "opportunity": deal.pk, "subject": "files", "attachments": list(files)},
    )


def test_a_program_renamed_pdf_and_an_unlisted_type_are_refused_with_the_reason(
    client, deal, team_users
):
    client.force_login(team_users["wangqiang"])
    response = _note(
        client,
        deal,
        SimpleUploadedFile("报价单.pdf", WINDOWS_PROGRAM, "application/pdf"),
        SimpleUploadedFile("setup.exe", WINDOWS_PROGRAM, "application/octet-stream"),
        SimpleUploadedFile("photo.png", b"<html><script>alert(1)</script>", "image/png"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "“报价单.pdf” is not really a .pdf file: its content is of another kind." in page
    assert "“setup.exe”: files of this type cannot be uploaded. Allowed: .pdf, .png" in page
    assert "“photo.png” is not really a .png file" in page
    assert not Activity.objects.exists() and not Attachment.objects.exists()


def test_real_files_of_listed_types_are_kept(client, deal, team_users):
    client.force_login(team_users["wangqiang"])
    response = _note(
        client,
        deal,
        SimpleUploadedFile("报价单.PDF", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
        SimpleUploadedFile("陈列方案.xlsx", b"PK\x03\x04\x14\x00\x06\x00", "application/zip"),
        SimpleUploadedFile("说明.txt", "第一排放新品".encode("gb18030"), "text/plain"),
        SimpleUploadedFile("unicode.csv", "\ufeffa,b".encode("utf-16"), "text/csv"),
        SimpleUploadedFile("call.amr", b"#!AMR\n\x3c\x91", "audio/amr"),
    )
    assert response.status_code == 302
    assert sorted(Attachment.objects.values_list("filename", flat=True)) == sorted(
        ["报价单.PDF", "陈列方案.xlsx", "说明.txt", "unicode.csv", "call.amr"]
    )


def test_attachments_over_the_size_limit_are_refused(client, deal, team_users, monkeypatch):
    monkeypatch.setattr("shangji.activities.services.MAX_ATTACHMENT_BYTES", 2**20)
    client.force_login(team_users["wangqiang"])
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"0" * 2**20, "application/pdf")
    response = _note(client, deal, big)
    assert "“scan.pdf” is larger than 1 MB." in response.content.decode()
    assert not Attachment.objects.exists()


def test_the_attachment_limit_comes_from_max_upload_mb(tmp_path):
    code = (
        "import django; django.setup();"
        " from shangji.activities import services; print(services.MAX_ATTACHMENT_BYTES)"
    )
    env = {
        **os.environ,
        "SHANGJI_HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "shangji.config.settings",
    }
    for value, expected in (({}, 25 * 2**20), ({"MAX_UPLOAD_MB": "3"}, 3 * 2**20)):
        environment = {key: v for key, v in env.items() if key != "MAX_UPLOAD_MB"} | value
        run = subprocess.run(
            [sys.executable, "-c", code], env=environment, capture_output=True, text=True
        )
        assert run.stdout.strip() == str(expected), run.stderr


def test_e_mail_sent_through_the_service_checks_its_files_before_anything_is_sent(deal, team_users):
    with pytest.raises(ValidationError) as refused:
        email_send(
            actor=team_users["wangqiang"],
            opportunity=deal,
            to=["wangfang@xincheng.example"],
            subject="报价",
            body_text="见附件",
            attachments=[SimpleUploadedFile("报价.pdf", WINDOWS_PROGRAM, "application/pdf")],
        )
    assert refused.value.message_dict["attachments"] == [
        "“报价.pdf” is not really a .pdf file: its content is of another kind."
    ]
    assert not Activity.objects.exists()


def test_downloads_are_attachments_typed_by_our_list_never_by_the_uploader(
    client, deal, team_users, settings
):
    client.force_login(team_users["wangqiang"])
    response = _note(
        client,
        deal,
        SimpleUploadedFile("page.html", b"<script>alert(1)</script>", "text/html"),
        SimpleUploadedFile("drawing.svg", b"<svg onload='alert(1)'/>", "image/svg+xml"),
        SimpleUploadedFile("quote.pdf", b"%PDF-1.4 quote", "text/html"),  # a lying browser
    )
    assert response.status_code == 302
    served = {}
    for attachment in Attachment.objects.all():
        download = client.get(reverse("activities:attachment_download", args=[attachment.pk]))
        assert download["Content-Disposition"].startswith("attachment;")
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Security-Policy"] == "sandbox"
        served[attachment.filename] = download["Content-Type"]
        assert str(attachment.file.path).startswith(str(settings.MEDIA_ROOT))
        # Nothing serves the upload directory itself.
        assert client.get(f"/media/{attachment.file.name}").status_code == 404
        assert client.get(f"/static/../media/{attachment.file.name}").status_code == 404
    assert served == {
        "page.html": "application/octet-stream",
        "drawing.svg": "application/octet-stream",
        "quote.pdf": "application/pdf",
    }
    assert settings.MEDIA_URL in ("", "/")  # no public URL for uploads


def test_the_upload_directory_is_outside_the_web_root():
    from django.conf import settings

    static = [settings.STATIC_ROOT, *settings.STATICFILES_DIRS]
    media = settings.MEDIA_ROOT.resolve()
    assert all(not media.is_relative_to(os.path.realpath(root)) for root in static)


# --- import files ---------------------------------------------------------------------


def test_the_import_page_refuses_a_program_and_an_unlisted_type(client, team_users):
    client.force_login(team_users["liming"])
    url = reverse("imports:job_list")
    for upload, message in (
        (
            SimpleUploadedFile("deals.csv", WINDOWS_PROGRAM),
            "“deals.csv” is not really a .csv file: its content is of another kind.",
        ),
        (
            SimpleUploadedFile("deals.numbers", CSV),
            "“deals.numbers”: files of this type cannot be uploaded."
            " Allowed: .csv, .tsv, .txt, .xlsx, .xlsm.",
        ),
        (
            SimpleUploadedFile("deals.xlsx", CSV),
            "“deals.xlsx” is not really a .xlsx file: its content is of another kind.",
        ),
    ):
        response = client.post(url, {"kind": "opportunities", "file": upload})
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not ImportJob.objects.exists()
    response = client.post(
        url, {"kind": "opportunities", "file": SimpleUploadedFile("deals.csv", CSV)}
    )
    assert response.status_code == 302 and ImportJob.objects.count() == 1


def test_the_import_api_refuses_a_program_and_a_file_over_its_limit(team_users, settings):
    _token, raw = api_token_create(user=team_users["liming"], name="tests")
    api = Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})
    response = api.post(
        "/api/v1/imports",
        {"kind": "opportunities", "file": SimpleUploadedFile("deals.csv", WINDOWS_PROGRAM)},
    )
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"file": ["“deals.csv” is not really a .csv file: its content is of another kind."]},
    )
    settings.IMPORT_MAX_UPLOAD_MB = 1
    big = CSV + b"x" * 2**20
    response = api.post(
        "/api/v1/imports",
        {"kind": "opportunities", "file": SimpleUploadedFile("big.csv", big)},
    )
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"file": ["“big.csv” is larger than 1 MB."]},
    )
    assert not ImportJob.objects.exists()
