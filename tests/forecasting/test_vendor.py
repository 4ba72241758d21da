"""The vendored browser assets match the sha256 pinned in scripts/fetch_vendor.py."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "fetch_vendor.py"
VENDOR = ROOT / "src" / "shangji" / "static" / "vendor"


def run(*arguments):
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--check", *arguments],
        capture_output=True,
        text=True,
        check=False,
    )


def test_committed_files_match_the_pins():
    result = run()
    assert result.returncode == 0, result.stderr
    assert "3 vendor files match" in result.stdout
    for name in ("echarts.min.js", "LICENSE", "NOTICE"):
        assert (VENDOR / "echarts-6.1.0" / name).is_file()


def test_check_fails_on_a_changed_or_missing_file(tmp_path):
    copy = tmp_path / "vendor"
    shutil.copytree(VENDOR / "echarts-6.1.0", copy / "echarts-6.1.0")
    with (copy / "echarts-6.1.0" / "echarts.min.js").open("ab") as file:
        file.write(b"\n// changed\n")
    (copy / "echarts-6.1.0" / "NOTICE").unlink()
    result = run("--vendor-dir", str(copy))
    assert result.returncode == 1
    assert "echarts.min.js: sha256" in result.stderr
    assert "NOTICE: missing" in result.stderr
