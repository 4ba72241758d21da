"""Form pieces every app uses."""

from django import forms

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
