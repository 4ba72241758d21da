"""Crashes at unlucky moments, with real processes: the web server killed with SIGKILL while
clients write, the worker killed in the middle of an import and of a batch of reminders, and
(PostgreSQL) every database connection cut while clients write. Afterwards: no half-written
record, no acknowledged write lost, nothing sent twice, and the work goes on."""

import json
import os
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.served import (
    ApiUser,
    Server,
    api_key,
    kill_group,
    query,
    served_demo,
    start_worker,
    stop_group,
    wait_for,
)


class Writers:
    """Threads creating opportunities through the API, each with its own Idempotency-Key,
    retrying through connection errors and 5xx until the server acknowledges it."""

    def __init__(self, server_ref: list, key: str, stage: int, account: int, tag: str):
        self.server_ref, self.key, self.stage, self.account, self.tag = (
            server_ref,
            key,
            stage,
            account,
            tag,
        )
        self.acknowledged: list[str] = []
        self.retries = 0
        self.lock = threading.Lock()

    def create(self, name: str) -> None:
        body = {
            "name": name,
            "account": self.account,
            "amount": "1234.50",
            "currency": "CNY",
            "close_date": "2027-03-31",
            "stage": self.stage,
        }
        headers = {"Authorization": f"Bearer {self.key}", "Idempotency-Key": str(uuid.uuid4())}
        deadline = time.monotonic() + 180  # a crashed server's in-flight locks last a minute
        while time.monotonic() < deadline:
            try:
                status, _headers, _raw = self.server_ref[0].request(
                    "POST", "/api/v1/opportunities", body=body, headers=headers, timeout=15
                )
            except OSError:
                status = None
            if status == 201:
                with self.lock:
                    self.acknowledged.append(name)
                return
            assert status in (None, 409, 500, 502, 503), status  # 409: the same key in flight
            with self.lock:
                self.retries += 1
            time.sleep(0.3)
        raise AssertionError(f"{name} never acknowledged")

    def run(self, threads: int, each: int) -> list[threading.Thread]:
        def work(number):
            for n in range(each):
                self.create(f"{self.tag} {number}-{n}")

        started = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        for thread in started:
            thread.start()
        return started


def deal_basics(server, key):
    api = ApiUser(server, key)
    _status, pipelines = api.call("GET", "/pipelines")
    default = next(p for p in pipelines if p["is_default"])
    _status, accounts = api.call("GET", "/accounts", limit=1)
    return default["stages"][0]["id"], accounts["results"][0]["id"]


def every_created_deal_is_whole(env, tag):
    """(count of deals named `tag…`, names seen twice, deals without their history row)."""
    return query(
        env,
        "from collections import Counter\n"
        "from shangji.opportunities.models import Opportunity\n"
        f"deals = Opportunity.objects.filter(name__startswith={tag!r})\n"
        "names = Counter(deals.values_list('name', flat=True))\n"
        "result = [deals.count(), sorted(n for n, c in names.items() if c > 1),\n"
        "          deals.filter(changes__isnull=True).count()]",
    )


def test_killing_the_web_server_mid_writes_loses_nothing_and_doubles_nothing(tmp_path):
    with served_demo(tmp_path) as (server, env):
        key = api_key(env, "liming")
        stage, account = deal_basics(server, key)
        server_ref = [server]
        writers = Writers(server_ref, key, stage, account, "崩溃测试")
        threads = writers.run(threads=4, each=15)
        wait_for(lambda: len(writers.acknowledged) >= 8)
        server.kill()  # SIGKILL the arbiter and its workers, mid-requests
        replacement = Server(env, workers=2, log=tmp_path / "serve-2.log").start()
        server_ref[0] = replacement
        try:
            for thread in threads:
                thread.join()
        finally:
            replacement.stop()
        assert len(writers.acknowledged) == 60
        count, doubled, without_history = every_created_deal_is_whole(env, "崩溃测试")
        assert (count, doubled, without_history) == (60, [], 0)
        assert writers.retries > 0  # the kill did hit requests in flight


def test_killing_the_worker_mid_import_writes_nothing_and_the_import_runs_again(tmp_path):
    rows = 20000
    with served_demo(tmp_path) as (_server, env):
        job_id = query(
            env,
            "from django.core.files.base import ContentFile\n"
            "from shangji.imports.services import import_job_create, import_job_start\n"
            "from shangji.users.models import User\n"
            "admin = User.objects.get(username='admin')\n"
            "lines = ['Opportunity Name,Account Name,Opportunity Amount,Currency,"
            "Expected Close Date,Sales Stage']\n"
            f"lines += [f'断电导入 {{n}},新城百货,{{1000 + n}}.00,CNY,2027-02-28,Prospecting'"
            f" for n in range({rows})]\n"
            "job = import_job_create(actor=admin, kind='opportunities',"
            " file=ContentFile('\\n'.join(lines).encode(), name='big.csv'))\n"
            "import_job_start(job=job, actor=admin, action='import')\n"
            "result = job.pk",
        )
        progress = (
            "from shangji.imports.models import ImportJob\n"
            f"job = ImportJob.objects.get(pk={job_id})\n"
            "from shangji.imports.engine import progress_of\n"
            "phase, done, _beat = progress_of(job)\n"
            "result = [job.status, phase or '', done or 0]"
        )
        progress_file = Path(env["SHANGJI_HOME"]) / "media" / "imports" / "progress"
        progress_file = progress_file / f"{job_id}.json"

        def writing_part_way():
            try:
                data = json.loads(progress_file.read_text())
            except (OSError, ValueError):
                return False
            return data["phase"] == "writing" and data["rows_read"] > 200

        worker = start_worker(env, tmp_path / "worker.log")
        try:
            wait_for(writing_part_way, every=0.02)  # the file the worker writes as it goes
        finally:
            kill_group(worker)
        assert every_created_deal_is_whole(env, "断电导入") == [0, [], 0]  # all or nothing
        worker = start_worker(env, tmp_path / "worker-2.log")  # marks the job interrupted
        try:
            status = wait_for(
                lambda: (s := query(env, progress)[0]) in ("interrupted", "failed", "done") and s
            )
            assert status == "interrupted"
            query(
                env,
                "from shangji.imports.models import ImportJob\n"
                "from shangji.imports.services import import_job_start\n"
                f"job = ImportJob.objects.get(pk={job_id})\n"
                "import_job_start(job=job, actor=job.created_by, action='import')\n"
                "result = job.pk",
            )
            wait_for(lambda: query(env, progress)[0] == "done", timeout=240)
        finally:
            stop_group(worker)
        assert every_created_deal_is_whole(env, "断电导入") == [rows, [], 0]


def test_killing_the_worker_mid_reminders_sends_each_once(tmp_path):
    reminders = 150
    extra = {"REMINDER_STALE_CLAIM_SECONDS": "3"}
    with served_demo(tmp_path, extra_env=extra) as (_server, env):
        query(
            env,
            "import datetime\n"
            "from django.utils import timezone\n"
            "from shangji.activities.services import activity_create\n"
            "from shangji.users.models import User\n"
            "from shangji.accounts.models import Account\n"
            "rep = User.objects.get(username='wangqiang')\n"
            "account = Account.objects.filter(owner=rep).first()\n"
            "soon = timezone.now() + datetime.timedelta(minutes=10)\n"
            f"for n in range({reminders}):\n"
            "    activity_create(actor=rep, kind='task', subject=f'提醒 {n}', starts_at=soon,"
            " account=account, reminders=[15])\n"
            "result = 0",
        )
        counts = (
            "from django.db.models import Count\n"
            "from shangji.activities.models import Reminder\n"
            "from shangji.users.models import Notification\n"
            "ours = Reminder.objects.filter(activity__subject__startswith='提醒 ')\n"
            "sent = ours.filter(status='sent').count()\n"
            "notes = Notification.objects.filter(verb='reminder')\n"
            "per = notes.values('params__activity').annotate(n=Count('id')).filter(n__gt=1)\n"
            "result = [sent, notes.count(), per.count()]"
        )
        worker = start_worker(env, tmp_path / "worker.log")
        try:
            wait_for(lambda: query(env, counts)[0] >= 10, every=0.1)
        finally:
            kill_group(worker)
        # As a dead worker may leave it: a reminder claimed, nothing delivered yet.
        query(
            env,
            "import datetime\n"
            "from django.utils import timezone\n"
            "from shangji.activities.models import Reminder\n"
            "left = Reminder.objects.filter(status='pending').order_by('pk').first()\n"
            "Reminder.objects.filter(pk=left.pk).update(status='sending',"
            " claimed_at=timezone.now() - datetime.timedelta(seconds=10))\n"
            "result = left.pk",
        )
        worker = start_worker(env, tmp_path / "worker-2.log")
        try:
            wait_for(lambda: query(env, counts)[0] == reminders, timeout=240)
        finally:
            stop_group(worker)
        sent, notifications, doubled = query(env, counts)
        assert (sent, notifications, doubled) == (reminders, reminders, 0)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="SQLite has no server connection to cut; the web-server kill above covers it",
)
def test_cutting_every_database_connection_mid_writes_loses_nothing(tmp_path):
    with served_demo(tmp_path) as (server, env):
        key = api_key(env, "liming")
        stage, account = deal_basics(server, key)
        writers = Writers([server], key, stage, account, "断线测试")
        threads = writers.run(threads=4, each=15)
        database = env["DATABASE_URL"].rsplit("/", 1)[-1]
        cut = 0
        while any(thread.is_alive() for thread in threads) and cut < 5:
            wait_for(
                lambda n=cut: (
                    len(writers.acknowledged) >= 8 * (n + 1)
                    or not any(thread.is_alive() for thread in threads)
                ),
                every=0.05,
            )
            query(
                {**env, "DATABASE_URL": env["DATABASE_URL"]},
                "from django.db import connection\n"
                "with connection.cursor() as cursor:\n"
                "    cursor.execute('SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                f" WHERE datname = %s AND pid <> pg_backend_pid()', [{database!r}])\n"
                "    result = cursor.fetchone()[0]",
            )
            cut += 1
        for thread in threads:
            thread.join()
        assert len(writers.acknowledged) == 60
        assert every_created_deal_is_whole(env, "断线测试") == [60, [], 0]
        assert server.request("GET", "/login/")[0] == 200  # the pool reconnects
