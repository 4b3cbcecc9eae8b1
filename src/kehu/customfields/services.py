"""Writes on custom-field definitions (R11): data admins and managers, each change audited."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import audit, clock
from kehu.core.cleaning import Errors
from kehu.core.cleaning import label as field_label
from kehu.core.locking import lock_current
from kehu.core.policy import may_manage_reference_data, require
from kehu.customers.cleaning import clean_choice, clean_text
from kehu.customfields.models import CHOICE_KINDS, CustomField, FieldKind, Target
from kehu.customfields.validation import _as_list

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
EDITABLE = ("label", "label_en", "help_text", "choices", "required", "show_in_list", "filterable", "position",
            "is_active")
MAX_CHOICES = 100


def _clean(data: dict[str, Any], errors: Errors, *, kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("label", "label_en", "help_text"):
        if name in data:
            out[name] = clean_text(data[name], model=CustomField, field=name, errors=errors)
    if "label" in out and not out["label"]:
        errors.add("label", _("%(label)s is required.") % {"label": field_label(CustomField, "label")})
    for name in ("required", "show_in_list", "filterable", "is_active"):
        if name in data:
            out[name] = bool(data[name])
    if "position" in data:
        try:
            out["position"] = max(0, min(int(data["position"] or 0), 32767))
        except (TypeError, ValueError):
            errors.add("position", _("%(label)s must be a whole number.") % {"label": field_label(CustomField, "position")})
    if "choices" in data:
        choices = list(dict.fromkeys(_as_list(data["choices"] or [])))
        if kind in CHOICE_KINDS and not choices:
            errors.add("choices", _("A choice field needs at least one choice (separate them with commas)."))
        if len(choices) > MAX_CHOICES or any(len(c) > 60 for c in choices):
            errors.add("choices", _("At most %(count)d choices of up to 60 characters each.") % {"count": MAX_CHOICES})
        out["choices"] = choices if kind in CHOICE_KINDS else []
    return out


@transaction.atomic
def customfield_create(actor, *, target: str, key: str, label: str, kind: str, **data: Any) -> CustomField:
    require(may_manage_reference_data(actor), _("Only a data admin or a manager may manage custom fields."))
    errors = Errors()
    target = clean_choice(target or Target.CUSTOMER, model=CustomField, field="target", errors=errors)
    kind = clean_choice(kind or FieldKind.TEXT, model=CustomField, field="kind", errors=errors)
    key = (key or "").strip().lower()
    if not KEY.match(key):
        errors.add("key", _("%(label)s must start with a letter and use only a-z, 0-9 and _ (at most 40).")
                   % {"label": field_label(CustomField, "key")})
    elif target and CustomField.objects.filter(target=target, key=key).exists():
        errors.add("key", _("A custom field with the key %(key)s already exists.") % {"key": key})
    values = _clean({"label": label, "choices": data.pop("choices", []), **data}, errors, kind=kind)
    errors.raise_if_any()
    now = clock.now()
    values.setdefault("position", (CustomField.objects.filter(target=target).count() + 1) * 10)
    field = CustomField.objects.create(target=target, key=key, kind=kind, created_at=now, updated_at=now,
                                       updated_by=actor, **values)
    audit.record(actor, "customfield.create", field,
                 changes={k: [None, v] for k, v in audit.snapshot(field, ["target", "key", "kind", *values]).items()})
    return field


@transaction.atomic
def customfield_update(actor, field_id: int, *, version: int, **data: Any) -> CustomField:
    """Change a definition. Key, target and type stay fixed: stored values depend on them."""
    require(may_manage_reference_data(actor), _("Only a data admin or a manager may manage custom fields."))
    field = lock_current(CustomField.objects.all(), field_id, version)
    errors = Errors()
    for fixed in ("key", "target", "kind"):
        if fixed in data and data[fixed] != getattr(field, fixed):
            errors.add(fixed, _("%(label)s cannot be changed once the field exists; add a new field instead.")
                       % {"label": field_label(CustomField, fixed)})
    values = _clean({k: v for k, v in data.items() if k in EDITABLE}, errors, kind=field.kind)
    errors.raise_if_any()
    before = audit.snapshot(field, list(values))
    for name, value in values.items():
        setattr(field, name, value)
    changes = audit.diff(before, audit.snapshot(field, list(values)))
    if changes:
        field.version += 1
        field.updated_at, field.updated_by = clock.now(), actor
        field.save()
        audit.record(actor, "customfield.update", field, changes=changes)
    return field
