"""The only writer of the audit log."""

from collections.abc import Iterable, Iterator

from django.db import transaction

from .choices import AuditAction
from .context import current_caller
from .models import AuditEntry

LABEL_LENGTH = 200


def _text(value, length: int) -> str:
    """Text a column can hold: no NUL characters (PostgreSQL refuses them), at most `length`."""
    return str(value or "").replace("\x00", "")[:length]


def _json_safe(value):
    """Details as JSON can hold them: dates, decimals and model instances become text."""
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(item) for item in value]
    if isinstance(value, str):
        return value.replace("\x00", "")
    if value is None or isinstance(value, bool | int | float):
        return value
    if hasattr(value, "pk"):
        return value.pk
    return str(value)


def audit_record(
    *,
    action: str,
    actor=None,
    actor_label: str = "",
    target=None,
    target_type: str = "",
    target_id: int | None = None,
    target_label: str = "",
    details: dict | None = None,
    login_name: str = "",
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> AuditEntry:
    """Add an entry to the audit log, in the caller's transaction (rolled back with it).

    `target` (a model instance) fills the record's type, id and label; the address and browser
    come from the request being served unless given.
    """
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    caller = current_caller()
    if target is not None:
        target_type = target_type or target._meta.model_name
        target_id = target_id if target_id is not None else target.pk
        target_label = target_label or str(target)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    entry = AuditEntry(
        action=action,
        actor=actor,
        actor_label=_text(actor.get_username() if actor is not None else actor_label, 150),
        login_name=_text(login_name, 150),
        target_type=_text(target_type, 50),
        target_id=target_id,
        target_label=_text(target_label, LABEL_LENGTH),
        ip_address=ip_address if ip_address is not None else getattr(caller, "ip_address", None),
        user_agent=_text(
            user_agent if user_agent is not None else getattr(caller, "user_agent", ""), 300
        ),
        details=_json_safe(details or {}),
    )
    entry.save()
    return entry


def audited_export(
    rows: Iterable, *, actor, export: str, file_format: str, filters=None
) -> Iterator:
    """`rows`, passed on one by one; when they end (or the download stops) the export is logged
    with the number of rows that went out.

    Exports stream, so the count is known only at the end. An export nobody started to read
    sent nothing and is not logged.
    """
    count = 0
    completed = False
    try:
        for row in rows:
            count += 1
            yield row
        completed = True
    finally:
        with transaction.atomic():
            audit_record(
                action=AuditAction.EXPORT,
                actor=actor,
                target_type=export,
                target_label=export,
                details={
                    "rows": count,
                    "format": file_format,
                    "filters": _filters_of(filters),
                    "completed": completed,
                },
            )


def _filters_of(filters) -> dict:
    if filters is None:
        return {}
    if hasattr(filters, "lists"):
        return {
            key: values if len(values) > 1 else values[0]
            for key, values in filters.lists()
            if any(values)
        }
    return {key: value for key, value in dict(filters).items() if value not in (None, "", [])}


def user_access_snapshot(user) -> dict:
    """The user's role and access as stored now: role, team, flags, groups and permissions."""
    fresh = type(user).objects.select_related("team").get(pk=user.pk)
    return {
        "role": fresh.role,
        "team": fresh.team.name if fresh.team_id else None,
        "is_active": fresh.is_active,
        "is_staff": fresh.is_staff,
        "is_superuser": fresh.is_superuser,
        "groups": sorted(fresh.groups.values_list("name", flat=True)),
        "user_permissions": sorted(
            f"{app}.{codename}"
            for app, codename in fresh.user_permissions.values_list(
                "content_type__app_label", "codename"
            )
        ),
    }


def audit_user_access_changes(*, actor, user, before: dict, after: dict) -> list[AuditEntry]:
    """Log what changed between two access snapshots of `user`: the role, a deactivation, and
    the rest (team, reactivation, staff and superuser flags, groups, permissions) together."""
    entries = []
    if before["role"] != after["role"]:
        entries.append(
            audit_record(
                action=AuditAction.ROLE_CHANGED,
                actor=actor,
                target=user,
                details={"old": before["role"], "new": after["role"]},
            )
        )
    if before["is_active"] and not after["is_active"]:
        entries.append(audit_record(action=AuditAction.USER_DEACTIVATED, actor=actor, target=user))
    changed = {
        name: {"old": before[name], "new": after[name]}
        for name in before
        if name != "role"
        and before[name] != after[name]
        and not (name == "is_active" and not after[name])
    }
    if changed:
        entries.append(
            audit_record(
                action=AuditAction.PERMISSION_CHANGED, actor=actor, target=user, details=changed
            )
        )
    return entries


def audit_deletion(*, actor, record, details: dict | None = None) -> AuditEntry:
    """Log the deletion of `record` (call it inside the deleting transaction, before delete)."""
    return audit_record(
        action=AuditAction.RECORD_DELETED, actor=actor, target=record, details=details
    )
