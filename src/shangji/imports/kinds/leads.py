"""Leads through lead_create and lead_update (a converted lead is never changed by a file)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shangji.core.writes import apply_changes
from shangji.leads.choices import LeadStatus
from shangji.leads.models import Lead
from shangji.leads.querysets import may_edit_lead
from shangji.leads.services import LEAD_FIELDS, lead_create, lead_update

from .base import Context, Handler, Plan, Row, problems_from, python_values
from .contacts import split_name

VALUE_FIELDS = LEAD_FIELDS - {"external_id"}


class LeadHandler(Handler):
    model = Lead
    record = "lead"
    fk_fields = ("owner", "converted_by", "converted_account", "converted_contact",
                 "converted_opportunity")  # fmt: skip

    def queryset(self, ctx):
        return Lead.objects.select_related("owner__team")

    def check_edit(self, ctx: Context, row: Row, record) -> bool:
        if may_edit_lead(ctx.actor, record.owner):
            return True
        return super().check_edit(ctx, row, record)

    def plan(self, ctx: Context, row: Row, existing: dict) -> Plan | None:
        values = dict(row.values)
        if values.get("full_name") and not ({"first_name", "last_name"} & set(values)):
            values["first_name"], values["last_name"] = split_name(values["full_name"])
        target = self.target(ctx, row, existing)
        if target is None and "id" not in row.raw:
            if not any(values.get(name) for name in ("first_name", "last_name", "company")):
                row.problem(ctx, "last_name", _("Give the lead a name or a company."))
        if values.get("status") == LeadStatus.CONVERTED:
            row.problem(ctx, "status", _("A lead becomes converted only by converting it."))
        if row.problems:
            return None
        changes = {name: values[name] for name in VALUE_FIELDS if name in values}
        if target is None:
            lead = Lead(created_by=ctx.actor, updated_by=ctx.actor, owner=values.get("owner"))
            apply_changes(lead, changes, LEAD_FIELDS)
            lead.external_id = values.get("external_id", "")
            lead.status = lead.status or LeadStatus.NEW
            self.clean(ctx, row, lead)
            return None if row.problems else Plan(row, instance=lead, changes=changes)
        return self.update_plan(ctx, row, target, changes, LEAD_FIELDS)

    def create(self, ctx: Context, plans: list[Plan]) -> list:
        created = []
        for plan in plans:
            try:
                created.append(
                    lead_create(
                        actor=ctx.actor, external_id=plan.instance.external_id, **plan.changes
                    )
                )
            except ValidationError as error:
                problems_from(plan.row, ctx, error)
                created.append(None)
        return created

    def update(self, ctx: Context, plan: Plan):
        return lead_update(
            lead=plan.existing, actor=ctx.actor, version=plan.existing.version, **plan.changes
        )

    def restore(self, actor, record, previous: dict) -> None:
        lead_update(
            lead=record, actor=actor, version=record.version, **python_values(Lead, previous)
        )
