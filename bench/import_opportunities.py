"""Benchmark: import N opportunities (default 100,000) from a CSV through the importer.

    SHANGJI_HOME=/tmp/bench-home .venv/bin/python bench/import_opportunities.py [--rows N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shangji_bench .venv/bin/python bench/...

Uses a fresh database: SQLite in SHANGJI_HOME, or the PostgreSQL database of DATABASE_URL
(emptied first). The file has 2,000 accounts (1,000 already here, 1,000 created by the
import), 8 owners, every stage of the default pipeline, CNY and USD amounts written with
thousands separators, and three date formats. It prints the time of the check (dry run), the
import, and the peak memory of the process.

Measured on the 2-core box (2026-11-26, 100,000 rows, otherwise idle):
    SQLite      check 18.1 s, import 68.4 s (after the check: the writing pass only), 109 MB
    PostgreSQL  check 20.3 s, import 52.0 s, 114 MB
An import without a check first runs both passes (check + write), about the sum.
"""

import argparse
import datetime
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path


def setup(home: str) -> None:
    os.environ.setdefault("SHANGJI_HOME", home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shangji.config.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        call_command("flush", "--noinput", verbosity=0)
    call_command("migrate", "--noinput", verbosity=0)


def write_csv(path: Path, rows: int, stages: list[str], owners: list[str]) -> None:
    import csv

    random.seed(7)
    start = datetime.date(2026, 1, 1)
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "ID",
                "Opportunity Name",
                "Account Name",
                "Opportunity Amount",
                "Currency",
                "Expected Close Date",
                "Sales Stage",
                "Assigned to",
                "Lead Source",
                "Lost Reason",
            ]
        )
        for n in range(rows):
            day = start + datetime.timedelta(days=random.randrange(365))
            written = [
                day.isoformat(),
                f"{day:%Y/%-m/%-d}",
                f"{day.year}年{day.month}月{day.day}日",
            ]
            stage = random.choice(stages)
            writer.writerow(
                [
                    f"BENCH-{n:07d}",
                    f"Deal {n}",
                    f"Account {random.randrange(2000):04d}",
                    f"{random.randrange(1_000, 2_000_000):,}.{random.randrange(100):02d}",
                    "USD" if n % 5 == 0 else "CNY",
                    random.choice(written),
                    stage,
                    random.choice(owners),
                    random.choice(["Web Site", "Partner", "", "Trade Show"]),
                    "Price" if stage == "Closed Lost" else "",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    arguments = parser.parse_args()
    setup(tempfile.mkdtemp(prefix="shangji-bench-"))

    from django.core.files import File

    from shangji.accounts.models import Account
    from shangji.core.models import ExchangeRate
    from shangji.imports import engine
    from shangji.imports.services import import_job_create, import_job_set_mapping, import_job_start
    from shangji.opportunities.models import Opportunity, OpportunityChange, Stage
    from shangji.users.choices import Role
    from shangji.users.models import User

    admin = User.objects.create(username="bench-admin", role=Role.ADMIN, is_superuser=True)
    owners = [
        User.objects.create(username=f"rep{n}", first_name=f"Rep{n}", last_name="Bench").username
        for n in range(8)
    ]
    ExchangeRate.objects.get_or_create(
        currency_id="USD", valid_from=datetime.date(2020, 1, 1), defaults={"rate": "7.1"}
    )
    Account.objects.bulk_create(
        [Account(name=f"Account {n:04d}", owner=admin) for n in range(1000)]
    )
    stages = list(Stage.objects.filter(pipeline__is_default=True).values_list("name", flat=True))
    path = Path(os.environ["SHANGJI_HOME"]) / "bench.csv"
    write_csv(path, arguments.rows, stages, owners)
    print(f"{arguments.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB")

    with open(path, "rb") as handle:
        job = import_job_create(
            actor=admin, kind="opportunities", file=File(handle, name="bench.csv")
        )
    mapping = job.mapping
    mapping["fields"]["lost_reason"] = {"column": "Lost Reason"}
    mapping["options"]["create_accounts"] = True
    job = import_job_set_mapping(job=job, actor=admin, mapping=mapping)
    for action in ("dry_run", "import"):
        import_job_start(job=job, actor=admin, action=action)
        began = time.monotonic()
        status = engine.execute(job.pk, action, admin.pk)
        job.refresh_from_db()
        print(
            f"{action}: {status} in {time.monotonic() - began:.1f} s "
            f"(created {job.created_count:,}, failed {job.failed_count:,}, "
            f"accounts created {job.accounts_created_count:,}) {job.message}"
        )
    print(
        f"opportunities {Opportunity.objects.count():,}, "
        f"history rows {OpportunityChange.objects.count():,}, "
        f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
