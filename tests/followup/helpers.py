"""Small helpers for follow-up tests: local times, a sweep at a moment, notifications of a user."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

FIVE = {"method": "phone", "summary": "介绍了方案", "feedback": "对价格有顾虑", "next_step": "下周发报价"}


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def sweep(moment: dt.datetime, *checks: str):
    from kehu.core import clock
    from kehu.core.sweep import run_sweep

    clock.freeze(moment)
    result = run_sweep(moment, only=set(checks) if checks else None)
    assert result.ok, result.failed
    return result


def kinds(user) -> list[tuple[str, int]]:
    from kehu.notify.models import Notification

    return sorted(Notification.objects.filter(user=user).values_list("kind", "object_id"))


def link(customer, user, **rights):
    from kehu.customers.models import CustomerCollaborator

    return CustomerCollaborator.objects.create(customer=customer, user=user, **rights)
