"""Who may read and change owned records: the one place the visibility rule lives.

A rep reads and edits what they own; a manager also what the members of the teams they manage
own; executives and administrators read and edit everything. The organisation setting
`everyone_reads_all` widens reading (never editing) to every user.
"""

from django.db.models import Q

from shangji.users.choices import Role


def _organization(user):
    # One query per request at most: the settings row is cached on the user object.
    if not hasattr(user, "_shangji_organization"):
        from shangji.users.models import Organization

        user._shangji_organization = Organization.current()
    return user._shangji_organization


def edit_scope(user, owner_field: str = "owner") -> Q | None:
    """The filter for records `user` may change; None means all of them."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.reads_everything:
        return None
    scope = Q(**{owner_field: user})
    if user.role == Role.MANAGER:
        scope |= Q(**{f"{owner_field}__team__manager": user})
    return scope


def read_scope(user, owner_field: str = "owner") -> Q | None:
    """The filter for records `user` may read; None means all of them."""
    if user.is_authenticated and user.is_active and _organization(user).everyone_reads_all:
        return None
    return edit_scope(user, owner_field)


def may_edit(user, owner) -> bool:
    """Whether `user` may change a record owned by `owner` (a User or None)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.reads_everything:
        return True
    if owner is None:
        return False
    if owner.pk == user.pk:
        return True
    return (
        user.role == Role.MANAGER and owner.team_id is not None and owner.team.manager_id == user.pk
    )


class OwnedQuerySet:
    """Mixin for querysets of owned records: `.visible_to(user)`."""

    owner_field = "owner"

    def visible_to(self, user):
        scope = read_scope(user, self.owner_field)
        return self if scope is None else self.filter(scope)
