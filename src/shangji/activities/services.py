"""Every write to activities: calls, meetings, tasks and notes (e-mails: see mail/)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.audit.services import audit_deletion
from shangji.core.errors import PermissionDeniedError
from shangji.core.permissions import may_edit
from shangji.core.writes import apply_changes, clean_or_raise, lock_current
from shangji.leads.models import Lead
from shangji.leads.querysets import may_edit_lead
from shangji.opportunities.models import Opportunity
from shangji.webhooks.services import activity_event, event_record

from .choices import (
    DEFAULT_STATUS,
    REMINDABLE_KINDS,
    REMINDER_OFFSETS,
    STATUSES_BY_KIND,
    ActivityKind,
    CallStatus,
    Direction,
    TaskPriority,
    TaskStatus,
)
from .models import Activity, ActivityParticipant, Attachment
from .reminders import reminders_cancel, reminders_sync

ACTIVITY_FIELDS = {
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
    "owner",
    "opportunity",
    "account",
    "contact",
    "lead",
}
MAX_ATTACHMENT_BYTES = settings.MAX_UPLOAD_MB * 2**20
VALID_OFFSETS = {minutes for minutes, _label in REMINDER_OFFSETS}


def may_edit_activity(user, activity: Activity) -> bool:
    """The assignee, the author, whoever may edit the linked opportunity or lead, and their
    managers."""
    if user.pk in (activity.owner_id, activity.created_by_id):
        return True
    if activity.opportunity_id and may_edit(user, activity.opportunity.owner):
        return True
    if activity.lead_id and may_edit_lead(user, activity.lead.owner):
        return True
    return may_edit(user, activity.owner)


def _require_visible_links(actor, opportunity, lead=None) -> None:
    if (
        opportunity is not None
        and not Opportunity.objects.visible_to(actor).filter(pk=opportunity.pk).exists()
    ):
        raise PermissionDeniedError()
    if lead is not None:
        if not Lead.objects.visible_to(actor).filter(pk=lead.pk).exists():
            raise PermissionDeniedError()
        if lead.is_converted:
            raise ValidationError(
                {"lead": [_("This lead is converted; log activities on what it became.")]}
            )


def fill_links(activity: Activity) -> None:
    """An activity on an opportunity also belongs to its account; on a contact, to theirs."""
    if activity.opportunity_id and not activity.account_id:
        activity.account_id = activity.opportunity.account_id
    if activity.contact_id and not activity.account_id:
        activity.account_id = activity.contact.account_id


def _ends_at(activity: Activity, minutes: int, errors: dict):
    """The start plus `minutes`, or None with a message when that is past the calendar's end."""
    try:
        return activity.starts_at + datetime.timedelta(minutes=minutes)
    except OverflowError:
        errors.setdefault("duration_minutes", []).append(_("It would end after the year 9999."))
        return None


def apply_kind_rules(activity: Activity, changed: set[str]) -> dict[str, list]:
    """Defaults and rules of each kind; returns errors as {field: [messages]}."""
    errors: dict[str, list] = {}
    kind = activity.kind
    statuses = STATUSES_BY_KIND.get(kind)
    if statuses is None:
        activity.status = ""
    elif not activity.status:
        activity.status = DEFAULT_STATUS[kind]
    elif activity.status not in statuses.values:
        errors["status"] = [_("Choose a valid status.")]
    if kind in (ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.NOTE) and not (
        activity.subject or activity.body
    ):
        errors.setdefault("subject", []).append(_("Give it a subject."))
    if kind == ActivityKind.TASK and not activity.subject:
        errors.setdefault("subject", []).append(_("Give the task a subject."))
    if kind == ActivityKind.CALL:
        activity.direction = activity.direction or Direction.OUTBOUND
        if activity.duration_minutes is None:
            activity.duration_minutes = 15
    if kind in (ActivityKind.CALL, ActivityKind.MEETING):
        if not activity.starts_at:
            errors.setdefault("starts_at", []).append(_("When is it?"))
        elif kind == ActivityKind.MEETING and activity.ends_at is None:
            activity.ends_at = _ends_at(activity, activity.duration_minutes or 60, errors)
        if activity.starts_at and kind == ActivityKind.CALL:
            activity.ends_at = _ends_at(activity, activity.duration_minutes or 0, errors)
        if kind == ActivityKind.MEETING and activity.starts_at and activity.ends_at:
            minutes = (activity.ends_at - activity.starts_at).total_seconds() // 60
            activity.duration_minutes = int(max(minutes, 0))
    else:
        activity.direction = "" if kind != ActivityKind.EMAIL else activity.direction
    if kind == ActivityKind.TASK:
        activity.priority = activity.priority or TaskPriority.MEDIUM
        activity.completed_at = (
            (activity.completed_at or timezone.now())
            if activity.status == TaskStatus.COMPLETED
            else None
        )
    elif kind in (ActivityKind.CALL, ActivityKind.MEETING):
        activity.completed_at = (
            (activity.completed_at or timezone.now())
            if activity.status != CallStatus.PLANNED
            else None
        )
    if activity.starts_at and activity.ends_at and activity.ends_at < activity.starts_at:
        errors.setdefault("ends_at", []).append(_("The end is before the start."))
    if not (
        activity.opportunity_id or activity.account_id or activity.contact_id or activity.lead_id
    ):
        message = _("Link it to an opportunity, an account, a contact or a lead.")
        for name in ("opportunity", "account", "contact", "lead"):
            errors.setdefault(name, []).append(message)
    activity.occurred_at = activity.starts_at or activity.occurred_at or timezone.now()
    return errors


def _check_offsets(reminders) -> list[int] | None:
    if reminders is None:
        return None
    offsets = sorted({int(minutes) for minutes in reminders})
    if not set(offsets) <= VALID_OFFSETS:
        raise ValidationError({"reminders": [_("Choose reminder times from the list.")]})
    return offsets


def _set_participants(activity: Activity, users, contacts) -> None:
    if users is not None:
        ActivityParticipant.objects.filter(activity=activity, user__isnull=False).exclude(
            user__in=users
        ).delete()
        for user in users:
            ActivityParticipant.objects.get_or_create(activity=activity, user=user)
    if contacts is not None:
        ActivityParticipant.objects.filter(activity=activity, contact__isnull=False).exclude(
            contact__in=contacts
        ).delete()
        for contact in contacts:
            ActivityParticipant.objects.get_or_create(activity=activity, contact=contact)


def attachment_add(*, activity: Activity, upload: UploadedFile, actor) -> Attachment:
    """Store an uploaded file on a note or e-mail (size-limited, kept outside the web root)."""
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            {
                "attachments": [
                    _("“%(name)s” is larger than %(limit)s MB.")
                    % {"name": upload.name, "limit": MAX_ATTACHMENT_BYTES // 2**20}
                ]
            }
        )
    attachment = Attachment(
        activity=activity,
        filename=(upload.name or "attachment")[:255],
        content_type=(upload.content_type or "application/octet-stream")[:127],
        size=upload.size,
        created_at=timezone.now(),
        created_by=actor,
    )
    attachment.file.save(attachment.filename, upload, save=False)
    attachment.save()
    return attachment


def activity_create(
    *,
    actor,
    kind: str,
    owner=None,
    reminders=None,
    attendee_users=None,
    attendee_contacts=None,
    attachments=(),
    **fields,
) -> Activity:
    """Log or schedule an activity; with reminders, attendees and attachments, all or nothing."""
    if kind not in ActivityKind.values or kind == ActivityKind.EMAIL:
        raise ValidationError({"kind": [_("Choose a call, meeting, task or note.")]})
    offsets = _check_offsets(reminders)
    if offsets and kind not in REMINDABLE_KINDS:
        raise ValidationError({"reminders": [_("Only calls, meetings and tasks have reminders.")]})
    with transaction.atomic():
        _require_visible_links(actor, fields.get("opportunity"), fields.get("lead"))
        activity = Activity(kind=kind, owner=owner or actor, created_by=actor, updated_by=actor)
        changed = apply_changes(activity, fields, ACTIVITY_FIELDS)
        fill_links(activity)
        errors = apply_kind_rules(activity, changed)
        clean_or_raise(activity, errors)
        activity.save()
        _set_participants(activity, attendee_users, attendee_contacts)
        for upload in attachments:
            attachment_add(activity=activity, upload=upload, actor=actor)
        reminders_sync(activity, offsets or [])
        event_record(kind="activity", action="created", actor=actor, record=activity)
        return activity


def activity_update(
    *,
    activity: Activity,
    actor,
    version: int,
    reminders=None,
    attendee_users=None,
    attendee_contacts=None,
    **changes,
) -> Activity:
    """Change an activity; its reminders move with its time. A stale version changes nothing."""
    offsets = _check_offsets(reminders)
    with transaction.atomic():
        current = lock_current(activity, version)
        if not may_edit_activity(actor, current):
            raise PermissionDeniedError()
        if "opportunity" in changes or changes.get("lead"):
            _require_visible_links(actor, changes.get("opportunity"), changes.get("lead"))
        changed = apply_changes(current, changes, ACTIVITY_FIELDS)
        fill_links(current)
        errors = apply_kind_rules(current, changed)
        clean_or_raise(current, errors)
        current.version += 1
        current.updated_by = actor
        current.save()
        _set_participants(current, attendee_users, attendee_contacts)
        reminders_sync(current, offsets)
        activity_event(activity=current, actor=actor, changed=changed)
        return current


def activity_complete(*, activity: Activity, actor, version: int) -> Activity:
    """Mark a task completed, or a call or meeting held; its pending reminders are cancelled."""
    status = TaskStatus.COMPLETED if activity.kind == ActivityKind.TASK else CallStatus.HELD
    if activity.kind not in REMINDABLE_KINDS:
        raise ValidationError({"status": [_("Only calls, meetings and tasks can be completed.")]})
    return activity_update(activity=activity, actor=actor, version=version, status=status)


def activity_delete(*, activity: Activity, actor, version: int | None = None) -> None:
    """Delete an activity with its attachments' files; its reminders go with it.

    With `version`, a stale one deletes nothing (someone changed the activity meanwhile).
    """
    with transaction.atomic():
        current = lock_current(activity, version)
        if not may_edit_activity(actor, current):
            raise PermissionDeniedError()
        reminders_cancel(current)
        event_record(kind="activity", action="deleted", actor=actor, record=current)
        audit_deletion(actor=actor, record=current)
        files = [attachment.file.name for attachment in current.attachments.all()]
        current.delete()
        storage = Attachment._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in files])
