"""In a real browser: the forecast's chart drills down, the quota grid saves all or nothing."""

import os
from urllib.parse import parse_qs, urlsplit

import pytest

from shangji.forecasting.forms import local_today
from shangji.forecasting.models import Quota
from shangji.forecasting.periods import period_parse
from shangji.forecasting.services import quota_set

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SHANGJI_SCREENSHOTS")  # a folder to keep screenshots in, if set


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url("**/my-work/")


def test_forecast_chart_and_quota_grid(live_server, page, make_opportunity, team_users):
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(live_server.url) else None
        ),
    )
    wang, chen = team_users["wangqiang"], team_users["chenjing"]
    today = local_today(wang)  # the day in Shanghai, as the page sees it
    make_opportunity(wang, "Negotiation/Review", "5000.00", close_date=today)
    make_opportunity(chen, "Closed Won", "3000.00", close_date=today)
    make_opportunity(team_users["zhaolei"], "Proposal/Price Quote", "800.00", close_date=today)
    period = period_parse(f"{today:%Y-%m}")
    quota_set(actor=team_users["admin"], period=period, amount="10000", user=wang)

    _login(page, live_server, "liming")
    page.click("[data-testid=nav-forecast]")
    page.click("[data-testid=period-switcher] a[data-kind=month]")
    page.wait_for_selector("#report-chart[data-ready=true] canvas")
    page.wait_for_timeout(1200)  # the bars grow in
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/forecast.png", full_page=True)
    assert page.locator("[data-testid=forecast-team]").count() == 1
    assert "华北销售" not in page.content()
    point = page.evaluate(
        """() => {
          const chart = echarts.getInstanceByDom(document.getElementById("report-chart"));
          const payload = JSON.parse(document.getElementById("report-data").textContent);
          const value = Number(payload.views[0].series[1].values[0]);
          return chart.convertToPixel({seriesIndex: 1}, [0, value / 2]);
        }"""
    )
    page.evaluate("document.getElementById('report-chart').scrollIntoView({block: 'center'})")
    box = page.locator("#report-chart").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_url(lambda url: "/opportunities/?" in url)
    query = parse_qs(urlsplit(page.url).query)
    assert query["status"] == ["open"]
    assert page.locator("table tbody tr").count() == 1  # wang's commit deal; not zhaolei's

    page.goto(f"{live_server.url}/forecast/")
    page.click("[data-testid=quota-link]")
    page.fill(f"[data-testid=quota-user-{chen.pk}]", "-5")
    page.fill(f"[data-testid=quota-user-{wang.pk}]", "12000")
    page.click("[data-testid=quota-save]")
    page.wait_for_selector(f"[data-testid=error-user-{chen.pk}]")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/quotas-error.png", full_page=True)
    assert "A quota cannot be negative." in page.inner_text(f"[data-testid=error-user-{chen.pk}]")
    assert not Quota.objects.filter(user=chen).exists()
    page.fill(f"[data-testid=quota-user-{chen.pk}]", "6000")
    page.click("[data-testid=quota-save]")
    page.wait_for_selector(".message.success")
    assert Quota.objects.get(user=chen, period_kind="quarter").amount == 6000
    assert outside == []
