from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("users", "0003_organization_fiscal_year_start_month"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="apitoken",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "API token",
                "verbose_name_plural": "API tokens",
            },
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(
                choices=[("read-write", "Read and write"), ("read-only", "Read only")],
                default="read-write",
                max_length=16,
                verbose_name="scope",
            ),
        ),
    ]
