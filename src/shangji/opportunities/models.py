"""Opportunities, the pipelines and stages they move through, and their history."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from shangji.core.models import VersionedModel

from .choices import (
    ContactRole,
    ForecastCategory,
    LeadSource,
    OpportunityType,
    Priority,
    StageKind,
)
from .querysets import OpportunityQuerySet, StageQuerySet


def localized(english: str, chinese: str) -> str:
    """The Chinese name in a Chinese UI when there is one, else the English name."""
    if chinese and (get_language() or "").startswith("zh"):
        return chinese
    return english


# An open opportunity with no activity for this many days is stale (a stage may change it).
DEFAULT_STALE_AFTER_DAYS = 14
MAX_STALE_AFTER_DAYS = 365


class Pipeline(models.Model):
    """A sales process: an ordered list of stages."""

    name = models.CharField(_("name (English)"), max_length=100, unique=True)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    is_default = models.BooleanField(_("default pipeline"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_pipeline"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return localized(self.name, self.name_zh_hans)


class Stage(models.Model):
    """A step of a pipeline with its default probability and forecast category."""

    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="stages"
    )
    name = models.CharField(_("name (English)"), max_length=100)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(
        _("kind"), max_length=8, choices=StageKind.choices, default=StageKind.OPEN
    )
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=16,
        choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
    )
    is_active = models.BooleanField(_("active"), default=True)
    stale_after_days = models.PositiveSmallIntegerField(
        _("stale after (days)"),
        default=DEFAULT_STALE_AFTER_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_STALE_AFTER_DAYS)],
        help_text=_("No activity for this many days makes an open opportunity stale."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = StageQuerySet.as_manager()

    class Meta:
        ordering = ["pipeline", "position", "id"]
        verbose_name = _("sales stage")
        verbose_name_plural = _("sales stages")
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_name_per_pipeline"),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=100),
                name="stage_probability_0_100",
            ),
            models.CheckConstraint(
                condition=Q(stale_after_days__gte=1), name="stage_stale_after_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return localized(self.name, self.name_zh_hans)

    @property
    def is_closed(self) -> bool:
        return self.kind != StageKind.OPEN

    @property
    def is_won(self) -> bool:
        return self.kind == StageKind.WON

    @property
    def is_lost(self) -> bool:
        return self.kind == StageKind.LOST


class Opportunity(VersionedModel):
    """A possible sale: who to, how much, when, and how far along."""

    name = models.CharField(_("name"), max_length=255)
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="opportunities",
        null=True,
        blank=True,
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=18,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )
    currency = models.ForeignKey(
        "core.Currency", verbose_name=_("currency"), on_delete=models.PROTECT, related_name="+"
    )
    exchange_rate = models.DecimalField(
        _("exchange rate"), max_digits=20, decimal_places=10, default=Decimal(1)
    )
    amount_base = models.DecimalField(_("amount in base currency"), max_digits=18, decimal_places=2)
    close_date = models.DateField(_("expected close date"))
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="+"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("sales stage"), on_delete=models.PROTECT, related_name="+"
    )
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    forecast_category = models.CharField(
        _("forecast category"), max_length=16, choices=ForecastCategory.choices
    )
    forecast_category_overridden = models.BooleanField(default=False)
    type = models.CharField(_("type"), max_length=32, choices=OpportunityType.choices, blank=True)
    lead_source = models.CharField(
        _("lead source"), max_length=32, choices=LeadSource.choices, blank=True
    )
    next_step = models.CharField(_("next step"), max_length=255, blank=True)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, blank=True)
    campaign = models.CharField(_("campaign / source detail"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_opportunities",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    lost_reason = models.CharField(_("lost reason"), max_length=255, blank=True)
    # The importer updates the opportunity that carries the same external ID.
    external_id = models.CharField(_("external ID"), max_length=100, blank=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["close_date", "id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["owner", "close_date", "id"]),
            models.Index(fields=["stage", "close_date", "id"]),
            models.Index(fields=["close_date", "id"]),
            models.Index(fields=["amount_base", "id"]),
            models.Index(fields=["-updated_at", "id"]),
            models.Index(fields=["account", "close_date"]),
            models.Index(fields=["name", "id"]),
            models.Index(fields=["pipeline", "stage"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount_positive"),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=100),
                name="opportunity_probability_0_100",
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="opportunity_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("opportunities:opportunity_detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.stage.is_closed

    @property
    def weighted_amount_base(self) -> Decimal:
        return (self.amount_base * self.probability / 100).quantize(Decimal("0.01"))


class OpportunityContact(models.Model):
    """A contact's role on an opportunity."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="contact_roles"
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="opportunity_roles",
    )
    role = models.CharField(
        _("role"),
        max_length=32,
        choices=ContactRole.choices,
        default=ContactRole.PRIMARY_DECISION_MAKER,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("contact role")
        verbose_name_plural = _("contact roles")
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "contact"], name="one_role_per_contact")
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.get_role_display()})"


class Competitor(models.Model):
    """A competitor on an opportunity, with what it does well and badly."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="competitors"
    )
    name = models.CharField(_("competitor"), max_length=200)
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")

    def __str__(self) -> str:
        return self.name


TRACKED_FIELDS = (
    "stage",
    "amount",
    "currency",
    "amount_base",
    "probability",
    "close_date",
    "owner",
    "forecast_category",
)


class OpportunityChange(models.Model):
    """An append-only snapshot after each change of a tracked field, with the values before.

    Reports read these rows: time in stage, close-date slips, the pipeline on a past date.
    """

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField(_("changed at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    changed_fields = models.JSONField(default=list)
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    previous_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+", null=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    previous_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    previous_currency = models.ForeignKey(
        "core.Currency", on_delete=models.PROTECT, related_name="+", null=True
    )
    amount_base = models.DecimalField(max_digits=18, decimal_places=2)
    previous_amount_base = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    probability = models.PositiveSmallIntegerField()
    previous_probability = models.PositiveSmallIntegerField(null=True)
    close_date = models.DateField()
    previous_close_date = models.DateField(null=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    forecast_category = models.CharField(max_length=16, choices=ForecastCategory.choices)
    previous_forecast_category = models.CharField(
        max_length=16, choices=ForecastCategory.choices, blank=True
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("opportunity change")
        verbose_name_plural = _("opportunity history")
        indexes = [models.Index(fields=["opportunity", "-changed_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.opportunity_id} @ {self.changed_at:%Y-%m-%d %H:%M}"

    @property
    def is_creation(self) -> bool:
        return self.previous_stage_id is None

    @property
    def close_date_slipped(self) -> bool:
        return (
            "close_date" in self.changed_fields
            and self.previous_close_date is not None
            and self.close_date > self.previous_close_date
        )


class BulkUpdateStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BulkUpdateJob(models.Model):
    """A bulk update from the list: the changes, the opportunities, the progress and outcome.

    Small ones run in the request; big ones in the task worker (opportunities.bulk).
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    language = models.CharField(max_length=16, blank=True)
    # {"owner": user id, "stage": stage id, "close_date": "YYYY-MM-DD", "type": …}
    changes = models.JSONField(default=dict)
    opportunity_ids = models.JSONField(default=list)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=BulkUpdateStatus.choices,
        default=BulkUpdateStatus.QUEUED,
    )
    total = models.PositiveIntegerField(_("selected"), default=0)
    processed = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    # [{"id": …, "name": …, "reason": …}] in the language of `language`.
    failures = models.JSONField(default=list)
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("bulk update")
        verbose_name_plural = _("bulk updates")
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self) -> str:
        return f"bulk update {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("opportunities:bulk_update_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in (BulkUpdateStatus.QUEUED, BulkUpdateStatus.RUNNING)

    @property
    def percent(self) -> int:
        return min(100, self.processed * 100 // self.total) if self.total else 100
