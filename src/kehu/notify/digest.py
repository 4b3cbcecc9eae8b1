"""The daily digest: one message per user and channel with the day's notifications and the
follow-up figures other apps add as sections (e.g. overdue actions)."""

from __future__ import annotations

import datetime as dt
from typing import Callable

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.notify.models import Channel, Delivery, Mode, Preference
from kehu.notify.render import Message, render_many

MAX_LINES = 30
Section = Callable[[object, dt.datetime], list[str]]
_sections: list[Section] = []


def register_section(func: Section) -> Section:
    """`func(user, now) -> lines` adds figures to every digest (empty list: nothing to say)."""
    _sections.append(func)
    return func


def digest_moment(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


def compose_digest(user, day: dt.date, preference: Preference | None) -> Message | None:
    from kehu.notify.queries import inbox

    hour = preference.digest_hour if preference else 8
    until = digest_moment(day, hour)
    # Unread notifications since the previous digest's moment (a late sweep's are included).
    recent = list(inbox(user).filter(read_at__isnull=True, created_at__gte=until - dt.timedelta(days=1))
                  .select_related("customer")[: MAX_LINES + 1])
    lines = [f"- {m.title}" + (f" ({m.body})" if m.body else "") for m in render_many(recent[:MAX_LINES])]
    if len(recent) > MAX_LINES:
        lines.append(_("… and more in your inbox."))
    figures = [line for section in _sections for line in section(user, until)]
    if not lines and not figures:
        return None
    body = "\n".join(figures + ([""] if figures and lines else []) + lines)
    return Message(title=_("Kehu daily digest %(day)s") % {"day": day.isoformat()}, body=body)


def plan_digests(now: dt.datetime) -> int:
    """Add today's digest deliveries for users whose digest hour has come (once per day and channel)."""
    local = timezone.localtime(now)
    rows = []
    preferences = Preference.objects.filter(Q(email_mode=Mode.DIGEST) | Q(robot_mode=Mode.DIGEST),
                                            digest_hour__lte=local.hour, user__is_active=True)
    for preference in preferences:
        wanted = []
        if preference.email_mode == Mode.DIGEST:
            wanted.append(Channel.EMAIL)
        if preference.robot_mode == Mode.DIGEST and preference.robot_kind:
            wanted.append(preference.robot_kind)
        rows += [Delivery(user_id=preference.user_id, channel=channel, digest_day=local.date(),
                          next_attempt_at=now, created_at=now) for channel in wanted]
    existing = set(Delivery.objects.filter(digest_day=local.date(), user_id__in={r.user_id for r in rows})
                   .values_list("user_id", "channel"))
    fresh = [row for row in rows if (row.user_id, row.channel) not in existing]
    # A concurrent sweep may add the same rows between the read and the write: the unique
    # constraint keeps one.
    Delivery.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)
