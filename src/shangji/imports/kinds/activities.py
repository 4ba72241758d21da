"""Calls, meetings, tasks and notes through activity_create and activity_update, linked to the
opportunity, account, contact or lead a row names (by external ID, or a name that is unique).

Activities have no external ID of their own: a file creates them, or updates those whose
Shangji ID it gives.
"""

import copy

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from shangji.activities.choices import STATUSES_BY_KIND, ActivityKind
from shangji.activities.models import Activity
from shangji.activities.services import (
    ACTIVITY_FIELDS,
    activity_create,
    activity_update,
    apply_kind_rules,
    fill_links,
    may_edit_activity,
)
from shangji.contacts.models import Contact
from shangji.core.writes import apply_changes
from shangji.leads.models import Lead
from shangji.opportunities.models import Opportunity

from ..values import BadValue, as_text, key
from .base import Context, Handler, Plan, Row, jsonable, problems_from, python_values
from .opportunities import resolve_account

VALUE_FIELDS = ACTIVITY_FIELDS - {"opportunity", "account", "contact", "lead"}
# What other systems call the kinds (SuiteCRM's module names, Salesforce's task types).
KIND_WORDS = {"calls": "call", "meetings": "meeting", "event": "meeting", "events": "meeting",
              "tasks": "task", "notes": "note", "电话": "call", "会议": "meeting",
              "任务": "task", "笔记": "note", "备注": "note"}  # fmt: skip


def _kind(value) -> str:
    """call, meeting, task or note, from its English or Chinese name or another system's."""
    wanted = key(value)
    wanted = key(KIND_WORDS.get(wanted, wanted))
    kinds = [option for option in ActivityKind if option != ActivityKind.EMAIL]
    for option in kinds:
        if wanted == key(option.value):
            return option.value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                if wanted == key(option.label):
                    return option.value
    raise BadValue(
        _("“%(value)s” is not one of: %(choices)s.")
        % {"value": as_text(value), "choices": ", ".join(str(o.label) for o in kinds)}
    )


def _one(found: list, text: str, what):
    """The single record found; a BadValue when there is none or more than one."""
    if not found:
        raise BadValue(_("There is no %(what)s “%(value)s”.") % {"what": what, "value": text})
    if len(found) > 1:
        raise BadValue(
            _("“%(value)s” names more than one %(what)s; use its external ID.")
            % {"value": text, "what": what}
        )
    return found[0]


def _opportunity(ctx: Context, text: str) -> Opportunity:
    visible = Opportunity.objects.visible_to(ctx.actor).select_related("owner__team")
    by_id = Q(pk=int(text)) if text.isdigit() else Q(pk__in=[])
    found = list(visible.filter(Q(external_id=text) | by_id)[:1])
    return _one(found or list(visible.filter(name=text)[:2]), text, _("opportunity"))


def _contact(ctx: Context, text: str) -> Contact:
    contacts = Contact.objects.all()
    found = list(contacts.filter(external_id=text)[:1]) or list(contacts.filter(email=text)[:2])
    if not found:
        names = Q(last_name=text, first_name="")
        parts = text.split()
        if len(parts) == 2:
            names |= Q(first_name=parts[0], last_name=parts[1])
        found = list(contacts.filter(names)[:2])
    return _one(found, text, _("contact"))


def _lead(ctx: Context, text: str) -> Lead:
    leads = Lead.objects.visible_to(ctx.actor).select_related("owner")
    found = list(leads.filter(external_id=text)[:1]) or list(leads.filter(email=text)[:2])
    return _one(found, text, _("lead"))


RESOLVERS = {"opportunity": _opportunity, "contact": _contact, "lead": _lead}


class ActivityHandler(Handler):
    model = Activity
    record = "activity"
    fk_fields = ("owner", "opportunity", "account", "contact", "lead")

    def queryset(self, ctx):
        return Activity.objects.select_related("owner__team", "opportunity__owner", "lead__owner")

    def existing(self, ctx: Context, rows: list[Row]) -> dict:
        ids = {row.values["id"] for row in rows if row.values.get("id") is not None}
        records = self.queryset(ctx).filter(pk__in=ids)
        return {
            ("id", record.pk): record for record in records if may_edit_activity(ctx.actor, record)
        }

    def plan(self, ctx: Context, row: Row, existing: dict) -> Plan | None:
        values = row.values
        target = self.target(ctx, row, existing)
        changes = {name: values[name] for name in VALUE_FIELDS if name in values}
        kind = target.kind if target else None
        if "kind" in row.raw and target is None:
            try:
                kind = ctx.memo(("kind", row.raw["kind"]), lambda: _kind(row.raw["kind"]))
            except BadValue as error:
                row.problem(ctx, "kind", error.message)
        if target is None and "id" not in row.raw:
            self.require(ctx, row, ("kind",))
        if kind and "status" in changes:
            statuses = STATUSES_BY_KIND.get(kind)
            try:
                changes["status"] = ctx.choice(statuses, changes["status"]) if statuses else ""
            except BadValue as error:
                row.problem(ctx, "status", error.message)
        for name, resolve in RESOLVERS.items():
            if name in row.raw:
                text = as_text(row.raw[name])
                try:
                    changes[name] = ctx.memo((name, text), lambda r=resolve, t=text: r(ctx, t))
                except BadValue as error:
                    row.problem(ctx, name, error.message)
        if "account" in row.raw:
            account = resolve_account(ctx, row)
            changes["account"] = account
        if row.problems or not kind:
            return None
        trial = copy.copy(target) if target else Activity(
            kind=kind, owner=ctx.actor, created_by=ctx.actor, updated_by=ctx.actor
        )  # fmt: skip
        if target is not None and not self.check_activity(ctx, row, target):
            return None
        changed = apply_changes(trial, changes, ACTIVITY_FIELDS)
        if not ctx.write:
            fill_links(trial)
            errors = apply_kind_rules(trial, changed)
            self.clean(ctx, row, trial, errors)
        if row.problems:
            return None
        if target is None:
            return Plan(row, instance=trial, changes=changes, extra={"kind": kind})
        previous = {name: jsonable(getattr(target, name)) for name in changes}
        return Plan(row, existing=target, changes=changes, previous=previous, changed=bool(changed))

    def check_activity(self, ctx: Context, row: Row, record) -> bool:
        if may_edit_activity(ctx.actor, record):
            return True
        row.problem(ctx, "", _("You may not change this activity."))
        return False

    def create(self, ctx: Context, plans: list[Plan]) -> list:
        created = []
        for plan in plans:
            try:
                created.append(
                    activity_create(actor=ctx.actor, kind=plan.extra["kind"], **plan.changes)
                )
            except ValidationError as error:
                problems_from(plan.row, ctx, error)
                created.append(None)
        return created

    def update(self, ctx: Context, plan: Plan):
        return activity_update(
            activity=plan.existing, actor=ctx.actor, version=plan.existing.version, **plan.changes
        )

    def restore(self, actor, record, previous: dict) -> None:
        activity_update(
            activity=record,
            actor=actor,
            version=record.version,
            **python_values(Activity, previous),
        )
