"""Production settings pass Django's deploy check; the development defaults still work over
plain HTTP."""

import http.cookiejar
import os
import secrets
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest

SHANGJI = [sys.executable, "-m", "shangji.cli"]


def _environment(tmp_path, **extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "HTTPS",
            "SECURE_COOKIES",
            "HSTS_SECONDS",
            "EMAIL_URL",
            "SECRET_KEY",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "TRUSTED_PROXY_HEADER",
        }
    }
    return {**env, "SHANGJI_HOME": str(tmp_path), **extra}


def _check_deploy(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SHANGJI, "manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )


def _print_setting(env, expression: str) -> str:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE',"
        " 'shangji.config.settings'); django.setup(); from django.conf import settings;"
        f" print({expression})"
    )
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_production_settings_pass_the_deploy_check(tmp_path):
    production = _environment(
        tmp_path,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="crm.example.com",
        HTTPS="true",
    )
    result = _check_deploy(production)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout

    settings = _print_setting(
        production,
        "settings.SECURE_HSTS_SECONDS, settings.SECURE_SSL_REDIRECT,"
        " settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
        " getattr(settings, 'SECURE_PROXY_SSL_HEADER', None)",
    )
    assert settings == "31536000 True True True None"

    behind_proxy = {
        **production,
        "TRUSTED_PROXY_HEADER": "X-Forwarded-Proto",
        "HSTS_SECONDS": "600",
    }
    assert (
        _print_setting(
            behind_proxy, "settings.SECURE_PROXY_SSL_HEADER, settings.SECURE_HSTS_SECONDS"
        )
        == "('HTTP_X_FORWARDED_PROTO', 'https') 600"
    )


def test_the_deploy_check_fails_without_https_or_with_a_weak_key(tmp_path):
    plain = _environment(
        tmp_path,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="crm.example.com",
    )
    result = _check_deploy(plain)
    assert result.returncode == 1
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr + result.stdout

    weak = {**plain, "HTTPS": "true", "SECRET_KEY": "short"}
    result = _check_deploy(weak)
    assert result.returncode == 1 and "security.W009" in result.stderr + result.stdout


def test_development_defaults_serve_plain_http(live_server, team_users):
    """No HTTPS redirect, no HSTS, cookies without Secure: signing in over http:// works."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{live_server.url}/login/") as page:
        assert page.status == 200 and page.url == f"{live_server.url}/login/"
        assert "Strict-Transport-Security" not in page.headers
        policy = page.headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    csrf = next(cookie for cookie in jar if cookie.name == "csrftoken")
    assert csrf.secure is False
    form = urllib.parse.urlencode(
        {"username": "wangqiang", "password": "demo1234", "csrfmiddlewaretoken": csrf.value}
    ).encode()
    request = urllib.request.Request(
        f"{live_server.url}/login/", data=form, headers={"Referer": f"{live_server.url}/login/"}
    )
    with opener.open(request) as answer:
        assert answer.status == 200 and answer.url == f"{live_server.url}/my-work/"
    session = next(cookie for cookie in jar if cookie.name == "sessionid")
    assert session.secure is False and session.has_nonstandard_attr("HttpOnly")


pytestmark = pytest.mark.django_db(transaction=True)
