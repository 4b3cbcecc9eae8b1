"""The one source of "now", so tests can move time to any boundary."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    return _frozen if _frozen is not None else timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())


def freeze(moment: dt.datetime | None) -> None:
    """Pin the clock (tests, replays); None lets it run again."""
    global _frozen
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    _frozen = moment
