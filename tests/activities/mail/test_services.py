"""email_import and email_send: links, participants, attachments, once per Message-ID, and the
send path through a real SMTP exchange on loopback."""

import email
import email.policy
import socket

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from shangji.activities.mail.parsing import parse_message
from shangji.activities.mail.services import email_import, email_send
from shangji.activities.models import Activity, Attachment, EmailMessage
from shangji.config.email_url import parse_email_url
from shangji.core.errors import PermissionDeniedError

from .conftest import eml, free_port

pytestmark = pytest.mark.django_db


def _participants(activity):
    return sorted(p.contact.email for p in activity.participants.select_related("contact"))


def test_import_links_decodes_and_keeps_attachments(customer, mail_settings):
    rep, opportunity = customer["rep"], customer["opportunity"]
    activity = email_import(
        actor=rep, raw=eml("utf8_alternative_attachments.eml"), opportunity=opportunity
    )
    assert activity.already_logged is False
    assert (activity.kind, activity.direction) == ("email", "inbound")
    assert activity.subject == "合同草案和报价单（第二版）"
    assert (activity.opportunity, activity.account) == (opportunity, opportunity.account)
    assert activity.owner == rep and activity.created_by == rep
    assert activity.occurred_at == activity.starts_at
    assert activity.occurred_at.isoformat() == "2026-03-12T02:00:00+00:00"
    message = activity.email
    assert message.message_id == "<alt.20260312@xincheng.example>"
    assert message.from_address == "王芳 <wangfang@xincheng.example>"
    assert message.to_addresses == "王强 <wangqiang@shangpin.example>, chenjing@shangpin.example"
    assert message.cc_addresses == "李四 <LiSi@xincheng.example>"
    assert "<b>报价单</b>" in message.body_html and "<html" not in message.body_html
    assert "含税" in activity.body
    # 王芳 (From) and 李四 (Cc, another case) are contacts; the reps are not.
    assert _participants(activity) == ["LISI@xincheng.example", "wangfang@xincheng.example"]
    stored = list(activity.attachments.all())
    assert [(a.filename, a.size) for a in stored] == [
        ("报价单.pdf", 63),
        ("合同草案.docx", 1024),
        ("陈列方案.xlsx", 600),
    ]
    with stored[1].file.open("rb") as handle:
        assert handle.read() == bytes(range(256)) * 4
    assert "合同" not in stored[1].file.name  # stored under a random name


def test_gbk_import_and_the_same_message_id_is_logged_once(customer, mail_settings):
    rep, opportunity = customer["rep"], customer["opportunity"]
    first = email_import(actor=rep, raw=eml("gbk_base64_plain.eml"), opportunity=opportunity)
    assert first.subject == "关于春季新品陈列的报价" and "朱镕基路店" in first.body
    again = email_import(actor=rep, raw=eml("gbk_base64_plain.eml"), opportunity=opportunity)
    assert again.pk == first.pk and again.already_logged is True
    assert EmailMessage.objects.count() == 1 and Activity.objects.count() == 1
    # The raw 8-bit reply is another message; no Message-ID: the bytes decide.
    email_import(actor=rep, raw=eml("gbk_8bit_raw_headers.eml"), opportunity=opportunity)
    for _ in range(2):
        email_import(actor=rep, raw=eml("no_message_id.eml"), opportunity=opportunity)
    assert Activity.objects.filter(kind="email").count() == 3


def test_hostile_html_is_stored_sanitised(customer, mail_settings):
    activity = email_import(
        actor=customer["rep"], raw=eml("hostile_html.eml"), opportunity=customer["opportunity"]
    )
    html = activity.email.body_html.lower()
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert "tracker.example" not in html and "cid:logo@xincheng.example" in html
    assert activity.participants.count() == 0  # nobody known in the sender or recipients


def test_direction_is_outbound_when_a_user_sent_it(customer, mail_settings):
    raw = (
        b"From: wangqiang@shangpin.example\r\nTo: wangfang@xincheng.example\r\n"
        b"Subject: quote\r\nMessage-ID: <sent.1@shangpin.example>\r\n\r\nSee attached."
    )
    activity = email_import(actor=customer["rep"], raw=raw, opportunity=customer["opportunity"])
    assert activity.direction == "outbound"
    assert _participants(activity) == ["wangfang@xincheng.example"]


def test_without_a_record_the_first_contact_is_used(customer, mail_settings):
    activity = email_import(actor=customer["rep"], raw=eml("gbk_base64_plain.eml"))
    assert activity.contact == customer["wangfang"] and activity.opportunity is None
    assert activity.account == customer["wangfang"].account
    with pytest.raises(ValidationError) as error:
        email_import(actor=customer["rep"], raw=eml("hostile_html.eml"))
    assert "Choose the opportunity" in str(error.value)


def test_visibility_and_bad_input(customer, team_users, mail_settings):
    other = team_users["zhaolei"]
    with pytest.raises(PermissionDeniedError):
        email_import(
            actor=other, raw=eml("gbk_base64_plain.eml"), opportunity=customer["opportunity"]
        )
    email_import(
        actor=customer["rep"], raw=eml("gbk_base64_plain.eml"), opportunity=customer["opportunity"]
    )
    # Already logged on a record the actor cannot see: said plainly, nothing returned.
    with pytest.raises(ValidationError, match="already logged on a record you cannot see"):
        email_import(actor=other, raw=eml("gbk_base64_plain.eml"), contact=customer["lisi"])
    with pytest.raises(ValidationError, match="not an e-mail"):
        email_import(actor=customer["rep"], raw=b"\x89PNG\r\n", opportunity=customer["opportunity"])


def test_attachment_size_limit_writes_nothing(customer, mail_settings, monkeypatch, media_root):
    monkeypatch.setattr("shangji.activities.services.MAX_ATTACHMENT_BYTES", 1000)
    with pytest.raises(ValidationError) as error:
        email_import(
            actor=customer["rep"],
            raw=eml("utf8_alternative_attachments.eml"),
            opportunity=customer["opportunity"],
        )
    # Only the 1024-byte file is over the limit; the rule and words of attachment_add.
    assert error.value.message_dict == {"attachments": ["“合同草案.docx” is larger than 0 MB."]}
    assert not Activity.objects.exists() and not Attachment.objects.exists()
    assert not [path for path in media_root.rglob("*") if path.is_file()]


def test_send_through_a_real_smtp_exchange(customer, smtp_server):
    rep, opportunity = customer["rep"], customer["opportunity"]
    quote = SimpleUploadedFile("报价单 2026.pdf", b"%PDF-1.4 quote", "application/pdf")
    notes = SimpleUploadedFile("陈列说明.txt", "第一排放新品".encode(), "text/plain")
    activity = email_send(
        actor=rep,
        opportunity=opportunity,
        to=["王芳 <WANGFANG@xincheng.example>"],
        cc=["boss@xincheng.example"],
        subject="春季新品陈列报价",
        body_text="王经理您好：\n报价见附件。",
        body_html="<p>王经理您好：</p><script>alert(1)</script>",
        attachments=[quote, notes],
    )
    [received] = smtp_server.received
    assert received.mail_from == "crm@shangpin.example"
    assert received.rcpt_tos == ["WANGFANG@xincheng.example", "boss@xincheng.example"]
    assert b"=?utf-8?" in received.content.split(b"\r\n\r\n", 1)[0].lower()  # RFC 2047 subject
    message = email.message_from_bytes(received.content, policy=email.policy.default)
    assert message["Subject"] == "春季新品陈列报价"
    assert message["Message-ID"] == activity.email.message_id
    assert activity.email.message_id.endswith("@crm.shangpin.example>")
    assert message["From"].addresses[0].display_name == "王强"
    assert message["Reply-To"] == "wangqiang@shangpin.example"
    assert message["Cc"] == "boss@xincheng.example"
    files = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    # A text attachment travels as text (a line break is added at its end).
    assert files == {"报价单 2026.pdf": b"%PDF-1.4 quote", "陈列说明.txt": "第一排放新品\r\n"}
    assert message.get_body(("html",)).get_content().count("<script>") == 1  # sent as written
    # The log: what was sent, once, on the opportunity, with the contact as participant.
    assert (activity.kind, activity.direction, activity.opportunity) == (
        "email",
        "outbound",
        opportunity,
    )
    assert activity.subject == "春季新品陈列报价" and activity.body == "王经理您好：\n报价见附件。"
    assert "<script" not in activity.email.body_html  # stored sanitised
    assert activity.email.to_addresses == "王芳 <WANGFANG@xincheng.example>"
    assert _participants(activity) == ["wangfang@xincheng.example"]
    assert [a.filename for a in activity.attachments.all()] == ["报价单 2026.pdf", "陈列说明.txt"]
    # The same message arriving again (a Bcc to the inbound address) is not logged twice.
    again = email_import(actor=rep, raw=received.content, opportunity=opportunity)
    assert again.pk == activity.pk and again.already_logged


def test_send_through_email_url_when_the_settings_page_names_no_server(
    customer, mail_settings, settings
):
    from aiosmtpd.controller import Controller

    from .conftest import Recorder

    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.MAILERS = {"default": parse_email_url(f"smtp://127.0.0.1:{controller.port}")}
        activity = email_send(
            actor=customer["rep"],
            opportunity=customer["opportunity"],
            to=["wangfang@xincheng.example"],
            subject="Hello",
            body_text="Hi",
        )
    finally:
        controller.stop()
    [received] = recorder.received
    assert parse_message(received.content).message_id == activity.email.message_id


def test_send_failure_writes_nothing(customer, smtp_server, mail_settings):
    smtp_server.refuse = {"nobody@xincheng.example"}
    arguments = {
        "actor": customer["rep"],
        "opportunity": customer["opportunity"],
        "subject": "报价",
        "body_text": "x",
        "attachments": [SimpleUploadedFile("a.txt", b"a")],
    }
    with pytest.raises(ValidationError) as error:
        email_send(to=["nobody@xincheng.example"], **arguments)
    assert "could not be sent" in str(error.value) and "nobody@xincheng.example" in str(error.value)
    # A server that is not there.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        mail_settings.smtp_port = closed.getsockname()[1]
    mail_settings.save()
    with pytest.raises(ValidationError, match="refused the connection"):
        email_send(to=["wangfang@xincheng.example"], **arguments)
    assert not Activity.objects.exists() and not EmailMessage.objects.exists()
    assert not Attachment.objects.exists()


def test_send_validation(customer, team_users, mail_settings):
    base = {"actor": customer["rep"], "opportunity": customer["opportunity"], "body_text": "x"}
    with pytest.raises(ValidationError) as error:
        email_send(to=["not an address", "a@b"], cc=["x\r\nBcc: y@z.example"], subject=" ", **base)
    assert set(error.value.message_dict) == {"to", "cc", "subject"}
    with pytest.raises(ValidationError) as error:
        email_send(to=[], subject="s", **base)
    assert "to" in error.value.message_dict
    with pytest.raises(PermissionDeniedError):
        email_send(
            actor=team_users["zhaolei"],
            opportunity=customer["opportunity"],
            to=["wangfang@xincheng.example"],
            subject="s",
            body_text="x",
        )
    assert not Activity.objects.exists()


def test_a_failure_after_files_were_stored_removes_them(
    customer, mail_settings, monkeypatch, media_root
):
    from shangji.activities import services as activity_services

    real = activity_services.attachment_add
    calls = []

    def failing_second_time(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(activity_services, "attachment_add", failing_second_time)
    with pytest.raises(RuntimeError):
        email_import(
            actor=customer["rep"],
            raw=eml("utf8_alternative_attachments.eml"),
            opportunity=customer["opportunity"],
        )
    assert len(calls) == 2
    assert not Activity.objects.exists() and not Attachment.objects.exists()
    assert not [path for path in media_root.rglob("*") if path.is_file()]
