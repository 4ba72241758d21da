"""The seed's whole journey (PRODUCT.md §2, all fourteen steps) in Chromium, in Chinese and in
English, on a desktop and on a phone, as 李明, 王强, 张悦 and the administrator.

Each step leaves a screenshot under var/screenshots/<language>-<viewport>/ for CI to keep.
The steps themselves are in tests/browser/journey/steps.py.
"""

import datetime
from pathlib import Path

import pytest

from shangji.accounts.services import account_create
from shangji.opportunities.services import opportunity_move_stage
from shangji.users.models import User

from .journey import steps
from .journey.driver import LANGUAGES, Journey, local_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

CASES = [("zh", "desktop"), ("zh", "phone"), ("en", "desktop"), ("en", "phone")]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def other_deals(make_opportunity, stages, team_users):
    """陈静's deals at another store: one won and one lost this month, one still open, so the
    list has something to sort and the win rate something to count."""
    chenjing = team_users["chenjing"]
    store = account_create(actor=chenjing, name="华联超市")
    today = local_now().date()
    for name, stage, reason in (
        ("华联超市春装", "Closed Won", ""),
        ("华联超市夏装", "Closed Lost", "价格太高"),
    ):
        deal = make_opportunity(
            owner=chenjing,
            account=store,
            name=name,
            amount="200000.00",
            close_date=today,
            stage="Negotiation/Review",
        )
        opportunity_move_stage(
            opportunity=deal,
            stage=stages[stage],
            actor=chenjing,
            version=deal.version,
            lost_reason=reason,
        )
    make_opportunity(
        owner=chenjing,
        account=store,
        name="华东门店翻新",
        amount="50000.00",
        close_date=today + datetime.timedelta(days=20),
    )


@pytest.mark.parametrize(
    ("language", "viewport"), CASES, ids=[f"{lang}-{view}" for lang, view in CASES]
)
def test_the_whole_journey(
    language, viewport, live_server, browser, team_users, stages, rates, other_deals, tmp_path
):
    User.objects.update(language=LANGUAGES[language][1])
    journey = Journey(
        browser=browser,
        base_url=live_server.url,
        language=language,
        viewport=viewport,
        shots=SCREENSHOTS,
    )
    cast = steps.Cast(journey, team_users, stages)
    try:
        steps.step_01_create(cast)
        steps.step_02_assign(cast)
        steps.step_03_log_contacts(cast, tmp_path)
        steps.step_04_move_stage(cast)
        steps.step_05_note(cast)
        steps.step_06_task(cast)
        steps.step_07_proposal_negotiation_slip(cast)
        steps.step_08_forecast(cast)
        steps.step_09_list(cast)
        steps.step_10_stages(cast)
        steps.step_11_contacts(cast)
        steps.step_12_competitors(cast)
        steps.step_13_reports(cast)
        steps.step_14_lead(cast)
    except Exception:
        journey.shoot_open_pages("failed")
        raise
    finally:
        journey.close()
    assert {path.name.split("-")[0] for path in journey.saved} == {
        f"{number:02d}" for number in range(1, 15)
    }
