"""`shangji import` and `shangji import-maven` as an administrator runs them: real processes,
a database file of their own, no worker needed."""

import json
import os
import subprocess
import sys

import pytest

from shangji import cli

from .conftest import csv_bytes

SHANGJI = [sys.executable, "-m", "shangji.cli"]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli-home")
    env = {**os.environ, "SHANGJI_HOME": str(path), "DATABASE_URL": "", "LC_ALL": "C.UTF-8"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([*SHANGJI, "manage", "migrate", "-v0"], env=env, check=True)
    for name, role in (("boss", "admin"), ("wangqiang", "rep")):
        subprocess.run(
            [*SHANGJI, "createuser", name, "--role", role, "--password", "s3cret-Pass"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
    return env


def shangji(env, *args):
    return subprocess.run([*SHANGJI, *args], env=env, capture_output=True, text=True)


def test_import_checks_then_imports_the_good_rows(home, tmp_path):
    rows = [
        ["Name", "Account", "Amount", "Close date", "Stage", "Owner", "ID"],
        ["CLI deal", "CLI Ltd", "1,000", "2025-03-01", "Prospecting", "wangqiang", "C-1"],
        ["Bad deal", "CLI Ltd", "a lot", "2025-03-01", "Prospecting", "wangqiang", "C-2"],
    ]
    path = tmp_path / "deals.csv"
    path.write_bytes(csv_bytes(rows, encoding="gb18030"))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"fields": {
        "name": "Name", "account": "Account", "amount": "Amount", "close_date": "Close date",
        "stage": "Stage", "owner": "Owner", "external_id": "ID",
    }, "options": {"create_accounts": True}}))  # fmt: skip

    checked = shangji(
        home, "import", "opportunities", str(path), "--as", "boss", "--dry-run",
        "--mapping", str(mapping),
    )  # fmt: skip
    assert checked.returncode == 1
    assert (
        "Checked: 2 rows; would create 1, update 0, leave unchanged 0, leave out 0; with errors 1; "
        "accounts to create 1." in checked.stdout
    )
    assert "row 3 Amount “a lot”: “a lot” is not a number." in checked.stdout

    refused = shangji(home, "import", "opportunities", str(path), "--mapping", str(mapping))
    assert refused.returncode == 1
    assert "1 row has errors: nothing was imported." in refused.stdout

    errors = tmp_path / "errors.csv"
    done = shangji(
        home, "import", "opportunities", str(path), "--mapping", str(mapping), "--as", "boss",
        "--good-rows-only", "--errors", str(errors),
    )  # fmt: skip
    assert done.returncode == 1  # a row was left out
    assert "Imported: 2 rows; created 1" in done.stdout and "accounts created 1" in done.stdout
    assert errors.read_text(encoding="utf-8-sig").splitlines()[1].startswith("Bad deal,CLI Ltd")

    again = shangji(home, "import", "opportunities", str(path), "--mapping", str(mapping),
                    "--good-rows-only")  # fmt: skip
    assert "created 0, updated 0, unchanged 1" in again.stdout


def test_import_says_what_is_wrong_with_its_arguments(home, tmp_path):
    missing = shangji(home, "import", "opportunities", str(tmp_path / "nope.csv"))
    assert missing.returncode == 1 and "There is no file" in missing.stderr
    path = tmp_path / "x.csv"
    path.write_text("Name\nA\n")
    nobody = shangji(home, "import", "accounts", str(path), "--as", "nobody")
    assert nobody.returncode == 1 and "There is no active user “nobody”." in nobody.stderr


def test_demo_can_load_the_maven_data_set(monkeypatch):
    managed = []
    monkeypatch.setattr(cli, "_manage", lambda *args: managed.append(args))
    monkeypatch.setattr(cli, "_run_together", lambda commands: 0)
    assert cli.main(["demo", "--dataset", "maven"]) == 0
    assert managed[-1] == ("import_maven", "--demo")
    assert cli.main(["demo"]) == 0
    assert managed[-1] == ("load_demo",)
    cli.main(["import-maven", "--as", "boss", "--no-account", "skip"])
    assert managed[-1] == (
        "import_maven", "--as", "boss", "--no-account", "skip", "--no-close-date", "2017-12-31",
        "--products", "merge",
    )  # fmt: skip
