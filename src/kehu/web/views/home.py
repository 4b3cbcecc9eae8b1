"""My day: my overdue and due-today actions, my customers due for contact, recent activity on my
customers, and a quick way to log an interaction.

"Mine" is the user's own customers within what they may see. A rep may own a sixth of a million
customers and a team lead none; each list is read in a way that stays cheap for both.
"""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.utils import timezone

from kehu.core import clock
from kehu.core.policy import scope_related, visible_customers
from kehu.customers.models import Customer
from kehu.customers.queries import FEW, rows_in_order
from kehu.followup.models import Interaction, Task, TaskStatus
from kehu.web.access import access_of, web_view
from kehu.web.views.inbox import row_labels

LIMIT = 20
RECENT_DAYS = 14


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def recent_interactions(access, since: dt.datetime) -> list:
    """The latest interactions on my customers: through those customers when I own few (a team
    lead may own none), else along the interactions' time index."""
    recent = Interaction.objects.filter(occurred_at__gte=since).select_related("customer", "method", "user")
    # The owner alone (the cust_owner index), not the scoped queryset: with the team filter beside it
    # SQLite read a lead's whole team through the team index to find that they own none (0.4 s).
    owned = list(Customer.objects.alive().filter(owner=access.user).order_by().values_list("pk", flat=True)[:FEW])
    if len(owned) < FEW:
        if not owned:
            return []
        return list(scope_related(access, recent.filter(customer_id__in=owned)).order_by("-occurred_at", "-id")[:LIMIT])
    rows = scope_related(access, recent.filter(customer__owner=access.user))
    return rows_in_order(rows, "occurred_at", descending=True, count=LIMIT, many=True,
                         index=Interaction.objects.filter(occurred_at__gte=since))


@web_view
def home(request):
    access = access_of(request)
    user = request.user
    tomorrow = _day_start(clock.today() + dt.timedelta(days=1))
    # One owner's open actions by due time: exactly the task_open_owner index, no detour needed.
    tasks = list(scope_related(access, Task.objects.filter(owner=user, status=TaskStatus.OPEN, due_at__lt=tomorrow))
                 .select_related("customer", "owner").order_by("due_at", "id")[:LIMIT])
    mine = visible_customers(access).filter(owner=user)
    # One owner by follow-up time: exactly the cust_owner_follow_up index.
    due_customers = list(mine.filter(next_follow_up_at__lt=tomorrow).order_by("next_follow_up_at", "id")[:LIMIT])
    recent = recent_interactions(access, clock.now() - dt.timedelta(days=RECENT_DAYS))
    context = {"tasks": tasks, "due_customers": due_customers, "recent": recent, "limit": LIMIT, "L": row_labels()}
    return render(request, "web/home.html", context)
