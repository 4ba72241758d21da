"""Every write to users, teams, tokens and notifications."""

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.audit.choices import AuditAction
from shangji.audit.services import audit_record
from shangji.core.writes import best_effort

from .choices import ApiTokenScope, Role
from .models import ApiToken, Organization, Team, User, hash_token


def user_create(
    *,
    username: str,
    password: str,
    role: str = Role.REP,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    team: Team | None = None,
    language: str = "",
    check_password: bool = True,
) -> User:
    """Create a user who can sign in."""
    with transaction.atomic():
        user = User(
            username=username.strip(),
            role=role,
            email=email,
            first_name=first_name,
            last_name=last_name,
            team=team,
            language=language,
        )
        if User.objects.filter(username__iexact=user.username).exists():
            raise ValidationError({"username": [_("This username is taken.")]})
        if check_password:
            validate_password(password, user)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        if role == Role.ADMIN:
            user.is_staff = user.is_superuser = True
        user.save()
        audit_record(action=AuditAction.USER_CREATED, target=user, details={"role": role})
        return user


def team_create(*, name: str, manager: User | None = None) -> Team:
    """Create a team; its manager sees the members' opportunities."""
    with transaction.atomic():
        team = Team(name=name.strip(), manager=manager)
        team.full_clean()
        team.save()
        return team


def api_token_create(
    *, user: User, name: str = "", scope: str = ApiTokenScope.READ_WRITE
) -> tuple[ApiToken, str]:
    """Create a token (API key); the raw value is returned once and never stored."""
    raw = ApiToken.generate()
    token = ApiToken(
        user=user, name=name.strip(), scope=scope, prefix=raw[:8], token_hash=hash_token(raw)
    )
    token.full_clean(exclude=["user", "token_hash"], validate_unique=False)
    with transaction.atomic():
        token.save()
        audit_record(
            action=AuditAction.API_KEY_CREATED,
            actor=user,
            target=token,
            target_label=f"{token.prefix}… {token.name}",
            details={"scope": scope, "user": user.get_username()},
        )
    return token, raw


def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    """Revoke a key (its owner or an administrator): it stops working at once."""
    from shangji.core.errors import PermissionDeniedError

    if token.user_id != actor.pk and not actor.is_admin:
        raise PermissionDeniedError(_("You can only revoke your own API keys."))
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            audit_record(
                action=AuditAction.API_KEY_REVOKED,
                actor=actor,
                target=token,
                target_label=f"{token.prefix}… {token.name}",
                details={"user": token.user.get_username()},
            )


def api_token_use(raw: str) -> ApiToken | None:
    """The live token of an active user for a raw value, or None; records its last use.

    The last use is written at most once a minute per key, not on every request.
    """
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        # Never fail or stall a request over this bookkeeping.
        if best_effort(lambda: ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)):
            token.last_used_at = now
    return token


def api_token_authenticate(raw: str) -> User | None:
    """The active user a raw token belongs to, or None; records when it was last used."""
    token = api_token_use(raw)
    return token.user if token is not None else None


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notifications (all, or those in `ids`) as read."""
    unread = user.notifications.filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def calendar_token_reset(*, user: User) -> str:
    """Give the user a new secret calendar address; the old one stops working at once."""
    token = secrets.token_urlsafe(32)
    User.objects.filter(pk=user.pk).update(calendar_token=token)
    user.calendar_token = token
    return token


def calendar_token_revoke(*, user: User) -> None:
    """Switch the user's calendar feed off: the address answers 404 from now on."""
    User.objects.filter(pk=user.pk).update(calendar_token=None)
    user.calendar_token = None


ORGANIZATION_FIELDS = {"name", "everyone_reads_all", "account_required", "fiscal_year_start_month"}


def organization_update(*, actor: User, **changes) -> Organization:
    """Change the organisation settings (administrators only)."""
    from shangji.core.errors import PermissionDeniedError
    from shangji.core.writes import clean_or_raise

    if not actor.is_active or not actor.is_admin:
        raise PermissionDeniedError(_("Only administrators can change the organisation settings."))
    unknown = set(changes) - ORGANIZATION_FIELDS
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    with transaction.atomic():
        Organization.current()
        row = Organization.objects.select_for_update().get(pk=1)
        for name, value in changes.items():
            setattr(row, name, value.strip() if isinstance(value, str) else value)
        clean_or_raise(row)
        row.save()
        return row


USER_ACCESS_FIELDS = {"role", "team", "is_active"}


def user_update_access(*, user: User, actor: User, **changes) -> User:
    """Change a user's role, team or active flag (administrators only), in the audit log."""
    from shangji.audit.services import audit_user_access_changes, user_access_snapshot
    from shangji.core.errors import PermissionDeniedError

    if not actor.is_active or not actor.is_admin:
        raise PermissionDeniedError(_("Only administrators can change roles, teams and access."))
    unknown = set(changes) - USER_ACCESS_FIELDS
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    if user.pk == actor.pk and (
        changes.get("role", Role.ADMIN) != Role.ADMIN or changes.get("is_active") is False
    ):
        raise ValidationError({"role": [_("You cannot take away your own administrator access.")]})
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        before = user_access_snapshot(current)
        for name, value in changes.items():
            setattr(current, name, value)
        if "role" in changes:  # as user_create: administrators are the Django admin's too
            current.is_staff = current.is_superuser = current.role == Role.ADMIN
        current.full_clean(exclude=["password"], validate_unique=False)
        current.save()
        audit_user_access_changes(
            actor=actor, user=current, before=before, after=user_access_snapshot(current)
        )
        return current
