"""The public pool (公海): customers whose owner has not followed them up for N days go back to a
pool (with a warning to the owner a few days before); reps claim from it up to a daily limit; a
manager assigns from it. Every return, warning, claim and assignment is in the audit log.

Days are counted by calendar day in the team's time zone: a customer last followed up on
2026-03-02 (at any hour) is silent for 30 days on 2026-04-01, from 00:00. Its last follow-up is
the later of its last interaction and the day its current owner got it (`owner_since`, else the
creation time), so a customer just claimed or handed over has its full N days.

Settings (kehu.core.config): pool_return_days, pool_warning_days, pool_stages,
pool_claim_limit_per_day, pool_reclaim_after_days.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import DateTimeField, F, JSONField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core import clock, config
from kehu.core.cleaning import Errors
from kehu.core.errors import NotFound, PermissionDenied, ValidationError
from kehu.core.models import AuditEvent
from kehu.core.policy import (
    OWNER_ROLES,
    access_for,
    get_visible_customer,
    is_id,
    may_assign_from_pool,
    pool_customers,
    require,
)
from kehu.customers.models import Customer
from kehu.customers.services.handover import clean_new_owner, move_owners

# Sent after commit, for the notification channels (kehu.notify connects to them):
#   pool_warning(owner_id, customer_ids)   — these customers return in pool_warning_days
#                                            (each one's day is in its audit event and returns_on())
#   pool_returned(owner_id, customer_ids)  — these customers went back to the pool
pool_warning = Signal()
pool_returned = Signal()


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def silent_before(moment: dt.datetime) -> Q:
    """Customers whose last follow-up is before `moment`."""
    interaction = Q(last_interaction_at__lt=moment) | Q(last_interaction_at__isnull=True)
    owned = Q(owner_since__lt=moment) | Q(owner_since__isnull=True, created_at__lt=moment)
    return interaction & owned


def _candidates() -> QuerySet:
    if int(config.get("pool_return_days")) <= 0:  # 0 switches the pool off
        return Customer.objects.none()
    return Customer.objects.alive().filter(owner__isnull=False, stage__in=list(config.get("pool_stages")))


def _silence_cutoff(today: dt.date, days: int) -> dt.datetime:
    """Silent for at least `days` calendar days ⇔ last follow-up before the start of today − days + 1."""
    return day_start(today - dt.timedelta(days=days - 1))


def due_for_warning(now: dt.datetime) -> QuerySet:
    days, warning = int(config.get("pool_return_days")), int(config.get("pool_warning_days"))
    if warning <= 0:
        return Customer.objects.none()
    cutoff = _silence_cutoff(timezone.localdate(now), max(days - warning, 0))
    not_warned = Q(pool_warned_at__isnull=True) | Q(pool_warned_at__lt=F("last_interaction_at"))
    return _candidates().filter(silent_before(cutoff)).filter(not_warned)


def due_for_return(now: dt.datetime) -> QuerySet:
    days, warning = int(config.get("pool_return_days")), int(config.get("pool_warning_days"))
    today = timezone.localdate(now)
    queryset = _candidates().filter(silent_before(_silence_cutoff(today, days)))
    if warning > 0:
        # Never without the warning: it must be from this silence and `warning` days old.
        queryset = queryset.filter(pool_warned_at__lt=_silence_cutoff(today, warning)).filter(
            Q(last_interaction_at__isnull=True) | Q(pool_warned_at__gt=F("last_interaction_at")))
    return queryset


def _returns_on(last_interaction_at, owner_since, created_at) -> dt.date:
    last = max(filter(None, [last_interaction_at, owner_since or created_at]))
    return timezone.localdate(last) + dt.timedelta(days=int(config.get("pool_return_days")))


def returns_on(customer) -> dt.date | None:
    """The day an owned customer goes back to the pool if nobody follows it up (for pages)."""
    if customer.owner_id is None or customer.stage not in config.get("pool_stages") \
            or int(config.get("pool_return_days")) <= 0:
        return None
    return _returns_on(customer.last_interaction_at, customer.owner_since, customer.created_at)


# --- the sweep's part: set-based, a few statements per batch of ids ---------------------------
BATCH = 10_000  # ids per statement (SQLite takes at most 32,766 parameters)


def _batches(queryset: QuerySet, batch: int):
    """The ids of `queryset` in batches, read once up front (a first pass may find hundreds of
    thousands). Each batch is re-checked against the conditions when it is written."""
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        yield ids[start:start + batch]


def _take(queryset: QuerySet, ids: list[int]) -> list[int]:
    """The batch's rows still due that no concurrent sweep holds, locked until commit. On
    PostgreSQL a second sweep skips the rows the first is writing (SKIP LOCKED) and finds them
    done afterwards; SQLite runs one writing transaction at a time."""
    rows = queryset.filter(pk__in=ids).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return list(rows.values_list("pk", flat=True))


def _by_owner(column: str, ids: list[int]) -> dict[int, list[int]]:
    by_owner: dict[int, list[int]] = defaultdict(list)
    for pk, owner_id in Customer.objects.filter(pk__in=ids).order_by("pk").values_list("pk", column):
        by_owner[owner_id].append(pk)
    return by_owner


def pool_warn_due(now: dt.datetime, scope: Q | None = None, *, batch: int | None = None) -> int:
    """Warn owners of the customers that return within pool_warning_days (idempotent): per batch,
    one UPDATE, one INSERT … SELECT of audit events, one of notifications per owner. `scope`
    narrows the candidates (the sweep's passes between two midnights)."""
    from kehu.notify.services import notify_rows

    warning = int(config.get("pool_warning_days"))
    # Warned today, it returns `warning` days from today at the earliest (due_for_return waits for
    # a warning that old), also when a first sweep finds it long overdue.
    returns_on = timezone.localdate(now) + dt.timedelta(days=warning)
    due = due_for_warning(now) if scope is None else due_for_warning(now).filter(scope)
    done = 0
    for ids in _batches(due, batch or BATCH):
        with transaction.atomic():
            taken = _take(due, ids)
            if not taken:
                continue
            moved = due.filter(pk__in=taken).update(pool_warned_at=now)
            just_warned = Customer.objects.filter(pk__in=taken, pool_warned_at=now)
            _audit(just_warned, now, "customer.pool_warning", changes={"returns_on": [None, returns_on.isoformat()]},
                   note="")
            notify_rows("pool.warning", just_warned, recipient="owner_id", customer="pk", object_id="pk",
                        due_at=day_start(returns_on), now=now)
            _signal_after_commit(pool_warning, _by_owner("owner_id", taken))
        done += moved
    return done


def pool_return_due(now: dt.datetime, scope: Q | None = None, *, batch: int | None = None) -> int:
    """Send the customers silent for pool_return_days to the pool (idempotent): what
    handover.move_owners(None, …) writes, set-based. The previous owner is told in the inbox;
    the notification names no customer row, since they no longer see it (it is in the pool)."""
    from kehu.notify.services import notify_rows

    days = int(config.get("pool_return_days"))
    note = _("No follow-up for %(days)s days.") % {"days": days}
    due = due_for_return(now) if scope is None else due_for_return(now).filter(scope)
    done = 0
    for ids in _batches(due, batch or BATCH):
        with transaction.atomic():
            taken = _take(due, ids)
            if not taken:
                continue
            moved = due.filter(pk__in=taken).update(
                previous_owner_id=F("owner_id"), owner=None, owner_since=None, pool_entered_at=now, pool_warned_at=None,
                version=F("version") + 1, updated_at=now, updated_by=None)
            just_returned = Customer.objects.filter(pk__in=taken, owner__isnull=True, pool_entered_at=now)
            _audit(just_returned, now, "customer.pool_return", owner_change=True, note=note)
            notify_rows("pool.returned", just_returned, recipient="previous_owner_id", customer=None, object_id="pk",
                        due_at=now, now=now)
            _signal_after_commit(pool_returned, _by_owner("previous_owner_id", taken))
        done += moved
    return done


def _signal_after_commit(signal: Signal, by_owner: dict[int, list[int]]) -> None:
    for owner_id, customer_ids in by_owner.items():
        transaction.on_commit(lambda o=owner_id, c=customer_ids: signal.send(
            sender=Customer, owner_id=o, customer_ids=c))


def _audit(rows: QuerySet, now: dt.datetime, action: str, *, note: str, changes: dict | None = None,
           owner_change: bool = False) -> int:
    """One audit event per row, as handover._event writes them, with one INSERT … SELECT."""
    from kehu.notify import sql

    if owner_change:  # {"owner": [previous owner, null]}, built by the database per row
        column = f"{sql.quote(Customer._meta.db_table)}.{sql.quote('previous_owner_id')}"
        if connection.vendor == "postgresql":
            json_sql = f"jsonb_build_object('owner', jsonb_build_array({column}, NULL))"
        else:
            json_sql = f"json_object('owner', json_array({column}, NULL))"
        change_value = RawSQL(json_sql, ())
    else:
        change_value = Value(changes or {}, output_field=JSONField())
    events = rows.order_by().annotate(
        a_at=Value(now, output_field=DateTimeField()), a_name=Value("system"), a_action=Value(action),
        a_type=Value("customers.customer"), a_object=F("pk"), a_repr=Substr("name", 1, 200), a_customer=F("pk"),
        a_changes=change_value, a_note=Value(note),
    ).values("a_at", "a_name", "a_action", "a_type", "a_object", "a_repr", "a_customer", "a_changes", "a_note")
    return sql.insert_rows(
        AuditEvent._meta.db_table,
        ["at", "actor_name", "action", "object_type", "object_id", "object_repr", "customer_id", "changes", "note"],
        events, ["a_at", "a_name", "a_action", "a_type", "a_object", "a_repr", "a_customer", "a_changes", "a_note"])


@transaction.atomic
def pool_release(actor, customer_id: int, *, reason: str) -> Customer:
    """The owner (or the team's manager) gives a customer back to the pool (放弃到公海)."""
    access = access_for(actor)
    customer = get_visible_customer(access, customer_id)
    require(access.is_org_admin or access.owns(customer) or access.leads(customer),
            _("Only the owner or the team's manager may return a customer to the pool."))
    if customer.owner_id is None:
        raise ValidationError({"customer": [_("This customer is already in the public pool.")]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the customer goes back to the pool.")]})
    move_owners(access, [customer.pk], None, action="customer.pool_return", note=reason)
    return Customer.objects.get(pk=customer.pk)


def _claims_today(user) -> int:
    start = day_start(clock.today())
    return AuditEvent.objects.filter(actor=user, action="customer.pool_claim", at__gte=start).count()


@transaction.atomic
def pool_claim(actor, customer_id: int) -> Customer:
    """A rep (or manager) takes a customer from the pool as its owner."""
    from kehu.accounts.models import User

    access = access_for(actor)
    require(access.active and not access.is_system and access.role in OWNER_ROLES,
            _("Only sales reps and managers claim customers from the pool."))
    if not is_id(customer_id) or not pool_customers(access).filter(pk=customer_id).exists():
        raise NotFound(customer_id)
    # One claim at a time per user, so the daily limit holds with parallel requests.
    list(User.objects.select_for_update().filter(pk=access.pk).values_list("pk"))
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    errors = Errors()
    if customer.owner_id is not None or customer.pool_entered_at is None:
        errors.add("customer", _("Someone else claimed this customer a moment ago."))
    limit = int(config.get("pool_claim_limit_per_day"))
    if _claims_today(access.user) >= limit:
        errors.add("customer", _("You have claimed %(limit)s customers today, the daily limit.") % {"limit": limit})
    block = int(config.get("pool_reclaim_after_days"))
    if customer.previous_owner_id == access.pk and customer.pool_entered_at and block > 0:
        free_on = timezone.localdate(customer.pool_entered_at) + dt.timedelta(days=block)
        if clock.today() < free_on:
            errors.add("customer", _("This customer left you for the pool; you may claim it again from %(day)s.")
                       % {"day": free_on.isoformat()})
    errors.raise_if_any()
    move_owners(access, [customer.pk], access.user, action="customer.pool_claim")
    return Customer.objects.get(pk=customer.pk)


@transaction.atomic
def pool_assign(actor, customer_id: int, to_owner, *, reason: str = "") -> Customer:
    """A manager gives a pool customer to a member of a team they lead (no daily limit)."""
    access = access_for(actor)
    if not is_id(customer_id) or not pool_customers(access).filter(pk=customer_id).exists():
        raise NotFound(customer_id)
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    if not may_assign_from_pool(access, customer):
        raise PermissionDenied(_("Only the manager of the customer's team may assign it from the pool."))
    errors = Errors()
    owner = clean_new_owner(access, to_owner, errors)
    if customer.owner_id is not None or customer.pool_entered_at is None:
        errors.add("customer", _("This customer is no longer in the public pool."))
    errors.raise_if_any()
    move_owners(access, [customer.pk], owner, action="customer.pool_assign", note=(reason or "").strip())
    return Customer.objects.get(pk=customer.pk)
