"""/pipelines and /stages: read by everyone, stages written by administrators."""

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from shangji.opportunities import pipeline_services
from shangji.opportunities.choices import ForecastCategory, StageKind
from shangji.opportunities.models import Pipeline, Stage

from .errors import AUTH_ERRORS, WRITE_ERRORS
from .schemas import InputSchema, PatchSchema

router = Router(tags=["pipelines"])


class StageOut(Schema):
    id: int
    name: str
    name_zh_hans: str
    label: str = Field(description="The name in the request's language.")
    position: int
    kind: str
    probability: int
    forecast_category: str
    is_active: bool


class PipelineOut(Schema):
    id: int
    name: str
    name_zh_hans: str
    label: str = Field(description="The name in the request's language.")
    is_default: bool
    position: int
    stages: list[StageOut]


class StageCreate(InputSchema):
    name: str
    name_zh_hans: str = ""
    probability: int = Field(ge=0, le=100)
    kind: StageKind = StageKind.OPEN
    forecast_category: ForecastCategory = ForecastCategory.PIPELINE


class StagePatch(PatchSchema):
    """The probability and category are defaults for moves into the stage; the opportunities
    already there keep theirs."""

    # Absent keys stay as they are; null is refused.
    name: str = None  # type: ignore[assignment]
    name_zh_hans: str = None  # type: ignore[assignment]
    probability: int = Field(None, ge=0, le=100)
    kind: StageKind = None  # type: ignore[assignment]
    forecast_category: ForecastCategory = None  # type: ignore[assignment]


@router.get(
    "/pipelines",
    response={200: list[PipelineOut], **AUTH_ERRORS},
    summary="List pipelines with their stages",
    description="Every pipeline, default first by position, each with all its stages "
    "(retired ones have `is_active: false`).",
)
def list_pipelines(request):
    return Pipeline.objects.prefetch_related("stages")


@router.post(
    "/pipelines/{pipeline_id}/stages",
    response={201: StageOut, **WRITE_ERRORS},
    summary="Add a stage to a pipeline",
    description="Administrators only. The stage goes after the pipeline's last one.",
)
def create_stage(request, pipeline_id: int, payload: StageCreate):
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    stage = pipeline_services.stage_create(
        actor=request.auth, pipeline=pipeline, **payload.model_dump()
    )
    return Status(201, stage)


@router.patch(
    "/stages/{stage_id}",
    response={200: StageOut, **WRITE_ERRORS},
    summary="Change a stage",
    description="Administrators only. Send only the fields to change.",
)
def update_stage(request, stage_id: int, payload: StagePatch):
    stage = get_object_or_404(Stage, pk=stage_id)
    return pipeline_services.stage_update(actor=request.auth, stage=stage, **payload.changes())
