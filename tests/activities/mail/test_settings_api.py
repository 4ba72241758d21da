"""The e-mail settings through the API: read, change, and a test message over real SMTP."""

import pytest

from shangji.core.models import MailSettings
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_admin_reads_and_changes_settings_and_the_password_is_never_shown(team_users):
    api = ApiClient(team_users["admin"])
    changed = api.patch(
        "/mail-settings",
        {
            "smtp_host": "smtp.example.com",
            "smtp_port": 465,
            "smtp_security": "ssl",
            "smtp_username": "crm",
            "smtp_password": "s3cret",
            "from_address": "crm@example.com",
        },
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["smtp_host"] == "smtp.example.com" and body["smtp_port"] == 465
    assert body["has_password"] is True and "smtp_password" not in body
    row = MailSettings.current()
    assert (row.smtp_security, row.smtp_password, row.updated_by) == (
        "ssl",
        "s3cret",
        team_users["admin"],
    )
    # A null password keeps the stored one; the page's rules apply (a bad address is refused).
    api.patch("/mail-settings", {"smtp_password": None})
    assert MailSettings.current().smtp_password == "s3cret"
    refused = api.patch("/mail-settings", {"from_address": "not an address"})
    assert refused.status_code == 400 and "from_address" in refused.json()["errors"]
    assert MailSettings.current().from_address == "crm@example.com"
    assert api.get("/mail-settings").json()["smtp_username"] == "crm"


def test_only_administrators_see_or_change_mail_settings(team_users):
    api = ApiClient(team_users["zhangyue"])
    assert api.get("/mail-settings").status_code == 403
    assert api.patch("/mail-settings", {"smtp_host": "evil.example"}).status_code == 403
    assert MailSettings.current().smtp_host != "evil.example"


def test_test_message_goes_through_the_real_smtp_server(team_users, smtp_server):
    api = ApiClient(team_users["admin"])
    sent = api.post("/mail-settings/test", {"to": "it@shangpin.example"})
    assert sent.status_code == 202, sent.content
    assert sent.json()["detail"] == "A test e-mail was sent to it@shangpin.example."
    [message] = smtp_server.received
    assert message.rcpt_tos == ["it@shangpin.example"]
    assert b"Shangji test e-mail" in message.content


def test_a_refused_test_message_is_a_clear_400(team_users, smtp_server):
    smtp_server.refuse.add("nobody@shangpin.example")
    api = ApiClient(team_users["admin"], language="zh-hans")
    refused = api.post("/mail-settings/test", {"to": "nobody@shangpin.example"})
    assert refused.status_code == 400
    assert "邮件" in refused.json()["detail"]
    assert smtp_server.received == []
