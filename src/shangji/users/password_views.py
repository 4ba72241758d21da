"""Changing your own password: the validators of AUTH_PASSWORD_VALIDATORS apply, this session
stays signed in and every other session of yours is signed out."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.password_validation import password_validators_help_texts
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from shangji.audit.services import audit_record


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's form and rule: the old password, the new one twice; update_session_auth_hash
    keeps this session, and the changed password hash ends the others on their next request."""

    template_name = "users/password_change.html"
    success_url = reverse_lazy("users:profile")

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "password_rules": password_validators_help_texts(),
        }

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(action="password_changed", actor=self.request.user, target=self.request.user)
        messages.success(
            self.request,
            _(
                "Your password is changed and your other sessions are signed out. Your API keys"
                " and calendar address still work: revoke them below if someone else may know"
                " them."
            ),
        )
        return response
