"""The public pool's part of `kehu sweep`: warn owners first, then return what is due.

Registered from CustomersConfig.ready(). Both steps are idempotent and set-based (a few
statements per batch of ids, see services/pool.py): a second run at the same moment finds nothing
to do (warned customers carry pool_warned_at; returned ones have no owner).

The pool counts whole calendar days, so who is due changes at midnight: the first pass of each
local day (or after the pool settings changed) looks at every owned customer. The passes in
between (every few minutes under `kehu serve`) look only at the customers changed since the
previous pass — a range on the indexed updated_at — because an interaction or a new owner only
makes a customer less due; what a change can make due at once (a stage moved into a pool stage,
a restored customer) is caught there. Customers silenced by the sweep (not a service write) wait
for the next midnight pass.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db.models import Q
from django.utils import timezone

from kehu.core import config, sweep

NAME = "customers.pool"


def settings_fingerprint() -> str:
    keys = ("pool_return_days", "pool_warning_days", "pool_stages")
    return hashlib.sha256(repr([config.get(key) for key in keys]).encode()).hexdigest()


@sweep.register(NAME, order=50)
def pool_check(now: dt.datetime) -> int:
    from kehu.customers.services.pool import pool_return_due, pool_warn_due
    from kehu.followup.sweeps import watermark

    mark = watermark.reached(NAME)
    fingerprint = settings_fingerprint()
    if mark is not None and mark.reached_at >= now:
        return 0
    full = mark is None or mark.fingerprint != fingerprint \
        or timezone.localdate(mark.reached_at) != timezone.localdate(now)
    # Writes committed just as the previous pass read are looked at again (a minute of overlap).
    scope = None if full else Q(updated_at__gt=mark.reached_at - dt.timedelta(minutes=1))
    done = pool_warn_due(now, scope) + pool_return_due(now, scope)
    watermark.advance(NAME, now, fingerprint=fingerprint)
    return done
