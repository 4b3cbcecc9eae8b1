"""R17: a customer nobody has interacted with for `silence_days` becomes silent, recorded as a
change by the system with its reason; its owner is told, and it waits in the reactivation list
(kehu.followup.queries.silent_customers) until the next interaction brings it back
(kehu.followup.services.interactions.wake_from_silence).

Set-based on purpose: the first sweep over an imported base may silence hundreds of thousands of
customers. Each batch writes exactly what customers.services.stages.move_stage(None, …) writes —
the stage columns, a StageChange row and a "customer.stage" audit event — with three statements.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.core import config
from kehu.core.models import AuditEvent
from kehu.core.sweep import register
from kehu.customers.models import Customer, Stage, StageChange
from kehu.followup.sweeps import vendor, watermark
from kehu.notify import sql
from kehu.notify.services import notify_rows

NAME = "followup.silence"
SILENCEABLE = (Stage.POTENTIAL, Stage.INTENT, Stage.DEAL)
BATCH = 10_000  # ids per statement (SQLite takes at most 32,766 parameters)


def silence_reason(days: int) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("No interaction for %(days)d days: silent until the next interaction") % {"days": days}


def quiet_since(cutoff: dt.datetime) -> Q:
    return Q(last_interaction_at__lte=cutoff) | Q(last_interaction_at__isnull=True, created_at__lte=cutoff)


@register(NAME, order=100)
def silence(now: dt.datetime) -> int:
    """The day's first pass looks at every customer; the passes in between only at those whose
    last interaction crossed the limit since the previous pass (a range on its index), so a pass
    every few minutes stays cheap at a million customers. Customers never contacted, or moved back
    to an active stage without an interaction, wait for the daily pass."""
    days = int(config.get("silence_days"))
    cutoff = now - dt.timedelta(days=days)
    mark = watermark.reached(NAME)
    if mark is not None and mark.reached_at >= now:
        return 0
    if mark is None or timezone.localdate(mark.reached_at) != timezone.localdate(now):
        moved = _silence(now, days, quiet_since(cutoff))
    else:
        crossed = Q(last_interaction_at__gt=mark.reached_at - dt.timedelta(days=days), last_interaction_at__lte=cutoff)
        moved = _silence(now, days, crossed)
    watermark.advance(NAME, now)
    return moved


def _silence(now: dt.datetime, days: int, quiet: Q) -> int:
    catch_up = now - dt.timedelta(hours=int(config.get("sweep_catch_up_hours")))
    reason = silence_reason(days)
    candidates = Customer.objects.filter(quiet, deleted_at__isnull=True, stage__in=SILENCEABLE)
    ids = list(candidates.order_by("pk").values_list("pk", flat=True))
    total = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        # Dense ids (a first pass: most customers) go by range, sparse ones by list.
        dense = chunk[-1] - chunk[0] < 4 * len(chunk)
        in_batch = Q(pk__gte=chunk[0], pk__lte=chunk[-1]) if dense else Q(pk__in=chunk)
        with transaction.atomic():
            # The conditions again: a customer contacted since the list was read stays as it is.
            moved = candidates.filter(in_batch).update(previous_stage=F("stage"), stage=Stage.SILENT,
                                                       stage_changed_at=now)
            if moved:
                # Ours are the ones moved at this very moment: a concurrent sweep has another `now`,
                # and on PostgreSQL the UPDATE above waited for its row locks and found them silent.
                just_moved = Customer.objects.filter(in_batch, stage=Stage.SILENT, stage_changed_at=now)
                _record(just_moved, now, reason)
                # Owners hear of fresh silences; older ones (a first pass over loaded data) wait in
                # the reactivation list instead of flooding the inbox.
                fresh = just_moved.exclude(quiet_since(catch_up - dt.timedelta(days=days)))
                notify_rows("customer.silent", fresh, recipient="owner_id", customer="pk", due_at=now, now=now)
        total += moved
    return total


def _record(just_moved, now: dt.datetime, reason: str) -> None:
    table = Customer._meta.db_table
    moment = Value(now, output_field=DateTimeField())
    changes = just_moved.order_by().annotate(
        s_customer=F("pk"), s_from=F("previous_stage"), s_to=Value(Stage.SILENT), s_at=moment, s_reason=Value(reason),
    ).values("s_customer", "s_from", "s_to", "s_at", "s_reason")
    sql.insert_rows(StageChange._meta.db_table, ["customer_id", "from_stage", "to_stage", "at", "reason"],
                    changes, ["s_customer", "s_from", "s_to", "s_at", "s_reason"])
    stage_json = vendor.stage_change_json(f'{sql.quote(table)}."previous_stage"', "'silent'")
    events = just_moved.order_by().annotate(
        a_at=moment, a_name=Value("system"), a_action=Value("customer.stage"), a_type=Value("customers.customer"),
        a_object=F("pk"), a_repr=F("name"), a_customer=F("pk"), a_changes=RawSQL(stage_json, ()), a_note=Value(reason),
    ).values("a_at", "a_name", "a_action", "a_type", "a_object", "a_repr", "a_customer", "a_changes", "a_note")
    sql.insert_rows(
        AuditEvent._meta.db_table,
        ["at", "actor_name", "action", "object_type", "object_id", "object_repr", "customer_id", "changes", "note"],
        events, ["a_at", "a_name", "a_action", "a_type", "a_object", "a_repr", "a_customer", "a_changes", "a_note"])
