"""Writing generated rows fast: `executemany` on SQLite, COPY on PostgreSQL.

Rows are tuples in the order of the fields named at the call; values are already in the form
the database column takes (see `Formats`), so a million rows cost no per-value conversion in
Django. The formats are the ones Django itself writes (tests/generator checks a round trip).
"""

import datetime
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.core.management.color import no_style
from django.db import connection

EPOCH_DAY = datetime.date(1970, 1, 1).toordinal()
# Indexes on these columns receive rows in random key order (slow to keep up row by row), so
# they are dropped for the load and made again after it. Indexes on ids that grow with the load
# or on a handful of values (owners, stages, currencies) are cheap to keep and stay.
SCATTERED = re.compile(
    r"\b(occurred_at|starts_at|account_id|contact_id|changed_at|close_date|amount_base|name|"
    r"updated_at|last_name|email|remind_at)\b"
)


class Formats:
    """Column values as the database takes them: UTC text times, ISO dates, decimal text."""

    def __init__(self, *, time_suffix: str):
        self._suffix = time_suffix
        self._days: dict[int, str] = {}
        self._moment_days: dict[int, str] = {}
        # Every time of day once ("HH:MM:SS" + suffix): a lookup beats formatting 20m times.
        self._times = [
            f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}{time_suffix}"
            for second in range(86_400)
        ]

    def date(self, day: int | None) -> str | None:
        if day is None:
            return None
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = datetime.date.fromordinal(day).isoformat()
        return text

    def moment(self, second: int | None) -> str | None:
        """A UTC second as 'YYYY-MM-DD HH:MM:SS' (Django's SQLite form; '+00:00' added for
        PostgreSQL)."""
        if second is None:
            return None
        day, rest = divmod(second, 86_400)
        prefix = self._moment_days.get(day)
        if prefix is None:
            prefix = self._moment_days[day] = f"{self.date(day + EPOCH_DAY)} "
        return prefix + self._times[rest]

    @staticmethod
    def money(cents: int | None) -> str | None:
        if cents is None:
            return None
        sign = "-" if cents < 0 else ""
        whole, part = divmod(abs(cents), 100)
        return f"{sign}{whole}.{part:02d}"

    @staticmethod
    def rate(units: int) -> str:
        """A rate kept as an integer of 10⁻¹⁰ (the column's ten decimal places)."""
        whole, part = divmod(units, 10**10)
        return f"{whole}.{part:010d}"


class Writer:
    """Bulk inserts through Django's connection; counts rows and seconds per table."""

    def __init__(self):
        connection.ensure_connection()
        self.vendor = connection.vendor
        if self.vendor not in ("sqlite", "postgresql"):
            raise ValueError(self.vendor)
        self.formats = Formats(time_suffix="+00:00" if self.vendor == "postgresql" else "")
        self.rows: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self._statements: dict[tuple, str] = {}
        self.models: list = []

    def _statement(self, model, fields: Sequence[str]) -> str:
        key = (model, tuple(fields))
        statement = self._statements.get(key)
        if statement is None:
            quote = connection.ops.quote_name
            columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
            table = quote(model._meta.db_table)
            if self.vendor == "postgresql":
                statement = f"COPY {table} ({columns}) FROM STDIN"
            else:
                marks = ", ".join("?" for _name in fields)
                statement = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
            self._statements[key] = statement
            if model not in self.models:
                self.models.append(model)
        return statement

    def write(self, model, fields: Sequence[str], rows: Iterable[tuple]) -> int:
        """Insert `rows` (call inside a transaction); returns how many."""
        rows = rows if isinstance(rows, list) else list(rows)
        if not rows:
            return 0
        statement = self._statement(model, fields)
        started = time.perf_counter()
        if self.vendor == "postgresql":
            with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            connection.connection.executemany(statement, rows)
        name = model._meta.label
        self.rows[name] += len(rows)
        self.seconds[name] += time.perf_counter() - started
        return len(rows)

    def begin_bulk(self) -> None:
        """Session settings for a big load, before its transaction: SQLite gets a larger page
        cache and skips its row-by-row foreign-key lookups (the ids are ours; the tests check
        them with PRAGMA foreign_key_check)."""
        if self.vendor == "sqlite" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -65536")  # 64 MiB
                cursor.execute("PRAGMA foreign_keys = OFF")

    def end_bulk(self) -> None:
        """Undo begin_bulk (also after a failure)."""
        if self.vendor == "sqlite" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -2000")
                cursor.execute("PRAGMA foreign_keys = ON")

    def drop_indexes(self, models) -> list[str]:
        """Drop the plain (non-unique) indexes of `models` on SCATTERED columns; returns the
        SQL that makes them again. Call inside the load's transaction: DDL is transactional on
        both databases, so a failure anywhere rolls the drop back with the rows."""
        statements = []
        with connection.cursor() as cursor:
            for model in models:
                table = model._meta.db_table
                if self.vendor == "sqlite":
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                        "tbl_name = %s AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
                        [table],
                    )
                else:
                    cursor.execute(
                        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND "
                        "indexdef NOT LIKE 'CREATE UNIQUE%%' AND indexname NOT IN "
                        "(SELECT conname FROM pg_constraint)",
                        [table],
                    )
                for name, sql in cursor.fetchall():
                    if not SCATTERED.search(sql):
                        continue
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                    statements.append(sql)
        return statements

    def drop_foreign_keys(self, models) -> list[str]:
        """PostgreSQL: drop the foreign keys of `models`; returns the SQL that adds them back.

        Adding a foreign key checks every row in one join, far faster than the per-row checks
        queued by COPY. Same transaction rules as drop_indexes. SQLite: nothing to do (its
        checks are off during the load, see begin_bulk)."""
        if self.vendor != "postgresql":
            return []
        statements = []
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            # A table with checks still queued in this transaction cannot be altered: run them.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for model in models:
                table = model._meta.db_table
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE contype = 'f' AND conrelid = %s::regclass",
                    [quote(table)],
                )
                for name, definition in cursor.fetchall():
                    cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
                    statements.append(
                        f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                    )
        return statements

    def create_indexes(self, statements: list[str]) -> None:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                # PostgreSQL indexes no table with foreign-key checks still queued: run them.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            checked = time.perf_counter()
            self.seconds["(foreign-key checks)"] += checked - started
            for statement in statements:
                cursor.execute(statement)
            if self.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        self.seconds["(indexes made again)"] += time.perf_counter() - checked

    def finish(self) -> None:
        """Point PostgreSQL's id sequences past the ids written and ANALYZE the tables."""
        if self.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), self.models):
                cursor.execute(statement)
            for model in self.models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
