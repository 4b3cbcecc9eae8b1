"""Reading the inbox: only notifications about customers the reader may still see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kehu.core.policy import customer_scope
from kehu.notify.models import Notification


def inbox(user) -> QuerySet:
    rows = Notification.objects.filter(user=user)
    general = Q(customer__isnull=True)
    scope = customer_scope(user, prefix="customer__")
    about_visible = Q(customer__deleted_at__isnull=True) & (Q() if scope is None else scope)
    return rows.filter(general | about_visible).order_by("-created_at", "-id")


def unread_count(user) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return inbox(user).filter(read_at__isnull=True).count()
