"""The sign-in forms with the throttle in front of the password check."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from .context import Caller, caller_from
from .throttle import login_failure_record, login_lock_find, login_success_record


class ThrottledLoginMixin:
    """Refuse a locked name or address before the password is looked at; log every outcome."""

    via = "page"

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password")
        if not username or not password:
            return super().clean()
        caller = caller_from(self.request.META) if self.request else Caller(None, "")
        lock = login_lock_find(username=username, ip_address=caller.ip_address)
        if lock is not None:
            raise ValidationError(lock.message, code="locked")
        try:
            cleaned = super().clean()
        except ValidationError:
            lock = login_failure_record(
                username=username,
                ip_address=caller.ip_address,
                user_agent=caller.user_agent,
                via=self.via,
            )
            if lock is not None:
                raise ValidationError(lock.message, code="locked") from None
            raise
        login_success_record(
            user=self.get_user(),
            ip_address=caller.ip_address,
            user_agent=caller.user_agent,
            via=self.via,
        )
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """The /login/ form."""


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The /admin/login/ form: the same throttle, so it is no way around it."""

    via = "admin"
