"""No open redirect: every `next` that leads off this site is ignored for a page of our own."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from shangji.activities.services import activity_create

pytestmark = pytest.mark.django_db

OFF_SITE = [
    "//evil.example/",
    "https://evil.example/",
    "http://evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "///evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/\t/evil.example",
    "http://testserver@evil.example/",
]
HOME = reverse("activities:my_work")


def _is_ours(location: str) -> bool:
    return (
        location.startswith("/")
        and not location.startswith(("//", "/\\"))
        and ("evil" not in location)
    )


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_ignores_a_next_off_the_site(team_users, target):
    client = Client(headers={"accept-language": "en"})
    login = reverse("users:login")
    form = {"username": "wangqiang", "password": "demo1234", "next": target}
    response = client.post(login, form)
    assert response.status_code == 302 and response["Location"] == HOME

    client = Client(headers={"accept-language": "en"})
    response = client.post(f"{login}?next={target}", {**form, "next": ""})
    assert response["Location"] == HOME


def test_login_follows_a_next_on_the_site(team_users):
    client = Client()
    target = reverse("opportunities:board") + "?owner=me"
    response = client.post(
        reverse("users:login"), {"username": "wangqiang", "password": "demo1234", "next": target}
    )
    assert response["Location"] == target


@pytest.mark.parametrize("target", OFF_SITE)
def test_language_switch_and_sign_out_ignore_a_next_off_the_site(team_users, target):
    client = Client()
    response = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert response.status_code == 302 and _is_ours(response["Location"]), response["Location"]
    response = client.post(
        reverse("set_language"),
        {"language": "zh-hans"},
        headers={"referer": target},
    )
    assert _is_ours(response["Location"]), response["Location"]

    client.force_login(team_users["wangqiang"])
    response = client.post(reverse("users:logout"), {"next": target})
    assert response.status_code == 302 and _is_ours(response["Location"]), response["Location"]


def test_activity_actions_ignore_a_next_off_the_site(team_users, make_opportunity):
    rep = team_users["wangqiang"]
    deal = make_opportunity(owner=rep)
    client = Client()
    client.force_login(rep)
    for target in OFF_SITE:
        task = activity_create(
            actor=rep, kind="task", opportunity=deal, subject="回访",
            starts_at=datetime.datetime.now(datetime.UTC),
        )  # fmt: skip
        response = client.post(
            reverse("activities:activity_complete", args=[task.pk]),
            {"version": task.version, "next": target},
        )
        assert response.status_code == 302
        assert _is_ours(response["Location"]), response["Location"]
    good = reverse("activities:activity_list") + "?kind=task"
    response = client.post(
        reverse("activities:activity_complete", args=[task.pk]),
        {"version": task.version + 1, "next": good},
    )
    assert response["Location"] == good
