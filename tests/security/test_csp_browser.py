"""The Content Security Policy in a real Chromium: every page we ship works under it, and the
browser reports no violation (scripts come from /static/ only, nothing inline runs)."""

import datetime

import pytest
from playwright.sync_api import expect

from shangji.activities.models import Activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-US", "timezone_id": "Asia/Shanghai"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def violations(page):
    """Every CSP violation the page reports, from the console and from the DOM event."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: found.append(f"page error: {error}"))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', event => {"
        " (window.cspViolations = window.cspViolations || [])"
        ".push(event.violatedDirective + ' ' + event.blockedURI);"
        " document.documentElement.dataset.cspViolations = window.cspViolations.length; });"
    )
    return found


def _dom_violations(page) -> list[str]:
    return page.evaluate("window.cspViolations || []")


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url("**/my-work/")


def test_pages_charts_board_htmx_admin_and_api_docs_run_under_the_policy(
    live_server, page, violations, team_users, stages, make_opportunity
):
    close = datetime.date.today() + datetime.timedelta(days=20)
    deal = make_opportunity(name="新城百货合作项目", amount="100000.00", close_date=close)
    make_opportunity(name="华联商厦专柜", amount="50000.00", stage="Needs Analysis")

    response = page.goto(f"{live_server.url}/login/")
    policy = response.headers["content-security-policy"]
    assert (
        "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src-attr")[0]
    )
    assert "unsafe-eval" not in policy and "frame-ancestors 'none'" in policy
    _login(page, live_server, "liming")

    # The dashboard draws its charts with ECharts (a canvas each).
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("#report-chart canvas").first).to_be_visible()
    assert page.locator("#report-chart canvas").count() >= 1
    page.locator("#report-chart canvas").first.hover()  # tooltips write inline styles
    assert _dom_violations(page) == []

    # The board, its cards and figures.
    page.goto(f"{live_server.url}/opportunities/board/")
    expect(page.locator(f"[data-testid=card-{deal.pk}]")).to_be_visible()
    assert _dom_violations(page) == []

    # An htmx write: a note added on the opportunity page, the timeline reloads itself.
    page.goto(f"{live_server.url}{deal.get_absolute_url()}")
    page.evaluate("window.stillTheSamePage = true")
    page.click("[data-testid=add-note] summary")
    page.fill("#id_note_subject", "CSP note")
    page.fill("#id_note_body", "<script>window.ran = true</script>")
    page.click("[data-testid=form-note-submit]")
    page.locator("[data-testid=timeline-entry][data-kind=note]").wait_for()
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.evaluate("window.ran") is None
    assert Activity.objects.filter(kind="note", subject="CSP note").count() == 1
    assert _dom_violations(page) == []

    # The API docs: Swagger UI's scripts from this server run, fetch the OpenAPI document
    # and render it (its title, or its parser's complaint about the document's content).
    with page.expect_response("**/api/v1/openapi.json") as fetched:
        page.goto(f"{live_server.url}/api/v1/docs")
    assert fetched.value.status == 200
    rendered = page.locator("#swagger-ui .swagger-ui .info, #swagger-ui .swagger-ui .errors")
    expect(rendered.first).to_be_visible(timeout=15000)
    assert _dom_violations(page) == []

    # Django's admin (an administrator).
    page.context.clear_cookies()
    _login(page, live_server, "admin")
    page.goto(f"{live_server.url}/admin/users/user/add/")
    expect(page.locator("#id_username")).to_be_visible()
    assert _dom_violations(page) == []

    assert violations == []


def test_injected_inline_handler_and_script_are_blocked_and_reported(
    live_server, page, violations, team_users
):
    """The policy is enforced, not only sent: markup that slipped into a page cannot run."""
    _login(page, live_server, "wangqiang")
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend',"
        ' \'<img src="data:,x" onerror="window.pwned = 1">\');'
        "const script = document.createElement('script');"
        "script.textContent = 'window.pwned = 2';"
        "document.body.appendChild(script);"
    )
    # (Playwright's wait_for_function would need eval, which this very policy refuses.)
    expect(page.locator("html")).to_have_attribute("data-csp-violations", "2")
    assert page.evaluate("window.pwned") is None
    assert sorted(_dom_violations(page)) == ["script-src-attr inline", "script-src-elem inline"]
    assert len(violations) == 2
