"""POST /emails (send) and /emails/import (.eml), through the e-mail services."""

import base64
import email
import email.policy

import pytest
from django.core import mail
from django.test import Client

from shangji.activities.models import Activity, EmailMessage
from shangji.contacts.services import contact_create
from tests.api.conftest import ACTIVITY_FIELDS

pytestmark = pytest.mark.django_db

INVALID_CHOICE = "Select a valid choice. That choice is not one of the available choices."


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def deal(team_users, make_opportunity):
    rep = team_users["wangqiang"]
    opportunity = make_opportunity(owner=rep, name="春季订货")
    contact = contact_create(
        actor=rep,
        account=opportunity.account,
        last_name="王",
        first_name="芳",
        email="wangfang@xincheng.example",
    )
    return opportunity, contact


def _gbk_message(message_id="<gbk.1@xincheng.example>") -> bytes:
    """A GBK message with an RFC 2047 subject, from 王芳, with a text attachment."""
    subject = "=?GBK?B?" + base64.b64encode("关于报价的回复".encode("gbk")).decode() + "?="
    sender = "=?GBK?B?" + base64.b64encode("王芳".encode("gbk")).decode() + "?="
    body = base64.b64encode("王强您好：\n价格可以接受，请寄样品。\n".encode("gbk")).decode()
    note = base64.b64encode("交期：四周".encode()).decode()
    return (
        f"From: {sender} <wangfang@xincheng.example>\r\n"
        "To: wangqiang@shangpin.example\r\n"
        f"Subject: {subject}\r\n"
        "Date: Thu, 12 Mar 2026 10:00:00 +0800\r\n"
        f"Message-ID: {message_id}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n'
        "\r\n"
        "--b1\r\n"
        'Content-Type: text/plain; charset="GBK"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        f"{body}\r\n"
        "--b1\r\n"
        'Content-Type: text/plain; charset="utf-8"; name="note.txt"\r\n'
        'Content-Disposition: attachment; filename="note.txt"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        f"{note}\r\n"
        "--b1--\r\n"
    ).encode("ascii")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_send_json_with_an_attachment(api_as, team_users, deal):
    rep = team_users["wangqiang"]
    opportunity, contact = deal
    response = api_as(rep).post(
        "/emails",
        {
            "opportunity": opportunity.pk,
            "to": ["王芳 <wangfang@xincheng.example>"],
            "cc": ["lisi@xincheng.example"],
            "subject": "报价单",
            "body_text": "王芳您好，附件是报价单。",
            "body_html": '<p onclick="x()">王芳您好<script>alert(1)</script></p>',
            "attachments": [
                {"filename": "报价单.txt", "content_type": "text/plain", "content": _b64(b"42")}
            ],
        },
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert set(data) == ACTIVITY_FIELDS
    activity = Activity.objects.get()
    assert (data["id"], data["kind"], data["direction"]) == (activity.pk, "email", "outbound")
    assert (data["subject"], data["body"]) == ("报价单", "王芳您好，附件是报价单。")
    assert (data["opportunity"], data["account"]) == (opportunity.pk, opportunity.account_id)
    assert data["attendees"] == [{"user": None, "contact": contact.pk, "name": "王芳"}]
    assert [(a["filename"], a["size"]) for a in data["attachments"]] == [("报价单.txt", 2)]
    stored = EmailMessage.objects.get()
    assert data["email"] == {
        "message_id": stored.message_id,
        "from_address": stored.from_address,
        "to_addresses": ["王芳 <wangfang@xincheng.example>"],
        "cc_addresses": ["lisi@xincheng.example"],
        "has_html": True,
    }
    assert "<script>" not in stored.body_html and "onclick" not in stored.body_html
    # What went out carries the logged Message-ID and the attachment.
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.extra_headers["Message-ID"] == stored.message_id
    assert sent.subject == "报价单"
    assert [name for name, _content, _type in sent.attachments] == ["报价单.txt"]


def test_send_multipart_with_uploads(team_users, deal):
    from shangji.users.services import api_token_create

    rep = team_users["wangqiang"]
    opportunity, _contact = deal
    _token, raw = api_token_create(user=rep)
    client = Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/api/v1/emails",
        {
            "opportunity": str(opportunity.pk),
            "account": "",
            "to": ["wangfang@xincheng.example", "lisi@xincheng.example"],
            "subject": "陈列方案",
            "body_text": "见附件",
            "attachments": [
                SimpleUploadedFile("方案.pdf", b"%PDF-1.4", "application/pdf"),
                SimpleUploadedFile("清单.csv", b"a,b\n1,2\n", "text/csv"),
            ],
        },
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["email"]["to_addresses"] == [
        "wangfang@xincheng.example",
        "lisi@xincheng.example",
    ]
    assert [a["filename"] for a in data["attachments"]] == ["方案.pdf", "清单.csv"]
    assert len(mail.outbox) == 1 and len(mail.outbox[0].attachments) == 2

    unknown = client.post(
        "/api/v1/emails",
        {
            "opportunity": str(opportunity.pk),
            "to": ["wangfang@xincheng.example"],
            "subject": "x",
            "photo": SimpleUploadedFile("a.png", b"x", "image/png"),
        },
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == {"photo": ["Extra inputs are not permitted"]}


@pytest.mark.parametrize(
    ("overrides", "status", "errors"),
    [
        ({"to": None}, 422, {"to": ["This field is required."]}),
        ({"to": []}, 400, {"to": ["Give at least one recipient."]}),
        ({"to": ["王芳"]}, 400, {"to": ["Not an e-mail address: 王芳"]}),
        ({"subject": " "}, 400, {"subject": ["Give the e-mail a subject."]}),
        ({"opportunity": 999999}, 400, {"opportunity": [INVALID_CHOICE]}),
        ({"colour": "red"}, 422, {"colour": ["Extra inputs are not permitted"]}),
        (
            {"attachments": [{"filename": "a.txt", "content": "%%%"}]},
            400,
            {"attachments.0.content": ["Enter a valid value."]},
        ),
        (
            {"opportunity": None},
            400,
            {"__all__": ["Choose the opportunity, account or contact this e-mail belongs to."]},
        ),
    ],
)
def test_send_validation(api_as, team_users, deal, overrides, status, errors):
    opportunity, _contact = deal
    body = {
        "opportunity": opportunity.pk,
        "to": ["wangfang@xincheng.example"],
        "subject": "报价单",
        "body_text": "您好",
    }
    body.update(overrides)
    body = {key: value for key, value in body.items() if not (key == "to" and value is None)}
    response = api_as(team_users["wangqiang"]).post("/emails", body)
    assert response.status_code == status, response.json()
    assert response.json()["errors"] == errors
    assert not Activity.objects.exists() and mail.outbox == []


def test_send_on_a_hidden_opportunity_is_refused(api_as, team_users, deal):
    opportunity, _contact = deal
    response = api_as(team_users["chenjing"]).post(
        "/emails",
        {"opportunity": opportunity.pk, "to": ["wangfang@xincheng.example"], "subject": "x"},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"opportunity": [INVALID_CHOICE]}
    assert mail.outbox == []


def test_import_json_then_the_same_message_again(api_as, team_users, deal):
    rep = team_users["wangqiang"]
    opportunity, contact = deal
    client = api_as(rep)
    response = client.post(
        "/emails/import", {"raw": _b64(_gbk_message()), "opportunity": opportunity.pk}
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["kind"], data["direction"]) == ("email", "inbound")
    assert data["subject"] == "关于报价的回复"
    assert "价格可以接受" in data["body"]
    assert data["occurred_at"] == "2026-03-12T02:00:00Z"
    assert data["opportunity"] == opportunity.pk
    assert data["attendees"] == [{"user": None, "contact": contact.pk, "name": "王芳"}]
    assert data["email"]["message_id"] == "<gbk.1@xincheng.example>"
    assert data["email"]["from_address"] == "王芳 <wangfang@xincheng.example>"
    assert data["email"]["to_addresses"] == ["wangqiang@shangpin.example"]
    assert data["email"]["has_html"] is False
    assert [(a["filename"], a["size"]) for a in data["attachments"]] == [
        ("note.txt", len("交期：四周".encode()))
    ]

    again = client.post("/emails/import", {"raw": _b64(_gbk_message())})
    assert again.status_code == 200
    assert again.json()["id"] == data["id"]
    assert Activity.objects.count() == 1


def test_import_multipart_links_to_the_known_contact(team_users, deal):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shangji.users.services import api_token_create

    rep = team_users["wangqiang"]
    _opportunity, contact = deal
    _token, raw = api_token_create(user=rep)
    client = Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})
    upload = SimpleUploadedFile("reply.eml", _gbk_message("<gbk.2@x>"), "message/rfc822")
    response = client.post("/api/v1/emails/import", {"file": upload})
    assert response.status_code == 201, response.json()
    data = response.json()
    # No record given: it goes on its first known contact.
    assert (data["contact"], data["account"], data["opportunity"]) == (
        contact.pk,
        contact.account_id,
        None,
    )
    parsed = email.message_from_bytes(_gbk_message(), policy=email.policy.default)
    assert data["subject"] == parsed["subject"]

    missing = client.post("/api/v1/emails/import", {"contact": str(contact.pk)})
    assert missing.status_code == 400
    assert missing.json()["errors"] == {
        "file": ["No file was submitted. Check the encoding type on the form."]
    }


@pytest.mark.parametrize(
    ("body", "status", "errors"),
    [
        ({}, 400, {"raw": ["This field is required."]}),
        ({"raw": "not base64!"}, 400, {"raw": ["Enter a valid value."]}),
        ({"raw": _b64(b"hello")}, 400, {"raw": ["This is not an e-mail message (.eml)."]}),
        ({"raw": "", "file": "x"}, 422, {"file": ["Extra inputs are not permitted"]}),
    ],
)
def test_import_validation(api_as, team_users, deal, body, status, errors):
    opportunity, _contact = deal
    response = api_as(team_users["wangqiang"]).post(
        "/emails/import", {"opportunity": opportunity.pk, **body}
    )
    assert response.status_code == status, response.json()
    assert response.json()["errors"] == errors
    assert not Activity.objects.exists()


def test_import_onto_a_hidden_opportunity_is_refused(api_as, team_users, deal):
    opportunity, _contact = deal
    response = api_as(team_users["chenjing"]).post(
        "/emails/import", {"raw": _b64(_gbk_message()), "opportunity": opportunity.pk}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"opportunity": [INVALID_CHOICE]}
    assert not Activity.objects.exists()


def test_a_json_body_that_is_not_json_is_400(api_as, team_users):
    client = api_as(team_users["wangqiang"]).client
    response = client.post("/api/v1/emails/import", data="{", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}


def test_a_browser_session_uploads_with_its_csrf_token(team_users, deal):
    from django.core.files.uploadedfile import SimpleUploadedFile

    rep = team_users["wangqiang"]
    opportunity, _contact = deal
    client = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    client.force_login(rep)

    def upload(**headers):
        message = SimpleUploadedFile("reply.eml", _gbk_message(), "message/rfc822")
        return client.post(
            "/api/v1/emails/import",
            {"file": message, "opportunity": str(opportunity.pk)},
            headers=headers,
        )

    assert upload().status_code == 403
    assert not Activity.objects.exists()
    client.get("/api/v1/docs")  # hands out the CSRF cookie, as a page would
    response = upload(**{"X-CSRFToken": client.cookies["csrftoken"].value})
    assert response.status_code == 201, response.json()
    assert response.json()["opportunity"] == opportunity.pk
