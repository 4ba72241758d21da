"""The list's bulk update and saved views in a real browser."""

import pytest
from playwright.sync_api import expect

from shangji.opportunities.models import Opportunity, OpportunityChange

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url("**/my-work/")


def _row_box(page, opportunity):
    return page.locator(f"input[data-bulk-row][value='{opportunity.pk}']")


def test_tick_two_rows_change_the_owner_see_the_result(
    live_server, page, make_opportunity, team_users, tmp_path
):
    wangqiang, chenjing = team_users["wangqiang"], team_users["chenjing"]
    first = make_opportunity(owner=wangqiang, name="新城百货一期")
    second = make_opportunity(owner=wangqiang, name="新城百货二期")
    stays = make_opportunity(owner=wangqiang, name="新城百货三期")

    _login(page, live_server, "liming")
    page.goto(f"{live_server.url}/opportunities/")
    _row_box(page, first).check()
    _row_box(page, second).check()
    page.click("[data-testid=bulk-panel] summary")
    expect(page.locator("[data-testid=bulk-form]")).to_be_visible()
    expect(page.locator("[data-testid=bulk-form] [data-bulk-count]")).to_have_text("(2)")
    page.select_option("[data-testid=bulk-form] select[name=owner]", str(chenjing.pk))
    page.click("[data-testid=bulk-submit]")

    page.wait_for_url("**/opportunities/bulk/*/")
    expect(page.locator("[data-testid=bulk-status]")).to_have_text("Done")
    expect(page.locator("[data-testid=bulk-updated]")).to_have_text("2")
    expect(page.locator("[data-testid=bulk-failed]")).to_have_text("0")
    page.screenshot(path=tmp_path / "bulk.png", full_page=True)
    owners = dict(Opportunity.objects.values_list("name", "owner_id"))
    assert owners == {first.name: chenjing.pk, second.name: chenjing.pk, stays.name: wangqiang.pk}
    assert OpportunityChange.objects.filter(previous_owner=wangqiang, owner=chenjing).count() == 2


def test_select_all_on_the_page_and_save_a_view(
    live_server, page, make_opportunity, team_users, stages
):
    for n in range(3):
        make_opportunity(name=f"Deal {n}", stage="Needs Analysis" if n else "Prospecting")
    _login(page, live_server, "wangqiang")
    page.goto(f"{live_server.url}/opportunities/?stage={stages['Needs Analysis'].pk}")
    page.check("input[data-bulk-all]")
    expect(page.locator("input[data-bulk-row]:checked")).to_have_count(2)

    page.click("[data-testid=views-menu] summary")
    form = page.locator("[data-testid=save-view-form]")
    form.locator("input[name=name]").fill("需求分析")
    form.locator("input[name=columns][value=probability]").uncheck()
    form.locator("input[name=columns][value=lead_source]").check()
    form.locator("input[name=is_default]").check()
    form.locator("button").click()
    expect(page.locator("[data-testid=active-view]")).to_contain_text("需求分析")
    expect(page.locator("th[data-column=lead_source]")).to_have_count(1)
    expect(page.locator("th[data-column=probability]")).to_have_count(0)

    # The bare list opens the default view.
    page.goto(f"{live_server.url}/opportunities/")
    expect(page.locator("[data-testid=opportunity-table] tbody tr")).to_have_count(2)
    expect(page.locator("th[data-column=lead_source]")).to_have_count(1)
