"""Recording interactions (R13): the five elements, late entry (R16), and what an interaction changes
about the customer (last contact, next follow-up, the way back from silence R17)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core import audit, clock, config
from kehu.core.cleaning import Errors, label
from kehu.core.policy import get_visible_customer, may_record_interaction, require
from kehu.customers.cleaning import clean_choice, clean_text
from kehu.customers.models import Contact, Customer, Stage
from kehu.followup.models import Interaction, InteractionMethod
from kehu.followup.services.cadence import refresh_follow_up
from kehu.followup.services.tasks import clean_task, write_task
from kehu.integrations import events

INTERACTION_TEXT = ("summary", "feedback", "next_step", "need_change", "commitments")
REQUIRED_TEXT = ("summary", "feedback", "next_step")  # with time and method: the five elements of R13


# Moments a follow-up can have. Before 1900 time zones had local mean time offsets (+08:05:43 in
# Shanghai) that no ISO 8601 reader accepts; after 9998 adding a reminder lead time overflows.
FIRST_YEAR, LAST_YEAR = 1900, 9998


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
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:  # also keeps time-zone arithmetic in range
        errors.add(field, _("%(label)s must be between the years %(first)d and %(last)d.")
                   % {"label": lbl, "first": FIRST_YEAR, "last": LAST_YEAR})
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.replace(second=0, microsecond=0)


def resolve_method(value: Any, errors: Errors, *, field: str = "method", model=Interaction) -> InteractionMethod | None:
    if isinstance(value, InteractionMethod):
        return value
    found = InteractionMethod.objects.filter(code=str(value or "").strip(), is_active=True).first()
    if found is None:
        codes = ", ".join(InteractionMethod.objects.filter(is_active=True).values_list("code", flat=True))
        lbl = label(model, field)
        if value in (None, ""):
            errors.add(field, _("%(label)s is required.") % {"label": lbl})
        else:
            errors.add(field, _("%(label)s must be one of: %(choices)s.") % {"label": lbl, "choices": codes})
    return found


def is_late(occurred_at: dt.datetime, recorded_at: dt.datetime) -> bool:
    """R16: written down more than the team's limit after it happened."""
    return recorded_at - occurred_at > dt.timedelta(hours=config.get("late_interaction_hours"))


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
    method = resolve_method(data.get("method"), errors)
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
    now = clock.now()
    interaction = Interaction.objects.create(
        customer=customer, contact=contact, occurred_at=occurred_at, method=method, user=actor,
        mood=mood, responded=None if responded is None else bool(responded), recorded_at=now,
        recorded_late=is_late(occurred_at, now), **texts,
    )
    audit.record(actor, "interaction.create", interaction, customer_id=customer.pk,
                 changes={"occurred_at": [None, occurred_at.isoformat()], "method": [None, method.code]})
    if task_values is not None:
        write_task(actor, customer, task_values, interaction=interaction)
    if customer.stage == Stage.SILENT:
        wake_from_silence(customer.pk)
    refresh_follow_up(customer.pk)
    events.emit("interaction.recorded", events.interaction_data(interaction), customer=customer)
    return interaction


def wake_from_silence(customer_id: int) -> None:
    """R17: the next interaction brings a silent customer back to the stage it had before."""
    from kehu.customers.services.stages import move_stage

    customer = Customer.objects.select_for_update().get(pk=customer_id)
    if customer.stage != Stage.SILENT:
        return
    back = customer.previous_stage if customer.previous_stage not in ("", Stage.SILENT) else Stage.POTENTIAL
    move_stage(None, customer, back, reason=_("Interaction recorded after a silence"))
