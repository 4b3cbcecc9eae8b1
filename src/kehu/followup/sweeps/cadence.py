"""R15 in bulk: recompute customers' next_follow_up_at in SQL, writing only the rows whose value
changes. The same rule as kehu.followup.services.cadence.follow_up_due (tests compare the two);
this pass catches what changed without a follow-up service being called: an edited cadence rule,
a stage, grade or segment set by other modules, new customers, rows written by imports.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from kehu.core.sweep import register
from kehu.customers.models import Customer, Stage
from kehu.followup.models import CadenceDimension, Task
from kehu.followup.services.cadence import Rules, load_rules
from kehu.followup.sweeps import vendor, watermark
from kehu.notify.sql import quote

NAME = "followup.cadence"
BATCH = 50_000
FULL_PASS_ABOVE = 100_000  # this many changed customers: one full pass is cheaper than lists of ids


def _days_sql(rules: Rules) -> tuple[str, list]:
    """SQL for the strictest interval that applies to customer `c`, NULL when none does."""
    parts, params = [], []
    for dimension in (CadenceDimension.STAGE, CadenceDimension.GRADE, CadenceDimension.SEGMENT):
        whens = sorted((value, days) for (dim, value), days in rules.items() if dim == dimension)
        if not whens:
            continue
        parts.append(f"CASE c.{quote(dimension)} " + " ".join("WHEN %s THEN %s" for _ in whens) + " END")
        for value, days in whens:
            params += [value, int(days)]
    if not parts:
        return "NULL", []
    return vendor.least_int(*parts), params


def statement(rules: Rules, *, customer_filter: str) -> tuple[str, list]:
    """UPDATE … FROM (the new values) for the customers `customer_filter` selects. The filter is SQL
    on a column placeholder {id} (used for the customers, their actions and the updated rows); its
    parameters are passed three times, after the returned ones."""
    days, day_params = _days_sql(rules)
    customers, tasks = quote(Customer._meta.db_table), quote(Task._meta.db_table)
    by_cadence = vendor.add_days("COALESCE(y.last_interaction_at, y.created_at)", "y.days")
    new_value = (
        "CASE WHEN y.stage = %s THEN y.earliest "
        "WHEN y.last_interaction_at IS NULL AND y.earliest IS NOT NULL THEN y.earliest "
        f"ELSE {vendor.least_of('y.earliest', by_cadence)} END"
    )
    sql = f"""
        UPDATE {customers} SET next_follow_up_at = x.next_value
        FROM (
            SELECT y.id, {new_value} AS next_value FROM (
                SELECT c.id, c.stage, c.last_interaction_at, c.created_at, t.earliest, {days} AS days
                FROM {customers} c
                LEFT JOIN (
                    SELECT customer_id, MIN(due_at) AS earliest FROM {tasks}
                    WHERE status = 'open' AND {customer_filter.format(id="customer_id")}
                    GROUP BY customer_id
                ) t ON t.customer_id = c.id
                WHERE {customer_filter.format(id="c.id")} AND c.deleted_at IS NULL
            ) y
        ) x
        WHERE {customers}.id = x.id AND {customer_filter.format(id=f"{customers}.id")}
          AND {vendor.distinct(f'{customers}.next_follow_up_at', 'x.next_value')}
    """
    return sql, [Stage.LOST, *day_params]


def _run(rules: Rules, customer_filter: str, filter_params: list) -> int:
    sql, params = statement(rules, customer_filter=customer_filter)
    with transaction.atomic(), connection.cursor() as cursor:
        # The filter repeated on the updated table spares PostgreSQL a scan of all customers per batch.
        cursor.execute(sql, [*params, *filter_params, *filter_params, *filter_params])
        return max(cursor.rowcount, 0)


def recompute(*, batch: int = BATCH) -> int:
    """Every customer, batch by batch of ids; returns the rows whose value changed."""
    bounds = Customer.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return 0
    rules = load_rules()
    return sum(_run(rules, "{id} >= %s AND {id} < %s", [start, start + batch])
               for start in range(bounds["low"], bounds["high"] + 1, batch))


def recompute_ids(ids: list[int], *, batch: int = 500) -> int:
    rules = load_rules()
    changed = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        changed += _run(rules, "{id} IN (" + ", ".join(["%s"] * len(chunk)) + ")", chunk)
    return changed


def fingerprint(rules: Rules) -> str:
    return hashlib.sha256(repr(sorted(rules.items())).encode()).hexdigest()


@register(NAME, order=200)
def cadence(now: dt.datetime) -> int:
    """Once a day (and whenever the rules change) every customer; in between, only the customers
    changed since the previous pass (profile edits, stage moves, new customers), found by index."""
    mark = watermark.reached(NAME)
    rules_print = fingerprint(load_rules())
    new_day = mark is None or timezone.localdate(mark.reached_at) != timezone.localdate(now)
    if new_day or mark.fingerprint != rules_print:
        changed = recompute()
    elif mark.reached_at >= now:
        return 0
    else:
        since = mark.reached_at - dt.timedelta(minutes=1)  # writes committed just as the last pass read
        touched = Customer.objects.filter(Q(updated_at__gt=since) | Q(stage_changed_at__gt=since))
        ids = list(touched.values_list("pk", flat=True)[:FULL_PASS_ABOVE + 1])
        changed = recompute() if len(ids) > FULL_PASS_ABOVE else recompute_ids(ids)
    watermark.advance(NAME, now, fingerprint=rules_print)
    return changed
