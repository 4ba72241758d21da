"""/pipelines and /stages: read by everyone, stages written by administrators."""

from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from shangji.opportunities import pipeline_services
from shangji.opportunities.choices import ForecastCategory, StageKind
from shangji.opportunities.models import (
    DEFAULT_STALE_AFTER_DAYS,
    MAX_STALE_AFTER_DAYS,
    Pipeline,
    Stage,
)

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
    stale_after_days: int = Field(
        description="Open opportunities here without activity for this many days are stale."
    )
    is_active: bool


class PipelineOut(Schema):
    id: int
    name: str
    name_zh_hans: str
    label: str = Field(description="The name in the request's language.")
    is_default: bool
    position: int
    stages: list[StageOut]


class PipelineCreate(InputSchema):
    name: str
    name_zh_hans: str = ""


class StageCreate(InputSchema):
    name: str
    name_zh_hans: str = ""
    probability: int = Field(ge=0, le=100)
    kind: StageKind = StageKind.OPEN
    forecast_category: ForecastCategory = ForecastCategory.PIPELINE
    stale_after_days: int = Field(DEFAULT_STALE_AFTER_DAYS, ge=1, le=MAX_STALE_AFTER_DAYS)


class StageMove(InputSchema):
    direction: Literal["up", "down"]


class StageRetire(InputSchema):
    move_to: int | None = Field(
        None, description="An active open stage of the same pipeline for its open opportunities."
    )


class StagePatch(PatchSchema):
    """The probability and category are defaults for moves into the stage; the opportunities
    already there keep theirs."""

    # Absent keys stay as they are; null is refused.
    name: str = None  # type: ignore[assignment]
    name_zh_hans: str = None  # type: ignore[assignment]
    probability: int = Field(None, ge=0, le=100)
    kind: StageKind = None  # type: ignore[assignment]
    forecast_category: ForecastCategory = None  # type: ignore[assignment]
    stale_after_days: int = Field(None, ge=1, le=MAX_STALE_AFTER_DAYS)


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
    "/pipelines",
    response={201: PipelineOut, **WRITE_ERRORS},
    summary="Create a pipeline",
    description="Administrators only. It starts empty: add its stages next.",
)
def create_pipeline(request, payload: PipelineCreate):
    pipeline = pipeline_services.pipeline_create(actor=request.auth, **payload.model_dump())
    return Status(201, pipeline)


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


@router.post(
    "/stages/{stage_id}/move",
    response={200: StageOut, **WRITE_ERRORS},
    summary="Move a stage up or down",
    description="Administrators only. Swaps the stage with its neighbour.",
)
def move_stage(request, stage_id: int, payload: StageMove):
    stage = get_object_or_404(Stage, pk=stage_id)
    return pipeline_services.stage_reorder(
        actor=request.auth, stage=stage, direction=payload.direction
    )


@router.post(
    "/stages/{stage_id}/retire",
    response={200: StageOut, **WRITE_ERRORS},
    summary="Retire a stage",
    description="Administrators only. New opportunities cannot enter it; its open "
    "opportunities move to `move_to` first (each move is written to their history).",
)
def retire_stage(request, stage_id: int, payload: StageRetire):
    stage = get_object_or_404(Stage, pk=stage_id)
    move_to = get_object_or_404(Stage, pk=payload.move_to) if payload.move_to is not None else None
    return pipeline_services.stage_retire(actor=request.auth, stage=stage, move_to=move_to)


@router.post(
    "/stages/{stage_id}/restore",
    response={200: StageOut, **WRITE_ERRORS},
    summary="Bring a retired stage back",
    description="Administrators only.",
)
def restore_stage(request, stage_id: int):
    stage = get_object_or_404(Stage, pk=stage_id)
    return pipeline_services.stage_restore(actor=request.auth, stage=stage)
