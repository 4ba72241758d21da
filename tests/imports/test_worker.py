"""Imports in real `shangji worker` processes: the progress shows while it runs, memory stays
flat, and a worker killed in the middle of writing leaves nothing of the import behind."""

import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from shangji.imports.services import import_job_set_mapping

from .conftest import csv_bytes, run, upload

SHANGJI = [sys.executable, "-m", "shangji.cli"]

HELPER = r'''
"""Runs in its own process against the workers' database: python helper.py COMMAND JSON."""
import csv, json, os, sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shangji.config.settings")
import django

django.setup()
from django.core.files import File
from django.db import transaction

from shangji.accounts.models import Account
from shangji.imports import selectors, services
from shangji.opportunities.models import Opportunity
from shangji.users.models import User
from shangji.users.services import user_create


def admin():
    user = User.objects.filter(username="worker-admin").first()
    return user or user_create(
        username="worker-admin", password="x", role="admin", check_password=False
    )


def start(rows):
    user = admin()
    path = Path(os.environ["SHANGJI_HOME"]) / "big.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["External ID", "Name", "Account", "Amount", "Close date", "Stage"])
        for n in range(rows):
            writer.writerow([f"W{n}", f"Deal {n}", f"Account {n % 40}", "1,000", "2025-03-01",
                             "Prospecting"])
    with open(path, "rb") as handle:
        job = services.import_job_create(
            actor=user, kind="opportunities", file=File(handle, name="big.csv")
        )
    mapping = {**job.mapping, "options": {**job.mapping["options"], "create_accounts": True}}
    with transaction.atomic():  # the task is queued when this commits
        job = services.import_job_set_mapping(job=job, actor=user, mapping=mapping)
        services.import_job_start(job=job, actor=user, action="import")
    return job.pk


def again(job):
    job = selectors.import_job_get(user=admin(), pk=job)
    with transaction.atomic():
        services.import_job_start(job=job, actor=admin(), action="import")
    return job.pk


def status(job):
    job = selectors.import_job_get(user=admin(), pk=job)
    return {
        "status": job.status, "phase": job.phase, "rows_read": job.rows_read,
        "rows_total": job.rows_total, "created": job.created_count,
        "updated": job.updated_count, "message": job.message,
        "opportunities": Opportunity.objects.count(), "accounts": Account.objects.count(),
    }


command, arguments = sys.argv[1], json.loads(sys.argv[2])
print(json.dumps(globals()[command](**arguments)))
'''


@pytest.fixture(scope="module")
def worker_env(tmp_path_factory):
    """A database of the workers' own, migrated: the test database lives in a transaction."""
    import psycopg

    home = tmp_path_factory.mktemp("import-worker-home")
    env = {**os.environ, "SHANGJI_HOME": str(home), "LC_ALL": "C.UTF-8", "DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    url = os.environ.get("DATABASE_URL", "")
    server = name = None
    if url.startswith("postgres"):
        parts = urlsplit(url)
        name = parts.path.lstrip("/") + "_import_workers"
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


def helper(env, command, **arguments):
    script = Path(env["SHANGJI_HOME"]) / "helper.py"
    done = subprocess.run(
        [sys.executable, str(script), command, json.dumps(arguments)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def start_worker(env):
    log = open(Path(env["SHANGJI_HOME"]) / "worker.log", "a")  # noqa: SIM115
    return subprocess.Popen(
        [*SHANGJI, "worker", "--interval", "0.2"], env=env, stdout=log, stderr=subprocess.STDOUT
    )


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def watch(env, job, until, timeout=240):
    """Poll the job as the page does; returns every state seen until `until(state)`."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        state = helper(env, "status", job=job)
        seen.append(state)
        if until(state):
            return seen
        assert time.monotonic() < deadline, seen[-3:]
        time.sleep(0.3)


def test_a_killed_worker_leaves_nothing_and_the_job_shows_interrupted(worker_env):
    rows = 8000
    job = helper(worker_env, "start", rows=rows)
    worker = start_worker(worker_env)
    try:
        seen = watch(worker_env, job, lambda s: s["phase"] == "writing" and s["rows_read"] >= 1000)
    finally:
        worker.send_signal(signal.SIGKILL)  # as the OOM killer or a power cut would
        worker.wait()
    assert {s["phase"] for s in seen} >= {"checking", "writing"}
    state = helper(worker_env, "status", job=job)
    assert (state["status"], state["opportunities"], state["accounts"]) == ("interrupted", 0, 0)
    assert state["message"]  # in the uploader's language: nothing was written, start again

    helper(worker_env, "again", job=job)
    worker = start_worker(worker_env)
    try:
        seen = watch(worker_env, job, lambda s: s["status"] not in ("queued", "running"))
        memory = peak_memory_mb(worker.pid)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    final = seen[-1]
    assert (final["status"], final["created"], final["opportunities"], final["accounts"]) == (
        "done", rows, rows, 40
    )  # fmt: skip
    progress = [s["rows_read"] for s in seen if s["status"] == "running" and s["phase"]]
    assert len(set(progress)) >= 3  # the bar moved
    assert memory < 400, memory


@pytest.mark.django_db
def test_memory_grows_by_little_per_row(team_users, stages, rates):
    """The file is streamed: the importer keeps a few small things per row, not the rows."""

    def peak(count: int) -> int:
        rows = [["External ID", "Name", "Account", "Amount", "Close date", "Stage", "Owner"]]
        rows += [
            [f"M{count}-{n}", f"Deal {n} " + "x" * 100, "Acme", "1,000", "2025-03-01",
             "Prospecting", "wangqiang"]
            for n in range(count)
        ]  # fmt: skip
        job = upload(team_users["liming"], "opportunities", csv_bytes(rows))
        job.mapping["options"]["create_accounts"] = True
        job = import_job_set_mapping(job=job, actor=job.created_by, mapping=job.mapping)
        tracemalloc.start()
        job = run(job, "dry_run")
        _current, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert job.created_count == count
        return top

    small, large = peak(1000), peak(6000)
    # 5,000 more rows of ~150 bytes each (750 kB of file) cost well under 1.5 MB.
    assert large - small < 1_500_000, (small, large)


def test_a_100000_row_import_finishes_in_the_worker_with_flat_memory(worker_env):
    """The issue's size: the bar moves through both passes and the worker stays small."""
    rows = 100_000
    job = helper(worker_env, "start", rows=rows)
    # Deals W0… imported earlier into this module's database match rows of this file.
    before = helper(worker_env, "status", job=job)["opportunities"]
    worker = start_worker(worker_env)
    try:
        seen = watch(worker_env, job, lambda s: s["status"] not in ("queued", "running"), 1500)
        memory = peak_memory_mb(worker.pid)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    final = seen[-1]
    assert (final["status"], final["opportunities"]) == ("done", rows)
    assert (final["created"], final["updated"]) == (rows - before, 0)  # the rest: unchanged
    phases = {s["phase"] for s in seen if s["status"] == "running"}
    assert {"checking", "writing"} <= phases
    progress = [s["rows_read"] for s in seen if s["status"] == "running" and s["phase"]]
    assert len(set(progress)) >= 10  # the bar moved, many times
    assert memory < 400, memory
