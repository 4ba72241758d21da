"""How the API answers errors: one JSON shape per kind, in the request's language."""

from collections.abc import Iterator
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import BaseModel

from shangji.core.errors import ConflictError, PermissionDeniedError, field_errors

from .schemas import ConflictOut, MessageOut, ValidationErrorOut

# Pydantic's own words for the common mistakes, swapped for Django's (which Django translates).
_PYDANTIC_MESSAGES = {
    "missing": "This field is required.",
    "date_from_datetime_parsing": "Enter a valid date.",
    "date_parsing": "Enter a valid date.",
    "date_type": "Enter a valid date.",
    "datetime_parsing": "Enter a valid date/time.",
    "datetime_from_date_parsing": "Enter a valid date/time.",
    "decimal_parsing": "Enter a number.",
    "decimal_type": "Enter a number.",
    "int_parsing": "Enter a whole number.",
    "int_type": "Enter a whole number.",
    "int_from_float": "Enter a whole number.",
    "bool_parsing": "Enter a valid boolean.",
}

# Responses every endpoint behind authentication may give, for the OpenAPI document.
AUTH_ERRORS = {401: MessageOut}
READ_ERRORS = {**AUTH_ERRORS, 404: MessageOut, 422: ValidationErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 400: ValidationErrorOut, 403: MessageOut}
VERSIONED_WRITE_ERRORS = {**WRITE_ERRORS, 409: ConflictOut}


def _summary(errors: dict[str, list[str]]) -> str:
    messages = [message for field_messages in errors.values() for message in field_messages]
    if len(messages) == 1:
        return messages[0]
    return _("Please correct the errors below.")


def _field_name(location: tuple) -> str:
    """'amount' for ('body', 'payload', 'amount'), 'limit' for ('query', 'limit')."""
    source, *rest = location
    if source == "body" and len(rest) > 1:
        rest = rest[1:]  # the name of the endpoint's body argument
    elif source == "query" and len(rest) > 2 and isinstance(rest[1], str):
        rest = rest[1:]  # ('query', 'filters', 'kind', 0): the name of the Query[...] argument
    return ".".join(str(part) for part in rest) or "__all__"


def unreadable_body_message() -> str:
    """What a caller whose body is neither JSON nor readable form data is told."""
    return _("The request body could not be read: it is not valid JSON or form data.")


def schema_errors(exc: NinjaValidationError) -> dict[str, list[str]]:
    """Ninja's list of pydantic errors as {field: [messages]}."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        known = _PYDANTIC_MESSAGES.get(error.get("type", ""))
        message = _(known) if known else str(error.get("msg", ""))
        errors.setdefault(_field_name(tuple(error.get("loc", ()))), []).append(message)
    return errors


# The integers a database column holds (64-bit). A larger id or number in a request matches no
# row, and SQLite cannot even compare a column with it (OverflowError).
DATABASE_INT_MIN, DATABASE_INT_MAX = -(2**63), 2**63 - 1


def _oversized_integers(value, path: tuple = ()) -> Iterator[tuple[tuple, int]]:
    """(path, limit) for each integer in parsed input that no database column can hold."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if value > DATABASE_INT_MAX:
            yield path, DATABASE_INT_MAX
        elif value < DATABASE_INT_MIN:
            yield path, DATABASE_INT_MIN
    elif isinstance(value, BaseModel):
        for name, item in value:
            yield from _oversized_integers(item, (*path, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _oversized_integers(item, (*path, key))
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from _oversized_integers(item, (*path, index))


def refuse_oversized_integers(view):
    """Answer 422 for an integer (id, count) beyond what the database holds, naming the field."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        errors = []
        for name, value in kwargs.items():
            # A schema argument (query or body) names its fields; a plain one (path) itself.
            start = () if isinstance(value, BaseModel) else (name,)
            for path, limit in _oversized_integers(value, start):
                if limit > 0:
                    message = _("Ensure this value is less than or equal to %(limit_value)s.")
                else:
                    message = _("Ensure this value is greater than or equal to %(limit_value)s.")
                errors.append(
                    {
                        "loc": ("value", *path),
                        "type": "integer_out_of_range",
                        "msg": message % {"limit_value": limit},
                    }
                )
        if errors:
            raise NinjaValidationError(errors)
        return view(request, *args, **kwargs)

    return checked


def install(api: NinjaAPI) -> None:
    """Register the API's exception handlers and its guard against oversized integers."""
    api.add_decorator(refuse_oversized_integers)

    def respond(request: HttpRequest, data: dict, status: int) -> HttpResponse:
        return api.create_response(request, data, status=status)

    @api.exception_handler(DjangoValidationError)
    def validation_error(request, exc):
        errors = field_errors(exc)
        return respond(request, {"detail": _summary(errors), "errors": errors}, 400)

    @api.exception_handler(NinjaValidationError)
    def schema_error(request, exc):
        errors = schema_errors(exc)
        return respond(request, {"detail": _summary(errors), "errors": errors}, 422)

    @api.exception_handler(PermissionDeniedError)
    def permission_denied(request, exc):
        return respond(request, {"detail": str(exc.message)}, 403)

    @api.exception_handler(PermissionDenied)
    def django_permission_denied(request, exc):
        return respond(request, {"detail": str(PermissionDeniedError().message)}, 403)

    @api.exception_handler(ConflictError)
    def conflict(request, exc):
        data = {"detail": str(exc.message), "current_version": exc.current_version}
        return respond(request, data, 409)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, {"detail": _("Not found.")}, 404)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        response = respond(
            request,
            {"detail": _("Authentication credentials were not provided or are not valid.")},
            401,
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(MultiPartParserError)
    def unreadable_form(request, exc):
        message = unreadable_body_message()
        return respond(request, {"detail": message, "errors": {"__all__": [message]}}, 400)

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        message = str(exc)
        if message == "Cannot parse request body":  # ninja's words, in English only
            message = unreadable_body_message()
        data = {"detail": message}
        if exc.status_code == 400:  # e.g. a body that is not JSON: the 400 shape throughout
            data["errors"] = {"__all__": [message]}
        return respond(request, data, exc.status_code)
