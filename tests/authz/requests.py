"""How to call every page and API operation of rules.PAGES and rules.API for one cell.

Each builder gets the world, the role and the relation, and returns a `Call`: the request, and
(where the status alone cannot tell) how to read the outcome. Writes send valid data, so an
allowed write really succeeds and the test sees it.
"""

import base64
import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.urls import reverse

from .rules import ACTORS, MISSING_ID


@dataclass
class Call:
    method: str
    path: str
    data: Any = None  # form fields (pages), JSON body (API)
    htmx: bool = False
    multipart: bool = False
    ok: tuple = (200, 201, 202, 204, 302)
    # response, world → "allow" | 403 | 404, when the status alone does not say
    outcome: Any = None
    params: dict = field(default_factory=dict)
    target: Any = None  # the record in the URL, if any (checked after the request)
    signs_out: bool = False  # answers with a redirect to the sign-in page


def form_data(form) -> dict:
    """The POST data a browser sends for `form` unchanged (its initial values)."""
    data: dict = {}
    for name, bound in form._bound_items():
        value = bound.value()
        if value in (None, "") or isinstance(form.fields[name], forms.FileField):
            continue
        if isinstance(form.fields[name], forms.BooleanField):
            if value:
                data[name] = "on"
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(getattr(item, "pk", item)) for item in value]
        elif isinstance(value, datetime.datetime):
            data[name] = value.strftime("%Y-%m-%d %H:%M")
        else:
            data[name] = str(getattr(value, "pk", value))
    return data


def _pk(world, kind, role, relation):
    return world.pk(kind, role, relation)


def _version(world, kind, role, relation):
    record = world.record(kind, role, relation)
    return 1 if record is None else type(record).objects.get(pk=record.pk).version


def _stage(name="Qualification"):
    from shangji.opportunities.models import Stage

    return Stage.objects.get(pipeline__is_default=True, name=name)


def _today() -> str:
    return datetime.date.today().isoformat()


# --- pages -----------------------------------------------------------------------------------


def _opportunity_form(world, role, relation):
    from shangji.opportunities.forms import OpportunityForm

    record = world.record("opportunity", role, relation)
    if record is None:
        return {}
    user = world.user(role)
    return form_data(OpportunityForm(instance=record, user=user)) | {"next_step": "call"}


def _edit_form(form_class, kind):
    def build(world, role, relation):
        record = world.record(kind, role, relation)
        if record is None:
            return {"version": 1}
        data = form_data(form_class(instance=record, initial={"version": record.version}))
        return data | {"description": "changed"}

    return build


def _bulk_outcome(response, world) -> object:
    """A bulk update answers 200/302 either way; its job says what happened to the record."""
    from shangji.opportunities.models import BulkUpdateJob

    job = BulkUpdateJob.objects.order_by("-id").first()
    if job.updated_count + job.unchanged_count == 1:
        return "allow"
    (failure,) = job.failures
    if failure["reason"] == "You are not allowed to make this change.":
        return 403  # a deal the caller reads but may not change
    assert failure["reason"] == "Not found, or you may not see it.", failure
    assert failure["name"] == "", "a hidden opportunity's name leaked in a bulk failure"
    return 404


def _notification_outcome(response, world):
    return "allow" if response.status_code in (200, 302) else response.status_code


def page_call(name: str, world, role: str, relation: str) -> Call:
    """The request that exercises page `name` for one cell."""
    used: list[str] = []
    call = _page_call(name, world, role, relation, used)
    if used and call.target is None:
        call.target = world.record(used[-1], role, relation)
    return call


def api_call(operation: tuple, world, role: str, relation: str) -> Call:
    """The request that exercises API `operation` (method, path) for one cell."""
    used: list[str] = []
    call = _api_call(operation, world, role, relation, used)
    if used and call.target is None:
        call.target = world.record(used[-1], role, relation)
    return call


def _page_call(name, world, role, relation, used) -> Call:
    from shangji.accounts.forms import AccountEditForm
    from shangji.contacts.forms import ContactEditForm
    from shangji.leads.forms import LeadEditForm
    from shangji.users.services import calendar_token_reset

    user = world.user(role)
    owner = world.owner(role, relation) if relation in ("own", "team", "foreign") else user

    def pk(kind):
        used.append(kind)
        return _pk(world, kind, role, relation)

    def version(kind):
        return _version(world, kind, role, relation)

    match name:
        case "home":
            return Call("get", "/")
        case "users:login":
            return Call("get", reverse(name))
        case "users:logout":
            return Call("post", reverse(name), ok=(302,), signs_out=True)
        case "set_language":
            return Call("post", reverse(name), {"language": "en", "next": "/"})
        case (
            "users:profile"
            | "users:password_change"
            | "users:notification_list"
            | "users:notification_poll"
        ):
            return Call("get", reverse(name))
        case "users:calendar_token_reset" | "users:calendar_token_revoke":
            return Call("post", reverse(name))
        case "users:calendar_feed":
            return Call("get", reverse(name, args=[calendar_token_reset(user=user)]))
        case "users:api_key_create":
            return Call("post", reverse(name), {"name": "matrix", "scope": "read_write"})
        case "users:api_key_revoke":
            return Call("post", reverse(name, args=[pk("api_key")]))
        case "users:api_key_list" | "users:organization_settings" | "audit:audit_log":
            return Call("get", reverse(name))
        case "users:notification_mark_read":
            return Call("post", reverse(name))
        # opportunities
        case (
            "opportunities:opportunity_list"
            | "opportunities:board"
            | "opportunities:opportunity_export"
            | "opportunities:opportunity_export_csv"
            | "opportunities:bulk_update_form"
        ):
            return Call("get", reverse(name))
        case "opportunities:board_column":
            return Call("get", reverse(name, args=[_stage().pk]), htmx=True)
        case "opportunities:board_move":
            data = {"stage": _stage().pk, "version": version("opportunity")}
            return Call("post", reverse(name, args=[pk("opportunity")]), data, htmx=True)
        case "opportunities:bulk_update":
            data = {"scope": "selected", "ids": [pk("opportunity")], "close_date": _today()}
            return Call("post", reverse(name), data, outcome=_bulk_outcome)
        case "opportunities:bulk_update_detail" | "opportunities:bulk_update_failures":
            return Call("get", reverse(name, args=[pk("bulk_job")]))
        case "opportunities:opportunity_create":
            data = {
                "name": "New deal",
                "amount": "5000",
                "currency": "CNY",
                "close_date": _today(),
                "stage": _stage().pk,
                "account": world.records[("account", ACTORS[role])].pk,
                "owner": owner.pk,
            }
            return Call("post", reverse(name), data, ok=(302,))
        case "opportunities:opportunity_detail":
            return Call("get", reverse(name, args=[pk("opportunity")]), ok=(200,))
        case "opportunities:opportunity_edit":
            data = _opportunity_form(world, role, relation)
            return Call("post", reverse(name, args=[pk("opportunity")]), data, ok=(302,))
        case "opportunities:opportunity_move_stage":
            data = {"stage": _stage().pk, "version": version("opportunity")}
            return Call("post", reverse(name, args=[pk("opportunity")]), data, ok=(302,))
        case "opportunities:opportunity_assign":
            data = {"owner": owner.pk, "version": version("opportunity")}
            return Call("post", reverse(name, args=[pk("opportunity")]), data, ok=(302,))
        case "opportunities:opportunity_delete":
            data = {"version": version("opportunity")}
            return Call("post", reverse(name, args=[pk("opportunity")]), data, ok=(302,))
        case "opportunities:opportunity_contact_set":
            data = {"contact": pk("contact"), "role": "Technical Evaluator"}
            if relation == "missing":
                data["contact"] = world.records[("contact", ACTORS[role])].pk
            return Call("post", reverse(name, args=[pk("opportunity")]), data, ok=(302,))
        case "opportunities:opportunity_contact_remove":
            args = [pk("opportunity"), pk("contact")]
            return Call("post", reverse(name, args=args), ok=(302,))
        case "opportunities:competitor_add":
            data = {"name": "Another rival"}
            return Call("post", reverse(name, args=[pk("opportunity")]), data, ok=(302,))
        case "opportunities:competitor_edit":
            args = [pk("opportunity"), pk("competitor")]
            return Call("post", reverse(name, args=args), {"name": "Renamed rival"}, ok=(302,))
        case "opportunities:competitor_remove":
            args = [pk("opportunity"), pk("competitor")]
            return Call("post", reverse(name, args=args), ok=(302,))
        # pipelines (administrators)
        case "pipelines:pipeline_list" | "pipelines:pipeline_create":
            return Call("get", reverse(name))
        case "pipelines:stage_create":
            return Call("get", reverse(name, args=[_stage().pipeline_id]))
        case "pipelines:stage_edit":
            return Call("get", reverse(name, args=[_stage().pk]))
        case "pipelines:stage_move":
            return Call("post", reverse(name, args=[_stage().pk]), {"direction": "down"})
        case "pipelines:stage_retire":
            return Call("post", reverse(name, args=[_stage("Identifying Decision Makers").pk]))
        case "pipelines:stage_restore":
            return Call("post", reverse(name, args=[_stage().pk]))
        # webhooks (administrators)
        case "webhooks:webhook_list" | "webhooks:webhook_create":
            return Call("get", reverse(name))
        case "webhooks:webhook_detail" | "webhooks:webhook_edit":
            webhook = world.webhook.pk if relation == "own" else MISSING_ID
            return Call("get", reverse(name, args=[webhook]), ok=(200,))
        case "webhooks:webhook_delete" | "webhooks:webhook_rotate_secret" | "webhooks:webhook_test":
            webhook = world.webhook.pk if relation == "own" else MISSING_ID
            return Call("post", reverse(name, args=[webhook]), ok=(302,))
        case "webhooks:delivery_redeliver":
            delivery = world.delivery.pk if relation == "own" else MISSING_ID
            return Call("post", reverse(name, args=[delivery]), ok=(302,))
        # the directory
        case "accounts:account_list" | "contacts:contact_list":
            return Call("get", reverse(name))
        case "accounts:account_options" | "contacts:contact_options":
            return Call("get", reverse(name), params={"q": "of"})
        case "accounts:account_create":
            data = {"name": f"New account for {owner.username}", "owner": owner.pk}
            return Call("post", reverse(name), data, ok=(302,))
        case "contacts:contact_create":
            data = {
                "last_name": "New",
                "account": world.records[("account", ACTORS[role])].pk,
                "owner": owner.pk,
            }
            return Call("post", reverse(name), data, ok=(302,))
        case "accounts:account_detail":
            return Call("get", reverse(name, args=[pk("account")]), ok=(200,))
        case "contacts:contact_detail":
            return Call("get", reverse(name, args=[pk("contact")]), ok=(200,))
        case "accounts:account_edit":
            data = _edit_form(AccountEditForm, "account")(world, role, relation)
            return Call("post", reverse(name, args=[pk("account")]), data, ok=(302,))
        case "contacts:contact_edit":
            data = _edit_form(ContactEditForm, "contact")(world, role, relation)
            return Call("post", reverse(name, args=[pk("contact")]), data, ok=(302,))
        # leads
        case "leads:lead_list" | "leads:lead_export":
            return Call("get", reverse(name))
        case "leads:lead_create":
            data = {"last_name": "Newlead", "company": "Co", "owner": owner.pk, "status": "New"}
            return Call("post", reverse(name), data, ok=(302,))
        case "leads:lead_detail":
            return Call("get", reverse(name, args=[pk("lead")]), ok=(200,))
        case "leads:lead_edit":
            data = _edit_form(LeadEditForm, "lead")(world, role, relation)
            return Call("post", reverse(name, args=[pk("lead")]), data, ok=(302,))
        case "leads:lead_assign":
            data = {"owner": user.pk, "version": version("lead")}
            return Call("post", reverse(name, args=[pk("lead")]), data, ok=(302,))
        case "leads:lead_delete":
            data = {"version": version("lead")}
            return Call("post", reverse(name, args=[pk("lead")]), data, ok=(302,))
        case "leads:lead_convert":
            return Call("get", reverse(name, args=[pk("lead")]), ok=(200,))
        # saved views
        case "savedviews:saved_view_save":
            data = {"list": "opportunities", "name": "Matrix view", "query": "status=open"}
            return Call("post", reverse(name), data, ok=(302,))
        case "savedviews:saved_view_rename":
            return Call("post", reverse(name, args=[pk("saved_view")]), {"name": "Renamed"})
        case "savedviews:saved_view_delete" | "savedviews:saved_view_default":
            return Call("post", reverse(name, args=[pk("saved_view")]), ok=(302,))
        # activities
        case "activities:my_work" | "activities:activity_list":
            return Call("get", reverse(name))
        case "activities:activity_create":
            data = {"kind": "note", "opportunity": pk("opportunity"), "subject": "A note"}
            return Call("post", reverse(name), data, ok=(302,))
        case "activities:timeline":
            params = {"opportunity": pk("opportunity")}
            return Call("get", reverse(name), htmx=True, params=params, ok=(200,))
        case _ if (
            name.startswith("activities:activity_") or name == "activities:attachment_download"
        ):
            return activity_page_call(name, world, role, relation, "activity")
        case "mail:compose" | "mail:upload":
            params = {"opportunity": pk("opportunity")}
            return Call("get", reverse(name), params=params, ok=(200,))
        case "mail:settings":
            return Call("get", reverse(name))
        case "mail:settings_test":
            return Call("post", reverse(name), {"to": "admin@example.com"})
        # reports, forecast, dashboard
        case "forecasting:report_detail" | "forecasting:report_export":
            return Call("get", reverse(name, args=["pipeline-by-stage"]), ok=(200,))
        case name if name.startswith("forecasting:"):
            return Call("get", reverse(name), ok=(200,))
        # imports
        case "imports:job_list":
            return Call("get", reverse(name))
        case "imports:job_detail" | "imports:job_progress" | "imports:job_problems":
            return Call("get", reverse(name, args=[pk("import_job")]), ok=(200,))
        case "imports:job_reading":
            data = {"encoding": "utf-8", "delimiter": ","}
            return Call("post", reverse(name, args=[pk("import_job")]), data, ok=(302,))
        case "imports:job_undo" | "imports:job_delete":
            return Call("post", reverse(name, args=[pk("import_job")]), ok=(302,))
        case "imports:mapping_delete":
            return Call("post", reverse(name, args=[pk("import_mapping")]), ok=(302,))
    raise LookupError(f"no request for page {name}")


def activity_page_call(name, world, role, relation, kind) -> Call:
    """The activity pages, for an activity of `kind` (on a deal, a lead or an account)."""
    call = _activity_page_call(name, world, role, relation, kind)
    call.target = world.record(kind, role, relation)
    return call


def _activity_page_call(name, world, role, relation, kind) -> Call:
    record = world.record(kind, role, relation)
    pk = MISSING_ID if record is None else record.pk
    version = 1 if record is None else type(record).objects.get(pk=pk).version
    match name:
        case "activities:activity_detail":
            return Call("get", reverse(name, args=[pk]), ok=(200,))
        case "activities:activity_edit":
            return Call("get", reverse(name, args=[pk]), htmx=True, ok=(200,))
        case "activities:activity_complete" | "activities:activity_delete":
            return Call("post", reverse(name, args=[pk]), {"version": version}, ok=(302,))
        case "activities:attachment_download":
            attachment = world.record("attachment", role, relation) if kind == "activity" else None
            return Call("get", reverse(name, args=[attachment.pk if attachment else pk]))
    raise LookupError(name)


# --- the API ---------------------------------------------------------------------------------


def _api_call(operation, world, role, relation, used) -> Call:
    method, path = operation
    user = world.user(role)
    owner = world.owner(role, relation) if relation in ("own", "team", "foreign") else user

    def pk(kind):
        used.append(kind)
        return _pk(world, kind, role, relation)

    def version(kind):
        return _version(world, kind, role, relation)

    def url(**ids):
        return path.removeprefix("/api/v1").format(**ids)

    own_account = world.records[("account", ACTORS[role])].pk
    match operation:
        case ("POST", "/api/v1/auth/token"):
            return Call("post", url(), {"username": user.username, "password": "demo1234"})
        case ("GET", "/api/v1/pipeline-on"):
            return Call("get", url(), params={"date": _today()}, ok=(200,))
        case ("GET", "/api/v1/pipeline-changes"):
            return Call("get", url(), params={"from": "2020-01-01", "to": _today()}, ok=(200,))
        case ("GET", _) if "{" not in path and path != "/api/v1/imports/fields":
            return Call("get", url(), ok=(200,))
        case ("POST", "/api/v1/api-keys"):
            return Call("post", url(), {"name": "matrix"}, ok=(201,))
        case ("DELETE", "/api/v1/api-keys/{key_id}"):
            return Call("delete", url(key_id=pk("api_key")), ok=(204,))
        # opportunities
        case ("POST", "/api/v1/opportunities/bulk-update"):
            body = {"ids": [pk("opportunity")], "changes": {"close_date": _today()}}
            return Call("post", url(), body, outcome=_bulk_outcome)
        case ("GET", "/api/v1/opportunities/bulk-update/{job_id}"):
            return Call("get", url(job_id=pk("bulk_job")), ok=(200,))
        case ("POST", "/api/v1/opportunities"):
            body = {
                "name": "New deal",
                "amount": "5000",
                "currency": "CNY",
                "close_date": _today(),
                "stage": _stage().pk,
                "account": own_account,
                "owner": owner.pk,
            }
            return Call("post", url(), body, ok=(201,))
        case (
            "GET",
            "/api/v1/opportunities/{opportunity_id}"
            | "/api/v1/opportunities/{opportunity_id}/history"
            | "/api/v1/opportunities/{opportunity_id}/timeline",
        ):
            return Call("get", url(opportunity_id=pk("opportunity")), ok=(200,))
        case ("PATCH", "/api/v1/opportunities/{opportunity_id}"):
            body = {"next_step": "call", "version": version("opportunity")}
            return Call("patch", url(opportunity_id=pk("opportunity")), body, ok=(200,))
        case ("DELETE", "/api/v1/opportunities/{opportunity_id}"):
            params = {"version": version("opportunity")}
            return Call("delete", url(opportunity_id=pk("opportunity")), params=params, ok=(204,))
        case ("PUT", "/api/v1/opportunities/{opportunity_id}/contacts/{contact_id}"):
            # The deal's own contact: the directory is readable, the deal decides.
            contact = (
                pk("contact")
                if relation != "missing"
                else world.records[("contact", ACTORS[role])].pk
            )
            path_ = url(opportunity_id=pk("opportunity"), contact_id=contact)
            return Call("put", path_, {"role": "Technical Evaluator"}, ok=(200, 201))
        case ("DELETE", "/api/v1/opportunities/{opportunity_id}/contacts/{contact_id}"):
            path_ = url(opportunity_id=pk("opportunity"), contact_id=pk("contact"))
            return Call("delete", path_, ok=(204,))
        case ("POST", "/api/v1/opportunities/{opportunity_id}/competitors"):
            path_ = url(opportunity_id=pk("opportunity"))
            return Call("post", path_, {"name": "Another rival"}, ok=(201,))
        case ("PATCH", "/api/v1/opportunities/{opportunity_id}/competitors/{competitor_id}"):
            path_ = url(opportunity_id=pk("opportunity"), competitor_id=pk("competitor"))
            return Call("patch", path_, {"name": "Renamed"}, ok=(200,))
        case ("DELETE", "/api/v1/opportunities/{opportunity_id}/competitors/{competitor_id}"):
            path_ = url(opportunity_id=pk("opportunity"), competitor_id=pk("competitor"))
            return Call("delete", path_, ok=(204,))
        # the directory
        case ("POST", "/api/v1/accounts"):
            body = {"name": f"New account for {owner.username}", "owner": owner.pk}
            return Call("post", url(), body, ok=(201,))
        case ("GET", "/api/v1/accounts/{account_id}" | "/api/v1/accounts/{account_id}/timeline"):
            return Call("get", url(account_id=pk("account")), ok=(200,))
        case ("PATCH", "/api/v1/accounts/{account_id}"):
            body = {"description": "changed", "version": version("account")}
            return Call("patch", url(account_id=pk("account")), body, ok=(200,))
        case ("POST", "/api/v1/contacts"):
            body = {"last_name": "New", "account": own_account, "owner": owner.pk}
            return Call("post", url(), body, ok=(201,))
        case ("GET", "/api/v1/contacts/{contact_id}" | "/api/v1/contacts/{contact_id}/timeline"):
            return Call("get", url(contact_id=pk("contact")), ok=(200,))
        case ("PATCH", "/api/v1/contacts/{contact_id}"):
            body = {"description": "changed", "version": version("contact")}
            return Call("patch", url(contact_id=pk("contact")), body, ok=(200,))
        # leads
        case ("POST", "/api/v1/leads"):
            body = {"last_name": "Newlead", "company": "Co", "owner": owner.pk}
            return Call("post", url(), body, ok=(201,))
        case ("GET", "/api/v1/leads/{lead_id}" | "/api/v1/leads/{lead_id}/timeline"):
            return Call("get", url(lead_id=pk("lead")), ok=(200,))
        case ("PATCH", "/api/v1/leads/{lead_id}"):
            body = {"company": "Changed", "version": version("lead")}
            return Call("patch", url(lead_id=pk("lead")), body, ok=(200,))
        case ("DELETE", "/api/v1/leads/{lead_id}"):
            params = {"version": version("lead")}
            return Call("delete", url(lead_id=pk("lead")), params=params, ok=(204,))
        case ("POST", "/api/v1/leads/{lead_id}/assign"):
            body = {"owner": user.pk, "version": version("lead")}
            return Call("post", url(lead_id=pk("lead")), body, ok=(200,))
        case ("POST", "/api/v1/leads/{lead_id}/convert"):
            body = {
                "version": version("lead"),
                "account": own_account,
                "new_contact": {"last_name": "Converted"},
            }
            return Call("post", url(lead_id=pk("lead")), body, ok=(200, 201))
        # saved views
        case ("POST", "/api/v1/saved-views"):
            body = {"list": "opportunities", "name": "Matrix view", "query": "status=open"}
            return Call("post", url(), body, ok=(201,))
        case ("GET", "/api/v1/saved-views/{view_id}"):
            return Call("get", url(view_id=pk("saved_view")), ok=(200,))
        case ("PATCH", "/api/v1/saved-views/{view_id}"):
            return Call("patch", url(view_id=pk("saved_view")), {"name": "Renamed"}, ok=(200,))
        case ("DELETE", "/api/v1/saved-views/{view_id}"):
            return Call("delete", url(view_id=pk("saved_view")), ok=(204,))
        # imports
        case ("GET", "/api/v1/imports/fields"):
            return Call("get", url(), params={"kind": "accounts"}, ok=(200,))
        case ("POST", "/api/v1/imports"):
            from django.core.files.uploadedfile import SimpleUploadedFile

            upload = SimpleUploadedFile("new.csv", b"Name\nNew one\n", "text/csv")
            data = {"kind": "accounts", "file": upload}
            return Call("post", url(), data, multipart=True, ok=(201,))
        case ("DELETE", "/api/v1/imports/{import_id}"):
            return Call("delete", url(import_id=pk("import_job")), ok=(204,))
        case (
            "GET",
            "/api/v1/imports/{import_id}"
            | "/api/v1/imports/{import_id}/errors"
            | "/api/v1/imports/{import_id}/errors.csv",
        ):
            return Call("get", url(import_id=pk("import_job")), ok=(200,))
        case ("PUT", "/api/v1/imports/{import_id}/mapping"):
            body = {"fields": {"name": "Name"}}
            return Call("put", url(import_id=pk("import_job")), body, ok=(200,))
        case ("POST", "/api/v1/imports/{import_id}/dry-run" | "/api/v1/imports/{import_id}/run"):
            return Call("post", url(import_id=pk("import_job")), {}, ok=(200, 202))
        case ("POST", "/api/v1/imports/{import_id}/undo"):
            # Nothing ran yet: the owner is told so (400); a stranger must not learn that.
            return Call("post", url(import_id=pk("import_job")), {}, ok=(200, 202, 400))
        case ("POST", "/api/v1/import-mappings"):
            body = {"kind": "accounts", "name": "Matrix mapping", "mapping": {"Name": "name"}}
            return Call("post", url(), body, ok=(200, 201))
        case ("DELETE", "/api/v1/import-mappings/{mapping_id}"):
            return Call("delete", url(mapping_id=pk("import_mapping")), ok=(204,))
        # activities and e-mail
        case ("POST", "/api/v1/activities"):
            body = {"kind": "note", "subject": "A note", "opportunity": pk("opportunity")}
            return Call("post", url(), body, ok=(201,))
        case _ if path.startswith("/api/v1/activities/{activity_id}"):
            return activity_api_call(operation, world, role, relation, "activity")
        case ("POST", "/api/v1/emails"):
            body = {
                "opportunity": pk("opportunity"),
                "to": ["someone@example.com"],
                "subject": "Hello",
                "body_text": "Hi",
            }
            return Call("post", url(), body, ok=(201,))
        case ("POST", "/api/v1/emails/import"):
            raw = (
                b"From: someone@example.com\r\nTo: admin@example.com\r\n"
                b"Subject: Hello\r\nMessage-ID: <m" + str(role).encode() + b"@example.com>\r\n"
                b"Date: Thu, 26 Nov 2026 10:00:00 +0800\r\n\r\nHi\r\n"
            )
            body = {"raw": base64.b64encode(raw).decode(), "opportunity": pk("opportunity")}
            return Call("post", url(), body, ok=(201, 200))
        case ("POST", "/api/v1/notifications/read"):
            return Call("post", url(), {"ids": None}, ok=(200,))
        # pipelines
        case ("POST", "/api/v1/pipelines/{pipeline_id}/stages"):
            pipeline = _stage().pipeline_id if relation == "any" else MISSING_ID
            body = {"name": "Matrix stage", "probability": 50}
            return Call("post", url(pipeline_id=pipeline), body, ok=(201,))
        case ("PATCH", "/api/v1/users/{user_id}"):
            target = world.users["zhaolei"].pk if relation == "any" else MISSING_ID
            body = {"team": world.teams["north"].pk}
            return Call("patch", url(user_id=target), body, ok=(200,))
        case ("POST", "/api/v1/pipelines"):
            return Call("post", url(), {"name": "Matrix pipeline"}, ok=(201,))
        case ("PATCH", "/api/v1/stages/{stage_id}"):
            stage = _stage().pk if relation == "any" else MISSING_ID
            return Call("patch", url(stage_id=stage), {"probability": 21}, ok=(200,))
        case ("POST", "/api/v1/stages/{stage_id}/move"):
            stage = _stage().pk if relation == "any" else MISSING_ID
            return Call("post", url(stage_id=stage), {"direction": "down"}, ok=(200,))
        case ("POST", "/api/v1/stages/{stage_id}/retire" | "/api/v1/stages/{stage_id}/restore"):
            stage = _stage("Identifying Decision Makers").pk if relation == "any" else MISSING_ID
            return Call("post", url(stage_id=stage), {}, ok=(200,))
        # settings
        case ("PATCH", "/api/v1/me"):
            return Call("patch", url(), {"time_zone": "Asia/Shanghai"}, ok=(200,))
        case ("POST" | "DELETE", "/api/v1/me/calendar-feed"):
            return Call(method.lower(), url(), ok=(200, 201, 204))
        case ("PATCH", "/api/v1/organisation"):
            return Call("patch", url(), {"fiscal_year_start_month": 1}, ok=(200,))
        case ("PATCH", "/api/v1/mail-settings"):
            return Call("patch", url(), {}, ok=(200,))
        case ("POST", "/api/v1/mail-settings/test"):
            # No server is configured here: the administrator is told so (400).
            return Call("post", url(), {"to": "admin@example.com"}, ok=(202, 400))
        # board, reports, quotas
        case ("GET", "/api/v1/board/columns/{stage_id}"):
            return Call("get", url(stage_id=_stage().pk), ok=(200,))
        case ("GET", "/api/v1/reports/{slug}"):
            return Call("get", url(slug="pipeline-by-stage"), ok=(200,))
        case ("PUT", "/api/v1/quotas"):
            period = f"{datetime.date.today():%Y-%m}"
            body = {"period": period, "quotas": [{"user": owner.pk, "amount": "100000"}]}
            return Call("put", url(), body, ok=(200,))
        # webhooks
        case ("POST", "/api/v1/webhooks"):
            body = {"url": "https://example.com/new", "events": ["opportunity.created"]}
            return Call("post", url(), body, ok=(201,))
        case (
            _,
            "/api/v1/webhooks/{webhook_id}"
            | "/api/v1/webhooks/{webhook_id}/deliveries"
            | "/api/v1/webhooks/{webhook_id}/test",
        ):
            webhook = world.webhook.pk if relation == "own" else MISSING_ID
            body = {"name": "Renamed"} if method == "PATCH" else ({} if method == "POST" else None)
            return Call(method.lower(), url(webhook_id=webhook), body)
        case ("POST", "/api/v1/webhook-deliveries/{delivery_id}/redeliver"):
            delivery = world.delivery.pk if relation == "own" else MISSING_ID
            return Call("post", url(delivery_id=delivery), {}, ok=(202,))
    raise LookupError(f"no request for {method} {path}")


def activity_api_call(operation, world, role, relation, kind) -> Call:
    """The activity operations, for an activity of `kind` (on a deal, a lead or an account)."""
    call = _activity_api_call(operation, world, role, relation, kind)
    call.target = world.record(kind, role, relation)
    return call


def _activity_api_call(operation, world, role, relation, kind) -> Call:
    method, path = operation
    record = world.record(kind, role, relation)
    pk = MISSING_ID if record is None else record.pk
    version = 1 if record is None else type(record).objects.get(pk=pk).version
    url = path.removeprefix("/api/v1").format(activity_id=pk)
    match method, path.rsplit("}", 1)[1]:
        case "GET", "":
            return Call("get", url, ok=(200,))
        case "PATCH", "":
            return Call("patch", url, {"subject": "Changed", "version": version}, ok=(200,))
        case "DELETE", "":
            return Call("delete", url, params={"version": version}, ok=(204,))
        case "POST", "/complete":
            return Call("post", url, {"version": version}, ok=(200,))
    raise LookupError(operation)


def send(client, call: Call, *, api: bool):
    """Send `call` with a Django test client (pages) or the API client's Django client."""
    headers = {"HX-Request": "true"} if call.htmx else {}
    path = call.path
    if api:
        path = "/api/v1" + path
    if call.params:
        from urllib.parse import urlencode

        path += "?" + urlencode(call.params, doseq=True)
    send_ = getattr(client, call.method)
    if call.method == "get":
        return send_(path, headers=headers)
    if api and not call.multipart:
        body = None if call.data is None else json.dumps(call.data)
        return send_(path, data=body, content_type="application/json", headers=headers)
    return send_(path, data=call.data or {}, headers=headers)
