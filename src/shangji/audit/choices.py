from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOGIN_LOCKED = "login_locked", _("Sign-in locked")
    LOGOUT = "logout", _("Signed out")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    USER_CREATED = "user_created", _("User created")
    USER_DEACTIVATED = "user_deactivated", _("User deactivated")
    ROLE_CHANGED = "role_changed", _("Role changed")
    PERMISSION_CHANGED = "permission_changed", _("Access changed")
    API_KEY_CREATED = "api_key_created", _("API key created")
    API_KEY_REVOKED = "api_key_revoked", _("API key revoked")
    EXPORT = "export", _("Export")
    RECORD_DELETED = "record_deleted", _("Record deleted")
    IMPORT_UNDONE = "import_undone", _("Import undone")
    WEBHOOK_CREATED = "webhook_created", _("Webhook created")
    WEBHOOK_DELETED = "webhook_deleted", _("Webhook deleted")


class LockScope(models.TextChoices):
    ACCOUNT = "account", _("account")
    ADDRESS = "address", _("address")
