from django.conf import settings
from django.db import migrations

CURRENCIES = [
    ("CNY", "Chinese Yuan", "¥", 2),
    ("USD", "US Dollar", "$", 2),
    ("EUR", "Euro", "€", 2),
    ("HKD", "Hong Kong Dollar", "HK$", 2),
    ("JPY", "Japanese Yen", "¥", 0),
    ("GBP", "Pound Sterling", "£", 2),
]


def add_currencies(apps, schema_editor):
    Currency = apps.get_model("core", "Currency")
    for code, name, symbol, places in CURRENCIES:
        Currency.objects.get_or_create(
            code=code, defaults={"name": name, "symbol": symbol, "decimal_places": places}
        )
    base = settings.BASE_CURRENCY
    Currency.objects.get_or_create(code=base, defaults={"name": base, "symbol": base})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(add_currencies, migrations.RunPython.noop)]
