from django.conf import settings
from django.core.management import call_command
from django.db import migrations, models
import django.db.models.deletion


def create_cache_table(apps, schema_editor):
    """The database cache's table (rate-limit counters, in-flight idempotency locks).

    `createcachetable` does nothing for caches that are not DatabaseCache, and nothing when the
    table exists; run it again by hand after pointing CACHE_URL at a new table.
    """
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="IdempotencyRecord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=255)),
                ("request_hash", models.CharField(max_length=64)),
                ("status_code", models.PositiveSmallIntegerField()),
                ("content_type", models.CharField(max_length=200)),
                ("body", models.BinaryField()),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("user", "key"), name="api_idempotency_user_key_unique")
                ],
            },
        ),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False),
    ]
