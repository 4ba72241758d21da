"""The activity panel of a record page: which record, its timeline page and the add forms.

The opportunity, account, contact and lead pages and the htmx timeline view all build it here.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from shangji.accounts.models import Account
from shangji.contacts.models import Contact
from shangji.leads.models import Lead
from shangji.opportunities.models import Opportunity, OpportunityContact
from shangji.users.models import User

from .choices import ActivityKind
from .forms import FORM_CLASSES, ActivityForm
from .models import Activity
from .selectors import CHANGE, TIMELINE_KINDS, TimelinePage, activity_timeline, mark_editable

TIMELINE_SIZE = 30
KIND_LABELS = {
    ActivityKind.CALL: _("Calls"),
    ActivityKind.MEETING: _("Meetings"),
    ActivityKind.TASK: _("Tasks"),
    ActivityKind.NOTE: _("Notes"),
    ActivityKind.EMAIL: _("E-mails"),
    CHANGE: _("History"),
}
ADD_LABELS = {
    ActivityKind.CALL: _("Log a call"),
    ActivityKind.MEETING: _("Schedule a meeting"),
    ActivityKind.TASK: _("Add a task"),
    ActivityKind.NOTE: _("Add a note"),
}


@dataclass
class RecordRef:
    """The record a timeline or a new activity belongs to: an opportunity, account, contact or
    lead."""

    name: str
    record: Any

    @classmethod
    def of(cls, activity: Activity) -> "RecordRef":
        if activity.opportunity_id:
            return cls("opportunity", activity.opportunity)
        if activity.lead_id:
            return cls("lead", activity.lead)
        if activity.contact_id:
            return cls("contact", activity.contact)
        return cls("account", activity.account)

    @property
    def links(self) -> dict:
        return {self.name: self.record}

    @property
    def url(self) -> str:
        return self.record.get_absolute_url()

    @property
    def query(self) -> str:
        return urlencode({self.name: self.record.pk})

    @property
    def timeline_url(self) -> str:
        return f"{reverse('activities:timeline')}?{self.query}"

    @property
    def has_history(self) -> bool:
        return self.name in ("opportunity", "account")

    def attendee_contacts(self) -> QuerySet:
        """The contacts a meeting on this record may invite: its account's and its deal's."""
        contacts = Contact.objects.order_by("last_name", "first_name", "id")
        if self.name == "lead":  # a lead is not a contact yet
            return contacts.none()
        if self.name == "opportunity":
            roles = OpportunityContact.objects.filter(opportunity=self.record).values("contact_id")
            return contacts.filter(Q(account_id=self.record.account_id) | Q(pk__in=roles))
        account_id = self.record.pk if self.name == "account" else self.record.account_id
        return contacts.filter(account_id=account_id)


def record_from(user, data) -> RecordRef:
    """The record named in `data` (?opportunity=, ?account=, ?contact= or ?lead=) if `user`
    sees it."""
    querysets = {
        "opportunity": Opportunity.objects.visible_to(user).select_related("account", "owner"),
        "account": Account.objects.visible_to(user),
        "contact": Contact.objects.visible_to(user).select_related("account"),
        "lead": Lead.objects.visible_to(user).select_related("owner"),
    }
    for name, queryset in querysets.items():
        value = str(data.get(name) or "")
        if value:
            if not value.isdigit():
                raise Http404
            record = queryset.filter(pk=int(value)).first()
            if record is None:
                raise Http404
            return RecordRef(name, record)
    raise Http404


def safe_next(request, default: str) -> str:
    """The `next` the form carried if it points into this site, else `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def timeline_query(params, **overrides) -> str:
    """'?kind=…&cursor=…' of the timeline parameters in `params` (with `overrides`)."""
    values = {"kind": params.get("kind") or "", "cursor": params.get("cursor") or ""}
    values.update(overrides)
    kept = {key: value for key, value in values.items() if value}
    return f"?{urlencode(kept)}" if kept else ""


def activity_form(
    kind: str,
    ref: RecordRef,
    user,
    data=None,
    instance: Activity | None = None,
    *,
    files=None,
    users=None,
    contacts=None,
) -> ActivityForm:
    """The form of `kind` for a new activity on `ref`, or to edit `instance`."""
    initial = {}
    if instance is None and kind == ActivityKind.MEETING and ref.name == "contact":
        initial["attendee_contacts"] = [ref.record.pk]
    return FORM_CLASSES[kind](
        data,
        files,
        instance=instance,
        initial=initial,
        auto_id=f"id_{kind}_%s" if instance is None else f"id_a{instance.pk}_%s",
        users=users,
        contacts=contacts,
        contact_queryset=ref.attendee_contacts(),
        actor=user,
    )


@dataclass
class Panel:
    ref: RecordRef
    page: TimelinePage
    kind: str
    cursor: str
    next_url: str
    filters: list[dict] = field(default_factory=list)
    forms: list[tuple[str, str, ActivityForm]] = field(default_factory=list)
    more_url: str = ""
    more_hx_url: str = ""


def _selected_kind(params, ref: RecordRef) -> str:
    kind = params.get("kind") or ""
    if kind not in TIMELINE_KINDS or (kind == CHANGE and not ref.has_history):
        return ""
    return kind


def _filters(ref: RecordRef, selected: str) -> list[dict]:
    kinds = [
        ("", _("All")),
        *[(kind, label) for kind, label in KIND_LABELS.items() if kind != CHANGE],
    ]
    if ref.has_history:
        kinds.append((CHANGE, KIND_LABELS[CHANGE]))
    return [
        {
            "value": kind,
            "label": label,
            "active": kind == selected,
            "url": ref.url + timeline_query({"kind": kind}) + "#timeline",
            "hx_url": ref.timeline_url + (f"&{urlencode({'kind': kind})}" if kind else ""),
        }
        for kind, label in kinds
    ]


def panel_context(
    request, ref: RecordRef, *, with_forms: bool = True, users=None, contacts=None
) -> dict:
    """{"panel": …}: the timeline page the request asks for and, on pages, the add forms."""
    user = request.user
    kind = _selected_kind(request.GET, ref)
    cursor = request.GET.get("cursor") or ""
    arguments = {**ref.links, "kinds": [kind] if kind else None, "size": TIMELINE_SIZE}
    try:
        page = activity_timeline(user=user, cursor=cursor or None, **arguments)
    except ValueError:
        cursor = ""
        page = activity_timeline(user=user, **arguments)
    mark_editable(user, [entry.activity for entry in page.entries if entry.activity])
    mark_editable(user, page.planned)
    panel = Panel(
        ref=ref,
        page=page,
        kind=kind,
        cursor=cursor,
        next_url=ref.url + "#timeline",
        filters=_filters(ref, kind),
    )
    if page.next_cursor:
        panel.more_url = ref.url + timeline_query({"kind": kind, "cursor": page.next_cursor})
        panel.more_url += "#timeline"
        more = urlencode({key: value for key, value in (("kind", kind),) if value})
        panel.more_hx_url = f"{ref.timeline_url}&{urlencode({'cursor': page.next_cursor})}"
        panel.more_hx_url += f"&{more}" if more else ""
    if with_forms:
        if users is None:
            users = list(User.objects.filter(is_active=True))
        panel.forms = [
            (
                kind_,
                ADD_LABELS[kind_],
                activity_form(kind_, ref, user, users=users, contacts=contacts),
            )
            for kind_ in FORM_CLASSES
        ]
    return {"panel": panel}
