"""The seed's steps 3 and 6 in a real browser, in Chinese: from the opportunity page a rep
logs a call, schedules a meeting and adds a task with a reminder, without a page reload, and
sees all three on the timeline, newest first by their time."""

import datetime
import zoneinfo

import pytest
from playwright.sync_api import expect

from shangji.activities.models import Activity, Reminder
from shangji.contacts.services import contact_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _field(days: int, hour: int, minute: int = 0) -> str:
    day = datetime.datetime.now(SHANGHAI) + datetime.timedelta(days=days)
    return day.replace(hour=hour, minute=minute).strftime("%Y-%m-%dT%H:%M")


def _kinds(page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all("items => items.map(item => item.dataset.kind)")


def test_log_call_schedule_meeting_add_task_and_see_them_in_order(
    live_server, page, team_users, make_opportunity, tmp_path
):
    rep, manager = team_users["wangqiang"], team_users["liming"]
    opportunity = make_opportunity(owner=rep, name="新城百货合作项目")
    wangfang = contact_create(
        actor=rep, account=opportunity.account, last_name="王", first_name="芳"
    )

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "wangqiang")
    page.fill("#id_password", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url("**/my-work/")
    page.goto(f"{live_server.url}{opportunity.get_absolute_url()}")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.evaluate("window.stillTheSamePage = true")
    timeline = "[data-testid=timeline-entries] > [data-testid=timeline-entry]"

    # 3. A call with 王芳, yesterday, logged with its notes.
    page.click("[data-testid=add-call] summary")
    page.fill("#id_call_subject", "与王芳电话：摆放位置")
    page.fill("#id_call_starts_at", _field(-1, 10))
    page.select_option("#id_call_status", "held")
    page.fill("#id_call_duration_minutes", "30")
    page.fill("#id_call_body", "讨论了摆放位置和营销推广计划")
    page.click("[data-testid=form-call-submit]")
    page.locator(f"{timeline}[data-kind=call]").wait_for()
    assert page.locator("#activity-messages [data-testid=form-done]").count() == 1

    # A meeting in three days: time, place and attendees (a user and a contact).
    page.click("[data-testid=add-meeting] summary")
    page.fill("#id_meeting_subject", "新城百货合作面谈")
    page.fill("#id_meeting_starts_at", _field(3, 14))
    page.fill("#id_meeting_ends_at", _field(3, 15, 30))
    page.fill("#id_meeting_location", "新城百货总部 3 楼会议室")
    page.select_option("#id_meeting_attendee_users", [str(manager.pk)])
    page.select_option("#id_meeting_attendee_contacts", [str(wangfang.pk)])
    page.fill("#id_meeting_body", "专柜位置；推广计划；供货与质量控制")
    page.click("[data-testid=form-meeting-submit]")
    page.locator(f"{timeline}[data-kind=meeting]").wait_for()

    # 6. The supply-chain report, due next week, with a reminder a day before.
    page.click("[data-testid=add-task] summary")
    page.fill("#id_task_subject", "准备供应链管理报告")
    page.fill("#id_task_starts_at", _field(7, 17))
    page.select_option("#id_task_priority", "high")
    page.check("[data-testid=form-task] input[name=reminders][value='1440']")
    page.click("[data-testid=form-task-submit]")
    page.locator(f"{timeline}[data-kind=task]").wait_for()

    # Newest first by their time: the task, the meeting, the deal's creation (now), the call.
    assert _kinds(page, timeline) == ["task", "meeting", "change", "call"]
    assert _kinds(page, "[data-testid=planned-item]") == ["meeting", "task"]
    assert page.evaluate("window.stillTheSamePage") is True  # no page reload
    page.screenshot(path=tmp_path / "timeline.png", full_page=True)

    meeting = Activity.objects.get(kind="meeting")
    assert meeting.location == "新城百货总部 3 楼会议室" and meeting.duration_minutes == 90
    assert {str(p) for p in meeting.participants.all()} == {"李明", "王芳"}
    task = Activity.objects.get(kind="task")
    reminder = Reminder.objects.get(activity=task)
    assert (reminder.recipient, reminder.minutes_before) == (rep, 1440)
    assert reminder.remind_at == task.starts_at - datetime.timedelta(days=1)
    call = Activity.objects.get(kind="call")
    assert (call.status, call.duration_minutes, call.body) == (
        "held",
        30,
        "讨论了摆放位置和营销推广计划",
    )

    # The meeting is held: "Done" from the planned list, and it leaves it.
    page.click("[data-testid=planned-item][data-kind=meeting] [data-testid=activity-complete]")
    expect(page.locator("[data-testid=planned-item][data-kind=meeting]")).to_have_count(0)
    assert _kinds(page, "[data-testid=planned-item]") == ["task"]
    assert page.locator("#activity-messages [data-testid=activity-flash]").count() == 1
    meeting.refresh_from_db()
    assert meeting.status == "held"

    # Filter by type without leaving the page.
    page.click("[data-testid=timeline-filters] [data-kind=call]")
    expect(page.locator("[data-testid=timeline-entries] > li")).to_have_count(1)
    assert _kinds(page, timeline) == ["call"]
    assert page.evaluate("window.stillTheSamePage") is True


def test_meeting_updated_afterwards_inline_on_a_phone(
    live_server, browser, team_users, make_opportunity, tmp_path
):
    from shangji.activities.services import activity_create

    rep = team_users["wangqiang"]
    opportunity = make_opportunity(owner=rep, name="新城百货合作项目")
    start = datetime.datetime.now(SHANGHAI).replace(minute=0, second=0, microsecond=0)
    meeting = activity_create(
        actor=rep,
        kind="meeting",
        opportunity=opportunity,
        subject="新城百货合作面谈",
        starts_at=start - datetime.timedelta(days=1),
        location="新城百货总部",
    )
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "wangqiang")
    page.fill("#id_password", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url("**/my-work/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{live_server.url}{opportunity.get_absolute_url()}")

    item = f"[data-testid=timeline-entry][data-activity-id='{meeting.pk}']"
    page.click(f"{item} [data-testid=activity-edit]")
    editing = f"[data-testid=timeline-edit][data-activity-id='{meeting.pk}']"
    page.locator(editing).wait_for()
    page.select_option(f"{editing} select[name=status]", "held")
    page.fill(
        f"{editing} textarea[name=minutes]", "同意在二楼女装区设立专柜；两周内提交供应链管理报告"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=tmp_path / "inline-edit-phone.png", full_page=True)
    page.click(f"{editing} [data-testid=edit-save]")
    page.locator(f"{item} [data-testid=meeting-minutes]").wait_for()
    assert page.locator(f"{item} [data-testid=activity-status]").count() == 1
    meeting.refresh_from_db()
    assert (meeting.status, meeting.version) == ("held", 2)
    assert meeting.minutes == "同意在二楼女装区设立专柜；两周内提交供应链管理报告"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=tmp_path / "timeline-phone.png", full_page=True)

    # Someone else changes the meeting meanwhile: deleting the stale one is refused, with a
    # message on the page, and the timeline reloads to show the current meeting.
    from shangji.activities.services import activity_update

    activity_update(activity=meeting, actor=rep, version=2, location="线上会议")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"{item} [data-testid=activity-delete]")
    page.locator("#activity-messages .message.error").wait_for()
    expect(page.locator(item)).to_contain_text("线上会议")
    assert Activity.objects.filter(pk=meeting.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"{item} [data-testid=activity-delete]")
    page.locator(item).wait_for(state="detached")
    assert not Activity.objects.filter(pk=meeting.pk).exists()
    context.close()
