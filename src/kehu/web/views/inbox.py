"""The actions inbox: my open actions and my team's, by due date; done or rescheduled in place."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.accounts.models import User
from kehu.core import clock
from kehu.core.errors import ConflictError, ValidationError
from kehu.core.policy import scope_related
from kehu.customers.queries import rows_in_order
from kehu.followup.models import Task, TaskStatus
from kehu.followup.services import task_complete, task_update
from kehu.web.access import access_of, error_dict, web_view

LIMIT = 100
WHEN = ("overdue", "today", "week", "all")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def row_labels() -> dict[str, str]:
    """The words and URLs every action row repeats, computed once per page (see _task_row.html)."""
    return {
        "due": _("Due"), "customer": _("Customer"), "who": _("Who"), "priority": _("Priority"),
        "status": _("Status"), "done": _("Mark done"), "new_due": _("New due time"), "reschedule": _("Reschedule"),
        # Row links are built from these (actions/<pk>/done/): reverse() per row was the slowest part.
        "actions_url": reverse("web:inbox"), "customers_url": reverse("web:customer_list"),
    }


def inbox_tasks(access, *, scope: str, when: str):
    """Open actions on customers the user may see: `mine` or the `team`'s (the teams I lead, or my team)."""
    user = access.user
    # scope_related joins the customer and checks the scope per row: a `customer IN (visible
    # customers)` subquery would list every customer a team lead sees before the first action.
    tasks = scope_related(access, Task.objects.filter(status=TaskStatus.OPEN))
    if scope == "team":
        team_ids = sorted(access.led_team_ids) or ([user.team_id] if user.team_id else [])
        tasks = tasks.filter(owner__in=User.objects.filter(team_id__in=team_ids))
    else:
        tasks = tasks.filter(owner=user)
    now = clock.now()
    if when == "overdue":
        tasks = tasks.filter(due_at__lt=now)
    elif when == "today":
        tasks = tasks.filter(due_at__lt=_day_start(clock.today() + dt.timedelta(days=1)))
    elif when == "week":
        tasks = tasks.filter(due_at__lt=_day_start(clock.today() + dt.timedelta(days=8)))
    tasks = tasks.select_related("customer", "owner")
    if scope != "team":  # one owner by due time: the task_open_owner index as it stands
        return list(tasks.order_by("due_at", "id")[:LIMIT])
    # Several owners: the database would merge them by sorting every open action of the team.
    return rows_in_order(tasks, "due_at", count=LIMIT, index=Task.objects.filter(status=TaskStatus.OPEN))


@web_view
def inbox(request):
    scope = "team" if request.GET.get("scope") == "team" else "mine"
    when = request.GET.get("when") if request.GET.get("when") in WHEN else "all"
    context = {"tasks": list(inbox_tasks(access_of(request), scope=scope, when=when)), "scope": scope, "when": when,
               "limit": LIMIT, "L": row_labels()}
    return render(request, "web/actions/inbox.html", context)


def _row(request, task, errors=None):
    show_customer = bool(request.POST.get("show_customer"))
    if request.htmx:
        return render(request, "web/actions/_task_row.html",
                      {"task": task, "show_customer": show_customer, "task_errors": errors, "L": row_labels()},
                      status=422 if errors else 200)
    return HttpResponseRedirect(request.META.get("HTTP_REFERER") or reverse("web:inbox"))


def _task(user, pk: int) -> Task:
    task = scope_related(user, Task.objects.filter(pk=pk)).select_related("customer", "owner").first()
    if task is None:
        raise Http404
    return task


@web_view
@require_POST
def task_complete_view(request, pk: int):
    task = _task(request.user, pk)
    try:
        task = task_complete(request.user, task.pk, version=int(request.POST.get("version") or 0),
                             result=request.POST.get("result", ""))
    except (ValidationError, ConflictError) as exc:
        return _row(request, _task(request.user, pk), error_dict(exc))
    return _row(request, _task(request.user, task.pk))


@web_view
@require_POST
def task_reschedule_view(request, pk: int):
    task = _task(request.user, pk)
    try:
        task = task_update(request.user, task.pk, version=int(request.POST.get("version") or 0),
                           due_at=request.POST.get("due_at", ""))
    except (ValidationError, ConflictError) as exc:
        return _row(request, _task(request.user, pk), error_dict(exc))
    return _row(request, _task(request.user, task.pk))
