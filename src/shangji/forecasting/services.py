"""Writing quotas: one cell (quota_set) or a whole grid (quotas_save), all or nothing.

Administrators set any quota; a manager sets those of the teams they manage and of those
teams' members; nobody else sets any. Amounts are in the base currency.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from shangji.core.errors import PermissionDeniedError
from shangji.users.choices import Role
from shangji.users.models import Team, User

from .models import Quota
from .periods import Period

QUOTA_MAX = Decimal("999999999999.99")


def may_set_quota(actor, *, user: User | None = None, team: Team | None = None) -> bool:
    """Whether `actor` may set the quota of `user` or `team`."""
    if actor is None or not actor.is_active:
        return False
    if actor.is_admin:
        return True
    if actor.role != Role.MANAGER:
        return False
    if team is not None:
        return team.manager_id is not None and team.manager_id == actor.pk
    return user is not None and user.team is not None and user.team.manager_id == actor.pk


def quota_amount_parse(value) -> Decimal | None:
    """A quota amount from user input: None to remove it; ValidationError if it is not one."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", "").replace(" ", "")
        if not value:
            return None
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Enter a number."), code="invalid") from None
    if not amount.is_finite():
        raise ValidationError(_("Enter a number."), code="invalid")
    if amount < 0:
        raise ValidationError(_("A quota cannot be negative."), code="negative")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_("Use at most two decimal places."), code="decimal_places")
    if amount > QUOTA_MAX:
        raise ValidationError(
            _("A quota is at most %(max)s.") % {"max": f"{QUOTA_MAX:,}"}, code="max_value"
        )
    return amount.quantize(Decimal("0.01"))


def _refuse(user: User | None, team: Team | None) -> PermissionDeniedError:
    if team is not None:
        message = _("You may not set the quota of the team %(name)s.") % {"name": team.name}
    else:
        name = user.display_name if user is not None else ""
        message = _("You may not set the quota of %(name)s.") % {"name": name}
    return PermissionDeniedError(message)


def _write(actor, period: Period, amount: Decimal | None, holder: dict, existing):
    """Upsert or delete one checked cell (`existing`: its stored quota or None).

    Returns (the quota now or None, whether anything changed)."""
    if amount is None:
        if existing is not None:
            existing.delete()
        return None, existing is not None
    if existing is not None and existing.amount == amount:
        return existing, False
    quota = existing or Quota(period_kind=period.kind, period_start=period.start, **holder)
    quota.amount = amount
    quota.updated_by = actor if getattr(actor, "pk", None) else None
    quota.save()
    return quota, True


def _stored(period: Period, users=(), teams=()) -> dict[tuple[str, int], Quota]:
    """The quotas set for exactly `period` of these users and teams, locked, by holder."""
    rows = Quota.objects.select_for_update().filter(
        Q(user__in=list(users)) | Q(team__in=list(teams)),
        period_kind=period.kind,
        period_start=period.start,
    )
    return {(("user", row.user_id) if row.user_id else ("team", row.team_id)): row for row in rows}


def quota_set(
    *, actor, period: Period, amount, user: User | None = None, team: Team | None = None
) -> Quota | None:
    """Set (or with an empty amount remove) the quota of one rep or one team for `period`."""
    if (user is None) == (team is None):
        raise ValidationError(_("Give either a rep or a team."))
    if not may_set_quota(actor, user=user, team=team):
        raise _refuse(user, team)
    try:
        value = quota_amount_parse(amount)
    except ValidationError as error:
        raise ValidationError({"amount": error.messages}) from None
    kind, holder = ("user", user) if user is not None else ("team", team)
    with transaction.atomic():
        stored = _stored(period, **{f"{kind}s": [holder.pk]})
        quota, _changed = _write(
            actor, period, value, {kind: holder}, stored.get((kind, holder.pk))
        )
        return quota


def quotas_save(
    *, actor, period: Period, user_amounts: dict[int, object], team_amounts: dict[int, object]
) -> int:
    """Save a grid of quotas (user id / team id → amount, empty removes) in one transaction.

    Every cell is checked first: a cell the actor may not set refuses the whole grid
    (PermissionDeniedError); bad amounts raise one ValidationError keyed `user-<id>` /
    `team-<id>`. Nothing is written unless every cell is good. Returns the cells changed.
    """
    users = User.objects.select_related("team").in_bulk(list(user_amounts))
    teams = Team.objects.in_bulk(list(team_amounts))
    errors: dict[str, list[str]] = {}
    cells: list[tuple[str, int, Decimal | None]] = []
    for kind, amounts, found in (("user", user_amounts, users), ("team", team_amounts, teams)):
        for holder_id, raw in amounts.items():
            key = f"{kind}-{holder_id}"
            holder = found.get(holder_id)
            if holder is None:
                errors[key] = [_("Unknown rep.") if kind == "user" else _("Unknown team.")]
                continue
            if not may_set_quota(actor, **{kind: holder}):
                raise _refuse(*((holder, None) if kind == "user" else (None, holder)))
            try:
                cells.append((kind, holder_id, quota_amount_parse(raw)))
            except ValidationError as error:
                errors[key] = error.messages
    if errors:
        raise ValidationError(errors)
    changed = 0
    with transaction.atomic():
        stored = _stored(period, users=users, teams=teams)
        for kind, holder_id, amount in cells:
            holder = {f"{kind}_id": holder_id}
            _quota, did = _write(actor, period, amount, holder, stored.get((kind, holder_id)))
            changed += did
    return changed
