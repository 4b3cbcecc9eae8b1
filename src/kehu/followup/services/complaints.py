"""Complaints (R18): answered within 24 h, solved within 48 h (team settings), open → responded →
resolved (→ reopened). A missed deadline is flagged: by the answer that comes late, or by the sweep
while nobody has answered (kehu.followup.sweeps.complaints)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import audit, clock, config
from kehu.core.cleaning import Errors, label
from kehu.core.errors import NotFound, ValidationError
from kehu.core.locking import lock_current
from kehu.core.policy import get_visible_customer, may_record_interaction, require
from kehu.customers.cleaning import clean_choice, clean_text
from kehu.customers.models import Contact
from kehu.followup.models import Complaint, ComplaintStatus

ANSWERABLE = (ComplaintStatus.OPEN, ComplaintStatus.REOPENED)
UNRESOLVED = (ComplaintStatus.OPEN, ComplaintStatus.RESPONDED, ComplaintStatus.REOPENED)


def response_hours() -> int:
    return int(config.get("complaint_response_hours"))


def solution_hours() -> int:
    return int(config.get("complaint_solution_hours"))


@transaction.atomic
def complaint_open(actor, customer_id: int, *, description: str, channel: Any, severity: str = "medium",
                   contact: Any = None, received_at: Any = None, handler: Any = None) -> Complaint:
    from kehu.accounts.models import User
    from kehu.followup.services.interactions import clean_moment, resolve_method
    from kehu.notify.services import notify

    customer = get_visible_customer(actor, customer_id)
    require(may_record_interaction(actor, customer), _("You may not record complaints for this customer."))
    errors = Errors()
    text = clean_text(description, model=Complaint, field="description", errors=errors)
    if not text:
        errors.add("description", _("%(label)s is required.") % {"label": label(Complaint, "description")})
    method = resolve_method(channel, errors, field="channel", model=Complaint)
    severity = clean_choice(severity or "medium", model=Complaint, field="severity", errors=errors)
    now = clock.now()
    received = now
    if received_at not in (None, ""):
        received = clean_moment(received_at, field="received_at", lbl=label(Complaint, "received_at"), errors=errors)
        if received and received > now + dt.timedelta(minutes=1):
            errors.add("received_at", _("%(label)s cannot be in the future.") % {"label": label(Complaint, "received_at")})
    contact_row = None
    if contact not in (None, ""):
        contact_row = Contact.objects.filter(pk=getattr(contact, "pk", contact), customer=customer).first()
        if contact_row is None:
            errors.add("contact", _("%(label)s must be one of this customer's contacts.")
                       % {"label": label(Complaint, "contact")})
    handler_user = customer.owner or actor
    if handler not in (None, ""):
        handler_user = handler if isinstance(handler, User) else User.objects.filter(pk=handler).first()
        if handler_user is None or not handler_user.is_active:
            errors.add("handler", _("%(label)s must be an active user.") % {"label": label(Complaint, "handler")})
    if handler_user is None:
        errors.add("handler", _("%(label)s is required.") % {"label": label(Complaint, "handler")})
    errors.raise_if_any()

    complaint = Complaint.objects.create(
        customer=customer, contact=contact_row, channel=method, description=text, severity=severity,
        handler=handler_user, received_at=received,
        response_due_at=received + dt.timedelta(hours=response_hours()),
        solution_due_at=received + dt.timedelta(hours=solution_hours()),
        created_at=now, created_by=actor, updated_at=now, updated_by=actor,
    )
    audit.record(actor, "complaint.create", complaint, customer_id=customer.pk,
                 changes={"severity": [None, severity], "handler": [None, handler_user.pk]})
    if handler_user != actor:
        notify(handler_user, "complaint.new", customer=customer, object_id=complaint.pk, due_at=complaint.received_at)
    return complaint


def _complaint_for_edit(actor, complaint_id: int, version: int) -> Complaint:
    row = Complaint.objects.filter(pk=complaint_id).values("customer_id", "handler_id").first()
    if row is None:
        raise NotFound(complaint_id)
    customer = get_visible_customer(actor, row["customer_id"])
    handles_it = actor is not None and row["handler_id"] == actor.pk
    require(handles_it or may_record_interaction(actor, customer), _("You may not handle this complaint."))
    return lock_current(Complaint.objects.all(), complaint_id, version)


def _required_text(value: str, field: str, errors: Errors) -> str:
    text = clean_text(value, model=Complaint, field=field, errors=errors)
    if not text:
        errors.add(field, _("%(label)s is required.") % {"label": label(Complaint, field)})
    return text


def _save(actor, complaint: Complaint, action: str, changes: dict, note: str = "") -> Complaint:
    complaint.version += 1
    complaint.updated_at, complaint.updated_by = clock.now(), actor
    complaint.save()
    audit.record(actor, action, complaint, customer_id=complaint.customer_id, changes=changes, note=note)
    return complaint


def _answer(complaint: Complaint, now: dt.datetime) -> None:
    """The first answer; a late one flags the response deadline as missed."""
    if complaint.responded_at is None:
        complaint.responded_at = now
        if now > complaint.response_due_at and complaint.response_breached_at is None:
            complaint.response_breached_at = now


@transaction.atomic
def complaint_respond(actor, complaint_id: int, *, version: int, response: str) -> Complaint:
    complaint = _complaint_for_edit(actor, complaint_id, version)
    errors = Errors()
    text = _required_text(response, "response", errors)
    if complaint.status not in ANSWERABLE:
        errors.add("status", _("Only an open or reopened complaint can be answered."))
    errors.raise_if_any()
    old = complaint.status
    _answer(complaint, clock.now())
    complaint.response = text
    complaint.status = ComplaintStatus.RESPONDED
    return _save(actor, complaint, "complaint.respond", {"status": [old, complaint.status]}, note=text)


@transaction.atomic
def complaint_resolve(actor, complaint_id: int, *, version: int, resolution: str) -> Complaint:
    complaint = _complaint_for_edit(actor, complaint_id, version)
    errors = Errors()
    text = _required_text(resolution, "resolution", errors)
    if complaint.status not in UNRESOLVED:
        errors.add("status", _("This complaint is already resolved."))
    errors.raise_if_any()
    now, old = clock.now(), complaint.status
    _answer(complaint, now)
    complaint.resolved_at, complaint.resolution, complaint.status = now, text, ComplaintStatus.RESOLVED
    if now > complaint.solution_due_at and complaint.solution_breached_at is None:
        complaint.solution_breached_at = now
    return _save(actor, complaint, "complaint.resolve", {"status": [old, complaint.status]}, note=text)


@transaction.atomic
def complaint_reopen(actor, complaint_id: int, *, version: int, reason: str) -> Complaint:
    """The customer is not satisfied with the solution: a new solution deadline starts now."""
    complaint = _complaint_for_edit(actor, complaint_id, version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason the complaint is reopened.")]})
    if complaint.status != ComplaintStatus.RESOLVED:
        raise ValidationError({"status": [_("Only a resolved complaint can be reopened.")]})
    now = clock.now()
    changes = {"status": [complaint.status, ComplaintStatus.REOPENED],
               "solution_due_at": [complaint.solution_due_at.isoformat(), None]}
    if complaint.solution_breached_at:
        changes["solution_breached_at"] = [complaint.solution_breached_at.isoformat(), None]
    complaint.status, complaint.reopened_at = ComplaintStatus.REOPENED, now
    complaint.reopen_count += 1
    complaint.solution_due_at = now + dt.timedelta(hours=solution_hours())
    complaint.solution_breached_at = None
    changes["solution_due_at"][1] = complaint.solution_due_at.isoformat()
    return _save(actor, complaint, "complaint.reopen", changes, note=reason)
