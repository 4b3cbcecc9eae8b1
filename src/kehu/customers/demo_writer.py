"""Fast inserts for `kehu demo`.

Building a model instance per row is what makes `bulk_create` slow at millions of rows
(about 200 µs per customer here), so the generator hands over plain dicts and this module
writes them with COPY (PostgreSQL) or `executemany` (SQLite), one statement per table and
batch. Columns a row leaves out get the model field's default, prepared by Django once.

Values must already be what the database driver takes: str, int, bool, None, Decimal,
date, and *naive UTC* datetimes (Django's own convention on SQLite; on PostgreSQL Django
sets the session time zone to UTC).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from contextlib import contextmanager
from operator import itemgetter
from typing import Any, Callable, Iterator, Sequence

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models


# SQLite settings of the loading connection. Each batch dirties pages all over the large
# random-key indexes (names, phones, credit codes…); a cache that holds a batch's dirty pages and
# a WAL that is checkpointed every ~1 GB instead of every 4 MB let each page reach the disk
# once rather than many times (measured at 700k customers: half the bytes written, a third
# less CPU than SQLite's defaults).
LOAD_CACHE_KIB = 512 * 1024
LOAD_CHECKPOINT_PAGES = 250_000


@contextmanager
def bulk_load_session() -> Iterator[None]:
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        previous = {}
        for pragma in ("cache_size", "wal_autocheckpoint"):
            cursor.execute(f"PRAGMA {pragma}")
            previous[pragma] = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-LOAD_CACHE_KIB}")
        cursor.execute(f"PRAGMA wal_autocheckpoint = {LOAD_CHECKPOINT_PAGES}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for pragma, value in previous.items():
                cursor.execute(f"PRAGMA {pragma} = {value}")
            if not connection.in_atomic_block:  # (a caller's transaction would hold the pages)
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


class IdSource:
    """Reserves primary keys of one table so rows can point at rows not yet inserted."""

    def __init__(self, model: type[models.Model]):
        self.table = model._meta.db_table

    def reserve(self, count: int) -> Sequence[int]:
        """`count` unused keys. Call inside a transaction; on SQLite it must be the writing
        one (Kehu opens SQLite transactions IMMEDIATE, so it holds the write lock)."""
        if count <= 0:
            return range(0)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                               [self.table, count])
                return [row[0] for row in cursor.fetchall()]
        return self._reserve_sqlite(count)

    def _reserve_sqlite(self, count: int) -> range:
        # AUTOINCREMENT hands out max(sqlite_sequence.seq, MAX(id)) + 1, so moving the
        # sequence forward keeps other writers off the reserved keys.
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT MAX(id) FROM "{self.table}"')
            highest = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
            row = cursor.fetchone()
            first = max(highest, row[0] if row else 0) + 1
            last = first + count - 1
            if row is None:
                cursor.execute("INSERT INTO sqlite_sequence (seq, name) VALUES (%s, %s)", [last, self.table])
            else:
                cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last, self.table])
        return range(first, first + count)


class RowBatch:
    """One batch of rows by table, with batch-local ids for rows that other rows point at
    (the writer swaps them for reserved keys)."""

    def __init__(self):
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._next_local: dict[str, int] = defaultdict(int)
        self.extra: dict[str, Any] = {}

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows[table].append(row)

    def local_id(self, table: str) -> int:
        value = self._next_local[table]
        self._next_local[table] = value + 1
        return value


class TableWriter:
    """Writes lists of row dicts into one model's table."""

    def __init__(self, model: type[models.Model], now_utc: dt.datetime):
        self.model = model
        self.now_utc = now_utc
        self.written = 0
        self._plans: dict[tuple[str, str], tuple[str, Callable, tuple]] = {}

    def write(self, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        sql, getter, constants = self._plan(tuple(rows[0]))
        values = [getter(row) + constants for row in rows]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for value in values:
                    copy.write_row(value)
        else:
            connection.ensure_connection()
            connection.connection.executemany(sql, values)
        self.written += len(rows)
        return len(rows)

    def _plan(self, columns: tuple[str, ...]):
        key = (connection.vendor, *columns)
        if key not in self._plans:
            self._plans[key] = self._make_plan(columns)
        return self._plans[key]

    def _make_plan(self, columns: tuple[str, ...]):
        fields = {f.attname: f for f in self.model._meta.concrete_fields}
        unknown = sorted(set(columns) - set(fields))
        if unknown:
            raise ImproperlyConfigured(f"{self.model.__name__} has no column(s) {', '.join(unknown)}")
        rest = [f for name, f in fields.items() if name not in columns and not f.primary_key]
        constants = tuple(self._default(f) for f in rest)
        names = [fields[c].column for c in columns] + [f.column for f in rest]
        quoted = ", ".join(connection.ops.quote_name(n) for n in names)
        table = connection.ops.quote_name(self.model._meta.db_table)
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({quoted}) FROM STDIN"
        else:
            sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('?' * (len(columns) + len(rest)))})"
        getter = itemgetter(*columns) if len(columns) > 1 else (lambda row, c=columns[0]: (row[c],))
        return sql, getter, constants

    def _default(self, field: models.Field):
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return self.now_utc
        value = field.get_default()
        if value is None and not field.null:
            raise ImproperlyConfigured(
                f"{self.model.__name__}.{field.name} is required; the demo generator must fill it")
        return None if value is None else field.get_db_prep_save(value, connection)
