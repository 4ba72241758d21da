"""The inbound SMTP receiver through a real socket: opp-<id>@domain, the general address with
Bcc, refusals, and one activity per Message-ID."""

import smtplib
from email.message import EmailMessage as Message
from email.utils import format_datetime, make_msgid

import pytest
from django.utils import timezone

from shangji.activities.mail.inbound import InboundServer
from shangji.activities.models import Activity

from .conftest import GENERAL_ADDRESS, INBOUND_DOMAIN, eml, free_port

# The receiver writes from its own thread: the test cannot hold the data in a transaction.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def inbound(mail_settings):
    server = InboundServer("127.0.0.1", free_port()).start()
    yield server
    server.stop()


def send(server, raw: bytes, recipients: list[str], sender="someone@example.com") -> dict:
    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as client:
        return client.sendmail(sender, recipients, raw)


def message(*, sender, to, subject, body, in_reply_to=None) -> tuple[bytes, str]:
    mail = Message()
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Date"] = format_datetime(timezone.now())
    mail["Message-ID"] = make_msgid(domain="mail.example")
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    mail.set_content(body)
    return mail.as_bytes(), mail["Message-ID"]


def test_mail_to_the_opportunity_address(customer, inbound):
    opportunity, rep = customer["opportunity"], customer["rep"]
    address = f"opp-{opportunity.pk}@{INBOUND_DOMAIN.upper()}"
    raw = eml("utf8_alternative_attachments.eml")  # the address is in no header: a Bcc
    assert send(inbound, raw, [address], "wangfang@xincheng.example") == {}
    activity = Activity.objects.get(email__message_id="<alt.20260312@xincheng.example>")
    assert (activity.opportunity, activity.account, activity.owner) == (
        opportunity,
        opportunity.account,
        rep,
    )
    assert activity.subject == "合同草案和报价单（第二版）" and activity.direction == "inbound"
    assert sorted(p.contact.last_name for p in activity.participants.all()) == ["李", "王"]
    assert activity.attachments.count() == 3
    # Delivered again (a retry, a second copy): accepted, logged once.
    assert send(inbound, raw, [address]) == {}
    assert Activity.objects.filter(kind="email").count() == 1
    # GBK mail too.
    send(inbound, eml("gbk_base64_plain.eml"), [address])
    assert Activity.objects.get(email__message_id__contains="1234@xincheng").subject == (
        "关于春季新品陈列的报价"
    )


def test_unknown_recipients_are_refused(customer, inbound):
    raw = eml("gbk_8bit_raw_headers.eml")
    for address in [
        "opp-999999@" + INBOUND_DOMAIN,
        f"opp-{customer['opportunity'].pk}@other.example",
        "sales@" + INBOUND_DOMAIN,
    ]:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send(inbound, raw, [address])
        assert refused.value.recipients[address][0] == 550
    # One good recipient among bad ones: the message is taken, the bad one reported.
    good = f"opp-{customer['opportunity'].pk}@{INBOUND_DOMAIN}"
    assert send(inbound, raw, ["nobody@" + INBOUND_DOMAIN, good]) == {
        "nobody@" + INBOUND_DOMAIN: (
            550,
            f"5.1.1 <nobody@{INBOUND_DOMAIN}>: no such opportunity or address here".encode(),
        )
    }
    assert Activity.objects.filter(kind="email", opportunity=customer["opportunity"]).count() == 1


def test_general_address_with_bcc_goes_to_the_newest_open_opportunity(
    customer, inbound, make_opportunity
):
    from shangji.opportunities.services import opportunity_contact_set

    rep, wangfang = customer["rep"], customer["wangfang"]
    newer = make_opportunity(owner=rep, name="新城百货秋季订单")
    opportunity_contact_set(
        opportunity=newer, contact=wangfang, role="Business Decision Maker", actor=rep
    )
    closed = make_opportunity(owner=rep, name="已成交", stage="Closed Won")
    opportunity_contact_set(
        opportunity=closed, contact=wangfang, role="Business Decision Maker", actor=rep
    )
    # 王强 writes to 王芳 from his own mail program and Bccs the general address.
    raw, message_id = message(
        sender="王强 <wangqiang@shangpin.example>",
        to="王芳 <WangFang@XinCheng.example>",
        subject="秋季订单的交货时间",
        body="王经理，秋季订单十月初交货。",
    )
    assert send(inbound, raw, [GENERAL_ADDRESS], "wangqiang@shangpin.example") == {}
    activity = Activity.objects.get(email__message_id=message_id)
    assert activity.opportunity == newer and activity.direction == "outbound"
    assert activity.owner == rep
    assert [p.contact for p in activity.participants.all()] == [wangfang]
    # Her reply threads onto the same opportunity, even after another one became newer.
    make_opportunity(owner=rep, name="更新的商机")
    reply, reply_id = message(
        sender="wangfang@xincheng.example",
        to="wangqiang@shangpin.example",
        subject="回复：秋季订单的交货时间",
        body="收到。",
        in_reply_to=message_id,
    )
    send(inbound, reply, [GENERAL_ADDRESS.upper()])
    assert Activity.objects.get(email__message_id=reply_id).opportunity == newer
    # Both addresses at once: the opportunity address wins, one activity.
    both, both_id = message(
        sender="wangfang@xincheng.example", to="x@example.com", subject="两个地址", body="."
    )
    opportunity_address = f"opp-{customer['opportunity'].pk}@{INBOUND_DOMAIN}"
    send(inbound, both, [GENERAL_ADDRESS, opportunity_address])
    assert Activity.objects.get(email__message_id=both_id).opportunity == customer["opportunity"]
    send(inbound, both, [GENERAL_ADDRESS])
    assert Activity.objects.filter(email__message_id=both_id).count() == 1


def test_general_address_without_an_open_opportunity_or_a_known_contact(customer, inbound):
    from shangji.accounts.services import account_create
    from shangji.contacts.services import contact_create

    rep = customer["rep"]
    lonely = contact_create(
        actor=rep,
        account=account_create(actor=rep, name="无商机公司"),
        last_name="赵",
        email="zhao@lonely.example",
    )
    raw, message_id = message(
        sender="zhao@lonely.example", to="wangqiang@shangpin.example", subject="你好", body="."
    )
    send(inbound, raw, [GENERAL_ADDRESS])
    activity = Activity.objects.get(email__message_id=message_id)
    assert (activity.contact, activity.opportunity, activity.owner) == (lonely, None, rep)
    stranger, _id = message(
        sender="spam@unknown.example", to="wangqiang@shangpin.example", subject="广告", body="."
    )
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(inbound, stranger, [GENERAL_ADDRESS])
    assert refused.value.smtp_code == 550
    assert Activity.objects.filter(kind="email").count() == 1


def test_oversized_attachment_is_refused_with_552(customer, inbound, monkeypatch):
    monkeypatch.setattr("shangji.activities.services.MAX_ATTACHMENT_BYTES", 1000)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(
            inbound,
            eml("utf8_alternative_attachments.eml"),
            [f"opp-{customer['opportunity'].pk}@{INBOUND_DOMAIN}"],
        )
    assert refused.value.smtp_code == 552 and "合同草案.docx".encode() in refused.value.smtp_error
    assert not Activity.objects.exists()
