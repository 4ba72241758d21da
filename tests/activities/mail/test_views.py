"""The e-mail pages: compose, upload .eml files, the SMTP settings page, the body partial."""

import email
import email.policy

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse

from shangji.activities.mail.services import email_import
from shangji.activities.models import Activity
from shangji.core.models import MailSettings

from .conftest import eml

pytestmark = pytest.mark.django_db


def _url(name, opportunity):
    return f"{reverse(name)}?opportunity={opportunity.pk}"


def _eml(name, filename=None):
    return SimpleUploadedFile(filename or name, eml(name), "message/rfc822")


def test_compose_prefills_the_contacts_and_sends(client, customer, smtp_server):
    opportunity = customer["opportunity"]
    client.force_login(customer["rep"])
    page = client.get(_url("mail:compose", opportunity))
    assert page.status_code == 200
    assert 'value="wangfang@xincheng.example"' in page.content.decode()
    assert f"opp-{opportunity.pk}@crm.shangpin.example" in page.content.decode()
    response = client.post(
        _url("mail:compose", opportunity),
        {
            "to": "wangfang@xincheng.example; boss@xincheng.example",
            "cc": "",
            "subject": "陈列方案",
            "body": "请查收附件。",
            "attachments": [
                SimpleUploadedFile("方案.pdf", b"%PDF", "application/pdf"),
                SimpleUploadedFile("图.png", b"\x89PNG", "image/png"),
            ],
        },
    )
    assert response.status_code == 302 and response["Location"] == opportunity.get_absolute_url()
    [received] = smtp_server.received
    sent = email.message_from_bytes(received.content, policy=email.policy.default)
    assert sent["Subject"] == "陈列方案"
    assert [part.get_filename() for part in sent.iter_attachments()] == ["方案.pdf", "图.png"]
    activity = Activity.objects.get(kind="email")
    assert activity.email.message_id == sent["Message-ID"] and activity.opportunity == opportunity
    assert activity.attachments.count() == 2


def test_compose_shows_a_send_failure_and_logs_nothing(client, customer, smtp_server):
    smtp_server.refuse = {"wangfang@xincheng.example"}
    client.force_login(customer["rep"])
    response = client.post(
        _url("mail:compose", customer["opportunity"]),
        {"to": "wangfang@xincheng.example", "subject": "x", "body": "y"},
    )
    assert response.status_code == 200
    assert "The e-mail could not be sent" in response.content.decode()
    assert not Activity.objects.exists()


def test_compose_and_upload_are_404_on_an_opportunity_one_may_not_see(client, customer, team_users):
    client.force_login(team_users["zhaolei"])
    opportunity = customer["opportunity"]
    for name in ("mail:compose", "mail:upload"):
        assert client.get(_url(name, opportunity)).status_code == 404
        assert client.get(reverse(name)).status_code == 404
    response = client.post(
        _url("mail:upload", opportunity), {"files": [_eml("gbk_base64_plain.eml")]}
    )
    assert response.status_code == 404
    response = client.post(
        _url("mail:compose", opportunity), {"to": "a@b.example", "subject": "x", "body": "y"}
    )
    assert response.status_code == 404
    assert not Activity.objects.exists()
    # The rep's manager sees it and may upload.
    client.force_login(team_users["liming"])
    assert client.get(_url("mail:upload", opportunity)).status_code == 200


def test_upload_reports_each_file(client, customer, mail_settings):
    opportunity = customer["opportunity"]
    client.force_login(customer["rep"])
    assert client.get(_url("mail:upload", opportunity)).status_code == 200
    response = client.post(
        _url("mail:upload", opportunity),
        {
            "files": [
                _eml("gbk_base64_plain.eml"),
                _eml("gbk_base64_plain.eml", "copy.eml"),
                SimpleUploadedFile("photo.eml", b"\x89PNG\r\n\x1a\n", "message/rfc822"),
                _eml("hostile_html.eml"),
            ]
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    statuses = [
        line.split('"')[1] for line in page.split("data-status=")[1:]
    ]  # in the order uploaded
    assert statuses == ["imported", "duplicate", "failed", "imported"]
    assert "关于春季新品陈列的报价" in page and "This is not an e-mail message" in page
    assert "<script" not in page.split("upload-results")[1]
    assert Activity.objects.filter(kind="email", opportunity=opportunity).count() == 2


def test_upload_size_limits(client, customer, mail_settings, monkeypatch):
    client.force_login(customer["rep"])
    monkeypatch.setattr("shangji.activities.services.MAX_ATTACHMENT_BYTES", 1000)
    response = client.post(
        _url("mail:upload", customer["opportunity"]),
        {"files": [_eml("utf8_alternative_attachments.eml")]},
    )
    assert "“合同草案.docx” is larger than 0 MB." in response.content.decode()
    monkeypatch.setattr("shangji.activities.mail.services.MAX_MESSAGE_BYTES", 100)
    response = client.post(
        _url("mail:upload", customer["opportunity"]), {"files": [_eml("gbk_base64_plain.eml")]}
    )
    assert "The file is larger than 100\xa0bytes." in response.content.decode()
    assert not Activity.objects.exists()
    response = client.post(_url("mail:upload", customer["opportunity"]), {})
    assert "This field is required." in response.content.decode()


def test_settings_page_is_for_administrators(client, team_users):
    for username in ("wangqiang", "liming", "zhangyue"):
        client.force_login(team_users[username])
        assert client.get(reverse("mail:settings")).status_code == 403
        assert client.post(reverse("mail:settings"), {"smtp_host": "x"}).status_code == 403
        assert client.post(reverse("mail:settings_test"), {"to": "a@b.example"}).status_code == 403
    client.logout()
    assert client.get(reverse("mail:settings")).status_code == 302  # to the login page
    assert MailSettings.current().smtp_host == ""


def test_settings_page_saves_keeps_the_password_and_sends_a_test(client, team_users, smtp_server):
    admin = team_users["admin"]
    client.force_login(admin)
    page = client.get(reverse("mail:settings"))
    assert page.status_code == 200 and "127.0.0.1" in page.content.decode()
    form = {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_server.port,
        "smtp_security": "none",
        "smtp_username": "",
        "smtp_password": "s3cret",
        "from_address": "CRM@Shangpin.example",
        "inbound_domain": "CRM.shangpin.example",
        "inbound_address": "log@crm.shangpin.example",
    }
    assert client.post(reverse("mail:settings"), form).status_code == 302
    row = MailSettings.current()
    assert (row.smtp_password, row.inbound_domain, row.updated_by) == (
        "s3cret",
        "crm.shangpin.example",
        admin,
    )
    page = client.get(reverse("mail:settings")).content.decode()
    assert "s3cret" not in page and "A password is stored." in page
    client.post(reverse("mail:settings"), {**form, "smtp_password": ""})
    assert MailSettings.current().smtp_password == "s3cret"  # empty keeps it
    client.post(reverse("mail:settings"), {**form, "smtp_password": "", "clear_password": "on"})
    assert MailSettings.current().smtp_password == ""
    response = client.post(
        reverse("mail:settings"), {**form, "smtp_port": "x", "from_address": "no"}
    )
    assert (
        response.status_code == 200 and "Enter a valid email address." in response.content.decode()
    )

    response = client.post(
        reverse("mail:settings_test"), {"to": "admin@shangpin.example"}, follow=True
    )
    assert "A test e-mail was sent to admin@shangpin.example." in response.content.decode()
    [received] = smtp_server.received
    assert received.rcpt_tos == ["admin@shangpin.example"]
    assert received.mail_from == "CRM@Shangpin.example"
    smtp_server.refuse = {"bad@shangpin.example"}
    response = client.post(
        reverse("mail:settings_test"), {"to": "bad@shangpin.example"}, follow=True
    )
    assert "The e-mail could not be sent" in response.content.decode()


def test_admin_site_sends_administrators_to_the_settings_page(client, team_users):
    client.force_login(team_users["admin"])
    response = client.get(reverse("admin:core_mailsettings_changelist"))
    assert response.status_code == 302 and response["Location"] == reverse("mail:settings")


def test_email_body_partial(customer, mail_settings):
    activity = email_import(
        actor=customer["rep"], raw=eml("hostile_html.eml"), opportunity=customer["opportunity"]
    )
    html = render_to_string("activities/mail/partials/email_body.html", {"activity": activity})
    assert "<script" not in html and "onerror" not in html and "tracker.example" not in html
    assert 'src="cid:logo@xincheng.example"' in html and "限时优惠" in html
    [attachment] = activity.attachments.all()
    download = reverse("activities:attachment_download", args=[attachment.pk])
    assert f'<a href="{download}" download>attachment-1.png</a>' in html
    same = render_to_string("activities/mail/partials/email_body.html", {"email": activity.email})
    assert same == html
    plain = email_import(
        actor=customer["rep"],
        raw=eml("gbk_8bit_raw_headers.eml"),
        opportunity=customer["opportunity"],
    )
    html = render_to_string("activities/mail/partials/email_body.html", {"activity": plain})
    assert "朱镕基路店下周一可以收货。" in html and "王芳 &lt;wangfang@xincheng.example&gt;" in html


def test_pages_render_in_chinese(client, customer, team_users, mail_settings):
    client.force_login(customer["rep"])
    chinese = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}
    for name in ("mail:compose", "mail:upload"):
        assert client.get(_url(name, customer["opportunity"]), **chinese).status_code == 200
    client.force_login(team_users["admin"])
    page = client.get(reverse("mail:settings"), **chinese)
    assert page.status_code == 200 and 'lang="zh-hans"' in page.content.decode()
