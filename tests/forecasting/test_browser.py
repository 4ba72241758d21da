"""In a real browser: the chart draws from the local ECharts, toggles, and drills down."""

from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pipeline_chart_toggles_and_drills_down(live_server, page, deals, team_users):
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(live_server.url) else None
        ),
    )
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url("**/my-work/")
    page.click("nav.mainnav a[href='/reports/']")
    page.click("[data-testid=report-pipeline-by-stage]")
    page.wait_for_selector("#report-chart[data-ready=true] canvas")

    page.click("#report-views button[data-view=funnel]")
    assert page.get_attribute("#report-views button[data-view=funnel]", "aria-pressed") == "true"
    page.click("#report-views button[data-view=bar]")
    page.wait_for_timeout(1500)  # the bars grow in for a second

    # The middle of the "Proposal/Price Quote" amount bar, from ECharts' own coordinates.
    point = page.evaluate(
        """() => {
          const element = document.getElementById("report-chart");
          const chart = echarts.getInstanceByDom(element);
          const payload = JSON.parse(document.getElementById("report-data").textContent);
          const index = payload.categories.indexOf("Proposal/Price Quote");
          const value = Number(payload.views[0].series[0].values[index]);
          return chart.convertToPixel({seriesIndex: 0}, [index, value / 2]);
        }"""
    )
    box = page.locator("#report-chart").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_url(lambda url: "/opportunities/?" in url)
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"stage": [str(deals["B"].stage_id)], "status": ["open"]}
    assert page.locator("table tbody tr").count() == 2
    assert outside == []
