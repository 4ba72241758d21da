"""The seed's first step in a real browser: 李明 creates 新城百货合作项目 from one form."""

import datetime

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def test_manager_creates_opportunity_with_new_account_and_contact(
    live_server, page, stages, rates, team_users, tmp_path
):
    page.goto(f"{live_server.url}/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.fill("#id_username", "liming")
    page.fill("#id_password", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url("**/my-work/")  # the rep's home
    page.click("nav.mainnav a[href='/opportunities/']")  # opens Opportunities
    page.wait_for_url("**/opportunities/")

    page.click("a.button.primary")  # Create
    page.wait_for_url("**/opportunities/new/")
    page.fill("#id_name", "新城百货合作项目")
    page.click("[data-testid=new-account] summary")
    page.fill("#id_new_account_name", "新城百货")
    page.click("[data-testid=new-contact] summary")
    page.fill("#id_new_contact_last_name", "王")
    page.fill("#id_new_contact_first_name", "芳")
    page.fill("#id_new_contact_title", "采购经理")
    page.fill("#id_amount", "100000")
    page.select_option("#id_currency", "USD")
    close = datetime.date.today() + datetime.timedelta(days=61)
    page.fill("#id_close_date", close.isoformat())
    page.select_option("#id_stage", str(stages["Prospecting"].pk))
    page.click("[data-testid=opportunity-form] button[type=submit]")

    page.wait_for_url("**/opportunities/*/")
    assert page.locator("h1").inner_text() == "新城百货合作项目"
    assert page.locator("[data-testid=contact-roles]").inner_text().count("王芳") == 1
    assert "100,000.00" in page.locator("[data-testid=amount]").inner_text()

    page.goto(f"{live_server.url}/opportunities/?q=新城")
    rows = page.locator("[data-testid=opportunity-table] tbody tr")
    assert rows.count() == 1
    row = rows.first.inner_text()
    assert "新城百货合作项目" in row and "新城百货" in row and "李明" in row
    page.screenshot(path=tmp_path / "journey-list.png", full_page=True)
