from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from shangji import demo


class Command(BaseCommand):
    help = "Load the demo company (尚品衣舍) into an empty database."

    def handle(self, *args, **options):
        if not demo.is_empty():
            self.stdout.write(_("The database already has data: demo data not loaded."))
            return
        summary = demo.load()
        self.stdout.write(
            _(
                "Loaded the demo: %(users)s users, %(accounts)s accounts, "
                "%(opportunities)s opportunities."
            )
            % summary
        )
