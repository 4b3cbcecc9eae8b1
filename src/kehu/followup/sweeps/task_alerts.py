"""R14: reminders to an action's owner a lead time before it is due (a second one shortly before
for high priority) and when it is overdue; escalation to the lead of the customer's team after
`task_escalate_days` overdue and the offer to reassign it after `task_reassign_days`.

Each notice belongs to a moment of the action (due − lead time, due, due + N days…). A pass
handles the moments that fell in (the previous pass, now] — at most `sweep_catch_up_hours`
back — : a range on the indexed due time,
per recipient one INSERT … SELECT scoped by the visibility policy. Nothing is written to the
actions, so a pass costs what came due since the last one. When an action crossed several
moments in one window (the first pass over loaded data, a sweep after downtime), only the
latest notice of each track is sent. Notifications are unique by (user, kind, action, due time):
a repeated or concurrent pass writes nothing twice, and a rescheduled action is a new promise
whose moments lie ahead. Actions created or handed over inside their reminder window are told
to their owner by the services instead ("task.assigned").
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from kehu.accounts.models import Team, User
from kehu.core import config
from kehu.core.sweep import register
from kehu.followup.models import Priority, Task, TaskStatus
from kehu.followup.sweeps import watermark
from kehu.integrations.task_events import emit_task_moments
from kehu.notify.services import notify_rows

NAME = "followup.task_alerts"


def _due_between(low: dt.datetime | None, high: dt.datetime, *extra: Q) -> QuerySet:
    """Open actions with low < due_at <= high (no lower bound on the first pass)."""
    rows = Task.objects.filter(status=TaskStatus.OPEN, due_at__lte=high).filter(*extra)
    return rows if low is None else rows.filter(due_at__gt=low)


def _later(*bounds: dt.datetime | None) -> dt.datetime | None:
    """The latest lower bound; None stands for "no bound" (the first pass)."""
    known = [b for b in bounds if b is not None]
    return max(known) if known else None


def owner_windows(prev: dt.datetime | None, now: dt.datetime) -> list[tuple[str, QuerySet]]:
    lead = dt.timedelta(minutes=int(config.get("task_reminder_minutes")))
    second = dt.timedelta(minutes=int(config.get("task_second_reminder_minutes")))
    shift = (lambda moment, delta: None if moment is None else moment + delta)
    high, not_high = Q(priority=Priority.HIGH), ~Q(priority=Priority.HIGH)
    return [
        ("task.overdue", _due_between(prev, now)),
        # The second reminder, unless the action is already overdue.
        ("task.reminder2", _due_between(_later(shift(prev, second), now), now + second, high)),
        # The first reminder, unless the next notice (second reminder or overdue) is already due.
        ("task.reminder", _due_between(_later(shift(prev, lead), now + second), now + lead, high)),
        ("task.reminder", _due_between(_later(shift(prev, lead), now), now + lead, not_high)),
    ]


def lead_windows(prev: dt.datetime | None, now: dt.datetime) -> list[tuple[str, QuerySet]]:
    escalate = dt.timedelta(days=int(config.get("task_escalate_days")))
    reassign = dt.timedelta(days=int(config.get("task_reassign_days")))
    shift = (lambda moment, delta: None if moment is None else moment - delta)
    return [
        ("task.reassign", _due_between(shift(prev, reassign), now - reassign)),
        ("task.escalated", _due_between(_later(shift(prev, escalate), now - reassign), now - escalate)),
    ]


def owner_reminders(prev: dt.datetime | None, now: dt.datetime) -> int:
    owners = list(User.objects.filter(is_active=True).values_list("pk", flat=True))
    return sum(notify_rows(kind, rows, recipient="owner_id", recipients=owners, due_at="due_at", now=now)
               for kind, rows in owner_windows(prev, now))


def escalations(prev: dt.datetime | None, now: dt.datetime) -> int:
    """To the lead of the customer's team (the manager of the rep); not to a lead who owns the action."""
    teams_by_lead: dict[int, list[int]] = {}
    for team_id, lead_id in Team.objects.filter(lead__is_active=True).values_list("pk", "lead_id"):
        teams_by_lead.setdefault(lead_id, []).append(team_id)
    written = 0
    for kind, rows in lead_windows(prev, now):
        for lead_id, team_ids in teams_by_lead.items():
            written += notify_rows(kind, rows.exclude(owner_id=lead_id), recipient=None, recipients=[lead_id],
                                   customers_where=Q(team_id__in=team_ids), due_at="due_at", now=now)
    return written


def window_start(now: dt.datetime) -> dt.datetime:
    """Where this pass starts looking: the previous pass, but no further back than the catch-up
    limit. The first pass over loaded data, or one after days of downtime, would otherwise send
    a notice for every action that ever came due; those stay in the overdue lists instead."""
    limit = now - dt.timedelta(hours=int(config.get("sweep_catch_up_hours")))
    mark = watermark.reached(NAME)
    return limit if mark is None else max(mark.reached_at, limit)


@register(NAME, order=300)
def task_alerts(now: dt.datetime) -> int:
    prev = window_start(now)
    if prev >= now:
        return 0  # this window was already swept (a repeated or slower concurrent pass)
    # No transaction around the pass: each INSERT stands on its own (the unique constraint makes a
    # rerun harmless) and SQLite's write lock is held per statement, not for the whole pass.
    written = owner_reminders(prev, now) + escalations(prev, now)
    # Webhooks task.due / task.overdue for the same window (kehu.integrations.task_events).
    emit_task_moments(prev, now)
    watermark.advance(NAME, now)
    return written
