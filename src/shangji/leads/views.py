"""Lead pages: list, export, detail, create, edit, assign, delete and conversion."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST

from shangji.activities.panels import RecordRef, panel_context
from shangji.audit.services import audited_export
from shangji.core.errors import PermissionDeniedError
from shangji.core.exports import export_options, export_response
from shangji.core.views import (
    VersionedEditView,
    service_errors_as_messages,
    service_errors_on_form,
)
from shangji.opportunities.choices import StageKind
from shangji.opportunities.models import Opportunity, Stage
from shangji.users.models import User

from . import selectors, services
from .filters import LeadFilter
from .forms import EXISTING, NEW, LeadAssignForm, LeadConvertForm, LeadEditForm, LeadForm
from .models import Lead
from .querysets import may_edit_lead

# A converted lead's opportunity is expected to close this many days after conversion.
DEFAULT_CLOSE_IN_DAYS = 90


def _editable(user, lead: Lead) -> Lead:
    """`lead` if `user` may change it and it is not converted; otherwise a 403."""
    if not may_edit_lead(user, lead.owner):
        raise PermissionDenied(str(PermissionDeniedError().message))
    if lead.is_converted:
        raise PermissionDenied(_("This lead is converted; change what it became instead."))
    return lead


class LeadListView(LoginRequiredMixin, View):
    def get(self, request):
        filterset = LeadFilter(
            request.GET, queryset=selectors.lead_list(user=request.user), request=request
        )
        page = filterset.page(request.GET.get("cursor"))
        sort, _field, _descending = filterset.sort_order()
        return render(
            request,
            "leads/lead_list.html",
            {"filter": filterset, "page": page, "sort": sort},
        )


@login_required
def lead_export_view(request):
    params = request.GET.copy()
    params.pop("cursor", None)
    rows = selectors.lead_export_rows(user=request.user, params=params)
    if rows is None:
        messages.error(request, _("Fix the filters before exporting."))
        return redirect("leads:lead_list")
    file_format, bom = export_options(request.GET)  # ?format=xlsx, ?bom=0
    rows = audited_export(
        rows, actor=request.user, export="leads", file_format=file_format, filters=params
    )
    header, lines = selectors.lead_export_table(rows)
    stem = f"leads-{timezone.localdate():%Y%m%d}"
    return export_response(stem, header, lines, file_format=file_format, bom=bom)


class LeadDetailView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        lead = selectors.lead_get(user=request.user, pk=pk)
        can_edit = may_edit_lead(request.user, lead.owner) and not lead.is_converted
        # One list of users serves the assign form and the activity forms (one query).
        users = list(User.objects.filter(is_active=True))
        assign_form = LeadAssignForm(initial={"owner": lead.owner_id, "version": lead.version})
        assign_form.fields["owner"].choices = [("", "—")] + [
            (user.pk, user.display_name) for user in users
        ]
        opportunity_visible = bool(
            lead.converted_opportunity_id
            and Opportunity.objects.visible_to(request.user)
            .filter(pk=lead.converted_opportunity_id)
            .exists()
        )
        context = {
            "lead": lead,
            "can_edit": can_edit,
            "assign_form": assign_form,
            "opportunity_visible": opportunity_visible,
        }
        context.update(
            panel_context(
                request,
                RecordRef("lead", lead),
                with_forms=not lead.is_converted,
                users=users,
                contacts=[],
            )
        )
        return render(request, "leads/lead_detail.html", context)


class LeadCreateView(LoginRequiredMixin, View):
    template_name = "leads/lead_form.html"

    def get(self, request):
        form = LeadForm(initial={"owner": request.user.pk})
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = LeadForm(request.POST)
        if form.is_valid():
            with service_errors_on_form(form):
                lead = services.lead_create(actor=request.user, **form.cleaned_data)
                messages.success(request, _("Lead “%(name)s” created.") % {"name": lead})
                return redirect(lead)
        return render(request, self.template_name, {"form": form})


class LeadEditView(VersionedEditView):
    template_name = "leads/lead_form.html"
    form_class = LeadEditForm
    context_object_name = "lead"

    def get_record(self, request, pk: int) -> Lead:
        return _editable(request.user, selectors.lead_get(user=request.user, pk=pk))

    def update(self, record, **arguments) -> Lead:
        return services.lead_update(lead=record, **arguments)

    def saved_message(self, record) -> str:
        return _("Lead “%(name)s” saved.") % {"name": record}


@login_required
@require_POST
def lead_assign_view(request, pk):
    lead = selectors.lead_get(user=request.user, pk=pk)
    form = LeadAssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an active user."))
        return redirect(lead)
    owner = form.cleaned_data["owner"]
    with service_errors_as_messages(request):
        services.lead_assign(
            lead=lead, owner=owner, actor=request.user, version=form.cleaned_data["version"]
        )
        messages.success(request, _("Assigned to %(owner)s.") % {"owner": owner.display_name})
    return redirect(lead)


@login_required
@require_POST
def lead_delete_view(request, pk):
    lead = selectors.lead_get(user=request.user, pk=pk)
    version = request.POST.get("version", "")
    with service_errors_as_messages(request):
        services.lead_delete(
            lead=lead, actor=request.user, version=int(version) if version.isdigit() else 0
        )
        messages.success(request, _("Lead “%(name)s” deleted.") % {"name": lead})
        return redirect("leads:lead_list")
    return redirect(lead)


class LeadConvertView(LoginRequiredMixin, View):
    """One page: the account, the contact, an optional opportunity, the activities."""

    template_name = "leads/lead_convert.html"

    def get(self, request, pk: int):
        lead = _editable(request.user, selectors.lead_get(user=request.user, pk=pk))
        duplicates = _duplicates(lead)
        first_stage = (
            Stage.objects.active()
            .filter(pipeline__is_default=True, kind=StageKind.OPEN)
            .order_by("position")
            .first()
        )
        accounts, contacts = duplicates["accounts"], duplicates["contacts"]
        initial = {
            "version": lead.version,
            "account_action": EXISTING if accounts else NEW,
            "account": accounts[0].pk if accounts else None,
            "new_account_name": lead.company or lead.full_name,
            "contact_action": EXISTING if contacts else NEW,
            "contact": contacts[0].pk if contacts else None,
            "create_opportunity": True,
            "opportunity_name": lead.company or lead.full_name,
            "opportunity_currency": settings.BASE_CURRENCY,
            "opportunity_close_date": timezone.localdate()
            + datetime.timedelta(days=DEFAULT_CLOSE_IN_DAYS),
            "opportunity_stage": first_stage,
            "opportunity_owner": lead.owner_id or request.user.pk,
            "opportunity_lead_source": lead.source,
        }
        for name in ("last_name", "first_name", "title", "email", "phone", "mobile"):
            initial[f"new_contact_{name}"] = getattr(lead, name)
        form = LeadConvertForm(initial=initial)
        return self._render(request, lead, form, duplicates)

    def post(self, request, pk: int):
        lead = _editable(request.user, selectors.lead_get(user=request.user, pk=pk))
        form = LeadConvertForm(request.POST)
        conflict = False
        if form.is_valid():
            with service_errors_on_form(form) as caught:
                converted = services.lead_convert(
                    lead=lead,
                    actor=request.user,
                    version=form.cleaned_data["version"],
                    **form.service_arguments(),
                )
                messages.success(request, _("Lead converted."))
                return redirect(converted.converted_opportunity or converted)
            conflict = caught.conflict
        chosen = getattr(form, "cleaned_data", {})
        return self._render(
            request, lead, form, _duplicates(lead), chosen=chosen, status=409 if conflict else 200
        )

    def _render(self, request, lead, form, duplicates, *, chosen=None, status=200):
        chosen = chosen or {}
        form.show_options(
            accounts=_with(duplicates["accounts"], chosen.get("account")),
            contacts=_with(duplicates["contacts"], chosen.get("contact")),
            users=list(User.objects.filter(is_active=True)),
        )
        context = {
            "lead": lead,
            "form": form,
            "account_duplicates": duplicates["accounts"],
            "contact_duplicates": duplicates["contacts"],
        }
        return render(request, self.template_name, context, status=status)


def _duplicates(lead: Lead) -> dict:
    """The accounts and contacts the lead may already be (see the selectors)."""
    return {
        "accounts": selectors.account_duplicates(name=lead.company) if lead.company else [],
        "contacts": selectors.contact_duplicates(
            email=lead.email, phones=(lead.phone, lead.mobile)
        ),
    }


def _with(rows: list, chosen) -> list:
    """`rows` and the chosen record if it is not among them."""
    if chosen is None or chosen.pk in {row.pk for row in rows}:
        return rows
    return [*rows, chosen]
