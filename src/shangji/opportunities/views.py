"""Opportunity pages: detail, create, edit, and the detail page's actions (the list and its
export are in list_views.py)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shangji.accounts.models import Account
from shangji.activities.panels import RecordRef, panel_context
from shangji.contacts.models import Contact
from shangji.core.permissions import may_edit
from shangji.core.views import (
    editable_or_403,
    service_errors_as_messages,
    service_errors_on_form,
)
from shangji.users.models import User

from . import selectors, services
from .choices import ContactRole
from .forms import AssignForm, CompetitorForm, ContactRoleForm, OpportunityForm, StageMoveForm
from .models import Competitor

# Filters folded under "More filters" on the list page (search, status, period and mine show).
MORE_FILTERS = [
    "stage",
    "owner",
    "team",
    "pipeline",
    "close_date_from",
    "close_date_to",
    "amount_min",
    "amount_max",
    "type",
    "lead_source",
    "forecast_category",
]


@login_required
def opportunity_detail_view(request, pk):
    context = selectors.opportunity_detail(user=request.user, pk=pk)
    opportunity = context["opportunity"]
    can_edit = may_edit(request.user, opportunity.owner)
    account_contacts = (
        list(
            Contact.objects.filter(account_id=opportunity.account_id).order_by("last_name", "id")[
                :200
            ]
        )
        if opportunity.account_id
        else []
    )
    # One list of users serves the assign form and the activity forms (one query, not three).
    users = list(User.objects.filter(is_active=True))
    assign_form = AssignForm(
        initial={"owner": opportunity.owner_id, "version": opportunity.version}
    )
    owner_field = assign_form.fields["owner"]
    owner_field.choices = [("", owner_field.empty_label)] + [
        (user.pk, user.display_name) for user in users
    ]
    context.update(
        can_edit=can_edit,
        assign_form=assign_form,
        contact_role_form=ContactRoleForm(),
        competitor_form=CompetitorForm(),
        account_contacts=account_contacts,
    )
    context.update(
        panel_context(
            request,
            RecordRef("opportunity", opportunity),
            users=users,
            contacts=_meeting_contacts(account_contacts, context["contact_roles"]),
        )
    )
    return render(request, "opportunities/opportunity_detail.html", context)


def _meeting_contacts(account_contacts, contact_roles) -> list[Contact]:
    """Who a meeting on the deal may invite: its account's contacts and its own."""
    contacts = {contact.pk: contact for contact in account_contacts}
    for link in contact_roles:
        contacts.setdefault(link.contact_id, link.contact)
    return sorted(contacts.values(), key=lambda contact: (contact.full_name, contact.pk))


@login_required
def opportunity_create_view(request):
    initial = {"owner": request.user.pk, "currency": settings.BASE_CURRENCY}
    if account_id := request.GET.get("account"):
        initial["account"] = Account.objects.filter(pk=account_id).first()
    form = OpportunityForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_errors_on_form(form, _NEW_FIELD_NAMES):
            opportunity = services.opportunity_create(
                actor=request.user, **form.service_arguments()
            )
            messages.success(
                request, _("Opportunity “%(name)s” created.") % {"name": opportunity.name}
            )
            return redirect(opportunity)
    return render(request, "opportunities/opportunity_form.html", {"form": form})


# Service error keys → the form's field names for the inline account and contact.
_NEW_FIELD_NAMES = {
    "new_account_name": "new_account_name",
    "new_account_industry": "new_account_industry",
    "new_contact_last_name": "new_contact_last_name",
    "new_contact_first_name": "new_contact_first_name",
    "new_contact_email": "new_contact_email",
    "new_contact_phone": "new_contact_phone",
    "new_contact_title": "new_contact_title",
    "new_contact_account": "account",
}


@login_required
def opportunity_edit_view(request, pk):
    opportunity = editable_or_403(request.user, selectors.opportunity_get(user=request.user, pk=pk))
    form = OpportunityForm(request.POST or None, instance=opportunity, user=request.user)
    if request.method == "POST" and form.is_valid():
        # A conflict shows on the form, answered with 200 like any other form error.
        with service_errors_on_form(form):
            services.opportunity_update(
                opportunity=opportunity,
                actor=request.user,
                version=form.cleaned_data["version"] or 0,
                **form.service_arguments(),
            )
            messages.success(request, _("Changes saved."))
            return redirect(opportunity)
    return render(
        request, "opportunities/opportunity_form.html", {"form": form, "opportunity": opportunity}
    )


def _run_action(request, opportunity, action, success: str):
    """Run a detail-page action; report conflicts and errors as messages, then go back."""
    with service_errors_as_messages(request):
        action()
        messages.success(request, success)
    return redirect(opportunity)


@login_required
@require_POST
def opportunity_move_stage_view(request, pk):
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    form = StageMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a stage."))
        return redirect(opportunity)
    data = form.cleaned_data
    return _run_action(
        request,
        opportunity,
        lambda: services.opportunity_move_stage(
            opportunity=opportunity,
            stage=data["stage"],
            actor=request.user,
            version=data["version"],
            lost_reason=data["lost_reason"],
        ),
        _("Moved to %(stage)s.") % {"stage": data["stage"].label},
    )


@login_required
@require_POST
def opportunity_assign_view(request, pk):
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an active user."))
        return redirect(opportunity)
    owner: User = form.cleaned_data["owner"]
    return _run_action(
        request,
        opportunity,
        lambda: services.opportunity_assign(
            opportunity=opportunity,
            owner=owner,
            actor=request.user,
            version=form.cleaned_data["version"],
        ),
        _("Assigned to %(owner)s.") % {"owner": owner.display_name},
    )


@login_required
@require_POST
def opportunity_delete_view(request, pk):
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    version = int(request.POST.get("version", 0))
    with service_errors_as_messages(request):
        services.opportunity_delete(opportunity=opportunity, actor=request.user, version=version)
        messages.success(request, _("Opportunity “%(name)s” deleted.") % {"name": opportunity.name})
        return redirect("opportunities:opportunity_list")
    return redirect(opportunity)


@login_required
@require_POST
def opportunity_contact_set_view(request, pk):
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    form = ContactRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a contact and a role."))
        return redirect(opportunity)
    contact, role = form.cleaned_data["contact"], form.cleaned_data["role"]
    return _run_action(
        request,
        opportunity,
        lambda: services.opportunity_contact_set(
            opportunity=opportunity, contact=contact, role=role, actor=request.user
        ),
        _("%(contact)s is on the opportunity as %(role)s.")
        % {"contact": contact.full_name, "role": ContactRole(role).label},
    )


@login_required
@require_POST
def opportunity_contact_remove_view(request, pk, contact_pk):
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    contact = get_object_or_404(Contact, pk=contact_pk)
    return _run_action(
        request,
        opportunity,
        lambda: services.opportunity_contact_remove(
            opportunity=opportunity, contact=contact, actor=request.user
        ),
        _("%(contact)s is no longer on the opportunity.") % {"contact": contact.full_name},
    )


@login_required
@require_POST
def competitor_add_view(request, pk):
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    form = CompetitorForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A competitor needs a name."))
        return redirect(opportunity)
    return _run_action(
        request,
        opportunity,
        lambda: services.competitor_add(
            opportunity=opportunity, actor=request.user, **form.cleaned_data
        ),
        _("Competitor added."),
    )


@login_required
@require_POST
def competitor_edit_view(request, pk, competitor_pk):
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    competitor = get_object_or_404(Competitor, pk=competitor_pk, opportunity=opportunity)
    form = CompetitorForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A competitor needs a name."))
        return redirect(opportunity)
    return _run_action(
        request,
        opportunity,
        lambda: services.competitor_update(
            competitor=competitor, actor=request.user, **form.cleaned_data
        ),
        _("Competitor saved."),
    )


@login_required
@require_POST
def competitor_remove_view(request, pk, competitor_pk):
    opportunity = selectors.opportunity_get(user=request.user, pk=pk)
    competitor = get_object_or_404(Competitor, pk=competitor_pk, opportunity=opportunity)
    return _run_action(
        request,
        opportunity,
        lambda: services.competitor_remove(competitor=competitor, actor=request.user),
        _("Competitor removed."),
    )
