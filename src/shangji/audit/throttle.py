"""Sign-in throttling: too many failures for one name, or from one address, lock it for a while.

The counts are read from the audit log itself (login_failed entries in the window, by
`login_name` and by `ip_address`, both indexed), not from the cache: every web process sees the
same rows, a failure counts the moment it is committed, and the entries the admins read are the
very ones the rule counted. Every attempt costs one indexed read of the lock entries; a failure
adds one insert and three indexed reads (last sign-in, failures of the name, of the address).

Rules (LOGIN_FAILURE_LIMIT failures per name, LOGIN_FAILURE_ADDRESS_LIMIT per address, in
LOGIN_FAILURE_WINDOW minutes):
- the failure that reaches a limit writes a `login_locked` entry; the name (or the address)
  is then refused for one window from that moment, the right password included;
- attempts refused by a lock are not counted again (the lock does not grow while it lasts);
- a successful sign-in cannot lift a lock, but once it happens the name's earlier failures no
  longer count; the address's do (one good account must not whitewash an address that is
  guessing the passwords of others).
"""

import dataclasses
import datetime
import math
import os

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import ngettext

from .choices import AuditAction, LockScope
from .models import AuditEntry
from .services import audit_record


def _setting(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default


def failure_limit() -> int:
    """Failures of one name in the window that lock it (LOGIN_FAILURE_LIMIT, 0 = no limit)."""
    return _setting("LOGIN_FAILURE_LIMIT", 5)


def address_failure_limit() -> int:
    """Failures from one address in the window that block it (0 = no limit)."""
    return _setting("LOGIN_FAILURE_ADDRESS_LIMIT", 20)


def failure_window() -> datetime.timedelta:
    """LOGIN_FAILURE_WINDOW minutes: how far back failures count, and how long a lock lasts."""
    return datetime.timedelta(minutes=max(1, _setting("LOGIN_FAILURE_WINDOW", 15)))


def login_name_of(username: str) -> str:
    """The name the throttle counts by: trimmed and case-folded, so “Admin” is “admin”."""
    return (username or "").replace("\x00", "").strip().casefold()[:150]


@dataclasses.dataclass(frozen=True)
class LoginLock:
    """A lock in force on a sign-in name or an address."""

    scope: str
    until: datetime.datetime

    def retry_after(self) -> int:
        """Whole seconds until the lock ends (at least 1)."""
        return max(1, math.ceil((self.until - timezone.now()).total_seconds()))

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after() / 60))

    @property
    def message(self) -> str:
        if self.scope == LockScope.ADDRESS:
            return ngettext(
                "Too many failed sign-ins from your network address. "
                "Please wait %(minutes)d minute and try again.",
                "Too many failed sign-ins from your network address. "
                "Please wait %(minutes)d minutes and try again.",
                self.minutes,
            ) % {"minutes": self.minutes}
        return ngettext(
            "This account is locked after too many failed sign-ins. "
            "Please wait %(minutes)d minute and try again.",
            "This account is locked after too many failed sign-ins. "
            "Please wait %(minutes)d minutes and try again.",
            self.minutes,
        ) % {"minutes": self.minutes}


def login_lock_find(*, username: str, ip_address: str | None) -> LoginLock | None:
    """The lock that refuses a sign-in as `username` from `ip_address` now, if any."""
    name = login_name_of(username)
    window = failure_window()
    concerned = Q(login_name=name, details__scope=LockScope.ACCOUNT) if name else Q(pk__in=[])
    if ip_address:
        concerned |= Q(ip_address=ip_address, details__scope=LockScope.ADDRESS)
    latest = (
        AuditEntry.objects.filter(
            concerned,
            action=AuditAction.LOGIN_LOCKED,
            occurred_at__gt=timezone.now() - window,
        )
        .order_by("-occurred_at", "-id")
        .values_list("details__scope", "occurred_at")
        .first()
    )
    if latest is None:
        return None
    scope, locked_at = latest
    return LoginLock(scope=scope, until=locked_at + window)


def _failures_since(condition: Q, since: datetime.datetime) -> int:
    return AuditEntry.objects.filter(
        condition, action=AuditAction.LOGIN_FAILED, occurred_at__gt=since
    ).count()


def login_failure_record(
    *, username: str, ip_address: str | None, user_agent: str | None = None, via: str
) -> LoginLock | None:
    """Log a failed sign-in; when it reaches a limit, lock the name or address and return it."""
    from shangji.users.models import User

    name = login_name_of(username)
    now = timezone.now()
    window_start = now - failure_window()
    with transaction.atomic():
        audit_record(
            action=AuditAction.LOGIN_FAILED,
            actor_label=(username or "").strip(),
            login_name=name,
            ip_address=ip_address,
            user_agent=user_agent,
            details={"via": via},
        )
        lock = None
        limit = failure_limit()
        if name and limit:
            # After the last successful sign-in (by id: two entries may share a timestamp).
            last_success = AuditEntry.objects.filter(
                action=AuditAction.LOGIN, login_name=name, occurred_at__gt=window_start
            ).aggregate(last=Max("id"))["last"]
            failures = _failures_since(Q(login_name=name, pk__gt=last_success or 0), window_start)
            if failures >= limit:
                user = User.objects.filter(username__iexact=name).first()
                lock = _lock(
                    LockScope.ACCOUNT, name, username, ip_address, user_agent, via, failures, user
                )
        address_limit = address_failure_limit()
        if ip_address and address_limit:
            failures = _failures_since(Q(ip_address=ip_address), window_start)
            if failures >= address_limit:
                lock = _lock(
                    LockScope.ADDRESS, name, username, ip_address, user_agent, via, failures, None
                )
        return lock


def _lock(scope, name, username, ip_address, user_agent, via, failures, user) -> LoginLock:
    entry = audit_record(
        action=AuditAction.LOGIN_LOCKED,
        actor_label=(username or "").strip(),
        login_name=name,
        target=user,
        target_type="" if user else ("user" if scope == LockScope.ACCOUNT else "address"),
        target_label="" if user else (name if scope == LockScope.ACCOUNT else ip_address or ""),
        ip_address=ip_address,
        user_agent=user_agent,
        details={
            "scope": scope,
            "failures": failures,
            "window_minutes": int(failure_window().total_seconds() // 60),
            "via": via,
        },
    )
    return LoginLock(scope=scope, until=entry.occurred_at + failure_window())


def login_success_record(
    *, user, ip_address: str | None = None, user_agent: str | None = None, via: str
) -> None:
    """Log a successful sign-in; from now on the name's earlier failures no longer count."""
    with transaction.atomic():
        audit_record(
            action=AuditAction.LOGIN,
            actor=user,
            login_name=login_name_of(user.get_username()),
            target=user,
            ip_address=ip_address,
            user_agent=user_agent,
            details={"via": via},
        )
