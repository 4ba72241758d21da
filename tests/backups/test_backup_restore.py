"""`shangji manage backup FILE` / `restore FILE` between real instances, in subprocesses, on the
database kind of the test run (SQLite or PostgreSQL)."""

import hashlib
import io
import json
import os
import signal
import tarfile
import time
from pathlib import Path

import pytest

from shangji.core.backup import manifest_of

from .conftest import VENDOR


def _files_of(media: Path) -> dict[str, bytes]:
    return {
        path.relative_to(media).as_posix(): path.read_bytes()
        for path in media.rglob("*")
        if path.is_file() and "attachments" in path.parts
    }


def _repack(source: Path, target: Path, change) -> None:
    """Copy an archive member by member, letting `change(name, data)` alter or rename them."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            name, data = change(member.name, old.extractfile(member).read())
            info = tarfile.TarInfo(name)
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))


def test_the_manifest_describes_the_archive(backup_file, source):
    manifest = manifest_of(backup_file)
    assert manifest["format"] == "shangji-backup"
    assert manifest["format_version"] == 1
    assert manifest["database"]["vendor"] == VENDOR
    assert ["opportunities", "0001_initial"] in manifest["migrations"]
    assert manifest["tables"]["opportunities_opportunity"] == 41
    assert manifest["tables"]["activities_attachment"] == 2  # the demo's and ours
    assert manifest["files"]["count"] == 2
    assert manifest["files"]["missing"] == []
    with tarfile.open(backup_file, "r:gz") as archive:
        names = archive.getnames()
        assert names[0] == manifest["database"]["member"]
        assert names[-1] == "manifest.json"
        assert sorted(names[:-1]) == sorted(manifest["members"])
        ours = archive.extractfile("media/" + source.attachment).read()
        assert (
            hashlib.sha256(ours).hexdigest()
            == (manifest["members"]["media/" + source.attachment]["sha256"])
        )


def test_round_trip_restores_every_table_and_file(instances, source, backup_file, attachment_bytes):
    expected = source.probe("checksums")
    # Every model's table (m2m through tables included) is among the compared tables.
    assert set(expected["model_tables"]) <= set(expected["tables"])
    assert expected["tables"]["opportunities_opportunity"][0] == 41

    bare = instances.new()  # no tables at all
    migrated = instances.new()  # migrated, holding only what `migrate` writes
    migrated.shangji("manage", "migrate", "--noinput", "--verbosity", "0")
    for target in (bare, migrated):
        done = target.shangji("restore", str(backup_file))
        assert "Restored: tables" in done.stdout
        restored = target.probe("checksums")
        assert restored["tables"] == expected["tables"]
        assert _files_of(target.media) == _files_of(source.media)
        assert (target.media / source.attachment).read_bytes() == attachment_bytes
        assert target.probe("files") == source.probe("files")
        counts = {table: value[0] for table, value in restored["tables"].items()}
        assert manifest_of(backup_file)["tables"] == counts

    # The restored instance takes new records (keys continue after the restored ones).
    upload = bare.home / "more.bin"
    upload.write_bytes(b"%PDF-1.7\nafter the restore")
    (name,) = bare.probe("attach", str(upload))["files"]
    assert (bare.media / name).read_bytes() == b"%PDF-1.7\nafter the restore"


def test_backup_while_a_writer_keeps_creating_opportunities(instances, tmp_path):
    source = instances.new()
    source.shangji("manage", "migrate", "--noinput", "--verbosity", "0")
    stop = tmp_path / "stop"
    counter = Path(str(stop) + ".count")
    writer = source.probe_process("writer", str(stop))

    def written() -> int:
        return int(counter.read_text() or 0) if counter.exists() else 0

    try:
        deadline = time.monotonic() + 120
        while written() < 20:
            assert writer.poll() is None, writer.stderr.read()
            assert time.monotonic() < deadline, "the writer does not write"
            time.sleep(0.05)
        path = tmp_path / "during.tar.gz"
        source.shangji("backup", str(path))
        after_backup = written()
        while written() < after_backup + 10:
            assert writer.poll() is None, writer.stderr.read()
            assert time.monotonic() < deadline, "the writer stopped writing"
            time.sleep(0.05)
    finally:
        stop.write_text("stop")
        writer.wait(timeout=60)
    assert writer.returncode == 0, writer.stderr.read()

    target = instances.new()
    target.shangji("restore", str(path))
    state = target.probe("consistency")
    # A snapshot: every opportunity has its history row, and the writer's records are an
    # unbroken prefix 1..k of what it wrote (it writes one at a time, in order).
    assert state["without_history"] == 0
    numbers = state["writer_numbers"]
    assert len(numbers) >= 20
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) < source.probe("consistency")["writer_numbers"][-1]
    restored = target.probe("checksums")["tables"]
    assert manifest_of(path)["tables"] == {table: value[0] for table, value in restored.items()}


def test_refuses_a_target_that_is_not_empty(source, backup_file):
    before = source.probe("checksums")
    done = source.shangji("restore", str(backup_file), check=False)
    assert done.returncode == 1
    assert "The target instance is not empty: accounts_account (10)" in done.stderr
    assert "users_user (5)" in done.stderr
    assert source.probe("checksums") == before


def _assert_untouched(target) -> None:
    assert target.tables() == []
    assert not target.media.exists() or _files_of(target.media) == {}


def test_refuses_a_corrupted_or_truncated_archive(instances, backup_file, tmp_path):
    target = instances.new()
    data = bytearray(backup_file.read_bytes())

    flipped = tmp_path / "flipped.tar.gz"
    damaged = data.copy()
    damaged[len(damaged) // 2] ^= 0xFF
    flipped.write_bytes(damaged)
    done = target.shangji("restore", str(flipped), check=False)
    assert done.returncode == 1
    assert "The backup file is damaged or not a Shangji backup" in done.stderr
    _assert_untouched(target)

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(data[: len(data) * 3 // 4])
    done = target.shangji("restore", str(truncated), check=False)
    assert done.returncode == 1
    assert "The backup file is damaged" in done.stderr
    _assert_untouched(target)

    # A well-formed archive whose attachment changed: only the manifest's sha256 can tell.
    tampered = tmp_path / "tampered.tar.gz"
    _repack(
        backup_file,
        tampered,
        lambda name, content: (
            name,
            content[:-1] + b"!" if name.startswith("media/attachments") else content,
        ),
    )
    done = target.shangji("restore", str(tampered), check=False)
    assert done.returncode == 1
    assert "checksum mismatch: media/attachments/" in done.stderr
    _assert_untouched(target)

    not_gzip = tmp_path / "notes.txt"
    not_gzip.write_text("hello")
    done = target.shangji("restore", str(not_gzip), check=False)
    assert "The backup file is damaged" in done.stderr
    _assert_untouched(target)


def test_refuses_a_backup_of_the_other_database_kind(instances, tmp_path):
    # A SQLite instance is always at hand; the PostgreSQL run also restores a PostgreSQL
    # backup into SQLite. The SQLite run builds a well-formed "postgresql" archive instead.
    sqlite_source = instances.new("sqlite")
    sqlite_source.shangji("manage", "migrate", "--noinput", "--verbosity", "0")
    sqlite_backup = tmp_path / "sqlite.tar.gz"
    sqlite_source.shangji("backup", str(sqlite_backup))
    if VENDOR == "postgresql":
        target = instances.new("postgresql")
        done = target.shangji("restore", str(sqlite_backup), check=False)
        assert "This is a sqlite backup and this instance uses postgresql" in done.stderr
        assert target.tables() == []
        pg_source = instances.new("postgresql")
        pg_source.shangji("manage", "migrate", "--noinput", "--verbosity", "0")
        other_backup = tmp_path / "pg.tar.gz"
        pg_source.shangji("backup", str(other_backup))
    else:
        other_backup = tmp_path / "pg.tar.gz"

        def as_postgresql(name, content):
            if name == "manifest.json":
                manifest = json.loads(content)
                manifest["database"].update(vendor="postgresql", member="database.pgdump")
                member = manifest["members"].pop("database.sqlite3")
                manifest["members"]["database.pgdump"] = member
                return name, json.dumps(manifest).encode()
            return ("database.pgdump" if name == "database.sqlite3" else name), content

        _repack(sqlite_backup, other_backup, as_postgresql)
    target = instances.new("sqlite")
    done = target.shangji("restore", str(other_backup), check=False)
    assert done.returncode == 1
    assert "This is a postgresql backup and this instance uses sqlite" in done.stderr
    assert target.tables() == []


def test_refuses_a_backup_made_by_a_newer_version(instances, tmp_path):
    source = instances.new()
    source.shangji("manage", "migrate", "--noinput", "--verbosity", "0")
    source.probe("future-migration")
    path = tmp_path / "future.tar.gz"
    source.shangji("backup", str(path))
    target = instances.new()
    done = target.shangji("restore", str(path), check=False)
    assert done.returncode == 1
    assert "made by a newer Shangji (migrations opportunities.9999_from_the_future" in (done.stderr)
    assert target.tables() == []


def test_an_older_backup_is_migrated_on_restore(instances, tmp_path):
    source = instances.new()
    source.shangji("manage", "migrate", "--noinput", "--verbosity", "0")
    source.shangji("manage", "migrate", "savedviews", "zero", "--noinput", "--verbosity", "0")
    path = tmp_path / "older.tar.gz"
    source.shangji("backup", str(path))
    assert not any(app == "savedviews" for app, _ in manifest_of(path)["migrations"])
    target = instances.new()
    done = target.shangji("restore", str(path))
    assert "Applying the newer migrations" in done.stdout
    tables = target.probe("checksums")["tables"]
    assert "savedviews_savedview" in tables
    assert "savedviews_savedview" not in source.probe("checksums")["tables"]


def test_an_existing_file_is_replaced_only_with_force(source, tmp_path):
    path = tmp_path / "existing.tar.gz"
    path.write_bytes(b"keep me")
    done = source.shangji("backup", str(path), check=False)
    assert done.returncode == 1
    assert "exists; use --force to replace it" in done.stderr
    assert path.read_bytes() == b"keep me"
    source.shangji("backup", str(path), "--force")
    assert manifest_of(path)["tables"]["opportunities_opportunity"] == 41
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.tar.gz"]


def test_a_killed_backup_never_leaves_a_half_written_file(source, tmp_path):
    # A third attachment of random bytes, which do not compress: the archive takes a while.
    upload = tmp_path / "big.bin"
    upload.write_bytes(b"%PDF-1.7\n" + os.urandom(19 * 2**20))
    source.probe("attach", str(upload))
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "killed.tar.gz"
    process = source.popen("backup", str(path))
    deadline = time.monotonic() + 120
    while not any(p.name.endswith(".partial") for p in folder.iterdir()):
        assert process.poll() is None, "the backup ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not path.exists()
    # The leftovers are hidden and do not stop the next backup.
    assert all(p.name.startswith(".killed.tar.gz.") for p in folder.iterdir())
    source.shangji("backup", str(path))
    assert manifest_of(path)["files"]["count"] == 3


@pytest.mark.skipif(VENDOR != "postgresql", reason="pg_dump is used for PostgreSQL only")
def test_pg_dump_missing_or_older_than_the_server_is_refused(source, tmp_path):
    path = tmp_path / "no-tools.tar.gz"
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    done = source.shangji("backup", str(path), check=False, env={"PATH": str(empty)})
    assert done.returncode == 1
    assert "pg_dump was not found on the PATH" in done.stderr
    # A client older than the server (15) cannot dump it; this stand-in only tells its version.
    old = tmp_path / "old-bin"
    old.mkdir()
    fake = old / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 14.13'\n")
    fake.chmod(0o755)
    done = source.shangji("backup", str(path), check=False, env={"PATH": str(old)})
    assert done.returncode == 1
    assert "pg_dump (PostgreSQL) 14.13 but the server is PostgreSQL 15" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-bin", "old-bin"]
