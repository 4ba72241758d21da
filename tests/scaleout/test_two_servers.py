"""Past one process: two `shangji serve` instances and two workers on one database, driven
together. Every write lands once whichever server takes it, a session made on one server works
on the other, and two workers never deliver a reminder twice."""

import threading
import uuid

from tests.served import (
    BrowserUser,
    Server,
    api_key,
    query,
    served_demo,
    start_worker,
    stop_group,
    wait_for,
)


def test_two_servers_and_two_workers_share_one_database(tmp_path):
    with served_demo(tmp_path, extra_env={"REMINDER_STALE_CLAIM_SECONDS": "3"}) as (first, env):
        second = Server(env, workers=2, log=tmp_path / "serve-2.log").start()
        workers = [start_worker(env, tmp_path / f"worker-{n}.log") for n in (1, 2)]
        try:
            # A session made on one server is good on the other (sessions live in the database).
            browser = BrowserUser(first, "liming")
            browser.server = second
            status, _headers, body = browser.get("/opportunities/")
            assert status == 200 and "新城百货合作项目" in body.decode()

            # Writes sent to both servers at once: each lands exactly once.
            key = api_key(env, "wangqiang")
            account = query(
                env,
                "from shangji.accounts.models import Account\n"
                "result = Account.objects.filter(owner__username='wangqiang').first().pk",
            )
            made, lock = [], threading.Lock()

            def create(server, number):
                name = f"双机测试 {number}"
                status, _h, _b = server.request(
                    "POST",
                    "/api/v1/activities",
                    body={"kind": "note", "subject": name, "account": account},
                    headers={
                        "Authorization": f"Bearer {key}",
                        "Idempotency-Key": str(uuid.uuid4()),
                    },
                )
                assert status == 201
                with lock:
                    made.append(name)

            threads = [
                threading.Thread(target=create, args=((first, second)[n % 2], n)) for n in range(40)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert len(made) == 40
            stored = query(
                env,
                "from django.db.models import Count\n"
                "from shangji.activities.models import Activity\n"
                "rows = Activity.objects.filter(subject__startswith='双机测试')\n"
                "doubled = rows.values('subject').annotate(n=Count('id')).filter(n__gt=1)\n"
                "result = [rows.count(), doubled.count()]",
            )
            assert stored == [40, 0]

            # 60 reminders fall due at once; both workers race for them.
            query(
                env,
                "import datetime\n"
                "from django.utils import timezone\n"
                "from shangji.accounts.models import Account\n"
                "from shangji.activities.services import activity_create\n"
                "from shangji.users.models import User\n"
                "rep = User.objects.get(username='wangqiang')\n"
                "account = Account.objects.filter(owner=rep).first()\n"
                "soon = timezone.now() + datetime.timedelta(minutes=10)\n"
                "for n in range(60):\n"
                "    activity_create(actor=rep, kind='task', subject=f'双机提醒 {n}',"
                " starts_at=soon, account=account, reminders=[15])\n"
                "result = 0",
            )
            counts = (
                "from django.db.models import Count\n"
                "from shangji.activities.models import Reminder\n"
                "from shangji.users.models import Notification\n"
                "ours = Reminder.objects.filter(activity__subject__startswith='双机提醒')\n"
                "ids = list(ours.values_list('activity_id', flat=True))\n"
                "notes = Notification.objects.filter(verb='reminder', params__activity__in=ids)\n"
                "per = notes.values('params__activity').annotate(n=Count('id')).filter(n__gt=1)\n"
                "result = [ours.filter(status='sent').count(), notes.count(), per.count()]"
            )
            wait_for(lambda: query(env, counts)[0] == 60, timeout=240)
            assert query(env, counts) == [60, 60, 0]
        finally:
            for worker in workers:
                stop_group(worker)
            second.stop()
        for log in [first.log_path, second.log_path]:
            text = log.read_text(errors="replace")
            assert "Traceback" not in text and "database is locked" not in text
