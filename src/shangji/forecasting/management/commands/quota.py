from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shangji.core.errors import PermissionDeniedError
from shangji.forecasting.forms import PeriodForm
from shangji.forecasting.services import quota_set
from shangji.users.choices import Role
from shangji.users.models import Team, User


class Command(BaseCommand):
    help = "Set a rep's or a team's quota for a period (an empty amount removes it)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        setter = actions.add_parser("set", help="set a quota")
        setter.add_argument("--period", required=True, help="2026-11, FY2026-Q3 or FY2026")
        holder = setter.add_mutually_exclusive_group(required=True)
        holder.add_argument("--user", default="", help="a username")
        holder.add_argument("--team", default="", help="a team's name")
        setter.add_argument("amount", help=f"in {settings.BASE_CURRENCY}; '' removes the quota")

    def handle(self, *args, **options):
        # The command line acts as an administrator.
        actor = User(username="shangji", role=Role.ADMIN, time_zone=settings.TIME_ZONE)
        form = PeriodForm({"period": options["period"]}, user=actor)
        if not form.is_valid():
            raise CommandError(" ".join(form.errors["period"]))
        period = form.cleaned_data["period"]
        if options["user"]:
            holder = {"user": User.objects.filter(username=options["user"]).first()}
            name = options["user"]
            if holder["user"] is None:
                raise CommandError(_("No user named “%(name)s”.") % {"name": name})
        else:
            holder = {"team": Team.objects.filter(name=options["team"]).first()}
            name = options["team"]
            if holder["team"] is None:
                raise CommandError(_("No team named “%(team)s”.") % options)
        try:
            quota = quota_set(actor=actor, period=period, amount=options["amount"], **holder)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except PermissionDeniedError as error:
            raise CommandError(str(error.message)) from None
        values = {"name": name, "period": period.key, "currency": settings.BASE_CURRENCY}
        if quota is None:
            self.stdout.write(_("Removed the quota of %(name)s for %(period)s.") % values)
        else:
            values["amount"] = f"{quota.amount:,.2f}"
            self.stdout.write(
                _("The quota of %(name)s for %(period)s is %(amount)s %(currency)s.") % values
            )
