from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from shangji import demo
from shangji.imports import maven
from shangji.users.choices import Role
from shangji.users.models import Organization, User
from shangji.users.services import user_create


class Command(BaseCommand):
    help = "Load the Maven CRM sample data set (users, teams, accounts, 8,800 opportunities)."

    def add_arguments(self, parser):
        parser.add_argument("--data", default=str(maven.DATA_DIRECTORY), help="its directory")
        parser.add_argument("--as", dest="username", help="an administrator to import as")
        parser.add_argument(
            "--demo",
            action="store_true",
            help="into an empty database, as a demo: an admin and every user get password "
            f"{demo.PASSWORD}",
        )
        parser.add_argument("--no-account", choices=["placeholder", "skip"], default="placeholder")
        parser.add_argument(
            "--no-close-date", default=maven.END_OF_DATA, help="a date (YYYY-MM-DD) or 'skip'"
        )
        parser.add_argument("--products", choices=["merge", "keep"], default="merge")
        parser.add_argument("--open-amount", choices=["list-price", "zero"], default="list-price")

    def handle(self, *args, **options):
        directory = Path(options["data"])
        if not (directory / "sales_pipeline.csv").is_file():
            raise CommandError(_("No Maven data set in %(path)s.") % {"path": directory})
        password = None
        if options["demo"]:
            if not demo.is_empty():
                self.stdout.write(_("The database already has data: demo data not loaded."))
                return
            password = demo.PASSWORD
            with transaction.atomic():
                organization = Organization.current()
                organization.name = "Maven CRM"
                organization.save()
                actor = user_create(
                    username="admin", password=password, role=Role.ADMIN, check_password=False
                )
        else:
            actor = User.objects.filter(
                username=options["username"] or "admin", is_active=True
            ).first()
            if actor is None or not actor.is_admin:
                raise CommandError(_("Name an administrator to import as with --as USER."))
        try:
            summary = maven.load(
                actor=actor,
                directory=directory,
                password=password,
                no_account=options["no_account"],
                no_close_date=options["no_close_date"],
                products=options["products"],
                open_amount=options["open_amount"].replace("-", "_"),
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            _(
                "Loaded the Maven data set: %(managers)s managers and %(agents)s agents, "
                "%(accounts)s accounts, %(opportunities)s opportunities (%(skipped)s rows left "
                "out)."
            )
            % summary
        )
        if summary["rate_added"]:
            self.stdout.write(_("Added an illustrative USD rate (6.9 CNY) from 2016-01-01."))
        if options["demo"]:
            self.stdout.write(
                _(
                    "Sign in as admin, a manager (e.g. dustin.brinkmann) or an agent (e.g. "
                    "moses.frase); every password is %(password)s."
                )
                % {"password": password}
            )
