"""Every action a page can do, the API can do: the URL map of the pages against the API.

`PAGE_ACTIONS` lists every named page URL with the API operations that do the same thing
(through the same service, with the same permissions), or why it has none (a page-only
mechanic: a redirect, an htmx fragment of a page already covered, a form). A page added
without an entry here fails the first test; an entry naming an operation the OpenAPI document
does not have fails the second.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver


class PageOnly(str):
    """Why a page URL needs no API operation of its own."""


FORM = PageOnly("the form of an action whose POST is listed with its own URL")
FRAGMENT = PageOnly("an htmx fragment of a page whose data the listed operations return")

PAGE_ACTIONS: dict[str, list[str] | PageOnly] = {
    "home": PageOnly("a redirect to the user's start page"),
    "set_language": ["PATCH /me"],
    # Users and their settings
    "users:login": ["POST /auth/token"],
    "users:logout": ["DELETE /api-keys/{key_id}"],
    "users:profile": ["GET /me", "PATCH /me"],
    "users:password_change": PageOnly(
        "a password is changed by its owner with the current one; API keys never carry passwords"
    ),
    "users:calendar_token_reset": ["POST /me/calendar-feed"],
    "users:calendar_token_revoke": ["DELETE /me/calendar-feed"],
    "users:calendar_feed": PageOnly("the iCalendar feed itself, read by calendar apps"),
    "users:api_key_create": ["POST /api-keys"],
    "users:api_key_revoke": ["DELETE /api-keys/{key_id}"],
    "users:api_key_list": ["GET /api-keys"],
    "audit:audit_log": ["GET /audit-log"],
    "users:notification_list": ["GET /notifications"],
    "users:notification_mark_read": ["POST /notifications/read"],
    "users:notification_poll": ["GET /notifications"],
    "users:organization_settings": ["GET /organisation", "PATCH /organisation"],
    # Opportunities
    "opportunities:opportunity_list": ["GET /opportunities"],
    "opportunities:opportunity_create": ["POST /opportunities"],
    "opportunities:opportunity_detail": [
        "GET /opportunities/{opportunity_id}",
        "GET /opportunities/{opportunity_id}/history",
        "GET /opportunities/{opportunity_id}/timeline",
    ],
    "opportunities:opportunity_edit": ["PATCH /opportunities/{opportunity_id}"],
    "opportunities:opportunity_move_stage": ["PATCH /opportunities/{opportunity_id}"],
    "opportunities:opportunity_assign": ["PATCH /opportunities/{opportunity_id}"],
    "opportunities:opportunity_delete": ["DELETE /opportunities/{opportunity_id}"],
    "opportunities:opportunity_contact_set": [
        "PUT /opportunities/{opportunity_id}/contacts/{contact_id}"
    ],
    "opportunities:opportunity_contact_remove": [
        "DELETE /opportunities/{opportunity_id}/contacts/{contact_id}"
    ],
    "opportunities:competitor_add": ["POST /opportunities/{opportunity_id}/competitors"],
    "opportunities:competitor_edit": [
        "PATCH /opportunities/{opportunity_id}/competitors/{competitor_id}"
    ],
    "opportunities:competitor_remove": [
        "DELETE /opportunities/{opportunity_id}/competitors/{competitor_id}"
    ],
    "opportunities:board": ["GET /board"],
    "opportunities:board_column": ["GET /board/columns/{stage_id}"],
    "opportunities:board_move": ["PATCH /opportunities/{opportunity_id}"],
    "opportunities:opportunity_export": FORM,
    "opportunities:opportunity_export_csv": ["GET /opportunities/export"],
    "opportunities:bulk_update_form": FORM,
    "opportunities:bulk_update": ["POST /opportunities/bulk-update"],
    "opportunities:bulk_update_detail": ["GET /opportunities/bulk-update/{job_id}"],
    "opportunities:bulk_update_failures": ["GET /opportunities/bulk-update/{job_id}"],
    # Pipelines and stages
    "pipelines:pipeline_list": ["GET /pipelines"],
    "pipelines:pipeline_create": ["POST /pipelines"],
    "pipelines:stage_create": ["POST /pipelines/{pipeline_id}/stages"],
    "pipelines:stage_edit": ["PATCH /stages/{stage_id}"],
    "pipelines:stage_move": ["POST /stages/{stage_id}/move"],
    "pipelines:stage_retire": ["POST /stages/{stage_id}/retire"],
    "pipelines:stage_restore": ["POST /stages/{stage_id}/restore"],
    # Accounts, contacts, leads
    "accounts:account_list": ["GET /accounts"],
    "accounts:account_create": ["POST /accounts"],
    "accounts:account_options": ["GET /accounts"],
    "accounts:account_detail": [
        "GET /accounts/{account_id}",
        "GET /accounts/{account_id}/timeline",
    ],
    "accounts:account_edit": ["PATCH /accounts/{account_id}"],
    "contacts:contact_list": ["GET /contacts"],
    "contacts:contact_create": ["POST /contacts"],
    "contacts:contact_options": ["GET /contacts"],
    "contacts:contact_detail": [
        "GET /contacts/{contact_id}",
        "GET /contacts/{contact_id}/timeline",
    ],
    "contacts:contact_edit": ["PATCH /contacts/{contact_id}"],
    "leads:lead_list": ["GET /leads"],
    "leads:lead_export": ["GET /leads/export"],
    "leads:lead_create": ["POST /leads"],
    "leads:lead_detail": ["GET /leads/{lead_id}", "GET /leads/{lead_id}/timeline"],
    "leads:lead_edit": ["PATCH /leads/{lead_id}"],
    "leads:lead_assign": ["POST /leads/{lead_id}/assign"],
    "leads:lead_delete": ["DELETE /leads/{lead_id}"],
    "leads:lead_convert": ["POST /leads/{lead_id}/convert"],
    # Saved views
    "savedviews:saved_view_save": ["POST /saved-views"],
    "savedviews:saved_view_rename": ["PATCH /saved-views/{view_id}"],
    "savedviews:saved_view_delete": ["DELETE /saved-views/{view_id}"],
    "savedviews:saved_view_default": ["PATCH /saved-views/{view_id}"],
    # Activities and e-mail
    "activities:my_work": ["GET /activities"],
    "activities:activity_list": ["GET /activities"],
    "activities:activity_create": ["POST /activities"],
    "activities:timeline": FRAGMENT,
    "activities:activity_detail": ["GET /activities/{activity_id}"],
    "activities:activity_edit": ["PATCH /activities/{activity_id}"],
    "activities:activity_complete": ["POST /activities/{activity_id}/complete"],
    "activities:activity_delete": ["DELETE /activities/{activity_id}"],
    "activities:attachment_download": PageOnly(
        "the file itself; activities list their attachments with this download URL"
    ),
    "mail:compose": ["POST /emails"],
    "mail:upload": ["POST /emails/import"],
    "mail:settings": ["GET /mail-settings", "PATCH /mail-settings"],
    "mail:settings_test": ["POST /mail-settings/test"],
    # Forecast and reports
    "forecasting:report_list": PageOnly("the index of the reports, each listed below"),
    "forecasting:report_detail": ["GET /reports/{slug}"],
    "forecasting:report_export": ["GET /reports/{slug}"],
    "forecasting:pipeline_on": ["GET /pipeline-on"],
    "forecasting:pipeline_on_export": ["GET /pipeline-on"],
    "forecasting:pipeline_changes": ["GET /pipeline-changes"],
    "forecasting:pipeline_changes_export": ["GET /pipeline-changes"],
    "forecasting:dashboard": ["GET /dashboard"],
    "forecasting:forecast": ["GET /forecast"],
    "forecasting:quota_edit": ["GET /quotas", "PUT /quotas"],
    "forecasting:forecast_accuracy": ["GET /forecast/accuracy"],
    # Imports
    "imports:job_list": ["GET /imports", "POST /imports", "GET /import-mappings"],
    "imports:job_detail": [
        "GET /imports/{import_id}",
        "PUT /imports/{import_id}/mapping",
        "POST /imports/{import_id}/dry-run",
        "POST /imports/{import_id}/run",
        "GET /imports/{import_id}/errors",
        "GET /imports/fields",
        "POST /import-mappings",
    ],
    "imports:job_reading": ["GET /imports/{import_id}"],
    "imports:job_progress": ["GET /imports/{import_id}"],
    "imports:job_undo": ["POST /imports/{import_id}/undo"],
    "imports:job_delete": ["DELETE /imports/{import_id}"],
    "imports:job_problems": ["GET /imports/{import_id}/errors.csv"],
    "imports:mapping_delete": ["DELETE /import-mappings/{mapping_id}"],
    # Webhooks
    "webhooks:webhook_list": ["GET /webhooks"],
    "webhooks:webhook_create": ["POST /webhooks"],
    "webhooks:webhook_detail": [
        "GET /webhooks/{webhook_id}",
        "GET /webhooks/{webhook_id}/deliveries",
    ],
    "webhooks:webhook_edit": ["PATCH /webhooks/{webhook_id}"],
    "webhooks:webhook_delete": ["DELETE /webhooks/{webhook_id}"],
    "webhooks:webhook_rotate_secret": ["PATCH /webhooks/{webhook_id}"],
    "webhooks:webhook_test": ["POST /webhooks/{webhook_id}/test"],
    "webhooks:delivery_redeliver": ["POST /webhook-deliveries/{delivery_id}/redeliver"],
}

# Django's admin (/admin/) is the administrators' raw-data back office, not a product page:
# users are added with `shangji createuser` or the admin, the rest through the pages above.
EXEMPT_NAMESPACES = {"admin", "api"}


def page_url_names(patterns=None, namespace=""):
    """The names of every page URL, with their namespace ("opportunities:board")."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if (pattern.namespace or "") in EXEMPT_NAMESPACES:
                continue
            yield from page_url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"an unnamed page URL: {pattern.pattern}"
            yield namespace + pattern.name


def test_every_page_url_is_listed_with_its_api_counterpart():
    names = set(page_url_names())
    unlisted = sorted(names - set(PAGE_ACTIONS))
    assert not unlisted, f"page URLs without an API counterpart listed: {unlisted}"
    gone = sorted(set(PAGE_ACTIONS) - names)
    assert not gone, f"listed page URLs that no longer exist: {gone}"


@pytest.mark.django_db
def test_every_listed_operation_is_in_the_openapi_document():
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    offered = {
        f"{method.upper()} {path.removeprefix('/api/v1')}"
        for path, operations in paths.items()
        for method in operations
    }
    listed = {
        operation
        for counterpart in PAGE_ACTIONS.values()
        if not isinstance(counterpart, PageOnly)
        for operation in counterpart
    }
    assert not sorted(listed - offered), sorted(listed - offered)


def test_page_only_entries_say_why():
    for name, counterpart in PAGE_ACTIONS.items():
        if isinstance(counterpart, PageOnly):
            assert len(counterpart) > 20, name
        else:
            assert counterpart, name
