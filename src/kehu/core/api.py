"""/audit: the audit log, read only, scoped exactly like the log pages (kehu.core.audit_queries):

- without `customer`: the events the caller may read of the whole log (visible_events: the org
  admin all, a team lead those about the teams' customers and members and their own); anyone
  else gets 403;
- with `customer`: that customer's history for anyone who may see the customer (404 otherwise),
  others' number reveals for managers only (timeline_queryset);
- every page goes through redact_events: amounts and undisclosed needs masked for readers who
  may not see them, phones masked for those who may not see them in full.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Router, Schema

from kehu.core.audit_queries import AuditFilters, apply_audit_filters, redact_events, timeline_queryset, visible_events
from kehu.core.models import AuditEvent
from kehu.core.policy import access_for, get_visible_customer
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
    the part of the whole log you may read (managers and team leads). `action` is an exact name
    (customer.update) or a prefix ending in a dot (customer.)."""
    access = access_for(request.auth)
    if customer is not None:
        queryset = timeline_queryset(access, get_visible_customer(access, customer, include_deleted=True))
    else:
        queryset = visible_events(access)  # PermissionDenied (403) for those who read no log
    queryset = apply_audit_filters(queryset, AuditFilters(actor=actor, action=(action or "").strip(),
                                                          object_type=(object_type or "").strip()))
    if object_id is not None:
        queryset = queryset.filter(object_id=object_id)
    rows, next_cursor = keyset(queryset, int_cursor(cursor), limit)
    return {"items": [_out(row) for row in redact_events(access, rows)], "next_cursor": next_cursor}
