"""The mapping format: which column (or rule) gives each field of an import.

A mapping is JSON (saved mappings, the API and `shangji import --mapping FILE` use the same):

    {"fields": {"<field>": "<column>" | {
        "column": "<column>",             # the header to read (optional)
        "map": {"<value>": "<value>"},    # translate values (keys compared loosely)
        "fallback": {...},                # another spec, read when this one is empty
        "template": "Text {Column} …",    # compose a value from columns
        "scale": "1000000",               # multiply a number
        "default": "<value>",             # when the cell is empty
        "skip_if_empty": true}},           # leave the row out (reported) when still empty
     "options": {"date_order": "mdy" | "dmy", "decimal_mark": "." | ",",
                 "create_accounts": false, "pipeline": "<pipeline name>"}}
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .fields import Field, fields_of, propose_fields
from .values import as_text, is_empty, key

__all__ = ["Field", "clean_mapping", "fields_of", "propose", "read_spec"]

DATE_ORDERS = [
    ("mdy", gettext_lazy("Month first: 03/01/2026 is 1 March")),
    ("dmy", gettext_lazy("Day first: 01/03/2026 is 1 March")),
]
DECIMAL_MARKS = [
    (".", gettext_lazy("Decimal point: 1,234.56")),
    (",", gettext_lazy("Decimal comma: 1.234,56")),
]
DEFAULT_OPTIONS = {
    "date_order": "mdy",
    "decimal_mark": ".",
    "create_accounts": False,
    "pipeline": "",
}
SPEC_KEYS = {"column", "map", "fallback", "template", "scale", "default", "skip_if_empty"}


def propose(kind: str, headers: list[str]) -> dict:
    """The mapping proposed for a file's headers, with the default options."""
    return {"fields": propose_fields(kind, headers), "options": dict(DEFAULT_OPTIONS)}


def _clean_spec(spec, field: Field, headers: list[str] | None, errors: dict, path: str) -> dict:
    if isinstance(spec, str):
        spec = {"column": spec}
    if not isinstance(spec, dict):
        errors.setdefault(path, []).append(_("Give a column name or a set of rules."))
        return {}
    unknown = set(spec) - SPEC_KEYS
    if unknown:
        errors.setdefault(path, []).append(
            _("Unknown rules: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    clean: dict = {}
    column = spec.get("column")
    if column not in (None, ""):
        if headers is not None and column not in headers:
            errors.setdefault(path, []).append(
                _("The file has no column “%(column)s”.") % {"column": column}
            )
        clean["column"] = str(column)
    if spec.get("map"):
        if not isinstance(spec["map"], dict):
            errors.setdefault(path, []).append(_("Value translations must be pairs."))
        else:
            clean["map"] = {str(k): as_text(v) for k, v in spec["map"].items()}
    if spec.get("fallback"):
        clean["fallback"] = _clean_spec(spec["fallback"], field, headers, errors, path)
    if spec.get("template"):
        template = str(spec["template"])
        for name in re.findall(r"\{([^{}]+)\}", template):
            if headers is not None and name not in headers:
                errors.setdefault(path, []).append(
                    _("The file has no column “%(column)s”.") % {"column": name}
                )
        clean["template"] = template
    if spec.get("scale") not in (None, "", 1, "1"):
        clean["scale"] = str(spec["scale"])
    if not is_empty(spec.get("default")):
        clean["default"] = as_text(spec["default"])
    if spec.get("skip_if_empty"):
        clean["skip_if_empty"] = True
    return clean


def clean_mapping(kind: str, data, headers: list[str] | None = None) -> dict:
    """A mapping checked against the kind's fields (and the file's headers when given)."""
    if not isinstance(data, dict):
        raise ValidationError({"mapping": [_("A mapping is an object with fields and options.")]})
    known = fields_of(kind)
    errors: dict[str, list] = {}
    fields: dict[str, dict] = {}
    for name, spec in (data.get("fields") or {}).items():
        if name not in known:
            errors.setdefault(f"fields.{name}", []).append(_("There is no such field."))
            continue
        clean = _clean_spec(spec, known[name], headers, errors, f"fields.{name}")
        if clean:
            fields[name] = clean
    options = {**DEFAULT_OPTIONS, **(data.get("options") or {})}
    unknown_options = set(options) - set(DEFAULT_OPTIONS)
    for name in unknown_options:
        errors.setdefault(f"options.{name}", []).append(_("There is no such option."))
    if options["date_order"] not in dict(DATE_ORDERS):
        errors.setdefault("options.date_order", []).append(_("Choose mdy or dmy."))
    if options["decimal_mark"] not in dict(DECIMAL_MARKS):
        errors.setdefault("options.decimal_mark", []).append(_("Choose . or ,"))
    options["create_accounts"] = bool(options["create_accounts"])
    options["pipeline"] = as_text(options["pipeline"])
    if errors:
        raise ValidationError(errors)
    return {"fields": fields, "options": {k: options[k] for k in DEFAULT_OPTIONS}}


def compile_fields(fields: dict) -> dict:
    """The specs ready for reading many rows: value translations keyed loosely, once."""
    compiled = {}
    for name, spec in fields.items():
        spec = dict(spec)
        if "map" in spec:
            spec["map_keys"] = {key(source): target for source, target in spec["map"].items()}
        if "fallback" in spec:
            spec["fallback"] = compile_fields({"": spec["fallback"]})[""]
        compiled[name] = spec
    return compiled


def _lookup(spec: dict, value: str) -> str | None:
    if value in spec["map"]:
        return spec["map"][value]
    keys = spec.get("map_keys")
    if keys is None:
        keys = {key(source): target for source, target in spec["map"].items()}
    return keys.get(key(value))


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def read_spec(spec: dict, row: dict):
    """The raw value a spec gives for a row ({header: cell}); None when empty."""
    value = None
    if "template" in spec:
        parts = {name: as_text(row.get(name)) for name in _PLACEHOLDER.findall(spec["template"])}
        if any(parts.values()):
            value = _PLACEHOLDER.sub(lambda match: parts[match.group(1)], spec["template"])
    elif "column" in spec:
        value = row.get(spec["column"])
    if not is_empty(value) and "map" in spec:
        translated = _lookup(spec, as_text(value))
        if translated is not None:
            value = translated
    if is_empty(value) and "fallback" in spec:
        value = read_spec(spec["fallback"], row)
    if is_empty(value):
        value = spec.get("default")
    return None if is_empty(value) else value


def source_column(spec: dict) -> str:
    """The column a field is read from, for error reports."""
    if "column" in spec:
        return spec["column"]
    if "template" in spec:
        return ", ".join(_PLACEHOLDER.findall(spec["template"]))
    return ""
