import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_redirects_to_my_work_and_bad_password_is_refused(client, team_users):
    response = client.post(reverse("users:login"), {"username": "liming", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    response = client.post(reverse("users:login"), {"username": "liming", "password": "demo1234"})
    assert response.status_code == 302 and response["Location"] == "/my-work/"


def test_pages_need_login(client):
    response = client.get(reverse("opportunities:opportunity_list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/opportunities/")


def test_profile_sets_language_and_time_zone(client, team_users):
    user = team_users["wangqiang"]
    client.force_login(user)
    response = client.post(
        reverse("users:profile"),
        {
            "first_name": "强",
            "last_name": "王",
            "email": "wq@example.com",
            "language": "zh-hans",
            "time_zone": "Europe/Berlin",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.language, user.time_zone) == ("zh-hans", "Europe/Berlin")
    page = client.get(reverse("users:profile"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in page
    bad = client.post(
        reverse("users:profile"),
        {
            "first_name": "强",
            "last_name": "王",
            "email": "wq@example.com",
            "language": "en",
            "time_zone": "Mars/Olympus",
        },
    )
    assert bad.status_code == 200
    user.refresh_from_db()
    assert user.time_zone == "Europe/Berlin" and user.language == "zh-hans"


def test_time_zone_applies_to_displayed_times(client, make_opportunity, team_users):
    user = team_users["wangqiang"]
    opportunity = make_opportunity(owner=user)
    client.force_login(user)
    shanghai = client.get(opportunity.get_absolute_url()).content.decode()
    user.time_zone = "UTC"
    user.save()
    utc = client.get(opportunity.get_absolute_url()).content.decode()
    from django.utils import timezone

    created = opportunity.created_at
    shown_shanghai = timezone.localtime(created, timezone.get_fixed_timezone(480))
    assert (
        shown_shanghai.strftime("%-I:%M") in shanghai
        or shown_shanghai.strftime("%H:%M") in shanghai
    )
    assert created.strftime("%H:%M") in utc or created.strftime("%-I:%M") in utc


def test_notifications_list_and_mark_read(client, make_opportunity, team_users):
    from shangji.opportunities.services import opportunity_assign

    manager, rep = team_users["liming"], team_users["chenjing"]
    opportunity = make_opportunity(owner=manager, name="新城百货合作项目")
    opportunity_assign(opportunity=opportunity, owner=rep, actor=manager, version=1)
    client.force_login(rep)
    page = client.get(reverse("users:notification_list")).content.decode()
    assert "李明 assigned you the opportunity “新城百货合作项目”." in page
    assert 'data-testid="unread-count">1<' in page
    client.post(reverse("users:notification_mark_read"))
    assert not rep.notifications.filter(read_at__isnull=True).exists()
