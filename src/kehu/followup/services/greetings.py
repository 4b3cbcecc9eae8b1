"""Greetings for important dates (R10): editable templates with placeholders; a greeting is marked
sent by the person who sent it. The sweep writes the due greetings (kehu.followup.sweeps.greetings)."""

from __future__ import annotations

import string
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import audit, clock
from kehu.core.cleaning import Errors, label
from kehu.core.errors import NotFound, ValidationError
from kehu.core.locking import lock_current
from kehu.core.policy import get_visible_customer, may_manage_reference_data, may_record_interaction, require
from kehu.customers.cleaning import clean_choice, clean_text
from kehu.followup.models import Greeting, GreetingStatus, GreetingTemplate

PLACEHOLDERS = ("name", "title", "company", "years", "date")


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render_greeting(body: str, **values: Any) -> str:
    """Fill the placeholders; anything else in braces is left as written."""
    try:
        return string.Formatter().vformat(body, (), _Keep(values))
    except (ValueError, IndexError, AttributeError):
        return body


def _placeholder_errors(body: str) -> list[str]:
    try:
        fields = [name for _text, name, _spec, _conv in string.Formatter().parse(body) if name is not None]
    except ValueError:
        return [_("The text has an unmatched { or }.")]
    unknown = sorted({name for name in fields if name not in PLACEHOLDERS})
    if unknown:
        return [_("Unknown placeholder %(names)s; use %(allowed)s.") % {
            "names": ", ".join("{%s}" % n for n in unknown), "allowed": " ".join("{%s}" % n for n in PLACEHOLDERS)}]
    return []


@transaction.atomic
def greeting_template_save(actor, *, occasion: str, name: str, body: str, is_active: bool = True,
                           template_id: int | None = None, version: int | None = None) -> GreetingTemplate:
    """Create a template, or change one (template_id and version given)."""
    require(may_manage_reference_data(actor), _("You may not edit greeting templates."))
    errors = Errors()
    occasion = clean_choice(occasion, model=GreetingTemplate, field="occasion", errors=errors)
    if not occasion:
        errors.add("occasion", _("%(label)s is required.") % {"label": label(GreetingTemplate, "occasion")})
    name = clean_text(name, model=GreetingTemplate, field="name", errors=errors)
    body = clean_text(body, model=GreetingTemplate, field="body", errors=errors)
    for field, value in (("name", name), ("body", body)):
        if not value:
            errors.add(field, _("%(label)s is required.") % {"label": label(GreetingTemplate, field)})
    for message in _placeholder_errors(body or ""):
        errors.add("body", message)
    errors.raise_if_any()
    now = clock.now()
    values = {"occasion": occasion, "name": name, "body": body, "is_active": bool(is_active)}
    if template_id is None:
        template = GreetingTemplate.objects.create(updated_at=now, updated_by=actor, **values)
        audit.record(actor, "greeting_template.create", template, changes={k: [None, v] for k, v in values.items()})
        return template
    template = lock_current(GreetingTemplate.objects.all(), template_id, version)
    before = audit.snapshot(template, list(values))
    for key, value in values.items():
        setattr(template, key, value)
    changes = audit.diff(before, audit.snapshot(template, list(values)))
    if changes:
        template.version += 1
        template.updated_at, template.updated_by = now, actor
        template.save()
        audit.record(actor, "greeting_template.update", template, changes=changes)
    return template


@transaction.atomic
def greeting_mark_sent(actor, greeting_id: int, *, text: str | None = None) -> Greeting:
    """The user sent the greeting (by WeChat, card, phone…); the text sent may be edited."""
    row = Greeting.objects.filter(pk=greeting_id).values("customer_id").first()
    if row is None:
        raise NotFound(greeting_id)
    customer = get_visible_customer(actor, row["customer_id"])
    require(may_record_interaction(actor, customer), _("You may not mark greetings for this customer."))
    greeting = Greeting.objects.select_for_update().get(pk=greeting_id)
    if greeting.status == GreetingStatus.SENT:
        raise ValidationError({"status": [_("This greeting is already marked sent.")]})
    if text is not None and text.strip():
        greeting.text = text.strip()
    greeting.status, greeting.sent_at, greeting.sent_by = GreetingStatus.SENT, clock.now(), actor
    greeting.save()
    audit.record(actor, "greeting.sent", greeting, customer_id=greeting.customer_id,
                 changes={"status": [GreetingStatus.DUE, GreetingStatus.SENT]})
    return greeting
