"""Form pieces every app uses."""

from django import forms
from django.utils.translation import gettext_noop

# Django 6.1's empty choice label, not yet in its own Chinese catalogue: ours carries it.
gettext_noop("- Select an option -")

# How many rows a select over a big table renders before the user searches.
OPTIONS_LIMIT = 50


class ChosenOnlySelect(forms.Select):
    """A <select> for a big table: only the chosen row (or the first rows) are rendered.

    The page pairs it with a search box that fetches more `<option>`s with htmx; validation
    still runs against the field's whole queryset.
    """

    def optgroups(self, name, value, attrs=None):
        full = self.choices
        field = getattr(full, "field", None)
        if field is None:  # plain choices, nothing to trim
            return super().optgroups(name, value, attrs)
        ids = [item for item in value if str(item).isdigit()]
        queryset = full.queryset
        rows = list(queryset.filter(pk__in=ids)) if ids else []
        if not rows:
            rows = list(queryset[:OPTIONS_LIMIT])
        choices = [] if field.empty_label is None else [("", field.empty_label)]
        choices += [(row.pk, field.label_from_instance(row)) for row in rows]
        self.choices = choices
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = full


class ServiceModelForm(forms.ModelForm):
    """A ModelForm that only parses input: the service validates the model and saves it."""

    def _post_clean(self):
        # The service validates the model; the form only parses the input.
        pass

    def required_by_service(self, name: str) -> None:
        """Let the service report `name` missing in its own words; the browser still asks."""
        self.fields[name].required = False
        self.fields[name].widget.attrs["required"] = True


class VersionedEditMixin(forms.Form):
    """For an edit form: the hidden version the page was read at, and the changes apart."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def changes(self) -> dict:
        """The cleaned fields for the update service, without `version`."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}
