"""Reading the audit log (R32: managers audit): filters, keyset pages, a CSV export, and a
customer's timeline. The log itself is append-only (kehu.core.models.AuditEvent refuses updates
and deletes; nothing here writes to it except the record of an export).

Who reads what:
- the org admin: every event;
- a team lead: events about customers of the teams they lead, and events by members of those
  teams (sign-in locks, exports, password resets…), and their own;
- anyone else: nothing (PermissionDenied) — except a customer's timeline, which whoever may see
  the customer reads, with confidential values removed and phones masked for those who may not
  see them.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import json
from dataclasses import dataclass
from typing import IO, Any, Mapping

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kehu.core.errors import PermissionDenied, ValidationError
from kehu.core.models import AuditEvent
from kehu.core.policy import access_for, get_visible_customer, is_id
from kehu.core.redaction import (
    AMOUNT_OBJECTS,
    hidden_change_keys,
    record_export,
    redact_changes,
    redact_event,
    spreadsheet_safe,
)
from kehu.core.spreadsheet import write_xlsx

MAX_LIMIT = 200
# Labels of the events this module's neighbours write (handover, pool, accounts, sensitive
# reads), for timelines and the log page: _(ACCESS_ACTION_LABELS[action]).
ACCESS_ACTION_LABELS = {
    "customer.handover": gettext_noop("Handed over to another owner"),
    "customer.pool_warning": gettext_noop("Owner warned: the customer returns to the public pool soon"),
    "customer.pool_return": gettext_noop("Returned to the public pool"),
    "customer.pool_claim": gettext_noop("Claimed from the public pool"),
    "customer.pool_assign": gettext_noop("Assigned from the public pool"),
    "phone.reveal": gettext_noop("Phone number shown"),
    "confidential.view": gettext_noop("Confidential data of several customers viewed"),
    "export.customers": gettext_noop("Customers exported"),
    "export.audit": gettext_noop("Audit log exported"),
    "user.lock": gettext_noop("Account locked after failed sign-ins"),
    "user.unlock": gettext_noop("Account unlocked"),
    "user.password_reset": gettext_noop("Password reset by a manager"),
    "user.deactivate": gettext_noop("Account deactivated"),
    "user.reactivate": gettext_noop("Account reactivated"),
}
USER_TYPE = "accounts.user"
EXPORT_COLUMNS = ("at", "actor_name", "action", "object_type", "object_id", "object_repr", "customer_id",
                  "changes", "note")


@dataclass
class AuditFilters:
    actor: int | None = None
    customer: int | None = None
    action: str = ""  # exact ("customer.update") or a prefix ending in "." ("customer.")
    object_type: str = ""
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive

    def as_params(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.__dict__.items() if v}


def _int(params: Mapping, name: str, errors: dict) -> int | None:
    text = str(params.get(name) or "").strip()
    if not text:
        return None
    if not is_id(text):
        errors[name] = [_("%(field)s must be an id (a whole number).") % {"field": name}]
        return None
    return int(text)


def _day(params: Mapping, name: str, errors: dict) -> dt.date | None:
    text = str(params.get(name) or "").strip()
    if not text:
        return None
    day = parse_date(text) if len(text) == 10 else None
    if day is None:
        errors[name] = [_("%(field)s must be a date in the format YYYY-MM-DD.") % {"field": name}]
    return day


def parse_audit_filters(params: Mapping) -> AuditFilters:
    errors: dict[str, list[str]] = {}
    filters = AuditFilters(
        actor=_int(params, "actor", errors), customer=_int(params, "customer", errors),
        action=str(params.get("action") or "").strip(), object_type=str(params.get("object_type") or "").strip(),
        since=_day(params, "since", errors), until=_day(params, "until", errors),
    )
    if filters.since and filters.until and filters.until < filters.since:
        errors["until"] = [_("until must not be before since.")]
    if errors:
        raise ValidationError(errors)
    return filters


def visible_events(user) -> QuerySet:
    """The audit events `user` may read (PermissionDenied for those who read none)."""
    from django.contrib.auth import get_user_model

    from kehu.customers.models import Customer

    access = access_for(user)
    if not access.may_read_audit():
        raise PermissionDenied(_("Only managers read the audit log."))
    if access.is_org_admin:
        return AuditEvent.objects.all()
    q = Q(actor_id=access.pk)
    if access.led_team_ids:
        teams = sorted(access.led_team_ids)
        members = get_user_model().objects.filter(team_id__in=teams).values("pk")
        q |= Q(customer_id__in=Customer.objects.filter(team_id__in=teams).values("pk"))
        q |= Q(actor_id__in=members)
        # What happened to the members' accounts, also when the system did it (a lock-out has no actor).
        q |= Q(object_type=USER_TYPE, object_id__in=members)
    return AuditEvent.objects.filter(q)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def apply_audit_filters(queryset: QuerySet, filters: AuditFilters) -> QuerySet:
    if filters.actor is not None:
        queryset = queryset.filter(actor_id=filters.actor)
    if filters.customer is not None:
        queryset = queryset.filter(customer_id=filters.customer)
    if filters.action:
        key = "action__startswith" if filters.action.endswith(".") else "action"
        queryset = queryset.filter(**{key: filters.action})
    if filters.object_type:
        queryset = queryset.filter(object_type=filters.object_type)
    if filters.since:
        queryset = queryset.filter(at__gte=_day_start(filters.since))
    if filters.until:
        queryset = queryset.filter(at__lt=_day_start(filters.until + dt.timedelta(days=1)))
    return queryset


def audit_events(user, params: Mapping | AuditFilters | None = None) -> QuerySet:
    filters = params if isinstance(params, AuditFilters) else parse_audit_filters(params or {})
    return apply_audit_filters(visible_events(user), filters).order_by("-at", "-id")


@dataclass
class AuditPage:
    items: list[AuditEvent]
    next_cursor: str | None


def _cursor(event: AuditEvent) -> str:
    raw = json.dumps([event.at.isoformat(), event.pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _after(cursor: str) -> Q:
    try:
        at, pk = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        at = parse_datetime(at)
        if at is None:
            raise ValueError
    except (ValueError, TypeError):
        raise ValidationError({"cursor": [_("cursor is not valid; start again from the first page.")]}) from None
    return Q(at__lt=at) | Q(at=at, id__lt=int(pk))


def audit_page(user, params: Mapping, *, cursor: str | None = None, limit: int = 50) -> AuditPage:
    """Newest first, cut by keyset (time, id); never counts the log."""
    queryset = audit_events(user, params)
    cursor = cursor or params.get("cursor")
    if cursor:
        queryset = queryset.filter(_after(cursor))
    limit = max(1, min(int(limit), MAX_LIMIT))
    rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    rows = redact_events(user, rows[:limit])
    return AuditPage(items=rows, next_cursor=_cursor(rows[-1]) if more and rows else None)


EXPORT_BATCH = 2000


def _export_events(user, filters: AuditFilters):
    """The filtered log for an export, newest first, read and redacted a batch at a time."""
    queryset = audit_events(user, filters)
    batch: list[AuditEvent] = []
    for event in queryset.iterator(chunk_size=EXPORT_BATCH):
        batch.append(event)
        if len(batch) == EXPORT_BATCH:
            yield from redact_events(user, batch)
            batch = []
    yield from redact_events(user, batch)


def export_audit_csv(user, params: Mapping, stream: IO[str]) -> int:
    """Write the filtered log as CSV (UTF-8 with BOM so Excel opens it right); the export is
    itself recorded. Returns the number of events written."""
    filters = parse_audit_filters(params)
    stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for event in _export_events(user, filters):
        writer.writerow(_export_row(event))
        count += 1
    record_export(user, "audit", count=count, params={**filters.as_params(), "format": "csv"})
    return count


def export_audit_xlsx(user, params: Mapping, stream: IO[bytes]) -> int:
    """The same rows as an Excel workbook (XlsxWriter, constant memory). Text never becomes a
    formula or a link: cells are written as strings, formula-looking text quoted as in the CSV."""
    filters = parse_audit_filters(params)
    count = write_xlsx(stream, "audit", EXPORT_COLUMNS, (_export_row(event) for event in _export_events(user, filters)),
                       widths={(0, 0): 20, (5, 8): 40})
    record_export(user, "audit", count=count, params={**filters.as_params(), "format": "xlsx"})
    return count


def _export_row(event: AuditEvent) -> list[Any]:
    at = timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S")
    values = [at, event.actor_name, event.action, event.object_type, event.object_id, event.object_repr,
              event.customer_id or "", json.dumps(event.changes, ensure_ascii=False), event.note]
    return [spreadsheet_safe(v) if isinstance(v, str) else v for v in values]


# --- a customer's timeline -----------------------------------------------------------------

def customer_timeline(user, customer_id: int, *, limit: int = 100) -> list[AuditEvent]:
    """The changes of one customer, newest first, for anyone who may see it. Amounts (and the
    needs of an undisclosed customer) are taken out of `changes` for those who may not see them,
    phones masked; reads of others (numbers revealed) are shown to managers only."""
    access = access_for(user)
    customer = get_visible_customer(access, customer_id, include_deleted=True)
    events = list(timeline_queryset(access, customer)[:limit])
    for event in events:
        event.changes = redact_changes(access, customer, event.changes)
        if event.object_type in AMOUNT_OBJECTS and hidden_change_keys(access, customer):
            event.object_repr = ""
    return events


def timeline_queryset(user, customer) -> QuerySet:
    """A customer's raw events as a reader may list them (others' number reveals for managers only).
    Callers show them through redaction.redact_event / redact_changes, never as they are."""
    access = access_for(user)
    queryset = AuditEvent.objects.filter(customer_id=customer.pk).order_by("-at", "-id")
    if not access.may_read_audit():
        queryset = queryset.exclude(Q(action="phone.reveal") & ~Q(actor_id=access.pk))
    return queryset


def redact_events(user, events: list[AuditEvent]) -> list[AuditEvent]:
    """A page of the log made safe to show to `user` (in memory): amounts and undisclosed needs
    masked where the reader may not see that customer's confidential data (e.g. a member's change
    of another team's customer), phones masked where they may not see them in full. One query
    for the customers of the page."""
    from kehu.customers.models import Customer

    access = access_for(user)
    if access.is_org_admin:
        return events
    ids = {event.customer_id for event in events if event.customer_id}
    customers = {c.pk: c for c in Customer.objects.filter(pk__in=ids).only(
        "pk", "owner_id", "team_id", "needs_undisclosed")} if ids else {}
    access.load_links(customers.values())
    for event in events:
        if event.customer_id:
            redact_event(access, customers.get(event.customer_id), event)
    return events
