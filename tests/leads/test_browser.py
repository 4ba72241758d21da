"""The seed's step 14 in a real browser: a trade-show card becomes an account, a contact and an
opportunity in one step, and the rep lands on the opportunity."""

import pytest

from shangji.activities.services import activity_create
from shangji.leads.models import Lead
from shangji.opportunities.models import Opportunity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-US", "viewport": {"width": 1280, "height": 900}}


def test_convert_a_trade_show_card_and_land_on_the_opportunity(
    live_server, page, team_users, make_lead, stages, tmp_path
):
    rep = team_users["wangqiang"]
    lead = make_lead(
        last_name="周",
        first_name="建华",
        company="杭州丝路纺织有限公司",
        title="销售总监",
        email="zhoujianhua@silkroad.example",
        source="Trade Show",
    )
    activity_create(actor=rep, kind="note", lead=lead, subject="展会名片")

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "wangqiang")
    page.fill("#id_password", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url("**/my-work/")
    page.click("nav.mainnav >> text=Leads")
    page.click("[data-testid=lead-table] >> text=周建华")
    page.wait_for_url(f"**{lead.get_absolute_url()}")
    assert "展会名片" in page.inner_text("[data-testid=timeline]")
    page.screenshot(path=tmp_path / "lead_detail.png", full_page=True)

    page.click("[data-testid=lead-convert]")
    page.wait_for_url("**/convert/")
    assert page.input_value("#id_new_account_name") == "杭州丝路纺织有限公司"
    assert page.input_value("#id_new_contact_last_name") == "周"
    assert page.is_checked("#id_account_action_0") and page.is_checked("#id_contact_action_0")
    assert page.is_checked("#id_create_opportunity")
    page.fill("#id_opportunity_name", "丝路纺织 秋冬女装")
    page.fill("#id_opportunity_amount", "150000")
    page.screenshot(path=tmp_path / "lead_convert.png", full_page=True)
    page.click("[data-testid=convert-submit]")
    page.wait_for_url("**/opportunities/*/")

    deal = Opportunity.objects.get()
    assert page.url.endswith(deal.get_absolute_url())
    assert page.inner_text("h1") == "丝路纺织 秋冬女装"
    main = page.inner_text("main")
    assert "杭州丝路纺织有限公司" in main and "周建华" in main and "展会名片" in main
    lead = Lead.objects.get()
    assert (lead.status, lead.converted_opportunity) == ("Converted", deal)
    assert (deal.account.name, deal.lead_source, deal.owner) == (
        "杭州丝路纺织有限公司",
        "Trade Show",
        rep,
    )
    page.screenshot(path=tmp_path / "opportunity.png", full_page=True)
