"""Every write to leads: create, change, assign, delete, and the one-step conversion."""

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.accounts.services import account_create
from shangji.activities.models import Activity, ActivityParticipant, Attachment
from shangji.audit.services import audit_deletion
from shangji.contacts.services import contact_create
from shangji.core.errors import PermissionDeniedError
from shangji.core.writes import apply_changes, clean_or_raise, lock_current
from shangji.opportunities.choices import ContactRole
from shangji.opportunities.services import opportunity_create
from shangji.users.models import Notification
from shangji.webhooks.services import event_record, events_record_bulk

from .choices import ActivityHandling, LeadStatus
from .models import Lead
from .querysets import may_edit_lead

LEAD_FIELDS = {
    "first_name",
    "last_name",
    "company",
    "title",
    "email",
    "phone",
    "mobile",
    "source",
    "status",
    "owner",
    "description",
    "external_id",
}
_TEXT_FIELDS = LEAD_FIELDS - {"owner", "status", "source"}


def _require_edit(actor, lead: Lead) -> None:
    if not may_edit_lead(actor, lead.owner):
        raise PermissionDeniedError()


def _refuse_converted(lead: Lead) -> None:
    if lead.is_converted:
        raise ValidationError(
            {"__all__": [_("This lead is converted; change what it became instead.")]}
        )


def _clean_text(changes: dict) -> dict:
    return {
        name: (value or "").strip() if name in _TEXT_FIELDS else value
        for name, value in changes.items()
    }


def _rules(lead: Lead, changed: set[str], *, creating: bool, actor) -> dict[str, list]:
    """The rules of a lead's fields; returns errors as {field: [messages]}."""
    errors: dict[str, list] = {}
    if not (lead.first_name or lead.last_name or lead.company):
        errors["last_name"] = [_("Give the lead a name or a company.")]
    if lead.status == LeadStatus.CONVERTED and (creating or "status" in changed):
        errors["status"] = [_("A lead becomes converted only by converting it.")]
    if ("owner" in changed or creating) and lead.owner_id:
        if not lead.owner.is_active:
            errors.setdefault("owner", []).append(_("This user is deactivated."))
        # Giving a new lead to someone is assigning it (creating one's own lead is not).
        assigned = not creating or lead.owner_id != actor.pk
        if assigned and lead.status == LeadStatus.NEW:
            lead.status = LeadStatus.ASSIGNED
    if lead.external_id and ("external_id" in changed or creating):
        taken = Lead.objects.filter(external_id=lead.external_id).exclude(pk=lead.pk)
        if taken.exists():
            errors["external_id"] = [_("Another lead has this external ID.")]
    return errors


def _notify_assignment(lead: Lead, actor) -> None:
    if lead.owner_id is None or lead.owner_id == actor.pk:
        return
    Notification.objects.create(
        recipient_id=lead.owner_id,
        actor=actor,
        verb="lead_assigned",
        params={"actor": actor.display_name, "name": lead.display_name},
        url=lead.get_absolute_url(),
    )


def lead_create(*, actor, owner=None, **fields) -> Lead:
    """Create a lead owned by `owner` (None: unassigned); given to someone else, it is Assigned."""
    with transaction.atomic():
        lead = Lead(created_by=actor, updated_by=actor)
        changed = apply_changes(lead, _clean_text({**fields, "owner": owner}), LEAD_FIELDS)
        if not lead.status:
            lead.status = LeadStatus.NEW
        errors = _rules(lead, changed, creating=True, actor=actor)
        clean_or_raise(lead, errors)
        lead.save()
        event_record(kind="lead", action="created", actor=actor, record=lead)
        _notify_assignment(lead, actor)
        return lead


def lead_update(*, lead: Lead, actor, version: int, **changes) -> Lead:
    """Change a lead the actor may edit; a stale `version` or a converted lead changes nothing."""
    with transaction.atomic():
        current = lock_current(lead, version)
        _require_edit(actor, current)
        _refuse_converted(current)
        before_owner = current.owner_id
        changed = apply_changes(current, _clean_text(changes), LEAD_FIELDS)
        errors = _rules(current, changed, creating=False, actor=actor)
        clean_or_raise(current, errors)
        if not changed:
            return current
        current.version += 1
        current.updated_by = actor
        current.save()
        event_record(kind="lead", action="updated", actor=actor, record=current, changed=changed)
        if current.owner_id != before_owner:
            _notify_assignment(current, actor)
        return current


def lead_assign(*, lead: Lead, owner, actor, version: int) -> Lead:
    """Give the lead to `owner`, who is notified; a New lead becomes Assigned."""
    return lead_update(lead=lead, actor=actor, version=version, owner=owner)


def lead_delete(*, lead: Lead, actor, version: int) -> None:
    """Delete a lead that is not converted, with its activities."""
    with transaction.atomic():
        current = lock_current(lead, version)
        _require_edit(actor, current)
        _refuse_converted(current)
        event_record(kind="lead", action="deleted", actor=actor, record=current)
        events_record_bulk(
            kind="activity", action="deleted", actor=actor, records=current.activities.all()
        )
        audit_deletion(actor=actor, record=current)
        current.delete()


def _prefixed(error: ValidationError, prefix: str, errors: dict) -> None:
    for field, messages in error.message_dict.items():
        key = prefix if field == "__all__" else f"{prefix}_{field}"
        errors.setdefault(key, []).extend(messages)


def _pick_one(existing, new, name: str, errors: dict) -> bool:
    """Whether exactly one of an existing record and a new one's fields was given."""
    if (existing is None) != (not new):
        return True
    message = {
        "account": _("Choose an existing account or create a new one (one of the two)."),
        "contact": _("Choose an existing contact or create a new one (one of the two)."),
    }[name]
    errors.setdefault(name, []).append(message)
    return False


# What an opportunity needs from the conversion form; the rest has defaults.
_OPPORTUNITY_REQUIRED = ("name", "amount", "currency", "close_date", "stage")


def lead_convert(
    *,
    lead: Lead,
    actor,
    version: int,
    account=None,
    new_account: dict | None = None,
    contact=None,
    new_contact: dict | None = None,
    opportunity: dict | None = None,
    activities: str = ActivityHandling.MOVE,
) -> Lead:
    """Turn a lead into an account, a contact and optionally an opportunity, in one transaction.

    `account`/`contact` pick existing records; `new_account`/`new_contact` are the fields of new
    ones (exactly one of each pair). `opportunity` holds opportunity_create's fields (the
    account, the contact as primary decision maker, the lead's source and owner are filled in).
    `activities` moves the lead's activities to the new records, copies them, or keeps them.
    Errors of the new records come back under `new_account_*`, `new_contact_*` and
    `opportunity_*`; on any error nothing is written.
    """
    if activities not in ActivityHandling.values:
        raise ValidationError({"activities": [_("Choose what happens to the activities.")]})
    with transaction.atomic():
        current = lock_current(lead, version)
        _require_edit(actor, current)
        if current.is_converted:
            raise ValidationError({"__all__": [_("This lead is already converted.")]})
        owner = current.owner or actor
        errors: dict[str, list] = {}
        if _pick_one(account, new_account, "account", errors) and new_account:
            try:
                account = account_create(actor=actor, **{"owner": owner, **new_account})
            except ValidationError as error:
                _prefixed(error, "new_account", errors)
                account = None
        if _pick_one(contact, new_contact, "contact", errors) and new_contact and account:
            try:
                contact = contact_create(
                    actor=actor, **{"owner": owner, **new_contact, "account": account}
                )
            except ValidationError as error:
                _prefixed(error, "new_contact", errors)
                contact = None
        deal = None
        if opportunity is not None and account is not None and contact is not None:
            fields = {"owner": owner, "lead_source": current.source, **opportunity}
            for name in ("account", "new_account", "new_contact", "contacts", "actor"):
                fields.pop(name, None)
            missing = [name for name in _OPPORTUNITY_REQUIRED if fields.get(name) in (None, "")]
            for name in missing:
                errors.setdefault(f"opportunity_{name}", []).append(_("This field is required."))
            try:
                if not missing:
                    deal = opportunity_create(
                        actor=actor,
                        account=account,
                        contacts=[(contact, ContactRole.PRIMARY_DECISION_MAKER)],
                        **fields,
                    )
            except ValidationError as error:
                _prefixed(error, "opportunity", errors)
        if errors:
            raise ValidationError(errors)
        _carry_activities(current, activities, actor, account, contact, deal)
        current.status = LeadStatus.CONVERTED
        current.converted_at = timezone.now()
        current.converted_by = actor
        current.converted_account = account
        current.converted_contact = contact
        current.converted_opportunity = deal
        current.version += 1
        current.updated_by = actor
        current.save()
        event_record(kind="lead", action="converted", actor=actor, record=current)
        return current


_COPIED_FIELDS = (
    "kind",
    "subject",
    "body",
    "minutes",
    "status",
    "direction",
    "priority",
    "starts_at",
    "ends_at",
    "duration_minutes",
    "location",
    "completed_at",
    "occurred_at",
    "owner_id",
    "created_by_id",
)


def _carry_activities(lead: Lead, how: str, actor, account, contact, deal) -> None:
    """Move the lead's activities onto the new records, or copy them there (see lead_convert).

    Copies take the text, times, attendees and attachments (the files are copied too); the
    reminders and an e-mail's headers stay with the lead's originals.
    """
    if how == ActivityHandling.KEEP:
        return
    links = {"account": account, "contact": contact}
    if deal is not None:
        links["opportunity"] = deal
    originals = Activity.objects.filter(lead=lead)
    if how == ActivityHandling.MOVE:
        moved = list(originals.values_list("pk", flat=True))
        originals.update(
            lead=None,
            **links,
            version=F("version") + 1,
            updated_by=actor,
            updated_at=timezone.now(),
        )
        events_record_bulk(
            kind="activity",
            action="updated",
            actor=actor,
            records=Activity.objects.filter(pk__in=moved),
        )
        return
    rows = list(originals.order_by("id").prefetch_related("participants", "attachments"))
    copies = Activity.objects.bulk_create(
        Activity(**{name: getattr(row, name) for name in _COPIED_FIELDS}, **links, updated_by=actor)
        for row in rows
    )
    events_record_bulk(kind="activity", action="created", actor=actor, records=copies)
    ActivityParticipant.objects.bulk_create(
        ActivityParticipant(activity=copy, user_id=person.user_id, contact_id=person.contact_id)
        for row, copy in zip(rows, copies, strict=True)
        for person in row.participants.all()
    )
    for row, copy in zip(rows, copies, strict=True):
        for attachment in row.attachments.all():
            _copy_attachment(attachment, copy, actor)


def _copy_attachment(attachment: Attachment, activity: Activity, actor) -> None:
    """A copy of the file under a new name (deleting either activity keeps the other's file)."""
    try:
        with attachment.file.open("rb") as handle:
            content = ContentFile(handle.read())
    except FileNotFoundError:
        return
    duplicate = Attachment(
        activity=activity,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        created_at=timezone.now(),
        created_by=actor,
    )
    duplicate.file.save(attachment.filename, content, save=False)
    duplicate.save()
