"""Every write to opportunities, their contacts, competitors and history."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shangji.accounts.services import account_create
from shangji.audit.services import audit_deletion
from shangji.contacts.services import contact_create
from shangji.core import money
from shangji.core.writes import apply_changes, clean_or_raise, lock_current, require_edit
from shangji.users.models import Notification, Organization
from shangji.webhooks.services import event_record, events_record_bulk, opportunity_event

from .choices import ContactRole
from .models import TRACKED_FIELDS, Competitor, Opportunity, OpportunityChange, OpportunityContact

OPPORTUNITY_FIELDS = {
    "name",
    "account",
    "amount",
    "currency",
    "close_date",
    "stage",
    "probability",
    "forecast_category",
    "type",
    "lead_source",
    "next_step",
    "priority",
    "campaign",
    "description",
    "owner",
    "lost_reason",
}


def _today() -> datetime.date:
    return timezone.localdate()


def enforce_rules(opportunity: Opportunity, changes: dict, changed: set[str], *, creating: bool):
    """The rules that tie fields together; returns errors found as {field: [messages]}."""
    errors: dict[str, list] = {}
    stage = opportunity.stage if opportunity.stage_id else None
    stage_moved = creating or "stage" in changed

    if stage_moved and stage is not None:
        if not stage.is_active:
            errors.setdefault("stage", []).append(_("This stage is retired; choose another."))
        opportunity.pipeline_id = stage.pipeline_id
        # A stage move takes the stage's probability unless the same change sets one.
        if changes.get("probability") is None:
            opportunity.probability = stage.probability
        if changes.get("forecast_category"):
            opportunity.forecast_category_overridden = (
                changes["forecast_category"] != stage.forecast_category
            )
        elif not opportunity.forecast_category_overridden:
            opportunity.forecast_category = stage.forecast_category
        if stage.is_closed:
            opportunity.closed_at = timezone.now()
        else:
            opportunity.closed_at = None
            opportunity.lost_reason = ""
    elif "forecast_category" in changed and stage is not None:
        opportunity.forecast_category_overridden = (
            opportunity.forecast_category != stage.forecast_category
        )

    if stage is not None and stage.is_lost and not (opportunity.lost_reason or "").strip():
        errors.setdefault("lost_reason", []).append(
            _("Say why the opportunity was lost before moving it to a lost stage.")
        )

    if "account" in changed or creating:
        if opportunity.account_id is None and Organization.current().account_required:
            errors.setdefault("account", []).append(_("Choose an account or create a new one."))

    if ({"amount", "currency", "close_date"} & changed or creating) and (
        opportunity.currency_id and opportunity.close_date and opportunity.amount is not None
    ):
        if ("currency" in changed or creating) and not opportunity.currency.is_active:
            errors.setdefault("currency", []).append(_("This currency is not in use."))
        day = money.conversion_day(opportunity.close_date, _today())
        rate = money.rate_on(opportunity.currency_id, day)
        if rate is None:
            errors.setdefault("currency", []).append(
                _("There is no exchange rate for %(currency)s on or before %(date)s.")
                % {"currency": opportunity.currency_id, "date": day.isoformat()}
            )
        else:
            opportunity.exchange_rate = rate
            opportunity.amount_base = money.to_base(Decimal(opportunity.amount), rate)

    if (
        ("owner" in changed or creating)
        and opportunity.owner_id
        and not opportunity.owner.is_active
    ):
        errors.setdefault("owner", []).append(_("This user is deactivated."))
    return errors


_FOREIGN_KEYS = {"stage", "currency", "owner"}


def tracked_column(name: str) -> str:
    return f"{name}_id" if name in _FOREIGN_KEYS else name


def tracked_values(opportunity: Opportunity) -> dict:
    return {name: getattr(opportunity, tracked_column(name)) for name in TRACKED_FIELDS}


def _record_change(opportunity: Opportunity, before: dict | None, actor, changed_at) -> None:
    """Append the snapshot row for this write (the creation or a change of a tracked field)."""
    after = tracked_values(opportunity)
    changed = [name for name in TRACKED_FIELDS if before is None or before[name] != after[name]]
    if not changed:
        return
    previous = {
        f"previous_{tracked_column(name)}": (before or {}).get(name) for name in TRACKED_FIELDS
    }
    previous["previous_forecast_category"] = previous["previous_forecast_category"] or ""
    OpportunityChange.objects.create(
        opportunity=opportunity,
        changed_at=changed_at,
        actor=actor,
        changed_fields=changed,
        **{tracked_column(name): value for name, value in after.items()},
        **previous,
    )


def _notify_assignment(opportunity: Opportunity, actor) -> None:
    if opportunity.owner_id == getattr(actor, "pk", None):
        return
    Notification.objects.create(
        recipient_id=opportunity.owner_id,
        actor=actor,
        verb="assigned",
        params={"actor": actor.display_name, "name": opportunity.name},
        url=opportunity.get_absolute_url(),
    )


def _create_inline_account(actor, account, new_account: dict, errors: dict):
    """The account created from the opportunity form; its errors go under new_account_*."""
    if account is not None:
        errors.setdefault("account", []).append(
            _("Choose an existing account or create a new one, not both.")
        )
        return account
    try:
        return account_create(actor=actor, **new_account)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(f"new_account_{field}", []).extend(messages)
        return None


def opportunity_create(
    *,
    actor,
    name: str,
    amount,
    currency,
    close_date,
    stage,
    account=None,
    new_account: dict | None = None,
    new_contact: dict | None = None,
    contacts: list[tuple] = (),
    competitors: list[dict] = (),
    owner=None,
    **fields,
) -> Opportunity:
    """Create an opportunity, with a new account and contact from the same form if given.

    All of it is written, or nothing: the account, the contact, the opportunity, its contact
    roles, competitors and the first history row.
    """
    with transaction.atomic():
        errors: dict[str, list] = {}
        if new_account:
            account = _create_inline_account(actor, account, new_account, errors)
        changes = {
            "name": (name or "").strip(),
            "amount": amount,
            "currency": currency,
            "close_date": close_date,
            "stage": stage,
            "account": account,
            "owner": owner or actor,
            **fields,
        }
        opportunity = Opportunity(created_by=actor, updated_by=actor)
        changed = apply_changes(opportunity, changes, OPPORTUNITY_FIELDS)
        errors.update(enforce_rules(opportunity, changes, changed, creating=True))
        if opportunity.amount_base is None:
            opportunity.amount_base = opportunity.amount if opportunity.amount is not None else 0
        clean_or_raise(opportunity, errors)
        opportunity.save()

        contact_roles = list(contacts)
        if new_contact:
            fields_of_contact = dict(new_contact)
            role = fields_of_contact.pop("role", None) or ContactRole.PRIMARY_DECISION_MAKER
            try:
                contact = contact_create(actor=actor, account=account, **fields_of_contact)
            except ValidationError as error:
                raise ValidationError(
                    {
                        f"new_contact_{field}": messages
                        for field, messages in error.message_dict.items()
                    }
                ) from None
            contact_roles.append((contact, role))
        for contact, role in contact_roles:
            _set_contact_role(opportunity, contact, role)
        for competitor in competitors:
            _add_competitor(opportunity, **competitor)
        _record_change(opportunity, None, actor, opportunity.created_at)
        event_record(kind="opportunity", action="created", actor=actor, record=opportunity)
        if opportunity.owner_id != actor.pk:
            _notify_assignment(opportunity, actor)
        return opportunity


def opportunity_update(
    *, opportunity: Opportunity, actor, version: int, new_account: dict | None = None, **changes
) -> Opportunity:
    """Change fields of an opportunity; a stale `version` changes nothing (ConflictError).

    Only the keys given are changed. A stage move takes the new stage's probability unless the
    same change sets `probability`.
    """
    with transaction.atomic():
        current = lock_current(opportunity, version)
        require_edit(actor, current.owner)
        before = tracked_values(current)
        inline_errors: dict[str, list] = {}
        if new_account:
            changes["account"] = _create_inline_account(
                actor, changes.get("account"), new_account, inline_errors
            )
        if "name" in changes:
            changes["name"] = (changes["name"] or "").strip()
        changed = apply_changes(current, changes, OPPORTUNITY_FIELDS)
        errors = {
            **inline_errors,
            **enforce_rules(current, changes, changed, creating=False),
        }
        clean_or_raise(current, errors)
        if not changed and tracked_values(current) == before:
            return current
        current.version += 1
        current.updated_by = actor
        current.save()
        _record_change(current, before, actor, current.updated_at)
        opportunity_event(opportunity=current, actor=actor, changed=changed)
        if before["owner"] != current.owner_id:
            _notify_assignment(current, actor)
        return current


def opportunity_move_stage(
    *,
    opportunity: Opportunity,
    stage,
    actor,
    version: int,
    lost_reason: str = "",
    probability: int | None = None,
) -> Opportunity:
    """Move to `stage`: probability follows the stage unless given; lost needs a reason."""
    changes = {"stage": stage}
    if lost_reason:
        changes["lost_reason"] = lost_reason
    if probability is not None:
        changes["probability"] = probability
    return opportunity_update(opportunity=opportunity, actor=actor, version=version, **changes)


def opportunity_assign(*, opportunity: Opportunity, owner, actor, version: int) -> Opportunity:
    """Give the opportunity to `owner`, who is notified in the app."""
    return opportunity_update(opportunity=opportunity, actor=actor, version=version, owner=owner)


def opportunity_delete(*, opportunity: Opportunity, actor, version: int) -> None:
    """Delete an opportunity the actor may edit, with its roles, competitors and history."""
    with transaction.atomic():
        current = lock_current(opportunity, version)
        require_edit(actor, current.owner)
        event_record(kind="opportunity", action="deleted", actor=actor, record=current)
        # Its activities go with it (on delete cascade): a sync client hears of each.
        events_record_bulk(
            kind="activity", action="deleted", actor=actor, records=current.activities.all()
        )
        audit_deletion(actor=actor, record=current)
        current.delete()


def _set_contact_role(opportunity: Opportunity, contact, role) -> OpportunityContact:
    if role not in ContactRole.values:
        raise ValidationError({"role": [_("Choose a valid role.")]})
    link, _created = OpportunityContact.objects.update_or_create(
        opportunity=opportunity, contact=contact, defaults={"role": role}
    )
    return link


def opportunity_contact_set(*, opportunity: Opportunity, contact, role: str, actor):
    """Add `contact` to the opportunity with `role`, or change the role it has."""
    with transaction.atomic():
        require_edit(actor, opportunity.owner)
        link = _set_contact_role(opportunity, contact, role)
        _related_changed(opportunity, actor, "contacts")
        return link


def opportunity_contact_remove(*, opportunity: Opportunity, contact, actor) -> None:
    """Take `contact` off the opportunity (the contact itself stays)."""
    with transaction.atomic():
        require_edit(actor, opportunity.owner)
        OpportunityContact.objects.filter(opportunity=opportunity, contact=contact).delete()
        _related_changed(opportunity, actor, "contacts")


def _related_changed(opportunity: Opportunity, actor, what: str) -> None:
    """An "updated" event for a change of the opportunity's contacts or competitors."""
    event_record(
        kind="opportunity", action="updated", actor=actor, record=opportunity, changed=[what]
    )


def _add_competitor(
    opportunity: Opportunity, *, name: str, strengths: str = "", weaknesses: str = ""
) -> Competitor:
    competitor = Competitor(
        opportunity=opportunity,
        name=(name or "").strip(),
        strengths=strengths or "",
        weaknesses=weaknesses or "",
    )
    clean_or_raise(competitor)
    competitor.save()
    return competitor


def competitor_add(
    *, opportunity: Opportunity, actor, name: str, strengths: str = "", weaknesses: str = ""
) -> Competitor:
    """List a competitor on the opportunity."""
    with transaction.atomic():
        require_edit(actor, opportunity.owner)
        competitor = _add_competitor(
            opportunity, name=name, strengths=strengths, weaknesses=weaknesses
        )
        _related_changed(opportunity, actor, "competitors")
        return competitor


def competitor_update(*, competitor: Competitor, actor, **changes) -> Competitor:
    """Change a competitor's name, strengths or weaknesses."""
    with transaction.atomic():
        require_edit(actor, competitor.opportunity.owner)
        if "name" in changes:
            changes["name"] = (changes["name"] or "").strip()
        apply_changes(competitor, changes, {"name", "strengths", "weaknesses"})
        clean_or_raise(competitor)
        competitor.save()
        _related_changed(competitor.opportunity, actor, "competitors")
        return competitor


def competitor_remove(*, competitor: Competitor, actor) -> None:
    """Take a competitor off the opportunity."""
    with transaction.atomic():
        require_edit(actor, competitor.opportunity.owner)
        competitor.delete()
        _related_changed(competitor.opportunity, actor, "competitors")
