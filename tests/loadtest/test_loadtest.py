"""The load test (bench/loadtest/run.py) in a short version: real locust users against a real
`shangji serve`, then the check that every acknowledged write is in the database. `make
loadtest` runs the full 50 users for 5 minutes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from bench.loadtest.checks import report

RUN = Path(__file__).resolve().parents[2] / "bench" / "loadtest" / "run.py"


def test_a_short_load_test_loses_nothing_and_fails_nothing(tmp_path):
    summary = tmp_path / "load.md"
    env = {**os.environ}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, str(RUN), "--users", "8", "--spawn-rate", "4", "--time", "30s"]
        + ["--report", str(summary)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = summary.read_text()
    assert ("| list |" in text and "| move stage |" in text) or "| edit |" in text
    assert "problems: 0; database-locked errors: 0; 5xx: 0." in text


@pytest.mark.django_db
def test_the_check_finds_a_lost_write(tmp_path, make_opportunity, team_users):
    from shangji.activities.services import activity_create

    deal = make_opportunity(owner=team_users["wangqiang"])
    start = timezone.now().isoformat()
    kept = activity_create(
        actor=team_users["wangqiang"], kind="note", subject="保留", opportunity=deal
    )
    acks = tmp_path / "acks.jsonl"
    lines = [
        {"kind": "activity", "id": kept.pk, "subject": "保留"},
        {"kind": "activity", "id": kept.pk + 1000, "subject": "丢失"},
        {"kind": "move", "id": deal.pk, "stage": deal.stage_id, "version": deal.version + 1},
        {"kind": "edit", "id": deal.pk, "version": deal.version, "next_step": "不同"},
    ]
    acks.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    found = report(str(acks), start)
    assert found["problems"] == [
        f"acknowledged activity {kept.pk + 1000} is missing",
        f"opportunity {deal.pk}: 1 acknowledged moves, 0 history rows",
        f"opportunity {deal.pk} is below its acknowledged version",
    ]
    assert (found["activities"], found["moves"], found["edits"]) == (2, 1, 1)
