"""Errors services raise; pages and the API translate them for the user."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class ConflictError(Exception):
    """A write based on a stale version: someone else changed the record first."""

    def __init__(self, message=None, *, current_version: int | None = None):
        self.message = message or _(
            "Someone else changed this record while you were editing it. "
            "Reload to see their changes, then apply yours again."
        )
        self.current_version = current_version
        super().__init__(str(self.message))


class PermissionDeniedError(Exception):
    """The actor may see the record but not make this change."""

    def __init__(self, message=None):
        self.message = message or _("You are not allowed to make this change.")
        super().__init__(str(self.message))


def field_errors(error: ValidationError) -> dict[str, list[str]]:
    """A ValidationError as {field: [messages]}; errors without a field go under '__all__'."""
    if hasattr(error, "error_dict"):
        return {
            field: [str(m) for m in ValidationError(errs).messages]
            for field, errs in error.error_dict.items()
        }
    return {"__all__": [str(m) for m in error.messages]}
