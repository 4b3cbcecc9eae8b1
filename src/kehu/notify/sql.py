"""The few statements the ORM cannot say: INSERT … SELECT … ON CONFLICT DO NOTHING, so the sweep
writes notifications (and whatever else must happen once) set-based, and a second or concurrent
sweep meets the unique constraint instead of writing twice. Same SQL on SQLite (≥ 3.24) and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def db_datetime(value: dt.datetime) -> Any:
    """A datetime as the driver takes it for a raw parameter (SQLite: naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def insert_select(table: str, columns: Sequence[str], select_sql: str, params: Sequence[Any],
                  aliases: Sequence[str] | None = None) -> int:
    """INSERT INTO table (columns) SELECT aliases FROM (<select>) ON CONFLICT DO NOTHING; returns
    the rows inserted. `aliases` name the select's columns in the order of `columns` (default: the
    same names).

    The select is wrapped in a sub-query with a WHERE: SQLite needs one so that ON CONFLICT is not
    read as a join's ON."""
    cols = ", ".join(quote(c) for c in columns)
    picked = ", ".join(f"insert_rows.{quote(a)}" for a in (aliases or columns))
    sql = (f"INSERT INTO {quote(table)} ({cols}) SELECT {picked} FROM ({select_sql}) AS insert_rows "
           f"WHERE 1 = 1 ON CONFLICT DO NOTHING")
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return max(cursor.rowcount, 0)


def insert_rows(table: str, columns: Sequence[str], queryset: QuerySet, aliases: Sequence[str]) -> int:
    """insert_select() of a queryset's rows (its `.values(*aliases)`); a queryset that can match
    nothing (e.g. a policy scope of no customers) inserts nothing."""
    try:
        select, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return 0
    return insert_select(table, columns, select, tuple(params), aliases=aliases)
