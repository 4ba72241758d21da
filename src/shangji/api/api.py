"""The REST API v1, mounted at /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from ninja import NinjaAPI

from . import (
    accounts,
    activities,
    api_keys,
    audit,
    auth,
    board,
    changes,
    contacts,
    dashboard,
    docs,
    emails,
    errors,
    forecast,
    forecast_accuracy,
    imports,
    leads,
    mail_settings,
    me,
    notifications,
    opportunities,
    opportunity_bulk,
    organisation,
    pipelines,
    reports,
    saved_views,
    time_travel,
    timeline,
    users,
    webhooks,
)
from .examples import document_examples
from .guide import SYNC_GUIDE
from .openapi import IDEMPOTENCY_TEXT, RATE_LIMITS_TEXT, document_guards

api = NinjaAPI(
    title="Shangji API",
    version="1",
    description="Sales opportunities, accounts, contacts, pipelines, activities, e-mails and "
    "notifications. Authenticate with `Authorization: Bearer <token>` (POST /auth/token) or "
    "the browser session (send the CSRF token with unsafe methods). An API key is read-write or "
    "read-only (a read-only key gets 403 on every POST, PUT, PATCH and DELETE).\n"
    + SYNC_GUIDE
    + "\n"
    "**Rate limits.** " + RATE_LIMITS_TEXT + "\n\n"
    "**Idempotency keys.** Send `Idempotency-Key` with a POST to make a retry safe. "
    + IDEMPOTENCY_TEXT,
    urls_namespace="api",
    auth=[auth.BearerTokenAuth(), auth.SessionCsrfAuth()],
    docs=docs.LocalSwagger(),
)
errors.install(api)
document_guards(api)
document_examples(api)

api.add_router("/auth", auth.router)
api.add_router("/api-keys", api_keys.router)
api.add_router("/opportunities", opportunity_bulk.router)
api.add_router("/opportunities", opportunities.router)
api.add_router("/accounts", accounts.router)
api.add_router("/contacts", contacts.router)
api.add_router("/leads", leads.router)
api.add_router("/saved-views", saved_views.router)
api.add_router("/imports", imports.router)
api.add_router("/import-mappings", imports.mappings_router)
api.add_router("", timeline.router)
api.add_router("/activities", activities.router)
api.add_router("/emails", emails.router)
api.add_router("/notifications", notifications.router)
api.add_router("", pipelines.router)
api.add_router("", users.router)
api.add_router("", me.router)
api.add_router("", organisation.router)
api.add_router("", mail_settings.router)
api.add_router("", board.router)
api.add_router("", reports.router)
api.add_router("", forecast.router)
api.add_router("", dashboard.router)
api.add_router("", forecast_accuracy.router)
api.add_router("", time_travel.router)
api.add_router("", docs.router)
api.add_router("", changes.router)
api.add_router("/webhooks", webhooks.router)
api.add_router("/webhook-deliveries", webhooks.deliveries_router)
api.add_router("/audit-log", audit.router)
