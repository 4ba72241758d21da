import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shangji.generator.build import DEFAULT_SEED, GenerateError, generate
from shangji.generator.plan import SCALES, Plan, scale_opportunities


class Command(BaseCommand):
    help = (
        "Fill an empty database with a generated company (10k, 100k or 1m opportunities) "
        "for benchmarks; the same seed gives the same rows."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            default="10k",
            help=f"{', '.join(SCALES)} (or any number of opportunities, at least 100)",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="the day the data is generated around (YYYY-MM-DD; default: today)",
        )

    def handle(self, *args, scale, seed, today, **options):
        try:
            opportunities = scale_opportunities(scale)
        except ValueError:
            raise CommandError(
                _("Unknown scale “%(scale)s”: use 10k, 100k or 1m.") % {"scale": scale}
            ) from None
        if opportunities < 100:
            raise CommandError(_("The smallest scale is 100 opportunities."))
        plan = Plan.of(opportunities)
        self.stdout.write(
            _(
                "Generating %(opportunities)s opportunities, %(accounts)s accounts, "
                "%(contacts)s contacts, %(history)s history rows, %(activities)s activities "
                "(%(open_tasks)s open tasks), %(users)s users in %(teams)s teams (seed %(seed)s)."
            )
            % {**{key: f"{value:,}" for key, value in vars(plan).items()}, "seed": seed}
        )
        try:
            result = generate(
                opportunities=opportunities, seed=seed, today=today, progress=self.stdout.write
            )
        except GenerateError as error:
            raise CommandError(
                _(
                    "The database is not empty or not ready (%(reason)s): the generator only "
                    "fills an empty, migrated database. Nothing was written."
                )
                % {"reason": error}
            ) from None
        for label, rows in sorted(result.rows.items()):
            seconds = result.seconds.get(label, 0.0)
            rate = rows / seconds if seconds else 0
            self.stdout.write(
                _("%(table)s: %(rows)s rows, %(rate)s rows/s written")
                % {"table": label, "rows": f"{rows:,}", "rate": f"{rate:,.0f}"}
            )
        for label, seconds in sorted(result.seconds.items()):
            if label.startswith("("):
                self.stdout.write(f"{label}: {seconds:.1f} s")
        self.stdout.write(
            _(
                "Done in %(seconds)s s (%(rows)s rows, peak memory %(memory)s MB). Sign in as "
                "%(admin)s, %(executive)s, %(manager)s (manager) or %(rep)s (rep), password "
                "demo1234."
            )
            % {
                "seconds": f"{result.total_seconds:.1f}",
                "rows": f"{sum(result.rows.values()):,}",
                "memory": f"{result.peak_rss_mb:.0f}",
                **result.logins,
            }
        )
