"""My day: my overdue and due-today actions, my customers due for contact, recent activity on my
customers, and a quick way to log an interaction."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.utils import timezone

from kehu.core import clock
from kehu.core.policy import visible_customers
from kehu.followup.models import Interaction, Task, TaskStatus
from kehu.web.access import web_view
from kehu.web.views.inbox import row_labels

LIMIT = 20


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@web_view
def home(request):
    user = request.user
    tomorrow = _day_start(clock.today() + dt.timedelta(days=1))
    visible = visible_customers(user)
    tasks = list(Task.objects.filter(owner=user, status=TaskStatus.OPEN, due_at__lt=tomorrow, customer__in=visible)
                 .select_related("customer", "owner").order_by("due_at", "id")[:LIMIT])
    due_customers = list(visible.filter(owner=user, next_follow_up_at__lt=tomorrow)
                         .order_by("next_follow_up_at", "id")[:LIMIT])
    since = clock.now() - dt.timedelta(days=14)
    recent = list(Interaction.objects.filter(customer__in=visible.filter(owner=user), occurred_at__gte=since)
                  .select_related("customer", "method", "user").order_by("-occurred_at", "-id")[:LIMIT])
    context = {"tasks": tasks, "due_customers": due_customers, "recent": recent, "limit": LIMIT, "L": row_labels()}
    return render(request, "web/home.html", context)
