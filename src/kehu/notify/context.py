"""Template context: the unread count for the bell in the page header (web/base.html)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from kehu.notify.queries import unread_count


def unread(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    try:
        url = reverse("notify:inbox")
    except NoReverseMatch:
        url = ""
    return {"unread_notification_count": unread_count(user), "notifications_url": url}
