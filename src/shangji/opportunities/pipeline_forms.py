"""Forms of the pipeline and stage settings pages: they parse; pipeline_services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ForecastCategory, StageKind
from .models import DEFAULT_STALE_AFTER_DAYS, MAX_STALE_AFTER_DAYS, Stage

# Names are checked by the service (required, unique); the browser still asks for one.
NAME_INPUT = forms.TextInput(attrs={"required": True})


class PipelineForm(forms.Form):
    name = forms.CharField(
        label=_("name (English)"), max_length=100, required=False, widget=NAME_INPUT
    )
    name_zh_hans = forms.CharField(label=_("name (Chinese)"), max_length=100, required=False)


class StageForm(forms.Form):
    name = forms.CharField(
        label=_("name (English)"), max_length=100, required=False, widget=NAME_INPUT
    )
    name_zh_hans = forms.CharField(label=_("name (Chinese)"), max_length=100, required=False)
    # The range is the service's rule; the browser hint only saves a round trip.
    probability = forms.IntegerField(
        label=_("probability (%)"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"}),
    )
    kind = forms.ChoiceField(label=_("kind"), choices=StageKind.choices, initial=StageKind.OPEN)
    forecast_category = forms.ChoiceField(
        label=_("forecast category"),
        choices=ForecastCategory.choices,
        initial=ForecastCategory.PIPELINE,
    )

    # Blank keeps the stage's value (the default for a new stage); the service checks the range.
    stale_after_days = forms.IntegerField(
        label=_("stale after (days)"),
        required=False,
        initial=DEFAULT_STALE_AFTER_DAYS,
        help_text=_(
            "An open opportunity in this stage with no activity for this many days, and nothing "
            "scheduled, is flagged as stale."
        ),
        widget=forms.NumberInput(
            attrs={"min": 1, "max": MAX_STALE_AFTER_DAYS, "step": 1, "inputmode": "numeric"}
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("stale_after_days") is None and "stale_after_days" not in self.errors:
            cleaned.pop("stale_after_days", None)
        return cleaned

    @classmethod
    def initial_of(cls, stage: Stage) -> dict:
        return {name: getattr(stage, name) for name in cls.base_fields}


class StageMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])


class StageRetireForm(forms.Form):
    """Where the stage's open opportunities go: another active open stage of its pipeline."""

    move_to = forms.ModelChoiceField(
        label=_("Move its open opportunities to"),
        queryset=Stage.objects.none(),
        required=False,
        empty_label=_("Choose a stage"),
    )

    def __init__(self, *args, stage: Stage, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["move_to"].queryset = (
            Stage.objects.active()
            .filter(pipeline_id=stage.pipeline_id, kind=StageKind.OPEN)
            .exclude(pk=stage.pk)
            .order_by("position", "id")
        )
        self.fields["move_to"].label_from_instance = _stage_label


def _stage_label(stage: Stage) -> str:
    return f"{stage.position}. {stage.label}"
