"""List filters on custom fields (cf_<key>=value in the list's query string), shared by web and API."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kehu.core.errors import ValidationError
from kehu.core.validators import FieldError
from kehu.customfields.models import CustomField, FieldKind
from kehu.customfields.validation import clean_value


def _multi_contains(queryset: QuerySet, key: str, value: str) -> QuerySet:
    """Customers whose multiple-choice field `key` includes `value`. JSON array membership has no
    portable ORM lookup (SQLite lacks `contains` on JSON), so each database gets its own test."""
    table = queryset.model._meta.db_table
    if connection.vendor == "postgresql":
        where = f'"{table}"."custom_data" -> %s ? %s'
    else:
        where = f'EXISTS (SELECT 1 FROM json_each("{table}"."custom_data", %s) WHERE json_each.value = %s)'
        key = f'$."{key}"'
    return queryset.extra(where=[where], params=[key, value])


def apply_custom_filters(queryset: QuerySet, custom: dict[str, str], *, target: str = "customer") -> QuerySet:
    if not custom:
        return queryset
    fields = {f.key: f for f in CustomField.objects.for_target(target).filter(key__in=list(custom))}
    errors: dict[str, list[str]] = {}
    for key, raw in custom.items():
        definition = fields.get(key)
        if definition is None:
            errors[f"cf_{key}"] = [_("%(key)s is not a custom field.") % {"key": key}]
            continue
        raw = str(raw).strip()
        if definition.kind == FieldKind.TEXT:
            queryset = queryset.filter(**{f"custom_data__{key}__icontains": raw})
            continue
        if definition.kind == FieldKind.MULTI_CHOICE:
            queryset = _multi_contains(queryset, key, raw)
            continue
        try:
            value = clean_value(definition, raw)
        except FieldError as exc:
            errors[f"cf_{key}"] = [exc.message]
            continue
        queryset = queryset.filter(Q(**{f"custom_data__{key}": value}))
    if errors:
        raise ValidationError(errors)
    return queryset
