"""Template helpers of the activity pages: status labels and the record pages' panel."""

from django import template
from django.utils import timezone

from shangji.activities.choices import STATUSES_BY_KIND

register = template.Library()


@register.filter
def status_label(activity) -> str:
    """The translated label of an activity's status (the column has no fixed choices)."""
    statuses = STATUSES_BY_KIND.get(activity.kind)
    if statuses is not None and activity.status in statuses.values:
        return statuses(activity.status).label
    return activity.status


@register.filter
def overdue(activity) -> bool:
    """Whether a call, meeting or task is still open after its time."""
    return bool(activity.starts_at and not activity.is_done and activity.starts_at < timezone.now())


@register.inclusion_tag("activities/partials/panel.html", takes_context=True)
def activity_panel(context, record, contacts=None):
    """The timeline and add forms of an account or contact page (their views stay as they are)."""
    from shangji.activities.panels import RecordRef, panel_context

    request = context["request"]
    ref = RecordRef(record._meta.model_name, record)
    return {
        **panel_context(request, ref, contacts=contacts),
        "request": request,
        "user": context.get("user"),
        "csrf_token": context.get("csrf_token"),
    }
