from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shangji.users.choices import Role
from shangji.users.models import Team
from shangji.users.services import user_create


class Command(BaseCommand):
    help = "Create a Shangji user."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", default=Role.REP, choices=Role.values)
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--team", default="")

    def handle(self, *args, **options):
        team = None
        if options["team"]:
            team, _created = Team.objects.get_or_create(name=options["team"])
        try:
            user = user_create(
                username=options["username"],
                password=options["password"],
                role=options["role"],
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                team=team,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            _("Created user %(username)s (%(role)s).")
            % {"username": user.username, "role": user.get_role_display()}
        )
