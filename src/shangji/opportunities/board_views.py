"""The pipeline board page, a column's further cards, and moving a card to another stage."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shangji.core.errors import ConflictError, PermissionDeniedError, field_errors

from . import board, selectors, services
from .models import Stage


class BoardMoveForm(forms.Form):
    stage = forms.IntegerField()
    version = forms.IntegerField()
    lost_reason = forms.CharField(required=False, max_length=255)


@login_required
@require_GET
def board_view(request):
    shown = board.board_get(user=request.user, params=request.GET)
    context = {"board": shown, "health_template": board.health_template()}
    return render(request, "opportunities/board.html", context)


@login_required
@require_GET
def board_column_view(request, stage_pk):
    stage = get_object_or_404(Stage.objects.active().filter(kind="open"), pk=stage_pk)
    try:
        page = board.board_column_page(
            user=request.user, stage=stage, params=request.GET, cursor=request.GET.get("cursor")
        )
    except ValueError:
        return _message(request, _("That link is no longer valid; reload the board."), 400)
    context = {
        "column": board.Column(stage=stage, page=page, cards=page.items),
        "board_stages": board.board_stages(stage.pipeline),
        "query": board.board_query(request.GET, stage.pipeline),
        "health_template": board.health_template(),
    }
    return render(request, "opportunities/partials/board_cards.html", context)


@login_required
@require_POST
def board_move_view(request, pk):
    """Move a card; answer with the card and every column's new figures, or a message."""
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    form = BoardMoveForm(request.POST)
    if not form.is_valid():
        return _message(request, _("Choose a stage."), 400)
    stage = (
        Stage.objects.active()
        .filter(pipeline_id=opportunity.pipeline_id, pk=form.cleaned_data["stage"])
        .first()
    )
    if stage is None:
        return _message(request, _("Choose a stage of this pipeline."), 400)
    try:
        services.opportunity_move_stage(
            opportunity=opportunity,
            stage=stage,
            actor=request.user,
            version=form.cleaned_data["version"],
            lost_reason=form.cleaned_data["lost_reason"].strip(),
        )
    except ConflictError:
        return _message(
            request,
            _(
                "Someone else changed “%(name)s” meanwhile; it was not moved. "
                "Reload the board to see the latest."
            )
            % {"name": opportunity.name},
            409,
        )
    except PermissionDeniedError as error:
        return _message(request, str(error.message), 403)
    except ValidationError as error:
        text = " ".join(" ".join(messages) for messages in field_errors(error).values())
        return _message(request, text, 400)
    card = board.board_card(user=request.user, pk=pk)
    if card is None:
        raise Http404
    columns, zones = board.board_headers(
        user=request.user, params=request.GET, pipeline=stage.pipeline
    )
    context = {
        "opportunity": card,
        "headers": columns + zones,
        "board_stages": [column.stage for column in columns + zones],
        "query": board.board_query(request.GET, stage.pipeline),
        "health_template": board.health_template(),
        "message": _("“%(name)s” moved to %(stage)s.") % {"name": card.name, "stage": stage.label},
    }
    return render(request, "opportunities/partials/board_moved.html", context)


def _message(request, text: str, status: int):
    return render(
        request,
        "opportunities/partials/board_message.html",
        {"text": text, "level": "error"},
        status=status,
    )
