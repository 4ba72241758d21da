"""Every write to contacts."""

from django.db import transaction

from shangji.core.writes import apply_changes, clean_or_raise, lock_current, require_edit
from shangji.webhooks.services import event_record

from .models import Contact

CONTACT_FIELDS = {
    "first_name",
    "last_name",
    "title",
    "account",
    "email",
    "phone",
    "mobile",
    "description",
    "owner",
}


def contact_create(*, actor, account, last_name: str, owner=None, **fields) -> Contact:
    """Create a contact at `account`, owned by `owner` (default: the actor)."""
    with transaction.atomic():
        contact = Contact(created_by=actor, updated_by=actor, owner=owner or actor)
        apply_changes(
            contact,
            {"account": account, "last_name": (last_name or "").strip(), **fields},
            CONTACT_FIELDS,
        )
        clean_or_raise(contact)
        contact.save()
        event_record(kind="contact", action="created", actor=actor, record=contact)
        return contact


def contact_update(*, contact: Contact, actor, version: int, **changes) -> Contact:
    """Change a contact the actor may edit; refuse a stale `version`."""
    with transaction.atomic():
        current = lock_current(contact, version)
        require_edit(actor, current.owner)
        changed = apply_changes(current, changes, CONTACT_FIELDS)
        clean_or_raise(current)
        if changed:
            current.version += 1
            current.updated_by = actor
            current.save()
            event_record(
                kind="contact", action="updated", actor=actor, record=current, changed=changed
            )
        return current
