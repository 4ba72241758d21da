"""Passwords: Argon2 (older hashes upgraded when their owner signs in), a minimum policy on
every path that chooses a password, and sessions that end when the password changes."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse

from shangji.config import settings as configured
from shangji.users.models import User
from shangji.users.services import api_token_create

pytestmark = pytest.mark.django_db

SHANGJI = [sys.executable, "-m", "shangji.cli"]
STRONG = "Spring-Counter-2026"
WEAK = {  # password → what the English page says about it
    "1234567": "This password is too short. It must contain at least 10 characters.",
    "wangqiang1": "The password is too similar to the username.",
    "password123": "This password is too common.",
    "73920184651": "This password is entirely numeric.",
}
WEAK_CHINESE = {
    "1234567": "此密码太短，至少要包含 10 个字符。",
    "password123": "这个密码太常见了。",
    "73920184651": "密码只包含数字。",
}


@pytest.fixture
def real_hashers(settings):
    """The hashers of config/settings.py (the suite's autouse fixture uses MD5 for speed)."""
    settings.PASSWORD_HASHERS = configured.PASSWORD_HASHERS


def _sign_in(username: str, password: str) -> Client:
    client = Client(headers={"accept-language": "en"})
    response = client.post(reverse("users:login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_settings_put_argon2_first_and_keep_the_older_hashers():
    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert {
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
    } <= set(configured.PASSWORD_HASHERS)


def test_a_pbkdf2_password_still_signs_in_and_is_rehashed_with_argon2(real_hashers, team_users):
    rep = team_users["wangqiang"]
    rep.password = make_password("Old-Pbkdf2-Secret", hasher="pbkdf2_sha256")
    rep.save(update_fields=["password"])
    assert rep.password.startswith("pbkdf2_sha256$")

    _sign_in("wangqiang", "Old-Pbkdf2-Secret")
    rep.refresh_from_db()
    assert rep.password.startswith("argon2$argon2id$")
    assert rep.check_password("Old-Pbkdf2-Secret") and not rep.check_password("old-pbkdf2-secret")
    _sign_in("wangqiang", "Old-Pbkdf2-Secret")  # and again, now against the Argon2 hash


def test_new_passwords_are_hashed_with_argon2(real_hashers, team_users):
    client = Client(headers={"accept-language": "en"})
    client.force_login(team_users["chenjing"])
    response = client.post(
        reverse("users:password_change"),
        {"old_password": "demo1234", "new_password1": STRONG, "new_password2": STRONG},
    )
    assert response.status_code == 302
    assert User.objects.get(username="chenjing").password.startswith("argon2$")


def test_the_demo_password_still_signs_in(team_users):
    """Validators judge a password when it is chosen, never when someone signs in."""
    _sign_in("liming", "demo1234")


@pytest.mark.parametrize(("language", "messages"), [("en", WEAK), ("zh-hans", WEAK_CHINESE)])
def test_the_password_page_refuses_weak_passwords_and_says_why(team_users, language, messages):
    client = Client(headers={"accept-language": language})
    client.force_login(team_users["wangqiang"])
    url = reverse("users:password_change")
    page = client.get(url).content.decode()
    assert 'data-testid="password-rules"' in page
    for weak, message in messages.items():
        response = client.post(
            url, {"old_password": "demo1234", "new_password1": weak, "new_password2": weak}
        )
        assert response.status_code == 200
        assert message in response.content.decode()
        assert User.objects.get(username="wangqiang").check_password("demo1234")


def test_admin_user_creation_refuses_a_weak_password(client, team_users):
    client.force_login(team_users["admin"])
    url = reverse("admin:users_user_add")
    form = {
        "username": "sunli",
        "usable_password": "true",
        "password1": "password123",
        "password2": "password123",
        "role": "rep",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    assert not User.objects.filter(username="sunli").exists()

    chinese = Client(headers={"accept-language": "zh-hans"})
    chinese.force_login(team_users["admin"])
    response = chinese.post(url, {**form, "password1": "1234567", "password2": "1234567"})
    assert "此密码太短，至少要包含 10 个字符。" in response.content.decode()

    response = client.post(url, {**form, "password1": STRONG, "password2": STRONG})
    assert response.status_code == 302
    assert User.objects.get(username="sunli").check_password(STRONG)


@pytest.fixture
def home(tmp_path):
    """A fresh SHANGJI_HOME with a migrated SQLite database, for the real command."""
    env = {**os.environ, "SHANGJI_HOME": str(tmp_path), "DATABASE_URL": "", "LC_ALL": "C.UTF-8"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([*SHANGJI, "manage", "migrate", "-v0"], env=env, check=True)
    return env


def test_createuser_refuses_a_weak_password_in_english_and_chinese(home):
    def create(env, password):
        return subprocess.run(
            [*SHANGJI, "createuser", "sunli", "--password-stdin"],
            env=env,
            input=password + "\n",
            capture_output=True,
            text=True,
        )

    english = create(home, "password123")
    assert english.returncode == 1 and "This password is too common." in english.stderr
    chinese = create({**home, "LC_ALL": "zh_CN.UTF-8"}, "1234567")
    assert chinese.returncode == 1 and "此密码太短，至少要包含 10 个字符。" in chinese.stderr
    created = create(home, STRONG)
    assert created.returncode == 0 and "Created user sunli" in created.stdout


def test_changing_your_password_signs_out_your_other_sessions_only(team_users):
    phone = _sign_in("wangqiang", "demo1234")
    laptop = _sign_in("wangqiang", "demo1234")
    colleague = _sign_in("chenjing", "demo1234")
    home = reverse("activities:my_work")
    assert phone.get(home).status_code == laptop.get(home).status_code == 200
    _token, key = api_token_create(user=team_users["wangqiang"], name="ERP")

    response = laptop.post(
        reverse("users:password_change"),
        {"old_password": "demo1234", "new_password1": STRONG, "new_password2": STRONG},
        follow=True,
    )
    assert "your other sessions are signed out" in response.content.decode()
    assert laptop.get(home).status_code == 200  # the session that changed it stays
    assert phone.get(home)["Location"].startswith(reverse("users:login"))
    assert colleague.get(home).status_code == 200  # nobody else's
    # The API key is another credential: it keeps working, and the message said so.
    api = Client(headers={"authorization": f"Bearer {key}"})
    assert api.get("/api/v1/opportunities").status_code == 200
    assert "Your API keys and calendar address still work" in response.content.decode()
    _sign_in("wangqiang", STRONG)


def test_an_admin_resetting_a_password_ends_all_of_that_users_sessions(team_users):
    phone = _sign_in("wangqiang", "demo1234")
    laptop = _sign_in("wangqiang", "demo1234")
    admin = _sign_in("admin", "demo1234")
    home = reverse("activities:my_work")
    rep = team_users["wangqiang"]

    url = reverse("admin:auth_user_password_change", args=[rep.pk])
    response = admin.post(
        url, {"password1": STRONG, "password2": STRONG, "usable_password": "true"}
    )
    assert response.status_code == 302
    for session in (phone, laptop):
        assert session.get(home)["Location"].startswith(reverse("users:login"))
    assert admin.get(home).status_code == 200  # the administrator's own session goes on
    _sign_in("wangqiang", STRONG)
