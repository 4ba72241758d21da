"""Benchmark: pages and API over real HTTP against `shangji serve --workers 2` on loopback.

    SHANGJI_HOME=$(mktemp -d) .venv/bin/python bench/http_bench.py --fresh --scale 10k
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shangji_bench \\
        SHANGJI_HOME=$(mktemp -d) .venv/bin/python bench/http_bench.py --fresh --scale 10k

(`make bench SCALE=10k|100k|1m` does the first, or the second when DATABASE_URL is set.)

With --fresh the database is emptied first (SQLite: the file in SHANGJI_HOME; PostgreSQL:
every table of DATABASE_URL's database, its `public` schema dropped), migrated, and filled by
`shangji manage generate --scale SCALE`. Without --fresh an already filled database is used
as it is.

Every read scenario is warmed up, then requested a fixed number of times by one client over a
keep-alive connection (gunicorn's sync workers close it after each answer, so in practice one
TCP connection per request); the same core query is timed through a direct database connection
as often, and the page's p50 is divided by the raw query's p50. The API writes run from four
concurrent clients with API keys. Then the export endpoint streams every opportunity, and an
import of --import-rows rows runs through the API and the task worker. Peak resident memory of
the web processes and of the task worker is sampled with psutil throughout.

Results: bench/results/<db>-<scale>.json and .md (or --out DIR).
"""

import argparse
import contextlib
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import psutil
from http_bench_sql import (
    MANAGER_SCOPE,
    Database,
    pick,
    raw_after_cursor,
    raw_board,
    raw_detail,
    raw_forecast,
    raw_list,
    raw_outcome_by_month,
    raw_pipeline_by_stage,
    raw_search,
    raw_time_in_stage,
    timeline_entries,
)

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
PASSWORD = "bench-Passw0rd-7"
PAGE_SIZE = 50
CJK = re.compile(r"[\u4e00-\u9fff]{2,}")
LATIN = re.compile(r"\b[A-Za-z]{4,}\b")

LIST_TARGET = {"p50": 20, "p95": 50}
TARGETS = {
    "list": LIST_TARGET,
    "board": {"p95": 100},
    "report": {"p95": 300},
}
# "List pages within 3x (+5 ms) of their raw SQL".
RATIO_FACTOR, RATIO_SLACK_MS = 3.0, 5.0
CREATES_PER_S, MOVES_PER_S = 200, 300
IMPORT_ROWS_PER_S, EXPORT_ROWS_PER_S = 10_000, 50_000
WEB_RSS_MB, IMPORT_RSS_MB = 200, 300


# ---------------------------------------------------------------- HTTP


class Client:
    """One HTTP client on loopback: a keep-alive connection, cookies, CSRF, or an API key."""

    def __init__(self, port: int, token: str | None = None):
        self.port = port
        self.token = token
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def close(self) -> None:
        self.connection.close()

    def request(self, method: str, path: str, body=None, headers=None, sink: bool = False):
        """(status, headers, body bytes — or the byte count with `sink`)."""
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle connection: open a new one and ask again.
                self.connection.close()
                if attempt == 2:
                    raise
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if sink:
            size = 0
            while chunk := response.read(1 << 16):
                size += len(chunk)
            data = size
        else:
            data = response.read()
        if response.will_close:
            self.connection.close()
        return response.status, response.headers, data

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def json(self, method: str, path: str, body=None, expect=(200,)):
        status, _headers, data = self.request(method, path, body=body)
        if status not in expect:
            raise RuntimeError(f"{method} {path} answered {status}: {data[:500]!r}")
        return json.loads(data) if data else None

    def login(self, username: str, password: str) -> None:
        status, _headers, data = self.get("/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data)
        if status != 200 or not match:
            raise RuntimeError(f"the login form did not come ({status})")
        form = urllib.parse.urlencode(
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": match.group(1).decode(),
            }
        )
        status, _headers, _data = self.request(
            "POST",
            "/login/",
            body=form.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"logging in as {username} failed ({status})")


def multipart(fields: dict[str, str], file_field: str, path: Path) -> tuple[bytes, str]:
    """A multipart/form-data body with the fields and one file (the file is read whole)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{path.name}"\r\nContent-Type: text/csv\r\n\r\n'
    )
    body = "".join(parts).encode() + head.encode() + path.read_bytes()
    body += f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


# ---------------------------------------------------------------- processes and memory


class MemorySampler:
    """Samples the resident memory of process trees in a thread; keeps each process's peak."""

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.roots: dict[str, int] = {}
        self.peaks: dict[str, dict[int, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def watch(self, label: str, pid: int) -> None:
        self.roots[label] = pid
        self.peaks.setdefault(label, {})

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            for label, pid in list(self.roots.items()):
                with contextlib.suppress(psutil.Error):
                    root = psutil.Process(pid)
                    for process in [root, *root.children(recursive=True)]:
                        with contextlib.suppress(psutil.Error):
                            rss = process.memory_info().rss
                            peaks = self.peaks[label]
                            peaks[process.pid] = max(peaks.get(process.pid, 0), rss)
            self._stop.wait(self.interval)

    def peak_mb(self, label: str, *, exclude: int | None = None) -> float | None:
        values = [rss for pid, rss in self.peaks.get(label, {}).items() if pid != exclude]
        return round(max(values) / 2**20, 1) if values else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def shangji(env: dict, *args: str, capture: bool = False) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "shangji.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=capture,
        text=True,
    )
    if done.returncode != 0:
        detail = (done.stderr or "")[-2000:] if capture else ""
        raise RuntimeError(f"shangji {' '.join(args)} failed ({done.returncode}) {detail}")
    return done.stdout if capture else ""


def start(env: dict, home: Path, name: str, *args: str) -> subprocess.Popen:
    log = open(home / f"bench-{name}.log", "ab")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(
        [sys.executable, "-m", "shangji.cli", *args],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited while starting; see bench-server.log")
        with contextlib.suppress(OSError, http.client.HTTPException):
            client = Client(port)
            status, _headers, _data = client.get("/login/")
            client.close()
            if status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError("the server did not answer in time")


# ---------------------------------------------------------------- measuring


def percentiles(samples_ms: list[float]) -> dict:
    ordered = sorted(samples_ms)
    if len(ordered) == 1:
        value = round(ordered[0], 2)
        return {"p50_ms": value, "p95_ms": value, "p99_ms": value}
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
    }


def timed(call, count: int) -> tuple[list[float], float]:
    samples = []
    began = time.perf_counter()
    for _ in range(count):
        start_at = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start_at) * 1000)
    return samples, time.perf_counter() - began


class Bench:
    def __init__(self, arguments, database: Database, port: int):
        self.arguments = arguments
        self.database = database
        self.port = port
        self.scenarios: list[dict] = []
        self.notes: list[str] = []

    # ---- reads

    def read(self, name, title, client, path, raw, *, group, ratio_target=False, extra=None):
        """Warm up, then time `path` and the raw queries the same number of times."""

        def fetch():
            status, _headers, _data = client.get(path)
            if status != 200:
                raise RuntimeError(f"{name}: GET {path} answered {status}")

        arguments = self.arguments
        for _ in range(arguments.warmup):
            fetch()
        samples, elapsed = timed(fetch, arguments.requests)

        def run_raw():
            for sql, params in raw:
                self.database.rows(sql, params)

        for _ in range(arguments.warmup):
            run_raw()
        raw_samples, _elapsed = timed(run_raw, arguments.requests)
        result = {
            "name": name,
            "title": title,
            "kind": "read",
            "path": path,
            "n": len(samples),
            **percentiles(samples),
            "mean_ms": round(statistics.fmean(samples), 2),
            "throughput_per_s": round(len(samples) / elapsed, 1),
            "raw_sql": {
                "queries": len(raw),
                **percentiles(raw_samples),
            },
        }
        raw_p50 = result["raw_sql"]["p50_ms"]
        result["ratio"] = round(result["p50_ms"] / raw_p50, 1) if raw_p50 > 0 else None
        target = TARGETS[group]
        result["target"] = ", ".join(f"{key} ≤ {value} ms" for key, value in target.items())
        result["met"] = all(result[f"{key}_ms"] <= value for key, value in target.items())
        if ratio_target:
            limit = RATIO_FACTOR * raw_p50 + RATIO_SLACK_MS
            result["ratio_target"] = f"p50 ≤ 3 × raw + 5 ms = {limit:.1f} ms"
            result["ratio_met"] = result["p50_ms"] <= limit
        result.update(extra or {})
        self.scenarios.append(result)
        print(
            f"  {name:<24} p50 {result['p50_ms']:8.1f}  p95 {result['p95_ms']:8.1f}  "
            f"p99 {result['p99_ms']:8.1f} ms  {result['throughput_per_s']:7.1f}/s  "
            f"raw {raw_p50:7.2f} ms  ×{result['ratio']}",
            flush=True,
        )
        return result

    # ---- concurrent API writes

    def writes(self, name, title, clients, make_call, count, per_s):
        """`count` calls spread over the clients' threads; `make_call(index)` → callable."""
        samples: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        per_client = [
            count // len(clients) + (i < count % len(clients)) for i in range(len(clients))
        ]

        def work(index: int) -> None:
            call = make_call(index)
            mine = []
            try:
                for _ in range(per_client[index]):
                    start_at = time.perf_counter()
                    call()
                    mine.append((time.perf_counter() - start_at) * 1000)
            except Exception as error:  # reported below, the run fails
                errors.append(repr(error))
            with lock:
                samples.extend(mine)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(clients))]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        if errors:
            raise RuntimeError(f"{name}: {errors[0]}")
        result = {
            "name": name,
            "title": title,
            "kind": "write",
            "clients": len(clients),
            "n": len(samples),
            **percentiles(samples),
            "mean_ms": round(statistics.fmean(samples), 2),
            "throughput_per_s": round(len(samples) / elapsed, 1),
            "raw_sql": None,
            "ratio": None,
            "target": f"≥ {per_s}/s",
        }
        result["met"] = result["throughput_per_s"] >= per_s
        self.scenarios.append(result)
        print(
            f"  {name:<24} p50 {result['p50_ms']:8.1f}  p95 {result['p95_ms']:8.1f}  "
            f"p99 {result['p99_ms']:8.1f} ms  {result['throughput_per_s']:7.1f}/s "
            f"({len(clients)} clients)",
            flush=True,
        )
        return result


# ---------------------------------------------------------------- the run


def build(arguments, database: Database, env: dict) -> dict:
    if arguments.fresh:
        print(f"emptying the {database.kind} database", flush=True)
        database.empty()
        database.close()
    began = time.monotonic()
    shangji(env, "manage", "migrate", "--noinput", "--verbosity", "0")
    count = database.value("SELECT COUNT(*) FROM opportunities_opportunity")
    if count:
        return {"source": "existing database, reused", "seconds": 0}
    generator = ROOT / "src/shangji/core/management/commands/generate.py"
    if generator.exists():
        print(f"generating {arguments.scale}", flush=True)
        shangji(env, "manage", "generate", "--scale", arguments.scale)
        source = f"shangji manage generate --scale {arguments.scale}"
    else:
        # Until the generator exists: the demo company and the Maven CRM data set.
        print("no generator yet: loading the demo and the Maven data set", flush=True)
        shangji(env, "manage", "load_demo")
        shangji(env, "import-maven", "--as", "admin", capture=True)
        source = "load_demo + import-maven (the generator did not exist)"
    return {"source": source, "seconds": round(time.monotonic() - began, 1)}


def dataset(database: Database) -> dict:
    tables = {
        "opportunities": "opportunities_opportunity",
        "history_rows": "opportunities_opportunitychange",
        "activities": "activities_activity",
        "accounts": "accounts_account",
        "contacts": "contacts_contact",
        "users": "users_user",
    }
    return {key: database.value(f"SELECT COUNT(*) FROM {table}") for key, table in tables.items()}


def machine(database: Database) -> dict:
    memory = psutil.virtual_memory()
    return {
        "cpu": platform.processor() or platform.machine(),
        "cores_logical": psutil.cpu_count(),
        "cores_physical": psutil.cpu_count(logical=False),
        "ram_gb": round(memory.total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "database": database.version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def set_passwords(env: dict, usernames: list[str]) -> None:
    code = (
        "from shangji.users.models import User\n"
        f"for user in User.objects.filter(username__in={usernames!r}):\n"
        f"    user.set_password({PASSWORD!r}); user.save(update_fields=['password'])\n"
    )
    shangji(env, "manage", "shell", "-c", code)


def follow_pages(client: Client, path: str, pages: int, next_of) -> tuple[str, int]:
    """The address of page `pages` (or the last one) following next links from `path`."""
    reached = 1
    while reached < pages:
        status, _headers, data = client.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        following = next_of(data)
        if not following:
            break
        path, reached = following, reached + 1
    return path, reached


def next_page_link(base: str):
    def next_of(data: bytes) -> str | None:
        match = re.search(rb'href="([^"]*cursor=[^"]*)" rel="next"', data)
        if not match:
            return None
        return base + match.group(1).decode().replace("&amp;", "&")

    return next_of


def next_api_link(path: str):
    def next_of(data: bytes) -> str | None:
        cursor = json.loads(data)["next_cursor"]
        if not cursor:
            return None
        return f"{path}&cursor={urllib.parse.quote(cursor)}"

    return next_of


def run_reads(bench: Bench, picked: dict, manager: Client, executive: Client, api: Client):
    database = bench.database
    manager_id = picked["manager"]["id"]
    scope = (manager_id, manager_id)
    bench.read(
        "list_manager",
        "Opportunity list, first page (manager)",
        manager,
        "/opportunities/",
        raw_list(MANAGER_SCOPE, scope),
        group="list",
        ratio_target=True,
    )
    bench.read(
        "list_executive",
        "Opportunity list, first page (executive)",
        executive,
        "/opportunities/",
        raw_list(),
        group="list",
        ratio_target=True,
    )
    chosen = picked["filter"]
    query = urllib.parse.urlencode(
        {
            "stage": chosen["stage"],
            "owner": chosen["owner"],
            "close_date_from": chosen["close_date_from"],
            "close_date_to": chosen["close_date_to"],
            "sort": "-amount",
        }
    )
    bench.read(
        "list_filtered",
        "List: stage + owner + close quarter, by amount (manager)",
        manager,
        f"/opportunities/?{query}",
        raw_list(
            f"{MANAGER_SCOPE} AND o.stage_id = %s AND o.owner_id = %s "
            "AND o.close_date >= %s AND o.close_date <= %s",
            (
                *scope,
                chosen["stage"],
                chosen["owner"],
                chosen["close_date_from"],
                chosen["close_date_to"],
            ),
            " ORDER BY o.amount_base DESC NULLS LAST, o.id DESC LIMIT 51",
        ),
        group="list",
        ratio_target=True,
        extra={"matches": chosen["matches"]},
    )
    for key, title in (("search_zh", "Search, Chinese"), ("search_latin", "Search, Latin")):
        term = picked[key]["term"]
        bench.read(
            key,
            f"{title} “{term}” (executive)",
            executive,
            "/opportunities/?" + urllib.parse.urlencode({"q": term}),
            raw_search(database, term),
            group="list",
            ratio_target=True,
            extra={"matches": picked[key]["matches"]},
        )

    # Page 200 by following the "next" links (keyset cursors, see core/pagination.py).
    began = time.perf_counter()
    pages = bench.arguments.page
    path, reached = follow_pages(
        executive, "/opportunities/", pages, next_page_link("/opportunities/")
    )
    walk = time.perf_counter() - began
    if reached < pages:
        bench.notes.append(
            f"The list has {reached} pages; the cursor scenario times page {reached}."
        )
    cursor = urllib.parse.parse_qs(urllib.parse.urlparse(path).query).get("cursor", [None])[0]
    bench.read(
        "list_page_200",
        f"List page {reached} through the cursor (executive)",
        executive,
        path,
        raw_after_cursor(cursor) if cursor else raw_list(),
        group="list",
        ratio_target=True,
        extra={"page": reached, "pagination": "keyset", "walk_seconds": round(walk, 1)},
    )
    api_path = "/api/v1/opportunities?limit=50"
    began = time.perf_counter()
    path, reached = follow_pages(api, api_path, pages, next_api_link(api_path))
    walk = time.perf_counter() - began
    cursor = urllib.parse.parse_qs(urllib.parse.urlparse(path).query).get("cursor", [None])[0]
    bench.read(
        "api_page_200",
        f"API GET /opportunities page {reached} through next_cursor (executive)",
        api,
        path,
        raw_after_cursor(cursor) if cursor else raw_list(),
        group="list",
        ratio_target=True,
        extra={"page": reached, "pagination": "keyset", "walk_seconds": round(walk, 1)},
    )

    detail = picked["detail"]
    bench.read(
        "detail",
        f"Opportunity detail, {detail['timeline_entries']} timeline entries (executive)",
        executive,
        f"/opportunities/{detail['id']}/",
        raw_detail(detail["id"]),
        group="list",
        extra={"timeline_entries": detail["timeline_entries"]},
    )
    bench.read(
        "board",
        "Board (executive)",
        executive,
        "/opportunities/board/",
        raw_board(database, picked["pipeline"]),
        group="board",
    )
    period = picked["period"]
    bench.read(
        "forecast",
        f"Forecast {period['key']} (executive)",
        executive,
        f"/forecast/?period={period['key']}",
        raw_forecast(period["start"], period["end"]),
        group="report",
    )
    for slug, raw in (
        ("pipeline-by-stage", raw_pipeline_by_stage()),
        ("outcome-by-month", raw_outcome_by_month(database)),
        ("time-in-stage", raw_time_in_stage(database)),
    ):
        bench.read(
            f"report_{slug.replace('-', '_')}",
            f"Report {slug} (executive)",
            executive,
            f"/reports/{slug}/",
            raw,
            group="report",
        )


def run_writes(bench: Bench, picked: dict, tokens: list[str]) -> None:
    clients = [Client(bench.port, token) for token in tokens]
    stages = picked["open_stages"]
    created: list[list[dict]] = [[] for _ in clients]
    today = datetime.date.today()

    def creator(index: int):
        client, serial = clients[index], iter(range(10**9))

        def call():
            number = next(serial)
            body = {
                "name": f"Bench deal {index}-{number}",
                "account": picked["account"],
                "amount": f"{10_000 + number}.00",
                "currency": "CNY",
                "close_date": (today + datetime.timedelta(days=30 + number % 60)).isoformat(),
                "stage": stages[0],
            }
            row = client.json("POST", "/api/v1/opportunities", body, expect=(201,))
            created[index].append({"id": row["id"], "version": row["version"]})

        return call

    for index in range(len(clients)):  # warm-up, not counted
        for _ in range(bench.arguments.warmup // len(clients) + 1):
            creator(index)()
    bench.writes(
        "api_create",
        "API POST /opportunities",
        clients,
        creator,
        bench.arguments.requests,
        CREATES_PER_S,
    )

    def mover(index: int):
        client, mine, turn = clients[index], created[index], iter(range(10**9))

        def call():
            number = next(turn)
            record = mine[number % len(mine)]
            # Each visit to a record moves it on: stage 1, 2, …, back to 0 (it was made in 0).
            stage = stages[(number // len(mine) + 1) % len(stages)]
            row = client.json(
                "PATCH",
                f"/api/v1/opportunities/{record['id']}",
                {"version": record["version"], "stage": stage},
            )
            record["version"] = row["version"]

        return call

    bench.writes(
        "api_stage_move",
        "API PATCH /opportunities/{id} stage",
        clients,
        mover,
        bench.arguments.requests,
        MOVES_PER_S,
    )
    for client in clients:
        client.close()


def run_export(bench: Bench, api: Client, runs: int) -> dict:
    rows = bench.database.value("SELECT COUNT(*) FROM opportunities_opportunity")
    samples, sizes = [], []
    for _ in range(runs):
        began = time.perf_counter()
        status, _headers, size = api.get("/api/v1/opportunities/export?format=csv", sink=True)
        samples.append((time.perf_counter() - began) * 1000)
        if status != 200:
            raise RuntimeError(f"export answered {status}")
        sizes.append(size)
    result = {
        "rows": rows,
        "runs": runs,
        "megabytes": round(sizes[-1] / 1e6, 1),
        **percentiles(samples),
    }
    result["rows_per_s"] = round(rows / (result["p50_ms"] / 1000))
    result["target"] = f"≥ {EXPORT_ROWS_PER_S:,} rows/s"
    result["met"] = result["rows_per_s"] >= EXPORT_ROWS_PER_S
    print(
        f"  export: {rows:,} rows in {result['p50_ms'] / 1000:.2f} s (p50) = "
        f"{result['rows_per_s']:,} rows/s"
    )
    return result


def run_import(bench: Bench, api: Client, rows: int, home: Path) -> dict:
    sys.path.insert(0, str(BENCH_DIR))
    from import_opportunities import write_csv

    database = bench.database
    stages = [
        row[0]
        for row in database.rows(
            "SELECT name FROM opportunities_stage WHERE pipeline_id = %s AND is_active "
            "ORDER BY position",
            (bench.picked["pipeline"],),
        )
    ]
    owners = [
        row[0]
        for row in database.rows(
            "SELECT username FROM users_user WHERE is_active AND role = 'rep' ORDER BY id LIMIT 8"
        )
    ]
    path = home / "bench-import.csv"
    write_csv(path, rows, stages, owners)
    body, content_type = multipart({"kind": "opportunities"}, "file", path)
    before = database.value("SELECT COUNT(*) FROM opportunities_opportunity")
    began = time.perf_counter()
    status, _headers, data = api.request(
        "POST", "/api/v1/imports", body=body, headers={"Content-Type": content_type}
    )
    if status != 201:
        raise RuntimeError(f"import upload answered {status}: {data[:500]!r}")
    job = json.loads(data)
    upload = time.perf_counter() - began
    mapping = job["mapping"]
    mapping["fields"]["lost_reason"] = {"column": "Lost Reason"}
    mapping["options"]["create_accounts"] = True
    api.json(
        "PUT",
        f"/api/v1/imports/{job['id']}/mapping",
        {"fields": mapping["fields"], "options": mapping["options"]},
    )
    began = time.perf_counter()
    api.json("POST", f"/api/v1/imports/{job['id']}/run", {}, expect=(202,))
    # Progress is read from the database: on SQLite every API call with a key writes (the
    # key's last use) and waits behind the import's one long write transaction.
    probe = None
    while True:
        time.sleep(0.5)
        status = database.value("SELECT status FROM imports_importjob WHERE id = %s", (job["id"],))
        if status in ("done", "failed", "interrupted"):
            break
        if probe is None and time.perf_counter() - began > 5:
            # One API read while the import writes: does it answer?
            probe_began = time.perf_counter()
            probe, _headers, _data = api.get(f"/api/v1/imports/{job['id']}")
            probe = {"status": probe, "ms": round((time.perf_counter() - probe_began) * 1000)}
    seconds = time.perf_counter() - began
    job = api.json("GET", f"/api/v1/imports/{job['id']}")
    after = database.value("SELECT COUNT(*) FROM opportunities_opportunity")
    result = {
        "rows": rows,
        "status": job["status"],
        "created": after - before,
        "megabytes": round(path.stat().st_size / 1e6, 1),
        "upload_seconds": round(upload, 2),
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds),
        "how": "POST /api/v1/imports, PUT mapping, POST run (check + write in the task worker)",
        "api_read_during_import": probe,
        "target": f"≥ {IMPORT_ROWS_PER_S:,} rows/s",
    }
    result["met"] = result["rows_per_s"] >= IMPORT_ROWS_PER_S and after - before == rows
    path.unlink()
    print(
        f"  import: {rows:,} rows, {job['status']}, {seconds:.1f} s = "
        f"{result['rows_per_s']:,} rows/s",
        flush=True,
    )
    return result


def markdown(results: dict) -> str:
    m = results["machine"]
    d = results["dataset"]
    lines = [
        f"# HTTP benchmark — {results['database']} · {results['scale']}",
        "",
        f"{results['finished_at']} · {m['cores_logical']} cores ({m['cpu']}), "
        f"{m['ram_gb']} GB RAM, "
        f"{m['os']}, Python {m['python']}, {m['database']}; load average "
        f"{m['load_average_at_start']} at the start, {m['load_average_at_end']} at the end "
        "(a shared machine).",
        "",
        f"Data ({results['build']['source']}): {d['opportunities']:,} opportunities, "
        f"{d['history_rows']:,} history rows, {d['activities']:,} activities, "
        f"{d['accounts']:,} accounts, {d['users']:,} users. "
        f"`shangji serve --workers 2`; {results['settings']['requests']} timed requests per "
        f"scenario after {results['settings']['warmup']} warm-up ones; reads from one client, "
        f"writes from {results['settings']['api_clients']} concurrent API clients.",
        "",
        "| scenario | n | p50 ms | p95 ms | p99 ms | req/s | raw SQL p50 ms | page ÷ SQL "
        "| target | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for s in results["scenarios"]:
        raw = s["raw_sql"]["p50_ms"] if s["raw_sql"] else "–"
        ratio = f"{s['ratio']}×" if s["ratio"] is not None else "–"
        target, met = s["target"], "yes" if s["met"] else "**no**"
        if "ratio_met" in s:
            target += "; ≤ 3× SQL + 5 ms"
            met += " / " + ("yes" if s["ratio_met"] else "**no**")
        lines.append(
            f"| {s['title']} | {s['n']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | "
            f"{s['throughput_per_s']} | {raw} | {ratio} | {target} | {met} |"
        )
    lines += [
        "",
        "| bulk | rows | seconds | rows/s | target | met |",
        "|---|---:|---:|---:|---|---|",
    ]
    export = results["bulk"].get("export")
    if export:
        lines.append(
            f"| export (CSV, GET /api/v1/opportunities/export, p50 of {export['runs']}) | "
            f"{export['rows']:,} | {export['p50_ms'] / 1000:.2f} | {export['rows_per_s']:,} | "
            f"{export['target']} | {'yes' if export['met'] else '**no**'} |"
        )
    imported = results["bulk"].get("import")
    if imported:
        probe = imported.get("api_read_during_import")
        if probe and probe["status"] != 200:
            results["notes"].append(
                f"While the import wrote, GET /api/v1/imports/<id> with an API key answered "
                f"{probe['status']} after {probe['ms']} ms."
            )
        lines.append(
            f"| import (API + task worker, {imported['status']}) | {imported['rows']:,} | "
            f"{imported['seconds']} | {imported['rows_per_s']:,} | {imported['target']} | "
            f"{'yes' if imported['met'] else '**no**'} |"
        )
    memory = results["memory"]
    lines += [
        "",
        "| peak resident memory | MB | target | met |",
        "|---|---:|---|---|",
        f"| a web worker process | {memory['web_worker_peak_mb']} | < {WEB_RSS_MB} MB | "
        f"{'yes' if memory['web_met'] else '**no**'} |",
        f"| the gunicorn master | {memory['web_master_peak_mb']} | | |",
    ]
    if memory.get("task_worker_peak_mb") is not None:
        lines.append(
            f"| the task worker during the import ({memory['import_rows']:,} rows) | "
            f"{memory['task_worker_peak_mb']} | < {IMPORT_RSS_MB} MB (for 1m rows) | "
            f"{'yes' if memory['import_met'] else '**no**'} |"
        )
    if results["notes"]:
        lines += ["", *[f"- {note}" for note in results["notes"]]]
    missed = results["missed"]
    lines += ["", "Missed: " + (", ".join(missed) if missed else "none") + "."]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="10k", help="10k, 100k or 1m (the generator's)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests first")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--export-runs", type=int, default=3)
    parser.add_argument("--page", type=int, default=200, help="the list page the cursor reaches")
    parser.add_argument("--fresh", action="store_true", help="empty the database first")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results")
    parser.add_argument("--remove-home", action="store_true", help="delete SHANGJI_HOME after")
    arguments = parser.parse_args()

    home = Path(os.environ.get("SHANGJI_HOME") or "").resolve()
    if not os.environ.get("SHANGJI_HOME"):
        parser.error("set SHANGJI_HOME (a scratch directory; `make bench` makes one)")
    home.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL", "")
    env = {
        **os.environ,
        "SHANGJI_HOME": str(home),
        "API_RATE_LIMIT": "0",
        "API_RATE_LIMIT_UNSAFE": "0",
        "DEBUG": "false",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    database = Database(home, url)
    print(f"benchmark: {database.kind}, scale {arguments.scale}, SHANGJI_HOME {home}", flush=True)
    results: dict = {
        "database": database.kind,
        "scale": arguments.scale,
        "started_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "settings": {
            "requests": arguments.requests,
            "warmup": arguments.warmup,
            "web_workers": 2,
            "api_clients": 4,
            "import_rows": arguments.import_rows,
            "export_runs": arguments.export_runs,
        },
    }
    results["build"] = build(arguments, database, env)
    results["machine"] = machine(database)
    results["dataset"] = dataset(database)
    picked = pick(database)
    executive_name = picked["executive"]["username"]
    set_passwords(env, [picked["manager"]["username"], executive_name])
    tokens = [
        shangji(
            env, "token", "create", executive_name, "--name", f"bench {n}", capture=True
        ).strip()
        for n in range(4)
    ]

    port = free_port()
    server = worker = None
    sampler = MemorySampler()
    try:
        server = start(env, home, "server", "serve", "--workers", "2", "--port", str(port))
        sampler.watch("web", server.pid)
        sampler.start()
        wait_until_up(port, server)
        manager, executive, api = Client(port), Client(port), Client(port, tokens[0])
        manager.login(picked["manager"]["username"], PASSWORD)
        executive.login(executive_name, PASSWORD)

        pk, entries = timeline_entries(database)
        if entries < 100:
            # Notes through the API until the timeline holds 100 entries.
            for number in range(100 - entries):
                api.json(
                    "POST",
                    "/api/v1/activities",
                    {"kind": "note", "subject": f"Bench note {number}", "opportunity": pk},
                    expect=(201,),
                )
            bench_note = f"Added {100 - entries} notes through the API to opportunity {pk}."
            pk, entries = pk, 100
        else:
            bench_note = None
        picked["detail"] = {"id": pk, "timeline_entries": entries}
        forecast = api.json("GET", "/api/v1/forecast")
        picked["period"] = forecast["period"]

        bench = Bench(arguments, database, port)
        bench.picked = picked
        if bench_note:
            bench.notes.append(bench_note)
        print("reads", flush=True)
        run_reads(bench, picked, manager, executive, api)
        print("writes (4 API clients)", flush=True)
        run_writes(bench, picked, tokens)
        print("export and import", flush=True)
        # The task worker runs the import; it starts (a few seconds) before the clock does.
        worker = start(env, home, "worker", "worker")
        sampler.watch("task_worker", worker.pid)
        time.sleep(5)
        bulk = {"export": run_export(bench, api, arguments.export_runs)}
        if arguments.import_rows:
            bulk["import"] = run_import(bench, api, arguments.import_rows, home)
        for client in (manager, executive, api):
            client.close()
    finally:
        stop(worker)
        stop(server)
        sampler.stop()
    results["bulk"] = bulk
    results["picked"] = picked
    results["scenarios"] = bench.scenarios
    results["notes"] = bench.notes + [
        "Raw SQL is the core query of each page (rows, joins, visibility, order, limit), "
        "without the page's other queries (health flags, filters' choices, counts, templates).",
        "Pagination is keyset (cursor = last sort value + id), not OFFSET.",
    ]
    web_worker = sampler.peak_mb("web", exclude=server.pid)
    memory = {
        "web_worker_peak_mb": web_worker,
        "web_master_peak_mb": round(sampler.peaks["web"].get(server.pid, 0) / 2**20, 1),
        "web_met": web_worker is not None and web_worker < WEB_RSS_MB,
        "task_worker_peak_mb": sampler.peak_mb("task_worker"),
        "import_rows": arguments.import_rows,
    }
    memory["import_met"] = (
        memory["task_worker_peak_mb"] is not None and memory["task_worker_peak_mb"] < IMPORT_RSS_MB
    )
    results["memory"] = memory
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["finished_at"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    missed = [s["name"] for s in bench.scenarios if not s["met"]]
    missed += [f"{s['name']} (vs raw SQL)" for s in bench.scenarios if s.get("ratio_met") is False]
    missed += [f"{name}" for name, item in bulk.items() if not item["met"]]
    missed += [] if memory["web_met"] else ["web memory"]
    missed += [] if memory["import_met"] or not arguments.import_rows else ["import memory"]
    results["missed"] = missed
    database.close()

    arguments.out.mkdir(parents=True, exist_ok=True)
    stem = arguments.out / f"{database.kind}-{arguments.scale}"
    table = markdown(results)
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    stem.with_suffix(".md").write_text(table)
    print("\n" + table)
    print(f"written: {stem}.json and {stem}.md")
    if arguments.remove_home:
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
