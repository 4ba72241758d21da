from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    EXECUTIVE = "executive", _("Executive")
    MANAGER = "manager", _("Sales manager")
    REP = "rep", _("Sales rep")


class ApiTokenScope(models.TextChoices):
    READ_WRITE = "read-write", _("Read and write")
    READ_ONLY = "read-only", _("Read only")


class Language(models.TextChoices):
    BROWSER = "", _("Browser default")
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"
