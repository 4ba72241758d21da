"""Forms of the import pages: the upload, the file's reading settings and the mapping."""

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shangji.opportunities.models import Pipeline

from .fields import fields_of
from .mapping import DATE_ORDERS, DECIMAL_MARKS
from .models import ImportMapping, Kind
from .parsing import DELIMITERS, ENCODINGS

DETECT = [("", gettext_lazy("Detect"))]
ADVANCED_RULES = ("template", "fallback", "scale")


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("The file holds"), choices=Kind.choices)
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (any common encoding and delimiter) or XLSX, header in the first row."
        ),
    )
    saved_mapping = forms.ModelChoiceField(
        label=gettext_lazy("Saved mapping"),
        queryset=ImportMapping.objects.all(),
        required=False,
        empty_label=gettext_lazy("Propose one from the headers"),
    )
    encoding = forms.ChoiceField(
        label=gettext_lazy("Encoding"), choices=DETECT + ENCODINGS, required=False
    )
    delimiter = forms.ChoiceField(
        label=gettext_lazy("Delimiter"), choices=DETECT + list(DELIMITERS.items()), required=False
    )
    sheet = forms.CharField(label=gettext_lazy("Sheet (XLSX)"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["saved_mapping"].label_from_instance = lambda m: (
            f"{m.get_kind_display()}: {m.name}"
        )

    def clean(self):
        data = super().clean()
        saved = data.get("saved_mapping")
        if saved and saved.kind != data.get("kind"):
            self.add_error("saved_mapping", _("This mapping is for another kind of file."))
        return data


class ReadingForm(forms.Form):
    encoding = forms.ChoiceField(
        label=gettext_lazy("Encoding"), choices=DETECT + ENCODINGS, required=False
    )
    delimiter = forms.ChoiceField(
        label=gettext_lazy("Delimiter"), choices=DETECT + list(DELIMITERS.items()), required=False
    )
    sheet = forms.ChoiceField(label=gettext_lazy("Sheet"), choices=[], required=False)

    def __init__(self, *args, job, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(name, name) for name in job.sheets]
        if job.file_format == "xlsx":
            del self.fields["encoding"], self.fields["delimiter"]
        else:
            del self.fields["sheet"]


_PAIR = re.compile(r"\s*(.+?)\s*(?:=>|→|=)\s*(.*?)\s*$")


def parse_pairs(text: str) -> dict:
    """'Won = Closed Won' lines as {"Won": "Closed Won"}."""
    pairs = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        match = _PAIR.match(line)
        if not match:
            raise forms.ValidationError(_("Write one “value = new value” per line."))
        pairs[match.group(1)] = match.group(2)
    return pairs


def format_pairs(pairs: dict) -> str:
    return "\n".join(f"{source} = {target}" for source, target in (pairs or {}).items())


class MappingForm(forms.Form):
    """One row per field: its column, a value for empty cells, value translations, and
    whether a row left empty is left out; then the options."""

    date_order = forms.ChoiceField(label=gettext_lazy("Dates like 03/01/2026"), choices=DATE_ORDERS)
    decimal_mark = forms.ChoiceField(label=gettext_lazy("Numbers"), choices=DECIMAL_MARKS)
    create_accounts = forms.BooleanField(
        label=gettext_lazy("Create missing accounts"),
        required=False,
        help_text=gettext_lazy("An account named in a row that is not here yet is created."),
    )
    pipeline = forms.ChoiceField(label=gettext_lazy("Pipeline"), required=False)
    good_rows_only = forms.BooleanField(
        label=gettext_lazy("Import the good rows and leave out the bad ones"),
        required=False,
        help_text=gettext_lazy(
            "Otherwise one bad row stops the whole import (nothing is written)."
        ),
    )
    save_as = forms.CharField(
        label=gettext_lazy("Save this mapping as"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("To use it again for the next file."),
    )

    def __init__(self, *args, job, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        self.known = fields_of(job.kind)
        specs = job.mapping.get("fields") or {}
        columns = [("", _("— not imported —"))] + [(h, h) for h in job.headers]
        self.rows = []
        for name, field in self.known.items():
            spec = specs.get(name, {})
            self.fields[f"column_{name}"] = forms.ChoiceField(
                label=field.label, choices=columns, required=False, initial=spec.get("column", "")
            )
            self.fields[f"default_{name}"] = forms.CharField(
                label=_("If empty"), required=False, initial=spec.get("default", "")
            )
            self.fields[f"values_{name}"] = forms.CharField(
                label=_("Translate values"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Won = Closed Won")}),
                initial=format_pairs(spec.get("map")),
            )
            self.fields[f"skip_{name}"] = forms.BooleanField(
                label=_("Leave the row out when empty"),
                required=False,
                initial=bool(spec.get("skip_if_empty")),
            )
            advanced = [rule for rule in ADVANCED_RULES if rule in spec]
            self.rows.append((field, name, advanced))
        options = job.mapping.get("options") or {}
        for option in ("date_order", "decimal_mark", "create_accounts", "pipeline"):
            self.fields[option].initial = options.get(option)
        self.fields["good_rows_only"].initial = job.good_rows_only
        if job.kind == Kind.OPPORTUNITIES:
            self.fields["pipeline"].choices = [("", _("The default pipeline"))] + [
                (pipeline.name, pipeline.label) for pipeline in Pipeline.objects.all()
            ]
        else:
            del self.fields["pipeline"]
        if job.kind in (Kind.ACCOUNTS, Kind.LEADS):
            del self.fields["create_accounts"]

    def option_fields(self):
        names = ("pipeline", "date_order", "decimal_mark", "create_accounts", "good_rows_only")
        return [self[name] for name in (*names, "save_as") if name in self.fields]

    def field_rows(self):
        """(field, its column, default, translations and skip inputs, advanced rules) rows."""
        for field, name, advanced in self.rows:
            yield {
                "field": field,
                "column": self[f"column_{name}"],
                "default": self[f"default_{name}"],
                "values": self[f"values_{name}"],
                "skip": self[f"skip_{name}"],
                "advanced": advanced,
            }

    def clean(self):
        data = super().clean()
        for name in self.known:
            try:
                data[f"values_{name}"] = parse_pairs(data.get(f"values_{name}", ""))
            except forms.ValidationError as error:
                self.add_error(f"values_{name}", error)
        return data

    def mapping(self) -> dict:
        """The mapping the form describes; rules set elsewhere (templates…) are kept."""
        data = self.cleaned_data
        old = self.job.mapping.get("fields") or {}
        fields = {}
        for name in self.known:
            spec = {rule: old[name][rule] for rule in ADVANCED_RULES if rule in old.get(name, {})}
            if data.get(f"column_{name}"):
                spec["column"] = data[f"column_{name}"]
            if data.get(f"default_{name}", "").strip():
                spec["default"] = data[f"default_{name}"].strip()
            if data.get(f"values_{name}"):
                spec["map"] = data[f"values_{name}"]
            if data.get(f"skip_{name}"):
                spec["skip_if_empty"] = True
            if spec:
                fields[name] = spec
        options = {
            "date_order": data["date_order"],
            "decimal_mark": data["decimal_mark"],
            "create_accounts": bool(data.get("create_accounts")),
            "pipeline": data.get("pipeline") or "",
        }
        return {"fields": fields, "options": options}
