"""R18: a complaint still unanswered at its response deadline, or unresolved at its solution
deadline, is flagged as breached; its handler and the lead of the customer's team are told."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Q

from kehu.core.sweep import register
from kehu.followup.models import Complaint, ComplaintStatus
from kehu.notify.services import notify_rows

UNRESOLVED = (ComplaintStatus.OPEN, ComplaintStatus.RESPONDED, ComplaintStatus.REOPENED)


def _flag(rows, *, kind: str, due_field: str, flag_field: str, now: dt.datetime) -> int:
    with transaction.atomic():
        notify_rows(kind, rows, recipient="handler_id", due_at=due_field, now=now)
        leads = rows.annotate(lead_id=F("customer__team__lead_id")).exclude(lead_id=F("handler_id"))
        notify_rows(kind, leads, recipient="lead_id", due_at=due_field, now=now)
        return rows.update(**{flag_field: now})


@register("followup.complaints", order=400)
def complaint_deadlines(now: dt.datetime) -> int:
    # The filters repeat the partial indexes' conditions (care.UNANSWERED, care.UNSOLVED).
    unanswered = Complaint.objects.filter(Q(status="open") & Q(response_breached_at__isnull=True),
                                          response_due_at__lt=now)
    unsolved = Complaint.objects.filter(Q(status__in=UNRESOLVED) & Q(solution_breached_at__isnull=True),
                                        solution_due_at__lt=now)
    return (_flag(unanswered, kind="complaint.response_breach", due_field="response_due_at",
                  flag_field="response_breached_at", now=now)
            + _flag(unsolved, kind="complaint.solution_breach", due_field="solution_due_at",
                    flag_field="solution_breached_at", now=now))
