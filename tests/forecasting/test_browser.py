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


def test_win_rate_chart_draws_bars_and_line_and_drills_down(
    live_server, page, history_deals_unpinned, team_users
):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url("**/my-work/")
    page.goto(f"{live_server.url}/reports/")
    page.click("[data-testid=report-win-rate]")
    page.wait_for_selector("#report-chart[data-ready=true] canvas")
    page.wait_for_timeout(1500)  # the bars grow in for a second

    # Two bar series and the win-rate line on the right-hand percent axis, as drawn.
    drawn = page.evaluate(
        """() => {
          const chart = echarts.getInstanceByDom(document.getElementById("report-chart"));
          const option = chart.getOption();
          return {
            types: option.series.map((series) => series.type),
            percent: [option.yAxis[1].min, option.yAxis[1].max],
          };
        }"""
    )
    assert drawn == {"types": ["line", "bar", "bar"], "percent": [0, 100]}

    # The middle of February's "Won" bar (series 1), from the layout ECharts drew it with.
    point = page.evaluate(
        """() => {
          const chart = echarts.getInstanceByDom(document.getElementById("report-chart"));
          const payload = JSON.parse(document.getElementById("report-data").textContent);
          const index = payload.categories.indexOf("February 2026");
          const bar = chart.getModel().getSeriesByIndex(1).getData().getItemLayout(index);
          return [bar.x + bar.width / 2, bar.y + bar.height / 2];
        }"""
    )
    box = page.locator("#report-chart").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_url(lambda url: "/opportunities/?" in url)
    query = parse_qs(urlsplit(page.url).query)
    assert query == {
        "close_date_from": ["2026-02-01"],
        "close_date_to": ["2026-02-28"],
        "status": ["won"],
    }
    assert page.locator("table tbody tr").count() == 1  # H1
