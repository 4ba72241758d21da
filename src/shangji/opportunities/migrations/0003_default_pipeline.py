from django.db import migrations

# The default pipeline of PRODUCT.md §3, with its Chinese names.
STAGES = [
    ("Prospecting", "初步接触", 10, "open", "pipeline"),
    ("Qualification", "资格审查", 20, "open", "pipeline"),
    ("Needs Analysis", "需求分析", 25, "open", "pipeline"),
    ("Value Proposition", "价值主张", 30, "open", "pipeline"),
    ("Identifying Decision Makers", "确定决策者", 40, "open", "pipeline"),
    ("Perception Analysis", "认知分析", 50, "open", "pipeline"),
    ("Proposal/Price Quote", "提案/报价", 65, "open", "best_case"),
    ("Negotiation/Review", "谈判/审核", 80, "open", "commit"),
    ("Closed Won", "成交", 100, "won", "closed"),
    ("Closed Lost", "丢单", 0, "lost", "omitted"),
]


def add_default_pipeline(apps, schema_editor):
    Pipeline = apps.get_model("opportunities", "Pipeline")
    Stage = apps.get_model("opportunities", "Stage")
    Organization = apps.get_model("users", "Organization")
    Organization.objects.get_or_create(pk=1)
    if Pipeline.objects.exists():
        return
    pipeline = Pipeline.objects.create(name="Sales", name_zh_hans="销售", is_default=True)
    for position, (name, name_zh, probability, kind, category) in enumerate(STAGES, start=1):
        Stage.objects.create(
            pipeline=pipeline, name=name, name_zh_hans=name_zh, position=position,
            probability=probability, kind=kind, forecast_category=category,
        )


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0002_initial"), ("users", "0001_initial")]
    operations = [migrations.RunPython(add_default_pipeline, migrations.RunPython.noop)]
