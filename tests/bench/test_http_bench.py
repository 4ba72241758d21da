"""The HTTP benchmark harness (bench/http_bench.py) end to end at the smallest scale with very
few requests, on its own database: every scenario is measured and written. No timing asserted."""

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "http_bench.py"

READS = {
    "list_manager",
    "list_executive",
    "list_filtered",
    "search_zh",
    "search_latin",
    "list_page_200",
    "api_page_200",
    "detail",
    "board",
    "forecast",
    "report_pipeline_by_stage",
    "report_outcome_by_month",
    "report_time_in_stage",
}
WRITES = {"api_create", "api_stage_move"}


def _own_postgres_database(url: str) -> str:
    """A database of its own beside DATABASE_URL's (the harness empties the one it is given)."""
    import psycopg
    from psycopg import sql

    base, _slash, name = url.rpartition("/")
    own = f"{name.split('?')[0]}_http_bench"
    with psycopg.connect(url, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [own]).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(own)))
    return f"{base}/{own}"


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def test_the_harness_measures_every_scenario(tmp_path):
    home, out = tmp_path / "home", tmp_path / "results"
    env = {**os.environ, "SHANGJI_HOME": str(home)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    url = os.environ.get("DATABASE_URL", "")
    env["DATABASE_URL"] = _own_postgres_database(url) if url.startswith("postgres") else ""
    arguments = ["--fresh", "--scale", "10k", "--requests", "3", "--warmup", "1"]
    arguments += ["--import-rows", "200", "--export-runs", "1", "--page", "20", "--out", str(out)]
    done = subprocess.run(
        [sys.executable, str(BENCH), *arguments], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    database = "postgresql" if env["DATABASE_URL"] else "sqlite"
    results = json.loads((out / f"{database}-10k.json").read_text())
    scenarios = {scenario["name"]: scenario for scenario in results["scenarios"]}
    assert set(scenarios) == READS | WRITES
    for name, scenario in scenarios.items():
        assert scenario["n"] == 3, name
        for key in ("p50_ms", "p95_ms", "p99_ms", "throughput_per_s"):
            assert _number(scenario[key]) and scenario[key] > 0, (name, key)
        assert scenario["p50_ms"] <= scenario["p95_ms"] <= scenario["p99_ms"], name
        assert isinstance(scenario["met"], bool), name
    for name in READS:
        raw = scenarios[name]["raw_sql"]
        assert _number(raw["p50_ms"]) and _number(raw["p95_ms"]) and _number(raw["p99_ms"])
        assert _number(scenarios[name]["ratio"]), name
    for name in WRITES:
        assert scenarios[name]["clients"] == 4
    # The pages and searches really found rows; the detail's timeline has 100 entries.
    assert results["picked"]["search_zh"]["matches"] > 0
    assert results["picked"]["search_latin"]["matches"] > 0
    assert scenarios["detail"]["timeline_entries"] >= 100
    assert scenarios["list_page_200"]["page"] == scenarios["api_page_200"]["page"] == 20
    assert scenarios["list_page_200"]["pagination"] == "keyset"

    export, imported = results["bulk"]["export"], results["bulk"]["import"]
    assert export["rows"] >= results["dataset"]["opportunities"]
    assert _number(export["rows_per_s"]) and export["megabytes"] > 0
    assert imported["status"] == "done" and imported["created"] == 200
    assert _number(imported["rows_per_s"])
    memory = results["memory"]
    assert memory["web_worker_peak_mb"] > 0 and memory["task_worker_peak_mb"] > 0
    for key in ("cores_logical", "ram_gb", "os", "python", "database"):
        assert results["machine"][key]

    table = (out / f"{database}-10k.md").read_text()
    for scenario in scenarios.values():
        assert f"| {scenario['title']} | 3 |" in table
