"""Online backup and restore of a whole instance: `shangji backup FILE`, `shangji restore FILE`.

The backup is one gzip-compressed tar file:

    database.sqlite3 | database.pgdump   the database (always the first member)
    media/<name>                         every file a row of the backed-up database refers to
    manifest.json                        (the last member) format version, Shangji version,
                                         vendor, applied migrations, created_at, rows per
                                         table, files, and the size and sha256 of every member

Decisions:

- Consistency while the app writes. SQLite: the online backup API copies the live database in
  one step inside one read transaction; in WAL mode that is a snapshot and writers are never
  blocked. PostgreSQL: a REPEATABLE READ transaction exports its snapshot; the row counts, the
  migration list and the file references are read in it and `pg_dump --snapshot` dumps exactly
  that state, so the manifest always describes the dump.
- Files. Attachments (and import uploads) are written to MEDIA_ROOT before their rows commit,
  so every row in the snapshot has its file on disk by the time the snapshot exists: the
  database is copied first, the files after. Only the files the snapshot's rows refer to
  (every FileField of every model) are taken: files of uploads rolled back, of rows committed
  after the snapshot, or progress files, could never be reached after a restore. They are
  counted and reported as left out. A referenced file deleted after the snapshot (its record
  was deleted meanwhile) is listed as missing in the manifest and in the output.
- The manifest is the last member, so a file is hashed while it is streamed into the archive
  (read once). A truncated archive therefore has no manifest and is refused.
- Never a half-written FILE: the archive is written to `.FILE.*.partial` next to FILE, synced,
  then linked to FILE (which fails if FILE exists, unless --force, then it is replaced). A
  killed backup leaves only the hidden partial file and working directory, safe to delete.
- Restore goes into an EMPTY instance only, and never deletes data; there is no --force. Empty
  means: the database has no tables, or every table is empty except the ones `migrate` itself
  fills (migration list, content types, permissions, currencies, the default pipeline and its
  stages, the organisation row) and the disposable ones (sessions, the cache table). No users,
  no records. To replace a live instance, restore into a new database and switch over.
- Before anything is touched the whole archive is read into a staging directory beside
  MEDIA_ROOT and every member is checked against the manifest's size and sha256; then the
  vendor (SQLite into SQLite, PostgreSQL into PostgreSQL: a cross-vendor restore is out of
  scope) and the migrations (a backup made by a newer Shangji is refused).
- SQLite restore uses the backup API again, from the staged copy into the target database: it
  replaces the whole file in one write transaction and is safe with the target's WAL file (a
  plain file copy is not). PostgreSQL restore runs `pg_restore --no-owner --no-privileges`'s
  SQL through `psql --single-transaction`, after dropping the (empty) tables of a migrated
  target in the same transaction: a failed restore leaves the target as it was. Stop the
  server and the worker of the target instance while restoring.
- Then the files are moved into MEDIA_ROOT and `migrate` brings an older backup up to date.
- The secret key is not in the backup: sessions end and users sign in again. API keys and
  webhook secrets are stored in the database and keep working.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, models
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "shangji-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024

Report = Callable[[str], None]


@dataclass
class Snapshot:
    """What was read inside the database snapshot: rows per table, migrations, file names."""

    tables: dict[str, int]
    migrations: list[list[str]]
    files: set[str]
    server_version: str


@dataclass
class Summary:
    """The outcome of a backup or a restore, for the final line."""

    tables: int = 0
    rows: int = 0
    files: int = 0
    file_bytes: int = 0
    archive_bytes: int = 0
    seconds: float = 0.0
    missing: list[str] = field(default_factory=list)
    left_out: int = 0
    migrations_applied: int = 0


def _vendor() -> str:
    if connection.vendor not in DATABASE_MEMBERS:
        raise CommandError(
            _("Backups support SQLite and PostgreSQL, not %(vendor)s.")
            % {"vendor": connection.vendor}
        )
    return connection.vendor


def _shangji_version() -> str:
    try:
        return importlib.metadata.version("shangji")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - always installed
        return "unknown"


def _file_columns() -> list[tuple[str, str]]:
    """(table, column) of every FileField: the rows that refer to files in MEDIA_ROOT."""
    from django.apps import apps

    return [
        (model._meta.db_table, model_field.column)
        for model in apps.get_models()
        for model_field in model._meta.concrete_fields
        if isinstance(model_field, models.FileField)
    ]


def _read_snapshot(cursor, tables: list[str], quote: Callable[[str], str], version: str):
    counts = {table: cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}").fetchone()[0]
              for table in tables}  # fmt: skip
    migrations = []
    if "django_migrations" in counts:
        rows = cursor.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()
        migrations = [[app, name] for app, name in rows]
    files = set()
    for table, column in _file_columns():
        if table in counts:
            sql = f"SELECT {quote(column)} FROM {quote(table)} WHERE {quote(column)} <> ''"
            files.update(name for (name,) in cursor.execute(sql).fetchall() if name)
    return Snapshot(counts, migrations, files, version)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    ).fetchall()
    return [name for (name,) in rows]


def _sqlite_dump(target: Path) -> Snapshot:
    source_path = _sqlite_path()
    if not source_path.is_file():
        raise CommandError(_("There is no database at %(path)s.") % {"path": source_path})
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        # One step (pages=-1): the whole copy happens inside one read transaction, a snapshot.
        source.backup(copy)
        # The copy is a single self-contained file, not a WAL database.
        copy.execute("PRAGMA journal_mode=DELETE")
        return _read_snapshot(copy, _sqlite_tables(copy), _quote, sqlite3.sqlite_version)
    finally:
        copy.close()
        source.close()


def _sqlite_restore(staged: Path) -> None:
    target_path = _sqlite_path()
    target_path.parent.mkdir(parents=True, exist_ok=True)
    connection.close()
    target = sqlite3.connect(target_path, timeout=30)
    source = sqlite3.connect(staged)
    try:
        _refuse_unless_empty(_sqlite_counts(target))
        # The backup API replaces the target's pages in one write transaction, WAL-safe.
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as error:
        message = _("The database could not be restored: %(error)s") % {"error": error}
        raise CommandError(message) from None
    finally:
        source.close()
        target.close()


def _sqlite_existing_counts() -> dict[str, int]:
    if not _sqlite_path().is_file():
        return {}
    db = sqlite3.connect(_sqlite_path(), timeout=30)
    try:
        return _sqlite_counts(db)
    finally:
        db.close()


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    return {
        table: db.execute(f"SELECT COUNT(*) FROM {_quote(table)}").fetchone()[0]
        for table in _sqlite_tables(db)
    }


# --- PostgreSQL -----------------------------------------------------------------------------


def _pg_environment() -> dict[str, str]:
    """libpq's variables for the configured database: the password never on a command line."""
    database = settings.DATABASES["default"]
    environment = {**os.environ}
    for key, variable in (
        ("NAME", "PGDATABASE"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
    ):
        if database.get(key):
            environment[variable] = str(database[key])
    options = database.get("OPTIONS") or {}
    for key, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        if options.get(key):
            environment[variable] = str(options[key])
    return environment


def _pg_connect():
    import psycopg

    database = settings.DATABASES["default"]
    parameters = {
        "dbname": database.get("NAME"),
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
    }
    options = database.get("OPTIONS") or {}
    parameters.update({key: value for key, value in options.items() if key.startswith("ssl")})
    try:
        return psycopg.connect(**{key: value for key, value in parameters.items() if value})
    except psycopg.OperationalError as error:
        raise CommandError(
            _("Cannot connect to the database: %(error)s") % {"error": str(error).strip()}
        ) from None


def _pg_tool(name: str, server_major: int) -> str:
    """The path of pg_dump/pg_restore/psql; refused if missing or older than the server."""
    path = shutil.which(name)
    if path is None:
        raise CommandError(
            _("%(tool)s was not found on the PATH; install the PostgreSQL %(major)s client tools.")
            % {"tool": name, "major": server_major}
        )
    output = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    major = int(found.group(1)) if found else 0
    if major < server_major:
        raise CommandError(
            _(
                "%(tool)s is version %(found)s but the server is PostgreSQL %(major)s; "
                "install the PostgreSQL %(major)s client tools."
            )
            % {"tool": path, "found": output.strip(), "major": server_major}
        )
    return path


def _pg_dump(target: Path) -> Snapshot:
    import psycopg

    with _pg_connect() as db:
        db.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        db.read_only = True
        server_version = db.info.server_version
        pg_dump = _pg_tool("pg_dump", server_version // 10000)
        with db.cursor() as cursor:
            snapshot_id = cursor.execute("SELECT pg_export_snapshot()").fetchone()[0]
            tables = [
                name
                for (name,) in cursor.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                    " ORDER BY tablename"
                ).fetchall()
            ]
            snapshot = _read_snapshot(
                cursor, tables, _quote, f"{server_version // 10000}.{server_version % 10000}"
            )
        # The transaction stays open until pg_dump is done: its snapshot must stay alive.
        # No compression here (-Z0): the archive is gzip-compressed once, as a whole.
        done = subprocess.run(
            [pg_dump, "--format=custom", "--compress=0", f"--snapshot={snapshot_id}",
             f"--file={target}"],
            env=_pg_environment(), capture_output=True, text=True,
        )  # fmt: skip
        db.rollback()
    if done.returncode != 0:
        raise CommandError(_("pg_dump failed: %(error)s") % {"error": done.stderr.strip()})
    return snapshot


def _pg_counts() -> dict[str, int]:
    with _pg_connect() as db, db.cursor() as cursor:
        tables = cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
        return {
            name: cursor.execute(f"SELECT COUNT(*) FROM {_quote(name)}").fetchone()[0]
            for (name,) in tables
        }


def _pg_restore(staged: Path) -> None:
    connection.close()
    counts = _pg_counts()
    _refuse_unless_empty(counts)
    with _pg_connect() as db:
        server_major = db.info.server_version // 10000
    pg_restore = _pg_tool("pg_restore", server_major)
    psql = _pg_tool("psql", server_major)
    # The migrated-but-empty target's tables go in the same transaction as the restore.
    drop = "SET client_min_messages = warning;"
    if counts:
        drop += "DROP TABLE " + ", ".join(_quote(name) for name in sorted(counts)) + " CASCADE;"
    environment = _pg_environment()
    script = subprocess.Popen(
        [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(staged)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment,
    )  # fmt: skip
    loaded = subprocess.run(
        [psql, "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
         f"--command={drop}", "--file=-"],
        stdin=script.stdout, capture_output=True, text=True, env=environment,
    )  # fmt: skip
    script.stdout.close()
    script_error = script.stderr.read().decode(errors="replace")
    script.wait()
    if script.returncode != 0 or loaded.returncode != 0:
        raise CommandError(
            _("The database could not be restored (nothing was changed): %(error)s")
            % {"error": (script_error + loaded.stderr).strip()}
        )


# --- Emptiness ------------------------------------------------------------------------------


def _tables_migrate_fills() -> set[str]:
    """Tables `migrate` fills by itself, and disposable ones: allowed to hold rows when empty."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.models import Session

    from shangji.core.models import Currency
    from shangji.opportunities.models import Pipeline, Stage
    from shangji.users.models import Organization

    tables = {model._meta.db_table for model in (Permission, ContentType, Session, Currency,
                                                 Pipeline, Stage, Organization)}  # fmt: skip
    tables.add("django_migrations")
    cache = settings.CACHES.get("default", {})
    if cache.get("BACKEND", "").endswith("DatabaseCache"):
        tables.add(cache["LOCATION"])
    return tables


def _refuse_unless_empty(counts: dict[str, int]) -> None:
    allowed = _tables_migrate_fills()
    holding = sorted(
        f"{table} ({rows})" for table, rows in counts.items() if rows and table not in allowed
    )
    if holding:
        raise CommandError(
            _(
                "The target instance is not empty: %(tables)s. Restore goes into an empty "
                "instance only (a new SHANGJI_HOME or a new database); nothing was changed."
            )
            % {"tables": ", ".join(holding)}
        )


# --- Files ----------------------------------------------------------------------------------


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT).resolve()


def _safe_relative(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in {"", ".", ".."} for p in path.parts):
        return None
    return path


def _all_media_files(root: Path) -> set[str]:
    if not root.is_dir():
        return set()
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


class _HashingReader(io.RawIOBase):
    """Reads a file for tarfile while computing its sha256."""

    def __init__(self, handle):
        self.handle = handle
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.sha256.update(data)
        return data


def _add_file(archive: tarfile.TarFile, member: str, path: Path, members: dict) -> int:
    with path.open("rb") as handle:
        status = os.fstat(handle.fileno())
        info = tarfile.TarInfo(member)
        info.size = status.st_size
        info.mtime = int(status.st_mtime)
        info.mode = 0o644
        reader = _HashingReader(handle)
        archive.addfile(info, reader)
    members[member] = {"size": info.size, "sha256": reader.sha256.hexdigest()}
    return info.size


# --- Backup ---------------------------------------------------------------------------------


def backup(path: str | os.PathLike, *, force: bool = False, report: Report = print) -> Summary:
    """Write a consistent backup of the database and its files to `path`, atomically."""
    started = time.monotonic()
    destination = Path(path).expanduser().absolute()
    if destination.is_dir():
        raise CommandError(_("%(path)s is a directory; name a file.") % {"path": destination})
    if destination.exists() and not force:
        raise CommandError(_("%(path)s exists; use --force to replace it.") % {"path": destination})
    if not destination.parent.is_dir():
        raise CommandError(_("The folder %(path)s does not exist.") % {"path": destination.parent})
    vendor = _vendor()
    summary = Summary()
    work = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".work",
                                 dir=destination.parent))  # fmt: skip
    partial = work.with_suffix(".partial")
    try:
        report(_("Copying the database (%(vendor)s)…") % {"vendor": vendor})
        database_member = DATABASE_MEMBERS[vendor]
        dump = work / database_member
        snapshot_at = timezone.now()
        snapshot = _sqlite_dump(dump) if vendor == "sqlite" else _pg_dump(dump)
        summary.tables = len(snapshot.tables)
        summary.rows = sum(snapshot.tables.values())
        report(
            _("Database copied: tables %(tables)s, rows %(rows)s (%(seconds).1f s).")
            % {"tables": summary.tables, "rows": summary.rows,
               "seconds": time.monotonic() - started}
        )  # fmt: skip
        media_root = _media_root()
        referenced = sorted(name for name in snapshot.files if _safe_relative(name))
        members: dict[str, dict] = {}
        # Only the owner may read it: it holds password hashes and every customer record.
        with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6,
                              format=tarfile.PAX_FORMAT) as archive:  # fmt: skip
                _add_file(archive, database_member, dump, members)
                dump.unlink()
                report(_("Adding the files (%(count)s)…") % {"count": len(referenced)})
                for name in referenced:
                    try:
                        size = _add_file(archive, MEDIA_PREFIX + name, media_root / name, members)
                    except FileNotFoundError:
                        summary.missing.append(name)
                        continue
                    summary.files += 1
                    summary.file_bytes += size
                summary.left_out = len(_all_media_files(media_root) - set(referenced))
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "shangji_version": _shangji_version(),
                    "created_at": snapshot_at.isoformat(),
                    "database": {
                        "vendor": vendor,
                        "server_version": snapshot.server_version,
                        "member": database_member,
                    },
                    "migrations": snapshot.migrations,
                    "tables": snapshot.tables,
                    "files": {
                        "count": summary.files,
                        "bytes": summary.file_bytes,
                        "missing": summary.missing,
                        "left_out": summary.left_out,
                    },
                    "members": members,
                }
                data = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mtime = int(time.time())
                info.mode = 0o644
                archive.addfile(info, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        if force:
            os.replace(partial, destination)
        else:
            try:
                os.link(partial, destination)  # fails if FILE appeared meanwhile
            except FileExistsError:
                raise CommandError(
                    _("%(path)s exists; use --force to replace it.") % {"path": destination}
                ) from None
            except OSError:
                # A file system without hard links: a rename, after one more look.
                if destination.exists():
                    raise CommandError(
                        _("%(path)s exists; use --force to replace it.") % {"path": destination}
                    ) from None
                os.replace(partial, destination)
            partial.unlink(missing_ok=True)
        directory = os.open(destination.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as error:
        raise CommandError(
            _("The backup could not be written: %(error)s") % {"error": error}
        ) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
        partial.unlink(missing_ok=True)
    summary.archive_bytes = destination.stat().st_size
    summary.seconds = time.monotonic() - started
    for name in summary.missing:
        report(_("Warning: the file %(name)s is referenced but missing.") % {"name": name})
    if summary.left_out:
        report(
            _("Files in the media folder that no record refers to, left out: %(count)s.")
            % {"count": summary.left_out}
        )
    report(
        _(
            "Backup written to %(path)s: tables %(tables)s, rows %(rows)s, files %(files)s "
            "(%(file_bytes)s), archive %(size)s, in %(seconds).1f s."
        )
        % {
            "path": destination,
            "tables": summary.tables,
            "rows": summary.rows,
            "files": summary.files,
            "file_bytes": filesizeformat(summary.file_bytes),
            "size": filesizeformat(summary.archive_bytes),
            "seconds": summary.seconds,
        }
    )
    return summary


# --- Restore --------------------------------------------------------------------------------


def _damaged(reason: str) -> CommandError:
    return CommandError(
        _("The backup file is damaged or not a Shangji backup (%(reason)s); nothing was changed.")
        % {"reason": reason}
    )


def _unpack(source: Path, staging: Path, vendor: str) -> dict:
    """Stream the archive into `staging`, hashing every member; return the checked manifest."""
    found: dict[str, dict] = {}
    manifest_data = None
    try:
        with tarfile.open(source, mode="r|gz") as archive:
            for index, member in enumerate(archive):
                name = member.name
                if name in found or (name == MANIFEST and manifest_data is not None):
                    raise _damaged(_("“%(name)s” appears twice") % {"name": name})
                if not member.isfile():
                    raise _damaged(_("unexpected member “%(name)s”") % {"name": name})
                if index == 0:
                    if name not in DATABASE_MEMBERS.values():
                        raise _damaged(_("no database at the start"))
                    backup_vendor = next(v for v, m in DATABASE_MEMBERS.items() if m == name)
                    _refuse_other_vendor(backup_vendor, vendor)
                handle = archive.extractfile(member)
                if name == MANIFEST:
                    manifest_data = handle.read()
                    continue
                relative = _safe_relative(name)
                if relative is None or not (
                    name in DATABASE_MEMBERS.values() or name.startswith(MEDIA_PREFIX)
                ):
                    raise _damaged(_("unexpected member “%(name)s”") % {"name": name})
                target = staging.joinpath(*relative.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                size = 0
                with target.open("wb") as out:
                    while chunk := handle.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                found[name] = {"size": size, "sha256": digest.hexdigest()}
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise _damaged(str(error) or error.__class__.__name__) from None
    if manifest_data is None:
        raise _damaged(_("no manifest; the file may be truncated"))
    try:
        manifest = json.loads(manifest_data)
        if manifest.get("format") != FORMAT:
            raise ValueError(manifest.get("format"))
        expected = manifest["members"]
    except (ValueError, KeyError, AttributeError, TypeError):
        raise _damaged(_("unreadable manifest")) from None
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise CommandError(
            _("This backup was made by a newer Shangji (format %(version)s); upgrade first.")
            % {"version": manifest.get("format_version")}
        )
    if expected != found:
        wrong = sorted(set(expected) ^ set(found)) + sorted(
            name for name in set(expected) & set(found) if expected[name] != found[name]
        )
        raise _damaged(_("checksum mismatch: %(names)s") % {"names": ", ".join(wrong[:5])})
    return manifest


def _refuse_other_vendor(backup_vendor: str, vendor: str) -> None:
    if backup_vendor != vendor:
        raise CommandError(
            _(
                "This is a %(backup)s backup and this instance uses %(vendor)s. A backup "
                "restores into the same database kind only; nothing was changed."
            )
            % {"backup": backup_vendor, "vendor": vendor}
        )


def _unknown_migrations(manifest: dict) -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [f"{app}.{name}" for app, name in manifest["migrations"] if (app, name) not in known]


def restore(path: str | os.PathLike, *, report: Report = print) -> Summary:
    """Bring a backup back into this empty instance: database, files, then `migrate`."""
    from django.core.management import call_command

    started = time.monotonic()
    source = Path(path).expanduser()
    if not source.is_file():
        raise CommandError(_("There is no file %(path)s.") % {"path": source})
    vendor = _vendor()
    media_root = _media_root()
    media_root.parent.mkdir(parents=True, exist_ok=True)
    # Beside MEDIA_ROOT, so that the files are moved into place, not copied.
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root.parent))
    summary = Summary()
    database_restored = False
    try:
        _refuse_unless_empty(_sqlite_existing_counts() if vendor == "sqlite" else _pg_counts())
        report(_("Checking %(path)s…") % {"path": source})
        manifest = _unpack(source, staging, vendor)
        _refuse_other_vendor(manifest["database"]["vendor"], vendor)
        if unknown := _unknown_migrations(manifest):
            raise CommandError(
                _(
                    "This backup was made by a newer Shangji (migrations %(names)s are "
                    "unknown here); upgrade Shangji first. Nothing was changed."
                )
                % {"names": ", ".join(unknown[:5])}
            )
        tables: dict[str, int] = manifest["tables"]
        summary.tables, summary.rows = len(tables), sum(tables.values())
        report(
            _("The archive is intact: tables %(tables)s, rows %(rows)s, made %(date)s.")
            % {"tables": summary.tables, "rows": summary.rows, "date": manifest["created_at"]}
        )
        report(_("Restoring the database…"))
        staged = staging / manifest["database"]["member"]
        if vendor == "sqlite":
            with sqlite3.connect(staged) as db:
                staged_counts = _sqlite_counts(db)
            db.close()
            if staged_counts != tables:
                raise _damaged(_("row counts differ from the manifest"))
            _sqlite_restore(staged)
            with sqlite3.connect(_sqlite_path()) as db:
                restored = _sqlite_counts(db)
            db.close()
        else:
            _pg_restore(staged)
            restored = _pg_counts()
        if restored != tables:
            differ = sorted(t for t in set(tables) | set(restored)
                            if tables.get(t) != restored.get(t))  # fmt: skip
            raise CommandError(
                _("The restored row counts differ from the backup's: %(tables)s")
                % {"tables": ", ".join(differ)}
            )
        database_restored = True
        media = [name for name in manifest["members"] if name.startswith(MEDIA_PREFIX)]
        report(_("Restoring the files (%(count)s)…") % {"count": len(media)})
        for name in media:
            relative = _safe_relative(name[len(MEDIA_PREFIX) :])
            target = media_root.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging.joinpath(*PurePosixPath(name).parts), target)
            summary.files += 1
            summary.file_bytes += manifest["members"][name]["size"]
        backed_up = {tuple(item) for item in manifest["migrations"]}
        from django.db.migrations.loader import MigrationLoader

        summary.migrations_applied = len(
            set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations) - backed_up
        )
        if summary.migrations_applied:
            report(
                _("Applying the newer migrations (%(count)s)…")
                % {"count": summary.migrations_applied}
            )
        connection.close()
        call_command("migrate", interactive=False, verbosity=0)
    except OSError as error:
        message = _("The restore stopped: %(error)s") % {"error": error}
        if database_restored:
            message += " " + _(
                "The database was restored already: start again with a new, empty instance."
            )
        raise CommandError(message) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary.archive_bytes = source.stat().st_size
    summary.seconds = time.monotonic() - started
    report(
        _(
            "Restored: tables %(tables)s, rows %(rows)s, files %(files)s (%(file_bytes)s), "
            "in %(seconds).1f s."
        )
        % {
            "tables": summary.tables,
            "rows": summary.rows,
            "files": summary.files,
            "file_bytes": filesizeformat(summary.file_bytes),
            "seconds": summary.seconds,
        }
    )
    return summary


def manifest_of(path: str | os.PathLike) -> dict:
    """The manifest of a backup file, read without checking it (for people and tests)."""
    with tarfile.open(path, mode="r:gz") as archive:
        return json.load(archive.extractfile(MANIFEST))
