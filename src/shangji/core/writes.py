"""Helpers every service uses: row locks with version checks, validation, permission checks."""

import logging
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, models, transaction
from django.utils.translation import gettext as _

from .errors import ConflictError, PermissionDeniedError
from .permissions import may_edit

logger = logging.getLogger(__name__)


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


def best_effort(write: Callable[[], object]) -> bool:
    """Run `write`, bookkeeping that may be skipped (a key's last use): on SQLite it waits at
    most a moment for a writer that holds the database (e.g. an import's write pass) instead
    of the usual 20 s, and gives up quietly if the database is still busy. True if written."""
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        with connection.cursor() as cursor:
            usual = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
            cursor.execute("PRAGMA busy_timeout = 100")
    try:
        with transaction.atomic():
            write()
        return True
    except OperationalError:
        logger.info("Skipped a bookkeeping write: the database is busy")
        return False
    finally:
        if sqlite:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {int(usual)}")


def clean_or_raise(instance: models.Model, errors: dict[str, list] | None = None) -> None:
    """Run the model's validation and raise it merged with `errors` found by the service and
    the values apply_changes could not take (their message wins for their field)."""
    errors = dict(errors or {})
    untyped = instance.__dict__.pop("_untyped_values", {})
    try:
        instance.full_clean(
            exclude=list(untyped), validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    for field, messages in untyped.items():
        errors[field] = messages
    if errors:
        raise ValidationError(errors)


def apply_changes(instance: models.Model, changes: dict, allowed: set[str]) -> set[str]:
    """Set the allowed `changes` on `instance`; return the names of the fields that changed.

    A value that cannot be of its field's type is not set: its message is kept for
    clean_or_raise, so the user hears of it together with every other problem.
    """
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    changed = set()
    for name, value in changes.items():
        field = instance._meta.get_field(name)
        try:
            value = typed_value(field, value)
        except ValidationError as error:
            instance.__dict__.setdefault("_untyped_values", {})[name] = error.messages
            continue
        attname = field.attname
        new = value.pk if isinstance(field, models.ForeignKey) and value is not None else value
        if getattr(instance, attname) != new:
            changed.add(name)
        setattr(instance, name, value)
    return changed


def typed_value(field: models.Field, value):
    """`value` as the field's Python type (a date from "2026-11-27", a Decimal from "10.5"),
    so the rules that follow compare like with like; a value that cannot be one is refused
    here, with the field's own message, before anything is written."""
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError(_("Remove the NUL character (\\0): it cannot be stored."))
    if value is None or field.is_relation:
        return value
    try:
        value = field.to_python(value)
    except (TypeError, ValueError, OverflowError, ArithmeticError):  # e.g. int(Infinity)
        message = field.error_messages.get("invalid", _("Enter a valid value."))
        raise ValidationError(message, code="invalid", params={"value": value}) from None
    field.run_validators(value)  # e.g. too many digits, before any arithmetic on it
    return value
