"""The `shangji` command: demo, serve, worker, manage, createuser, token, mail-inbound."""

import argparse
import contextlib
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
    _manage("db_worker", "--queue-name", "*", "--interval", str(args.interval), "--no-reload")
    return 0


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
    _manage("create_api_token", args.username, "--name", args.name)
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
    token_create.set_defaults(func=cmd_token)

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
