"""Reminders are delivered by the task worker: on time, exactly once, moved and cancelled.

The clock-controlled tests run the worker's own task runner in this process; the tests at the
end start real `shangji worker` processes against a database of their own.
"""

import contextlib
import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from shangji.activities.delivery import reminder_deliver, reminders_sweep, stale_claim
from shangji.activities.models import Reminder
from shangji.activities.services import (
    activity_complete,
    activity_create,
    activity_delete,
    activity_update,
)
from shangji.activities.tasks import enqueue_reminders
from shangji.users.models import Notification

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 12, 1, 5, 0, tzinfo=datetime.UTC)  # 13:00 in Shanghai
MINUTE = datetime.timedelta(minutes=1)


def run_worker() -> int:
    """Run every ready task the way `db_worker` does, without its connection handling (which
    would close the test's transaction); returns how many ran."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while True:
        with transaction.atomic():
            result = DBTaskResult.objects.ready().get_locked()
            if result is None:
                return ran
            result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def schedule(make_opportunity, team_users, django_capture_on_commit_callbacks):
    """Create or move an activity through the services, running the on-commit enqueueing."""
    rep = team_users["wangqiang"]
    opportunity = make_opportunity(owner=rep)

    def create(kind="call", starts_in=60, reminders=(15,), **fields):
        fields.setdefault("subject", "周例会电话")
        with django_capture_on_commit_callbacks(execute=True):
            return activity_create(
                actor=rep,
                kind=kind,
                opportunity=opportunity,
                starts_at=timezone.now() + starts_in * MINUTE,
                reminders=list(reminders),
                **fields,
            )

    def update(activity, **changes):
        with django_capture_on_commit_callbacks(execute=True):
            return activity_update(
                activity=activity, actor=rep, version=activity.version, **changes
            )

    return create, update


def notifications(user=None):
    found = Notification.objects.filter(verb="reminder")
    return list(found.filter(recipient=user) if user else found)


def test_fires_once_at_its_time_and_not_before(clock, schedule, team_users):
    create, _update = schedule
    rep = team_users["wangqiang"]
    call = create(starts_in=60, reminders=[15])
    reminder = call.reminders.get()
    assert reminder.remind_at == T0 + 45 * MINUTE
    assert DBTaskResult.objects.count() == 1

    clock.move_to(T0 + 44 * MINUTE + datetime.timedelta(seconds=59))
    assert run_worker() == 0 and reminders_sweep() == 0
    assert notifications() == []

    clock.move_to(T0 + 45 * MINUTE)
    assert run_worker() == 1
    reminder.refresh_from_db()
    assert (reminder.status, reminder.sent_at) == ("sent", T0 + 45 * MINUTE)
    [notification] = notifications(rep)
    assert notification.url == f"{call.opportunity.get_absolute_url()}#activity-{call.pk}"
    assert notification.params["kind"] == "call"
    with timezone.override(datetime.timezone(datetime.timedelta(hours=8))):
        assert notification.text == "Reminder: call “周例会电话” at 14:00"
    with timezone.override(datetime.UTC):
        assert notification.text == "Reminder: call “周例会电话” at 06:00"
    clock.move_to(T0 - datetime.timedelta(days=1))
    with timezone.override(datetime.UTC):
        assert notification.text == "Reminder: call “周例会电话” at December 1 06:00"
    clock.move_to(T0 + 46 * MINUTE)

    # A duplicate task, the sweep and a second delivery attempt change nothing.
    enqueue_reminders([(reminder.pk, reminder.remind_at)])
    assert run_worker() == 1
    assert reminders_sweep() == 0
    assert reminder_deliver(reminder_id=reminder.pk) is False
    assert len(notifications()) == 1
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_meeting_invitees_are_reminded_too(clock, schedule, team_users):
    create, _update = schedule
    manager = team_users["liming"]
    create(kind="meeting", subject="与王芳面谈", attendee_users=[manager], reminders=[15, 60])
    clock.move_to(T0 + 45 * MINUTE)
    assert run_worker() == 4
    assert {n.recipient.username for n in notifications()} == {"wangqiang", "liming"}
    assert len(notifications()) == 4
    assert not Reminder.objects.exclude(status="sent").exists()


def test_moved_reminders_fire_at_the_new_time_only(clock, schedule):
    create, update = schedule
    later = create(starts_in=60, reminders=[15])  # 05:45 → moved to 06:45
    earlier = create(starts_in=180, reminders=[15], subject="提前")  # 07:45 → moved to 05:15
    later = update(later, starts_at=T0 + 120 * MINUTE)
    earlier = update(earlier, starts_at=T0 + 30 * MINUTE)
    assert DBTaskResult.objects.count() == 4

    clock.move_to(T0 + 15 * MINUTE)
    run_worker()
    assert [n.params["subject"] for n in notifications()] == ["提前"]
    clock.move_to(T0 + 45 * MINUTE)  # the old time of `later`: its old task finds nothing
    run_worker()
    assert len(notifications()) == 1
    assert later.reminders.get().status == "pending"
    clock.move_to(T0 + 105 * MINUTE)
    run_worker()
    assert len(notifications()) == 2
    clock.move_to(T0 + 165 * MINUTE)  # the old time of `earlier`: already sent
    run_worker()
    reminders_sweep()
    assert sorted(n.params["subject"] for n in notifications()) == ["周例会电话", "提前"]


def test_a_sent_reminder_moved_ahead_fires_again_at_the_new_time(clock, schedule):
    create, update = schedule
    call = create(starts_in=20, reminders=[15])
    clock.move_to(T0 + 5 * MINUTE)
    run_worker()
    assert len(notifications()) == 1
    call = update(call, starts_at=T0 + 60 * MINUTE)  # postponed: a new reminder is due
    assert call.reminders.get().status == "pending"
    clock.move_to(T0 + 45 * MINUTE)
    run_worker()
    assert len(notifications()) == 2


def test_cancelled_and_deleted_reminders_never_fire(clock, schedule, team_users):
    create, _update = schedule
    rep = team_users["wangqiang"]
    task = create(kind="task", subject="准备供应链报告", reminders=[15, 30])
    call = create(reminders=[15])
    activity_complete(activity=task, actor=rep, version=task.version)
    activity_delete(activity=call, actor=rep)
    clock.move_to(T0 + 2 * 60 * MINUTE)
    assert run_worker() == 3
    assert reminders_sweep() == 0
    assert notifications() == []
    assert set(Reminder.objects.values_list("status", flat=True)) == {"cancelled"}
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_the_sweep_delivers_reminders_whose_task_was_lost(clock, schedule):
    create, _update = schedule
    create(starts_in=60, reminders=[15, 30])
    DBTaskResult.objects.all().delete()  # e.g. a restored database without its task rows
    clock.move_to(T0 + 40 * MINUTE)
    assert run_worker() == 0
    assert reminders_sweep() == 1
    clock.move_to(T0 + 50 * MINUTE)
    assert reminders_sweep() == 1
    assert reminders_sweep() == 0
    assert len(notifications()) == 2


def test_stale_claims_go_back_to_pending_and_fresh_ones_are_left_alone(clock, schedule):
    create, _update = schedule
    first = create(starts_in=10, reminders=[1]).reminders.get()
    second = create(starts_in=10, reminders=[5]).reminders.get()
    # Two workers claimed these and died before delivering (nothing was committed but the claim).
    Reminder.objects.filter(pk=first.pk).update(status="sending", claimed_at=T0 - stale_claim())
    Reminder.objects.filter(pk=second.pk).update(status="sending", claimed_at=T0 + 9 * MINUTE)
    clock.move_to(T0 + 10 * MINUTE)
    assert run_worker() == 2  # their tasks run but find the rows claimed
    assert notifications() == []
    assert reminders_sweep() == 1  # the first claim is stale: released and delivered
    assert {r.pk: r.status for r in Reminder.objects.all()} == {
        first.pk: "sent",
        second.pk: "sending",
    }
    clock.move_to(T0 + 10 * MINUTE + stale_claim() + MINUTE)
    assert reminders_sweep() == 1
    assert len(notifications()) == 2


def test_a_lost_claim_rolls_the_notification_back(clock, schedule, monkeypatch):
    """If the row is moved or taken back between the claim and the commit, nothing is shown."""
    from shangji.activities import delivery

    create, _update = schedule
    reminder = create(starts_in=15, reminders=[15]).reminders.get()
    real_claim = delivery._claim

    def claim_then_lose_it(reminder_id, now):
        claimed = real_claim(reminder_id, now)
        Reminder.objects.filter(pk=reminder_id).update(status="pending", claimed_at=None)
        return claimed

    monkeypatch.setattr(delivery, "_claim", claim_then_lose_it)
    assert reminder_deliver(reminder_id=reminder.pk) is False
    assert notifications() == []
    monkeypatch.undo()
    assert reminder_deliver(reminder_id=reminder.pk) is True
    assert len(notifications()) == 1


def test_email_goes_out_in_the_recipients_language_and_time_zone(
    clock, schedule, team_users, settings
):
    settings.SITE_URL = "https://crm.example.com/"
    create, _update = schedule
    rep = team_users["wangqiang"]
    rep.email, rep.language, rep.time_zone = "wq@example.com", "en", "Europe/Berlin"
    rep.save()
    call = create(starts_in=60, reminders=[15], location="新城百货总部")
    clock.move_to(T0 + 45 * MINUTE)
    with translation.override("zh-hans"):
        run_worker()
    [message] = mail.outbox
    assert message.to == ["wq@example.com"]
    assert message.subject == "Reminder: call “周例会电话” at 07:00"
    assert "Location: 新城百货总部" in message.body and "Opportunity: Deal" in message.body
    assert f"https://crm.example.com/opportunities/{call.opportunity_id}/#activity-" in message.body
    reminder = Reminder.objects.get()
    assert reminder.email_sent_at == T0 + 45 * MINUTE and reminder.last_error == ""


def test_a_deactivated_recipient_is_skipped_and_the_others_are_not(clock, schedule, team_users):
    create, _update = schedule
    manager = team_users["liming"]
    create(kind="meeting", subject="季度评审", attendee_users=[manager], reminders=[15])
    manager.is_active = False
    manager.save()
    clock.move_to(T0 + 45 * MINUTE)
    assert run_worker() == 2
    assert [n.recipient.username for n in notifications()] == ["wangqiang"]
    assert Reminder.objects.get(recipient=manager).status == "cancelled"


def test_no_address_means_no_email_and_no_error(clock, schedule):
    create, _update = schedule
    create(starts_in=15, reminders=[15])
    run_worker()
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.email_sent_at, reminder.last_error) == ("sent", None, "")
    assert mail.outbox == []


# --- real SMTP on loopback ---------------------------------------------------------------


class RecordingHandler:
    """An SMTP server that refuses mailboxes starting with "broken" and keeps the rest."""

    def __init__(self):
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("broken"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def smtp_mailers(port: int) -> dict:
    backend = "django.core.mail.backends.smtp.EmailBackend"
    options = {"host": "127.0.0.1", "port": port, "timeout": 5}
    return {"default": {"BACKEND": backend, "OPTIONS": options}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.MAILERS = smtp_mailers(controller.port)  # what EMAIL_URL=smtp://127.0.0.1:port sets
    yield handler
    controller.stop()


def _invite_everyone(schedule, team_users, addresses):
    create, _update = schedule
    invited = []
    for username, address in addresses.items():
        user = team_users[username]
        user.email = address
        user.save()
        if username != "wangqiang":
            invited.append(user)
    return create(kind="meeting", subject="季度评审", attendee_users=invited, reminders=[15])


def test_a_refused_mailbox_does_not_stop_the_others(clock, schedule, team_users, smtp_server):
    addresses = {
        "wangqiang": "wq@example.com",
        "liming": "broken-liming@example.com",
        "chenjing": "cj@example.com",
    }
    _invite_everyone(schedule, team_users, addresses)
    clock.move_to(T0 + 45 * MINUTE)
    assert run_worker() == 3
    delivered = sorted(address for e in smtp_server.envelopes for address in e.rcpt_tos)
    assert delivered == ["cj@example.com", "wq@example.com"]
    assert "季度评审" in smtp_server.envelopes[0].content.decode()
    reminders = {r.recipient.username: r for r in Reminder.objects.select_related("recipient")}
    assert {name: r.status for name, r in reminders.items()} == dict.fromkeys(addresses, "sent")
    assert "SMTPRecipientsRefused" in reminders["liming"].last_error
    assert reminders["liming"].email_sent_at is None
    assert reminders["chenjing"].email_sent_at and reminders["wangqiang"].email_sent_at
    assert len(notifications()) == 3  # the in-app part reached everyone


def test_an_smtp_server_that_is_down_blocks_nothing(clock, schedule, team_users, settings):
    settings.MAILERS = smtp_mailers(_free_port())  # nobody listens there
    _invite_everyone(schedule, team_users, {"wangqiang": "wq@example.com", "liming": "lm@x.cn"})
    clock.move_to(T0 + 45 * MINUTE)
    assert reminders_sweep() == 2
    assert len(notifications()) == 2
    errors = list(Reminder.objects.values_list("last_error", flat=True))
    assert all("ConnectionRefusedError" in error for error in errors)


# --- real worker processes -----------------------------------------------------------------

HELPER = r'''
"""Runs in its own process against the workers' database: python helper.py COMMAND JSON."""
import datetime, json, os, sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shangji.config.settings")
import django

django.setup()
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from shangji.accounts.models import Account
from shangji.accounts.services import account_create
from shangji.activities.models import Reminder
from shangji.activities.services import activity_create
from shangji.activities.tasks import enqueue_reminders
from shangji.users.models import Notification, User
from shangji.users.services import user_create


def rep():
    user = User.objects.filter(username="worker-rep").first()
    return user or user_create(username="worker-rep", password="x", check_password=False)


def schedule(count, due_in, label):
    user = rep()
    account = Account.objects.filter(name="Workers Ltd").first() or account_create(
        actor=user, name="Workers Ltd"
    )
    due = timezone.now() + datetime.timedelta(seconds=due_in)
    with transaction.atomic():  # the tasks are enqueued when this commits
        calls = [
            activity_create(
                actor=user,
                kind="call",
                account=account,
                subject=f"{label}-{n}",
                starts_at=due + datetime.timedelta(minutes=1),
                reminders=[1],
            )
            for n in range(count)
        ]
    return [call.reminders.get().pk for call in calls]


def enqueue_again(ids):
    enqueue_reminders([(r.pk, r.remind_at) for r in Reminder.objects.filter(pk__in=ids)])


def drop_tasks(ids):
    for task in DBTaskResult.objects.filter(task_path__endswith="deliver_reminder"):
        if task.args_kwargs["args"][0] in ids:
            task.delete()


def status(ids):
    tasks = [
        t for t in DBTaskResult.objects.filter(task_path__endswith="deliver_reminder")
        if t.args_kwargs["args"][0] in ids
    ]
    reminders = []
    for reminder in Reminder.objects.filter(pk__in=ids):
        shown = Notification.objects.filter(
            recipient=reminder.recipient_id, verb="reminder", params__activity=reminder.activity_id
        ).count()
        reminders.append({
            "id": reminder.pk,
            "status": reminder.status,
            "remind_at": reminder.remind_at.isoformat(),
            "sent_at": reminder.sent_at and reminder.sent_at.isoformat(),
            "notifications": shown,
        })
    return {
        "reminders": reminders,
        "task_statuses": sorted({t.status for t in tasks}),
        "workers": sorted({w for t in tasks for w in t.worker_ids}),
    }


command, arguments = sys.argv[1], json.loads(sys.argv[2])
print(json.dumps(globals()[command](**arguments)))
'''


@pytest.fixture(scope="module")
def worker_env(tmp_path_factory):
    """A database of the workers' own (migrated), reached only through processes: the test
    database lives inside a transaction the workers could not see."""
    import psycopg

    home = tmp_path_factory.mktemp("worker-home")
    env = {**os.environ, "SHANGJI_HOME": str(home), "LC_ALL": "C.UTF-8", "DATABASE_URL": ""}
    url = os.environ.get("DATABASE_URL", "")
    server = name = None
    if url.startswith("postgres"):
        parts = urlsplit(url)
        name = parts.path.lstrip("/") + "_workers"
        server = parts._replace(path="/postgres").geturl()
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = parts._replace(path="/" + name).geturl()
    subprocess.run([*SHANGJI, "manage", "migrate", "-v0"], env=env, check=True)
    (home / "helper.py").write_text(HELPER)
    yield env
    if server:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


SHANGJI = [sys.executable, "-m", "shangji.cli"]


def helper(env, command, **arguments):
    script = Path(env["SHANGJI_HOME"]) / "helper.py"
    done = subprocess.run(
        [sys.executable, str(script), command, json.dumps(arguments)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def workers(env, count=1):
    """`shangji worker` processes, stopped (SIGTERM, as on a restart) when the block ends;
    their output goes to worker-N.log in SHANGJI_HOME."""
    home = Path(env["SHANGJI_HOME"])
    first = len(list(home.glob("worker-*.log")))
    command = [*SHANGJI, "worker", "--interval", "0.2", "--sweep-interval", "1"]
    with contextlib.ExitStack() as stack:
        logs = [
            stack.enter_context((home / f"worker-{first + n}.log").open("w")) for n in range(count)
        ]
        processes = [
            subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT) for log in logs
        ]
        try:
            yield processes
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    assert [process.returncode for process in processes] == [0] * count


def wait_until_sent(env, ids, timeout=90):
    deadline = time.monotonic() + timeout
    while True:
        state = helper(env, "status", ids=ids)
        if all(r["status"] == "sent" for r in state["reminders"]):
            return state
        assert time.monotonic() < deadline, state
        time.sleep(0.5)


def test_workers_deliver_on_time_and_again_after_a_restart(worker_env):
    before = helper(worker_env, "schedule", count=3, due_in=4, label="before-restart")
    with workers(worker_env):
        state = wait_until_sent(worker_env, before)
    for reminder in state["reminders"]:  # not before its time
        assert reminder["sent_at"] >= reminder["remind_at"]

    # While no worker runs: some reminders fall due, and two lose their task row.
    while_down = helper(worker_env, "schedule", count=3, due_in=1, label="while-down")
    lost = helper(worker_env, "schedule", count=2, due_in=0, label="task-lost")
    helper(worker_env, "drop_tasks", ids=lost)
    time.sleep(2)
    waiting = helper(worker_env, "status", ids=while_down + lost)["reminders"]
    assert {r["status"] for r in waiting} == {"pending"}

    with workers(worker_env):
        wait_until_sent(worker_env, while_down + lost, timeout=60)
        time.sleep(1.5)  # a sweep and the remaining tasks run again: nothing more is sent
    final = helper(worker_env, "status", ids=before + while_down + lost)
    assert [r["notifications"] for r in final["reminders"]] == [1] * 8
    assert final["task_statuses"] == ["SUCCESSFUL"]


def test_two_workers_deliver_each_reminder_exactly_once(worker_env):
    ids = helper(worker_env, "schedule", count=60, due_in=3, label="race")
    helper(worker_env, "enqueue_again", ids=ids)  # two tasks per reminder, as after a move
    with workers(worker_env, count=2):
        wait_until_sent(worker_env, ids)
        time.sleep(2)  # every task has run and both sweeps went by: any double would show
        final = helper(worker_env, "status", ids=ids)
    assert sorted(r["notifications"] for r in final["reminders"]) == [1] * 60
    assert final["task_statuses"] == ["SUCCESSFUL"]
    assert len(final["workers"]) == 2  # both processes took tasks: they really raced
