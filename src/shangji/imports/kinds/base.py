"""What every kind of import shares: reading a row through the mapping, resolving names to
records (users, currencies, pipelines, stages, accounts, choices), and the plan for a row."""

import copy
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext as _

from shangji.accounts.models import Account
from shangji.core.models import Currency
from shangji.core.writes import apply_changes
from shangji.opportunities.models import Pipeline, Stage
from shangji.users.models import User

from ..fields import Field, fields_of
from ..mapping import compile_fields, read_spec, source_column
from ..values import BadValue, as_text, key, parse_date, parse_datetime, parse_decimal, parse_int

CHUNK = 500

# Other ways of writing a currency: SuiteCRM's id of the default currency, names, symbols.
CURRENCY_WORDS = {
    "人民币": "CNY",
    "元": "CNY",
    "rmb": "CNY",
    "¥": "CNY",
    "￥": "CNY",
    "美元": "USD",
    "美金": "USD",
    "$": "USD",
    "us$": "USD",
    "欧元": "EUR",
    "€": "EUR",
    "港币": "HKD",
    "港元": "HKD",
    "hk$": "HKD",
    "英镑": "GBP",
    "£": "GBP",
    "日元": "JPY",
}
# SuiteCRM's stage keys where they differ from the labels our default pipeline uses.
STAGE_ALIASES = {"iddecisionmakers": "identifyingdecisionmakers"}
_CHOICE_KEYS: dict[type, dict[str, str]] = {}


@dataclass
class Problem:
    """Why a row (or one of its cells) cannot be imported."""

    row: int
    message: str
    column: str = ""
    field: str = ""
    value: str = ""
    skipped: bool = False


@dataclass
class Row:
    """One data row read through the mapping: parsed values by field, or its problems."""

    number: int
    values: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, ctx, name: str, message: str) -> None:
        spec = ctx.fields.get(name, {})
        self.problems.append(
            Problem(
                self.number,
                message,
                column=source_column(spec),
                field=name,
                value=as_text(self.raw.get(name)),
            )
        )

    @property
    def skipped(self) -> bool:
        return any(problem.skipped for problem in self.problems)


@dataclass
class Plan:
    """What a good row will do: create `instance`, or change `existing` with `changes`."""

    row: Row
    instance: object = None
    existing: object = None
    changes: dict = field(default_factory=dict)
    previous: dict = field(default_factory=dict)
    changed: bool = True
    extra: dict = field(default_factory=dict)


def jsonable(value):
    """A field value as it is stored in an undo record."""
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


class Context:
    """The state of one pass over a file: the mapping, the look-ups, what the file created."""

    def __init__(self, *, actor, kind: str, mapping: dict, write: bool):
        self.actor = actor
        self.kind = kind
        self.write = write
        self.known_fields: dict[str, Field] = fields_of(kind)
        self.fields: dict[str, dict] = compile_fields(mapping["fields"])
        self.options: dict = mapping["options"]
        self.external_ids: dict[str, int] = {}  # external ID → first row using it
        self._users: dict[str, list[User]] | None = None
        self._currencies: dict[str, Currency] | None = None
        self._pipelines: dict[str, Pipeline] | None = None
        self._stages: dict[int, dict[str, Stage]] = {}
        self._accounts: dict[str, int | None] = {}  # name or external ID → account
        self.new_accounts: dict[str, object] = {}  # name key → created id, or a marker (dry run)
        self.accounts_created: list[tuple[int, int]] = []  # (account id, row)
        self.account_names: dict[str, int] = {}  # accounts named in an accounts file → row
        self.parents: list[tuple[int, str, int]] = []  # (account, its parent's name, row)
        self.stubs: dict[int, object] = {}
        self._memo: dict[tuple, tuple] = {}

    # --- reading a row ---------------------------------------------------------------------

    def read(self, number: int, cells: dict) -> Row:
        """The row's values by field: read, translated, parsed and checked one by one."""
        row = Row(number)
        for name, spec in self.fields.items():
            value = read_spec(spec, cells)
            if value is None:
                if spec.get("skip_if_empty"):
                    row.problems.append(
                        Problem(
                            number,
                            _("Left out: “%(field)s” is empty.")
                            % {"field": self.known_fields[name].label},
                            column=source_column(spec),
                            field=name,
                            skipped=True,
                        )
                    )
                continue
            row.raw[name] = value
            try:
                row.values[name] = self.parse(self.known_fields[name], value, spec)
            except BadValue as error:
                row.problem(self, name, error.message)
        return row

    def parse(self, field: Field, value, spec: dict):
        kind = field.type
        if kind in ("text", "long_text", "external_id", "full_name"):
            text = as_text(value)
            if field.max_length and len(text) > field.max_length:
                raise BadValue(
                    _("Use at most %(limit)s characters (this has %(count)s).")
                    % {"limit": field.max_length, "count": len(text)}
                )
            return text
        if kind == "email":
            text = as_text(value)
            try:
                validate_email(text)
            except ValidationError:
                raise BadValue(
                    _("“%(value)s” is not an e-mail address.") % {"value": text}
                ) from None
            return text
        if kind == "decimal":
            number = parse_decimal(value, self.options["decimal_mark"])
            if "scale" in spec:
                number *= Decimal(spec["scale"])
            return number
        if kind == "int":
            return parse_int(value, self.options["decimal_mark"])
        if kind == "percent":
            number = parse_int(value, self.options["decimal_mark"], percent=True)
            if not 0 <= number <= 100:
                raise BadValue(_("Give a whole number from 0 to 100."))
            return number
        if kind == "id":
            return parse_int(value)
        if kind == "date":
            return parse_date(value, self.options["date_order"])
        if kind == "datetime":
            return parse_datetime(value, self.options["date_order"])
        if kind == "choice":
            return self.memo((field.name, value), lambda: self.choice(field.choices, value))
        if kind == "currency":
            return self.memo(("currency", value), lambda: self.currency(value))
        if kind == "user":
            return self.memo(("user", value), lambda: self.user(value))
        if kind == "pipeline":
            return self.memo(("pipeline", value), lambda: self.pipeline(value))
        return as_text(value)  # account, stage: resolved by the kind, which knows the context

    def memo(self, memo_key: tuple, resolve):
        """A look-up done once per distinct value of the file (its answer or its error)."""
        hit = self._memo.get(memo_key)
        if hit is None:
            try:
                hit = (resolve(), None)
            except BadValue as error:
                hit = (None, error)
            self._memo[memo_key] = hit
        if hit[1] is not None:
            raise hit[1]
        return hit[0]

    def check_external_id(self, row: Row) -> None:
        """The same external ID twice in one file is an error on the second row."""
        value = row.values.get("external_id")
        if not value:
            return
        first = self.external_ids.setdefault(value, row.number)
        if first != row.number:
            row.problem(
                self,
                "external_id",
                _("The external ID “%(value)s” is already on row %(row)s of this file.")
                % {"value": value, "row": first},
            )

    # --- look-ups --------------------------------------------------------------------------

    def choice(self, choices, value):
        if choices not in _CHOICE_KEYS:
            table = {}
            for option in choices:
                table[key(option.value)] = option.value
                for language in ("en", "zh-hans"):
                    with translation.override(language):
                        table[key(option.label)] = option.value
            _CHOICE_KEYS[choices] = table
        found = _CHOICE_KEYS[choices].get(key(value))
        if found is None:
            raise BadValue(
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": as_text(value), "choices": ", ".join(str(c.label) for c in choices)}
            )
        return found

    def currency(self, value) -> Currency:
        if self._currencies is None:
            self._currencies = {}
            for currency in Currency.objects.all():
                self._currencies[key(currency.code)] = currency
                self._currencies.setdefault(key(currency.name), currency)
            base = self._currencies.get(key(settings.BASE_CURRENCY))
            self._currencies["99"] = base  # SuiteCRM's -99: the system currency
            for word, code in CURRENCY_WORDS.items():
                if key(code) in self._currencies:
                    self._currencies.setdefault(key(word) or word, self._currencies[key(code)])
        text = as_text(value)
        found = self._currencies.get(key(text) or text)
        if found is None:
            raise BadValue(_("“%(value)s” is not a currency in use here.") % {"value": text})
        return found

    def user(self, value) -> User:
        if self._users is None:
            self._users = {}
            for user in User.objects.select_related("team"):
                names = {
                    user.username,
                    user.email,
                    user.display_name,
                    f"{user.first_name} {user.last_name}",
                    f"{user.last_name}{user.first_name}",
                }
                for name in names:
                    if name_key := key(name):
                        self._users.setdefault(name_key, []).append(user)
        text = as_text(value)
        found = {user.pk: user for user in self._users.get(key(text), [])}
        if not found:
            raise BadValue(_("There is no user “%(value)s”.") % {"value": text})
        if len(found) > 1:
            raise BadValue(
                _("“%(value)s” names %(count)s users; use the user name.")
                % {"value": text, "count": len(found)}
            )
        user = next(iter(found.values()))
        if not user.is_active:
            raise BadValue(_("The user “%(value)s” is deactivated.") % {"value": text})
        return user

    def pipeline(self, value=None) -> Pipeline:
        if self._pipelines is None:
            self._pipelines = {}
            for pipeline in Pipeline.objects.all():
                self._pipelines[key(pipeline.name)] = pipeline
                if pipeline.name_zh_hans:
                    self._pipelines.setdefault(key(pipeline.name_zh_hans), pipeline)
                if pipeline.is_default:
                    self._pipelines[""] = pipeline
        text = as_text(value or self.options.get("pipeline") or "")
        found = self._pipelines.get(key(text))
        if found is None:
            raise BadValue(_("There is no pipeline “%(value)s”.") % {"value": text})
        return found

    def stage(self, pipeline: Pipeline, value) -> Stage:
        return self.memo(("stage", pipeline.pk, value), lambda: self._stage(pipeline, value))

    def _stage(self, pipeline: Pipeline, value) -> Stage:
        if pipeline.pk not in self._stages:
            table: dict[str, Stage] = {}
            for stage in Stage.objects.filter(pipeline=pipeline).order_by("-is_active", "position"):
                table.setdefault(key(stage.name), stage)
                if stage.name_zh_hans:
                    table.setdefault(key(stage.name_zh_hans), stage)
            self._stages[pipeline.pk] = table
        wanted = key(value)
        table = self._stages[pipeline.pk]
        found = table.get(wanted) or table.get(STAGE_ALIASES.get(wanted, ""))
        if found is None:
            raise BadValue(
                _("“%(value)s” is not a stage of the pipeline “%(pipeline)s”.")
                % {"value": as_text(value), "pipeline": pipeline.label}
            )
        return found

    def prefetch_accounts(self, texts) -> None:
        """Look up the accounts a chunk of rows names, in one query per 500 names."""
        missing = sorted(
            {
                text
                for text in map(as_text, texts)
                if text and text not in self._accounts and text.lower() not in self.new_accounts
            }
        )
        for start in range(0, len(missing), 500):
            part = missing[start : start + 500]
            by_external: dict[str, int] = {}
            by_name: dict[str, int] = {}
            matches = (
                Account.objects.alias(lower_name=Lower("name"))
                .filter(
                    Q(external_id__in=part)
                    | Q(lower_name__in=[text.lower() for text in part])
                    | Q(name__in=part)
                )
                .values_list("pk", "name", "external_id")
            )
            for pk, name, external in matches:
                if external:
                    by_external[external] = pk
                by_name.setdefault(name.lower(), pk)
            for text in part:
                self._accounts[text] = by_external.get(text) or by_name.get(text.lower())

    def account_id(self, value) -> int | None:
        """The account with this external ID, else this name; None when there is none."""
        text = as_text(value)
        if text.lower() in self.new_accounts:
            return self.new_accounts[text.lower()]
        if text not in self._accounts:
            self.prefetch_accounts([text])
        return self._accounts[text]


def python_values(model, previous: dict) -> dict:
    """Values kept for an undo (JSON) as the model's own: records, dates, decimals."""
    values = {}
    for name, value in previous.items():
        field = model._meta.get_field(name)
        if field.is_relation:
            manager = field.related_model._default_manager
            values[name] = None if value is None else manager.get(pk=value)
        else:
            values[name] = field.to_python(value)
    return values


def problems_from(row: Row, ctx: Context, error: ValidationError, rename: dict | None = None):
    """A service's or model's ValidationError as problems of the row's fields."""
    rename = rename or {}
    from shangji.core.errors import field_errors

    for name, messages in field_errors(error).items():
        name = rename.get(name, name)
        for message in messages:
            row.problem(ctx, name if name in ctx.known_fields else "", message)


class Handler:
    """One kind of import: how rows become records, and how an import of it is undone."""

    model: type
    record: str  # the name undo records use
    fk_fields: tuple[str, ...] = ()

    def queryset(self, ctx: Context):
        return self.model.objects.all()

    def existing(self, ctx: Context, rows: list[Row]) -> dict:
        """The records rows of this chunk point at, by ("id", pk) and ("external_id", value)."""
        related = [
            row.raw[name]
            for row in rows
            for name, field_ in ctx.known_fields.items()
            if field_.type == "account" and name in row.raw
        ]
        ctx.prefetch_accounts(related)
        ids = {row.values["id"] for row in rows if row.values.get("id") is not None}
        external = {row.values["external_id"] for row in rows if row.values.get("external_id")}
        found = {}
        if ids:
            for record in self.queryset(ctx).visible_to(ctx.actor).filter(pk__in=ids):
                found[("id", record.pk)] = record
        if external:
            for record in self.queryset(ctx).filter(external_id__in=external):
                found[("external_id", record.external_id)] = record
        return found

    def target(self, ctx: Context, row: Row, existing: dict):
        """The record the row updates, None to create one; a problem when the ID is unknown."""
        if row.values.get("id") is not None:
            record = existing.get(("id", row.values["id"]))
            if record is None:
                row.problem(
                    ctx,
                    "id",
                    _("There is no %(record)s with the ID %(id)s that you may see.")
                    % {"record": self.model._meta.verbose_name, "id": row.values["id"]},
                )
            return record
        if row.values.get("external_id"):
            return existing.get(("external_id", row.values["external_id"]))
        return None

    def require(self, ctx: Context, row: Row, names) -> None:
        for name in names:
            if name not in row.values and not any(p.field == name for p in row.problems):
                row.problem(
                    ctx,
                    name,
                    _("“%(field)s” is needed to create a record.")
                    % {"field": ctx.known_fields[name].label},
                )

    def check_edit(self, ctx: Context, row: Row, record) -> bool:
        from shangji.core.permissions import may_edit

        if may_edit(ctx.actor, record.owner):
            return True
        row.problem(
            ctx,
            "",
            _("You may not change this %(record)s.") % {"record": self.model._meta.verbose_name},
        )
        return False

    def update_plan(self, ctx: Context, row: Row, target, changes: dict, fields) -> "Plan | None":
        """The plan to change `target` (None if the row may not or cannot): the changes tried
        on a copy, cleaned, and the values before for undo."""
        if not self.check_edit(ctx, row, target):
            return None
        trial = copy.copy(target)
        changed = apply_changes(trial, changes, fields)
        self.clean(ctx, row, trial)
        if row.problems:
            return None
        previous = {name: jsonable(getattr(target, name)) for name in changes}
        return Plan(row, existing=target, changes=changes, previous=previous, changed=bool(changed))

    def clean(self, ctx: Context, row: Row, instance, errors: dict | None = None) -> None:
        """The model's own field checks (no queries), merged with `errors` of the rules."""
        errors = dict(errors or {})
        untyped = instance.__dict__.pop("_untyped_values", {})  # see core.writes.apply_changes
        try:
            # The values do not change between the passes: the writing pass skips this.
            if not ctx.write:
                instance.clean_fields(
                    exclude=[*self.fk_fields, *untyped, "created_by", "updated_by"]
                )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
        errors.update(untyped)
        if errors:
            problems_from(row, ctx, ValidationError(errors), self.rename)

    rename: dict = {}

    def plan(self, ctx: Context, row: Row, existing: dict) -> Plan | None:
        raise NotImplementedError

    def create(self, ctx: Context, plans: list[Plan]) -> list:
        """Write the new records of a chunk; returns them in the order of `plans`."""
        raise NotImplementedError

    def update(self, ctx: Context, plan: Plan):
        """Apply a plan's changes to its record through the service; returns the record."""
        raise NotImplementedError

    def finish(self, ctx: Context) -> list[Problem]:
        """Work left for the end of the file (links between its rows); problems found."""
        return []

    def restore(self, actor, record, previous: dict) -> None:
        """Undo: give `record` its values from before the import."""
        raise NotImplementedError
