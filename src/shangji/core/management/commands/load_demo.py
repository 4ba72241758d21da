from django.core.management.base import BaseCommand

from shangji import demo


class Command(BaseCommand):
    help = "Load the demo company (尚品衣舍) into an empty database."

    def handle(self, *args, **options):
        if not demo.is_empty():
            self.stdout.write("The database already has data: demo data not loaded.")
            return
        summary = demo.load()
        self.stdout.write(
            f"Loaded the demo: {summary['users']} users, {summary['accounts']} accounts, "
            f"{summary['opportunities']} opportunities."
        )
