"""The notify part of `kehu sweep`: plan the daily digests, then send whatever is due (including
retries of failed e-mail and robot messages). Runs after every other check."""

from __future__ import annotations

from kehu.core.sweep import register


@register("notify.digest", order=900)
def digests(now) -> int:
    from kehu.notify.digest import plan_digests

    return plan_digests(now)


@register("notify.deliver", order=990)
def deliver(now) -> int:
    from kehu.notify.delivery import deliver_due

    return deliver_due(now)
