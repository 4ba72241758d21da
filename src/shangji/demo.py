"""The demo company: 尚品衣舍's sales team and the seed document's story, plus a realistic
pipeline around it. Written through the services, so the history rows are real."""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shangji.accounts.services import account_create
from shangji.contacts.services import contact_create
from shangji.core.models import Currency, ExchangeRate
from shangji.opportunities.models import Opportunity, OpportunityChange, Stage
from shangji.opportunities.services import (
    opportunity_assign,
    opportunity_create,
    opportunity_move_stage,
    opportunity_update,
)
from shangji.users.choices import Role
from shangji.users.models import Organization, User
from shangji.users.services import team_create, user_create

PASSWORD = "demo1234"

# Illustrative rates for the demo (units of CNY per unit), not market data.
DEMO_RATES = {
    "USD": [("2025-01-01", "7.2000"), ("2026-01-01", "7.1000")],
    "EUR": [("2025-01-01", "7.6000"), ("2026-01-01", "7.9000")],
    "HKD": [("2025-01-01", "0.9200"), ("2026-01-01", "0.9100")],
}

ACCOUNTS = [
    ("新城百货", "零售百货", "上海市黄浦区南京东路 100 号"),
    ("华联商厦", "零售百货", "杭州市上城区延安路 58 号"),
    ("东方购物中心", "购物中心", "南京市鼓楼区中山路 18 号"),
    ("星河时尚集团", "服装品牌", "深圳市南山区科技园"),
    ("锦绣服饰", "服装批发", "广州市越秀区站西路 9 号"),
    ("青禾电商", "电子商务", "苏州市工业园区星湖街 328 号"),
    ("明珠百货", "零售百货", "宁波市海曙区中山西路 2 号"),
    ("港湾百货", "零售百货", "香港铜锣湾轩尼诗道 500 号"),
    ("Nordic Style AB", "Fashion retail", "Drottninggatan 53, Stockholm"),
    ("Pacific Outlet Inc.", "Outlet retail", "1 Market St, San Francisco"),
]

CONTACTS = [
    ("新城百货", "王", "芳", "采购经理", "wangfang@xincheng.example"),
    ("新城百货", "刘", "建国", "副总经理", "liujianguo@xincheng.example"),
    ("华联商厦", "周", "敏", "品类主管", "zhoumin@hualian.example"),
    ("东方购物中心", "吴", "涛", "招商总监", "wutao@dongfang.example"),
    ("星河时尚集团", "郑", "丽", "供应链经理", "zhengli@xinghe.example"),
    ("锦绣服饰", "孙", "浩", "总经理", "sunhao@jinxiu.example"),
    ("青禾电商", "何", "静怡", "运营总监", "hejingyi@qinghe.example"),
    ("明珠百货", "冯", "磊", "采购专员", "fenglei@mingzhu.example"),
    ("港湾百货", "黄", "嘉欣", "Buyer", "carmen.wong@harbour.example"),
    ("Nordic Style AB", "Lindqvist", "Anna", "Head of Buying", "anna@nordicstyle.example"),
    ("Pacific Outlet Inc.", "Miller", "James", "Merchandising Director", "james@pacific.example"),
]

DEAL_NAMES = [
    "{account} 春季新品入驻",
    "{account} 秋冬系列专柜",
    "{account} 年度联营合作",
    "{account} 快闪店项目",
    "{account} 会员日联名款",
    "{account} 线上旗舰店代运营",
    "{account} 员工制服定制",
    "{account} 双十一备货",
]


def is_empty() -> bool:
    return not (User.objects.exists() or Opportunity.objects.exists())


def _backdate(opportunity: Opportunity, moment: datetime.datetime) -> None:
    """Move the latest history row (and the record's update time) to `moment`."""
    latest = OpportunityChange.objects.filter(opportunity=opportunity).order_by("-id").first()
    OpportunityChange.objects.filter(pk=latest.pk).update(changed_at=moment)
    Opportunity.objects.filter(pk=opportunity.pk).update(updated_at=moment)
    if opportunity.closed_at:
        Opportunity.objects.filter(pk=opportunity.pk).update(closed_at=moment)


def _at(days_ago: int, hour: int = 10) -> datetime.datetime:
    moment = timezone.localtime() - datetime.timedelta(days=days_ago)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


@transaction.atomic
def load() -> dict:
    """Create the demo company; only into an empty database."""
    organization = Organization.current()
    organization.name = "尚品衣舍"
    organization.save()
    for code, rates in DEMO_RATES.items():
        for day, rate in rates:
            ExchangeRate.objects.get_or_create(
                currency_id=code,
                valid_from=datetime.date.fromisoformat(day),
                defaults={"rate": Decimal(rate)},
            )

    def person(username, role, family, given, team=None, email=""):
        return user_create(
            username=username,
            password=PASSWORD,
            role=role,
            first_name=given,
            last_name=family,
            team=team,
            language="zh-hans",
            email=email or f"{username}@shangpin.example",
            check_password=False,
        )

    admin = person("admin", Role.ADMIN, "", "管理员")
    zhangyue = person("zhangyue", Role.EXECUTIVE, "张", "悦")
    liming = person("liming", Role.MANAGER, "李", "明")
    team = team_create(name="华东销售团队", manager=liming)
    User.objects.filter(pk=liming.pk).update(team=team)
    wangqiang = person("wangqiang", Role.REP, "王", "强", team)
    chenjing = person("chenjing", Role.REP, "陈", "静", team)
    reps = [liming, wangqiang, chenjing]

    accounts = {}
    for index, (name, industry, address) in enumerate(ACCOUNTS):
        accounts[name] = account_create(
            actor=liming, name=name, industry=industry, address=address, owner=reps[index % 3]
        )
    contacts = {}
    for account_name, family, given, title, email in CONTACTS:
        contacts[family + given] = contact_create(
            actor=liming,
            account=accounts[account_name],
            last_name=family,
            first_name=given,
            title=title,
            email=email,
            owner=accounts[account_name].owner,
        )

    stages = {stage.name: stage for stage in Stage.objects.filter(pipeline__is_default=True)}
    currencies = {currency.code: currency for currency in Currency.objects.all()}
    seed = _seed_story(liming, wangqiang, accounts, contacts, stages, currencies)
    count = _pipeline_around(reps, accounts, contacts, stages, currencies)
    return {
        "users": 5,
        "accounts": len(accounts),
        "opportunities": count + 1,
        "seed_opportunity": seed.pk,
        "admin": admin.pk,
        "executive": zhangyue.pk,
    }


def _seed_story(liming, wangqiang, accounts, contacts, stages, currencies) -> Opportunity:
    """新城百货合作项目, as the seed document tells it, now at Negotiation/Review."""
    created = _at(70)
    opportunity = opportunity_create(
        actor=liming,
        name="新城百货合作项目",
        account=accounts["新城百货"],
        amount=Decimal("100000.00"),
        currency=currencies["USD"],
        close_date=created.date() + datetime.timedelta(days=61),
        stage=stages["Prospecting"],
        contacts=[
            (contacts["王芳"], "Primary Decision Maker"),
            (contacts["刘建国"], "Executive Sponsor"),
        ],
        competitors=[
            {
                "name": "潮流前线服饰",
                "strengths": "价格低，铺货快",
                "weaknesses": "质量控制不稳定，售后响应慢",
            }
        ],
        type="New Business",
        lead_source="Trade Show",
        priority="High",
        campaign="2026 上海国际时装展",
        next_step="准备供应链管理报告，回应王芳对供应链和质量控制的关注",
        description="新城百货希望在实体店引入尚品衣舍的服装系列。",
    )
    Opportunity.objects.filter(pk=opportunity.pk).update(created_at=created)
    _backdate(opportunity, created)
    steps = [
        (
            66,
            lambda o: opportunity_assign(
                opportunity=o, owner=wangqiang, actor=liming, version=o.version
            ),
        ),
        (
            45,
            lambda o: opportunity_move_stage(
                opportunity=o, stage=stages["Needs Analysis"], actor=wangqiang, version=o.version
            ),
        ),
        (
            24,
            lambda o: opportunity_move_stage(
                opportunity=o,
                stage=stages["Proposal/Price Quote"],
                actor=wangqiang,
                version=o.version,
            ),
        ),
        (
            10,
            lambda o: opportunity_move_stage(
                opportunity=o,
                stage=stages["Negotiation/Review"],
                actor=wangqiang,
                version=o.version,
            ),
        ),
        (
            9,
            lambda o: opportunity_update(
                opportunity=o,
                actor=wangqiang,
                version=o.version,
                close_date=created.date() + datetime.timedelta(days=92),
            ),
        ),
    ]
    for days_ago, step in steps:
        opportunity = step(opportunity)
        _backdate(opportunity, _at(days_ago, 15))
    return opportunity


def _pipeline_around(reps, accounts, contacts, stages, currencies) -> int:
    """Forty deals across stages, owners, currencies and close dates (deterministic)."""
    rng = random.Random(2026)
    today = timezone.localdate()
    open_names = [name for name, stage in stages.items() if stage.kind == "open"]
    account_list = list(accounts.values())
    contacts_by_account = {}
    for contact in contacts.values():
        contacts_by_account.setdefault(contact.account_id, []).append(contact)
    count = 0
    for index in range(40):
        account = account_list[index % len(account_list)]
        owner = reps[rng.randrange(3)]
        currency = rng.choices(["CNY", "USD", "EUR", "HKD"], weights=[70, 15, 8, 7])[0]
        amount = Decimal(rng.randrange(20, 900) * 1000)
        created_days_ago = rng.randrange(20, 300)
        outcome = rng.random()
        close = today + datetime.timedelta(days=rng.randrange(-150, 270))
        if close < today and outcome < 0.85:
            final = "Closed Won" if rng.random() < 0.6 else "Closed Lost"
        else:
            final = rng.choice(open_names)
        name = rng.choice(DEAL_NAMES).format(account=account.name)
        people = contacts_by_account.get(account.pk, [])
        opportunity = opportunity_create(
            actor=owner,
            owner=owner,
            name=name,
            account=account,
            amount=amount,
            currency=currencies[currency],
            close_date=close,
            stage=stages["Prospecting"],
            contacts=[(people[0], "Primary Decision Maker")] if people else [],
            type=rng.choice(["New Business", "Existing Business"]),
            lead_source=rng.choice(
                [
                    "Trade Show",
                    "Web Site",
                    "Existing Customer",
                    "Partner",
                    "Cold Call",
                    "Word of mouth",
                ]
            ),
            next_step=rng.choice(["", "发送报价单", "安排样品寄送", "约见采购负责人"]),
        )
        Opportunity.objects.filter(pk=opportunity.pk).update(created_at=_at(created_days_ago))
        _backdate(opportunity, _at(created_days_ago))
        path = [
            name
            for name in open_names
            if open_names.index(name)
            <= (open_names.index(final) if final in open_names else len(open_names) - 1)
        ][1:]
        if final not in open_names:
            path = path[: rng.randrange(1, len(path) + 1)] + [final]
        moves = sorted(rng.sample(range(1, created_days_ago), k=len(path)), reverse=True)
        for stage_name, days_ago in zip(path, moves, strict=False):
            opportunity = opportunity_move_stage(
                opportunity=opportunity,
                stage=stages[stage_name],
                actor=owner,
                version=opportunity.version,
                lost_reason="价格高于竞争对手" if stage_name == "Closed Lost" else "",
            )
            _backdate(opportunity, _at(days_ago, 11))
        count += 1
    return count
