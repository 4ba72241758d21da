"""Helpers every service uses: row locks with version checks, validation, permission checks."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from .errors import ConflictError, PermissionDeniedError
from .permissions import may_edit


def lock_current(instance: models.Model, version: int | None):
    """Re-read `instance` under a row lock; refuse if its version is not `version`.

    `version=None` skips the check (used by internal callers that already hold the lock).
    """
    current = type(instance)._base_manager.select_for_update().get(pk=instance.pk)
    if version is not None and current.version != int(version):
        raise ConflictError(current_version=current.version)
    return current


def require_edit(actor, owner) -> None:
    if not may_edit(actor, owner):
        raise PermissionDeniedError()


def clean_or_raise(instance: models.Model, errors: dict[str, list] | None = None) -> None:
    """Run the model's validation and raise it merged with `errors` found by the service."""
    errors = dict(errors or {})
    try:
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def apply_changes(instance: models.Model, changes: dict, allowed: set[str]) -> set[str]:
    """Set the allowed `changes` on `instance`; return the names of the fields that changed."""
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    changed = set()
    for name, value in changes.items():
        field = instance._meta.get_field(name)
        attname = field.attname
        new = value.pk if isinstance(field, models.ForeignKey) and value is not None else value
        if getattr(instance, attname) != new:
            changed.add(name)
        setattr(instance, name, value)
    return changed
