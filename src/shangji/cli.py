"""The `shangji` command: demo, serve, worker, manage, createuser, token, import, backup,
restore, generate, mail-inbound."""

import argparse
import contextlib
import datetime
import os
import signal
import subprocess
import sys


def terminal_language() -> str:
    """The CLI speaks the terminal's language: Chinese under a zh locale, else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(name):
            return "zh-hans" if value.lower().startswith("zh") else "en"
    return "en"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shangji.config.settings")
    import django
    from django.utils import translation

    django.setup()
    translation.activate(terminal_language())


def _manage(*args: str) -> None:
    _setup_django()
    from django.core.management import call_command

    call_command(*args)


def _gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "shangji.config.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
        "--no-control-socket",
    ]


def _worker_command() -> list[str]:
    return [sys.executable, "-m", "shangji.cli", "worker"]


def _run_together(commands: list[list[str]]) -> int:
    """Run the processes side by side until one exits or Ctrl+C; stop them all."""
    processes = [subprocess.Popen(command) for command in commands]
    try:
        while all(process.poll() is None for process in processes):
            with contextlib.suppress(subprocess.TimeoutExpired):
                processes[0].wait(timeout=1)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    return max((process.returncode or 0) for process in processes)


def cmd_demo(args) -> int:
    os.environ.setdefault("DEBUG", "true")
    _manage("migrate", "--noinput", "--verbosity", "0")
    if args.dataset == "maven":
        _manage("import_maven", "--demo")
    else:
        _manage("load_demo")
    from django.utils.translation import gettext as _

    url = f"http://{args.host}:{args.port}"
    print("\n" + _("Shangji is running at %(url)s") % {"url": url}, flush=True)
    print(
        _(
            "Demo logins (password demo1234): zhangyue (executive), liming (manager), "
            "wangqiang and chenjing (reps), admin (administrator)."
        ),
        flush=True,
    )
    print(_("Press Ctrl+C to stop.") + "\n", flush=True)
    return _run_together([_gunicorn_command(args.host, args.port, args.workers), _worker_command()])


def cmd_serve(args) -> int:
    if args.migrate:
        _manage("migrate", "--noinput")
    os.execv(sys.executable, _gunicorn_command(args.host, args.port, args.workers))
    return 0  # not reached


def cmd_worker(args) -> int:
    _setup_django()
    from shangji.activities.tasks import start_reminder_sweeper

    # The reminder safety net runs beside the task loop (why: see activities/tasks.py).
    start_reminder_sweeper(args.sweep_interval)
    # Imports whose worker died mid-way show as interrupted (nothing of them was written).
    from shangji.imports.services import import_jobs_mark_interrupted

    import_jobs_mark_interrupted()
    # The weekly forecast snapshot, taken by the worker too (see forecasting/tasks.py).
    from shangji.forecasting.tasks import start_forecast_snapshot_sweeper

    start_forecast_snapshot_sweeper()
    # Webhook fan-outs and deliveries whose task was lost (see webhooks/tasks.py).
    from shangji.webhooks.tasks import start_webhook_sweeper

    start_webhook_sweeper()
    _manage("db_worker", "--queue-name", "*", "--interval", str(args.interval), "--no-reload")
    return 0


def cmd_forecast_snapshot(args) -> int:
    _setup_django()
    from shangji.forecasting.tasks import forecast_snapshot_command

    return forecast_snapshot_command(args.week)


def cmd_manage(args) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shangji manage", *args.rest])
    return 0


def cmd_createuser(args) -> int:
    password = args.password
    if password is None and args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if password is None:
        import getpass

        password = getpass.getpass("Password: ")
    extra = [
        "--role",
        args.role,
        "--email",
        args.email,
        "--first-name",
        args.first_name,
        "--last-name",
        args.last_name,
    ]
    if args.team:
        extra += ["--team", args.team]
    _manage("create_shangji_user", args.username, "--password", password, *extra)
    return 0


def cmd_token(args) -> int:
    extra = ["--read-only"] if args.read_only else []
    _manage("create_api_token", args.username, "--name", args.name, *extra)
    return 0


def cmd_forecast(args) -> int:
    extra = ["--period", args.period, "--team", args.team, "--as", args.username]
    _manage("forecast", *extra)
    return 0


def cmd_quota_set(args) -> int:
    holder = ["--user", args.user] if args.user else ["--team", args.team]
    _manage("quota", "set", "--period", args.period, *holder, "--", args.amount)
    return 0


def cmd_import(args) -> int:
    extra = ["--as", args.username] if args.username else []
    for flag, value in (("--mapping", args.mapping), ("--errors", args.errors)):
        if value:
            extra += [flag, value]
    extra += ["--dry-run"] if args.dry_run else []
    extra += ["--good-rows-only"] if args.good_rows_only else []
    _manage("import_file", args.kind, args.file, *extra)
    return 0


def cmd_import_maven(args) -> int:
    extra = ["--as", args.username] if args.username else []
    extra += ["--data", args.data] if args.data else []
    extra += ["--no-account", args.no_account, "--no-close-date", args.no_close_date]
    _manage("import_maven", *extra, "--products", args.products)
    return 0


def cmd_generate(args) -> int:
    if args.migrate:
        _manage("migrate", "--noinput", "--verbosity", "0")
    extra = ["--today", args.today] if args.today else []
    extra += ["--seed", str(args.seed)] if args.seed is not None else []
    _manage("generate", "--scale", args.scale, *extra)
    return 0


def cmd_backup(args) -> int:
    _manage("backup", args.file, *(["--force"] if args.force else []))
    return 0


def cmd_restore(args) -> int:
    _manage("restore", args.file)
    return 0


def cmd_mail_inbound(args) -> int:
    _setup_django()
    from shangji.activities.mail.inbound import serve_forever

    serve_forever(args.host, args.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shangji", description="Shangji sales CRM")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="create the database, load demo data, serve it")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--workers", type=int, default=2)
    demo.add_argument(
        "--dataset",
        choices=["shangpin", "maven"],
        default="shangpin",
        help="the seed company (default) or the Maven CRM sample data (8,800 opportunities)",
    )
    demo.set_defaults(func=cmd_demo)

    serve = commands.add_parser("serve", help="serve the web app with a production WSGI server")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 2)))
    serve.add_argument("--migrate", action="store_true", help="apply migrations first")
    serve.set_defaults(func=cmd_serve)

    worker = commands.add_parser("worker", help="run the background task worker")
    worker.add_argument("--interval", type=float, default=1.0)
    worker.add_argument(
        "--sweep-interval",
        type=float,
        default=30.0,
        help="seconds between sweeps for reminders whose task was lost",
    )
    worker.set_defaults(func=cmd_worker)

    snapshot = commands.add_parser(
        "forecast-snapshot", help="take the weekly forecast snapshot now (once a week)"
    )
    snapshot.add_argument(
        "--week", type=datetime.date.fromisoformat, help="a day of the week (YYYY-MM-DD)"
    )
    snapshot.set_defaults(func=cmd_forecast_snapshot)

    manage = commands.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)

    createuser = commands.add_parser("createuser", help="create a user")
    createuser.add_argument("username")
    createuser.add_argument(
        "--role", default="rep", choices=["admin", "executive", "manager", "rep"]
    )
    createuser.add_argument("--email", default="")
    createuser.add_argument("--first-name", default="")
    createuser.add_argument("--last-name", default="")
    createuser.add_argument("--team", default="")
    createuser.add_argument("--password")
    createuser.add_argument("--password-stdin", action="store_true")
    createuser.set_defaults(func=cmd_createuser)

    token = commands.add_parser("token", help="API tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    token_create = token_commands.add_parser("create", help="create a token for USERNAME")
    token_create.add_argument("username")
    token_create.add_argument("--name", default="cli")
    token_create.add_argument(
        "--read-only", action="store_true", help="the key can read but not change anything"
    )
    token_create.set_defaults(func=cmd_token)

    forecast = commands.add_parser("forecast", help="print the forecast of a period")
    forecast.add_argument("--period", default="", help="2026-11, FY2026-Q3 or FY2026")
    forecast.add_argument("--team", default="", help="one team, by name")
    forecast.add_argument("--as", dest="username", default="", help="as this user sees it")
    forecast.set_defaults(func=cmd_forecast)

    quota = commands.add_parser("quota", help="quotas")
    quota_commands = quota.add_subparsers(dest="quota_command", required=True)
    quota_set = quota_commands.add_parser("set", help="set (or with '' remove) a quota")
    quota_set.add_argument("--period", required=True, help="2026-11, FY2026-Q3 or FY2026")
    holder = quota_set.add_mutually_exclusive_group(required=True)
    holder.add_argument("--user", help="a username")
    holder.add_argument("--team", help="a team's name")
    quota_set.add_argument("amount", help="in the base currency; '' removes the quota")
    quota_set.set_defaults(func=cmd_quota_set)

    importer = commands.add_parser(
        "import", help="import opportunities, accounts, contacts, leads or activities (CSV, XLSX)"
    )
    importer.add_argument(
        "kind", choices=["opportunities", "accounts", "contacts", "leads", "activities"]
    )
    importer.add_argument("file")
    importer.add_argument("--mapping", help="a JSON mapping (default: proposed from the headers)")
    importer.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    importer.add_argument("--as", dest="username", help="the user it acts as (default: admin)")
    importer.add_argument(
        "--good-rows-only", action="store_true", help="import the good rows, leave out the bad"
    )
    importer.add_argument("--errors", help="write the rows with problems to this CSV file")
    importer.set_defaults(func=cmd_import)

    maven = commands.add_parser("import-maven", help="load the Maven CRM sample data set")
    maven.add_argument("--as", dest="username", help="an administrator (default: admin)")
    maven.add_argument("--data", help="the data set's directory (default: data/maven-crm)")
    maven.add_argument("--no-account", choices=["placeholder", "skip"], default="placeholder")
    maven.add_argument("--no-close-date", default="2017-12-31", help="a date or 'skip'")
    maven.add_argument("--products", choices=["merge", "keep"], default="merge")
    maven.set_defaults(func=cmd_import_maven)

    generate = commands.add_parser(
        "generate", help="fill an empty database with a generated company for benchmarks"
    )
    generate.add_argument("--scale", default="10k", help="10k, 100k or 1m opportunities")
    generate.add_argument("--seed", type=int, help="the same seed gives the same rows")
    generate.add_argument("--today", help="the day the data is built around (YYYY-MM-DD)")
    generate.add_argument("--migrate", action="store_true", help="apply migrations first")
    generate.set_defaults(func=cmd_generate)

    backup = commands.add_parser(
        "backup", help="write a consistent backup (database and attachments) to FILE, online"
    )
    backup.add_argument("file")
    backup.add_argument("--force", action="store_true", help="replace an existing FILE")
    backup.set_defaults(func=cmd_backup)

    restore = commands.add_parser(
        "restore", help="restore a backup FILE into an empty instance (stop the server first)"
    )
    restore.add_argument("file")
    restore.set_defaults(func=cmd_restore)

    inbound = commands.add_parser(
        "mail-inbound",
        help="receive mail over SMTP: opp-<id>@<inbound domain> and the general address",
    )
    inbound.add_argument("--host", default=os.environ.get("MAIL_INBOUND_HOST", "127.0.0.1"))
    inbound.add_argument("--port", type=int, default=int(os.environ.get("MAIL_INBOUND_PORT", 2525)))
    inbound.set_defaults(func=cmd_mail_inbound)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from django.core.management.base import CommandError

    try:
        return args.func(args) or 0
    except CommandError as error:
        print(f"shangji: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
