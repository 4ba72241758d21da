"""Screenshots of a running Shangji for the README: `python docs/screenshots.py URL`.

Start the demo first (`make demo`); this signs in as liming and saves PNGs into docs/.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main(base: str) -> None:
    out = Path(__file__).parent
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 800})
        page.goto(f"{base}/login/")
        page.fill("#id_username", "liming")
        page.fill("#id_password", "demo1234")
        page.click("button[type=submit]")
        page.wait_for_url("**/my-work/")
        page.goto(f"{base}/opportunities/?status=open&sort=-amount")
        page.screenshot(path=out / "screenshot.png")
        page.goto(f"{base}/opportunities/?q=新城百货合作项目")
        page.click("text=新城百货合作项目")
        page.screenshot(path=out / "screenshot-detail.png")
        page.goto(f"{base}/opportunities/board/")
        page.screenshot(path=out / "screenshot-board.png")
        page.goto(f"{base}/dashboard/")
        page.wait_for_selector("#report-chart canvas")
        page.wait_for_timeout(1500)  # the chart animates in
        page.screenshot(path=out / "screenshot-dashboard.png", full_page=True)
        page.goto(f"{base}/forecast/")
        page.wait_for_selector("#report-chart canvas")
        page.wait_for_timeout(1500)  # the chart animates in
        page.screenshot(path=out / "screenshot-forecast.png", full_page=True)
        page.goto(f"{base}/reports/time-in-stage/")
        page.wait_for_selector("#report-chart canvas")
        page.wait_for_timeout(1500)  # the chart animates in
        page.screenshot(path=out / "screenshot-time-in-stage.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
