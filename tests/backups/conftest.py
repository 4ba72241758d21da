"""Instances of Shangji as a user has them: each its own SHANGJI_HOME and database, driven by
the `shangji` command in subprocesses. The database kind follows the test run's DATABASE_URL:
PostgreSQL runs get scratch databases on the same server (created and dropped here)."""

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

PROBE = Path(__file__).with_name("probe.py")
TEST_DATABASE_URL = os.environ.get("DATABASE_URL", "")
VENDOR = "postgresql" if TEST_DATABASE_URL.startswith(("postgres:", "postgresql:")) else "sqlite"


def _server_url(database: str) -> str:
    parts = urlsplit(TEST_DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _admin_execute(sql: str) -> None:
    import psycopg

    with psycopg.connect(_server_url("postgres"), autocommit=True) as db:
        db.execute(sql)


@dataclass
class Instance:
    """One installation: a home folder and (on PostgreSQL) its own database."""

    home: Path
    vendor: str
    database: str = ""
    created: list = field(default_factory=list)

    @property
    def env(self) -> dict:
        env = {**os.environ, "SHANGJI_HOME": str(self.home), "LANG": "C.UTF-8"}
        env["DATABASE_URL"] = _server_url(self.database) if self.database else ""
        env.pop("LC_ALL", None)
        env.pop("LC_MESSAGES", None)
        return env

    @property
    def media(self) -> Path:
        return self.home / "media"

    def shangji(
        self, *args: str, check: bool = True, env: dict | None = None
    ) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "-m", "shangji.cli", *args],
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
        )
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "shangji.cli", *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def probe(self, *args: str):
        done = subprocess.run(
            [sys.executable, str(PROBE), *args], env=self.env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    def probe_process(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, str(PROBE), *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def tables(self) -> list[str]:
        """The tables in this instance's database, read without starting Django."""
        if self.database:
            import psycopg

            with psycopg.connect(_server_url(self.database)) as db:
                rows = db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                return sorted(name for (name,) in rows)
        path = self.home / "shangji.sqlite3"
        if not path.exists():
            return []
        db = sqlite3.connect(path)
        try:
            rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            return sorted(name for (name,) in rows)
        finally:
            db.close()

    def load_demo_with_attachment(self, content: bytes) -> str:
        self.shangji("manage", "migrate", "--noinput", "--verbosity", "0")
        self.shangji("manage", "load_demo")
        upload = self.home / "upload.bin"
        upload.write_bytes(content)
        (name,) = self.probe("attach", str(upload))["files"]
        return name


class Instances:
    """Makes instances and removes their scratch databases at the end."""

    def __init__(self, base: Path):
        self.base = base
        self.databases: list[str] = []

    def new(self, vendor: str = VENDOR) -> Instance:
        home = self.base / uuid.uuid4().hex[:8]
        home.mkdir()
        database = ""
        if vendor == "postgresql":
            database = f"shangji_backup_t_{uuid.uuid4().hex[:10]}"
            _admin_execute(f'CREATE DATABASE "{database}"')
            self.databases.append(database)
        return Instance(home=home, vendor=vendor, database=database)

    def close(self) -> None:
        for database in self.databases:
            _admin_execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    made = Instances(tmp_path_factory.mktemp("instances"))
    yield made
    made.close()


@pytest.fixture(scope="module")
def attachment_bytes() -> bytes:
    return b"%PDF-1.7\n" + bytes(range(256)) * 64 + "合同 contract".encode()


@pytest.fixture(scope="module")
def source(instances, attachment_bytes):
    """The demo company plus a note with an attachment; tests only read it."""
    instance = instances.new()
    instance.attachment = instance.load_demo_with_attachment(attachment_bytes)
    return instance


@pytest.fixture(scope="module")
def backup_file(source, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("backups") / "shangji.tar.gz"
    source.shangji("backup", str(path))
    return path
