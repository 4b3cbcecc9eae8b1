"""Recording interactions (R13) and next actions (R14); each keeps the customer's follow-up facts right."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core import audit, clock
from kehu.core.cleaning import Errors, label
from kehu.core.errors import ValidationError
from kehu.core.locking import lock_current
from kehu.core.policy import get_visible_customer, may_edit_customer, may_record_interaction, require
from kehu.customers.cleaning import clean_choice, clean_text
from kehu.customers.models import Contact, Customer
from kehu.followup.models import Interaction, InteractionMethod, Task, TaskStatus

INTERACTION_TEXT = ("summary", "feedback", "next_step", "need_change", "commitments")
REQUIRED_TEXT = ("summary", "feedback", "next_step")  # with time and method: the five elements of R13


def refresh_follow_up(customer_id: int) -> None:
    """last_interaction_at from the interactions; next_follow_up_at from the earliest open action.
    A system write: `version` is untouched."""
    last = Interaction.objects.filter(customer_id=customer_id).aggregate(last=Max("occurred_at"))["last"]
    next_due = Task.objects.filter(customer_id=customer_id, status=TaskStatus.OPEN).aggregate(n=Min("due_at"))["n"]
    Customer.objects.filter(pk=customer_id).update(last_interaction_at=last, next_follow_up_at=next_due)


def clean_moment(value: Any, *, field: str, lbl: str, errors: Errors) -> dt.datetime | None:
    """A time to the minute, as a datetime or 'YYYY-MM-DD HH:MM' in the team's time zone."""
    if value in (None, ""):
        errors.add(field, _("%(label)s is required.") % {"label": lbl})
        return None
    moment = value
    if isinstance(value, str):
        text = value.strip().replace("T", " ")
        try:
            moment = dt.datetime.strptime(text[:16], "%Y-%m-%d %H:%M")
        except ValueError:
            errors.add(field, _("%(label)s must be a date and time like 2024-03-15 14:30.") % {"label": lbl})
            return None
    if not isinstance(moment, dt.datetime):
        errors.add(field, _("%(label)s must be a date and time like 2024-03-15 14:30.") % {"label": lbl})
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.replace(second=0, microsecond=0)


def _resolve_method(value: Any, errors: Errors) -> InteractionMethod | None:
    if isinstance(value, InteractionMethod):
        return value
    found = InteractionMethod.objects.filter(code=str(value or "").strip(), is_active=True).first()
    if found is None:
        codes = ", ".join(InteractionMethod.objects.filter(is_active=True).values_list("code", flat=True))
        lbl = label(Interaction, "method")
        if value in (None, ""):
            errors.add("method", _("%(label)s is required.") % {"label": lbl})
        else:
            errors.add("method", _("%(label)s must be one of: %(choices)s.") % {"label": lbl, "choices": codes})
    return found


def clean_task(data: dict[str, Any], errors: Errors, *, prefix: str = "", partial: bool = False) -> dict[str, Any]:
    from kehu.accounts.models import User

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
    return task


@transaction.atomic
def interaction_record(actor, customer_id: int, *, next_action: dict[str, Any] | None = None, **data: Any) -> Interaction:
    """Record what happened with a customer: time, method, key points, feedback and next step are
    required (R13); an optional next action is created with it."""
    customer = get_visible_customer(actor, customer_id)
    require(may_record_interaction(actor, customer), _("You may not record interactions for this customer."))
    errors = Errors()
    occurred_at = clean_moment(data.get("occurred_at"), field="occurred_at",
                               lbl=label(Interaction, "occurred_at"), errors=errors)
    if occurred_at and occurred_at > clock.now() + dt.timedelta(minutes=1):
        errors.add("occurred_at", _("%(label)s cannot be in the future.") % {"label": label(Interaction, "occurred_at")})
    method = _resolve_method(data.get("method"), errors)
    texts = {f: clean_text(data.get(f), model=Interaction, field=f, errors=errors) for f in INTERACTION_TEXT}
    for field in REQUIRED_TEXT:
        if not texts[field]:
            errors.add(field, _("%(label)s is required.") % {"label": label(Interaction, field)})
    mood = clean_choice(data.get("mood"), model=Interaction, field="mood", errors=errors)
    contact = None
    if data.get("contact") not in (None, ""):
        contact_id = getattr(data["contact"], "pk", data["contact"])
        contact = Contact.objects.filter(pk=contact_id, customer=customer).first()
        if contact is None:
            errors.add("contact", _("%(label)s must be one of this customer's contacts.") % {"label": label(Interaction, "contact")})
    task_values = clean_task(next_action, errors, prefix="next_action") if next_action else None
    unknown = set(data) - {"occurred_at", "method", "mood", "contact", "responded", *INTERACTION_TEXT}
    for field in sorted(unknown):
        errors.add(field, _("%(field)s is not an interaction field.") % {"field": field})
    errors.raise_if_any()

    responded = data.get("responded")
    interaction = Interaction.objects.create(
        customer=customer, contact=contact, occurred_at=occurred_at, method=method, user=actor,
        mood=mood, responded=None if responded is None else bool(responded), recorded_at=clock.now(), **texts,
    )
    audit.record(actor, "interaction.create", interaction, customer_id=customer.pk,
                 changes={"occurred_at": [None, occurred_at.isoformat()], "method": [None, method.code]})
    if task_values is not None:
        write_task(actor, customer, task_values, interaction=interaction)
    refresh_follow_up(customer.pk)
    return interaction


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
    """Reschedule, re-prioritise, rename or hand an open action to someone else."""
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
    return task
