"""Every write of e-mail: sending from an opportunity, importing a message (an uploaded .eml or
inbound mail), and the SMTP settings.

A message is logged once: `EmailMessage.message_id` is unique, and importing a Message-ID that
is already logged returns the activity logged before (with `already_logged = True`) and
changes nothing.
"""

import datetime
import logging
import smtplib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.core.mail.utils import DNS_NAME
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.activities import services as activity_services
from shangji.activities.choices import ActivityKind, Direction
from shangji.activities.models import Activity, ActivityParticipant, Attachment, EmailMessage
from shangji.contacts.models import Contact
from shangji.core.errors import PermissionDeniedError
from shangji.core.mail import outgoing_connection
from shangji.core.models import MailSettings
from shangji.core.uploads import check_attachments
from shangji.core.writes import clean_or_raise
from shangji.webhooks.services import event_record

from .parsing import Address, join_addresses, parse_addresses, parse_message
from .sanitising import sanitise_html

logger = logging.getLogger(__name__)

# A whole message (an uploaded .eml or one received by `shangji mail-inbound`).
MAX_MESSAGE_BYTES = 50 * 2**20
MAIL_SETTINGS_FIELDS = {
    "smtp_host",
    "smtp_port",
    "smtp_username",
    "smtp_password",
    "smtp_security",
    "from_address",
    "inbound_domain",
    "inbound_address",
}


@dataclass
class OutgoingFile:
    """An attachment read into memory: it is sent, then stored."""

    name: str
    content_type: str
    content: bytes


def _size_limit() -> int:
    # Read at call time: the one limit of activities.services, also for e-mail.
    return activity_services.MAX_ATTACHMENT_BYTES


def _too_large(name: str) -> str:
    return _("“%(name)s” is larger than %(limit)s MB.") % {
        "name": name,
        "limit": _size_limit() // 2**20,
    }


def _message_too_large() -> ValidationError:
    limit = MAX_MESSAGE_BYTES // 2**20
    return ValidationError(
        {"raw": [_("The message is larger than %(limit)s MB.") % {"limit": limit}]}
    )


def contacts_for_addresses(addresses: list[str]) -> list[Contact]:
    """The contacts whose e-mail is one of `addresses` (any case), in the addresses' order."""
    wanted = [address.strip().lower() for address in addresses if address and "@" in address]
    if not wanted:
        return []
    query = Q()
    for address in wanted:
        query |= Q(email__iexact=address)
    rank = {address: position for position, address in enumerate(wanted)}
    contacts = list(Contact.objects.filter(query).select_related("account"))
    contacts.sort(key=lambda contact: (rank.get(contact.email.lower(), len(rank)), contact.pk))
    return contacts


def _clean_recipients(values, field: str, *, required: bool) -> list[Address]:
    """`values` (bare addresses or "Name <address>") as mailboxes, each one checked."""
    if isinstance(values, str):
        values = [values]
    values = [str(value).strip() for value in values or () if str(value).strip()]
    if any("\n" in value or "\r" in value for value in values):
        raise ValidationError({field: [_("An address cannot span several lines.")]})
    mailboxes: list[Address] = []
    invalid: list[str] = []
    for value in values:
        found = parse_addresses([value])
        for mailbox in found:
            try:
                validate_email(mailbox.email)
            except ValidationError:
                invalid.append(mailbox.email)
            else:
                if mailbox.email.lower() not in {known.email.lower() for known in mailboxes}:
                    mailboxes.append(mailbox)
        if not found:
            invalid.append(value)
    if invalid:
        raise ValidationError(
            {field: [_("Not an e-mail address: %(list)s") % {"list": ", ".join(invalid)}]}
        )
    if required and not mailboxes:
        raise ValidationError({field: [_("Give at least one recipient.")]})
    return mailboxes


def _read_files(attachments) -> list[OutgoingFile]:
    check_attachments(attachments)
    files, errors = [], []
    for upload in attachments or ():
        name = (getattr(upload, "name", "") or "attachment").rsplit("/", 1)[-1][:255]
        if upload.size is not None and upload.size > _size_limit():
            errors.append(_too_large(name))
            continue
        upload.seek(0)
        content = upload.read()
        if len(content) > _size_limit():
            errors.append(_too_large(name))
            continue
        content_type = getattr(upload, "content_type", None) or "application/octet-stream"
        files.append(OutgoingFile(name=name, content_type=content_type, content=content))
    if errors:
        raise ValidationError({"attachments": errors})
    return files


def _text(reason) -> str:
    return reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)


def _delivery_error(error: Exception) -> str:
    """Why the SMTP server did not take the message, in words an administrator can act on."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{address}: {code} {_text(reason)}"
            for address, (code, reason) in error.recipients.items()
        )
        return _("the server refused the recipients (%(list)s)") % {"list": refused}
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return _("the server did not accept the user name and password")
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error, ConnectionRefusedError):
        return _("the SMTP server refused the connection")
    if isinstance(error, TimeoutError):
        return _("the SMTP server did not answer in time")
    return str(error) or error.__class__.__name__


def _send(message) -> None:
    """Hand `message` to the outgoing server; any failure is a ValidationError."""
    try:
        connection = outgoing_connection()
        sent = connection.send_messages([message])
    except (smtplib.SMTPException, OSError, ValueError) as error:
        logger.warning("Sending e-mail failed: %r", error)
        raise ValidationError(
            _("The e-mail could not be sent: %(reason)s.") % {"reason": _delivery_error(error)}
        ) from error
    if not sent:
        raise ValidationError(_("The e-mail could not be sent."))


def _require_link(opportunity, account, contact) -> None:
    if opportunity is None and account is None and contact is None:
        raise ValidationError(
            _("Choose the opportunity, account or contact this e-mail belongs to.")
        )


def _write_log(
    *,
    actor,
    owner,
    direction: str,
    message_id: str,
    in_reply_to: str,
    subject: str,
    sender: str,
    to: str,
    cc: str,
    body_text: str,
    body_html: str,
    when,
    opportunity,
    account,
    contact,
    participants: list[Contact],
    files: list[OutgoingFile],
    stored: list[str],
) -> Activity:
    """Write the activity, its e-mail row, participants and attachments (inside a transaction).

    The names of stored files are appended to `stored`, for removal if the transaction fails.
    """
    activity = Activity(
        kind=ActivityKind.EMAIL,
        direction=direction,
        subject=subject[:255],
        body=body_text,
        starts_at=when,
        occurred_at=when,
        owner=owner,
        created_by=actor,
        updated_by=actor,
        opportunity=opportunity,
        account=account,
        contact=contact,
    )
    activity_services.fill_links(activity)
    clean_or_raise(activity)
    activity.save()
    event_record(kind="activity", action="created", actor=actor, record=activity)
    EmailMessage.objects.create(
        activity=activity,
        message_id=message_id,
        in_reply_to=in_reply_to[:255],
        from_address=sender[:320],
        to_addresses=to,
        cc_addresses=cc,
        body_html=body_html,
    )
    ActivityParticipant.objects.bulk_create(
        [ActivityParticipant(activity=activity, contact=person) for person in participants]
    )
    for item in files:
        upload = SimpleUploadedFile(item.name, item.content, item.content_type)
        attachment = activity_services.attachment_add(activity=activity, upload=upload, actor=actor)
        stored.append(attachment.file.name)
    return activity


def _remove_files(names: list[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # pragma: no cover - the file is gone already
            logger.warning("Could not remove %s", name)


def _message_id_domain(row: MailSettings) -> str:
    if row.domain:
        return row.domain
    sender = row.sender
    return sender.rsplit("@", 1)[-1].strip(">") if "@" in sender else str(DNS_NAME)


def email_send(
    *,
    actor,
    opportunity=None,
    account=None,
    contact=None,
    to: list[str],
    cc: list[str] = (),
    subject: str,
    body_text: str,
    body_html: str = "",
    attachments=(),
) -> Activity:
    """Send an e-mail through the outgoing server and log it; nothing is logged if it fails."""
    errors: dict[str, list] = {}
    recipients: dict[str, list[Address]] = {}
    for field, values, required in (("to", to, True), ("cc", cc, False)):
        try:
            recipients[field] = _clean_recipients(values, field, required=required)
        except ValidationError as error:
            errors.update(error.message_dict)
    subject = " ".join((subject or "").split())
    if not subject:
        errors["subject"] = [_("Give the e-mail a subject.")]
    try:
        files = _read_files(attachments)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    _require_link(opportunity, account, contact)
    activity_services._require_visible_links(actor, opportunity)

    row = MailSettings.current()
    message_id = make_msgid(domain=_message_id_domain(row))
    sender = Address(name=actor.display_name, email=row.sender)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body_text or "",
        from_email=str(sender),
        to=[str(mailbox) for mailbox in recipients["to"]],
        cc=[str(mailbox) for mailbox in recipients["cc"]],
        reply_to=[actor.email] if actor.email else None,
        headers={"Message-ID": message_id},
    )
    if body_html:
        message.attach_alternative(body_html, "text/html")
    for item in files:
        message.attach(item.name, item.content, item.content_type)
    _send(message)

    now = timezone.now()
    stored: list[str] = []
    try:
        with transaction.atomic():
            return _write_log(
                actor=actor,
                owner=actor,
                direction=Direction.OUTBOUND,
                message_id=message_id,
                in_reply_to="",
                subject=subject,
                sender=str(sender),
                to=join_addresses(recipients["to"]),
                cc=join_addresses(recipients["cc"]),
                body_text=body_text or "",
                body_html=sanitise_html(body_html),
                when=now,
                opportunity=opportunity,
                account=account,
                contact=contact,
                participants=contacts_for_addresses(
                    [mailbox.email for mailbox in recipients["to"] + recipients["cc"]]
                ),
                files=files,
                stored=stored,
            )
    except Exception:
        logger.exception("E-mail %s was sent but could not be logged", message_id)
        _remove_files(stored)
        raise


def _already_logged(message_id: str, actor) -> Activity | None:
    """The activity that logged `message_id`, if any (refused if the actor may not see it)."""
    existing = Activity.objects.filter(email__message_id=message_id).first()
    if existing is None:
        return None
    if not Activity.objects.visible_to(actor).filter(pk=existing.pk).exists():
        raise ValidationError(_("This e-mail is already logged on a record you cannot see."))
    existing.already_logged = True
    return existing


def _is_own_address(address: str) -> bool:
    from shangji.users.models import User

    row = MailSettings.current()
    if address in {row.sender.lower(), row.general_address}:
        return True
    return User.objects.filter(email__iexact=address, is_active=True).exists()


def email_import(*, actor, raw: bytes, opportunity=None, account=None, contact=None) -> Activity:
    """Log an RFC 822 message (an uploaded .eml or inbound mail) on the given record.

    Headers and bodies are decoded, the HTML sanitised, attachments kept (each within the
    attachment size limit), the contacts in From/To/Cc become participants. Without a
    record, the message goes on its first known contact. A Message-ID already logged returns
    that activity, marked `already_logged`, and writes nothing.
    """
    if len(raw) > MAX_MESSAGE_BYTES:
        raise _message_too_large()
    activity_services._require_visible_links(actor, opportunity)
    parsed = parse_message(raw)
    if parsed.sender is None and not parsed.subject and not (parsed.to or parsed.cc):
        raise ValidationError({"raw": [_("This is not an e-mail message (.eml).")]})
    existing = _already_logged(parsed.message_id, actor)
    if existing is not None:
        return existing
    too_large = [item.filename for item in parsed.attachments if item.size > _size_limit()]
    if too_large:
        raise ValidationError({"attachments": [_too_large(name) for name in too_large]})
    participants = contacts_for_addresses(parsed.addresses)
    if opportunity is None and account is None and contact is None and participants:
        contact = participants[0]
    _require_link(opportunity, account, contact)

    now = timezone.now()
    when = parsed.date if parsed.date and parsed.date <= now + datetime.timedelta(days=1) else now
    sender_email = parsed.sender.email.lower() if parsed.sender else ""
    direction = (
        Direction.OUTBOUND if sender_email and _is_own_address(sender_email) else Direction.INBOUND
    )
    stored: list[str] = []
    try:
        with transaction.atomic():
            activity = _write_log(
                actor=actor,
                owner=actor,
                direction=direction,
                message_id=parsed.message_id,
                in_reply_to=parsed.in_reply_to,
                subject=parsed.subject,
                sender=str(parsed.sender) if parsed.sender else "",
                to=join_addresses(parsed.to),
                cc=join_addresses(parsed.cc),
                body_text=parsed.body_text,
                body_html=sanitise_html(parsed.body_html),
                when=when,
                opportunity=opportunity,
                account=account,
                contact=contact,
                participants=participants,
                files=[
                    OutgoingFile(item.filename, item.content_type, item.content)
                    for item in parsed.attachments
                ],
                stored=stored,
            )
    except IntegrityError:
        # Logged by someone else at the same moment: the unique Message-ID decided.
        _remove_files(stored)
        existing = _already_logged(parsed.message_id, actor)
        if existing is None:
            raise
        return existing
    except Exception:
        _remove_files(stored)
        raise
    activity.already_logged = False
    return activity


def _require_admin(actor) -> None:
    if not getattr(actor, "is_admin", False):
        raise PermissionDeniedError(_("Only administrators can change the e-mail settings."))


def mail_settings_update(*, actor, **changes) -> MailSettings:
    """Change the SMTP and inbound settings (administrators only). A password of None keeps
    the stored one."""
    _require_admin(actor)
    unknown = set(changes) - MAIL_SETTINGS_FIELDS
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    if changes.get("smtp_password", "") is None:
        del changes["smtp_password"]
    with transaction.atomic():
        row = MailSettings.current()
        row = MailSettings.objects.select_for_update().get(pk=row.pk)
        for name, value in changes.items():
            if isinstance(value, str):
                value = value.strip()
                if name in {"inbound_domain", "inbound_address"}:
                    value = value.lower()
            setattr(row, name, value)
        row.updated_by = actor
        clean_or_raise(row)
        row.save()
        return row


def mail_test_send(*, actor, to: str) -> None:
    """Send a short test message with the current settings (administrators only)."""
    _require_admin(actor)
    recipients = _clean_recipients([to], "to", required=True)
    row = MailSettings.current()
    message = EmailMultiAlternatives(
        subject=_("Shangji test e-mail"),
        body=_("The e-mail settings of Shangji work: this message was delivered."),
        from_email=row.sender,
        to=[str(mailbox) for mailbox in recipients],
        headers={"Message-ID": make_msgid(domain=_message_id_domain(row))},
    )
    _send(message)
