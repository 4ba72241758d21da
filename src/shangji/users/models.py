"""Users, teams, organisation settings, API tokens and in-app notifications."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shangji.core.names import person_name

from .choices import ApiTokenScope, Language, Role


class Team(models.Model):
    """A sales team; its manager sees and edits the team's opportunities."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    manager = models.ForeignKey(
        "users.User",
        verbose_name=_("manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_teams",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in: role, team, language and time zone."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.REP)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default="", blank=True
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    # The secret of the personal calendar feed (/calendar/<token>.ics). Kept readable, not
    # hashed, so the settings page can show the address again; replacing it revokes the old one.
    calendar_token = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["team", "username"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return person_name(self.first_name, self.last_name) or self.username

    @property
    def reads_everything(self) -> bool:
        return self.role in (Role.ADMIN, Role.EXECUTIVE) or self.is_superuser

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser


class Organization(models.Model):
    """The organisation's settings: one row (id 1)."""

    name = models.CharField(_("organisation name"), max_length=100, default="Shangji")
    everyone_reads_all = models.BooleanField(
        _("everyone can read all opportunities"),
        default=False,
        help_text=_("When on, every user can read every opportunity; editing rules stay."),
    )
    account_required = models.BooleanField(_("an opportunity needs an account"), default=True)
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year starts in month"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("1 = January. Quarters and years of quotas and forecasts follow it."),
    )

    class Meta:
        verbose_name = _("organisation settings")
        verbose_name_plural = _("organisation settings")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> "Organization":
        organization, _created = cls.objects.get_or_create(pk=1)
        return organization


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def visible_to(self, user):
        """An administrator's view: every key; anyone else's: their own."""
        return self if user.is_admin else self.filter(user=user)


class ApiToken(models.Model):
    """A bearer token (API key) for the REST API; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    scope = models.CharField(
        _("scope"), max_length=16, choices=ApiTokenScope.choices, default=ApiTokenScope.READ_WRITE
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def generate() -> str:
        return "sj_" + secrets.token_urlsafe(32)

    @property
    def is_read_only(self) -> bool:
        return self.scope == ApiTokenScope.READ_ONLY


# What each kind of notification says, rendered in the reader's language when read.
NOTIFICATION_TEXTS = {
    "assigned": _("%(actor)s assigned you the opportunity “%(name)s”."),
    "lead_assigned": _("%(actor)s assigned you the lead “%(name)s”."),
    # params: kind, subject, starts_at (ISO, UTC); rendered in the reader's time zone.
    "reminder": _("Reminder: %(kind)s “%(subject)s” at %(time)s"),
    "webhook_disabled": _("The webhook “%(name)s” failed for a day and was disabled."),
}
# The activity named inside a reminder ("Reminder: call “…” at 14:00").
REMINDER_KIND_WORDS = {
    "call": pgettext_lazy("reminder", "call"),
    "meeting": pgettext_lazy("reminder", "meeting"),
    "task": pgettext_lazy("reminder", "task"),
}


class Notification(models.Model):
    """An in-app message to one user: an assignment or a reminder."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=32)
    params = models.JSONField(default=dict)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        from .notifications import notification_text

        return notification_text(self.verb, self.params)
