"""Next actions (R14): what, who, by when, how important. The sweep reminds owners of the moments
ahead (kehu.followup.sweeps.task_alerts); an action someone else gives you is told at once."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import audit, clock
from kehu.core.cleaning import Errors, label
from kehu.core.errors import ValidationError
from kehu.core.locking import lock_current
from kehu.core.policy import get_visible_customer, may_edit_customer, may_record_interaction, require
from kehu.customers.cleaning import clean_choice, clean_text
from kehu.customers.models import Customer
from kehu.followup.models import Task, TaskStatus
from kehu.followup.services.cadence import refresh_follow_up
from kehu.integrations import events


def clean_task(data: dict[str, Any], errors: Errors, *, prefix: str = "", partial: bool = False) -> dict[str, Any]:
    from kehu.accounts.models import User
    from kehu.followup.services.interactions import clean_moment

    out: dict[str, Any] = {}
    key = (lambda name: f"{prefix}.{name}" if prefix else name)
    if not partial or "title" in data:
        out["title"] = clean_text(data.get("title"), model=Task, field="title", errors=errors)
        if not out["title"]:
            errors.add(key("title"), _("%(label)s is required.") % {"label": label(Task, "title")})
    if not partial or "due_at" in data:
        out["due_at"] = clean_moment(data.get("due_at"), field=key("due_at"), lbl=label(Task, "due_at"), errors=errors)
    if not partial or "priority" in data:
        out["priority"] = clean_choice(data.get("priority") or "medium", model=Task, field="priority", errors=errors)
    if "note" in data:
        out["note"] = clean_text(data.get("note"), model=Task, field="note", errors=errors)
    if "owner" in data and data["owner"] is not None:
        owner = data["owner"]
        owner = owner if isinstance(owner, User) else User.objects.filter(pk=owner, is_active=True).first()
        if owner is None or not owner.is_active:
            errors.add(key("owner"), _("%(label)s must be an active user.") % {"label": label(Task, "owner")})
        out["owner"] = owner
    return out


def write_task(actor, customer: Customer, cleaned: dict[str, Any], *, interaction=None) -> Task:
    now = clock.now()
    cleaned.setdefault("owner", None)
    cleaned["owner"] = cleaned["owner"] or customer.owner or actor
    task = Task.objects.create(customer=customer, interaction=interaction, created_at=now, updated_at=now,
                               created_by=actor, updated_by=actor, **cleaned)
    audit.record(actor, "task.create", task, customer_id=customer.pk,
                 changes={k: [None, v] for k, v in audit.snapshot(task, list(cleaned)).items()})
    events.emit("task.created", events.task_data(task), customer=customer)
    _tell_new_owner(actor, task)
    return task


def _tell_new_owner(actor, task: Task) -> None:
    """An action given to someone else: they hear of it now (the sweep only looks ahead)."""
    from kehu.notify.services import notify

    if task.owner_id != getattr(actor, "pk", None):
        notify(task.owner, "task.assigned", customer=task.customer, object_id=task.pk, due_at=task.due_at)


def _task_for_edit(actor, task_id: int, version: int | None) -> Task:
    task = Task.objects.filter(pk=task_id).only("customer_id", "owner_id").first()
    customer = get_visible_customer(actor, task.customer_id if task else -1)
    own_task = task is not None and actor is not None and task.owner_id == actor.pk
    require(own_task or may_edit_customer(actor, customer), _("You may not change this action."))
    return lock_current(Task.objects.all(), task_id, version)


@transaction.atomic
def task_create(actor, customer_id: int, **data: Any) -> Task:
    customer = get_visible_customer(actor, customer_id)
    require(may_record_interaction(actor, customer), _("You may not add actions for this customer."))
    errors = Errors()
    cleaned = clean_task(data, errors)
    errors.raise_if_any()
    task = write_task(actor, customer, cleaned)
    refresh_follow_up(customer.pk)
    return task


@transaction.atomic
def task_update(actor, task_id: int, *, version: int, **data: Any) -> Task:
    """Reschedule, re-prioritise, rename or hand an open action to someone else (also how a team
    lead takes up the sweep's offer to reassign an overdue action)."""
    task = _task_for_edit(actor, task_id, version)
    errors = Errors()
    cleaned = clean_task(data, errors, partial=True)
    if task.status != TaskStatus.OPEN:
        errors.add("status", _("Only an open action can be changed."))
    errors.raise_if_any()
    before = audit.snapshot(task, list(cleaned))
    for name, value in cleaned.items():
        setattr(task, name, value)
    changes = audit.diff(before, audit.snapshot(task, list(cleaned)))
    if changes:
        task.version += 1
        task.updated_at, task.updated_by = clock.now(), actor
        task.save()
        audit.record(actor, "task.update", task, customer_id=task.customer_id, changes=changes)
        refresh_follow_up(task.customer_id)
        if "owner" in changes:
            _tell_new_owner(actor, task)
    return task


@transaction.atomic
def task_complete(actor, task_id: int, *, version: int, result: str = "") -> Task:
    task = _task_for_edit(actor, task_id, version)
    if task.status != TaskStatus.OPEN:
        raise ValidationError({"status": [_("This action is already closed.")]})
    now = clock.now()
    task.status, task.completed_at, task.completed_by, task.result = TaskStatus.DONE, now, actor, result.strip()
    task.version += 1
    task.updated_at, task.updated_by = now, actor
    task.save()
    audit.record(actor, "task.complete", task, customer_id=task.customer_id,
                 changes={"status": [TaskStatus.OPEN, TaskStatus.DONE]}, note=task.result)
    refresh_follow_up(task.customer_id)
    events.emit("task.completed", events.task_data(task), customer=task.customer_id)
    return task
