"""Activity pages: the timeline panel of a record, inline writes, the list, "my work" and
attachment downloads. Services write, selectors read; these only parse and render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shangji.core.errors import ConflictError, PermissionDeniedError, field_errors
from shangji.core.uploads import served_type
from shangji.core.views import query_string, service_errors_on_form

from . import selectors, services
from .choices import ActivityKind
from .forms import FORM_CLASSES
from .models import Activity, Attachment
from .panels import (
    RecordRef,
    activity_form,
    panel_context,
    record_from,
    safe_next,
    timeline_query,
)

CHANGED = "activity-changed"
CREATED = {
    ActivityKind.CALL: gettext_lazy("Call logged."),
    ActivityKind.MEETING: gettext_lazy("Meeting scheduled."),
    ActivityKind.TASK: gettext_lazy("Task added."),
    ActivityKind.NOTE: gettext_lazy("Note added."),
}


def _changed(response: HttpResponse) -> HttpResponse:
    """Tell the page (htmx) that an activity changed: its timeline reloads itself."""
    response["HX-Trigger"] = CHANGED
    return response


def _flash(request, text: str, *, error: bool = False, status: int = 200) -> HttpResponse:
    """An htmx answer shown in the panel's message area instead of the clicked element."""
    html = render_to_string(
        "activities/partials/flash.html", {"text": text, "error": error}, request=request
    )
    response = HttpResponse(html, status=status)
    response["HX-Retarget"] = "#activity-messages"
    response["HX-Reswap"] = "innerHTML"
    return _changed(response)


def _get_activity(user, pk) -> Activity:
    try:
        return selectors.activity_get(user=user, pk=pk)
    except Activity.DoesNotExist as error:
        raise Http404 from error


# --- the timeline panel -------------------------------------------------------------------


@login_required
def timeline_view(request):
    """The timeline section of a record (htmx): its first page, or with `cursor` the next."""
    ref = record_from(request.user, request.GET)
    if not request.htmx:
        return redirect(ref.url + timeline_query(request.GET) + "#timeline")
    context = panel_context(request, ref, with_forms=False)
    template = (
        "activities/partials/timeline_entries.html"
        if context["panel"].cursor
        else "activities/partials/timeline.html"
    )
    return render(request, template, context)


# --- create, edit, complete, delete -------------------------------------------------------


@login_required
def activity_create_view(request):
    """Log a call, schedule a meeting, add a task or a note on a record (inline or as a page)."""
    data = request.POST if request.method == "POST" else request.GET
    kind = data.get("kind", "")
    if kind not in FORM_CLASSES:
        raise Http404
    ref = record_from(request.user, data)
    next_url = safe_next(request, ref.url + "#timeline")
    if request.method != "POST":
        form = activity_form(kind, ref, request.user)
        return _create_page(request, form, ref, next_url)
    form = activity_form(kind, ref, request.user, data=request.POST, files=request.FILES)
    if form.is_valid():
        with service_errors_on_form(form):
            services.activity_create(
                actor=request.user, kind=kind, **ref.links, **form.service_arguments()
            )
            if request.htmx:
                fresh = activity_form(kind, ref, request.user)
                return _changed(_add_form(request, fresh, ref, next_url, str(CREATED[kind])))
            messages.success(request, str(CREATED[kind]))
            return redirect(next_url)
    if request.htmx:
        return _add_form(request, form, ref, next_url)
    return _create_page(request, form, ref, next_url)


def _add_form(request, form, ref: RecordRef, next_url: str, done: str = "") -> HttpResponse:
    context = {"form": form, "ref": ref, "next_url": next_url, "done": done}
    return render(request, "activities/partials/add_form.html", context)


def _create_page(request, form, ref: RecordRef, next_url: str) -> HttpResponse:
    context = {"form": form, "ref": ref, "next_url": next_url}
    return render(request, "activities/activity_form.html", context)


@login_required
def activity_detail_view(request, pk):
    """An activity's page, where it is edited too; with htmx, its timeline item."""
    activity = _get_activity(request.user, pk)
    selectors.mark_editable(request.user, [activity])
    next_url = safe_next(request, activity_default_next(activity))
    if request.method == "GET" and request.htmx:
        return render(
            request,
            "activities/partials/timeline_item_activity.html",
            {"activity": activity, "next_url": next_url},
        )
    form = None
    if activity.can_edit and activity.kind in FORM_CLASSES:
        data = request.POST if request.method == "POST" else None
        form = activity_form(activity.kind, RecordRef.of(activity), request.user, data, activity)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(str(PermissionDeniedError().message))
        return _update(request, activity, form, next_url)
    return render(
        request,
        "activities/activity_detail.html",
        {"activity": activity, "form": form, "next_url": next_url},
    )


def activity_default_next(activity: Activity) -> str:
    """Where to go after a write: the record's timeline, else the activity's page."""
    record = activity.opportunity or activity.lead or activity.contact or activity.account
    return record.get_absolute_url() + "#timeline" if record else activity_url(activity)


def activity_url(activity: Activity) -> str:
    return reverse("activities:activity_detail", args=[activity.pk])


def _update(request, activity: Activity, form, next_url: str) -> HttpResponse:
    conflict = False
    if form.is_valid():
        with service_errors_on_form(form) as caught:
            services.activity_update(
                activity=activity,
                actor=request.user,
                version=form.cleaned_data["version"],
                **form.service_arguments(),
            )
            if request.htmx:
                return _flash(request, _("Changes saved."))
            messages.success(request, _("Changes saved."))
            return redirect(next_url)
        conflict = caught.conflict
    status = 409 if conflict else 200
    context = {"activity": activity, "form": form, "next_url": next_url, "conflict": conflict}
    if request.htmx:
        return render(request, "activities/partials/inline_edit.html", context, status=status)
    return render(request, "activities/activity_detail.html", context, status=status)


@login_required
def activity_edit_view(request, pk):
    """The inline edit form of a timeline item (htmx); without htmx, the activity's page."""
    activity = _get_activity(request.user, pk)
    selectors.mark_editable(request.user, [activity])
    if not request.htmx:
        return redirect(activity_url(activity) + query_string(request.GET))
    if not activity.can_edit or activity.kind not in FORM_CLASSES:
        raise PermissionDenied(str(PermissionDeniedError().message))
    form = activity_form(activity.kind, RecordRef.of(activity), request.user, None, activity)
    next_url = safe_next(request, activity_default_next(activity))
    context = {"activity": activity, "form": form, "next_url": next_url}
    return render(request, "activities/partials/inline_edit.html", context)


def _version(request) -> int:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else 0


def _run(request, activity: Activity, action, done: str) -> HttpResponse:
    """Run a one-click write; a conflict or refusal is a clear message and changes nothing."""
    next_url = safe_next(request, activity_default_next(activity))
    try:
        action()
    except ConflictError as error:
        if request.htmx:
            return _flash(request, str(error.message), error=True, status=409)
        messages.error(request, error.message)
        return redirect(next_url)
    except PermissionDeniedError as error:
        raise PermissionDenied(str(error.message)) from error
    except ValidationError as error:
        text = " ".join(m for ms in field_errors(error).values() for m in ms)
        if request.htmx:
            return _flash(request, text, error=True)
        messages.error(request, text)
        return redirect(next_url)
    if request.htmx:
        return _flash(request, done)
    messages.success(request, done)
    return redirect(next_url)


@login_required
@require_POST
def activity_complete_view(request, pk):
    activity = _get_activity(request.user, pk)
    return _run(
        request,
        activity,
        lambda: services.activity_complete(
            activity=activity, actor=request.user, version=_version(request)
        ),
        _("Marked as done."),
    )


@login_required
@require_POST
def activity_delete_view(request, pk):
    activity = _get_activity(request.user, pk)
    return _run(
        request,
        activity,
        lambda: services.activity_delete(
            activity=activity, actor=request.user, version=_version(request)
        ),
        _("Deleted."),
    )


# --- lists, my work, downloads ------------------------------------------------------------


@login_required
def activity_list_view(request):
    params = request.GET.copy()
    cursor = params.pop("cursor", [None])[0]
    filterset, page = selectors.activity_list(user=request.user, params=params, cursor=cursor)
    context = {
        "filter": filterset,
        "page": page,
        "record": _filtered_record(filterset),
        "next_url": query_string(request.GET, cursor=page.next_cursor)
        if page and page.next_cursor
        else None,
        "first_url": query_string(request.GET, cursor=None),
    }
    return render(request, "activities/activity_list.html", context)


def _filtered_record(filterset):
    if not filterset.is_bound or not filterset.form.is_valid():
        return None
    data = filterset.form.cleaned_data
    return data.get("opportunity") or data.get("account") or data.get("contact") or data.get("lead")


@login_required
def my_work_view(request):
    work = selectors.my_work(user=request.user)
    selectors.mark_editable(
        request.user, [*work.overdue_tasks, *work.today_tasks, *work.today_events]
    )
    return render(request, "activities/my_work.html", {"work": work})


@login_required
def attachment_download_view(request, pk):
    """An attachment, to whoever may see its activity (404 otherwise), always as a download."""
    visible = Activity.objects.visible_to(request.user).values("pk")
    attachment = get_object_or_404(Attachment.objects.filter(activity__in=visible), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    # The type comes from our allow-list by the file's name, never from what the uploader's
    # browser or mail client claimed; pages and drawings (HTML, SVG, XML) go out as bytes.
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=served_type(attachment.filename),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
