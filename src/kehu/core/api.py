"""/audit: the audit log, read only. Events about a customer are readable by whoever may see
that customer; events about no customer (users, reference data, tokens) by those who may read
the whole log (policy: may_read_audit)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from ninja import Router, Schema

from kehu.core.errors import PermissionDenied
from kehu.core.models import AuditEvent
from kehu.core.policy import access_for, get_visible_customer
from kehu.integrations import messages
from kehu.core.schemas import ERRORS, Id, Limit, Page, int_cursor, keyset

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    at: dt.datetime
    actor: int | None = None
    actor_name: str
    action: str
    object_type: str
    object_id: int
    object_repr: str
    customer_id: int | None = None
    changes: dict[str, Any]
    note: str


def _out(event: AuditEvent) -> dict[str, Any]:
    return {"id": event.pk, "at": event.at, "actor": event.actor_id, "actor_name": event.actor_name,
            "action": event.action, "object_type": event.object_type, "object_id": event.object_id,
            "object_repr": event.object_repr, "customer_id": event.customer_id, "changes": event.changes,
            "note": event.note}


@router.get("/audit", response={200: Page[AuditEventOut]} | ERRORS)
def list_audit(request, customer: Id | None = None, action: str | None = None, object_type: str | None = None,
               object_id: Id | None = None, actor: Id | None = None, cursor: str | None = None, limit: Limit = 50):
    """Newest first. With `customer`, that customer's history (anyone who may see it); without,
    the whole log (managers and team leads)."""
    queryset = AuditEvent.objects.all()
    if customer is not None:
        get_visible_customer(request.auth, customer)  # 404 when not visible
        queryset = queryset.filter(customer_id=customer)
    elif not access_for(request.auth).may_read_audit():
        raise PermissionDenied(messages.text("audit_whole_log"))
    filters = Q()
    if action:
        filters &= Q(action=action)
    if object_type:
        filters &= Q(object_type=object_type)
    if object_id is not None:
        filters &= Q(object_id=object_id)
    if actor is not None:
        filters &= Q(actor_id=actor)
    rows, next_cursor = keyset(queryset.filter(filters), int_cursor(cursor), limit)
    return {"items": [_out(row) for row in rows], "next_cursor": next_cursor}
