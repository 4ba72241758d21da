"""Run inside one test instance (its own SHANGJI_HOME and DATABASE_URL), like a user's process.

probe.py checksums          every table: row count and sha256 of its rows in key order
probe.py attach FILE        a note on the seed opportunity with FILE attached (services)
probe.py writer STOPFILE    create opportunities "writer-000001", … until STOPFILE exists
probe.py consistency        opportunities without history, and the writer's numbers
probe.py files              sha256 of every file a row refers to
probe.py future-migration   record a migration this code does not have
"""

import datetime
import hashlib
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shangji.config.settings")

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, models  # noqa: E402


def checksums() -> dict:
    """Row count and checksum of every table in the database, plus the tables of all models."""
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            columns = [
                column.name
                for column in connection.introspection.get_table_description(cursor, table)
            ]
            quoted = ", ".join(connection.ops.quote_name(name) for name in columns)
            cursor.execute(
                f"SELECT {quoted} FROM {connection.ops.quote_name(table)} ORDER BY {quoted}"
            )
            digest = hashlib.sha256()
            count = 0
            for row in cursor.fetchall():
                digest.update(repr(tuple(row)).encode())
                count += 1
            tables[table] = [count, digest.hexdigest()]
    model_tables = sorted(
        {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    )
    return {"tables": tables, "model_tables": model_tables}


def attach(path: str) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shangji.activities.services import activity_create
    from shangji.opportunities.models import Opportunity
    from shangji.users.models import User

    admin = User.objects.get(username="admin")
    content = Path(path).read_bytes()
    activity = activity_create(
        actor=admin,
        kind="note",
        subject="Signed contract scan",
        body="Attached for the backup test.",
        opportunity=Opportunity.objects.order_by("pk").first(),
        attachments=[SimpleUploadedFile("合同.pdf", content, "application/pdf")],
    )
    return {"files": [item.file.name for item in activity.attachments.all()]}


def writer(stop_file: str) -> dict:
    from shangji.accounts.services import account_create
    from shangji.core.models import Currency
    from shangji.opportunities.models import Stage
    from shangji.opportunities.services import opportunity_create
    from shangji.users.models import Role, User
    from shangji.users.services import user_create

    admin = User.objects.filter(username="admin").first() or user_create(
        username="admin", password="demo1234", role=Role.ADMIN, check_password=False
    )
    account = account_create(actor=admin, name="Writer Co")
    stage = Stage.objects.filter(pipeline__is_default=True).order_by("position").first()
    currency = Currency.objects.get(code="CNY")
    count = 0
    while not os.path.exists(stop_file):
        count += 1
        opportunity_create(
            actor=admin,
            name=f"writer-{count:06d}",
            amount=Decimal("1000.00") + count,
            currency=currency,
            close_date=datetime.date.today() + datetime.timedelta(days=30),
            stage=stage,
            account=account,
        )
        Path(stop_file + ".count").write_text(str(count))
        time.sleep(0.005)
    return {"created": count}


def consistency() -> dict:
    from shangji.opportunities.models import Opportunity

    without_history = Opportunity.objects.filter(changes__isnull=True).count()
    names = Opportunity.objects.filter(name__startswith="writer-").values_list("name", flat=True)
    return {
        "opportunities": Opportunity.objects.count(),
        "without_history": without_history,
        "writer_numbers": sorted(int(name.removeprefix("writer-")) for name in names),
    }


def future_migration() -> dict:
    """Pretend a newer Shangji migrated this database."""
    from django.db.migrations.recorder import MigrationRecorder

    MigrationRecorder(connection).record_applied("opportunities", "9999_from_the_future")
    return {"recorded": True}


def files() -> dict:
    found = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                for name in model.objects.exclude(**{field.name: ""}).values_list(
                    field.name, flat=True
                ):
                    path = Path(settings.MEDIA_ROOT) / name
                    found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    result = {
        "checksums": checksums,
        "attach": attach,
        "writer": writer,
        "consistency": consistency,
        "files": files,
        "future-migration": future_migration,
    }[command](*arguments)
    print(json.dumps(result))
