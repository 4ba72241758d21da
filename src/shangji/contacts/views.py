"""Contact pages: thin views over the contact services."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from shangji.core.forms import OPTIONS_LIMIT
from shangji.core.permissions import may_edit
from shangji.core.views import VersionedEditView, editable_or_403, service_errors_on_form
from shangji.opportunities.models import Opportunity, OpportunityContact

from .filters import ContactFilter, name_contains, with_full_names
from .forms import ContactEditForm, ContactForm, ContactOptionsForm
from .models import Contact
from .services import contact_create, contact_update

DETAIL_ROWS = 100


class ContactListView(LoginRequiredMixin, View):
    def get(self, request):
        contacts = Contact.objects.visible_to(request.user).select_related("account", "owner")
        filterset = ContactFilter(request.GET, queryset=contacts, request=request)
        page = filterset.page(request.GET.get("cursor"))
        sort, _field, _descending = filterset.sort_order()
        return render(
            request,
            "contacts/contact_list.html",
            {"filter": filterset, "page": page, "sort": sort},
        )


class ContactDetailView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        contact = get_object_or_404(
            Contact.objects.visible_to(request.user).select_related(
                "account", "owner__team", "created_by", "updated_by"
            ),
            pk=pk,
        )
        # Only the opportunities the reader may see, with the contact's role on each.
        visible = Opportunity.objects.visible_to(request.user).values("pk")
        roles = list(
            OpportunityContact.objects.filter(contact=contact, opportunity__in=visible)
            .select_related(
                "opportunity__stage",
                "opportunity__owner",
                "opportunity__currency",
                "opportunity__account",
            )
            .order_by("opportunity__close_date", "opportunity_id")[: DETAIL_ROWS + 1]
        )
        return render(
            request,
            "contacts/contact_detail.html",
            {
                "contact": contact,
                "roles": roles[:DETAIL_ROWS],
                "roles_more": len(roles) > DETAIL_ROWS,
                "may_edit": may_edit(request.user, contact.owner),
            },
        )


class ContactCreateView(LoginRequiredMixin, View):
    template_name = "contacts/contact_form.html"

    def get(self, request):
        account = request.GET.get("account", "")
        initial = {"owner": request.user.pk}
        if account.isdigit():
            initial["account"] = int(account)
        form = ContactForm(initial=initial)
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = ContactForm(request.POST)
        if form.is_valid():
            with service_errors_on_form(form):
                contact = contact_create(actor=request.user, **form.cleaned_data)
                messages.success(
                    request, _("Contact “%(name)s” created.") % {"name": contact.full_name}
                )
                return redirect(contact)
        return render(request, self.template_name, {"form": form})


class ContactEditView(VersionedEditView):
    template_name = "contacts/contact_form.html"
    form_class = ContactEditForm
    context_object_name = "contact"

    def get_record(self, request, pk: int) -> Contact:
        contacts = Contact.objects.visible_to(request.user).select_related("owner__team", "account")
        return editable_or_403(request.user, get_object_or_404(contacts, pk=pk))

    def update(self, record, **arguments) -> Contact:
        return contact_update(contact=record, **arguments)

    def saved_message(self, record) -> str:
        return _("Contact “%(name)s” saved.") % {"name": record.full_name}


class ContactOptionsView(LoginRequiredMixin, View):
    """`<option>`s of an account's contacts matching `?q=`, for htmx-searched selects."""

    def get(self, request):
        form = ContactOptionsForm(request.GET)
        contacts = Contact.objects.none()
        if form.is_valid():
            contacts = Contact.objects.visible_to(request.user)
            if form.cleaned_data["account"]:
                contacts = contacts.filter(account_id=form.cleaned_data["account"])
            if query := form.cleaned_data["q"].strip():
                contacts = with_full_names(contacts).filter(name_contains(query))
        contacts = contacts.only("id", "first_name", "last_name").order_by(
            "last_name", "first_name", "id"
        )[:OPTIONS_LIMIT]
        return render(
            request,
            "contacts/partials/contact_options.html",
            {"contacts": contacts, "blank": request.GET.get("blank") == "1"},
        )
