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
from django.db.models import F, Q, QuerySet
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
from kehu.customers.services.handover import _event, clean_new_owner, move_owners

# Sent after commit, for the notification channels (kehu.notify connects to them):
#   pool_warning(owner_id, customer_ids)   — these customers return in pool_warning_days
#                                            (each one's day is in its audit event and returns_on())
#   pool_returned(owner_id, customer_ids)  — these customers went back to the pool
pool_warning = Signal()
pool_returned = Signal()

BATCH = 500


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


def _locked(queryset: QuerySet, ids: list[int]) -> QuerySet:
    # Several sweeps at once: each takes the rows no other holds (PostgreSQL); SQLite serialises.
    skip = connection.features.has_select_for_update_skip_locked
    return queryset.filter(pk__in=ids).select_for_update(skip_locked=skip)


def pool_warn_due(now: dt.datetime) -> int:
    """Warn owners of the customers that will return within pool_warning_days (idempotent)."""
    done, after = 0, 0
    while True:
        with transaction.atomic():
            ids = list(due_for_warning(now).filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:BATCH])
            if not ids:
                return done
            after = ids[-1]
            rows = list(_locked(due_for_warning(now), ids).values("pk", "name", "owner_id", "last_interaction_at",
                                                                   "owner_since", "created_at"))
            Customer.objects.filter(pk__in=[r["pk"] for r in rows]).update(pool_warned_at=now)
            by_owner: dict[int, list[int]] = defaultdict(list)
            events = []
            for row in rows:
                day = _returns_on(row["last_interaction_at"], row["owner_since"], row["created_at"])
                by_owner[row["owner_id"]].append(row["pk"])
                events.append(_event(None, "customer.pool_warning", object_type="customers.customer",
                                     object_id=row["pk"], object_repr=row["name"], customer_id=row["pk"],
                                     changes={"returns_on": [None, day.isoformat()]},
                                     note="", now=now))
            AuditEvent.objects.bulk_create(events)
            for owner_id, customer_ids in by_owner.items():
                transaction.on_commit(lambda o=owner_id, c=customer_ids: pool_warning.send(
                    sender=Customer, owner_id=o, customer_ids=c))
            done += len(rows)
            if len(ids) < BATCH:
                return done


def pool_return_due(now: dt.datetime) -> int:
    """Send the customers silent for pool_return_days to the pool (idempotent)."""
    days = int(config.get("pool_return_days"))
    note = _("No follow-up for %(days)s days.") % {"days": days}
    done, after = 0, 0
    while True:
        with transaction.atomic():
            ids = list(due_for_return(now).filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:BATCH])
            if not ids:
                return done
            after = ids[-1]
            rows = list(_locked(due_for_return(now), ids).values("pk", "owner_id"))
            by_owner: dict[int, list[int]] = defaultdict(list)
            for row in rows:
                by_owner[row["owner_id"]].append(row["pk"])
            moved = move_owners(None, [r["pk"] for r in rows], None, action="customer.pool_return", note=note, now=now)
            for owner_id, customer_ids in by_owner.items():
                transaction.on_commit(lambda o=owner_id, c=customer_ids: pool_returned.send(
                    sender=Customer, owner_id=o, customer_ids=c))
            done += len(moved)
            if len(ids) < BATCH:
                return done


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
