"""The REST API v1, mounted at /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from ninja import NinjaAPI

from . import (
    accounts,
    activities,
    auth,
    board,
    contacts,
    docs,
    emails,
    errors,
    notifications,
    opportunities,
    pipelines,
    reports,
    timeline,
    users,
)

api = NinjaAPI(
    title="Shangji API",
    version="1",
    description="Sales opportunities, accounts, contacts, pipelines, activities, e-mails and "
    "notifications. Authenticate with `Authorization: Bearer <token>` (POST /auth/token) or "
    "the browser session (send the CSRF token with unsafe methods).",
    urls_namespace="api",
    auth=[auth.BearerTokenAuth(), auth.SessionCsrfAuth()],
    docs=docs.LocalSwagger(),
)
errors.install(api)

api.add_router("/auth", auth.router)
api.add_router("/opportunities", opportunities.router)
api.add_router("/accounts", accounts.router)
api.add_router("/contacts", contacts.router)
api.add_router("", timeline.router)
api.add_router("/activities", activities.router)
api.add_router("/emails", emails.router)
api.add_router("/notifications", notifications.router)
api.add_router("", pipelines.router)
api.add_router("", users.router)
api.add_router("", board.router)
api.add_router("", reports.router)
api.add_router("", docs.router)
