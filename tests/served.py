"""Shangji as a user runs it: `shangji serve` (gunicorn) and `shangji worker` as processes of
their own, on a fresh database — a SQLite file, or a scratch PostgreSQL database when the tests
run on PostgreSQL — loaded with the demo company. For tests that need real processes: many
clients at once, a server killed mid-request, two servers sharing one database."""

import atexit
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _admin_connection(database_url: str):
    import psycopg

    parts = urlsplit(database_url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def _clean_env(home: Path) -> dict:
    env = {**os.environ, "SHANGJI_HOME": str(home), "DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _drop_database(base: str, name: str) -> None:
    with _admin_connection(base) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_demo_template: dict[str, str] = {}


def demo_template() -> str:
    """A database with the demo company, built once per process and copied for each test:
    the path of a SQLite file, or the name of a PostgreSQL template database."""
    if "source" in _demo_template:
        return _demo_template["source"]
    base = os.environ.get("DATABASE_URL", "")
    home = Path(tempfile.mkdtemp(prefix="shangji-demo-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    env = _clean_env(home)
    if base.startswith("postgres"):
        name = f"shangji_demo_{uuid.uuid4().hex[:10]}"
        with _admin_connection(base) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        atexit.register(_drop_database, base, name)
        env["DATABASE_URL"] = urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
        source = name
    else:
        source = str(home / "shangji.sqlite3")
    shangji(env, "manage", "migrate", "--noinput", "--verbosity", "0")
    shangji(env, "manage", "load_demo")
    _demo_template.update(source=source, media=str(home / "media"))
    return source


@contextmanager
def scratch_database(home: Path, *, demo: bool = False):
    """The environment of a fresh database — empty, or a copy of the demo template: PostgreSQL
    beside the test database when DATABASE_URL names one, else SQLite in `home`."""
    base = os.environ.get("DATABASE_URL", "")
    template = demo_template() if demo else None
    env = _clean_env(home)
    if template and Path(_demo_template["media"]).is_dir():  # the demo's e-mail attachments
        shutil.copytree(_demo_template["media"], home / "media")
    if not base.startswith("postgres"):
        if template:
            shutil.copyfile(template, home / "shangji.sqlite3")
        yield env
        return
    name = f"shangji_served_{uuid.uuid4().hex[:10]}"
    with _admin_connection(base) as admin:
        copy = f' TEMPLATE "{template}"' if template else ""
        admin.execute(f'CREATE DATABASE "{name}"{copy}')
    env["DATABASE_URL"] = urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
    try:
        yield env
    finally:
        _drop_database(base, name)


def shangji(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run the `shangji` command to completion."""
    done = subprocess.run(
        [sys.executable, "-m", "shangji.cli", *args], env=env, capture_output=True, text=True
    )
    if check and done.returncode != 0:
        raise AssertionError(f"shangji {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


class Server:
    """One `shangji serve` process (gunicorn with `workers` processes) on a free port."""

    def __init__(self, env: dict, *, workers: int = 2, log: Path):
        self.env, self.workers, self.log_path = env, workers, log
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> "Server":
        command = [sys.executable, "-m", "shangji.cli", "serve", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited:\n{self.log_path.read_text()}")
            try:
                if self.request("GET", "/login/")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"serve did not answer:\n{self.log_path.read_text()}")

    def kill(self) -> None:
        """SIGKILL the whole process group (the arbiter and its workers), as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def request(self, method, path, *, body=None, headers=None, timeout=30):
        """(status, headers, body bytes) of one request on a new connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            payload = json.dumps(body).encode() if body is not None else None
            sent = {"Content-Type": "application/json"} if payload is not None else {}
            connection.request(method, path, body=payload, headers={**sent, **(headers or {})})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()


class ApiUser:
    """Requests to a served Shangji's /api/v1 with one user's API key."""

    def __init__(self, server: Server, key: str):
        self.server, self.key = server, key

    def call(self, method: str, path: str, body=None, **params):
        path = "/api/v1" + path + ("?" + urlencode(params, doseq=True) if params else "")
        headers = {"Authorization": f"Bearer {self.key}", "Accept-Language": "en"}
        status, _headers, raw = self.server.request(method, path, body=body, headers=headers)
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")


def api_key(env: dict, username: str) -> str:
    """A new read-write API key of `username` (printed by `shangji token create`)."""
    printed = shangji(env, "token", "create", username, "--name", "tests").stdout
    return printed.strip().splitlines()[-1].strip()


@contextmanager
def served_demo(tmp_path: Path, *, workers: int = 2, extra_env: dict | None = None):
    """A fresh database with the demo company, served on loopback; yields (server, env)."""
    home = tmp_path / "home"
    home.mkdir()
    with scratch_database(home, demo=True) as env:
        env.update({"API_RATE_LIMIT": "0", "API_RATE_LIMIT_UNSAFE": "0", **(extra_env or {})})
        server = Server(env, workers=workers, log=tmp_path / "serve.log").start()
        try:
            yield server, env
        finally:
            server.stop()


def django_in(env: dict, code: str) -> str:
    """Run Python `code` with Django set up against `env`'s database; its stdout."""
    script = (
        "import os, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shangji.config.settings')\n"
        "django.setup()\n" + code
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode != 0:
        raise AssertionError(done.stderr)
    return done.stdout


class BrowserUser:
    """A signed-in browser session against a served Shangji: cookies and the CSRF token."""

    def __init__(self, server: Server, username: str, password: str = "demo1234"):
        self.server, self.cookies = server, {}
        self._send("GET", "/login/")
        status, _headers, _body = self._send(
            "POST", "/login/", form={"username": username, "password": password}
        )
        if status != 302:
            raise AssertionError(f"{username} could not sign in ({status})")

    def _send(self, method, path, form=None, headers=None):
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        sent["Accept-Language"] = "en"
        body = None
        if form is not None:
            body = urlencode({**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            sent["Referer"] = f"http://127.0.0.1:{self.server.port}{path}"
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers={**sent, **(headers or {})})
            response = connection.getresponse()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def get(self, path):
        return self._send("GET", path)

    def post(self, path, form, headers=None):
        return self._send("POST", path, form=form, headers=headers)


def start_worker(env, log_path):
    """`shangji worker` polling fast, sweeping every second; its own process group."""
    log = log_path.open("ab")
    command = [sys.executable, "-m", "shangji.cli", "worker", "--interval", "0.2"]
    command += ["--sweep-interval", "1"]
    return subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def kill_group(process):
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def stop_group(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            kill_group(process)


def wait_for(condition, timeout=120.0, every=0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    raise AssertionError("timed out waiting")


def query(env, code: str):
    """Run `code` (which assigns `result`) in Django against env's database; the result."""
    return json.loads(django_in(env, code + "\nimport json; print(json.dumps(result))"))
