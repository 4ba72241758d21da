"""The inbound SMTP receiver (`shangji mail-inbound`): mail to the application becomes activities.

Routing, decided per message:

* a recipient (To, Cc or Bcc — the envelope's RCPT TO) `opp-<id>@<inbound domain>` logs the
  message on that opportunity, as its owner;
* the general inbound address logs it on the opportunity of the thread it replies to
  (In-Reply-To a logged e-mail), else on the most recently changed open opportunity of the
  contacts in From/To/Cc (their contact roles first, then their accounts'), else on the first
  such contact; every matching contact becomes a participant;
* anything else is refused: an unknown recipient with 550 at RCPT TO, a message to the general
  address that matches no contact with 550 after DATA — the sender's server bounces it, so the
  person who sent it learns it was not logged.

A Message-ID already logged is accepted (250) and not logged again. Database work runs in one
worker thread, one message at a time, outside the SMTP event loop.
"""

import logging
import re
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import translation

from shangji.activities.models import EmailMessage
from shangji.core.errors import field_errors
from shangji.core.models import MailSettings
from shangji.opportunities.models import Opportunity

from .parsing import ParsedEmail, parse_message
from .services import MAX_MESSAGE_BYTES, contacts_for_addresses, email_import

logger = logging.getLogger(__name__)

OPPORTUNITY_ADDRESS = re.compile(r"^opp-(\d{1,18})$")


def _fresh_connections(function):
    """Run `function` with database connections that are closed again afterwards."""

    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    return run


def recipient_route(address: str) -> tuple[str, int | None] | None:
    """("opportunity", id) or ("general", None) for an address this server takes, else None."""
    row = MailSettings.current()
    address = address.strip().strip("<>").lower()
    local, _at, domain = address.rpartition("@")
    if row.general_address and address == row.general_address:
        return ("general", None)
    match = OPPORTUNITY_ADDRESS.match(local)
    if row.domain and domain == row.domain and match:
        opportunity_id = int(match.group(1))
        if Opportunity.objects.filter(pk=opportunity_id).exists():
            return ("opportunity", opportunity_id)
    return None


def _own_addresses() -> set[str]:
    from shangji.users.models import User

    row = MailSettings.current()
    own = {row.general_address, row.sender.lower()}
    own |= {
        email.lower() for email in User.objects.exclude(email="").values_list("email", flat=True)
    }
    return own


def general_route(parsed: ParsedEmail):
    """(opportunity, contact, actor) for a message to the general address, or None."""
    if parsed.in_reply_to:
        earlier = (
            EmailMessage.objects.filter(
                message_id=parsed.in_reply_to, activity__opportunity__isnull=False
            )
            .select_related("activity__opportunity__owner")
            .first()
        )
        if earlier is not None:
            opportunity = earlier.activity.opportunity
            return opportunity, None, opportunity.owner
    own = _own_addresses()
    contacts = contacts_for_addresses(
        [address for address in parsed.addresses if address not in own]
    )
    if not contacts:
        return None
    newest_first = ("-updated_at", "-id")
    opportunities = Opportunity.objects.open().select_related("owner").order_by(*newest_first)
    opportunity = (
        opportunities.filter(contact_roles__contact__in=contacts).first()
        or opportunities.filter(account__in={contact.account_id for contact in contacts}).first()
    )
    if opportunity is not None:
        return opportunity, None, opportunity.owner
    return None, contacts[0], contacts[0].owner


def deliver(raw: bytes, recipients: list[str]) -> str:
    """Log one received message; the SMTP reply to give its sender (in English)."""
    with translation.override("en"):
        return _deliver(raw, recipients)


def _deliver(raw: bytes, recipients: list[str]) -> str:
    routes = [route for route in map(recipient_route, recipients) if route]
    opportunity_ids = [target for kind, target in routes if kind == "opportunity"]
    try:
        parsed = parse_message(raw)
        if EmailMessage.objects.filter(message_id=parsed.message_id).exists():
            return "250 2.0.0 Already logged"
        contact = None
        if opportunity_ids:
            opportunity = Opportunity.objects.select_related("owner").get(pk=opportunity_ids[0])
            actor = opportunity.owner
        elif routes:
            route = general_route(parsed)
            if route is None:
                return "550 5.1.1 No contact in Shangji matches the sender or the recipients"
            opportunity, contact, actor = route
        else:
            return "554 5.5.1 No valid recipients"
        activity = email_import(
            actor=actor,
            raw=raw,
            opportunity=opportunity,
            contact=contact if not opportunity else None,
        )
    except ValidationError as error:
        reasons = "; ".join(
            message for messages in field_errors(error).values() for message in messages
        )
        code = "552 5.3.4" if "attachments" in field_errors(error) else "550 5.6.0"
        logger.info("Refused inbound message: %s", reasons)
        return f"{code} {reasons}".replace("\r", " ").replace("\n", " ")
    except Exception:
        logger.exception("Inbound message could not be logged")
        return "451 4.3.0 Could not log the message now; try again later"
    return f"250 2.0.0 Logged as activity {activity.pk}"


class InboundHandler:
    """aiosmtpd hooks: check each recipient, log each message; the database in a thread."""

    def __init__(self):
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-inbound")

    async def _in_thread(self, function, *args):
        import asyncio

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, _fresh_connections(function), *args)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if await self._in_thread(recipient_route, address) is None:
            return f"550 5.1.1 <{address}>: no such opportunity or address here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        return await self._in_thread(deliver, raw, list(envelope.rcpt_tos))

    def close(self) -> None:
        self.executor.shutdown(wait=True)


class InboundServer:
    """The SMTP receiver, in a background thread: `start()`, `stop()`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 2525):
        self.handler = InboundHandler()
        self.controller = Controller(
            self.handler,
            hostname=host,
            port=port,
            data_size_limit=MAX_MESSAGE_BYTES,
            enable_SMTPUTF8=True,
            ident="Shangji mail-inbound",
        )

    @property
    def port(self) -> int:
        return self.controller.port

    def start(self) -> "InboundServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
        self.handler.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


def check_configured() -> MailSettings:
    """The mail settings, if they name an inbound domain or a general address."""
    row = MailSettings.current()
    if not (row.domain or row.general_address):
        from django.core.management.base import CommandError
        from django.utils.translation import gettext as _

        raise CommandError(
            _(
                "Set the inbound domain or the general inbound address first "
                "(the e-mail settings page, or EMAIL_INBOUND_DOMAIN / EMAIL_INBOUND_ADDRESS)."
            )
        )
    connections.close_all()
    return row


def serve_forever(host: str, port: int, *, stop: threading.Event | None = None) -> None:
    """Receive mail on host:port until SIGINT/SIGTERM (or `stop` is set)."""
    from django.utils.translation import gettext as _

    row = check_configured()
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_args: stop.set())
    with InboundServer(host, port):
        print(
            _("Receiving mail on %(host)s:%(port)s — opp-<number>@%(domain)s, general: %(general)s")
            % {
                "host": host,
                "port": port,
                "domain": row.domain or "—",
                "general": row.general_address or "—",
            },
            flush=True,
        )
        stop.wait()
