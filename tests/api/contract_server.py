"""The contract test's world: realistic records behind the live server, API keys for a manager
and an administrator, and schemathesis schemas loaded from the live /api/v1/openapi.json."""

import datetime

import schemathesis
from django.utils import timezone

from shangji.accounts.services import account_create
from shangji.activities.services import activity_create
from shangji.contacts.services import contact_create
from shangji.forecasting.selectors import REPORTS
from shangji.leads.services import lead_create
from shangji.savedviews.services import saved_view_create
from shangji.users.services import api_token_create
from shangji.webhooks.services import webhook_create

OPENAPI_PATH = "/api/v1/openapi.json"
SEED = 20261127
MAX_EXAMPLES = 20


def seed_records(*, team_users, stages, make_opportunity) -> dict[str, list]:
    """Accounts, contacts, opportunities, leads, activities, a saved view and a webhook; the
    ids by kind (what the fuzzer is steered to, next to the ids it invents)."""
    liming, wangqiang = team_users["liming"], team_users["wangqiang"]
    chenjing, admin = team_users["chenjing"], team_users["admin"]
    mall = account_create(actor=wangqiang, name="新城百货", industry="零售")
    store = account_create(actor=chenjing, name="银泰商城")
    contacts = [
        contact_create(actor=wangqiang, account=mall, last_name="王", first_name="芳"),
        contact_create(actor=chenjing, account=store, last_name="Zhou", first_name="Jie"),
    ]
    opportunities = [
        make_opportunity(owner=wangqiang, account=mall, name="春季订货会", amount="120000.00"),
        make_opportunity(
            owner=chenjing,
            account=store,
            stage="Proposal/Price Quote",
            amount="8800.50",
            currency="USD",
        ),
        make_opportunity(owner=liming, account=mall, stage="Negotiation/Review", currency="EUR"),
    ]
    leads = [
        lead_create(actor=liming, owner=wangqiang, company="华联超市", last_name="刘"),
        lead_create(actor=liming, owner=None, company="Metro Shanghai", email="buyer@metro.cn"),
    ]
    start = timezone.now() + datetime.timedelta(days=2)
    activities = [
        activity_create(
            actor=wangqiang,
            kind="call",
            subject="确认报价",
            starts_at=start,
            opportunity=opportunities[0],
        ),
        activity_create(
            actor=chenjing,
            kind="meeting",
            subject="样品评审",
            starts_at=start + datetime.timedelta(hours=3),
            opportunity=opportunities[1],
            attendee_users=[liming],
            reminders=[30],
        ),
        activity_create(
            actor=liming, kind="task", subject="准备合同", starts_at=start, lead=leads[0]
        ),
        activity_create(actor=wangqiang, kind="note", body="客户偏好秋季款", contact=contacts[0]),
    ]
    views = [saved_view_create(owner=liming, list_name="opportunities", name="本季大单")]
    webhooks = [
        webhook_create(
            actor=admin,
            url="https://hooks.example.com/crm",
            events=["opportunity.created", "activity.created"],
            name="ERP",
        )
    ]
    return {
        "account_id": [mall.pk, store.pk],
        "contact_id": [contact.pk for contact in contacts],
        "opportunity_id": [opportunity.pk for opportunity in opportunities],
        "lead_id": [lead.pk for lead in leads],
        "activity_id": [activity.pk for activity in activities],
        "view_id": [view.pk for view in views],
        "webhook_id": [webhook.pk for webhook in webhooks],
        "stage_id": [stage.pk for stage in stages.values()],
        "pipeline_id": sorted({stage.pipeline_id for stage in stages.values()}),
        "team_member_id": [liming.pk, wangqiang.pk, chenjing.pk],
        "slug": list(REPORTS),
    }


def bearer_key(user) -> tuple[int, str]:
    """A fresh read-write API key of `user`: its id and the raw key."""
    token, raw = api_token_create(user=user, name="contract test")
    return token.pk, raw


# Body fields that name records, and the seeded ids they are steered to.
_BODY_REFERENCES = {
    "body.stage": "stage_id",
    "body.account": "account_id",
    "body.owner": "team_member_id",
    "body.opportunity": "opportunity_id",
    "body.contact": "contact_id",
    "body.lead": "lead_id",
    "body.currency": "currency",
    "body.version": "version",
    "query.version": "version",
}


def load_schema(
    *,
    base_url: str,
    key: str,
    ids: dict[str, list],
    path_ids: float = 0.8,
    body_references: float = 0.5,
    max_examples: int = MAX_EXAMPLES,
) -> schemathesis.BaseSchema:
    """The live document, fuzzed as the key's user: fixed seed, deterministic, small.

    A path id is a seeded record's `path_ids` of the time, a body's reference (stage, account,
    owner...) `body_references` of the time; else whatever the fuzzer invents.
    """
    dictionaries = {name: {"values": values} for name, values in ids.items() if values}
    dictionaries["currency"] = {"values": ["CNY", "USD", "EUR"]}
    dictionaries["version"] = {"values": [1, 2]}
    parameters: dict = {
        binding: {"dictionary": name, "probability": body_references}
        for binding, name in _BODY_REFERENCES.items()
    }
    if path_ids:
        parameters.update(
            {
                f"path.{name}": {"dictionary": name, "probability": path_ids}
                for name in ids
                if (name.endswith("_id") or name == "slug") and ids[name]
            }
        )
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": base_url,
            "headers": {"Authorization": f"Bearer {key}", "Accept-Language": "en"},
            "dictionaries": dictionaries,
            "parameters": parameters,
            "generation": {
                "max-examples": max_examples,
                "deterministic": True,
                "mode": "all",
            },
            # The coverage phase walks every boundary of every parameter: ~55 requests an
            # operation, four times the rest together; the fuzzing's negative half covers
            # the same kinds of wrong input within the CI budget.
            "phases": {"coverage": {"enabled": False}},
            "request-timeout": 30,
        }
    )
    return schemathesis.openapi.from_url(base_url + OPENAPI_PATH, config=config, timeout=30)
