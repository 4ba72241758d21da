"""The browser side of the journey: who is signed in where, in which language and on which
screen, and the small moves every step repeats (sign in, follow the menu, submit, screenshot)."""

import calendar
import datetime
import re
import zoneinfo
from pathlib import Path

from django.utils import formats, translation
from playwright.sync_api import Browser, Page, expect

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

# test id → (browser locale, the users' language setting, Django's language code)
LANGUAGES = {
    "zh": ("zh-CN", "zh-hans"),
    "en": ("en-US", "en"),
}

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 1,
    },
}

DETAIL_URL = re.compile(r"/opportunities/\d+/$")


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def local_now() -> datetime.datetime:
    return datetime.datetime.now(SHANGHAI)


def local_field(days: int, hour: int, minute: int = 0) -> str:
    """A datetime-local field's value `days` from today at hour:minute, Shanghai time."""
    day = local_now() + datetime.timedelta(days=days)
    return day.replace(hour=hour, minute=minute).strftime("%Y-%m-%dT%H:%M")


class Journey:
    """One run of the journey: a language, a screen size, and a browser context per person."""

    def __init__(self, *, browser: Browser, base_url: str, language: str, viewport: str, shots):
        self.browser = browser
        self.base_url = base_url
        self.language = language
        self.viewport = viewport
        self.locale, self.code = LANGUAGES[language]
        self.shots: Path = shots / f"{language}-{viewport}"
        self.shots.mkdir(parents=True, exist_ok=True)
        for old in self.shots.glob("*.png"):
            old.unlink()
        self.contexts = []
        self.today = local_now().date()
        self.saved: list[Path] = []

    @property
    def phone(self) -> bool:
        return self.viewport == "phone"

    # --- people and pages -------------------------------------------------------------------

    def sign_in(self, username: str) -> Page:
        """A fresh browser (own cookies) with `username` signed in, on their home page."""
        context = self.browser.new_context(
            locale=self.locale, timezone_id="Asia/Shanghai", **VIEWPORTS[self.viewport]
        )
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        # Confirmations (retire a stage, …) are answered yes; the steps that must see one
        # check its effect.
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(self.url("/login/"))
        page.fill("#id_username", username)
        page.fill("#id_password", "demo1234")
        with page.expect_navigation():
            page.click("main form.form button[type=submit]")
        page.wait_for_url("**/my-work/")
        assert page.locator("html").get_attribute("lang") == self.code
        return page

    def shoot_open_pages(self, prefix: str) -> None:
        """What every open page showed when a step failed, for whoever reads the CI run."""
        for number, context in enumerate(self.contexts, start=1):
            for page in context.pages:
                page.screenshot(path=self.shots / f"{prefix}-{number}.png", full_page=True)

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts = []

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def menu(self, page: Page, href: str) -> None:
        """Follow the main menu's link to `href` (on a phone the menu wraps above the page)."""
        link = page.locator(f"nav.mainnav a[href='{href}']")
        expect(link).to_be_visible()
        with page.expect_navigation():
            link.click()
        page.wait_for_url(f"**{href}")

    @staticmethod
    def submit(page: Page, target) -> None:
        """Click a button or link that loads a new page, and wait for that page."""
        locator = page.locator(target) if isinstance(target, str) else target
        with page.expect_navigation():
            locator.click()

    def shot(self, page: Page, number: int, name: str) -> None:
        """The step's screenshot; on a phone the page must also fit the screen's width."""
        path = self.shots / f"{number:02d}-{name}.png"
        page.screenshot(path=path, full_page=True)
        self.saved.append(path)
        if self.phone:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{page.url} is {width}px wide on a 390px phone"

    # --- how the UI writes things in this language -------------------------------------------

    def label(self, stage) -> str:
        stage.refresh_from_db()
        with translation.override(self.code):
            return str(stage.label)

    def short_date(self, day: datetime.date) -> str:
        with translation.override(self.code):
            return formats.date_format(day, "SHORT_DATE_FORMAT")

    def month(self, day: datetime.date) -> str:
        with translation.override(self.code):
            return formats.date_format(day, "YEAR_MONTH_FORMAT")
