"""Import pages: upload → mapping → check (dry run) → import → progress → summary → undo."""

import csv

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View

from shangji.core.exports import safe_cell
from shangji.core.views import service_errors_as_messages, service_errors_on_form

from . import parsing, selectors, services
from .engine import source_of, undo_blockers
from .forms import MappingForm, ReadingForm, UploadForm
from .models import ImportMapping, JobAction, JobStatus
from .values import as_text

PROBLEMS_SHOWN = 200
RECORD_LISTS = {
    "opportunities": "opportunities:opportunity_list",
    "accounts": "accounts:account_list",
    "contacts": "contacts:contact_list",
    "leads": "leads:lead_list",
    "activities": "activities:activity_list",
}


class ImportListView(LoginRequiredMixin, View):
    template_name = "imports/job_list.html"

    def context(self, request, form):
        return {
            "form": form,
            "jobs": selectors.import_job_list(user=request.user)[:50],
            "mappings": selectors.import_mapping_list(),
        }

    def get(self, request):
        return render(request, self.template_name, self.context(request, UploadForm()))

    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            saved = data["saved_mapping"]
            with service_errors_on_form(form):
                job = services.import_job_create(
                    actor=request.user,
                    kind=data["kind"],
                    file=data["file"],
                    name=data["file"].name,
                    encoding=data["encoding"],
                    delimiter=data["delimiter"],
                    sheet=data["sheet"],
                    mapping=saved.mapping if saved else None,
                )
                return redirect(job)
        return render(request, self.template_name, self.context(request, form))


def _preview(job):
    try:
        return parsing.sample_rows(source_of(job), 3)
    except (parsing.UnreadableFile, UnicodeDecodeError, OSError):
        return []


class ImportDetailView(LoginRequiredMixin, View):
    template_name = "imports/job_detail.html"

    def context(self, request, job, form=None):
        editable = job.status in services.STARTABLE
        problems = selectors.import_job_problems(job=job, limit=PROBLEMS_SHOWN)
        return {
            "job": job,
            "editable": editable,
            "form": form or (MappingForm(job=job) if editable else None),
            "reading": ReadingForm(
                job=job,
                initial={"encoding": job.encoding, "delimiter": job.delimiter, "sheet": job.sheet},
            )
            if editable
            else None,
            "preview": _preview(job) if editable else [],
            "problems": problems,
            "problem_count": job.row_errors.count(),
            "undo_blockers": undo_blockers(job) if job.status == JobStatus.DONE else [],
            "problems_shown": PROBLEMS_SHOWN,
            "records_url": reverse(RECORD_LISTS[job.kind]),
        }

    def get(self, request, pk: int):
        job = selectors.import_job_get(user=request.user, pk=pk)
        return render(request, self.template_name, self.context(request, job))

    def post(self, request, pk: int):
        job = selectors.import_job_get(user=request.user, pk=pk)
        form = MappingForm(request.POST, job=job)
        action = request.POST.get("action", "save")
        if form.is_valid():
            with service_errors_on_form(form):
                job = services.import_job_set_mapping(
                    job=job,
                    actor=request.user,
                    mapping=form.mapping(),
                    good_rows_only=form.cleaned_data["good_rows_only"],
                )
                if name := form.cleaned_data["save_as"].strip():
                    services.import_mapping_save(
                        actor=request.user, kind=job.kind, name=name, mapping=job.mapping
                    )
                    messages.success(request, _("Mapping “%(name)s” saved.") % {"name": name})
                if action in (JobAction.DRY_RUN, JobAction.IMPORT):
                    services.import_job_start(job=job, actor=request.user, action=action)
                else:
                    messages.success(request, _("Mapping saved."))
                return redirect(job)
        return render(request, self.template_name, self.context(request, job, form))


class ImportReadingView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        job = selectors.import_job_get(user=request.user, pk=pk)
        form = ReadingForm(request.POST, job=job)
        if form.is_valid():
            with service_errors_as_messages(request):
                services.import_job_set_reading(job=job, actor=request.user, **form.cleaned_data)
                messages.success(request, _("The file was read again."))
        return redirect(job)


class ImportProgressView(LoginRequiredMixin, View):
    """The progress bar, polled by htmx; a finished job reloads the page for its summary."""

    def get(self, request, pk: int):
        job = selectors.import_job_get(user=request.user, pk=pk)
        response = render(request, "imports/partials/progress.html", {"job": job})
        if not job.is_active:
            response["HX-Refresh"] = "true"
        return response


class ImportUndoView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        job = selectors.import_job_get(user=request.user, pk=pk)
        with service_errors_as_messages(request):
            services.import_job_undo(job=job, actor=request.user)
        return redirect(job)


class ImportDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        job = selectors.import_job_get(user=request.user, pk=pk)
        with service_errors_as_messages(request):
            services.import_job_delete(job=job, actor=request.user)
            messages.success(request, _("Import deleted."))
            return redirect("imports:job_list")
        return redirect(job)


class ImportMappingDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        mapping = get_object_or_404(ImportMapping, pk=pk)
        with service_errors_as_messages(request):
            services.import_mapping_delete(mapping=mapping, actor=request.user)
            messages.success(request, _("Mapping deleted."))
        return redirect("imports:job_list")


class _Echo:
    def write(self, value):
        return value


def problem_rows(job):
    """The file's header and every row that has a problem, each with the reasons at the end."""
    reasons: dict[int, list[str]] = {}
    for problem in selectors.import_job_problems(job=job).iterator(chunk_size=2000):
        where = f"{problem.column}: " if problem.column else ""
        reasons.setdefault(problem.row, []).append(f"{where}{problem.message}")
    yield [*job.headers, _("Row"), _("Errors")]
    if not reasons:
        return
    for number, cells in parsing.data_rows(source_of(job)):
        if number in reasons:
            cells = (list(cells) + [None] * len(job.headers))[: len(job.headers)]
            yield [*(as_text(c) for c in cells), number, "; ".join(reasons[number])]


def problems_response(job) -> StreamingHttpResponse:
    """The bad rows as a CSV file (UTF-8 with BOM) with the reasons in a last column."""
    writer = csv.writer(_Echo())

    def lines():
        rows = problem_rows(job)
        yield "\ufeff" + writer.writerow([safe_cell(cell) for cell in next(rows)])
        for row in rows:
            yield writer.writerow([safe_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stem = job.original_name.rsplit(".", 1)[0]
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{stem}-errors.csv"
    )
    return response


class ImportProblemsView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        return problems_response(selectors.import_job_get(user=request.user, pk=pk))
