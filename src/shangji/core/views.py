"""Helpers views share: query strings for links, and showing service errors to the user."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views import View

from .errors import ConflictError, PermissionDeniedError, field_errors
from .permissions import may_edit


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
    for field, messages_ in field_errors(error).items():
        name = field_map.get(field, field)
        target = name if name in form.fields else None
        for message in messages_:
            form.add_error(target, message)


def editable_or_403(user, record):
    """`record` (an owned record) if `user` may change it; otherwise a 403."""
    if not may_edit(user, record.owner):
        raise PermissionDenied(str(PermissionDeniedError().message))
    return record


@dataclass
class ServiceErrors:
    """What `service_errors_on_form` caught: `conflict` is a write based on a stale version."""

    conflict: bool = False


@contextmanager
def service_errors_on_form(form, field_map: dict | None = None) -> Iterator[ServiceErrors]:
    """Show a service's conflict or validation error on `form` and go on; a refusal is a 403.

    The rest of the `with` block (the success message and redirect) is skipped on an error.
    """
    caught = ServiceErrors()
    try:
        yield caught
    except ConflictError as error:
        form.add_error(None, str(error.message))
        caught.conflict = True
    except PermissionDeniedError as error:
        raise PermissionDenied(str(error.message)) from error
    except ValidationError as error:
        add_service_errors(form, error, field_map)


@contextmanager
def service_errors_as_messages(request) -> Iterator[None]:
    """Show a service's conflict or validation error as page messages; a refusal is a 403.

    For POST-and-redirect actions: the rest of the `with` block is skipped on an error.
    """
    try:
        yield
    except ConflictError as error:
        messages.error(request, error.message)
    except PermissionDeniedError as error:
        raise PermissionDenied(str(error.message)) from error
    except ValidationError as error:
        for field_messages in field_errors(error).values():
            for message in field_messages:
                messages.error(request, message)


class VersionedEditView(LoginRequiredMixin, View):
    """Edit an owned, versioned record through its update service; a stale version is a 409.

    Subclasses name the template, the form (with a hidden `version` and `changes()`) and the
    context name, and say how to fetch the record, update it and word the success message.
    """

    template_name = ""
    form_class: type
    context_object_name = ""

    def get_record(self, request, pk: int):
        """The record to edit: 404 if the user may not see it, 403 if they may not change it."""
        raise NotImplementedError

    def update(self, record, **arguments):
        """Call the update service with `actor`, `version` and the changes; return the record."""
        raise NotImplementedError

    def saved_message(self, record) -> str:
        """The success message shown after `record` was saved."""
        raise NotImplementedError

    def get(self, request, pk: int):
        record = self.get_record(request, pk)
        form = self.form_class(instance=record, initial={"version": record.version})
        context = {"form": form, self.context_object_name: record}
        return render(request, self.template_name, context)

    def post(self, request, pk: int):
        record = self.get_record(request, pk)
        form = self.form_class(request.POST, instance=record)
        conflict = False
        if form.is_valid():
            with service_errors_on_form(form) as caught:
                record = self.update(
                    record,
                    actor=request.user,
                    version=form.cleaned_data["version"],
                    **form.changes(),
                )
                messages.success(request, self.saved_message(record))
                return redirect(record)
            conflict = caught.conflict
        context = {"form": form, self.context_object_name: record, "conflict": conflict}
        return render(request, self.template_name, context, status=409 if conflict else 200)
