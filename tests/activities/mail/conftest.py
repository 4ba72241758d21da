"""E-mail fixtures: .eml files, a recording SMTP server on loopback, the seed's customers."""

import socket
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

FIXTURES = Path(__file__).parent / "fixtures"
INBOUND_DOMAIN = "crm.shangpin.example"
GENERAL_ADDRESS = "log@crm.shangpin.example"


def eml(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


class Recorder:
    """An SMTP server's handler that keeps what it receives; refuses the `refuse` recipients."""

    def __init__(self):
        self.received: list[Received] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 Message accepted for delivery"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def mail_settings(db):
    """Inbound addresses configured; outgoing mail through Django's default mailer."""
    from shangji.core.models import MailSettings

    MailSettings.objects.update_or_create(
        pk=1,
        defaults={
            "from_address": "crm@shangpin.example",
            "inbound_domain": INBOUND_DOMAIN,
            "inbound_address": GENERAL_ADDRESS,
        },
    )
    return MailSettings.current()


@pytest.fixture
def smtp_server(mail_settings):
    """A real SMTP server on a free loopback port, set as the outgoing server."""
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    mail_settings.smtp_host = "127.0.0.1"
    mail_settings.smtp_port = controller.port
    mail_settings.smtp_security = "none"
    mail_settings.save()
    recorder.port = controller.port
    yield recorder
    controller.stop()


@pytest.fixture
def customer(team_users, make_opportunity):
    """王强's opportunity at 新城百货 with 王芳 (decision maker) on it, and 李四 at the account."""
    from shangji.contacts.services import contact_create
    from shangji.opportunities.services import opportunity_contact_set

    rep = team_users["wangqiang"]
    rep.email = "wangqiang@shangpin.example"
    rep.save()
    opportunity = make_opportunity(owner=rep, name="新城百货春季陈列")
    account = opportunity.account
    wangfang = contact_create(
        actor=rep,
        account=account,
        last_name="王",
        first_name="芳",
        email="wangfang@xincheng.example",
    )
    lisi = contact_create(
        actor=rep, account=account, last_name="李", first_name="四", email="LISI@xincheng.example"
    )
    opportunity_contact_set(
        opportunity=opportunity, contact=wangfang, role="Primary Decision Maker", actor=rep
    )
    return {"rep": rep, "opportunity": opportunity, "wangfang": wangfang, "lisi": lisi}
