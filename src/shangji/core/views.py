"""Helpers views share: query strings for links, and form errors from service errors."""

from django.core.exceptions import ValidationError

from .errors import field_errors


def query_string(params, **overrides) -> str:
    """The current GET parameters with `overrides` (None removes a key), as '?a=1&b=2'."""
    query = params.copy()
    for key, value in overrides.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else ""


def add_service_errors(form, error: ValidationError, field_map: dict | None = None) -> None:
    """Show a service's ValidationError on the form, on the matching fields where possible."""
    field_map = field_map or {}
    for field, messages in field_errors(error).items():
        name = field_map.get(field, field)
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)
