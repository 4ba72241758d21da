"""Contacts through contact_create and contact_update, at an account found by name or
external ID (or created when the user asked)."""

from django.core.exceptions import ValidationError

from shangji.contacts.models import Contact
from shangji.contacts.services import CONTACT_FIELDS, contact_create, contact_update
from shangji.core.names import _CJK
from shangji.core.writes import apply_changes

from .base import Context, Handler, Plan, Row, problems_from, python_values
from .opportunities import resolve_account

VALUE_FIELDS = CONTACT_FIELDS - {"account"}


def split_name(full: str) -> tuple[str, str]:
    """(given, family): a Chinese name stays whole as the family name; 'Ada Lovelace' splits."""
    full = " ".join(full.split())
    if _CJK.search(full) or " " not in full:
        return "", full
    given, _space, family = full.rpartition(" ")
    return given, family


class ContactHandler(Handler):
    model = Contact
    record = "contact"
    fk_fields = ("account", "owner")

    def queryset(self, ctx):
        return Contact.objects.select_related("owner__team")

    def plan(self, ctx: Context, row: Row, existing: dict) -> Plan | None:
        values = dict(row.values)
        if values.get("full_name") and not ({"first_name", "last_name"} & set(values)):
            values["first_name"], values["last_name"] = split_name(values["full_name"])
        target = self.target(ctx, row, existing)
        if target is None and "id" not in row.raw:  # an ID only ever updates
            if "last_name" not in values and "first_name" in values:
                values["last_name"], values["first_name"] = values["first_name"], ""
            row.values = values
            self.require(ctx, row, ("last_name", "account"))
        changes = {name: values[name] for name in VALUE_FIELDS if name in values}
        if "account" in row.raw:
            changes["account"] = resolve_account(ctx, row, owner=values.get("owner"))
        if row.problems:
            return None
        if target is None:
            contact = Contact(created_by=ctx.actor, updated_by=ctx.actor, owner=ctx.actor)
            apply_changes(contact, changes, CONTACT_FIELDS)
            contact.external_id = values.get("external_id", "")
            self.clean(ctx, row, contact)
            return None if row.problems else Plan(row, instance=contact, changes=changes)
        return self.update_plan(ctx, row, target, changes, CONTACT_FIELDS)

    def create(self, ctx: Context, plans: list[Plan]) -> list:
        created = []
        for plan in plans:
            try:
                contact = contact_create(actor=ctx.actor, **plan.changes)
            except ValidationError as error:
                problems_from(plan.row, ctx, error)
                created.append(None)
                continue
            if plan.instance.external_id:
                Contact.objects.filter(pk=contact.pk).update(external_id=plan.instance.external_id)
            created.append(contact)
        return created

    def update(self, ctx: Context, plan: Plan):
        return contact_update(
            contact=plan.existing, actor=ctx.actor, version=plan.existing.version, **plan.changes
        )

    def restore(self, actor, record, previous: dict) -> None:
        contact_update(
            contact=record,
            actor=actor,
            version=record.version,
            **python_values(Contact, previous),
        )
