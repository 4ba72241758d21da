from django.core.management.base import BaseCommand

from shangji.core import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `shangji backup` into this empty instance (same database "
        "kind); stop the server and the worker first."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup file")

    def handle(self, *args, **options):
        backup.restore(options["file"], report=self._report)

    def _report(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
