"""`shangji quota set` and `shangji forecast` as an administrator runs them: real processes."""

import os
import subprocess
import sys

import pytest

SHANGJI = [sys.executable, "-m", "shangji.cli"]


@pytest.fixture
def home(tmp_path):
    """A fresh SHANGJI_HOME with a migrated SQLite database, a team and two reps."""
    env = {**os.environ, "SHANGJI_HOME": str(tmp_path), "DATABASE_URL": "", "LC_ALL": "C.UTF-8"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([*SHANGJI, "manage", "migrate", "-v0"], env=env, check=True)
    for name, team in [("wangqiang", "华东销售"), ("zhaolei", "华北销售")]:
        created = run(
            env, "createuser", name, "--team", team, "--password-stdin", stdin="s3cret-Pass\n"
        )
        assert created.returncode == 0, created.stderr
    return env


def run(env, *args, stdin=None):
    return subprocess.run([*SHANGJI, *args], env=env, capture_output=True, text=True, input=stdin)


def test_quota_set_and_forecast(home):
    done = run(home, "quota", "set", "--period", "FY2026-Q4", "--user", "wangqiang", "20000")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "The quota of wangqiang for FY2026-Q4 is 20,000.00 CNY."
    done = run(home, "quota", "set", "--period", "FY2026-Q4", "--team", "华北销售", "5000.5")
    assert done.returncode == 0, done.stderr
    bad = run(home, "quota", "set", "--period", "FY2026-Q4", "--user", "wangqiang", "-1")
    assert bad.returncode == 1 and "A quota cannot be negative." in bad.stderr

    shown = run(home, "forecast", "--period", "FY2026-Q4")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "Forecast FY2026-Q4 (2026-10-01 – 2026-12-31), CNY"
    company = next(line for line in lines if line.startswith("Company total"))
    assert company.split()[2] == "25,000.50"  # 20000 (华东销售, from its rep) + 5000.50
    mine = run(home, "forecast", "--period", "FY2026-Q4", "--as", "wangqiang")
    assert "华北销售" not in mine.stdout and "20,000.00" in mine.stdout
    team = run(home, "forecast", "--period", "FY2026-Q4", "--team", "华北销售")
    assert "华东销售" not in team.stdout and "5,000.50" in team.stdout

    removed = run(home, "quota", "set", "--period", "FY2026-Q4", "--user", "wangqiang", "")
    assert removed.stdout.strip() == "Removed the quota of wangqiang for FY2026-Q4."
