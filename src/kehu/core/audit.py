"""Writing the audit log: every service calls record() inside its transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Iterable

from django.db import models

from kehu.core import clock
from kehu.core.models import AuditEvent


def plain(value: Any) -> Any:
    """A JSON-safe form of a field value, readable in the log."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: plain(getattr(obj, _attname(obj, name))) for name in fields}


def _attname(obj: models.Model, name: str) -> str:
    field = obj._meta.get_field(name)
    return field.attname if field.is_relation and field.many_to_one else name


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed."""
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def record(
    actor,
    action: str,
    obj: models.Model,
    *,
    changes: dict[str, Any] | None = None,
    customer_id: int | None = None,
    note: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        at=clock.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=str(actor) if actor is not None else "system",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        customer_id=customer_id,
        changes=changes or {},
        note=note,
    )
