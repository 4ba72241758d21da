from django.core.management.base import BaseCommand

from shangji.core import backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database and the attached files to FILE (a .tar.gz), "
        "while the app keeps running."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup file to write, e.g. shangji-2026-11-27.tar.gz")
        parser.add_argument("--force", action="store_true", help="replace FILE if it exists")

    def handle(self, *args, **options):
        backup.backup(options["file"], force=options["force"], report=self._report)

    def _report(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
