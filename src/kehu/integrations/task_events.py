"""Webhooks for the moments of a next action, emitted by the follow-up sweep's task-alert pass
(kehu.followup.sweeps.task_alerts) over the same window (previous pass, now]:

- task.due: the action enters its reminder lead time (due − `task_reminder_minutes`) and is not
  yet overdue;
- task.overdue: its due time passed while it was still open.

Each (event, action, due time) has one event id (events.moment_event_id), so a repeated or
concurrent pass sends nothing twice, and a rescheduled action is a new moment. Payloads are
the same as task.created's, for subscribers whose owner may see the customer.
"""

from __future__ import annotations

import datetime as dt

from kehu.core import config
from kehu.integrations import events


def _open_due(low: dt.datetime, high: dt.datetime):
    from kehu.followup.models import Task, TaskStatus

    return (Task.objects.filter(status=TaskStatus.OPEN, due_at__gt=low, due_at__lte=high)
            .select_related("customer").order_by("due_at", "id"))


def emit_task_moments(prev: dt.datetime, now: dt.datetime) -> int:
    """Queue the task.due and task.overdue events of the window; how many deliveries were queued.
    Costs one query for the subscriptions when nobody subscribes."""
    lead = dt.timedelta(minutes=int(config.get("task_reminder_minutes")))
    windows = (("task.overdue", prev, now), ("task.due", max(prev + lead, now), now + lead))
    queued = 0
    for name, low, high in windows:
        subscriptions = events.subscriptions_to(name)
        if not subscriptions or low >= high:
            continue
        for task in list(_open_due(low, high)):
            if task.customer.deleted_at is not None:
                continue
            queued += events.emit(name, events.task_data(task), customer=task.customer,
                                  event_id=events.moment_event_id(name, task, task.due_at),
                                  subscriptions=subscriptions)
    return queued
