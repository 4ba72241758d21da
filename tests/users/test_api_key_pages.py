"""API keys on the profile page (one's own) and on /settings/api-keys/ (administrators)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from shangji.users.models import ApiToken
from shangji.users.services import api_token_create

pytestmark = pytest.mark.django_db


def _rows(html):
    return re.findall(r'data-testid="api-key-(\d+)"', html)


def test_profile_creates_a_key_and_shows_it_once(client, team_users):
    rep = team_users["wangqiang"]
    client.force_login(rep)
    response = client.post(
        reverse("users:api_key_create"), {"name": "ERP 同步", "scope": "read-only"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    raw = re.search(r'value="(sj_[^"]+)"[^>]*data-testid="api-key-value"', html).group(1)
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.scope, token.prefix) == (
        rep,
        "ERP 同步",
        "read-only",
        raw[:8],
    )
    assert token.token_hash != raw
    assert response["Cache-Control"].startswith("max-age=0")

    profile = client.get(reverse("users:profile")).content.decode()
    assert _rows(profile) == [str(token.pk)]
    assert "ERP 同步" in profile and f"{raw[:8]}…" in profile and "Read only" in profile
    assert raw not in profile  # never shown again
    assert "Never" in profile  # not used yet


def test_profile_refuses_a_key_without_a_name(client, team_users):
    client.force_login(team_users["wangqiang"])
    response = client.post(reverse("users:api_key_create"), {"name": "", "scope": "read-write"})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    assert "This field is required." in client.get(reverse("users:profile")).content.decode()


def test_profile_lists_own_keys_with_last_use_and_revokes(client, team_users):
    rep = team_users["wangqiang"]
    mine, _raw = api_token_create(user=rep, name="BI")
    used = timezone.make_aware(
        datetime.datetime(2031, 3, 1, 10, 30), timezone.get_fixed_timezone(480)
    )
    ApiToken.objects.filter(pk=mine.pk).update(last_used_at=used)
    theirs, _raw = api_token_create(user=team_users["chenjing"], name="theirs")
    revoked, _raw = api_token_create(user=rep, name="old")
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    client.force_login(rep)

    profile = client.get(reverse("users:profile")).content.decode()
    assert _rows(profile) == [str(mine.pk)]
    assert "03/01/2031 10:30 a.m." in profile  # in the user's time zone (Asia/Shanghai)

    # Someone else's key: not found, and it keeps working.
    assert client.post(reverse("users:api_key_revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None

    response = client.post(reverse("users:api_key_revoke", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("users:profile")
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    assert 'data-testid="no-api-keys"' in client.get(reverse("users:profile")).content.decode()


def test_admin_page_lists_every_live_key_and_revokes(client, team_users):
    rep_key, _raw = api_token_create(
        user=team_users["zhaolei"], name="赵磊的脚本", scope="read-only"
    )
    manager_key, _raw = api_token_create(user=team_users["liming"], name="manager sync")
    client.force_login(team_users["admin"])
    page = client.get(reverse("users:api_key_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert sorted(_rows(html)) == sorted([str(rep_key.pk), str(manager_key.pk)])
    assert "赵磊的脚本" in html and "(zhaolei)" in html and "Read only" in html
    assert f'href="{reverse("users:api_key_list")}"' in html  # the admin menu links it

    response = client.post(reverse("users:api_key_revoke", args=[rep_key.pk]), {"next": "all"})
    assert response["Location"] == reverse("users:api_key_list")
    rep_key.refresh_from_db()
    assert rep_key.revoked_at is not None
    assert _rows(client.get(reverse("users:api_key_list")).content.decode()) == [
        str(manager_key.pk)
    ]


@pytest.mark.parametrize("username", ["zhangyue", "liming", "wangqiang"])
def test_admin_page_is_for_administrators_only(client, team_users, username):
    client.force_login(team_users[username])
    assert client.get(reverse("users:api_key_list")).status_code == 403
    html = client.get(reverse("users:profile")).content.decode()
    assert f'href="{reverse("users:api_key_list")}"' not in html


def test_key_pages_need_login_and_post(client, team_users):
    assert client.get(reverse("users:api_key_list")).status_code == 302
    client.force_login(team_users["wangqiang"])
    assert client.get(reverse("users:api_key_create")).status_code == 405
