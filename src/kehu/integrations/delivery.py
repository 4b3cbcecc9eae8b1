"""Sending webhook deliveries: signed JSON over HTTP, retried with back-off, logged.

A delivery is sent by a background thread right after the write commits, so a slow or failing
receiver never holds up the request. If the process dies first, or the receiver fails, the
`webhooks.deliver` sweep check sends it when it is due (delays: config
"webhook_retry_delays_seconds"); after the last delay it is marked failed and stays in the log,
from which it can be sent again (API: POST /webhooks/deliveries/{id}/redeliver).

Delivery is at least once: receivers dedupe on the X-Kehu-Event-Id header. Signature:
X-Kehu-Signature: sha256=HEX(HMAC-SHA256(secret, f"{X-Kehu-Timestamp}.{raw body}")).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import urllib.error
import urllib.request

from django.db import connection

from kehu.core import clock, config, sweep
from kehu.integrations.models import DeliveryStatus, WebhookDelivery

log = logging.getLogger("kehu.webhooks")
# How long one sender may hold a delivery before another may try it (sweep vs thread).
LEASE = dt.timedelta(minutes=2)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _claim(delivery_id: int, now: dt.datetime) -> WebhookDelivery | None:
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now,
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(clock.now().timestamp()))
    request = urllib.request.Request(delivery.subscription.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Kehu-Webhooks/1",
        "X-Kehu-Event": delivery.event,
        "X-Kehu-Event-Id": delivery.event_id,
        "X-Kehu-Delivery": str(delivery.pk),
        "X-Kehu-Timestamp": timestamp,
        "X-Kehu-Signature": sign(delivery.subscription.secret, timestamp, body),
    })
    try:
        with urllib.request.urlopen(request, timeout=float(config.get("webhook_timeout_seconds"))) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(getattr(exc, "reason", exc))[:300]


def attempt(delivery_id: int) -> bool | None:
    """Try one delivery if it is due and nobody else holds it: True sent, False failed, None skipped."""
    delivery = _claim(delivery_id, clock.now())
    if delivery is None:
        return None
    status, error = _post(delivery)
    now = clock.now()
    delivery.attempts += 1
    delivery.last_status_code = status
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at, delivery.last_error = (
            DeliveryStatus.DELIVERED, now, None, "")
    else:
        delays = list(config.get("webhook_retry_delays_seconds"))
        delivery.last_error = error or f"HTTP {status}"
        if delivery.attempts > len(delays):
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            delivery.next_attempt_at = now + dt.timedelta(seconds=int(delays[delivery.attempts - 1]))
    delivery.save(update_fields=["attempts", "last_status_code", "status", "delivered_at", "next_attempt_at",
                                 "last_error"])
    if delivery.status != DeliveryStatus.DELIVERED:
        log.warning("webhook delivery %s to %s failed: %s", delivery.pk, delivery.subscription.url, delivery.last_error)
    return delivery.status == DeliveryStatus.DELIVERED


def _send_all(ids: list[int]) -> None:
    try:
        for delivery_id in ids:
            try:
                attempt(delivery_id)
            except Exception:  # noqa: BLE001 — one bad delivery must not stop the others; the sweep retries
                log.exception("webhook delivery %s crashed", delivery_id)
    finally:
        connection.close()


def send_in_background(ids: list[int]) -> threading.Thread:
    thread = threading.Thread(target=_send_all, args=(list(ids),), name="kehu-webhooks", daemon=True)
    thread.start()
    return thread


@sweep.register("webhooks.deliver", order=900)
def deliver_due(now: dt.datetime, *, batch: int = 500) -> int:
    """Send the deliveries whose (re)try time has come; returns how many were delivered."""
    due = list(WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:batch])
    return sum(1 for delivery_id in due if attempt(delivery_id))
