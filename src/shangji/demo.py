"""The demo company: 尚品衣舍's sales team and the seed document's story, plus a realistic
pipeline around it. Written through the services, so the history rows are real."""

import datetime
import random
from decimal import Decimal
from email import policy as mail_policy
from email.message import EmailMessage
from email.utils import format_datetime

from django.db import transaction
from django.utils import timezone

from shangji.accounts.services import account_create
from shangji.activities.mail.services import email_import
from shangji.activities.models import Activity
from shangji.activities.services import activity_create, activity_update
from shangji.contacts.services import contact_create
from shangji.core.models import Currency, ExchangeRate
from shangji.forecasting.models import Quota
from shangji.forecasting.periods import PeriodKind, period_of
from shangji.forecasting.snapshots import forecast_snapshot_take, week_of
from shangji.leads.models import Lead
from shangji.leads.services import lead_assign, lead_convert, lead_create, lead_update
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
    _seed_activities(seed, liming, wangqiang, contacts)
    _activities_around(seed, contacts)
    _leads(liming, wangqiang, chenjing, accounts, contacts)
    _forecast(team, reps, admin)
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


def _logged(actor, created: datetime.datetime, **fields) -> Activity:
    """An activity written through the service, then dated to when it was recorded."""
    activity = activity_create(actor=actor, **fields)
    dates = {"created_at": created, "updated_at": created}
    if activity.starts_at is None:  # a note sits on the timeline when it was written
        dates["occurred_at"] = created
    Activity.objects.filter(pk=activity.pk).update(**dates)
    return activity


# The weekly calls with 王芳: (days ago, subject, notes).
WEEKLY_CALLS = [
    (
        63,
        "初次电话沟通",
        "介绍尚品衣舍品牌和春夏系列；王芳对进驻新城百货感兴趣，约定寄送产品目录。",
    ),
    (
        56,
        "摆放位置和营销推广计划",
        "王芳希望在二楼女装区设专柜，靠近扶梯口；首月配合店内会员日促销，橱窗展示两周。",
    ),
    (49, "样品反馈", "面料和版型获采购部认可；王芳提出关注旺季补货的供应链稳定性。约定面谈。"),
    (42, "面谈后跟进", "发送会议纪要；王芳确认需求清单，内部开始评估专柜面积。"),
    (35, "需求确认", "确认首批 12 个款式、每款 3 个尺码；王芳希望提供陈列方案。"),
    (28, "报价结构和账期", "讨论联营扣点与账期（60 天）；王芳需要刘建国审批。"),
    (21, "报价单反馈", "王芳希望首批订单价格下调 5%，并要求提供质检报告。"),
    (14, "谈判：退换货与补货", "就退换货条款和 7 天补货周期达成初步一致。"),
    (7, "合同草案意见", "王芳反馈合同草案修改意见，将内部走审批流程，预计两周内答复。"),
]


def _seed_activities(opportunity: Opportunity, liming, wangqiang, contacts) -> None:
    """新城百货合作项目's history: weekly calls, the meeting and what it agreed, 王芳's
    concerns, the e-mailed catalogue, and the supply-chain report due next week."""
    wangfang = contacts["王芳"]
    deal = {"opportunity": opportunity, "contact": wangfang}
    for days_ago, subject, notes in WEEKLY_CALLS:
        _logged(
            wangqiang,
            _at(days_ago, 11),
            kind="call",
            subject=f"与王芳电话：{subject}",
            status="held",
            direction="outbound",
            starts_at=_at(days_ago, 10),
            duration_minutes=30,
            body=notes,
            **deal,
        )
    _mail_history(opportunity, wangqiang, wangfang)
    start = _at(46, 14)
    meeting = _logged(
        wangqiang,
        _at(50, 9),
        kind="meeting",
        subject="新城百货合作面谈",
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=90),
        location="新城百货总部 3 楼会议室",
        body="1. 品牌与产品线介绍\n2. 专柜摆放位置\n3. 营销推广计划\n4. 供货与质量控制",
        attendee_users=[liming],
        attendee_contacts=[wangfang, contacts["刘建国"]],
        **deal,
    )
    meeting = activity_update(
        activity=meeting,
        actor=wangqiang,
        version=meeting.version,
        status="held",
        minutes=(
            "双方同意在二楼女装区设立 60 平方米专柜；首季度联合推广（会员日 + 橱窗展示）；"
            "尚品衣舍在两周内提交供应链管理报告；下一步进入需求分析。"
        ),
    )
    Activity.objects.filter(pk=meeting.pk).update(updated_at=_at(46, 17))
    _logged(
        wangqiang,
        _at(44, 18),
        kind="note",
        subject="王芳的顾虑：供应链管理和产品质量控制",
        body=(
            "1）供应链管理：旺季补货周期能否控制在 7 天内，是否有备用产能；\n"
            "2）产品质量控制：希望提供第三方质检报告和近一年的次品率数据。\n"
            "需要在供应链管理报告中逐条回应。"
        ),
        **deal,
    )
    _logged(
        wangqiang,
        _at(2, 9),
        kind="task",
        subject="准备供应链管理报告",
        starts_at=_at(-7, 17),
        priority="high",
        body="回应王芳对供应链管理和产品质量控制的关注：补货周期、备用产能、第三方质检报告、次品率数据。",
        reminders=[1440, 60],
        **deal,
    )
    _logged(
        wangqiang,
        _at(1, 17),
        kind="call",
        subject="与王芳电话：合同审批进度",
        status="planned",
        starts_at=_at(-2, 10),
        duration_minutes=15,
        reminders=[15],
        **deal,
    )
    _logged(
        liming,
        _at(3, 10),
        kind="task",
        subject="把面谈纪要转给刘建国",
        starts_at=_at(1, 18),
        priority="medium",
        owner=wangqiang,
        **deal,
    )


def _eml(*, sender, to, subject, body, when, message_id, reply_to="", attachment=None) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = format_datetime(when)
    message["Message-ID"] = message_id
    if reply_to:
        message["In-Reply-To"] = reply_to
    message.set_content(body)
    if attachment:
        name, content = attachment
        message.add_attachment(content.encode(), "text", "plain", filename=name)
    return message.as_bytes(policy=mail_policy.SMTP)


def _mail_history(opportunity: Opportunity, wangqiang, wangfang) -> None:
    """The catalogue 王强 e-mailed to 王芳 and her reply, logged as e-mails are (.eml)."""
    rep = f"王强 <{wangqiang.email}>"
    buyer = f"王芳 <{wangfang.email}>"
    messages = [
        (
            _at(60, 16),
            _eml(
                sender=rep,
                to=buyer,
                subject="尚品衣舍 2026 春夏产品目录",
                body="王经理您好：\n\n附件是我们 2026 春夏系列的产品目录和品牌介绍，"
                "请转给刘总参阅。期待下周电话沟通。\n\n王强\n尚品衣舍",
                when=_at(60, 16),
                message_id="<catalogue-2026@shangpin.example>",
                attachment=(
                    "尚品衣舍2026春夏产品目录.txt",
                    "尚品衣舍 2026 春夏系列：连衣裙、针织衫、休闲西装，共 48 款。\n",
                ),
            ),
        ),
        (
            _at(59, 9),
            _eml(
                sender=buyer,
                to=rep,
                subject="回复：尚品衣舍 2026 春夏产品目录",
                body="王强您好：\n\n目录已收到，已转刘总。我们比较关注供货周期和质检流程，"
                "下次电话请一并介绍。\n\n王芳\n新城百货采购部",
                when=_at(59, 9),
                message_id="<reply-catalogue@xincheng.example>",
                reply_to="<catalogue-2026@shangpin.example>",
            ),
        ),
    ]
    for when, raw in messages:
        activity = email_import(actor=wangqiang, raw=raw, opportunity=opportunity)
        Activity.objects.filter(pk=activity.pk).update(created_at=when, updated_at=when)


# Activities on other open deals: (call subject, notes, task subject, task due in days).
AROUND = [
    ("确认进场时间", "对方希望下月中旬进场，需确认陈列道具。", "寄送陈列方案", 3),
    ("报价沟通", "对方认为价格偏高，希望看到竞品对比。", "整理竞品价格对比", -1),
    ("样品寄送确认", "样品已签收，下周给反馈。", "跟进样品反馈", 0),
    ("联名款设计讨论", "对方提供会员画像，希望首批 3 款。", "提交联名款草图", 5),
    ("代运营需求", "对方需要直播和店铺装修两项服务。", "报价单：代运营服务", 2),
    ("制服尺码统计", "对方 HR 下周提供员工尺码表。", "催收尺码表", -3),
]


def _activities_around(seed: Opportunity, contacts) -> None:
    """A call and a follow-up task on some of the other open deals, and a meeting today."""
    deals = list(
        Opportunity.objects.exclude(pk=seed.pk)
        .filter(stage__kind="open")
        .select_related("owner", "account")
        .order_by("id")[: len(AROUND)]
    )
    people = {contact.account_id: contact for contact in contacts.values()}
    for index, (deal, (call, notes, task, due_in)) in enumerate(zip(deals, AROUND, strict=False)):
        links = {"opportunity": deal, "contact": people.get(deal.account_id)}
        _logged(
            deal.owner,
            _at(5 + index * 3, 16),
            kind="call",
            subject=call,
            status="held",
            starts_at=_at(5 + index * 3, 15),
            duration_minutes=20,
            body=notes,
            **links,
        )
        _logged(
            deal.owner,
            _at(4 + index * 3, 9),
            kind="task",
            subject=task,
            starts_at=_at(-due_in, 17),
            priority="medium",
            **links,
        )
    if deals:
        deal = deals[0]
        _logged(
            deal.owner,
            _at(2, 10),
            kind="meeting",
            subject="季度业务回顾",
            starts_at=_at(0, 15),
            ends_at=_at(0, 16),
            location=deal.account.name,
            opportunity=deal,
        )


# Leads: (days ago, owner key or None, status, source, family, given, company, title, e-mail,
# mobile, description).
LEADS = [
    (
        9,
        "wangqiang",
        "Assigned",
        "Trade Show",
        "周",
        "建华",
        "杭州丝路纺织有限公司",
        "销售总监",
        "zhoujianhua@silkroad.example",
        "139 5712 0088",
        "上海国际服装展 3B 馆交换的名片：想为旗下百货渠道找秋冬女装品牌，希望看样品册。",
    ),
    (
        2,
        None,
        "New",
        "Email",
        "赵",
        "雪",
        "苏州锦程商贸",
        "采购主管",
        "zhaoxue@jincheng.example",
        "",
        "询价邮件：“贵司春夏系列能否供货 2,000 件？请报价并告知交期。”",
    ),
    (
        20,
        "chenjing",
        "In Process",
        "Web Site",
        "林",
        "志远",
        "厦门海岸服饰有限公司",
        "总经理",
        "lin.zhiyuan@coast.example",
        "138 5000 6123",
        "官网留言咨询加盟条件；已电话沟通一次，对方下月来上海看店。",
    ),
    (
        45,
        "wangqiang",
        "Recycled",
        "Cold Call",
        "孙",
        "婷",
        "成都天府百货",
        "招商经理",
        "",
        "186 2800 4455",
        "今年招商已满，明年三月再联系。",
    ),
    (
        30,
        "chenjing",
        "In Process",
        "Partner",
        "吴",
        "涛",
        "东方购物中心",
        "招商总监",
        "wutao@dongfang.example",
        "",
        "合作伙伴介绍：东方购物中心年中改造，有一层女装要重新招商。",
    ),
]


def _leads(liming, wangqiang, chenjing, accounts, contacts) -> None:
    """Inquiries not yet qualified: a trade-show card, an inquiry e-mail, a web form, one put
    back for next year, and one already converted into 东方购物中心 and 吴涛."""
    users = {"wangqiang": wangqiang, "chenjing": chenjing}
    for (
        days_ago,
        owner,
        status,
        source,
        family,
        given,
        company,
        title,
        email,
        mobile,
        note,
    ) in LEADS:
        lead = lead_create(
            actor=liming,
            owner=None,
            last_name=family,
            first_name=given,
            company=company,
            title=title,
            email=email,
            mobile=mobile,
            source=source,
            description=note,
        )
        if owner:
            lead = lead_assign(lead=lead, owner=users[owner], actor=liming, version=lead.version)
            if status != lead.status:
                lead = lead_update(
                    lead=lead, actor=users[owner], version=lead.version, status=status
                )
        Lead.objects.filter(pk=lead.pk).update(created_at=_at(days_ago, 9))
        if source == "Trade Show":
            _logged(
                lead.owner,
                _at(days_ago, 18),
                kind="note",
                subject="展会名片",
                body="3B-12 展位；对羊毛混纺面料感兴趣，要求寄送样品册。",
                lead=lead,
            )
            _logged(
                lead.owner,
                _at(days_ago - 1, 9),
                kind="task",
                subject="寄送秋冬样品册",
                starts_at=_at(-2, 17),
                priority="high",
                lead=lead,
            )
        if source == "Web Site":
            _logged(
                lead.owner,
                _at(days_ago - 2, 15),
                kind="call",
                subject="加盟条件初次沟通",
                status="held",
                starts_at=_at(days_ago - 2, 14),
                body="介绍加盟政策和首批订货额；对方下月来上海看店。",
                lead=lead,
            )
        if company == "东方购物中心":
            lead_convert(
                lead=lead,
                actor=lead.owner,
                version=lead.version,
                account=accounts[company],
                contact=contacts["吴涛"],
                activities="move",
            )
            Lead.objects.filter(pk=lead.pk).update(
                converted_at=_at(days_ago - 6, 16), updated_at=_at(days_ago - 6, 16)
            )


def _forecast(team, reps, admin) -> None:
    """Quarterly quotas from last quarter to the next, and a weekly forecast snapshot for each
    week since last quarter began, filled from the history rows as they stood then."""
    today = timezone.localdate()
    quarter = period_of(PeriodKind.QUARTER, today)
    for period in (quarter.preceding(), quarter, quarter.following()):
        common = {"period_kind": period.kind, "period_start": period.start, "updated_by": admin}
        Quota.objects.create(team=team, amount=Decimal("12000000"), **common)
        for rep, amount in zip(reps, ("3000000", "4500000", "4500000"), strict=True):
            Quota.objects.create(user=rep, amount=Decimal(amount), **common)
    week = week_of(quarter.preceding().start)
    while week <= today:
        forecast_snapshot_take(week=week)
        week += datetime.timedelta(days=7)
