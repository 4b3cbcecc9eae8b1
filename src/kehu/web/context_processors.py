"""What every page of the web app needs: the navigation and the slots of the header.

`unread_notification_count` and `notifications_url` are defaults here; the notifications app adds
its own context processor after this one (in settings) to fill them with the real count.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from kehu.core import clock
from kehu.web.navigation import items_for


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def navigation(request) -> dict:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"nav_items": [], "languages": settings.LANGUAGES}
    return {
        "nav_items": items_for(request),
        "languages": settings.LANGUAGES,
        "unread_notification_count": 0,
        "notifications_url": "",
        # For "overdue" and "due today" marks; the clock, so tests can move time.
        "now": clock.now(),
        "tomorrow": _day_start(clock.today() + dt.timedelta(days=1)),
    }
