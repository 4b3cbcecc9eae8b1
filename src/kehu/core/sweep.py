"""The one idempotent sweep (`kehu sweep`): every time-based check registers here.

A check is a function `check(now) -> int` (how many things it did). It must be idempotent:
running the sweep twice at the same `now` does nothing the second time. Checks that may run in
several processes at once take row locks (SKIP LOCKED on PostgreSQL) on what they handle.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Callable

log = logging.getLogger("kehu.sweep")


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[dt.datetime], int]
    order: int


_checks: dict[str, Check] = {}


def register(name: str, *, order: int = 100):
    """Decorator: add a check to the sweep; lower `order` runs first."""

    def decorate(func: Callable[[dt.datetime], int]) -> Callable[[dt.datetime], int]:
        _checks[name] = Check(name=name, run=func, order=order)
        return func

    return decorate


def checks() -> list[Check]:
    return sorted(_checks.values(), key=lambda check: (check.order, check.name))
