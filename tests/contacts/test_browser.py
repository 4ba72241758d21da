"""The account search of the contact form in a real browser (htmx fills the <select>)."""

import pytest
from playwright.sync_api import expect

from shangji.accounts.services import account_create
from shangji.contacts.models import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    # A phone-sized window: the pages must work there.
    return {**browser_context_args, "locale": "en-US", "viewport": {"width": 390, "height": 844}}


def test_contact_form_searches_accounts_and_saves(live_server, page, team_users, tmp_path):
    rep = team_users["wangqiang"]
    account_create(actor=rep, name="新城百货")
    account_create(actor=rep, name="华联超市")
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "wangqiang")
    page.fill("#id_password", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url("**/my-work/")

    page.goto(f"{live_server.url}/contacts/new/")
    page.fill("#id_last_name", "王")
    page.fill("#id_first_name", "芳")
    page.fill("input.option-search", "华联")
    expect(page.locator("#id_account option")).to_have_count(1)
    assert page.inner_text("#id_account") == "华联超市"
    page.screenshot(path=tmp_path / "contact_form.png", full_page=True)
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/contacts/*/")
    assert "华联超市" in page.inner_text("main")
    contact = Contact.objects.get()
    assert contact.account.name == "华联超市" and contact.full_name == "王芳"
    # The search box was not submitted with the form, and the page fits a phone.
    page.goto(f"{live_server.url}/contacts/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=tmp_path / "contact_list.png", full_page=True)
