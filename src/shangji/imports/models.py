"""Imports: an uploaded file, how its columns map to fields, and what importing it did."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    OPPORTUNITIES = "opportunities", _("Opportunities")
    ACCOUNTS = "accounts", _("Accounts")
    CONTACTS = "contacts", _("Contacts")
    LEADS = "leads", _("Leads")
    ACTIVITIES = "activities", _("Activities")


class JobStatus(models.TextChoices):
    NEW = "new", _("Waiting for the mapping")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    CHECKED = "checked", _("Checked")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Not imported")
    INTERRUPTED = "interrupted", _("Interrupted")
    UNDONE = "undone", _("Undone")


class JobAction(models.TextChoices):
    DRY_RUN = "dry_run", _("Check")
    IMPORT = "import", _("Import")
    UNDO = "undo", _("Undo")


class Phase(models.TextChoices):
    COUNTING = "counting", _("Counting rows")
    CHECKING = "checking", _("Checking rows")
    WRITING = "writing", _("Writing")
    UNDOING = "undoing", _("Undoing")


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class ImportJob(models.Model):
    """One uploaded file on its way in: reading settings, mapping, progress and the summary."""

    kind = models.CharField(_("import"), max_length=16, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(max_length=8)  # csv or xlsx
    encoding = models.CharField(_("encoding"), max_length=32, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=4, blank=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    sheets = models.JSONField(default=list, blank=True)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    good_rows_only = models.BooleanField(
        _("import the good rows, leave out the bad ones"), default=False
    )
    language = models.CharField(max_length=8, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)

    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.NEW
    )
    action = models.CharField(max_length=8, choices=JobAction.choices, blank=True)
    phase = models.CharField(max_length=8, choices=Phase.choices, blank=True)
    checked = models.BooleanField(default=False)  # a dry run of the current mapping finished
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    failed_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    accounts_created_count = models.PositiveIntegerField(_("accounts created"), default=0)
    message = models.TextField(blank=True)

    worker_host = models.CharField(max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="import_jobs",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            models.Index(fields=["created_by", "-created_at"]),
            models.Index(fields=["status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"

    def get_absolute_url(self) -> str:
        return reverse("imports:job_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, self.rows_read * 100 // self.rows_total)


class ImportRowError(models.Model):
    """A row that cannot be imported (or that a mapping rule skipped), and why."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=255, blank=True)
    field = models.CharField(max_length=32, blank=True)
    value = models.TextField(_("value"), blank=True)
    message = models.TextField(_("reason"))
    skipped = models.BooleanField(default=False)  # left out by a rule, not an error

    class Meta:
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["job", "row"])]

    def __str__(self) -> str:
        return f"{self.row}: {self.message}"


class ImportRecord(models.Model):
    """What an import wrote, so it can be undone: the ids of the records it created (a chunk
    of them per row here), or one record it changed with its values from before."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="records")
    model = models.CharField(max_length=16)  # opportunity, account, contact, lead, activity
    created = models.BooleanField()
    object_ids = models.JSONField(default=list, blank=True)  # created: their ids (version 1)
    object_id = models.BigIntegerField(null=True, blank=True)  # changed: its id
    previous = models.JSONField(null=True, blank=True)  # changed: the values before
    version = models.PositiveIntegerField(null=True, blank=True)  # changed: the version it left
    row = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["job", "model", "created"])]

    def __str__(self) -> str:
        return f"{self.model} {self.object_id or len(self.object_ids)}"


class ImportMapping(models.Model):
    """A named column mapping for one kind of import, saved to be used again."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("import"), max_length=16, choices=Kind.choices)
    mapping = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="import_mapping_name_per_kind")
        ]

    def __str__(self) -> str:
        return self.name
