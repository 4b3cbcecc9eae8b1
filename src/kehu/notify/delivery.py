"""Sending what the inbox holds to e-mail and robots, after commit, with retries and a log.

A write never waits for a channel: services only add Delivery rows; `kick` (run by
transaction.on_commit) wakes one background thread per process that sends them, and every sweep
sends what is left (retries, digests, anything a restart interrupted). Several senders may run at
once: each claims rows by moving their `next_attempt_at` a lease into the future (with SKIP LOCKED
on PostgreSQL), so no message goes out twice while its sender lives.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import translation

from kehu.core import clock, config
from kehu.core.policy import may_see_customer
from kehu.notify import channels
from kehu.notify.models import ROBOTS, Channel, Delivery, DeliveryStatus, Mode, Preference
from kehu.notify.render import Message, render

log = logging.getLogger("kehu.notify")
LEASE = dt.timedelta(minutes=10)
BACKOFF_MINUTES = (1, 5, 30, 120, 480)


def _claim(now: dt.datetime, batch: int) -> list[Delivery]:
    with transaction.atomic():
        due = Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:batch])
        if ids:
            Delivery.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    return list(Delivery.objects.filter(pk__in=ids).select_related("user", "notification", "notification__customer"))


def deliver_due(now: dt.datetime | None = None, *, batch: int = 100) -> int:
    """Send every delivery that is due; returns how many were attempted."""
    attempted = 0
    while True:
        moment = now or clock.now()
        rows = _claim(moment, batch)
        if not rows:
            return attempted
        for row in rows:
            _send(row, moment)
            attempted += 1


def _compose(row: Delivery, preference: Preference | None) -> tuple[Message | None, str]:
    """The message, or None and why it is not sent (the user changed their mind, lost sight…)."""
    if not row.user.is_active:
        return None, "user inactive"
    mode = None
    if preference is not None:
        mode = preference.email_mode if row.channel == Channel.EMAIL else (
            preference.robot_mode if preference.robot_kind == row.channel else Mode.OFF)
    if mode in (None, Mode.OFF):
        return None, "channel switched off"
    if row.digest_day is not None:
        from kehu.notify.digest import compose_digest

        message = compose_digest(row.user, row.digest_day, preference)
        return message, "" if message else "nothing to report"
    notification = row.notification
    if notification.customer_id and not may_see_customer(row.user, notification.customer):
        return None, "customer not visible to the user"
    return render(notification), ""


def _transmit(row: Delivery, preference: Preference, message: Message) -> None:
    if row.channel == Channel.EMAIL:
        channels.send_email(preference.email or row.user.email, message)
    elif row.channel in ROBOTS:
        channels.send_robot(row.channel, preference.robot_url, preference.robot_secret, message)
    else:
        raise channels.SendError(f"unknown channel {row.channel!r}")


def _send(row: Delivery, now: dt.datetime) -> None:
    preference = Preference.objects.filter(user_id=row.user_id).first()
    try:
        with translation.override(row.user.language or settings.LANGUAGE_CODE):
            message, why_not = _compose(row, preference)
            if message is not None:
                _transmit(row, preference, message)
    except Exception as exc:  # any failure of one channel is logged and retried, never raised
        row.attempts += 1
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if row.attempts >= int(config.get("notify_max_attempts")):
            row.status = DeliveryStatus.FAILED
        else:
            wait = BACKOFF_MINUTES[min(row.attempts, len(BACKOFF_MINUTES)) - 1]
            row.next_attempt_at = now + dt.timedelta(minutes=wait)
        log.warning("notify: %s delivery %s to user %s failed (attempt %s): %s",
                    row.channel, row.pk, row.user_id, row.attempts, row.last_error)
        row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        return
    row.attempts += 1
    if message is None:
        row.status, row.last_error = DeliveryStatus.SKIPPED, why_not
    else:
        row.status, row.sent_at, row.last_error = DeliveryStatus.SENT, clock.now(), ""
    row.save(update_fields=["attempts", "last_error", "status", "sent_at"])


# --- the background sender ------------------------------------------------------------------

_lock = threading.Lock()
_wakeup = threading.Event()
_idle = threading.Event()
_idle.set()
_worker: threading.Thread | None = None


def kick() -> None:
    """Send what is waiting without holding up the caller (run after commit)."""
    global _worker
    if connection.in_atomic_block:
        # Still inside an outer transaction (a test case's): only this connection sees the rows.
        deliver_due()
        return
    with _lock:
        _idle.clear()
        _wakeup.set()
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_loop, name="kehu-notify-sender", daemon=True)
            _worker.start()


def _loop() -> None:
    while True:
        _wakeup.wait()
        _wakeup.clear()
        try:
            deliver_due()
        except Exception:  # the thread must survive a database hiccup; the sweep retries anyway
            log.exception("notify: background sending failed")
        finally:
            connections.close_all()
        with _lock:
            if not _wakeup.is_set():
                _idle.set()


def wait_idle(timeout: float = 10) -> bool:
    """Wait until the background sender has nothing left (tests, orderly shutdown)."""
    return _idle.wait(timeout)
