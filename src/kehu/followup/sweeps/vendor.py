"""The little SQL that differs between SQLite and PostgreSQL in the set-based checks."""

from __future__ import annotations

from django.db import connection


def postgres() -> bool:
    return connection.vendor == "postgresql"


def add_days(base: str, days: str) -> str:
    """base + days (whole seconds). SQLite's datetime() yields exactly the text Django stores."""
    if postgres():
        return f"(date_trunc('second', {base}) + ({days}) * interval '1 day')"
    return f"datetime({base}, '+' || ({days}) || ' days')"


def least_of(*terms: str) -> str:
    """The smallest non-null value (NULL when all are NULL)."""
    if postgres():
        return f"LEAST({', '.join(terms)})"
    expr = terms[0]
    for term in terms[1:]:
        expr = f"(CASE WHEN {expr} IS NULL THEN {term} WHEN {term} IS NULL THEN {expr} " \
               f"WHEN {term} < {expr} THEN {term} ELSE {expr} END)"
    return expr


def least_int(*terms: str) -> str:
    if postgres() or len(terms) == 1:
        return least_of(*terms)
    return f"NULLIF(MIN({', '.join(f'COALESCE({t}, 1000000)' for t in terms)}), 1000000)"


def distinct(left: str, right: str) -> str:
    return f"{left} IS DISTINCT FROM {right}" if postgres() else f"{left} IS NOT {right}"


def month_day(column: str) -> str:
    """'MM-DD' of a date column (birthdays, anniversaries)."""
    return f"to_char({column}, 'MM-DD')" if postgres() else f"strftime('%%m-%%d', {column})"


def stage_change_json(old: str, new: str) -> str:
    """The audit log's {"stage": [old, new]} built in SQL; `new` is a quoted literal."""
    if postgres():
        return f"jsonb_build_object('stage', jsonb_build_array({old}, {new}))"
    return f"json_object('stage', json_array({old}, {new}))"
