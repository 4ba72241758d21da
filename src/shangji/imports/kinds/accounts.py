"""Accounts through account_create and account_update; parent accounts are linked at the end
of the file, so a subsidiary may come before its parent."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from shangji.accounts.models import Account
from shangji.accounts.services import ACCOUNT_FIELDS, account_create, account_update
from shangji.core.writes import apply_changes

from ..values import as_text
from .base import Context, Handler, Plan, Problem, Row, problems_from, python_values

VALUE_FIELDS = ACCOUNT_FIELDS - {"parent"}


def _name_taken(name: str) -> bool:
    return (
        Account.objects.alias(lower_name=Lower("name"))
        .filter(Q(lower_name=name.lower()) | Q(name=name))
        .exists()
    )


class AccountHandler(Handler):
    model = Account
    record = "account"
    fk_fields = ("parent", "owner")

    def queryset(self, ctx):
        return Account.objects.select_related("owner__team", "parent")

    def plan(self, ctx: Context, row: Row, existing: dict) -> Plan | None:
        values = row.values
        target = self.target(ctx, row, existing)
        if target is None and "id" not in row.raw:  # an ID only ever updates
            self.require(ctx, row, ("name",))
        if row.problems:
            return None
        changes = {name: values[name] for name in VALUE_FIELDS if name in values}
        names = ctx.account_names
        if "name" in changes:
            name_key = changes["name"].lower()
            first = names.get(name_key)
            if first is not None and first != row.number:
                row.problem(
                    ctx,
                    "name",
                    _("The account “%(name)s” is already on row %(row)s of this file.")
                    % {"name": changes["name"], "row": first},
                )
                return None
            names[name_key] = row.number
            renamed = target is None or target.name.lower() != name_key
            if renamed and _name_taken(changes["name"]):
                row.problem(
                    ctx,
                    "name",
                    _("An account named “%(name)s” already exists.") % {"name": changes["name"]},
                )
                return None
        if target is None:
            account = Account(created_by=ctx.actor, updated_by=ctx.actor, owner=ctx.actor)
            apply_changes(account, changes, ACCOUNT_FIELDS)
            account.external_id = values.get("external_id", "")
            self.clean(ctx, row, account)
            if row.problems:
                return None
            plan = Plan(row, instance=account, changes=changes)
        else:
            plan = self.update_plan(ctx, row, target, changes, ACCOUNT_FIELDS)
            if plan is None:
                return None
            if "parent" in row.raw:
                plan.previous["parent"] = target.parent_id
        if "parent" in row.raw:
            plan.extra["parent"] = as_text(row.raw["parent"])
            if target is not None and plan.extra["parent"] != _parent_text(target):
                plan.changed = True
        if not ctx.write:  # later rows may name this account as their parent
            marker = target.pk if target else -row.number
            for text in (changes.get("name"), values.get("external_id")):
                if text:
                    ctx.new_accounts.setdefault(text.lower(), marker)
            if "parent" in plan.extra:
                ctx.parents.append((marker, plan.extra["parent"], row.number))
        return plan

    def create(self, ctx: Context, plans: list[Plan]) -> list:
        created = []
        for plan in plans:
            try:
                account = account_create(actor=ctx.actor, **plan.changes)
            except ValidationError as error:
                problems_from(plan.row, ctx, error)
                created.append(None)
                continue
            if plan.instance.external_id:
                Account.objects.filter(pk=account.pk).update(external_id=plan.instance.external_id)
                account.external_id = plan.instance.external_id
            self._remember(ctx, plan, account)
            created.append(account)
        return created

    def update(self, ctx: Context, plan: Plan):
        account = account_update(
            account=plan.existing, actor=ctx.actor, version=plan.existing.version, **plan.changes
        )
        self._remember(ctx, plan, account)
        return account

    def _remember(self, ctx: Context, plan: Plan, account: Account) -> None:
        for text in (account.name, account.external_id):
            if text:
                ctx.new_accounts[text.lower()] = account.pk
        if "parent" in plan.extra:
            ctx.parents.append((account.pk, plan.extra["parent"], plan.row.number))

    def finish(self, ctx: Context) -> list[Problem]:
        """Link each account to its parent, found here or among the file's accounts."""
        problems = []
        for account_id, text, number in ctx.parents:
            parent_id = ctx.account_id(text)
            message = None
            if parent_id is None:
                message = _("There is no account “%(value)s” here or in the file.") % {
                    "value": text
                }
            elif parent_id == account_id:
                message = _("An account cannot be its own parent.")
            if message:
                problems.append(
                    Problem(number, message, column=_column(ctx), field="parent", value=text)
                )
            elif ctx.write:
                Account.objects.filter(pk=account_id).update(parent_id=parent_id)
        return problems

    def restore(self, actor, record, previous: dict) -> None:
        values = dict(previous)
        if "parent" in values:
            Account.objects.filter(pk=record.pk).update(parent_id=values.pop("parent"))
        if values:
            account_update(
                account=record,
                actor=actor,
                version=record.version,
                **python_values(Account, values),
            )


def _parent_text(account: Account) -> str:
    return account.parent.name if account.parent_id else ""


def _column(ctx: Context) -> str:
    from ..mapping import source_column

    return source_column(ctx.fields.get("parent", {}))
