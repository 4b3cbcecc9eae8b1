"""Record numbers from a configurable pattern (R4), unique across processes.

The counter is one row per scope, bumped by an atomic INSERT … ON CONFLICT … RETURNING
inside the caller's transaction: two processes can never read the same value, and a
rolled-back creation gives its number back.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection

TOKEN = re.compile(r"\{(year|yy|month|day|date|industry|seq(?::(\d+))?)\}")


def next_value(key: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_sequence (key, value) VALUES (%s, 1) "
            "ON CONFLICT (key) DO UPDATE SET value = core_sequence.value + 1 "
            "RETURNING value",
            [key],
        )
        return cursor.fetchone()[0]


def render(pattern: str, *, on: dt.date, industry: str, seq: int | None) -> str:
    values = {
        "year": f"{on.year:04d}",
        "yy": f"{on.year % 100:02d}",
        "month": f"{on.month:02d}",
        "day": f"{on.day:02d}",
        "date": on.strftime("%Y%m%d"),
        "industry": industry,
    }

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name.startswith("seq"):
            if seq is None:
                return "{seq}"
            return f"{seq:0{int(match.group(2) or 1)}d}"
        return values[name]

    return TOKEN.sub(replace, pattern)


def validate_pattern(pattern: str) -> None:
    if "{seq" not in pattern:
        raise ValueError("a number pattern needs a {seq} or {seq:N} token")
    leftover = TOKEN.sub("", pattern)
    if "{" in leftover or "}" in leftover:
        raise ValueError(f"unknown token in pattern {pattern!r}")


def allocate(kind: str, pattern: str, *, on: dt.date, industry: str, taken) -> str:
    """The next free number for `kind`; `taken(number)` says whether one is already used
    (a team may change the pattern back to one whose numbers exist)."""
    scope = scope_key(kind, pattern, on=on, industry=industry)
    while True:
        number = render(pattern, on=on, industry=industry, seq=next_value(scope))
        if not taken(number):
            return number


def reserve_block(key: str, count: int) -> int:
    """Reserve `count` consecutive values for a bulk load; returns the first one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_sequence (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = core_sequence.value + %s "
            "RETURNING value",
            [key, count, count],
        )
        return cursor.fetchone()[0] - count + 1


def scope_key(kind: str, pattern: str, *, on: dt.date, industry: str) -> str:
    return f"{kind}:{render(pattern, on=on, industry=industry, seq=None)}"
