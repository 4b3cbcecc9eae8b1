"""The public pool's part of `kehu sweep`: warn owners first, then return what is due.

Registered from CustomersConfig.ready(). Both steps are idempotent: a second run at the same
moment finds nothing to do (warned customers carry pool_warned_at; returned ones have no owner).
"""

from __future__ import annotations

import datetime as dt

from kehu.core import sweep


@sweep.register("customers.pool", order=50)
def pool_check(now: dt.datetime) -> int:
    from kehu.customers.services.pool import pool_return_due, pool_warn_due

    return pool_warn_due(now) + pool_return_due(now)
