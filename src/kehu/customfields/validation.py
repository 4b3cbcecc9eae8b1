"""Checking custom-field values against their definitions: one function for forms, API and imports.

validate_custom_data(target, values) returns the values as stored (text, number, "YYYY-MM-DD",
a choice, a list of choices) or raises ValidationError keyed `custom_data.<key>`, each message
naming the field by its label.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable

from django.utils.translation import gettext as _

from kehu.core.cleaning import Errors
from kehu.core.validators import FieldError, clean_date, clean_decimal
from kehu.customfields.models import CustomField, FieldKind

TEXT_LIMIT = 2000


def error_key(key: str) -> str:
    return f"custom_data.{key}"


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, (list, tuple)) and not any(str(v).strip() for v in value))


def _as_list(value: Any) -> list[str]:
    if isinstance(value, (list, tuple, set)):
        items = value
    else:
        # "A, B" and "A，B" (full-width comma) from imports and the API's plain strings
        items = str(value).replace("，", ",").replace("、", ",").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _number(text: Any, definition: CustomField) -> int | float:
    number = clean_decimal(text, field=error_key(definition.key), label=definition.display_label,
                           max_digits=18, decimal_places=4)
    # JSON numbers, so API clients get numbers; whole numbers stay ints.
    return int(number) if number == number.to_integral_value() else float(number)


def clean_value(definition: CustomField, value: Any) -> Any:
    """One value cleaned for storage; raises FieldError with the field named by its label."""
    key, lbl = error_key(definition.key), definition.display_label
    kind = definition.kind
    if kind == FieldKind.TEXT:
        text = str(value).strip()
        if len(text) > TEXT_LIMIT:
            raise FieldError(key, _("%(label)s is too long: at most %(max)d characters (%(count)d given).")
                             % {"label": lbl, "max": TEXT_LIMIT, "count": len(text)})
        return text
    if kind == FieldKind.NUMBER:
        if isinstance(value, bool):
            raise FieldError(key, _("%(label)s must be a number, such as 1234.50.") % {"label": lbl})
        return _number(value if isinstance(value, (int, float, Decimal)) else str(value), definition)
    if kind == FieldKind.DATE:
        return clean_date(value, field=key, label=lbl).isoformat()
    allowed = [str(choice) for choice in definition.choices]
    if kind == FieldKind.CHOICE:
        text = str(value).strip()
        if text not in allowed:
            raise FieldError(key, _("%(label)s must be one of: %(choices)s.") % {"label": lbl, "choices": "、".join(allowed)})
        return text
    chosen = _as_list(value)
    unknown = [item for item in chosen if item not in allowed]
    if unknown:
        raise FieldError(key, _("%(label)s: %(values)s is not a choice; choose from: %(choices)s.")
                         % {"label": lbl, "values": "、".join(unknown), "choices": "、".join(allowed)})
    return [item for item in allowed if item in chosen]  # the definition's order, no repeats


def definitions(target: str) -> list[CustomField]:
    return list(CustomField.objects.for_target(target).order_by("position", "id"))


def validate_custom_data(target: str, values: Any, *, fields: Iterable[CustomField] | None = None) -> dict[str, Any]:
    """Clean every value of `values` ({key: value}) for `target` ("customer" or "contact").

    Unknown keys are errors; values of retired fields are kept as they are (nothing is lost);
    empty values are left out; an active required field that is missing or empty is an error.
    """
    if not isinstance(values, dict):
        raise FieldError("custom_data", _("Custom fields must be given as name: value pairs."))
    by_key = {f.key: f for f in (definitions(target) if fields is None else fields)}
    errors = Errors()
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        definition = by_key.get(key)
        if definition is None:
            known = ", ".join(k for k, f in by_key.items() if f.is_active) or "—"
            errors.add(error_key(str(key)), _("%(key)s is not a custom field; the fields are: %(known)s.")
                       % {"key": key, "known": known})
        elif not definition.is_active:
            cleaned[key] = value
        elif not is_empty(value):
            try:
                cleaned[key] = clean_value(definition, value)
            except FieldError as exc:
                errors.add(exc.field, exc.message)
    for key, definition in by_key.items():
        if definition.is_active and definition.required and key not in cleaned and error_key(key) not in errors.by_field:
            errors.add(error_key(key), _("%(label)s is required.") % {"label": definition.display_label})
    errors.raise_if_any()
    return cleaned
