"""The database side of bench/http_bench.py: a direct connection, the raw SQL each page is
compared with, and the users, records and search terms the scenarios use."""

import base64
import datetime
import json
import re
import sqlite3
from pathlib import Path

CJK = re.compile(r"[\u4e00-\u9fff]{2,}")
LATIN = re.compile(r"\b[A-Za-z]{4,}\b")

# ---------------------------------------------------------------- the database, directly


class Database:
    """A direct connection to the benchmark's database, for setup queries and raw SQL timing."""

    def __init__(self, home: Path, url: str):
        self.home, self.url = home, url
        self.postgres = url.startswith(("postgres://", "postgresql://"))
        self.kind = "postgresql" if self.postgres else "sqlite"
        self.path = home / "shangji.sqlite3"
        self._connection = None

    def connect(self):
        if self._connection is None:
            if self.postgres:
                import psycopg

                # Client-side binding, like Django's psycopg backend: no server-side prepares.
                self._connection = psycopg.connect(
                    self.url, autocommit=True, cursor_factory=psycopg.ClientCursor
                )
            else:
                self._connection = sqlite3.connect(self.path, isolation_level=None)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def rows(self, sql: str, params=()) -> list:
        if not self.postgres:
            sql = sql.replace("%s", "?")
        cursor = self.connect().cursor()
        cursor.execute(sql, tuple(params))
        rows = cursor.fetchall()
        cursor.close()
        return rows

    def value(self, sql: str, params=()):
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    def empty(self) -> None:
        """Remove every table (PostgreSQL) or the database file (SQLite)."""
        if self.postgres:
            for statement in ("DROP SCHEMA public CASCADE", "CREATE SCHEMA public"):
                self.rows_no_result(statement)
        else:
            self.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def rows_no_result(self, sql: str) -> None:
        cursor = self.connect().cursor()
        cursor.execute(sql)
        cursor.close()

    def version(self) -> str:
        if self.postgres:
            return "PostgreSQL " + self.value("SHOW server_version")
        return "SQLite " + sqlite3.sqlite_version

    # Dialect pieces of the raw queries.
    def like(self, column: str) -> str:
        # What Django writes for __icontains.
        return f"UPPER({column}::text) LIKE UPPER(%s)" if self.postgres else f"{column} LIKE %s"

    def month(self, column: str) -> str:
        if self.postgres:
            return f"to_char({column}, 'YYYY-MM')"
        return f"strftime('%Y-%m', {column})"

    def seconds_between(self, start: str, end: str) -> str:
        if self.postgres:
            return f"EXTRACT(EPOCH FROM ({end} - {start}))"
        return f"(julianday({end}) - julianday({start})) * 86400.0"

    def now(self) -> str:
        return "now()" if self.postgres else "CURRENT_TIMESTAMP"


# ---------------------------------------------------------------- raw SQL


LIST_SELECT = """
SELECT o.id, o.name, o.amount, o.currency_id, o.amount_base, o.close_date, o.probability,
       o.forecast_category, o.next_step, o.version, o.updated_at,
       a.id, a.name, s.id, s.name, s.name_zh_hans, s.kind, s.position,
       ow.id, ow.username, ow.first_name, ow.last_name, p.id, p.name
FROM opportunities_opportunity o
LEFT JOIN accounts_account a ON a.id = o.account_id
JOIN opportunities_stage s ON s.id = o.stage_id
JOIN opportunities_pipeline p ON p.id = o.pipeline_id
JOIN users_user ow ON ow.id = o.owner_id
LEFT JOIN users_team t ON t.id = ow.team_id
"""
MANAGER_SCOPE = "(o.owner_id = %s OR t.manager_id = %s)"
BY_CLOSE_DATE = " ORDER BY o.close_date ASC NULLS LAST, o.id ASC LIMIT 51"


def raw_list(where: str = "", params=(), order: str = BY_CLOSE_DATE):
    return [(LIST_SELECT + (f" WHERE {where}" if where else "") + order, tuple(params))]


def raw_search(database: Database, term: str):
    pattern = f"%{term}%"
    where = " OR ".join(database.like(column) for column in ("o.name", "a.name", "o.next_step"))
    return raw_list(f"({where})", (pattern, pattern, pattern))


def raw_after_cursor(cursor: str):
    value, last_id = decode_cursor(cursor)
    where = "(o.close_date > %s OR (o.close_date = %s AND o.id > %s) OR o.close_date IS NULL)"
    return raw_list(where, (value, value, last_id))


def decode_cursor(cursor: str) -> tuple:
    data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return data["s"]["v"], data["id"]


def raw_detail(pk: int):
    return [
        (LIST_SELECT + " WHERE o.id = %s", (pk,)),
        (
            "SELECT h.*, s.name, ps.name, ow.username, po.username, ac.username "
            "FROM opportunities_opportunitychange h "
            "JOIN opportunities_stage s ON s.id = h.stage_id "
            "LEFT JOIN opportunities_stage ps ON ps.id = h.previous_stage_id "
            "JOIN users_user ow ON ow.id = h.owner_id "
            "LEFT JOIN users_user po ON po.id = h.previous_owner_id "
            "LEFT JOIN users_user ac ON ac.id = h.actor_id "
            "WHERE h.opportunity_id = %s ORDER BY h.changed_at DESC, h.id DESC LIMIT 200",
            (pk,),
        ),
        (
            "SELECT * FROM activities_activity WHERE opportunity_id = %s "
            "ORDER BY occurred_at DESC, id DESC LIMIT 31",
            (pk,),
        ),
    ]


def raw_board(database: Database, pipeline_id: int):
    open_stages = [
        row[0]
        for row in database.rows(
            "SELECT id FROM opportunities_stage WHERE pipeline_id = %s AND is_active "
            "AND kind = 'open' ORDER BY position, id",
            (pipeline_id,),
        )
    ]
    queries = [
        (
            "SELECT o.stage_id, COUNT(*), SUM(o.amount_base), "
            "SUM(o.amount_base * o.probability / 100.0) FROM opportunities_opportunity o "
            "WHERE o.pipeline_id = %s GROUP BY o.stage_id",
            (pipeline_id,),
        )
    ]
    for stage_id in open_stages:
        queries += raw_list("o.stage_id = %s", (stage_id,), " ORDER BY o.close_date, o.id LIMIT 21")
    return queries


def raw_forecast(start: str, end: str):
    return [
        (
            "SELECT o.owner_id, o.forecast_category, COUNT(*), SUM(o.amount_base), "
            "SUM(o.amount_base * o.probability / 100.0) FROM opportunities_opportunity o "
            "WHERE o.close_date BETWEEN %s AND %s GROUP BY o.owner_id, o.forecast_category",
            (start, end),
        )
    ]


def raw_pipeline_by_stage():
    return [
        (
            "SELECT o.stage_id, COUNT(*), SUM(o.amount_base), "
            "SUM(o.amount_base * o.probability / 100.0) FROM opportunities_opportunity o "
            "JOIN opportunities_stage s ON s.id = o.stage_id WHERE s.kind = 'open' "
            "GROUP BY o.stage_id",
            (),
        )
    ]


def raw_outcome_by_month(database: Database):
    month = database.month("o.close_date")
    return [
        (
            f"SELECT {month}, s.kind, COUNT(*), SUM(o.amount_base) "
            "FROM opportunities_opportunity o JOIN opportunities_stage s ON s.id = o.stage_id "
            f"GROUP BY {month}, s.kind",
            (),
        )
    ]


def raw_time_in_stage(database: Database):
    seconds = database.seconds_between("v.changed_at", f"COALESCE(v.ended_at, {database.now()})")
    return [
        (
            f"SELECT v.stage_id, COUNT(*), SUM({seconds}), MAX({seconds}), "
            "SUM(CASE WHEN v.ended_at IS NULL THEN 1 ELSE 0 END) FROM ("
            "SELECT h.stage_id, h.changed_at, LEAD(h.changed_at) OVER ("
            "PARTITION BY h.opportunity_id ORDER BY h.changed_at, h.id) AS ended_at "
            "FROM opportunities_opportunitychange h "
            "WHERE h.previous_stage_id IS NULL OR h.stage_id <> h.previous_stage_id) v "
            "GROUP BY v.stage_id",
            (),
        )
    ]


# ---------------------------------------------------------------- choosing what to measure


def pick(database: Database) -> dict:
    """Users, records and search terms for the scenarios, from the data."""
    picked = {}
    executive = database.rows(
        "SELECT id, username FROM users_user WHERE role = 'executive' AND is_active "
        "ORDER BY id LIMIT 1"
    ) or database.rows(
        "SELECT id, username FROM users_user WHERE is_superuser AND is_active ORDER BY id LIMIT 1"
    )
    picked["executive"] = {"id": executive[0][0], "username": executive[0][1]}
    manager = database.rows(
        "SELECT t.manager_id, m.username, COUNT(*) FROM opportunities_opportunity o "
        "JOIN users_user ow ON ow.id = o.owner_id JOIN users_team t ON t.id = ow.team_id "
        "JOIN users_user m ON m.id = t.manager_id WHERE m.is_active "
        "GROUP BY t.manager_id, m.username ORDER BY COUNT(*) DESC, t.manager_id LIMIT 1"
    )
    if not manager:
        raise RuntimeError("no manager with a team that owns opportunities")
    picked["manager"] = {"id": manager[0][0], "username": manager[0][1], "sees": manager[0][2]}

    # Stage + owner + close quarter: the combination of the manager's team with most rows.
    groups: dict[tuple, int] = {}
    for owner_id, stage_id, close_date in database.rows(
        "SELECT o.owner_id, o.stage_id, o.close_date FROM opportunities_opportunity o "
        "JOIN users_user ow ON ow.id = o.owner_id JOIN users_team t ON t.id = ow.team_id "
        "WHERE t.manager_id = %s AND ow.is_active",
        (picked["manager"]["id"],),
    ):
        day = (
            close_date
            if isinstance(close_date, datetime.date)
            else datetime.date.fromisoformat(str(close_date)[:10])
        )
        key = (owner_id, stage_id, day.year, (day.month - 1) // 3)
        groups[key] = groups.get(key, 0) + 1
    (owner_id, stage_id, year, quarter), matches = max(groups.items(), key=lambda item: item[1])
    first = datetime.date(year, 3 * quarter + 1, 1)
    last = (
        datetime.date(year + (quarter == 3), (3 * quarter + 3) % 12 + 1, 1)
    ) - datetime.timedelta(days=1)
    picked["filter"] = {
        "owner": owner_id,
        "stage": stage_id,
        "close_date_from": first.isoformat(),
        "close_date_to": last.isoformat(),
        "matches": matches,
    }

    names = [
        row[0]
        for row in database.rows(
            "SELECT name FROM opportunities_opportunity ORDER BY id LIMIT 5000"
        )
    ]
    chinese = next(
        (run[:2] for name in names[len(names) // 2 :] + names for run in CJK.findall(name)), "项目"
    )
    latin = next(
        (word for name in names[len(names) // 2 :] + names for word in LATIN.findall(name)), "Deal"
    )
    for key, term in (("search_zh", chinese), ("search_latin", latin)):
        pattern = f"%{term}%"
        count = database.value(
            "SELECT COUNT(*) FROM opportunities_opportunity o "
            "LEFT JOIN accounts_account a ON a.id = o.account_id WHERE "
            + " OR ".join(database.like(c) for c in ("o.name", "a.name", "o.next_step")),
            (pattern, pattern, pattern),
        )
        picked[key] = {"term": term, "matches": count}

    picked["pipeline"] = database.value(
        "SELECT id FROM opportunities_pipeline ORDER BY is_default DESC, position, id LIMIT 1"
    )
    picked["open_stages"] = [
        row[0]
        for row in database.rows(
            "SELECT id FROM opportunities_stage WHERE pipeline_id = %s AND is_active "
            "AND kind = 'open' ORDER BY position, id",
            (picked["pipeline"],),
        )
    ]
    picked["account"] = database.value("SELECT MIN(id) FROM accounts_account")
    return picked


def timeline_entries(database: Database) -> tuple[int, int]:
    """(opportunity id, activities + history rows) of the one with the longest timeline."""
    row = database.rows(
        "SELECT o.id, "
        "(SELECT COUNT(*) FROM activities_activity x WHERE x.opportunity_id = o.id) + "
        "(SELECT COUNT(*) FROM opportunities_opportunitychange h WHERE h.opportunity_id = o.id) "
        "AS entries FROM opportunities_opportunity o "
        "WHERE o.id IN (SELECT opportunity_id FROM activities_activity "
        "  WHERE opportunity_id IS NOT NULL GROUP BY opportunity_id "
        "  ORDER BY COUNT(*) DESC LIMIT 20) "
        "ORDER BY entries DESC, o.id LIMIT 1"
    )
    if row:
        return row[0][0], row[0][1]
    pk = database.value("SELECT MIN(id) FROM opportunities_opportunity")
    entries = database.value(
        "SELECT COUNT(*) FROM opportunities_opportunitychange WHERE opportunity_id = %s", (pk,)
    )
    return pk, entries
