import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shangji.audit import selectors
from shangji.audit.choices import AuditAction


class Command(BaseCommand):
    help = "Print the audit log, newest first."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="YYYY-MM-DD: entries from this day on")
        parser.add_argument("--action", choices=AuditAction.values)
        parser.add_argument("--actor", help="a username")
        parser.add_argument("--limit", type=int, default=100)

    def handle(self, *args, **options):
        params = {}
        if options["since"]:
            try:
                datetime.date.fromisoformat(options["since"])
            except ValueError:
                raise CommandError(_("Enter a valid date.")) from None
            params["date_from"] = options["since"]
        for name in ("action", "actor"):
            if options[name]:
                params[name] = options[name]
        filterset = selectors.audit_entry_filterset(params=params)
        if not filterset.is_valid():
            raise CommandError(json.dumps(filterset.form.errors, ensure_ascii=False))
        page = selectors.audit_entry_page(filterset, cursor=None, size=max(1, options["limit"]))
        for entry in page.items:
            target = f"{entry.target_type}#{entry.target_id or ''} {entry.target_label}".strip()
            self.stdout.write(
                "\t".join(
                    [
                        entry.occurred_at.isoformat(timespec="seconds"),
                        entry.actor_label or "-",
                        entry.action,
                        target if entry.target_type else "-",
                        entry.ip_address or "-",
                        json.dumps(entry.details, ensure_ascii=False, sort_keys=True),
                    ]
                )
            )
