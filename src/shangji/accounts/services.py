"""Every write to accounts."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shangji.core.writes import apply_changes, clean_or_raise, lock_current, require_edit
from shangji.webhooks.services import event_record

from .models import Account

ACCOUNT_FIELDS = {
    "name",
    "industry",
    "website",
    "phone",
    "email",
    "address",
    "employees",
    "annual_revenue",
    "parent",
    "description",
    "owner",
}


def _check_unique_name(account: Account) -> None:
    name = (account.name or "").strip()
    duplicate = Account.objects.filter(name__iexact=name).exclude(pk=account.pk).first()
    if duplicate:
        raise ValidationError(
            {"name": [_("An account named “%(name)s” already exists.") % {"name": duplicate.name}]}
        )


def account_create(*, actor, name: str, owner=None, **fields) -> Account:
    """Create an account owned by `owner` (default: the actor)."""
    with transaction.atomic():
        account = Account(created_by=actor, updated_by=actor, owner=owner or actor)
        apply_changes(account, {"name": (name or "").strip(), **fields}, ACCOUNT_FIELDS)
        clean_or_raise(account)
        _check_unique_name(account)
        account.save()
        event_record(kind="account", action="created", actor=actor, record=account)
        return account


def account_update(*, account: Account, actor, version: int, **changes) -> Account:
    """Change an account the actor may edit; refuse a stale `version`."""
    with transaction.atomic():
        current = lock_current(account, version)
        require_edit(actor, current.owner)
        if "name" in changes:
            changes["name"] = (changes["name"] or "").strip()
        changed = apply_changes(current, changes, ACCOUNT_FIELDS)
        if current.parent_id and current.parent_id == current.pk:
            raise ValidationError({"parent": [_("An account cannot be its own parent.")]})
        clean_or_raise(current)
        if "name" in changed:
            _check_unique_name(current)
        if changed:
            current.version += 1
            current.updated_by = actor
            current.save()
            event_record(
                kind="account", action="updated", actor=actor, record=current, changed=changed
            )
        return current
