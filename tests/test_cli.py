"""The `shangji` command as an administrator uses it: real processes, a real database file."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

SHANGJI = [sys.executable, "-m", "shangji.cli"]


@pytest.fixture
def home(tmp_path):
    """A fresh SHANGJI_HOME with a migrated SQLite database."""
    env = {**os.environ, "SHANGJI_HOME": str(tmp_path), "DATABASE_URL": "", "LC_ALL": "C.UTF-8"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([*SHANGJI, "manage", "migrate", "-v0"], env=env, check=True)
    return env


def run(env, *args, stdin=None):
    return subprocess.run([*SHANGJI, *args], env=env, capture_output=True, text=True, input=stdin)


def test_createuser_token_and_errors(home):
    created = run(
        home,
        "createuser",
        "wangfang",
        "--role",
        "manager",
        "--password-stdin",
        "--last-name",
        "王",
        "--first-name",
        "芳",
        "--team",
        "华东",
        stdin="s3cret-Pass\n",
    )
    assert created.returncode == 0, created.stderr
    assert "Created user wangfang (Sales manager)." in created.stdout
    duplicate = run(home, "createuser", "wangfang", "--password", "another-Pass1")
    assert duplicate.returncode == 1 and "This username is taken." in duplicate.stderr
    chinese = run(
        {**home, "LC_ALL": "zh_CN.UTF-8"},
        "createuser",
        "chenjing",
        "--password",
        "s3cret-Pass",
        "--last-name",
        "陈",
        "--first-name",
        "静",
    )
    assert "chenjing" in chinese.stdout and "销售代表" in chinese.stdout
    token = run(home, "token", "create", "wangfang")
    assert token.returncode == 0 and token.stdout.strip().startswith("sj_")
    assert run(home, "token", "create", "nobody").returncode == 1
    assert Path(home["SHANGJI_HOME"], "secret_key").stat().st_mode & 0o077 == 0


def test_demo_data_loads_once(home):
    first = run(home, "manage", "load_demo")
    assert "Loaded the demo: 5 users, 10 accounts, 41 opportunities." in first.stdout
    again = run(home, "manage", "load_demo")
    assert "already has data" in again.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_pages_and_static_files(home):
    port = _free_port()
    server = subprocess.Popen(
        [*SHANGJI, "serve", "--port", str(port), "--workers", "1"],
        env=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{base}/login/", timeout=2) as response:
                    login = response.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("shangji serve did not answer")
        assert 'name="username"' in login
        with urllib.request.urlopen(f"{base}/static/shangji/app.css", timeout=5) as response:
            assert response.status == 200 and b"--brand" in response.read()
    finally:
        server.terminate()
        server.wait(timeout=15)
