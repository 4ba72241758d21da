"""A hand-built pipeline for the reports: mixed currencies, won/lost/open, a retired stage."""

import datetime

import pytest

from shangji.opportunities.models import Stage


@pytest.fixture
def deals(make_opportunity, team_users, stages):
    """Seven opportunities; amounts in CNY (USD 7.1, EUR 7.8) are in the comments."""
    wang, chen, zhao = team_users["wangqiang"], team_users["chenjing"], team_users["zhaolei"]
    legacy = Stage.objects.create(
        pipeline=stages["Prospecting"].pipeline,
        name="Legacy Review",
        position=99,
        probability=50,
        kind="open",
    )
    stages["Legacy Review"] = legacy
    made = {
        # 1000.00, open 10 % → weighted 100.00
        "A": make_opportunity(
            wang,
            "Prospecting",
            "1000.00",
            "CNY",
            datetime.date(2026, 1, 15),
            lead_source="Web Site",
        ),
        # 710.00, open 65 % → 461.50
        "B": make_opportunity(
            wang,
            "Proposal/Price Quote",
            "100.00",
            "USD",
            datetime.date(2026, 1, 20),
            lead_source="Partner",
        ),
        # 2599.97 (333.33 × 7.8 = 2599.974), open 65 % → 1689.98; no lead source
        "C": make_opportunity(
            chen, "Proposal/Price Quote", "333.33", "EUR", datetime.date(2026, 2, 10)
        ),
        # 14200.00, won
        "D": make_opportunity(
            wang, "Closed Won", "2000.00", "USD", datetime.date(2026, 1, 31), lead_source="Web Site"
        ),
        # 500.00, lost
        "E": make_opportunity(
            chen,
            "Closed Lost",
            "500.00",
            "CNY",
            datetime.date(2026, 3, 1),
            lead_source="Partner",
            lost_reason="Price",
        ),
        # 10000.00, open 80 %, another team → 8000.00
        "F": make_opportunity(
            zhao,
            "Negotiation/Review",
            "10000.00",
            "CNY",
            datetime.date(2026, 2, 28),
            lead_source="Web Site",
        ),
        # 2340.00, open 50 % in a stage retired afterwards → 1170.00
        "G": make_opportunity(
            wang,
            "Legacy Review",
            "300.00",
            "EUR",
            datetime.date(2026, 3, 15),
            lead_source="Cold Call",
        ),
    }
    legacy.is_active = False
    legacy.save()
    return made
