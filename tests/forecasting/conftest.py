"""A hand-built pipeline for the reports: mixed currencies, won/lost/open, a retired stage."""

import datetime

import pytest

from shangji.forecasting.models import Quota
from shangji.opportunities.models import Stage

_FY2026_Q1 = datetime.date(2026, 1, 1)


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


# The history reports: deals with an explicit, day-exact history ---------------------------------

T0 = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
NOW = T0 + datetime.timedelta(days=30)  # the reports are read on 4 February 2026, 09:00 UTC


def _history(clock, make_opportunity, team_users, stages):
    """H1–H7 (see `history_deals`), each change made at its own instant."""
    from shangji.opportunities.services import opportunity_move_stage, opportunity_update

    wang, chen, zhao = team_users["wangqiang"], team_users["chenjing"], team_users["zhaolei"]
    legacy = Stage.objects.create(
        pipeline=stages["Prospecting"].pipeline,
        name="Legacy Review",
        position=2,  # beside Qualification
        probability=15,
        kind="open",
    )
    stages["Legacy Review"] = legacy
    made = {}

    def on(day, hours=0):
        clock.move_to(T0 + datetime.timedelta(days=day, hours=hours))

    def move(key, stage, **changes):
        deal = made[key]
        if stage == "Closed Lost":
            changes["lost_reason"] = "Price"
        made[key] = opportunity_move_stage(
            opportunity=deal, stage=stages[stage], actor=deal.owner, version=deal.version, **changes
        )

    def close_on(key, day):
        deal = made[key]
        made[key] = opportunity_update(
            opportunity=deal, actor=deal.owner, version=deal.version, close_date=day
        )

    on(0)
    made["H1"] = make_opportunity(wang, "Prospecting", "10000.00", "CNY", datetime.date(2026, 2, 5))
    made["H3"] = make_opportunity(chen, "Prospecting", "500.00", "EUR", datetime.date(2026, 3, 20))
    made["H5"] = make_opportunity(zhao, "Prospecting", "5000.00", "CNY", datetime.date(2026, 2, 20))
    made["H7"] = make_opportunity(
        wang, "Perception Analysis", "100.00", "EUR", datetime.date(2025, 12, 31)
    )
    on(0, 12)
    made["H2"] = make_opportunity(
        wang, "Qualification", "1000.00", "USD", datetime.date(2026, 2, 10)
    )
    on(1)
    made["H4"] = make_opportunity(
        chen, "Needs Analysis", "2000.00", "CNY", datetime.date(2026, 4, 15)
    )
    move("H7", "Closed Won")
    on(2)
    made["H6"] = make_opportunity(
        wang, "Legacy Review", "800.00", "CNY", datetime.date(2026, 6, 30)
    )
    move("H3", "Closed Won")
    on(3)
    move("H1", "Qualification")
    on(4)
    move("H5", "Closed Lost")
    move("H4", "Proposal/Price Quote")
    on(5)
    close_on("H2", datetime.date(2026, 3, 10))  # pushed 28 days
    on(6)
    move("H3", "Negotiation/Review")  # reopened
    on(7)
    move("H6", "Value Proposition")
    on(8)
    move("H2", "Negotiation/Review")
    on(9)
    close_on("H4", datetime.date(2026, 4, 30))  # pushed 15 days
    on(10)
    move("H1", "Proposal/Price Quote")
    on(11)
    close_on("H4", datetime.date(2026, 4, 20))  # pulled in: not a push
    on(12)
    move("H3", "Closed Won")
    close_on("H1", datetime.date(2026, 2, 15))  # pushed 10 days
    on(13)
    close_on("H4", datetime.date(2026, 5, 10))  # pushed 20 days
    on(15)
    close_on("H2", datetime.date(2026, 3, 31))  # pushed 21 days
    on(20)
    move("H1", "Closed Won")
    on(25)
    move("H2", "Closed Lost")
    legacy.is_active = False
    legacy.save()
    clock.move_to(NOW)
    return made


@pytest.fixture
def history_deals(make_opportunity, team_users, stages):
    """Seven deals with day-exact histories, read at NOW (the clock stays there).

    Day n is T0 + n days (5 January 2026 09:00 UTC); amounts in CNY (USD 7.1, EUR 7.8).

    - H1 王强 10000.00: Prospecting d0 → Qualification d3 → Proposal d10 → won d20; close
      date 5 → 15 February on d12 (+10).
    - H2 王强 USD 1000 = 7100.00: Qualification d0 21:00 → Negotiation d8 → lost d25; close
      date 10 February → 10 March d5 (+28) → 31 March d15 (+21).
    - H3 陈静 EUR 500 = 3900.00: Prospecting d0 → won d2 → reopened to Negotiation d6 →
      won d12; closes 20 March.
    - H4 陈静 2000.00, open: Needs Analysis d1 → Proposal d4; close date 15 April → 30 April
      d9 (+15) → 20 April d11 (pulled in) → 10 May d13 (+20).
    - H5 赵磊 (华北) 5000.00: Prospecting d0 → lost d4; closes 20 February.
    - H6 王强 800.00, open: Legacy Review d2 → Value Proposition d7; Legacy Review (position 2)
      is retired afterwards; closes 30 June.
    - H7 王强 EUR 100 = 780.00: Perception Analysis d0 → won d1; closed 31 December 2025.
    """
    import time_machine

    with time_machine.travel(T0, tick=False) as clock:
        yield _history(clock, make_opportunity, team_users, stages)


@pytest.fixture
def history_deals_unpinned(make_opportunity, team_users, stages):
    """`history_deals` with the clock back to real time (for the browser's session cookie)."""
    import time_machine

    with time_machine.travel(T0, tick=False) as clock:
        made = _history(clock, make_opportunity, team_users, stages)
    return made


@pytest.fixture
def quotas(team_users):
    """华东 has its own quota (30,000); 华北 has none: the sum of its members' (15,000)."""
    wang, chen, zhao = (team_users[name] for name in ("wangqiang", "chenjing", "zhaolei"))
    Quota.objects.create(
        period_kind="quarter", period_start=_FY2026_Q1, team=wang.team, amount=30000
    )
    for user, amount in ((wang, 20000), (chen, 10000), (zhao, 15000)):
        Quota.objects.create(
            period_kind="quarter", period_start=_FY2026_Q1, user=user, amount=amount
        )
