from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shangji.users.choices import ApiTokenScope
from shangji.users.models import User
from shangji.users.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")
        parser.add_argument("--read-only", action="store_true")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(_("No active user named “%(username)s”.") % options)
        scope = ApiTokenScope.READ_ONLY if options["read_only"] else ApiTokenScope.READ_WRITE
        _token, raw = api_token_create(user=user, name=options["name"], scope=scope)
        self.stdout.write(raw)
