"""Every write to pipelines and their stages (administrators only).

A pipeline keeps at least one active open, one active won and one active lost stage once it
has them: no change takes away the last active stage of a kind. Retiring keeps the row, so
history rows keep pointing at it; a stage's probability is a default for moves into it and
never rewrites the opportunities already there.
"""

from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shangji.core.errors import PermissionDeniedError

from .choices import ForecastCategory, StageKind
from .models import (
    DEFAULT_STALE_AFTER_DAYS,
    MAX_STALE_AFTER_DAYS,
    Opportunity,
    OpportunityChange,
    Pipeline,
    Stage,
)
from .services import opportunity_move_stage

STAGE_FIELDS = (
    "name",
    "name_zh_hans",
    "probability",
    "forecast_category",
    "kind",
    "stale_after_days",
)


def _require_admin(actor) -> None:
    if not (
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.is_admin
    ):
        raise PermissionDeniedError(_("Only administrators can change pipelines and stages."))


def _lock_pipeline(pipeline_id: int) -> Pipeline:
    # One writer per pipeline at a time: names, positions and the kind rule read its stages.
    return Pipeline.objects.select_for_update().get(pk=pipeline_id)


def _clean_name(value, errors: dict, field: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(_("Enter a name."))
    elif len(value) > 100:
        errors.setdefault(field, []).append(_("Use at most 100 characters."))
    return value


def _clean_probability(value, errors: dict):
    """A whole number from 0 to 100 (an int, or its digits as text)."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if value is None or value == "":
        errors.setdefault("probability", []).append(_("Enter a probability from 0 to 100."))
    elif number is None or not 0 <= number <= 100:
        errors.setdefault("probability", []).append(
            _("The probability must be a whole number from 0 to 100.")
        )
    return number if number is not None else value


def _clean_stale_after_days(value, errors: dict):
    """A whole number of days from 1 to MAX_STALE_AFTER_DAYS (an int, or its digits as text)."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 1 <= number <= MAX_STALE_AFTER_DAYS:
        errors.setdefault("stale_after_days", []).append(
            _("The days before an opportunity is stale must be a whole number from 1 to %(max)d.")
            % {"max": MAX_STALE_AFTER_DAYS}
        )
    return number if number is not None else value


def _check_stage_values(values: dict, errors: dict) -> None:
    if "probability" in values:
        values["probability"] = _clean_probability(values["probability"], errors)
    if "stale_after_days" in values:
        values["stale_after_days"] = _clean_stale_after_days(values["stale_after_days"], errors)
    if "kind" in values and values["kind"] not in StageKind.values:
        errors.setdefault("kind", []).append(_("Choose open, won or lost."))
    if "forecast_category" in values and values["forecast_category"] not in ForecastCategory.values:
        errors.setdefault("forecast_category", []).append(_("Choose a valid forecast category."))


def _check_unique_names(pipeline: Pipeline, values: dict, errors: dict, exclude_id=None) -> None:
    """Both names are unique within the pipeline, retired stages included, ignoring case."""
    others = Stage.objects.filter(pipeline=pipeline).exclude(pk=exclude_id)
    for field in ("name", "name_zh_hans"):
        value = values.get(field)
        if not value:
            continue
        duplicate = others.filter(**{f"{field}__iexact": value}).first()
        if duplicate is not None:
            errors.setdefault(field, []).append(
                _("The pipeline “%(pipeline)s” already has a stage named “%(name)s”.")
                % {"pipeline": pipeline.name, "name": value}
            )


def _is_last_active_of_kind(stage: Stage) -> bool:
    return not (
        Stage.objects.active()
        .filter(pipeline_id=stage.pipeline_id, kind=stage.kind)
        .exclude(pk=stage.pk)
        .exists()
    )


def _last_of_kind_message(stage: Stage) -> str:
    return {
        StageKind.OPEN: _("A pipeline needs at least one active open stage."),
        StageKind.WON: _("A pipeline needs at least one active won stage."),
        StageKind.LOST: _("A pipeline needs at least one active lost stage."),
    }[StageKind(stage.kind)]


def pipeline_create(*, actor, name: str, name_zh_hans: str = "") -> Pipeline:
    """Create an empty pipeline after the others; add its stages with `stage_create`."""
    with transaction.atomic():
        _require_admin(actor)
        errors: dict[str, list] = {}
        name = _clean_name(name, errors, "name", required=True)
        name_zh_hans = _clean_name(name_zh_hans, errors, "name_zh_hans", required=False)
        if name and Pipeline.objects.filter(name__iexact=name).exists():
            errors.setdefault("name", []).append(
                _("A pipeline named “%(name)s” already exists.") % {"name": name}
            )
        if name_zh_hans and Pipeline.objects.filter(name_zh_hans__iexact=name_zh_hans).exists():
            errors.setdefault("name_zh_hans", []).append(
                _("A pipeline named “%(name)s” already exists.") % {"name": name_zh_hans}
            )
        if errors:
            raise ValidationError(errors)
        last = Pipeline.objects.aggregate(last=Max("position"))["last"] or 0
        return Pipeline.objects.create(name=name, name_zh_hans=name_zh_hans, position=last + 1)


def stage_create(
    *,
    actor,
    pipeline: Pipeline,
    name: str,
    name_zh_hans: str = "",
    probability: int,
    kind: str = StageKind.OPEN,
    forecast_category: str = ForecastCategory.PIPELINE,
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
) -> Stage:
    """Add an active stage at the end of `pipeline`."""
    with transaction.atomic():
        _require_admin(actor)
        pipeline = _lock_pipeline(pipeline.pk)
        errors: dict[str, list] = {}
        values = {
            "name": _clean_name(name, errors, "name", required=True),
            "name_zh_hans": _clean_name(name_zh_hans, errors, "name_zh_hans", required=False),
            "probability": probability,
            "kind": kind,
            "forecast_category": forecast_category,
            "stale_after_days": stale_after_days,
        }
        _check_stage_values(values, errors)
        _check_unique_names(pipeline, values, errors)
        if errors:
            raise ValidationError(errors)
        last = Stage.objects.filter(pipeline=pipeline).aggregate(last=Max("position"))["last"]
        return Stage.objects.create(pipeline=pipeline, position=(last or 0) + 1, **values)


def stage_update(*, actor, stage: Stage, **changes) -> Stage:
    """Rename a stage, or change its default probability, forecast category, kind or the days
    without activity after which its open opportunities are stale.

    The opportunities in the stage keep their probability and category. The kind of a stage
    that opportunities have used cannot change (their history would change meaning), and no
    change takes away the pipeline's last active stage of a kind.
    """
    with transaction.atomic():
        _require_admin(actor)
        unknown = set(changes) - set(STAGE_FIELDS)
        if unknown:
            raise ValidationError(
                {field: [_("This field cannot be changed here.")] for field in sorted(unknown)}
            )
        _lock_pipeline(stage.pipeline_id)
        current = Stage.objects.select_related("pipeline").get(pk=stage.pk)
        errors: dict[str, list] = {}
        values = dict(changes)
        if "name" in values:
            values["name"] = _clean_name(values["name"], errors, "name", required=True)
        if "name_zh_hans" in values:
            values["name_zh_hans"] = _clean_name(
                values["name_zh_hans"], errors, "name_zh_hans", required=False
            )
        _check_stage_values(values, errors)
        _check_unique_names(current.pipeline, values, errors, exclude_id=current.pk)
        if "kind" in values and values["kind"] != current.kind and "kind" not in errors:
            used = (
                Opportunity.objects.filter(stage=current).exists()
                or OpportunityChange.objects.filter(
                    Q(stage=current) | Q(previous_stage=current)
                ).exists()
            )
            if used:
                errors.setdefault("kind", []).append(
                    _(
                        "Opportunities have been in this stage, so its kind cannot change. "
                        "Add a new stage instead."
                    )
                )
            elif current.is_active and _is_last_active_of_kind(current):
                errors.setdefault("kind", []).append(_last_of_kind_message(current))
        if errors:
            raise ValidationError(errors)
        changed = [field for field, value in values.items() if getattr(current, field) != value]
        for field in changed:
            setattr(current, field, values[field])
        if changed:
            current.save(update_fields=changed)
        return current


def stage_reorder(*, actor, stage: Stage, direction: Literal["up", "down"]) -> Stage:
    """Swap a stage with its neighbour above or below; positions become 1, 2, 3, …"""
    with transaction.atomic():
        _require_admin(actor)
        if direction not in ("up", "down"):
            raise ValidationError({"direction": [_("Move a stage up or down.")]})
        _lock_pipeline(stage.pipeline_id)
        ordered = list(
            Stage.objects.filter(pipeline_id=stage.pipeline_id).order_by("position", "id")
        )
        index = next(i for i, row in enumerate(ordered) if row.pk == stage.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(ordered):
            raise ValidationError(
                {
                    "direction": [
                        _("This stage is already the first.")
                        if direction == "up"
                        else _("This stage is already the last.")
                    ]
                }
            )
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, row in enumerate(ordered, start=1):
            if row.position != position:
                row.position = position
                row.save(update_fields=["position"])
        return next(row for row in ordered if row.pk == stage.pk)


def stage_retire(*, actor, stage: Stage, move_to: Stage | None = None) -> Stage:
    """Retire a stage: new opportunities cannot enter it; the row stays for history.

    Its open opportunities must move first: to `move_to`, an active open stage of the same
    pipeline, each move written to the opportunity's history.
    """
    with transaction.atomic():
        _require_admin(actor)
        _lock_pipeline(stage.pipeline_id)
        current = Stage.objects.select_for_update().get(pk=stage.pk)
        if not current.is_active:
            raise ValidationError({"__all__": [_("This stage is already retired.")]})
        if _is_last_active_of_kind(current):
            raise ValidationError({"__all__": [_last_of_kind_message(current)]})
        # Every opportunity in an open stage is open; locked so none changes while they move.
        open_opportunities = (
            list(Opportunity.objects.select_for_update().filter(stage=current).order_by("id"))
            if current.kind == StageKind.OPEN
            else []
        )
        if open_opportunities:
            if move_to is None:
                count = len(open_opportunities)
                raise ValidationError(
                    {
                        "move_to": [
                            ngettext(
                                "%(count)d open opportunity is still in this stage. Choose the "
                                "stage to move it to before retiring this one.",
                                "%(count)d open opportunities are still in this stage. Choose "
                                "the stage to move them to before retiring this one.",
                                count,
                            )
                            % {"count": count}
                        ]
                    }
                )
            target = Stage.objects.filter(pk=move_to.pk).first()
            if (
                target is None
                or target.pk == current.pk
                or target.pipeline_id != current.pipeline_id
                or not target.is_active
                or target.kind != StageKind.OPEN
            ):
                raise ValidationError(
                    {"move_to": [_("Choose another active open stage of the same pipeline.")]}
                )
            for opportunity in open_opportunities:
                try:
                    opportunity_move_stage(
                        opportunity=opportunity,
                        stage=target,
                        actor=actor,
                        version=opportunity.version,
                    )
                except ValidationError as error:
                    raise ValidationError(
                        {
                            "move_to": [
                                _("“%(name)s” cannot move: %(reason)s")
                                % {"name": opportunity.name, "reason": " ".join(error.messages)}
                            ]
                        }
                    ) from error
        current.is_active = False
        current.save(update_fields=["is_active"])
        return current


def stage_restore(*, actor, stage: Stage) -> Stage:
    """Make a retired stage available again."""
    with transaction.atomic():
        _require_admin(actor)
        _lock_pipeline(stage.pipeline_id)
        current = Stage.objects.select_for_update().get(pk=stage.pk)
        if not current.is_active:
            current.is_active = True
            current.save(update_fields=["is_active"])
        return current
