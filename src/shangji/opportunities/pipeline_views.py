"""Settings pages for pipelines and their stages: administrators only."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from shangji.core.views import service_errors_as_messages, service_errors_on_form

from .choices import StageKind
from .models import Opportunity, Pipeline, Stage
from .pipeline_forms import PipelineForm, StageForm, StageMoveForm, StageRetireForm
from .pipeline_services import (
    pipeline_create,
    stage_create,
    stage_reorder,
    stage_restore,
    stage_retire,
    stage_update,
)


class AdminRequiredMixin(LoginRequiredMixin):
    """Signed-in administrators only; everyone else gets 403."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_admin:
            raise PermissionDenied(_("Only administrators can change pipelines and stages."))
        return super().dispatch(request, *args, **kwargs)


def _back_to(pipeline_id: int) -> str:
    return f"{reverse('pipelines:pipeline_list')}#pipeline-{pipeline_id}"


def pipelines_with_stages() -> list[Pipeline]:
    """Every pipeline with its stages in order, each with `open_count`, and `missing_kinds`."""
    pipelines = list(
        Pipeline.objects.prefetch_related(
            Prefetch("stages", queryset=Stage.objects.order_by("position", "id"))
        )
    )
    open_counts = dict(
        Opportunity.objects.open()
        .order_by()
        .values("stage_id")
        .annotate(count=Count("id"))
        .values_list("stage_id", "count")
    )
    for pipeline in pipelines:
        stages = list(pipeline.stages.all())
        for stage in stages:
            stage.open_count = open_counts.get(stage.pk, 0)
        active_kinds = {stage.kind for stage in stages if stage.is_active}
        pipeline.missing_kinds = [
            label for kind, label in StageKind.choices if kind not in active_kinds
        ]
    return pipelines


class PipelineListView(AdminRequiredMixin, View):
    def get(self, request):
        return render(
            request, "pipelines/pipeline_list.html", {"pipelines": pipelines_with_stages()}
        )


class PipelineCreateView(AdminRequiredMixin, View):
    template_name = "pipelines/pipeline_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": PipelineForm()})

    def post(self, request):
        form = PipelineForm(request.POST)
        if form.is_valid():
            with service_errors_on_form(form):
                pipeline = pipeline_create(actor=request.user, **form.cleaned_data)
                messages.success(
                    request,
                    _(
                        "Pipeline “%(name)s” created. Add its stages: at least one open, one won "
                        "and one lost."
                    )
                    % {"name": pipeline.label},
                )
                return redirect(_back_to(pipeline.pk))
        return render(request, self.template_name, {"form": form})


class StageCreateView(AdminRequiredMixin, View):
    template_name = "pipelines/stage_form.html"

    def get(self, request, pipeline_id: int):
        pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
        return render(request, self.template_name, {"form": StageForm(), "pipeline": pipeline})

    def post(self, request, pipeline_id: int):
        pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
        form = StageForm(request.POST)
        if form.is_valid():
            with service_errors_on_form(form):
                stage = stage_create(actor=request.user, pipeline=pipeline, **form.cleaned_data)
                messages.success(request, _("Stage “%(name)s” added.") % {"name": stage.label})
                return redirect(_back_to(pipeline.pk))
        return render(request, self.template_name, {"form": form, "pipeline": pipeline})


class StageEditView(AdminRequiredMixin, View):
    template_name = "pipelines/stage_form.html"

    def get(self, request, stage_id: int):
        stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=stage_id)
        form = StageForm(initial=StageForm.initial_of(stage))
        context = {"form": form, "pipeline": stage.pipeline, "stage": stage}
        return render(request, self.template_name, context)

    def post(self, request, stage_id: int):
        stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=stage_id)
        form = StageForm(request.POST)
        if form.is_valid():
            with service_errors_on_form(form):
                stage = stage_update(actor=request.user, stage=stage, **form.cleaned_data)
                messages.success(request, _("Stage “%(name)s” saved.") % {"name": stage.label})
                return redirect(_back_to(stage.pipeline_id))
        context = {"form": form, "pipeline": stage.pipeline, "stage": stage}
        return render(request, self.template_name, context)


class StageMoveView(AdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, stage_id: int):
        stage = get_object_or_404(Stage, pk=stage_id)
        form = StageMoveForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Move a stage up or down."))
            return redirect(_back_to(stage.pipeline_id))
        with service_errors_as_messages(request):
            stage_reorder(actor=request.user, stage=stage, direction=form.cleaned_data["direction"])
        return redirect(_back_to(stage.pipeline_id))


class StageRetireView(AdminRequiredMixin, View):
    """GET asks for confirmation (and a target for open opportunities); POST retires."""

    template_name = "pipelines/stage_retire.html"

    def _render(self, request, stage, form, status=200):
        open_count = Opportunity.objects.filter(stage=stage).open().count()
        context = {"stage": stage, "form": form, "open_count": open_count}
        return render(request, self.template_name, context, status=status)

    def get(self, request, stage_id: int):
        stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=stage_id)
        return self._render(request, stage, StageRetireForm(stage=stage))

    def post(self, request, stage_id: int):
        stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=stage_id)
        form = StageRetireForm(request.POST, stage=stage)
        if form.is_valid():
            with service_errors_on_form(form):
                stage = stage_retire(
                    actor=request.user, stage=stage, move_to=form.cleaned_data["move_to"]
                )
                messages.success(request, _("Stage “%(name)s” retired.") % {"name": stage.label})
                return redirect(_back_to(stage.pipeline_id))
        return self._render(request, stage, form)


class StageRestoreView(AdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, stage_id: int):
        stage = get_object_or_404(Stage, pk=stage_id)
        stage = stage_restore(actor=request.user, stage=stage)
        messages.success(request, _("Stage “%(name)s” is active again.") % {"name": stage.label})
        return redirect(_back_to(stage.pipeline_id))
