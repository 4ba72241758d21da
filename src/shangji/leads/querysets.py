"""Who reads and changes leads: the owner rule, plus the pool of unassigned leads.

An unassigned lead (no owner) is read by every user, so nobody enters the same inquiry twice,
and changed (assigned, converted) by managers, executives and administrators.
"""

from django.db import models
from django.db.models import Q

from shangji.core.permissions import may_edit, read_scope
from shangji.users.choices import Role


def lead_read_scope(user, prefix: str = "") -> Q | None:
    """The filter for leads `user` reads (on `prefix`, e.g. "lead__"); None means all."""
    scope = read_scope(user, f"{prefix}owner")
    if scope is None:
        return None
    if not (user.is_authenticated and user.is_active):
        return scope
    return scope | Q(**{f"{prefix}owner__isnull": True})


def may_edit_lead(user, owner) -> bool:
    """Whether `user` may change a lead owned by `owner` (None: the unassigned pool)."""
    if owner is None:
        return bool(
            user.is_authenticated
            and user.is_active
            and (user.reads_everything or user.role == Role.MANAGER)
        )
    return may_edit(user, owner)


class LeadQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = lead_read_scope(user)
        return self if scope is None else self.filter(scope)
