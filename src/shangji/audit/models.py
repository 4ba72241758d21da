"""The audit log: who signed in, changed access, exported or deleted what, and from where."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import AuditAction


class AuditEntry(models.Model):
    """One audited event; rows are only ever added (no service changes or removes them)."""

    occurred_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The username at the time, kept when the user is renamed or deleted.
    actor_label = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices)
    # The name tried at a sign-in (folded to lower case), which the throttle counts by.
    login_name = models.CharField(_("sign-in name"), max_length=150, blank=True)
    target_type = models.CharField(_("record type"), max_length=50, blank=True)
    target_id = models.BigIntegerField(_("record id"), null=True, blank=True)
    target_label = models.CharField(_("record"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            # The throttle's counts: sign-in events by name and by address within a window.
            models.Index(fields=["login_name", "occurred_at"], name="audit_login_name_time"),
            models.Index(fields=["ip_address", "occurred_at"], name="audit_address_time"),
            # The log page's filters.
            models.Index(fields=["action", "occurred_at"], name="audit_action_time"),
            models.Index(fields=["actor", "occurred_at"], name="audit_actor_time"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"
