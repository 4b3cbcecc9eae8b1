"""The one idempotent sweep (`kehu sweep`): every time-based check registers here.

A check is a function `check(now) -> int` (how many things it did). It must be idempotent:
running the sweep twice at the same `now` does nothing the second time. Checks that may run in
several processes at once take row locks (SKIP LOCKED on PostgreSQL) on what they handle, or
write through unique constraints (kind, object, due moment) so a second writer changes nothing.

Checks live in a `sweeps` module of their app (`kehu/<app>/sweeps.py`); run_sweep() imports
every installed app's `sweeps` module, so registering is all an app has to do.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
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


def discover() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("sweeps")


@dataclass
class SweepResult:
    now: dt.datetime
    done: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


def run_sweep(now: dt.datetime | None = None, *, only: set[str] | None = None) -> SweepResult:
    """One pass of every check at one moment. A failing check is logged and reported; the others
    still run (a broken greeting template must not stop overdue reminders)."""
    from django.db import close_old_connections

    from kehu.core import clock

    discover()
    result = SweepResult(now=now or clock.now())
    for check in checks():
        if only is not None and check.name not in only:
            continue
        started = time.perf_counter()
        try:
            result.done[check.name] = int(check.run(result.now) or 0)
        except Exception as exc:  # one check's failure is reported, not fatal to the pass
            log.exception("sweep check %s failed", check.name)
            result.failed[check.name] = f"{type(exc).__name__}: {exc}"
            close_old_connections()
        result.seconds[check.name] = time.perf_counter() - started
        log.info("sweep %s: %s in %.2fs", check.name, result.done.get(check.name, "failed"), result.seconds[check.name])
    return result
