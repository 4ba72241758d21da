"""The board in a real browser (Chinese UI): drag a card and watch both columns' figures change."""

import datetime

import pytest
from playwright.sync_api import expect

from shangji.opportunities.models import Opportunity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url("**/my-work/")


def _card_in(page, stage, opportunity):
    return page.locator(f"[data-testid=column-{stage.pk}] [data-testid=card-{opportunity.pk}]")


def _figure(page, stage, name):
    return page.locator(f"[data-testid=column-{stage.pk}] [data-testid=column-{name}]")


def test_drag_card_to_another_column_updates_both_headers(
    live_server, page, stages, make_opportunity, team_users, tmp_path
):
    close = datetime.date.today() + datetime.timedelta(days=30)
    make_opportunity(name="新城百货一期", amount="1000.00", close_date=close)
    moving = make_opportunity(name="新城百货二期", amount="2000.00", close_date=close)
    source, target = stages["Prospecting"], stages["Needs Analysis"]

    _login(page, live_server, "liming")
    page.click("nav.mainnav [data-testid=nav-board]")
    page.wait_for_url("**/opportunities/board/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    expect(_figure(page, source, "count")).to_have_text("2")
    expect(_figure(page, source, "sum")).to_have_text("CNY 3,000.00")
    expect(_figure(page, target, "count")).to_have_text("0")

    page.drag_and_drop(
        f"[data-testid=card-{moving.pk}]", f"[data-testid=column-{target.pk}] [data-cards]"
    )

    expect(_figure(page, target, "count")).to_have_text("1")
    expect(_figure(page, target, "sum")).to_have_text("CNY 2,000.00")
    expect(_figure(page, target, "weighted")).to_have_text("CNY 500.00")
    expect(_figure(page, source, "count")).to_have_text("1")
    expect(_figure(page, source, "sum")).to_have_text("CNY 1,000.00")
    expect(_card_in(page, target, moving)).to_have_count(1)
    expect(page.locator("[data-testid=board-messages]")).to_contain_text("新城百货二期")
    moving.refresh_from_db()
    assert moving.stage == target and moving.probability == 25 and moving.version == 2
    page.screenshot(path=tmp_path / "board.png", full_page=True)


def test_lost_asks_for_a_reason_and_a_stale_card_goes_back(
    live_server, page, stages, make_opportunity, team_users
):
    deal = make_opportunity(name="华东门店翻新", amount="500.00")
    other = make_opportunity(name="华东仓储", amount="700.00")
    lost, source = stages["Closed Lost"], stages["Prospecting"]
    _login(page, live_server, "wangqiang")
    page.goto(f"{live_server.url}/opportunities/board/")

    # cancelling the prompt moves nothing
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.drag_and_drop(f"[data-testid=card-{deal.pk}]", f"[data-testid=column-{lost.pk}]")
    expect(_card_in(page, source, deal)).to_have_count(1)
    assert Opportunity.objects.get(pk=deal.pk).stage == source

    page.once("dialog", lambda dialog: dialog.accept("价格太高"))
    page.drag_and_drop(f"[data-testid=card-{deal.pk}]", f"[data-testid=column-{lost.pk}]")
    expect(_figure(page, lost, "count")).to_have_text("1")
    expect(page.locator(f"[data-testid=card-{deal.pk}]")).to_have_count(0)
    deal.refresh_from_db()
    assert deal.stage == lost and deal.lost_reason == "价格太高"

    # someone else changed the other card meanwhile: it comes back, with a message
    Opportunity.objects.filter(pk=other.pk).update(version=7)
    page.select_option(
        f"[data-testid=card-{other.pk}] [data-testid=card-move]", str(stages["Qualification"].pk)
    )
    expect(page.locator("[data-testid=board-messages] .message.error")).to_be_visible()
    expect(_card_in(page, source, other)).to_have_count(1)
    expect(_figure(page, stages["Qualification"], "count")).to_have_text("0")
    assert Opportunity.objects.get(pk=other.pk).stage == source
