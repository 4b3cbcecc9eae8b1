"""Thin adapters: the calendar feed (a private URL, no sign-in), the inbox page and its read marks."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kehu.core import clock
from kehu.notify import calendar
from kehu.notify.models import CalendarFeed
from kehu.notify.queries import inbox as inbox_rows
from kehu.notify.queries import unread_count
from kehu.notify.render import render_many
from kehu.notify.services import calendar_feed_reset, calendar_feed_token, notifications_mark_read

PAGE = 50


@require_GET
def calendar_feed(request, token: str):
    """RFC 5545 document of the token owner's open actions. The token is the only credential: a
    revoked (reset) token or an inactive user gets 404, as a guessed one does."""
    from kehu.followup.notices import customer_url
    from kehu.followup.queries import calendar_tasks

    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    user = feed.user
    events = [{
        "uid": f"kehu-task-{task.pk}@kehu", "start": task.due_at, "minutes": 30,
        "summary": f"{task.title} · {task.customer.name}", "description": task.note, "priority": task.priority,
        "url": request.build_absolute_uri(customer_url(task.customer_id)) if customer_url(task.customer_id) else "",
        "modified": task.updated_at, "sequence": task.version - 1,
    } for task in calendar_tasks(user)]
    body = calendar.build(name=_("Kehu actions of %(user)s") % {"user": user}, events=events, now=clock.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = 'inline; filename="kehu.ics"'
    return response


@login_required
def inbox(request):
    rows = inbox_rows(request.user).select_related("customer")
    page = Paginator(rows, PAGE, allow_empty_first_page=True).get_page(request.GET.get("page"))
    items = list(zip(page.object_list, render_many(page.object_list)))
    feed_url = request.build_absolute_uri(f"/notify/calendar/{calendar_feed_token(request.user)}.ics")
    return render(request, "notify/inbox.html", {"page": page, "items": items, "calendar_url": feed_url,
                                                 "unread": unread_count(request.user)})


@login_required
@require_POST
def mark_read(request):
    ids = request.POST.getlist("id")
    notifications_mark_read(request.user, ids or None)
    return redirect(request.POST.get("next") or "notify:inbox")


@login_required
@require_POST
def calendar_reset(request):
    calendar_feed_reset(request.user)
    return redirect("notify:inbox")
