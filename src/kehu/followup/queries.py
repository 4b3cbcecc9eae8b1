"""Follow-up reads for the web pages, the API and the digest. Every one starts from the visibility
policy (visible_customers / scope_related), so nobody lists what they may not see."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kehu.core import clock, config
from kehu.core.redaction import redact_event
from kehu.core.audit_queries import ACCESS_ACTION_LABELS, timeline_queryset
from kehu.core.policy import access_for, get_visible_customer, may_see_confidential, scope_related, visible_customers
from kehu.customers.models import Stage, StageChange, Transaction
from kehu.followup.models import (
    ClassificationChange,
    Complaint,
    ComplaintStatus,
    Greeting,
    GreetingStatus,
    Interaction,
    SatisfactionSurvey,
    Task,
    TaskStatus,
)

# --- actions and customers due -----------------------------------------------------------------


def open_tasks(user, *, mine: bool = False) -> QuerySet:
    rows = scope_related(user, Task.objects.filter(status=TaskStatus.OPEN))
    return rows.filter(owner=user) if mine else rows


def overdue_tasks(user, *, now: dt.datetime | None = None, mine: bool = False) -> QuerySet:
    return open_tasks(user, mine=mine).filter(due_at__lt=now or clock.now()).order_by("due_at", "id")


def overdue_customers(user, *, now: dt.datetime | None = None, owner=None, team=None) -> QuerySet:
    """Customers whose next follow-up date has passed (R15), most overdue first; optionally of one
    rep (`owner`) or one team."""
    rows = visible_customers(user).filter(next_follow_up_at__lt=now or clock.now()).exclude(stage=Stage.LOST)
    if owner is not None:
        rows = rows.filter(owner=owner)
    if team is not None:
        rows = rows.filter(team=team)
    return rows.order_by("next_follow_up_at", "id")


def overdue_counts(user, *, now: dt.datetime | None = None, team=None) -> list[dict[str, Any]]:
    """Overdue customers per owner (the team lead's view): [{owner_id, owner, count}], most first."""
    rows = (overdue_customers(user, now=now, team=team).order_by().values("owner_id")
            .annotate(count=Count("id")).order_by("-count", "owner_id"))
    from kehu.accounts.models import User

    names = {u.pk: str(u) for u in User.objects.filter(pk__in=[r["owner_id"] for r in rows if r["owner_id"]])}
    return [{**row, "owner": names.get(row["owner_id"], _("(no owner)"))} for row in rows]


def silent_customers(user) -> QuerySet:
    """The reactivation list (R17): silent customers, most recently silenced first."""
    return visible_customers(user).filter(stage=Stage.SILENT).order_by("-stage_changed_at", "-id")


# --- timeliness (R16) ------------------------------------------------------------------------


def late_interactions(user, *, since: dt.datetime | None = None) -> QuerySet:
    rows = scope_related(user, Interaction.objects.filter(recorded_late=True))
    if since is not None:
        rows = rows.filter(recorded_at__gte=since)
    return rows.order_by("-recorded_at", "-id")


def _customer_grace_days() -> int:
    # First contact is a date without a time: the benefit of the doubt is the end of that day.
    return -(-int(config.get("late_customer_hours")) // 24)


def customer_recorded_late(customer) -> bool:
    from django.utils import timezone

    created = timezone.localdate(customer.created_at)
    return (created - customer.first_contact_date).days > _customer_grace_days()


def late_customers(user) -> QuerySet:
    """Customers entered later than the team's limit after the first contact."""
    return visible_customers(user).annotate(created_on=TruncDate("created_at")).filter(
        created_on__gt=F("first_contact_date") + dt.timedelta(days=_customer_grace_days())).order_by("-created_at")


# --- complaints, surveys, greetings ----------------------------------------------------------


def complaints(user, *, customer=None, unresolved: bool = False) -> QuerySet:
    rows = scope_related(user, Complaint.objects.select_related("customer", "handler", "channel"))
    if customer is not None:
        rows = rows.filter(customer=customer)
    if unresolved:
        rows = rows.exclude(status=ComplaintStatus.RESOLVED)
    return rows.order_by("-received_at", "-id")


def breached_complaints(user, *, customer=None) -> QuerySet:
    """Unresolved complaints with a missed deadline: the customer page's warning badge."""
    return complaints(user, customer=customer, unresolved=True).filter(
        Q(response_breached_at__isnull=False) | Q(solution_breached_at__isnull=False))


def months_before(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def surveys_due(user, *, today: dt.date | None = None) -> QuerySet:
    """Customers with a deal and no satisfaction survey in the last `survey_interval_months` (R19)."""
    cutoff = months_before(today or clock.today(), int(config.get("survey_interval_months")))
    recent = SatisfactionSurvey.objects.filter(customer=OuterRef("pk"), surveyed_on__gt=cutoff)
    return visible_customers(user).filter(stage=Stage.DEAL).exclude(Exists(recent)).order_by("id")


def greetings_due(user, *, today: dt.date | None = None) -> QuerySet:
    today = today or clock.today()
    return (scope_related(user, Greeting.objects.filter(status=GreetingStatus.DUE, due_on__lte=today,
                                                          occurs_on__gte=today))
            .select_related("customer", "contact").order_by("occurs_on", "id"))


def calendar_tasks(user, *, now: dt.datetime | None = None, limit: int = 500) -> QuerySet:
    """The user's own open actions for the calendar feed, from a month back."""
    since = (now or clock.now()) - dt.timedelta(days=30)
    return open_tasks(user, mine=True).filter(due_at__gte=since).select_related("customer").order_by("due_at", "id")[:limit]


# --- the customer's timeline --------------------------------------------------------------------

# Shown by their own rows below, so not again as audited changes.
SHOWN_ELSEWHERE = {"interaction.create", "customer.stage", "transaction.create", "customer.grade",
                   "complaint.create", "complaint.respond", "complaint.resolve", "complaint.reopen", "survey.create"}


ACTION_LABELS = {
    "customer.create": gettext_noop("Customer created"),
    "customer.update": gettext_noop("Profile changed"),
    "customer.verify": gettext_noop("Record verified"),
    "customer.delete": gettext_noop("Customer deleted"),
    "customer.restore": gettext_noop("Customer restored"),
    "contact.create": gettext_noop("Contact added"),
    "contact.update": gettext_noop("Contact changed"),
    "contact.replace": gettext_noop("Contact replaced"),
    "task.create": gettext_noop("Next action planned"),
    "task.update": gettext_noop("Next action changed"),
    "task.complete": gettext_noop("Next action done"),
    "greeting.sent": gettext_noop("Greeting sent"),
}


@dataclass
class TimelineEvent:
    kind: str  # interaction, stage, transaction, complaint, survey, classification, task, change
    at: Any
    title: str
    by: str = ""
    detail: str = ""
    amount: Any = None
    obj: Any = None
    changes: list = field(default_factory=list)
    breached: bool = False


def _stage_name(code: str) -> str:
    return str(dict(Stage.choices).get(code, code or "—"))


def labelled_changes(action: str, changes: dict, *, show_amounts: bool) -> list[tuple[str, Any, Any]]:
    from kehu.customers.models import Contact, Customer

    model = {"customer": Customer, "contact": Contact, "task": Task, "complaint": Complaint}.get(action.split(".")[0])
    lines = []
    for name, pair in (changes or {}).items():
        old, new = (list(pair) + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        text = name
        if model is not None:
            try:
                model_field = model._meta.get_field(name)
            except FieldDoesNotExist:
                model_field = None
            if model_field is not None and not model_field.concrete:  # e.g. a handover's moved `tasks`
                text = str(model_field.related_model._meta.verbose_name_plural)
            elif model_field is not None:
                text = str(model_field.verbose_name)
                if model_field.get_internal_type() == "DecimalField" and not show_amounts:
                    old, new = ("***" if old is not None else None), ("***" if new is not None else None)
        lines.append((text, old, new))
    return lines


def timeline_events(user, customer, *, limit: int = 60) -> list[TimelineEvent]:
    """Everything that happened to a customer, newest first: interactions, stage changes,
    transactions (amounts only for those who may see them), complaints, surveys, classification
    changes and the audited changes. A fixed number of queries, each limited."""
    customer = get_visible_customer(user, customer.pk)
    show_amounts = may_see_confidential(user, customer)
    events: list[TimelineEvent] = []
    for row in (Interaction.objects.filter(customer=customer).select_related("method", "user", "contact")
                .order_by("-occurred_at", "-id")[:limit]):
        title = str(row.method) + (f" · {row.contact.name}" if row.contact_id else "")
        events.append(TimelineEvent("interaction", row.occurred_at, title, by=str(row.user), obj=row))
    for row in StageChange.objects.filter(customer=customer).select_related("by").order_by("-at", "-id")[:limit]:
        title = _("Stage: %(old)s → %(new)s") % {"old": _stage_name(row.from_stage), "new": _stage_name(row.to_stage)}
        events.append(TimelineEvent("stage", row.at, title, by=str(row.by) if row.by_id else _("rules"), detail=row.reason))
    for row in Transaction.objects.filter(customer=customer).order_by("-signed_on", "-id")[:limit]:
        title = f"{row.get_kind_display()} {row.reference}".strip()
        events.append(TimelineEvent("transaction", row.created_at, title, detail=row.products,
                                    amount=row.amount if show_amounts else None, obj=row))
    for row in Complaint.objects.filter(customer=customer).select_related("handler").order_by("-received_at", "-id")[:limit]:
        title = _("Complaint (%(severity)s, %(status)s)") % {"severity": row.get_severity_display(),
                                                            "status": row.get_status_display()}
        events.append(TimelineEvent("complaint", row.received_at, title, by=str(row.handler), detail=row.description,
                                    obj=row, breached=row.is_breached))
    for row in SatisfactionSurvey.objects.filter(customer=customer).select_related("recorded_by").order_by("-surveyed_on", "-id")[:limit]:
        title = _("Satisfaction survey: overall %(overall)d (service %(service)d, product %(product)d)") % {
            "overall": row.overall, "service": row.service_quality, "product": row.product_function}
        events.append(TimelineEvent("survey", row.created_at, title, by=str(row.recorded_by or ""), detail=row.comment, obj=row))
    for row in ClassificationChange.objects.filter(customer=customer).select_related("by").order_by("-at", "-id")[:limit]:
        title = _("%(field)s: %(old)s → %(new)s") % {"field": _("Grade") if row.field == "grade" else row.field,
                                                     "old": row.old_value or "—", "new": row.new_value or "—"}
        events.append(TimelineEvent("classification", row.at, title, by=str(row.by) if row.by_id else _("rules"),
                                    detail=row.reason))
    # Audited changes through the audit log's own reading rules (others' number reveals for
    # managers only) and redaction (amounts, undisclosed needs and phones masked, R33).
    access = access_for(user)
    audit_rows = timeline_queryset(access, customer).exclude(action__in=SHOWN_ELSEWHERE)[:limit]
    for row in audit_rows:
        redact_event(access, customer, row)
        kind = "task" if row.action.startswith("task.") else "change"
        label = ACTION_LABELS.get(row.action) or ACCESS_ACTION_LABELS.get(row.action)
        title = _(label) if label else row.action
        if row.object_repr and not row.action.startswith("customer."):
            title = f"{title}: {row.object_repr}"
        events.append(TimelineEvent(kind, row.at, title, by=row.actor_name, detail=row.note,
                                    changes=labelled_changes(row.action, row.changes, show_amounts=show_amounts)))
    events.sort(key=lambda event: event.at, reverse=True)
    return events[:limit]
