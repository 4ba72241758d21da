import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shangji.forecasting.forecast import forecast_get
from shangji.users.choices import Role
from shangji.users.models import Team, User


def width(text: str) -> int:
    """Columns `text` takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, columns: int, right: bool) -> str:
    space = " " * max(columns - width(text), 0)
    return space + text if right else text + space


def money(value) -> str:
    return "—" if value is None else f"{value:,.2f}"


def table_lines(forecast) -> list[str]:
    """The forecast as the page's table, in plain text."""
    header = [
        _("Rep"),
        _("Quota"),
        _("Closed won"),
        _("Commit"),
        _("Best Case"),
        pgettext("forecast category", "Pipeline"),
        _("Weighted pipeline"),
        _("Attainment"),
        _("Coverage"),
        _("Gap"),
    ]
    rows: list[list[str]] = []

    def add(row, indent: str) -> None:
        figures = row.figures
        rows.append(
            [
                indent + str(row.label),
                money(row.quota),
                money(figures.closed_won),
                money(figures.commit),
                money(figures.best_case),
                money(figures.pipeline),
                money(figures.weighted),
                "—" if row.attainment is None else f"{row.attainment} %",
                "—" if row.coverage is None else f"{row.coverage}×",
                money(row.gap),
            ]
        )

    for group in forecast.groups:
        rows.append([group.team.name if group.team else _("No team")] + [""] * 9)
        for row in group.rows:
            add(row, "  ")
        if group.total:
            add(group.total, "  Σ ")
    if forecast.total:
        add(forecast.total, "")
    widths = [max(width(line[index]) for line in [header, *rows]) for index in range(10)]
    return [
        "  ".join(pad(cell, widths[i], right=i > 0) for i, cell in enumerate(line)).rstrip()
        for line in [header, *rows]
    ]


class Command(BaseCommand):
    help = "Print the forecast of a period (the current fiscal quarter by default)."

    def add_arguments(self, parser):
        parser.add_argument("--period", default="", help="2026-11, FY2026-Q3 or FY2026")
        parser.add_argument("--team", default="", help="a team's name")
        parser.add_argument(
            "--as", dest="username", default="", help="see it as this user (default: everything)"
        )

    def handle(self, *args, **options):
        if options["username"]:
            viewer = User.objects.filter(username=options["username"], is_active=True).first()
            if viewer is None:
                raise CommandError(_("No active user named “%(username)s”.") % options)
        else:
            # The command line reads everything, as an administrator would.
            viewer = User(username="shangji", role=Role.ADMIN, time_zone=settings.TIME_ZONE)
        params = {"period": options["period"]}
        if options["team"]:
            team = Team.objects.filter(name=options["team"]).first()
            if team is None:
                raise CommandError(_("No team named “%(team)s”.") % options)
            params["team"] = str(team.pk)
        form, forecast = forecast_get(user=viewer, params=params)
        if forecast is None:
            raise CommandError(
                " ".join(str(message) for messages in form.errors.values() for message in messages)
            )
        period = forecast.period
        self.stdout.write(
            _("Forecast %(period)s (%(start)s – %(end)s), %(currency)s")
            % {
                "period": period.key,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "currency": settings.BASE_CURRENCY,
            }
        )
        for line in table_lines(forecast):
            self.stdout.write(line)
