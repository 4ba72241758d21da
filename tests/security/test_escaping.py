"""Markup typed into any text field comes back as text on every page, and e-mail HTML is
sanitised: nothing a user or a sender writes runs in someone else's browser."""

import datetime
from email.message import EmailMessage

import pytest
from django.test import Client
from django.urls import reverse

from shangji.accounts.services import account_create
from shangji.activities.mail.services import email_import
from shangji.activities.services import activity_create
from shangji.contacts.services import contact_create
from shangji.forecasting.selectors import REPORTS
from shangji.leads.services import lead_create
from shangji.opportunities.services import competitor_add, opportunity_move_stage

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
BOTH = SCRIPT + BREAKOUT
RAW = ("<script>alert(1)", "<img src=x onerror", "onerror=alert(1)>")
ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def hostile(team_users, stages, make_opportunity):
    """Every kind of record, every free-text field filled with markup."""
    rep = team_users["wangqiang"]
    rep.first_name, rep.last_name = SCRIPT, BREAKOUT  # a rep's own name, from the profile page
    rep.save()
    account = account_create(
        actor=rep, name="新城百货" + BOTH, industry=BOTH, address=BOTH, description=BOTH
    )
    contact = contact_create(
        actor=rep, account=account, last_name=SCRIPT, first_name=BREAKOUT, title=BOTH,
        description=BOTH,
    )  # fmt: skip
    close = datetime.date.today() + datetime.timedelta(days=10)
    deal = make_opportunity(
        owner=rep, account=account, name="商机" + BOTH, description=BOTH, next_step=BOTH,
        campaign=BOTH, close_date=close,
    )  # fmt: skip
    competitor_add(opportunity=deal, actor=rep, name=BOTH, strengths=BOTH, weaknesses=BOTH)
    lost = make_opportunity(owner=rep, account=account, name="丢单" + BOTH, close_date=close)
    opportunity_move_stage(
        opportunity=lost, stage=stages["Closed Lost"], actor=rep, version=lost.version,
        lost_reason="价格" + BOTH,
    )  # fmt: skip
    lead = lead_create(
        actor=rep, owner=rep, last_name=SCRIPT, first_name=BREAKOUT, company=BOTH, title=BOTH,
        description=BOTH,
    )  # fmt: skip
    activity_create(actor=rep, kind="note", opportunity=deal, subject=BOTH, body=BOTH)
    activity_create(
        actor=rep, kind="task", opportunity=deal, subject="任务" + BOTH, body=BOTH,
        starts_at=datetime.datetime.now(datetime.UTC),
    )  # fmt: skip
    return {"deal": deal, "lost": lost, "account": account, "contact": contact, "lead": lead}


def _pages(records) -> dict[str, str]:
    deal = records["deal"]
    pages = {
        "opportunity list": reverse("opportunities:opportunity_list"),
        "opportunity detail": deal.get_absolute_url(),
        "lost opportunity": records["lost"].get_absolute_url(),
        "board": reverse("opportunities:board"),
        "timeline": reverse("activities:timeline") + f"?opportunity={deal.pk}",
        "activity list": reverse("activities:activity_list"),
        "account list": reverse("accounts:account_list"),
        "account detail": reverse("accounts:account_detail", args=[records["account"].pk]),
        "contact list": reverse("contacts:contact_list"),
        "contact detail": reverse("contacts:contact_detail", args=[records["contact"].pk]),
        "lead list": reverse("leads:lead_list"),
        "lead detail": reverse("leads:lead_detail", args=[records["lead"].pk]),
        "dashboard": reverse("forecasting:dashboard"),
        "forecast": reverse("forecasting:forecast"),
    }
    for slug in REPORTS:
        pages[f"report {slug}"] = reverse("forecasting:report_detail", args=[slug])
    return pages


def test_markup_in_every_text_field_is_shown_escaped_on_every_page(hostile, team_users):
    client = Client(headers={"accept-language": "en"})
    client.force_login(team_users["liming"])  # the rep's manager: sees all of it
    shown = set()
    for name, url in _pages(hostile).items():
        response = client.get(url, headers={"hx-request": "true"} if name == "timeline" else {})
        assert response.status_code == 200, name
        html = response.content.decode()
        for raw in RAW:
            assert raw not in html, f"{name}: {raw}"
        if all(escaped in html for escaped in ESCAPED):
            shown.add(name)
    # The pages that show these records' text do show it, as text.
    assert {
        "opportunity list", "opportunity detail", "lost opportunity", "board", "timeline",
        "activity list", "account list", "account detail", "contact list", "contact detail",
        "lead list", "lead detail", "dashboard",
    } <= shown  # fmt: skip
    assert any(name.startswith("report ") for name in shown)

    rep = Client(headers={"accept-language": "en"})
    rep.force_login(team_users["wangqiang"])
    my_work = rep.get(reverse("activities:my_work")).content.decode()
    assert "任务" + ESCAPED[0] in my_work and not any(raw in my_work for raw in RAW)


def _hostile_email() -> bytes:
    message = EmailMessage()
    message["From"] = "王芳 <wangfang@xincheng.example>"
    message["To"] = "wangqiang@shangpin.example"
    message["Subject"] = "报价" + SCRIPT
    message["Message-ID"] = "<hostile-1@xincheng.example>"
    message.set_content("纯文本")
    message.add_alternative(
        "<p>您好<script>alert('body')</script></p>"
        '<img src="x" onerror="alert(2)">'
        '<a href="javascript:alert(3)">报价单</a>'
        '<a href="https://xincheng.example/quote" onclick="alert(4)">链接</a>'
        '<div style="background:url(https://tracker.example/p.gif)">样式</div>'
        '<iframe src="https://evil.example"></iframe>',
        subtype="html",
    )
    return message.as_bytes()


def test_email_html_on_the_timeline_is_sanitised(team_users, make_opportunity):
    rep = team_users["wangqiang"]
    deal = make_opportunity(owner=rep, name="新城百货合作项目")
    activity = email_import(actor=rep, raw=_hostile_email(), opportunity=deal)
    stored = activity.email.body_html
    for removed in ("<script", "alert('body')", "onerror", "javascript:", "onclick", "style=",
                    "tracker.example", "<iframe"):  # fmt: skip
        assert removed not in stored, removed
    assert "您好" in stored and 'href="https://xincheng.example/quote"' in stored

    client = Client(headers={"accept-language": "en"})
    client.force_login(rep)
    url = reverse("activities:timeline") + f"?opportunity={deal.pk}"
    timeline = client.get(url, headers={"hx-request": "true"}).content.decode()
    assert "报价" + ESCAPED[0] in timeline and "<script>" not in timeline
    detail_url = reverse("activities:activity_detail", args=[activity.pk])
    assert detail_url in timeline  # the entry opens the message
    detail = client.get(detail_url).content.decode()
    detail = detail.split('<article class="email"', 1)[1].split("</article>", 1)[0]
    assert '<div class="email-html"><p>您好</p>' in detail
    assert 'href="https://xincheng.example/quote"' in detail
    for raw in ("<script", "onerror", "javascript:", "onclick", "<iframe", "tracker.example"):
        assert raw not in detail, raw
