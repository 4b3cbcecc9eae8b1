"""The customer's single timeline, from kehu.followup.queries.timeline_events, made ready to show.

The follow-up module gathers the events (interactions, stage changes, transactions, complaints,
surveys, classification changes, audited changes); here the audited changes are made readable
(lists joined, contact-method keys labelled). Confidential values were masked by
kehu.core.redaction when the events were gathered (R33); phones are masked here again as a
second guard.
"""

from __future__ import annotations

from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from kehu.core.validators import mask_phone
from kehu.followup.queries import timeline_events
from kehu.web.display import moment_text


def _mask_one(value):
    # kehu.core.redaction masked them already for those without the right; masking twice would
    # turn 139****5678 into *****78.
    text = str(value)
    return text if "*" in text else mask_phone(text)


def _mask(value):
    if isinstance(value, (list, tuple)):
        return [_mask_one(v) for v in value]
    return _mask_one(value) if value else value


EMPTY = (None, "", [], {}, ())


def _text(value) -> Any:
    """A logged value as people read it: lists joined, yes/no, times to the minute."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value) or None
    if isinstance(value, dict):
        return "、".join(f"{k}: {v}" for k, v in value.items()) or None
    if isinstance(value, str) and len(value) > 16 and value[10:11] == "T":
        moment = parse_datetime(value)
        if moment is not None:
            return moment_text(moment)
    return value


def readable_changes(lines, *, show_phones: bool) -> list[tuple[str, Any, Any]]:
    labels = {"phones": _("Phone"), "emails": _("E-mail"), "tags": _("Tags"), "custom_data": _("Custom fields")}
    out = []
    for label, old, new in lines:
        if old in EMPTY and new in EMPTY:
            continue  # a field nobody filled in, logged at creation
        if label == "phones" and not show_phones:
            old, new = _mask(old), _mask(new)
        out.append((labels.get(label, label), _text(old), _text(new)))
    return out


def timeline_for(user, customer, *, show_phones: bool) -> list:
    events = timeline_events(user, customer)
    for event in events:
        if event.changes:
            event.changes = readable_changes(event.changes, show_phones=show_phones)
    return events
