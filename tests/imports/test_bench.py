"""The import benchmark (bench/import_opportunities.py) at a small size, on its own SQLite
database: it runs, and every row arrives with its history row."""

import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "import_opportunities.py"


def test_the_benchmark_runs_at_a_small_size(tmp_path):
    env = {**os.environ, "SHANGJI_HOME": str(tmp_path), "DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, str(BENCH), "--rows", "3000"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "dry_run: checked" in done.stdout
    assert "import: done" in done.stdout
    assert "opportunities 3,000, history rows 3,000" in done.stdout
    # Speed is measured by `make bench`, never asserted in a test.
    assert re.search(r"import: done in [\d.]+ s", done.stdout)
