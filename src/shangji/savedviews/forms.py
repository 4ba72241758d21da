from django import forms
from django.utils.translation import gettext_lazy as _

from .lists import spec_of
from .models import ListName


class SavedViewForm(forms.Form):
    """ "Save this view" on a list page: the filters and sort come along hidden."""

    list = forms.ChoiceField(choices=ListName.choices, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=100)
    query = forms.CharField(required=False, widget=forms.HiddenInput)
    sort = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    columns = forms.MultipleChoiceField(
        label=_("Columns"), required=False, widget=forms.CheckboxSelectMultiple
    )
    shared_with_team = forms.BooleanField(label=_("Share with my team"), required=False)
    is_default = forms.BooleanField(label=_("Open the list with this view"), required=False)

    def __init__(self, *args, list_name: str = ListName.OPPORTUNITIES, **kwargs):
        super().__init__(*args, **kwargs)
        spec = spec_of(self.data.get("list") or list_name) or spec_of(ListName.OPPORTUNITIES)
        self.fields["columns"].choices = list(spec.columns.items())


class RenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
