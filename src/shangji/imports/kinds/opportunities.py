"""Opportunities: new ones in bulk (with their first history row, under the same rules as
opportunity_create), changes through opportunity_update."""

import copy

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shangji.accounts.models import Account
from shangji.accounts.services import account_create
from shangji.core.writes import apply_changes
from shangji.opportunities.models import TRACKED_FIELDS, Opportunity, OpportunityChange
from shangji.opportunities.services import (
    OPPORTUNITY_FIELDS,
    enforce_rules,
    opportunity_update,
    tracked_column,
    tracked_values,
)

from ..values import BadValue, as_text
from .base import Context, Handler, Plan, Row, jsonable, python_values

VALUE_FIELDS = OPPORTUNITY_FIELDS - {"stage", "account"}


def resolve_account(ctx: Context, row: Row, name: str = "account", owner=None):
    """The row's account: found by external ID or name, or created when the user asked."""
    raw = row.raw.get(name)
    if raw is None:
        return None
    account_id = ctx.account_id(raw)
    if account_id is not None:
        return _stub(ctx, account_id, raw)
    if not ctx.options["create_accounts"]:
        row.problem(
            ctx,
            name,
            _("There is no account “%(value)s”; tick “create missing accounts” to create it.")
            % {"value": as_text(raw)},
        )
        return None
    if row.problems:  # the row will not be imported: nothing to create for it
        return None
    text = as_text(raw)
    if not ctx.write:  # the dry run only notes that this row creates it
        ctx.new_accounts[text.lower()] = -row.number
        return _stub(ctx, -row.number, raw)
    try:
        account = account_create(actor=ctx.actor, name=text, owner=owner or ctx.actor)
    except ValidationError as error:
        messages = [m for ms in error.message_dict.values() for m in ms]
        for message in messages:
            row.problem(ctx, name, message)
        return None
    ctx.new_accounts[text.lower()] = account.pk
    ctx.accounts_created.append((account.pk, row.number))
    return account


def _stub(ctx: Context, account_id: int, raw) -> Account:
    """An account standing for its id (the rules and the writes need nothing else)."""
    stub = ctx.stubs.get(account_id)
    if stub is None:
        stub = ctx.stubs[account_id] = Account(pk=account_id, name=as_text(raw))
    return stub


class OpportunityHandler(Handler):
    model = Opportunity
    record = "opportunity"
    fk_fields = ("account", "currency", "pipeline", "stage", "owner")
    rename = {"amount_base": "amount", "exchange_rate": "currency", "pipeline": "stage"}

    def queryset(self, ctx):
        return Opportunity.objects.select_related("stage", "currency", "owner__team", "account")

    def plan(self, ctx: Context, row: Row, existing: dict) -> Plan | None:
        values = row.values
        target = self.target(ctx, row, existing)
        changes = {name: values[name] for name in VALUE_FIELDS if name in values}
        pipeline_unreadable = "pipeline" in row.raw and "pipeline" not in values
        if "stage" in row.raw and not pipeline_unreadable:
            try:
                pipeline = values.get("pipeline") or (
                    target.pipeline if target and "pipeline" not in row.raw else ctx.pipeline()
                )
                changes["stage"] = ctx.stage(pipeline, row.raw["stage"])
            except BadValue as error:
                row.problem(ctx, "stage", error.message)
        if target is None and "id" not in row.raw:  # an ID only ever updates
            self.require(ctx, row, ("name", "amount", "close_date", "stage"))
        if "account" in row.raw:
            changes["account"] = resolve_account(ctx, row, owner=values.get("owner"))
        if row.problems:
            return None
        if target is None:
            return self._plan_create(ctx, row, changes)
        return self._plan_update(ctx, row, target, changes)

    def _plan_create(self, ctx: Context, row: Row, changes: dict) -> Plan | None:
        changes.setdefault("currency", _base_currency(ctx))
        changes.setdefault("owner", ctx.actor)
        opportunity = Opportunity(
            created_by=ctx.actor,
            updated_by=ctx.actor,
            external_id=row.values.get("external_id", ""),
        )
        changed = apply_changes(opportunity, changes, OPPORTUNITY_FIELDS)
        errors = enforce_rules(opportunity, changes, changed, creating=True)
        if opportunity.amount_base is None:
            opportunity.amount_base = opportunity.amount if opportunity.amount is not None else 0
        self.clean(ctx, row, opportunity, errors)
        if row.problems:
            return None
        if opportunity.stage.is_closed and "closed_at" in row.values:
            opportunity.closed_at = row.values["closed_at"]
        return Plan(row, instance=opportunity, extra={"created_at": row.values.get("created_at")})

    def _plan_update(self, ctx: Context, row: Row, target, changes: dict) -> Plan | None:
        if not self.check_edit(ctx, row, target):
            return None
        trial = copy.copy(target)
        before = tracked_values(trial)
        changed = apply_changes(trial, changes, OPPORTUNITY_FIELDS)
        errors = enforce_rules(trial, changes, changed, creating=False)
        self.clean(ctx, row, trial, errors)
        if row.problems:
            return None
        previous = {name: jsonable(getattr(target, tracked_column(name))) for name in changes}
        previous["closed_at"] = jsonable(target.closed_at)
        return Plan(
            row,
            existing=target,
            changes=changes,
            previous=previous,
            changed=bool(changed) or tracked_values(trial) != before,
        )

    def create(self, ctx: Context, plans: list[Plan]) -> list:
        opportunities = Opportunity.objects.bulk_create([plan.instance for plan in plans])
        backdated = []
        for plan, opportunity in zip(plans, opportunities, strict=True):
            if plan.extra.get("created_at"):
                opportunity.created_at = plan.extra["created_at"]
                backdated.append(opportunity)
        if backdated:
            Opportunity.objects.bulk_update(backdated, ["created_at"], batch_size=500)
        OpportunityChange.objects.bulk_create(
            [_creation_row(opportunity, ctx.actor) for opportunity in opportunities]
        )
        return opportunities

    def update(self, ctx: Context, plan: Plan):
        return opportunity_update(
            opportunity=plan.existing,
            actor=ctx.actor,
            version=plan.existing.version,
            **plan.changes,
        )

    def restore(self, actor, record, previous: dict) -> None:
        values = dict(previous)
        closed_at = values.pop("closed_at", None)
        restored = opportunity_update(
            opportunity=record,
            actor=actor,
            version=record.version,
            **python_values(Opportunity, values),
        )
        Opportunity.objects.filter(pk=restored.pk).update(closed_at=closed_at)


def _base_currency(ctx: Context):
    try:
        return ctx.currency(settings.BASE_CURRENCY)
    except BadValue:
        return None


def _creation_row(opportunity: Opportunity, actor) -> OpportunityChange:
    """The history row opportunity_create writes for a new opportunity."""
    after = tracked_values(opportunity)
    return OpportunityChange(
        opportunity=opportunity,
        changed_at=opportunity.created_at,
        actor=actor,
        changed_fields=list(TRACKED_FIELDS),
        previous_forecast_category="",
        **{tracked_column(name): value for name, value in after.items()},
    )
