"""Handing customers to another owner (R34), e.g. when a rep leaves: the open actions go with
them, history stays, the move is in the audit log (and so on each customer's timeline), and the
old owner loses access unless kept as a collaborator.

`move_owners` is the one way an owner changes; the public pool (services/pool.py) uses it too.
It works on many customers with a few statements per chunk, so handing over a leaving rep's
thousands of customers stays quick.
"""

from __future__ import annotations

from typing import Any, Iterable

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.cleaning import Errors
from kehu.core.errors import NotFound, PermissionDenied
from kehu.core.models import AuditEvent
from kehu.core.policy import Access, access_for, is_id, may_own_customers, visible_customers
from kehu.customers.models import Customer, CustomerCollaborator

CHUNK = 500


def _user(value):
    from kehu.accounts.models import User

    if value is None or isinstance(value, User):
        return value
    return User.objects.filter(pk=value).first() if is_id(value) else None


def clean_new_owner(actor, to_owner, errors: Errors, *, field: str = "to_owner"):
    """An active rep or manager; outside the org admin's hands, in a team the actor leads."""
    access = access_for(actor)
    owner = _user(to_owner)
    if owner is None or not may_own_customers(owner):
        errors.add(field, _("The new owner must be an active sales rep or manager."))
        return None
    if not access.is_org_admin and owner.pk != access.pk and owner.team_id not in access.led_team_ids:
        errors.add(field, _("The new owner must be a member of a team you lead."))
        return None
    return owner


def _ids(values: Iterable, errors: Errors) -> list[int]:
    ids: list[int] = []
    for value in values or []:
        value = getattr(value, "pk", value)
        if not is_id(value):
            errors.add("customer_ids", _("customer_ids must be a list of customer ids (whole numbers)."))
            return []
        if int(value) not in ids:
            ids.append(int(value))
    if not ids:
        errors.add("customer_ids", _("Choose at least one customer."))
    return ids


def _event(actor, action: str, *, object_type: str, object_id: int, object_repr: str, customer_id: int,
           changes: dict[str, Any], note: str, now) -> AuditEvent:
    actor_user = actor.user if isinstance(actor, Access) else actor
    return AuditEvent(
        at=now, actor=actor_user if getattr(actor_user, "pk", None) else None,
        actor_name=str(actor_user) if actor_user is not None else "system", action=action,
        object_type=object_type, object_id=object_id, object_repr=object_repr[:200], customer_id=customer_id,
        changes=changes, note=note,
    )


def move_owners(actor, customer_ids: list[int], to_owner, *, action: str, note: str = "",
                keep_as_collaborator: bool = False, extra: dict[str, Any] | None = None, now=None) -> list[int]:
    """Give the customers to `to_owner` (None: to the public pool). Callers have checked the
    rights and run this inside their transaction; rows are locked here. Returns the ids moved."""
    now = now or clock.now()
    moved: list[int] = []
    for start in range(0, len(customer_ids), CHUNK):
        chunk = customer_ids[start:start + CHUNK]
        rows = list(
            Customer.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
            .values("pk", "name", "owner_id", "team_id", "previous_owner_id")
        )
        rows = [r for r in rows if r["owner_id"] != (to_owner.pk if to_owner else None)]
        if rows:
            moved += _move_chunk(actor, rows, to_owner, action=action, note=note,
                                 keep_as_collaborator=keep_as_collaborator, extra=extra or {}, now=now)
    return moved


def _move_chunk(actor, rows, to_owner, *, action, note, keep_as_collaborator, extra, now) -> list[int]:
    ids = [row["pk"] for row in rows]
    actor_user = actor.user if isinstance(actor, Access) else actor
    events: list[AuditEvent] = []
    # Open actions follow the customer: those of the owner it leaves (or, from the pool, of the
    # owner it last had). Actions of other people on the customer stay theirs.
    tasks_by_customer: dict[int, list[int]] = {}
    if to_owner is not None:
        from_owner = {row["pk"]: row["owner_id"] or row["previous_owner_id"] for row in rows}
        Task = Customer.tasks.rel.related_model
        open_tasks = Task.objects.filter(customer_id__in=ids, status="open").values_list("pk", "customer_id", "owner_id")
        moving = [(pk, cid) for pk, cid, owner_id in open_tasks if owner_id == from_owner[cid] and owner_id is not None]
        for pk, cid in moving:
            tasks_by_customer.setdefault(cid, []).append(pk)
            events.append(_event(actor, "task.update", object_type="followup.task", object_id=pk, object_repr="",
                                 customer_id=cid, changes={"owner": [from_owner[cid], to_owner.pk]}, note=note, now=now))
        if moving:
            Task.objects.filter(pk__in=[pk for pk, _ in moving]).update(
                owner=to_owner, version=F("version") + 1, updated_at=now, updated_by=actor_user)
        # The new owner's own collaborator link would outlive their ownership: drop it.
        CustomerCollaborator.objects.filter(customer_id__in=ids, user=to_owner).delete()
    kept: set[int] = set()
    if keep_as_collaborator:
        for row in rows:
            if row["owner_id"] is not None:
                CustomerCollaborator.objects.update_or_create(
                    customer_id=row["pk"], user_id=row["owner_id"],
                    defaults={"can_edit": False, "can_record_interaction": True})
                kept.add(row["pk"])
    update = {
        "owner": to_owner, "owner_since": now if to_owner else None, "previous_owner_id": F("owner_id"),
        "pool_entered_at": None if to_owner else now, "pool_warned_at": None,
        "version": F("version") + 1, "updated_at": now, "updated_by": actor_user,
    }
    if to_owner is not None:
        update["team_id"] = to_owner.team_id
    for row in rows:  # previous_owner keeps the last real owner when a pool customer moves on
        if row["owner_id"] is None:
            Customer.objects.filter(pk=row["pk"]).update(**{**update, "previous_owner_id": row["previous_owner_id"]})
    Customer.objects.filter(pk__in=[r["pk"] for r in rows if r["owner_id"] is not None]).update(**update)
    for row in rows:
        changes = {"owner": [row["owner_id"], to_owner.pk if to_owner else None], **extra}
        if to_owner is not None and row["team_id"] != to_owner.team_id:
            changes["team"] = [row["team_id"], to_owner.team_id]
        if row["pk"] in tasks_by_customer:
            changes["tasks"] = [None, tasks_by_customer[row["pk"]]]
        if row["pk"] in kept:
            changes["collaborator"] = [None, row["owner_id"]]
        events.append(_event(actor, action, object_type="customers.customer", object_id=row["pk"],
                             object_repr=row["name"], customer_id=row["pk"], changes=changes, note=note, now=now))
    AuditEvent.objects.bulk_create(events, batch_size=500)
    return ids


@transaction.atomic
def customer_handover(actor, customer_ids: Iterable[int], *, to_owner, keep_as_collaborator: bool = False,
                      reason: str) -> list[int]:
    """A manager moves one or many customers to another owner (R34); returns the ids moved.

    Customers the actor may not see raise NotFound (as if they did not exist); customers of a team
    the actor does not lead raise PermissionDenied. With keep_as_collaborator the old owner stays
    on each customer as a collaborator who sees it and records interactions but edits nothing."""
    access = access_for(actor)
    errors = Errors()
    ids = _ids(customer_ids, errors)
    errors.raise_if_any()
    found = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        found.update((c.pk, c) for c in visible_customers(access, include_deleted=True).filter(pk__in=chunk)
                     .only("pk", "owner_id", "team_id"))
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise NotFound(missing[0])
    if any(not access.may_handover(customer) for customer in found.values()):
        raise PermissionDenied(_("Only the manager of a customer's team may hand it over."))
    owner = clean_new_owner(access, to_owner, errors)
    reason = (reason or "").strip()
    if not reason:
        errors.add("reason", _("Say why the customers change owner (e.g. the rep left the company)."))
    errors.raise_if_any()
    return move_owners(access, ids, owner, action="customer.handover", note=reason,
                       keep_as_collaborator=keep_as_collaborator)


def customer_handover_all(actor, from_owner, *, to_owner, keep_as_collaborator: bool = False, reason: str) -> list[int]:
    """Every customer of `from_owner` that the actor may hand over (a rep leaves the company)."""
    access = access_for(actor)
    from_user = _user(from_owner)
    if from_user is None:
        raise NotFound(from_owner)
    ids = [c.pk for c in visible_customers(access, include_deleted=True).filter(owner=from_user).only("pk", "team_id")
           if access.may_handover(c)]
    if not ids:
        return []
    return customer_handover(access, ids, to_owner=to_owner, keep_as_collaborator=keep_as_collaborator, reason=reason)
