"""Quotas per rep or team and period, and the weekly forecast snapshots."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .periods import PeriodKind

MONEY = {"max_digits": 18, "decimal_places": 2}


class Quota(models.Model):
    """What a rep or a team should close (won, in the base currency) in one period."""

    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quotas",
    )
    team = models.ForeignKey(
        "users.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quotas",
    )
    amount = models.DecimalField(_("quota"), **MONEY)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True)
                | Q(user__isnull=True, team__isnull=False),
                name="quota_for_user_or_team",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="quota_amount_positive"),
            models.UniqueConstraint(
                fields=["user", "period_kind", "period_start"],
                condition=Q(user__isnull=False),
                name="one_quota_per_user_period",
            ),
            models.UniqueConstraint(
                fields=["team", "period_kind", "period_start"],
                condition=Q(team__isnull=False),
                name="one_quota_per_team_period",
            ),
        ]
        indexes = [models.Index(fields=["period_kind", "period_start"])]

    def __str__(self) -> str:
        return f"{self.user or self.team} {self.period_kind} {self.period_start}: {self.amount}"


class ForecastSnapshot(models.Model):
    """One rep's forecast for one period as it stood in one week (taken by the worker).

    Past periods compare these rows with what actually closed: accuracy and bias per week.
    """

    week = models.DateField(_("week"), help_text=_("The Monday of the week it was taken."))
    taken_at = models.DateTimeField(_("taken at"))
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forecast_snapshots"
    )
    # The owner's team when it was taken: team roll-ups of past weeks stay as they were.
    team = models.ForeignKey(
        "users.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_won = models.DecimalField(_("closed won"), **MONEY)
    commit = models.DecimalField(_("commit"), **MONEY)
    best_case = models.DecimalField(_("best case"), **MONEY)
    pipeline = models.DecimalField(_("pipeline"), **MONEY)
    weighted = models.DecimalField(_("weighted pipeline"), **MONEY)

    class Meta:
        verbose_name = _("forecast snapshot")
        verbose_name_plural = _("forecast snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["week", "period_kind", "period_start", "owner"],
                name="one_snapshot_per_owner_week_period",
            )
        ]
        indexes = [models.Index(fields=["period_kind", "period_start", "week"])]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.period_kind} {self.period_start} @ {self.week}"
