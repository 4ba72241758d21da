"""The fourteen steps of PRODUCT.md §2, each done through the pages as the seed's people do it,
each checking what the page shows and, where it proves the step, what the database holds.

李明 (manager) creates, assigns, logs, moves and slips; his rep 王强 is notified; 张悦
(executive) reads the forecast; the administrator changes the stages.
"""

import datetime
import email.utils
from decimal import Decimal
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import time_machine
from django.utils import timezone, translation
from playwright.sync_api import expect

from shangji.activities.delivery import reminders_sweep
from shangji.activities.models import Activity, Reminder
from shangji.contacts.models import Contact
from shangji.forecasting.models import Quota
from shangji.forecasting.periods import PeriodKind, period_of
from shangji.leads.models import Lead
from shangji.opportunities.models import (
    Competitor,
    Opportunity,
    OpportunityChange,
    OpportunityContact,
    Stage,
)
from shangji.users.models import Notification, Organization

from .driver import DETAIL_URL, SHANGHAI, Journey, add_months, local_field, local_now

DEAL = "新城百货合作项目"
ACCOUNT = "新城百货"
TIMELINE = "[data-testid=timeline-entries] > [data-testid=timeline-entry]"


class Cast:
    """The people and rows the steps share."""

    def __init__(self, journey: Journey, users: dict, stages: dict):
        self.journey = journey
        self.users = users
        self.stages = stages
        self.manager = None  # 李明's page
        self.executive = None  # 张悦's page
        self.deal: Opportunity | None = None
        self.first_close = add_months(journey.today, 2)
        self.slipped_close = add_months(journey.today, 3)

    @property
    def deal_url(self) -> str:
        return self.deal.get_absolute_url()

    def open_deal(self, page) -> None:
        if not page.url.endswith(self.deal_url):
            page.goto(self.journey.url(self.deal_url))
        expect(page.locator("h1")).to_have_text(DEAL)


def step_01_create(cast: Cast) -> None:
    """李明 creates the deal with a new account and a new contact from one form."""
    j, stages = cast.journey, cast.stages
    page = cast.manager = j.sign_in("liming")
    j.menu(page, "/opportunities/")
    j.submit(page, "main .toolbar a.button.primary[href='/opportunities/new/']")
    page.fill("#id_name", DEAL)
    page.click("[data-testid=new-account] summary")
    page.fill("#id_new_account_name", ACCOUNT)
    page.click("[data-testid=new-contact] summary")
    page.fill("#id_new_contact_last_name", "王")
    page.fill("#id_new_contact_first_name", "芳")
    page.fill("#id_new_contact_title", "采购经理")
    page.fill("#id_amount", "100000")
    page.select_option("#id_currency", "USD")
    page.fill("#id_close_date", cast.first_close.isoformat())
    page.select_option("#id_stage", str(stages["Prospecting"].pk))
    assert page.input_value("#id_probability") == ""  # left to the stage
    j.submit(page, "[data-testid=opportunity-form] button[type=submit]")
    page.wait_for_url(DETAIL_URL)

    cast.deal = deal = Opportunity.objects.get(name=DEAL)
    expect(page.locator("h1")).to_have_text(DEAL)
    expect(page.locator("[data-testid=current-stage]")).to_have_text(j.label(stages["Prospecting"]))
    expect(page.locator("[data-testid=amount]")).to_contain_text("100,000.00")
    expect(page.locator("[data-testid=owner]")).to_have_text("李明")
    expect(page.locator("dl.fields")).to_contain_text("10%")
    expect(page.locator("[data-testid=contact-roles] tbody tr")).to_have_count(1)
    expect(page.locator("[data-testid=contact-roles] tbody")).to_contain_text("王芳")
    expect(page.locator("main p.muted a").first).to_have_text(ACCOUNT)

    assert (deal.account.name, deal.amount, deal.currency_id) == (ACCOUNT, Decimal("100000"), "USD")
    assert (deal.stage, deal.probability, deal.close_date) == (
        stages["Prospecting"],
        10,
        cast.first_close,
    )
    assert deal.owner == deal.created_by == cast.users["liming"]
    link = OpportunityContact.objects.get(opportunity=deal)
    assert (link.contact.full_name, link.contact.account, link.role) == (
        "王芳",
        deal.account,
        "Primary Decision Maker",
    )
    j.shot(page, 1, "create")


def step_02_assign(cast: Cast) -> None:
    """李明 gives the deal to 王强, who finds the notification when he signs in."""
    j, page, rep = cast.journey, cast.manager, cast.users["wangqiang"]
    assign = "aside form[action$='/assign/']"
    page.select_option(f"{assign} select[name=owner]", str(rep.pk))
    j.submit(page, f"{assign} button[type=submit]")
    expect(page.locator("[data-testid=owner]")).to_have_text("王强")
    cast.deal.refresh_from_db()
    assert cast.deal.owner == rep
    notification = Notification.objects.get(recipient=rep)
    assert (notification.actor, notification.url, notification.read_at) == (
        cast.users["liming"],
        cast.deal_url,
        None,
    )
    j.shot(page, 2, "assign")

    rep_page = j.sign_in("wangqiang")
    expect(rep_page.locator("[data-testid=unread-count]")).to_have_text("1")
    j.submit(rep_page, ".usernav a.bell")
    entry = rep_page.locator(f"main tr.unread a[href='{cast.deal_url}']")
    expect(entry).to_have_count(1)
    j.shot(rep_page, 2, "assign-rep-notified")
    j.submit(rep_page, entry)
    expect(rep_page.locator("h1")).to_have_text(DEAL)
    expect(rep_page.locator("[data-testid=owner]")).to_have_text("王强")
    rep_page.context.close()
    j.contexts.remove(rep_page.context)


def _eml(path, sender: str) -> None:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "王芳 <wangfang@xinchengbaihuo.example>"
    message["Subject"] = "新城百货：秋冬新品资料"
    message["Date"] = email.utils.format_datetime(local_now() - datetime.timedelta(days=1))
    message["Message-ID"] = email.utils.make_msgid(domain="shangpin.example")
    message.set_content("王经理您好：\n\n附件是秋冬新品目录和报价，请查收。\n\n李明")
    message.add_attachment(
        "秋冬新品目录：羊绒大衣、真丝衬衫、针织开衫".encode(),
        maintype="text",
        subtype="plain",
        filename="catalogue.txt",
    )
    path.write_bytes(bytes(message))


def step_03_log_contacts(cast: Cast, tmp_path) -> None:
    """A call with its notes, a meeting scheduled then updated with the outcome, an e-mail."""
    j, page = cast.journey, cast.manager
    rep = cast.users["wangqiang"]
    wangfang = Contact.objects.get(last_name="王", first_name="芳")

    page.click("[data-testid=add-call] summary")
    page.fill("#id_call_subject", "与王芳电话：专柜位置")
    page.fill("#id_call_starts_at", local_field(-1, 10))
    page.select_option("#id_call_status", "held")
    page.fill("#id_call_duration_minutes", "30")
    page.fill("#id_call_body", "讨论了专柜位置和营销推广计划，王芳关心供货周期")
    page.click("[data-testid=form-call-submit]")
    expect(page.locator(f"{TIMELINE}[data-kind=call]")).to_contain_text("与王芳电话：专柜位置")

    page.click("[data-testid=add-meeting] summary")
    page.fill("#id_meeting_subject", "新城百货合作面谈")
    page.fill("#id_meeting_starts_at", local_field(-1, 14))
    page.fill("#id_meeting_ends_at", local_field(-1, 15, 30))
    page.fill("#id_meeting_location", "新城百货总部 3 楼会议室")
    page.select_option("#id_meeting_attendee_users", [str(rep.pk)])
    page.select_option("#id_meeting_attendee_contacts", [str(wangfang.pk)])
    page.fill("#id_meeting_body", "专柜位置；推广计划；供货与质量控制")
    page.click("[data-testid=form-meeting-submit]")
    expect(page.locator(f"{TIMELINE}[data-kind=meeting]")).to_have_count(1)
    meeting = Activity.objects.get(kind="meeting")
    assert meeting.status == "planned" and meeting.duration_minutes == 90
    assert meeting.location == "新城百货总部 3 楼会议室"
    assert {str(person) for person in meeting.participants.all()} == {"王强", "王芳"}

    # Afterwards: held, with what was agreed, edited in place.
    item = f"[data-testid=timeline-entry][data-activity-id='{meeting.pk}']"
    page.click(f"{item} [data-testid=activity-edit]")
    editing = f"[data-testid=timeline-edit][data-activity-id='{meeting.pk}']"
    page.select_option(f"{editing} select[name=status]", "held")
    agreed = "同意在二楼女装区设立专柜；两周内提交供应链管理报告"
    page.fill(f"{editing} textarea[name=minutes]", agreed)
    page.click(f"{editing} [data-testid=edit-save]")
    expect(page.locator(f"{item} [data-testid=meeting-minutes]")).to_contain_text(agreed)
    meeting.refresh_from_db()
    assert (meeting.status, meeting.minutes, meeting.version) == ("held", agreed, 2)
    call = Activity.objects.get(kind="call")
    assert (call.status, call.duration_minutes, call.opportunity) == ("held", 30, cast.deal)
    j.shot(page, 3, "call-and-meeting")

    # The product material sent from a mail client, saved by uploading the .eml.
    eml = tmp_path / f"product-material-{j.language}-{j.viewport}.eml"
    _eml(eml, "李明 <liming@shangpin.example>")
    j.submit(page, "[data-testid=mail-upload]")
    page.set_input_files("[data-testid=upload-form] input[type=file]", eml)
    j.submit(page, "[data-testid=upload-form] button[type=submit]")
    logged = page.locator("[data-testid=upload-results] tbody tr[data-status=imported]")
    expect(logged).to_have_count(1)
    j.shot(page, 3, "email-upload")
    j.submit(page, f"main a.button.primary[href='{cast.deal_url}']")
    expect(page.locator(f"{TIMELINE}[data-kind=email]")).to_contain_text("新城百货：秋冬新品资料")
    mail = Activity.objects.get(kind="email")
    assert (mail.subject, mail.opportunity, mail.account) == (
        "新城百货：秋冬新品资料",
        cast.deal,
        cast.deal.account,
    )
    assert [attachment.filename for attachment in mail.attachments.all()] == ["catalogue.txt"]
    j.shot(page, 3, "log")


def step_04_move_stage(cast: Cast) -> None:
    """Prospecting → Needs Analysis on the board (dragged on a desktop, the card's "move to"
    on a phone); 张悦 sees the new stage."""
    j, page, stages = cast.journey, cast.manager, cast.stages
    source, target = stages["Prospecting"], stages["Needs Analysis"]
    j.menu(page, "/opportunities/board/")
    card = f"[data-testid=card-{cast.deal.pk}]"
    expect(page.locator(f"[data-testid=column-{source.pk}] {card}")).to_have_count(1)
    if j.phone:
        page.select_option(f"{card} [data-testid=card-move]", str(target.pk))
    else:
        page.drag_and_drop(card, f"[data-testid=column-{target.pk}] [data-cards]")
    expect(page.locator(f"[data-testid=column-{target.pk}] {card}")).to_have_count(1)
    expect(page.locator("[data-testid=board-messages]")).to_contain_text(DEAL)
    count = page.locator(f"[data-testid=column-{target.pk}] [data-testid=column-count]")
    expect(count).to_have_text("1")
    cast.deal.refresh_from_db()
    assert (cast.deal.stage, cast.deal.probability) == (target, 25)
    j.shot(page, 4, "board-moved")

    executive = cast.executive = j.sign_in("zhangyue")
    j.menu(executive, "/opportunities/board/")
    expect(executive.locator(f"[data-testid=column-{target.pk}] {card}")).to_have_count(1)
    j.submit(executive, executive.locator(f"{card} a.board-card-name"))
    expect(executive.locator("[data-testid=current-stage]")).to_have_text(j.label(target))
    j.shot(executive, 4, "executive-sees-stage")


def step_05_note(cast: Cast) -> None:
    """A note with 王芳's concerns."""
    j, page = cast.journey, cast.manager
    cast.open_deal(page)
    page.click("[data-testid=add-note] summary")
    page.fill("#id_note_subject", "王芳的顾虑")
    page.fill("#id_note_body", "供应链：旺季能否按时补货；质量控制：面料检测报告和退换货标准")
    page.click("[data-testid=form-note-submit]")
    expect(page.locator(f"{TIMELINE}[data-kind=note]")).to_contain_text("王芳的顾虑")
    note = Activity.objects.get(kind="note")
    assert "质量控制" in note.body and note.opportunity == cast.deal
    j.shot(page, 5, "note")


def step_06_task(cast: Cast) -> None:
    """A task due next week for 王强 with a reminder a day before; the reminder fires."""
    j, page, rep = cast.journey, cast.manager, cast.users["wangqiang"]
    page.click("[data-testid=add-task] summary")
    page.fill("#id_task_subject", "准备供应链管理报告")
    due = local_field(7, 17)
    page.fill("#id_task_starts_at", due)
    page.select_option("#id_task_priority", "high")
    page.select_option("#id_task_owner", str(rep.pk))
    page.check("[data-testid=form-task] input[name=reminders][value='1440']")
    page.click("[data-testid=form-task-submit]")
    expect(page.locator(f"{TIMELINE}[data-kind=task]")).to_contain_text("准备供应链管理报告")
    expect(page.locator("[data-testid=planned-item][data-kind=task]")).to_have_count(1)
    j.shot(page, 6, "task")

    task = Activity.objects.get(kind="task")
    assert (task.owner, task.priority, task.status) == (rep, "high", "not_started")
    assert task.starts_at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M") == due
    reminder = Reminder.objects.get(activity=task)
    assert (reminder.recipient, reminder.minutes_before, reminder.status) == (
        rep,
        1440,
        "pending",
    )
    assert reminder.remind_at == task.starts_at - datetime.timedelta(days=1)
    # Its time comes (the worker's sweep, run here at that moment): 王强 is notified once.
    with time_machine.travel(reminder.remind_at + datetime.timedelta(minutes=1), tick=False):
        assert reminders_sweep() == 1
    reminder.refresh_from_db()
    assert reminder.status == "sent"
    assert Notification.objects.filter(recipient=rep, verb="reminder").count() == 1


def step_07_proposal_negotiation_slip(cast: Cast) -> None:
    """Proposal/Price Quote, then Negotiation/Review; the close date slips a month."""
    j, page, stages = cast.journey, cast.manager, cast.stages
    cast.open_deal(page)
    for name in ("Proposal/Price Quote", "Negotiation/Review"):
        stage = stages[name]
        j.submit(page, f"nav.stagebar form:has(input[name=stage][value='{stage.pk}']) button")
        expect(page.locator("[data-testid=current-stage]")).to_have_text(j.label(stage))
    expect(page.locator("dl.fields")).to_contain_text("80%")

    j.submit(page, f"main .toolbar a.button[href='{cast.deal_url}edit/']")
    expect(page.locator("#id_close_date")).to_have_value(cast.first_close.isoformat())
    page.fill("#id_close_date", cast.slipped_close.isoformat())
    saved_from = timezone.now()
    j.submit(page, "[data-testid=opportunity-form] button[type=submit]")
    page.wait_for_url(DETAIL_URL)

    before, after = j.short_date(cast.first_close), j.short_date(cast.slipped_close)
    slip = page.locator("[data-testid=history] tr").filter(
        has=page.locator("li", has_text=f"{before} → {after}")
    )
    expect(slip).to_have_count(1)
    expect(slip).to_contain_text("李明")
    expect(slip.locator(".pill.lost")).to_have_count(1)  # counted as a slip
    moves = f"{j.label(stages['Proposal/Price Quote'])} → {j.label(stages['Negotiation/Review'])}"
    expect(page.locator("[data-testid=history]")).to_contain_text(moves)

    change = OpportunityChange.objects.filter(opportunity=cast.deal).first()  # newest
    assert change.changed_fields == ["close_date"]
    assert (change.previous_close_date, change.close_date) == (
        cast.first_close,
        cast.slipped_close,
    )
    assert change.actor == cast.users["liming"] and change.close_date_slipped
    assert saved_from <= change.changed_at <= timezone.now()
    cast.deal.refresh_from_db()
    assert (cast.deal.stage, cast.deal.probability, cast.deal.forecast_category) == (
        stages["Negotiation/Review"],
        80,
        "commit",
    )
    j.shot(page, 7, "slip-history")


def step_08_forecast(cast: Cast) -> None:
    """李明 sets his team's quotas; 张悦 reads the forecast, the dashboard and the stages."""
    j, page, stages = cast.journey, cast.manager, cast.stages
    team, rep = cast.users["liming"].team, cast.users["wangqiang"]
    fiscal = Organization.objects.get().fiscal_year_start_month
    quarter = period_of(PeriodKind.QUARTER, cast.slipped_close, fiscal)

    # The close date is three months out: always the quarter after this one.
    assert quarter.start == period_of(PeriodKind.QUARTER, j.today, fiscal).following().start
    j.menu(page, "/forecast/")
    j.submit(page, "[data-testid=period-next]")
    expect(page.locator("[data-testid=period-label]")).to_have_text(period_label(j, quarter))
    j.submit(page, "[data-testid=quota-link]")
    page.fill(f"[data-testid=quota-team-{team.pk}]", "2000000")
    page.fill(f"[data-testid=quota-user-{rep.pk}]", "1000000")
    j.submit(page, "[data-testid=quota-save]")
    expect(page.locator("[data-testid=period-label]")).to_have_text(period_label(j, quarter))
    quotas = {
        (quota.team_id, quota.user_id): quota.amount
        for quota in Quota.objects.filter(period_kind="quarter", period_start=quarter.start)
    }
    assert quotas == {(team.pk, None): Decimal("2000000"), (None, rep.pk): Decimal("1000000")}
    j.shot(page, 8, "quotas")

    executive = cast.executive
    j.menu(executive, "/forecast/")
    j.submit(executive, "[data-testid=period-next]")
    expect(executive.locator("[data-testid=period-label]")).to_have_text(period_label(j, quarter))
    rep_row = executive.locator(f"[data-testid=forecast-rep][data-user='{rep.pk}']")
    # $100,000 at 7.1 is CNY 710,000, committed; 80 % of it weighted.
    for figure, value in {
        "quota": "1,000,000.00",
        "commit": "710,000.00",
        "weighted": "568,000.00",
        "closed_won": "0.00",
    }.items():
        expect(rep_row.locator(f"[data-figure={figure}]")).to_have_text(value)
    team_row = executive.locator(f"[data-testid=forecast-team][data-team='{team.pk}']")
    expect(team_row.locator("[data-figure=quota]")).to_have_text("2,000,000.00")
    month = executive.locator("[data-testid=forecast-months] tbody tr").filter(
        has_text=j.month(cast.slipped_close)
    )
    expect(month.locator("[data-figure=open_pipeline]")).to_contain_text("710,000.00")
    expect(month.locator("[data-figure=weighted]")).to_contain_text("568,000.00")
    expect(executive.locator("#report-chart[data-ready=true] canvas")).to_have_count(1)
    j.shot(executive, 8, "forecast-quarter")

    # The month alone: the deal's month holds the whole of it.
    executive.goto(j.url(f"/forecast/?period={cast.slipped_close:%Y-%m}"))
    expect(rep_row.locator("[data-figure=commit]")).to_have_text("710,000.00")
    expect(executive.locator("[data-testid=period-label]")).to_have_text(
        j.month(cast.slipped_close)
    )
    j.shot(executive, 8, "forecast-month")

    j.menu(executive, "/dashboard/")
    j.submit(executive, "[data-testid=period-next]")
    expect(executive.locator("[data-testid=period-label]")).to_have_text(period_label(j, quarter))
    team_line = executive.locator(f"[data-testid=dashboard-forecast] tr[data-team='{team.pk}']")
    expect(team_line).to_contain_text("2,000,000.00")
    expect(executive.locator("[data-testid=dashboard-deals]")).to_contain_text(DEAL)
    expect(executive.locator("[data-testid=dashboard-health]")).to_be_visible()
    expect(executive.locator("#report-chart[data-ready=true] canvas")).to_have_count(1)
    j.shot(executive, 8, "dashboard")

    j.menu(executive, "/reports/")
    j.submit(executive, "[data-testid=report-pipeline-by-stage]")
    negotiation = executive.locator("[data-testid=report-table] tbody tr").filter(
        has_text=j.label(stages["Negotiation/Review"])
    )
    expect(negotiation.locator("td")).to_have_text(
        [j.label(stages["Negotiation/Review"]), "80", "1", "710,000.00", "568,000.00"]
    )
    j.shot(executive, 8, "pipeline-by-stage")


def period_label(j: Journey, period) -> str:
    with translation.override(j.code):
        return str(period.label)


def step_09_list(cast: Cast) -> None:
    """The open opportunities, sorted by amount, then filtered by stage and owner."""
    j, page, stages = cast.journey, cast.manager, cast.stages
    rep = cast.users["wangqiang"]
    j.menu(page, "/opportunities/")
    page.select_option("#id_status", "open")
    j.submit(page, "#filters button.primary[type=submit]")
    names = page.locator("[data-testid=opportunity-table] tbody tr td:nth-child(2) > a")
    j.submit(page, "[data-testid=opportunity-table] th[data-column=amount] a")
    expect(names).to_have_text(["华东门店翻新", DEAL])
    j.submit(page, "[data-testid=opportunity-table] th[data-column=amount] a")
    expect(names).to_have_text([DEAL, "华东门店翻新"])
    j.shot(page, 9, "list-sorted")

    more = page.locator("#filters details.more-filters")
    if more.get_attribute("open") is None:
        more.locator("summary").click()
    page.select_option("#id_stage", [str(stages["Negotiation/Review"].pk)])
    page.select_option("#id_owner", [str(rep.pk)])
    j.submit(page, "#filters button.primary[type=submit]")
    query = parse_qs(urlsplit(page.url).query)
    assert query["stage"] == [str(stages["Negotiation/Review"].pk)]
    assert query["owner"] == [str(rep.pk)] and query["status"] == ["open"]
    rows = page.locator("[data-testid=opportunity-table] tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    for text in (
        DEAL,
        ACCOUNT,
        j.label(stages["Negotiation/Review"]),
        "100,000.00",
        j.short_date(cast.slipped_close),
    ):
        expect(row).to_contain_text(text)
    owner = row.locator("td").filter(has_text="王强")
    if j.phone:
        expect(owner).to_be_hidden()  # the owner column gives way on a phone
    else:
        expect(owner).to_be_visible()
    j.shot(page, 9, "list-filtered")


def step_10_stages(cast: Cast) -> None:
    """The administrator renames, adds, reorders and retires stages; the history stays."""
    j, stages = cast.journey, cast.stages
    pipeline = stages["Prospecting"].pipeline
    admin = j.sign_in("admin")
    j.menu(admin, "/settings/pipelines/")
    table = admin.locator(f"[data-testid=stages-{pipeline.pk}]")

    renamed = stages["Perception Analysis"]
    j.submit(admin, f"a[href='/settings/pipelines/stages/{renamed.pk}/edit/']")
    admin.fill("#id_name", "Solution Demo")
    admin.fill("#id_name_zh_hans", "方案演示")
    j.submit(admin, "main form.form button.primary[type=submit]")
    expect(table).to_contain_text("方案演示")

    j.submit(admin, f"a[href='/settings/pipelines/{pipeline.pk}/stages/new/']")
    admin.fill("#id_name", "Contract Signing")
    admin.fill("#id_name_zh_hans", "合同签署")
    admin.fill("#id_probability", "90")
    admin.select_option("#id_kind", "open")
    admin.select_option("#id_forecast_category", "commit")
    j.submit(admin, "main form.form button.primary[type=submit]")
    added = Stage.objects.get(name="Contract Signing")
    move_up = f"form[action='/settings/pipelines/stages/{added.pk}/move/']:has(input[value=up])"
    for _ in range(2):  # added last, after Closed Lost: up before Closed Won
        j.submit(admin, f"{move_up} button")

    retired = stages["Needs Analysis"]
    j.submit(admin, f"form[action='/settings/pipelines/stages/{retired.pk}/retire/'] button")
    expect(table.locator("tbody tr.retired")).to_have_count(1)
    expect(table.locator("tbody tr.retired")).to_contain_text("Needs Analysis")

    order = list(pipeline.stages.order_by("position").values_list("name", "is_active"))
    assert order == [
        ("Prospecting", True),
        ("Qualification", True),
        ("Needs Analysis", False),
        ("Value Proposition", True),
        ("Identifying Decision Makers", True),
        ("Solution Demo", True),
        ("Proposal/Price Quote", True),
        ("Negotiation/Review", True),
        ("Contract Signing", True),
        ("Closed Won", True),
        ("Closed Lost", True),
    ]
    english_names = table.locator("tbody tr td:nth-child(2)")
    expect(english_names).to_have_text([name for name, _ in order])
    j.shot(admin, 10, "stages")
    admin.context.close()
    j.contexts.remove(admin.context)

    # The deal's history still names the stage it passed through, retired or not.
    page = cast.manager
    page.goto(j.url(cast.deal_url))
    expect(page.locator("[data-testid=history]")).to_contain_text(
        f"{j.label(stages['Prospecting'])} → {j.label(retired)}"
    )
    assert OpportunityChange.objects.filter(opportunity=cast.deal, stage=retired).count() == 1
    expect(page.locator(f"nav.stagebar input[name=stage][value='{retired.pk}']")).to_have_count(0)
    expect(page.locator(f"nav.stagebar input[name=stage][value='{added.pk}']")).to_have_count(1)
    j.shot(page, 10, "history-intact")


CONTACTS = [
    ("李", "伟", "技术经理", "Technical Evaluator"),
    ("陈", "刚", "总经理", "Executive Sponsor"),
]


def step_11_contacts(cast: Cast) -> None:
    """Two more people at 新城百货 join the deal, each with a role."""
    j, page = cast.journey, cast.manager
    cast.open_deal(page)
    for family, given, title, role in CONTACTS:
        j.submit(page, f"main a[href='/contacts/new/?account={cast.deal.account_id}']")
        expect(page.locator("#id_account")).to_have_value(str(cast.deal.account_id))
        page.fill("#id_last_name", family)
        page.fill("#id_first_name", given)
        page.fill("#id_title", title)
        j.submit(page, "main form.form button.primary[type=submit]")
        contact = Contact.objects.get(last_name=family, first_name=given)
        page.goto(j.url(cast.deal_url))
        page.select_option("form.add-row select[name=contact]", str(contact.pk))
        page.select_option("form.add-row select[name=role]", role)
        j.submit(page, "form.add-row button[type=submit]")
        row = page.locator("[data-testid=contact-roles] tbody tr").filter(
            has_text=f"{family}{given}"
        )
        expect(row.locator("select[name=role]")).to_have_value(role)
    expect(page.locator("[data-testid=contact-roles] tbody tr")).to_have_count(3)
    roles = {
        link.contact.full_name: link.role
        for link in OpportunityContact.objects.filter(opportunity=cast.deal)
    }
    assert roles == {
        "王芳": "Primary Decision Maker",
        "李伟": "Technical Evaluator",
        "陈刚": "Executive Sponsor",
    }
    j.shot(page, 11, "contacts-roles")


COMPETITORS = [
    ("锦绣服饰", "价格低，门店多", "面料质量不稳定，交期常延误"),
    ("江南织造", "品牌知名度高", "款式更新慢，起订量大"),
]


def step_12_competitors(cast: Cast) -> None:
    """The competitors, with their strengths and weaknesses."""
    j, page = cast.journey, cast.manager
    add = page.locator("details:has(form[action$='/competitors/'])")
    for name, strengths, weaknesses in COMPETITORS:
        add.locator("summary").click()
        page.fill("#id_name", name)
        page.fill("#id_strengths", strengths)
        page.fill("#id_weaknesses", weaknesses)
        j.submit(page, add.locator("button[type=submit]"))
    listed = page.locator(".competitor")
    expect(listed).to_have_count(2)
    for name, strengths, weaknesses in COMPETITORS:
        shown = listed.filter(has=page.locator(f"input[name=name][value='{name}']"))
        expect(shown.locator("textarea[name=strengths]")).to_have_value(strengths)
        expect(shown.locator("textarea[name=weaknesses]")).to_have_value(weaknesses)
    stored = list(
        Competitor.objects.filter(opportunity=cast.deal)
        .order_by("name")
        .values_list("name", "strengths", "weaknesses")
    )
    assert stored == sorted(COMPETITORS)
    j.shot(page, 12, "competitors")


BAR_CENTRE = """(label) => {
  const chart = echarts.getInstanceByDom(document.getElementById("report-chart"));
  const payload = JSON.parse(document.getElementById("report-data").textContent);
  const index = payload.categories.indexOf(label);
  const bar = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(index);
  return [bar.x + bar.width / 2, bar.y + bar.height / 2];
}"""

CHART_DRAWN = """() => {
  const element = document.getElementById("report-chart");
  const chart = element && element.dataset.ready === "true" && echarts.getInstanceByDom(element);
  return Boolean(chart) && chart.getZr().animation.isFinished();
}"""


def _open_report(j: Journey, page, slug: str, number: int, name: str):
    if page.url.endswith("/reports/"):
        j.submit(page, f"[data-testid=report-{slug}]")
    else:
        page.goto(j.url(f"/reports/{slug}/"))
    expect(page.locator("#report-chart canvas")).to_have_count(1)
    page.wait_for_function(CHART_DRAWN)
    j.shot(page, number, name)
    return page.locator("[data-testid=report-table]")


def step_13_reports(cast: Cast) -> None:
    """By stage (and a bar drilled into), by close date, time in stage, reps, win rate."""
    j, page, stages = cast.journey, cast.manager, cast.stages
    negotiation = stages["Negotiation/Review"]

    j.menu(page, "/reports/")
    _open_report(j, page, "pipeline-by-stage", 13, "report-by-stage")
    chart = page.locator("#report-chart")
    chart.scroll_into_view_if_needed()
    x, y = page.evaluate(BAR_CENTRE, j.label(negotiation))
    box = chart.bounding_box()  # where the chart is in the window, as taps and clicks count
    with page.expect_navigation():
        if j.phone:
            page.touchscreen.tap(box["x"] + x, box["y"] + y)
        else:
            page.mouse.click(box["x"] + x, box["y"] + y)
    assert parse_qs(urlsplit(page.url).query) == {
        "stage": [str(negotiation.pk)],
        "status": ["open"],
    }
    rows = page.locator("[data-testid=opportunity-table] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(DEAL)
    j.shot(page, 13, "report-drilldown")

    table = _open_report(j, page, "outcome-by-month", 13, "report-by-close-month")
    expect(table).to_contain_text(j.month(cast.slipped_close))

    table = _open_report(j, page, "time-in-stage", 13, "report-time-in-stage")
    for name in ("Prospecting", "Proposal/Price Quote", "Negotiation/Review"):
        expect(table).to_contain_text(j.label(stages[name]))

    table = _open_report(j, page, "leaderboard", 13, "report-leaderboard")
    expect(table.locator("tbody tr").filter(has_text="王强")).to_have_count(1)
    expect(table.locator("tbody tr").filter(has_text="陈静")).to_have_count(1)

    table = _open_report(j, page, "win-rate", 13, "report-win-rate")
    expect(table.locator("tbody tr")).not_to_have_count(0)
    drawn = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('report-chart'))"
        ".getOption().series.map((series) => series.type)"
    )
    assert drawn == ["line", "bar", "bar"]


def step_14_lead(cast: Cast) -> None:
    """A trade-show card becomes an account, a contact and an opportunity in one step."""
    j, page = cast.journey, cast.manager
    j.menu(page, "/leads/")
    j.submit(page, "main .toolbar a.button.primary[href='/leads/new/']")
    page.fill("#id_last_name", "周")
    page.fill("#id_first_name", "建华")
    page.fill("#id_company", "杭州丝路纺织有限公司")
    page.fill("#id_title", "销售总监")
    page.fill("#id_email", "zhoujianhua@silkroad.example")
    page.select_option("#id_source", "Trade Show")
    page.fill("#id_description", "上海服装展交换的名片，想为秋冬女装供应真丝面料")
    j.submit(page, "[data-testid=lead-form] button.primary[type=submit]")
    lead = Lead.objects.get(last_name="周")
    expect(page.locator("[data-testid=lead-name]")).to_have_text("周建华 · 杭州丝路纺织有限公司")

    j.submit(page, "[data-testid=lead-convert]")
    expect(page.locator("#id_new_account_name")).to_have_value("杭州丝路纺织有限公司")
    expect(page.locator("#id_new_contact_last_name")).to_have_value("周")
    expect(page.locator("#id_create_opportunity")).to_be_checked()
    page.fill("#id_opportunity_name", "丝路纺织 秋冬女装面料")
    page.fill("#id_opportunity_amount", "150000")
    close = add_months(j.today, 1)
    page.fill("#id_opportunity_close_date", close.isoformat())
    j.shot(page, 14, "lead-convert-form")
    j.submit(page, "[data-testid=convert-submit]")
    page.wait_for_url(DETAIL_URL)

    expect(page.locator("h1")).to_have_text("丝路纺织 秋冬女装面料")
    expect(page.locator("[data-testid=contact-roles] tbody")).to_contain_text("周建华")
    deal = Opportunity.objects.get(name="丝路纺织 秋冬女装面料")
    lead.refresh_from_db()
    assert (lead.status, lead.converted_opportunity) == ("Converted", deal)
    assert (deal.account.name, deal.lead_source, deal.close_date, deal.amount) == (
        "杭州丝路纺织有限公司",
        "Trade Show",
        close,
        Decimal("150000"),
    )
    assert [link.contact.full_name for link in deal.contact_roles.all()] == ["周建华"]
    assert lead.converted_contact.account == deal.account
    j.shot(page, 14, "lead-converted")
