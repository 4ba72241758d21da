"""The load test: N simulated salespeople (locust, bench/loadtest/locustfile.py) against
`shangji serve` on loopback for a fixed time, then the proof that nothing was lost.

    .venv/bin/python bench/loadtest/run.py [--users 50] [--time 5m] [--workers 2]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/loadtest/run.py

A fresh database (SQLite in a scratch SHANGJI_HOME, or a scratch database on the PostgreSQL
server of DATABASE_URL) gets the demo company. Afterwards it checks: no request failed (no 5xx;
a 409 "someone changed it first" is an answer, not a failure), the server logged no "database
is locked" and no traceback, every acknowledged activity exists, every acknowledged stage move
left exactly one history row, every acknowledged edit is the record's state unless a later
acknowledged change followed. It prints p50/p95/p99 and throughput per action (a markdown
table, also written to --report) and exits 1 if any check fails.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.served import api_key, django_in, served_demo  # noqa: E402

USERS = ("zhangyue", "liming", "wangqiang", "chenjing")


def percentiles(row: dict) -> dict:
    def number(key):
        value = row.get(key, "")
        return float(value) if value not in ("", "N/A") else None

    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "p50_ms": number("50%"),
        "p95_ms": number("95%"),
        "p99_ms": number("99%"),
        "rps": number("Requests/s"),
    }


def markdown(results: dict) -> str:
    lines = [
        f"Load test: {results['users']} users for {results['time']} on {results['database']}, "
        f"`shangji serve --workers {results['workers']}`, {results['machine']}",
        "",
        "| action | requests | failures | p50 ms | p95 ms | p99 ms | req/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in results["actions"].items():
        lines.append(
            f"| {name} | {row['requests']} | {row['failures']} | {row['p50_ms']:.0f} | "
            f"{row['p95_ms']:.0f} | {row['p99_ms']:.0f} | {row['rps']:.1f} |"
        )
    checks = results["checks"]
    lines += [
        "",
        f"Acknowledged writes checked: {checks['activities']} activities, {checks['moves']} "
        f"stage moves, {checks['edits']} edits — problems: {len(checks['problems'])}; "
        f"database-locked errors: {results['locked']}; 5xx: {results['server_errors']}.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--time", default="5m", help="e.g. 300s, 5m")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--report", help="write the markdown table here too")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="shangji-load-") as scratch:
        scratch = Path(scratch)
        with served_demo(scratch, workers=args.workers) as (server, env):
            keys = {name: api_key(env, name) for name in USERS}
            acks = scratch / "acks.jsonl"
            acks.touch()
            start = datetime.datetime.now(datetime.UTC).isoformat()
            locust_env = {
                **env,
                "SHANGJI_LOAD_KEYS": json.dumps(keys),
                "SHANGJI_LOAD_ACKS": str(acks),
            }
            command = [
                sys.executable, "-m", "locust", "-f", str(ROOT / "bench/loadtest/locustfile.py"),
                "--headless", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
                "--run-time", args.time, "--host", f"http://127.0.0.1:{server.port}",
                "--csv", str(scratch / "stats"), "--only-summary", "--stop-timeout", "10",
            ]  # fmt: skip
            ran = subprocess.run(command, env=locust_env, capture_output=True, text=True)
            with (scratch / "stats_stats.csv").open(encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
            code = (
                "import json\nfrom bench.loadtest.checks import report\n"
                f"print(json.dumps(report({str(acks)!r}, {start!r})))"
            )
            checks = json.loads(django_in(env, code))
            log = server.log_path.read_text(errors="replace")
        database = "PostgreSQL" if env["DATABASE_URL"] else "SQLite"
        statuses = Counter(
            line.split('" ')[1].split()[0]
            for line in log.splitlines()
            if '" ' in line and "HTTP/1" in line
        )
        results = {
            "users": args.users,
            "time": args.time,
            "workers": args.workers,
            "database": database,
            "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}",
            "actions": {
                row["Name"]: percentiles(row) for row in rows if row["Name"] != "Aggregated"
            },
            "total": next(percentiles(row) for row in rows if row["Name"] == "Aggregated"),
            "checks": checks,
            "locked": log.count("database is locked"),
            "server_errors": sum(n for code, n in statuses.items() if code.startswith("5")),
            "tracebacks": log.count("Traceback"),
        }
    table = markdown(results)
    print(table)
    if args.report:
        Path(args.report).write_text(table, encoding="utf-8")
    failed = (
        results["total"]["failures"]
        or results["locked"]
        or results["server_errors"]
        or results["tracebacks"]
        or checks["problems"]
        or ran.returncode not in (0, 1)
    )
    if failed:
        print(ran.stdout[-3000:], ran.stderr[-3000:], checks["problems"][:20], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
