#!/usr/bin/env python3
"""Fetch the pinned third-party browser assets into static/vendor/, or check the committed ones.

    python scripts/fetch_vendor.py           # fetch with `npm pack`, verify, write the files
    python scripts/fetch_vendor.py --check   # verify the files under static/vendor/ (no network)

Every file is pinned by version and sha256. A fetched file whose hash differs is never written;
a committed file whose hash differs (or that is missing) fails the check with exit status 1.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = ROOT / "src" / "shangji" / "static" / "vendor"


@dataclass(frozen=True)
class Asset:
    """One npm package version and the files taken from its tarball, each with its sha256."""

    name: str
    version: str
    # path inside the npm tarball (below "package/") → (file name in vendor dir, sha256)
    files: dict[str, tuple[str, str]]

    @property
    def directory(self) -> str:
        return f"{self.name}-{self.version}"

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"


ASSETS = [
    Asset(
        name="echarts",
        version="6.1.0",
        files={
            "dist/echarts.min.js": (
                "echarts.min.js",
                "b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0",
            ),
            "LICENSE": (
                "LICENSE",
                "634293835b43a6dd2094fa39182a3d9a6b9ca43b7fdb9ac354e8037af2a3093a",
            ),
            "NOTICE": (
                "NOTICE",
                "d491d358344f842685c1b1585970999db65fe30ecf7ef3867af8814f4016c016",
            ),
        },
    ),
]


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check(vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """The problems with the committed files: missing or not matching their pinned sha256."""
    problems = []
    for asset in ASSETS:
        for target, expected in asset.files.values():
            path = vendor_dir / asset.directory / target
            if not path.is_file():
                problems.append(f"{path}: missing")
                continue
            actual = sha256_of(path.read_bytes())
            if actual != expected:
                problems.append(f"{path}: sha256 {actual}, pinned {expected}")
    return problems


def _npm_pack(spec: str, workdir: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to fetch the vendor files")
    subprocess.run(
        [npm, "pack", spec, "--silent", "--pack-destination", str(workdir)],
        check=True,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
    )
    tarballs = list(workdir.glob("*.tgz"))
    if len(tarballs) != 1:
        raise SystemExit(f"npm pack {spec}: expected one tarball, found {tarballs}")
    return tarballs[0]


def fetch(vendor_dir: Path = VENDOR_DIR) -> None:
    """Download each asset with `npm pack`, verify every file, then write them all."""
    for asset in ASSETS:
        with tempfile.TemporaryDirectory() as temporary:
            tarball = _npm_pack(asset.spec, Path(temporary))
            contents: dict[str, bytes] = {}
            with tarfile.open(tarball, "r:gz") as archive:
                for member_path, (target, expected) in asset.files.items():
                    member = archive.getmember(f"package/{member_path}")
                    extracted = archive.extractfile(member) if member.isfile() else None
                    if extracted is None:
                        raise SystemExit(f"{asset.spec}: {member_path} is not a file")
                    data = extracted.read()
                    actual = sha256_of(data)
                    if actual != expected:
                        raise SystemExit(
                            f"{asset.spec}: {member_path} has sha256 {actual}, pinned {expected}"
                        )
                    contents[target] = data
        directory = vendor_dir / asset.directory
        directory.mkdir(parents=True, exist_ok=True)
        for target, data in contents.items():
            (directory / target).write_bytes(data)
        print(f"{asset.spec}: {', '.join(sorted(contents))} → {directory}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the committed files only")
    parser.add_argument(
        "--vendor-dir", type=Path, default=VENDOR_DIR, help="default: src/shangji/static/vendor"
    )
    arguments = parser.parse_args(argv)
    if not arguments.check:
        fetch(arguments.vendor_dir)
    problems = check(arguments.vendor_dir)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"{sum(len(asset.files) for asset in ASSETS)} vendor files match their pinned sha256")
    return 0


if __name__ == "__main__":
    sys.exit(main())
