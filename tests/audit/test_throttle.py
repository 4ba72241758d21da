"""Sign-in throttling on /login/, /admin/login/ and POST /api/v1/auth/token, and the entries it
writes."""

import datetime
import json

import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation

from shangji.audit.choices import AuditAction, LockScope
from shangji.audit.models import AuditEntry
from shangji.audit.throttle import LoginLock

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 27, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def page_login(client, username, password, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def api_login(username, password, language="en", **extra):
    return Client().post(
        "/api/v1/auth/token",
        data=json.dumps({"username": username, "password": password}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
        **extra,
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def lock_message(scope, language, minutes=15):
    with translation.override(language):
        return LoginLock(
            scope=scope, until=timezone.now() + datetime.timedelta(minutes=minutes)
        ).message


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("occurred_at", "id"))


def test_a_page_sign_in_is_logged_with_address_and_browser(client, team_users, clock):
    response = page_login(client, "liming", "demo1234", HTTP_USER_AGENT="Firefox/140")
    assert response.status_code == 302 and signed_in(client)
    [entry] = entries(AuditAction.LOGIN)
    assert entry.actor == team_users["liming"]
    assert entry.actor_label == "liming"
    assert (entry.target_type, entry.target_id) == ("user", team_users["liming"].pk)
    assert entry.ip_address == "127.0.0.1"
    assert entry.user_agent == "Firefox/140"
    assert entry.details == {"via": "page"}
    assert entry.occurred_at == START


def test_a_failed_page_sign_in_is_logged_with_the_name_tried(client, team_users):
    response = page_login(client, "LiMing", "wrong")
    assert response.status_code == 200 and not signed_in(client)
    assert "Please enter a correct username and password" in response.content.decode()
    [entry] = entries(AuditAction.LOGIN_FAILED)
    assert entry.actor is None
    assert entry.actor_label == "LiMing"
    assert entry.login_name == "liming"
    assert entry.details == {"via": "page"}


def test_sign_out_is_logged(client, team_users):
    client.force_login(team_users["wangqiang"])
    client.post("/logout/")
    [entry] = entries(AuditAction.LOGOUT)
    assert entry.actor == team_users["wangqiang"]


def test_five_failures_lock_the_account_even_for_the_right_password(client, team_users, clock):
    for attempt in range(4):
        response = page_login(client, "liming", f"wrong{attempt}")
        assert "Please enter a correct username" in response.content.decode()
    fifth = page_login(client, "liming", "wrong4").content.decode()
    assert lock_message(LockScope.ACCOUNT, "en") in fifth
    assert "Please wait 15 minutes and try again." in fifth

    clock.shift(datetime.timedelta(minutes=5))
    response = page_login(client, "liming", "demo1234")
    assert response.status_code == 200 and not signed_in(client)
    assert "Please wait 10 minutes and try again." in response.content.decode()

    [lock] = entries(AuditAction.LOGIN_LOCKED)
    assert lock.details == {"scope": "account", "failures": 5, "window_minutes": 15, "via": "page"}
    assert (lock.target_type, lock.target_id) == ("user", team_users["liming"].pk)
    assert lock.actor_label == "liming" and lock.ip_address == "127.0.0.1"
    # Refused attempts are neither failures nor sign-ins.
    assert len(entries(AuditAction.LOGIN_FAILED)) == 5
    assert entries(AuditAction.LOGIN) == []
    # Another account from the same address is not affected by this lock.
    assert page_login(Client(), "chenjing", "demo1234").status_code == 302


def test_the_lock_message_is_in_the_users_language(client, team_users, clock):
    for attempt in range(5):
        page_login(client, "liming", f"wrong{attempt}")
    page = page_login(client, "liming", "demo1234", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="zh-hans">' in page
    assert lock_message(LockScope.ACCOUNT, "zh-hans") in page
    english = page_login(client, "liming", "demo1234", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert lock_message(LockScope.ACCOUNT, "en") in english


def test_the_lock_ends_after_the_window(client, team_users, clock):
    for attempt in range(5):
        page_login(client, "liming", f"wrong{attempt}")
    clock.shift(datetime.timedelta(minutes=14, seconds=59))
    assert page_login(client, "liming", "demo1234").status_code == 200
    assert not signed_in(client)
    clock.shift(datetime.timedelta(seconds=2))
    assert page_login(client, "liming", "demo1234").status_code == 302
    assert signed_in(client)


def test_a_sign_in_clears_the_failures_before_it(client, team_users, clock):
    for attempt in range(4):
        page_login(client, "liming", f"wrong{attempt}")
    assert page_login(Client(), "liming", "demo1234").status_code == 302
    for attempt in range(4):
        response = page_login(client, "liming", f"again{attempt}")
        assert "Please enter a correct username" in response.content.decode()
    assert entries(AuditAction.LOGIN_LOCKED) == []
    fifth = page_login(client, "liming", "wrong").content.decode()
    assert lock_message(LockScope.ACCOUNT, "en") in fifth


def test_failures_older_than_the_window_do_not_count(client, team_users, clock):
    for attempt in range(4):
        page_login(client, "liming", f"wrong{attempt}")
    clock.shift(datetime.timedelta(minutes=16))
    for attempt in range(4):
        page_login(client, "liming", f"again{attempt}")
    assert entries(AuditAction.LOGIN_LOCKED) == []
    assert page_login(client, "liming", "demo1234").status_code == 302


def test_the_name_is_counted_without_case(client, team_users, clock):
    for name in ("liming", "LIMING", "LiMing", " liming", "Liming"):
        page_login(client, name, "wrong")
    assert page_login(client, "liming", "demo1234").status_code == 200
    assert len(entries(AuditAction.LOGIN_LOCKED)) == 1


def test_limits_come_from_the_settings(client, team_users, clock, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_FAILURE_WINDOW = 3
    page_login(client, "liming", "wrong")
    second = page_login(client, "liming", "wrong").content.decode()
    assert "Please wait 3 minutes and try again." in second
    clock.shift(datetime.timedelta(minutes=3, seconds=1))
    assert page_login(client, "liming", "demo1234").status_code == 302


def test_an_address_with_too_many_failures_is_blocked(client, team_users, clock, settings):
    settings.LOGIN_FAILURE_ADDRESS_LIMIT = 6
    guesser = {"REMOTE_ADDR": "203.0.113.9"}
    for name in ("liming", "chenjing", "zhaolei", "wangqiang", "zhangyue"):
        page_login(client, name, "123456", **guesser)
    assert entries(AuditAction.LOGIN_LOCKED) == []
    sixth = page_login(client, "nobody", "123456", **guesser).content.decode()
    assert lock_message(LockScope.ADDRESS, "en") in sixth
    [lock] = entries(AuditAction.LOGIN_LOCKED)
    assert lock.details["scope"] == "address" and lock.details["failures"] == 6
    assert lock.ip_address == "203.0.113.9"
    assert (lock.target_type, lock.target_label) == ("address", "203.0.113.9")

    # Every account is refused from that address, the right password included ...
    response = page_login(client, "liming", "demo1234", **guesser)
    assert not signed_in(client)
    assert lock_message(LockScope.ADDRESS, "en") in response.content.decode()
    # ... and the API too; other addresses are not.
    api = api_login("liming", "demo1234", **guesser)
    assert api.status_code == 429
    assert api_login("liming", "demo1234", REMOTE_ADDR="198.51.100.1").status_code == 200
    clock.shift(datetime.timedelta(minutes=15, seconds=1))
    assert page_login(client, "liming", "demo1234", **guesser).status_code == 302


def test_the_address_comes_from_x_forwarded_for_only_behind_trusted_proxies(
    client, team_users, settings
):
    forwarded = {"HTTP_X_FORWARDED_FOR": "10.9.9.9, 192.0.2.44", "REMOTE_ADDR": "10.0.0.2"}
    page_login(client, "liming", "wrong", **forwarded)
    settings.TRUSTED_PROXY_COUNT = 1
    page_login(client, "liming", "wrong", **forwarded)
    settings.TRUSTED_PROXY_COUNT = 2
    page_login(client, "liming", "wrong", **forwarded)
    settings.TRUSTED_PROXY_COUNT = 1
    page_login(client, "liming", "wrong", HTTP_X_FORWARDED_FOR="nonsense", REMOTE_ADDR="10.0.0.2")
    addresses = [entry.ip_address for entry in entries(AuditAction.LOGIN_FAILED)]
    assert addresses == ["10.0.0.2", "192.0.2.44", "10.9.9.9", "10.0.0.2"]


def test_the_admin_sign_in_page_has_the_same_throttle(team_users, clock):
    admin_client = Client(headers={"accept-language": "en"})
    for attempt in range(5):
        admin_client.post("/admin/login/", {"username": "admin", "password": f"x{attempt}"})
    response = admin_client.post("/admin/login/", {"username": "admin", "password": "demo1234"})
    assert response.status_code == 200
    assert lock_message(LockScope.ACCOUNT, "en") in response.content.decode()
    assert entries(AuditAction.LOGIN_LOCKED)[0].details["via"] == "admin"
    # The lock is shared with /login/.
    assert page_login(Client(), "admin", "demo1234").status_code == 200


def test_api_token_sign_ins_are_logged_and_locked(team_users, clock):
    assert api_login("liming", "demo1234").status_code == 200
    for attempt in range(4):
        response = api_login("liming", f"wrong{attempt}")
        assert response.status_code == 401
    fifth = api_login("liming", "wrong")
    assert fifth.status_code == 429
    assert fifth["Retry-After"] == "900"
    assert fifth.json() == {"detail": lock_message(LockScope.ACCOUNT, "en")}

    clock.shift(datetime.timedelta(minutes=10))
    right = api_login("liming", "demo1234", language="zh-CN")
    assert right.status_code == 429
    assert right["Retry-After"] == "300"
    assert right.json() == {"detail": lock_message(LockScope.ACCOUNT, "zh-hans", minutes=5)}

    clock.shift(datetime.timedelta(minutes=5, seconds=1))
    assert api_login("liming", "demo1234").status_code == 200

    logins = entries(AuditAction.LOGIN)
    assert [entry.details["via"] for entry in logins] == ["api", "api"]
    assert {entry.actor for entry in logins} == {team_users["liming"]}
    failures = entries(AuditAction.LOGIN_FAILED)
    assert len(failures) == 5 and {entry.details["via"] for entry in failures} == {"api"}
    [lock] = entries(AuditAction.LOGIN_LOCKED)
    assert lock.details == {"scope": "account", "failures": 5, "window_minutes": 15, "via": "api"}


def test_page_and_api_failures_count_together(client, team_users, clock):
    for attempt in range(3):
        page_login(client, "chenjing", f"wrong{attempt}")
    assert api_login("chenjing", "wrong").status_code == 401
    assert api_login("chenjing", "wrong").status_code == 429
    assert "Please wait 15 minutes" in page_login(client, "chenjing", "demo1234").content.decode()


def test_a_failure_is_logged_even_for_an_unknown_user(team_users):
    assert api_login("ghost", "x").status_code == 401
    [entry] = entries(AuditAction.LOGIN_FAILED)
    assert (entry.actor, entry.actor_label, entry.target_type) == (None, "ghost", "")


def test_odd_names_and_browsers_are_logged_not_refused(team_users):
    response = api_login("li\x00ming" + "x" * 500, "x", HTTP_USER_AGENT="bot\x00" + "y" * 900)
    assert response.status_code == 401
    [entry] = entries(AuditAction.LOGIN_FAILED)
    assert entry.actor_label == ("liming" + "x" * 500)[:150]
    assert entry.user_agent == ("bot" + "y" * 900)[:300]
