"""What the audit log records through the real pages and API, and who may read it."""

import csv
import datetime
import io

import pytest
from django import forms
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from shangji.audit.choices import AuditAction
from shangji.audit.models import AuditEntry
from shangji.audit.services import audit_record
from shangji.opportunities.models import Opportunity
from shangji.opportunities.services import opportunity_delete
from shangji.users.choices import Role
from shangji.users.models import ApiToken, Team
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db


def entries(action, **filters):
    return list(AuditEntry.objects.filter(action=action, **filters).order_by("id"))


def signed_in(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def admin_change_user(client, user, **changes):
    """Post the Django admin's change form of `user` as shown, with `changes` applied."""
    url = f"/admin/users/user/{user.pk}/change/"
    form = client.get(url).context["adminform"].form
    values = {**{name: form.initial.get(name) for name in form.fields}, **changes}
    data = {}
    for name, value in values.items():
        field = form.fields[name]
        if field.disabled or value is None or value is False:
            continue
        if isinstance(field.widget, forms.MultiWidget):
            for index, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{index}"] = part
        elif isinstance(value, list | tuple):
            data[name] = [getattr(item, "pk", item) for item in value]
        elif value is True:
            data[name] = "on"
        else:
            data[name] = getattr(value, "pk", value)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


# Access changes ----------------------------------------------------------------------------------


def test_user_creation_is_logged(team_users):
    [entry] = entries(AuditAction.USER_CREATED, target_id=team_users["wangqiang"].pk)
    assert entry.target_type == "user"
    assert entry.details == {"role": "rep"}


def test_a_role_change_on_the_admin_page_is_logged_with_old_and_new(team_users):
    admin = team_users["admin"]
    wangqiang = team_users["wangqiang"]
    admin_change_user(signed_in(admin), wangqiang, role=Role.MANAGER)
    wangqiang.refresh_from_db()
    assert wangqiang.role == Role.MANAGER
    [entry] = entries(AuditAction.ROLE_CHANGED)
    assert entry.actor == admin and entry.actor_label == "admin"
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "user",
        wangqiang.pk,
        "王强",
    )
    assert entry.details == {"old": "rep", "new": "manager"}
    assert entry.ip_address == "127.0.0.1"
    assert entries(AuditAction.PERMISSION_CHANGED) == []


def test_team_staff_and_deactivation_on_the_admin_page_are_logged(team_users):
    admin = team_users["admin"]
    chenjing = team_users["chenjing"]
    north = Team.objects.get(name="华北销售")
    admin_change_user(signed_in(admin), chenjing, team=north, is_staff=True, is_active=False)
    [deactivated] = entries(AuditAction.USER_DEACTIVATED)
    assert (deactivated.actor, deactivated.target_id) == (admin, chenjing.pk)
    [changed] = entries(AuditAction.PERMISSION_CHANGED)
    assert changed.details == {
        "team": {"old": "华东销售", "new": "华北销售"},
        "is_staff": {"old": False, "new": True},
    }
    assert entries(AuditAction.ROLE_CHANGED) == []


def test_a_team_manager_change_is_logged(team_users):
    admin = team_users["admin"]
    east = Team.objects.get(name="华东销售")
    response = signed_in(admin).post(
        f"/admin/users/team/{east.pk}/change/",
        {"name": east.name, "manager": team_users["zhangyue"].pk},
    )
    assert response.status_code == 302
    [entry] = entries(AuditAction.PERMISSION_CHANGED)
    assert (entry.target_type, entry.target_id) == ("team", east.pk)
    assert entry.details == {"manager": {"old": "李明", "new": "张悦"}}


# API keys ----------------------------------------------------------------------------------------


def test_api_keys_created_and_revoked_on_the_profile_page(team_users):
    zhaolei = team_users["zhaolei"]
    client = signed_in(zhaolei)
    client.post("/profile/api-keys/new/", {"name": "ERP sync", "scope": "read-only"})
    token = ApiToken.objects.get(user=zhaolei, name="ERP sync")
    [created] = entries(AuditAction.API_KEY_CREATED, target_id=token.pk)
    assert created.actor == zhaolei and created.target_type == "apitoken"
    assert created.target_label == f"{token.prefix}… ERP sync"
    assert created.details == {"scope": "read-only", "user": "zhaolei"}
    # An administrator revokes it from the list of every key.
    signed_in(team_users["admin"]).post(f"/profile/api-keys/{token.pk}/revoke/", {"next": "all"})
    [revoked] = entries(AuditAction.API_KEY_REVOKED)
    assert revoked.actor == team_users["admin"] and revoked.target_id == token.pk
    assert revoked.details == {"user": "zhaolei"}


def test_api_keys_created_and_revoked_through_the_api(api_as, team_users):
    api = api_as(team_users["liming"])
    key = api.post("/api-keys", {"name": "BI"}).json()
    [created] = entries(AuditAction.API_KEY_CREATED, target_id=key["id"])
    assert created.actor == team_users["liming"] and created.details["scope"] == "read-write"
    assert api.delete(f"/api-keys/{key['id']}").status_code == 204
    assert api.delete(f"/api-keys/{key['id']}").status_code == 404
    [revoked] = entries(AuditAction.API_KEY_REVOKED)
    assert revoked.target_id == key["id"] and revoked.actor == team_users["liming"]


# Deletions ---------------------------------------------------------------------------------------


def test_deleting_an_opportunity_on_the_page_is_logged(team_users, make_opportunity):
    opportunity = make_opportunity(name="新城百货合作项目")
    client = signed_in(team_users["wangqiang"])
    client.post(f"/opportunities/{opportunity.pk}/delete/", {"version": opportunity.version})
    assert not Opportunity.objects.filter(pk=opportunity.pk).exists()
    [entry] = entries(AuditAction.RECORD_DELETED)
    assert entry.actor == team_users["wangqiang"]
    assert (entry.target_type, entry.target_id) == ("opportunity", opportunity.pk)
    assert entry.target_label == "新城百货合作项目"


def test_deleting_through_the_api_is_logged(api_as, team_users, make_opportunity):
    opportunity = make_opportunity()
    api = api_as(team_users["liming"])
    response = api.delete(f"/opportunities/{opportunity.pk}", version=opportunity.version)
    assert response.status_code == 204
    [entry] = entries(AuditAction.RECORD_DELETED)
    assert (entry.actor, entry.target_id) == (team_users["liming"], opportunity.pk)


def test_a_refused_or_rolled_back_deletion_leaves_no_entry(team_users, make_opportunity):
    opportunity = make_opportunity()
    client = signed_in(team_users["wangqiang"])
    client.post(f"/opportunities/{opportunity.pk}/delete/", {"version": opportunity.version - 1})
    assert Opportunity.objects.filter(pk=opportunity.pk).exists()
    with pytest.raises(RuntimeError), transaction.atomic():
        opportunity_delete(
            opportunity=opportunity, actor=team_users["wangqiang"], version=opportunity.version
        )
        assert len(entries(AuditAction.RECORD_DELETED)) == 1
        raise RuntimeError("the surrounding work failed")
    assert Opportunity.objects.filter(pk=opportunity.pk).exists()
    assert entries(AuditAction.RECORD_DELETED) == []


# Exports -----------------------------------------------------------------------------------------


def test_an_opportunity_export_records_its_row_count_and_filters(team_users, make_opportunity):
    for _ in range(3):
        make_opportunity(owner=team_users["wangqiang"])
    make_opportunity(owner=team_users["zhaolei"])
    client = signed_in(team_users["wangqiang"])
    response = client.get("/opportunities/export/?status=open&columns=name&columns=amount")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(lines) == 1 + 3
    [entry] = entries(AuditAction.EXPORT)
    assert entry.actor == team_users["wangqiang"]
    assert entry.target_type == "opportunities"
    assert entry.details == {
        "rows": 3,
        "format": "csv",
        "filters": {"status": "open"},
        "completed": True,
    }


def test_an_api_export_is_logged(api_as, team_users, make_opportunity):
    for _ in range(2):
        make_opportunity(owner=team_users["chenjing"])
    response = api_as(team_users["liming"]).get("/opportunities/export", format="xlsx")
    assert response.status_code == 200
    [entry] = entries(AuditAction.EXPORT)
    assert entry.actor == team_users["liming"]
    assert entry.details == {"rows": 2, "format": "xlsx", "filters": {}, "completed": True}


def test_an_export_with_bad_filters_exports_nothing_and_logs_nothing(team_users):
    client = signed_in(team_users["wangqiang"])
    response = client.get("/opportunities/export/?close_date_from=not-a-date")
    assert response.status_code == 302
    assert entries(AuditAction.EXPORT) == []


# Webhooks ----------------------------------------------------------------------------------------


def test_webhooks_created_and_deleted_through_the_api(api_as, team_users):
    api = api_as(team_users["admin"])
    hook = api.post(
        "/webhooks", {"url": "https://example.com/hook", "events": ["opportunity.created"]}
    ).json()
    assert api.delete(f"/webhooks/{hook['id']}").status_code == 204
    [created] = entries(AuditAction.WEBHOOK_CREATED)
    [deleted] = entries(AuditAction.WEBHOOK_DELETED)
    assert created.target_id == deleted.target_id == hook["id"]
    assert deleted.target_label == "https://example.com/hook"


# Reading the log ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["zhangyue", "liming", "wangqiang"])
def test_only_administrators_read_the_log(team_users, api_as, who):
    assert signed_in(team_users[who]).get("/settings/audit/").status_code == 403
    assert api_as(team_users[who]).get("/audit-log").status_code == 403


def test_anonymous_callers_are_sent_to_sign_in(team_users, api_as):
    response = Client().get("/settings/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert api_as().get("/audit-log").status_code == 401


def test_the_page_lists_entries_newest_first_with_readable_details(team_users):
    admin = team_users["admin"]
    admin_change_user(signed_in(admin), team_users["wangqiang"], role=Role.MANAGER)
    page = signed_in(admin).get("/settings/audit/")
    assert page.status_code == 200
    shown = [entry.pk for entry in page.context["entries"]]
    assert shown == sorted(shown, reverse=True)
    html = page.content.decode()
    assert "Role changed" in html
    assert "<dt>old</dt><dd><code>rep</code></dd>" in html
    assert "<dt>new</dt><dd><code>manager</code></dd>" in html
    assert 'href="/settings/audit/"' in html  # the settings menu links to it


def test_the_page_filters_by_action_user_and_day(team_users):
    admin = team_users["admin"]
    audit_record(action=AuditAction.EXPORT, actor=team_users["chenjing"], target_type="leads")
    old = audit_record(action=AuditAction.EXPORT, actor=team_users["liming"], target_type="leads")
    AuditEntry.objects.filter(pk=old.pk).update(
        occurred_at=datetime.datetime(2026, 1, 10, 3, 0, tzinfo=datetime.UTC)
    )
    client = signed_in(admin)

    def shown(**params):
        page = client.get("/settings/audit/", params)
        assert page.status_code == 200
        return [(entry.action, entry.actor_label) for entry in page.context["entries"]]

    assert shown(action="export") == [("export", "chenjing"), ("export", "liming")]
    assert shown(action="export", actor="LIMING") == [("export", "liming")]
    # Days are the reader's: 2026-01-10 03:00 UTC is 11:00 in Shanghai.
    assert shown(date_from="2026-01-10", date_to="2026-01-10") == [("export", "liming")]
    assert shown(date_to="2026-01-09") == []
    assert shown(target_type="leads", action="user_created") == []
    page = client.get("/settings/audit/", {"ip_address": "not an address"})
    assert page.status_code == 200 and page.context["entries"] == []


def test_the_page_pages_by_keyset_and_its_queries_do_not_grow(team_users):
    client = signed_in(team_users["admin"])
    few = queries_of(lambda: client.get("/settings/audit/"))
    AuditEntry.objects.bulk_create(
        AuditEntry(action=AuditAction.LOGIN, actor_label=f"user{n}", details={"n": n})
        for n in range(120)
    )
    many = queries_of(lambda: client.get("/settings/audit/"))
    assert many == few
    seen = []
    url = "/settings/audit/"
    while url:
        page = client.get(url)
        seen += [entry.pk for entry in page.context["entries"]]
        url = page.context["next_url"] and "/settings/audit/" + page.context["next_url"]
    assert seen == sorted(AuditEntry.objects.values_list("pk", flat=True), reverse=True)


def test_the_api_lists_filters_and_pages_the_log(api_as, team_users):
    admin_api = api_as(team_users["admin"])
    for n in range(5):
        audit_record(action=AuditAction.EXPORT, actor=team_users["liming"], details={"rows": n})
    first = admin_api.get("/audit-log", action="export", limit=3).json()
    assert [row["details"]["rows"] for row in first["results"]] == [4, 3, 2]
    row = first["results"][0]
    assert row["actor"] == team_users["liming"].pk and row["actor_label"] == "liming"
    assert row["action"] == "export"
    second = admin_api.get(
        "/audit-log", action="export", limit=3, cursor=first["next_cursor"]
    ).json()
    assert [row["details"]["rows"] for row in second["results"]] == [1, 0]
    assert second["next_cursor"] is None
    assert admin_api.get("/audit-log", action="nonsense").status_code == 422
    assert admin_api.get("/audit-log", ip_address="nonsense").status_code == 400
    assert admin_api.get("/audit-log", cursor="garbage").status_code == 400


def test_the_command_prints_entries(team_users, capsys):
    audit_record(action=AuditAction.EXPORT, actor=team_users["liming"], details={"rows": 7})
    call_command("audit_log", "--action", "export")
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert "\tliming\texport\t" in out[0] and '{"rows": 7}' in out[0]


# More paths: the API's role change, lead exports, the admin's password change, import undo -----


def test_a_role_change_through_the_api_is_logged(api_as, team_users):
    wangqiang = team_users["wangqiang"]
    api = api_as(team_users["admin"])
    north = Team.objects.get(name="华北销售")
    response = api.patch(f"/users/{wangqiang.pk}", {"role": "manager", "team": north.pk})
    assert response.status_code == 200
    assert (response.json()["role"], response.json()["team"]) == ("manager", north.pk)
    [role] = entries(AuditAction.ROLE_CHANGED)
    assert (role.actor, role.target_id) == (team_users["admin"], wangqiang.pk)
    assert role.details == {"old": "rep", "new": "manager"}
    [access] = entries(AuditAction.PERMISSION_CHANGED)
    assert access.details == {"team": {"old": "华东销售", "new": "华北销售"}}

    assert api.patch(f"/users/{wangqiang.pk}", {"is_active": False}).status_code == 200
    [deactivated] = entries(AuditAction.USER_DEACTIVATED)
    assert deactivated.target_id == wangqiang.pk


def test_a_refused_role_change_changes_nothing_and_logs_nothing(api_as, team_users):
    chenjing = team_users["chenjing"]
    manager_api = api_as(team_users["liming"])
    assert manager_api.patch(f"/users/{chenjing.pk}", {"role": "admin"}).status_code == 403
    admin = team_users["admin"]
    admin_api = api_as(admin)
    assert admin_api.patch(f"/users/{admin.pk}", {"role": "rep"}).status_code == 400
    assert admin_api.patch(f"/users/{chenjing.pk}", {"team": 999999}).status_code == 400
    assert admin_api.patch(f"/users/{chenjing.pk}", {"role": "boss"}).status_code == 422
    chenjing.refresh_from_db()
    admin.refresh_from_db()
    assert (chenjing.role, admin.role) == (Role.REP, Role.ADMIN)
    changes = (AuditAction.ROLE_CHANGED, AuditAction.PERMISSION_CHANGED)
    assert not AuditEntry.objects.filter(action__in=changes).exists()


def test_lead_exports_on_the_page_and_the_api_are_logged(api_as, team_users):
    from shangji.leads.services import lead_create

    for name in ("王芳", "李娜"):
        lead_create(actor=team_users["wangqiang"], last_name=name, company="新城百货")
    page = signed_in(team_users["wangqiang"]).get("/leads/export.csv?format=xlsx")
    assert page.status_code == 200
    api = api_as(team_users["zhaolei"]).get("/leads/export", format="csv")
    b"".join(api.streaming_content)
    page_entry, api_entry = entries(AuditAction.EXPORT)
    assert (page_entry.actor, page_entry.target_type) == (team_users["wangqiang"], "leads")
    assert page_entry.details["rows"] == 2 and page_entry.details["format"] == "xlsx"
    assert api_entry.actor == team_users["zhaolei"]
    assert api_entry.details["format"] == "csv" and api_entry.details["completed"] is True


def test_a_password_set_on_the_admin_page_is_logged(team_users):
    zhaolei = team_users["zhaolei"]
    response = signed_in(team_users["admin"]).post(
        f"/admin/users/user/{zhaolei.pk}/password/",
        {"password1": "Wq8!mZp3-long", "password2": "Wq8!mZp3-long", "usable_password": "true"},
    )
    assert response.status_code == 302
    [entry] = entries(AuditAction.PASSWORD_CHANGED)
    assert (entry.actor, entry.target_id) == (team_users["admin"], zhaolei.pk)


def test_an_import_undo_is_logged_by_the_worker(team_users, stages, rates):
    from shangji.accounts.services import account_create
    from tests.imports.conftest import run, upload

    account_create(actor=team_users["liming"], name="新城百货")
    rows = [
        ["Name", "Account", "Amount", "Expected close date", "Stage", "Owner"],
        ["One", "新城百货", "1000", "2025-06-30", "Prospecting", "wangqiang"],
        ["Two", "新城百货", "2000", "2025-06-30", "Prospecting", "wangqiang"],
    ]
    job = run(upload(team_users["liming"], "opportunities", rows))
    assert job.status == "done"
    job = run(job, "undo")
    assert job.status == "undone"
    [entry] = entries(AuditAction.IMPORT_UNDONE)
    assert (entry.actor, entry.target_type, entry.target_id) == (
        team_users["liming"],
        "importjob",
        job.pk,
    )
    assert entry.details == {"records": 2}


def test_changing_ones_own_password_is_logged(team_users):
    chenjing = team_users["chenjing"]
    client = signed_in(chenjing)
    response = client.post(
        "/profile/password/",
        {
            "old_password": "demo1234",
            "new_password1": "Wq8!mZp3-long",
            "new_password2": "Wq8!mZp3-long",
        },
    )
    assert response.status_code == 302
    [entry] = entries(AuditAction.PASSWORD_CHANGED)
    assert (entry.actor, entry.target_id) == (chenjing, chenjing.pk)
    wrong = client.post(
        "/profile/password/",
        {"old_password": "nope", "new_password1": "Xq8!mZp3-l", "new_password2": "Xq8!mZp3-l"},
    )
    assert wrong.status_code == 200
    assert len(entries(AuditAction.PASSWORD_CHANGED)) == 1
