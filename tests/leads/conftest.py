"""Leads of the seed's story: a trade-show card and an inquiry e-mail."""

import pytest


@pytest.fixture
def make_lead(db, team_users):
    """make_lead(**fields) → a lead written through the service (default: 王强's own card)."""
    from shangji.leads.services import lead_create

    def make(actor=None, **fields):
        actor = actor or team_users["wangqiang"]
        fields.setdefault("owner", actor)
        for name, value in (
            ("last_name", "王"),
            ("first_name", "芳"),
            ("company", "新城百货有限公司"),
        ):
            fields.setdefault(name, value)
        return lead_create(actor=actor, **fields)

    return make
